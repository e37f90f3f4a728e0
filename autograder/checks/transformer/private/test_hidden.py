"""Hidden checks of the transformer assignment (never shipped to students).

Inputs and weights are drawn from the submission's seed, which results.json
records, so a grade can be reproduced exactly.
"""

import pytest

from autograder.checks.transformer.common import (
    block_case,
    eval_mode_case,
    feed_forward_case,
    self_attention_case,
)

# (B, L, d_model, num_heads, mask kind, weight scale): one head, a head per
# feature, a single position, longer sequences, per-batch masks, larger weights.
MHSA_CASES = {
    "one-head": (2, 4, 6, 1, "causal", 1.0),
    "head-per-feature": (2, 3, 4, 4, None, 1.0),
    "one-position": (3, 1, 8, 2, "causal", 1.0),
    "long-random": (1, 9, 8, 2, "random2d", 1.0),
    "mask-per-batch": (3, 6, 12, 4, "random3d", 1.0),
    "large-weights": (2, 5, 8, 2, "causal", 3.0),
}
# (B, L, d_model, d_ff, input scale)
FF_CASES = {
    "one-token": (1, 1, 4, 8, 1.0),
    "large-inputs": (2, 3, 8, 16, 4.0),
    "narrow-hidden": (2, 4, 12, 6, 1.0),
}
# (B, L, d_model, num_heads, d_ff, mask kind)
BLOCK_CASES = {
    "no-mask": (3, 3, 8, 2, 32, None),
    "causal-long": (2, 10, 16, 4, 32, "causal"),
    "one-head": (2, 4, 6, 1, 12, "causal"),
    "one-position": (2, 1, 8, 4, 16, "causal"),
    "random-2d": (2, 6, 8, 2, 8, "random2d"),
    "random-3d": (4, 5, 12, 3, 24, "random3d"),
    "batch-of-one": (1, 7, 10, 5, 20, "random3d"),
}


@pytest.mark.task("MultiHeadSelfAttention.forward")
@pytest.mark.points(3.5)
@pytest.mark.parametrize("case", sorted(MHSA_CASES))
def test_self_attention(sub, oracle, rng, case):
    """MultiHeadSelfAttention: output and gradients match the reference"""
    *shape, scale = MHSA_CASES[case]
    self_attention_case(sub, oracle, rng, tuple(shape), scale=scale)


@pytest.mark.task("FeedForward.forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(FF_CASES))
def test_feed_forward(sub, oracle, rng, case):
    """FeedForward: output and gradients match the reference (exact GELU)"""
    *shape, scale = FF_CASES[case]
    feed_forward_case(sub, oracle, rng, tuple(shape), input_scale=scale)


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(BLOCK_CASES))
def test_block(sub, oracle, rng, case):
    """TransformerBlock: output and gradients match the reference"""
    block_case(sub, oracle, rng, BLOCK_CASES[case], random_scale=True)


EVAL_CASES = [
    pytest.param(
        "MultiHeadSelfAttention",
        marks=pytest.mark.task("MultiHeadSelfAttention.forward"),
        id="mhsa",
    ),
    pytest.param("FeedForward", marks=pytest.mark.task("FeedForward.forward"), id="ff"),
    pytest.param(
        "TransformerBlock", marks=pytest.mark.task("TransformerBlock.forward"), id="block"
    ),
]


@pytest.mark.points(3)
@pytest.mark.parametrize("cls", EVAL_CASES)
def test_eval_mode(sub, oracle, rng, cls):
    """with dropout=0.5, eval mode is deterministic and matches the reference"""
    eval_mode_case(sub, oracle, rng, cls, (2, 6, 8, 2, 16), dropout=0.5)
