"""Public checks of the transformer assignment (they ship with the assignment).

Run them with `dlcourse check transformer`. Each check loads the same random
weights into your module and into the reference (by parameter name), runs
forward and backward in float64 and compares the output, the input's gradient
and every parameter's gradient. The hidden checks do the same on other shapes,
masks and weights.
"""

import pytest

from autograder.checks.transformer.common import (
    causal_mask,
    check_eval_mode,
    check_layer,
    parameter_shapes,
    random_mask,
    random_state,
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


def make_mask(rng, kind, B, L):
    if kind is None:
        return None
    if kind == "causal":
        return causal_mask(L)
    return random_mask(rng, (L, L) if kind == "random2d" else (B, L, L))


@pytest.mark.task("MultiHeadSelfAttention.forward")
@pytest.mark.points(3.5)
@pytest.mark.parametrize("case", sorted(MHSA_CASES))
def test_self_attention(sub, oracle, rng, case):
    """MultiHeadSelfAttention: output and gradients match the reference"""
    B, L, D, H, kind = MHSA_CASES[case]
    state = random_state(rng, parameter_shapes("MultiHeadSelfAttention", D))
    x = rng.standard_normal((B, L, D))
    mask = make_mask(rng, kind, B, L)
    dout = rng.standard_normal((B, L, D))
    check_layer(
        sub, oracle, "MultiHeadSelfAttention.forward", "MultiHeadSelfAttention", (D, H),
        state, x, mask, dout,
    )  # fmt: skip


@pytest.mark.task("FeedForward.forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(FF_CASES))
def test_feed_forward(sub, oracle, rng, case):
    """FeedForward: output and gradients match the reference (exact GELU)"""
    B, L, D, F = FF_CASES[case]
    state = random_state(rng, parameter_shapes("FeedForward", D, d_ff=F), scale=2.0)
    x = rng.standard_normal((B, L, D)) * 2
    dout = rng.standard_normal((B, L, D))
    check_layer(sub, oracle, "FeedForward.forward", "FeedForward", (D, F), state, x, None, dout)


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3.5)
@pytest.mark.parametrize("case", sorted(BLOCK_CASES))
def test_block(sub, oracle, rng, case):
    """TransformerBlock: output and gradients match the reference"""
    B, L, D, H, F, kind = BLOCK_CASES[case]
    state = random_state(rng, parameter_shapes("TransformerBlock", D, H, F))
    x = rng.standard_normal((B, L, D))
    mask = make_mask(rng, kind, B, L)
    dout = rng.standard_normal((B, L, D))
    check_layer(
        sub, oracle, "TransformerBlock.forward", "TransformerBlock", (D, H, F),
        state, x, mask, dout,
    )  # fmt: skip


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3)
def test_block_eval_mode(sub, oracle, rng):
    """TransformerBlock with dropout=0.3: eval mode is deterministic and matches the reference"""
    B, L, D, H, F = 2, 5, 8, 2, 16
    state = random_state(rng, parameter_shapes("TransformerBlock", D, H, F))
    x = rng.standard_normal((B, L, D))
    dout = rng.standard_normal((B, L, D))
    check_eval_mode(sub, oracle, "TransformerBlock", (D, H, F, 0.3), state, x, causal_mask(L), dout)
