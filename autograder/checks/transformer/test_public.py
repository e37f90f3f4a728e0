"""Public checks of the transformer assignment (they ship with the assignment).

Run them with `dlcourse check transformer`. Each check loads the same random
weights into your module and into the reference (by parameter name), runs
forward and backward in float64 and compares the output, the input's gradient
and every parameter's gradient. The hidden checks do the same on other shapes,
masks and weights.
"""

import pytest

from autograder.checks.transformer.common import (
    block_case,
    eval_mode_case,
    feed_forward_case,
    self_attention_case,
)

# (B, L, d_model, num_heads, mask kind)
MHSA_CASES = {
    "no-mask": (2, 4, 8, 2, None),
    "causal": (2, 5, 8, 2, "causal"),
    "mask-per-batch": (2, 5, 12, 3, "random3d"),
}
# (B, L, d_model, d_ff)
FF_CASES = {"8-16": (2, 4, 8, 16), "6-24": (1, 3, 6, 24)}
# (B, L, d_model, num_heads, d_ff, mask kind)
BLOCK_CASES = {
    "no-mask": (2, 4, 8, 2, 16, None),
    "causal": (2, 5, 8, 4, 16, "causal"),
    "random-mask": (3, 4, 12, 3, 24, "random2d"),
}


@pytest.mark.task("MultiHeadSelfAttention.forward")
@pytest.mark.points(3.5)
@pytest.mark.parametrize("case", sorted(MHSA_CASES))
def test_self_attention(sub, oracle, rng, case):
    """MultiHeadSelfAttention: output and gradients match the reference"""
    self_attention_case(sub, oracle, rng, MHSA_CASES[case])


@pytest.mark.task("FeedForward.forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(FF_CASES))
def test_feed_forward(sub, oracle, rng, case):
    """FeedForward: output and gradients match the reference (exact GELU)"""
    feed_forward_case(sub, oracle, rng, FF_CASES[case], weight_scale=2.0, input_scale=2.0)


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3.5)
@pytest.mark.parametrize("case", sorted(BLOCK_CASES))
def test_block(sub, oracle, rng, case):
    """TransformerBlock: output and gradients match the reference"""
    block_case(sub, oracle, rng, BLOCK_CASES[case])


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3)
def test_block_eval_mode(sub, oracle, rng):
    """TransformerBlock with dropout=0.3: eval mode is deterministic and matches the reference"""
    eval_mode_case(sub, oracle, rng, "TransformerBlock", (2, 5, 8, 2, 16), dropout=0.3)
