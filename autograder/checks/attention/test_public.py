"""Public checks of the attention assignment (they ship with the assignment).

Run them with `dlcourse check attention`. The hidden checks test the same tasks
on other shapes, masks and random inputs.
"""

import numpy as np
import pytest

from autograder.checks.attention.common import (
    check_function,
    mha_backward_case,
    mha_forward_case,
    sdpa_backward_case,
    sdpa_backward_numeric_case,
    sdpa_forward_case,
)

# (leading axes, Lq, Lk, d, dv, mask kind)
SDPA_CASES = {
    "no-mask": ((2,), 4, 5, 3, 2, None),
    "causal": ((2, 2), 5, 5, 4, 3, "causal"),
    "random-mask": ((3,), 4, 6, 4, 4, "random"),
}
# (N, Lq, Lk, D, H, mask kind); a causal case with Lq == Lk attends to itself
MHA_CASES = {
    "self-causal": (2, 5, 5, 8, 2, "causal"),
    "cross-random": (2, 3, 4, 6, 3, "random"),
}


@pytest.mark.task("softmax")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax(sub, oracle, rng, axis):
    """softmax matches the reference"""
    x = rng.standard_normal((4, 5)) * 2
    check_function(sub, oracle, "softmax", x, axis=axis)


@pytest.mark.task("softmax")
@pytest.mark.points(2)
def test_softmax_large_inputs(sub, oracle, rng):
    """softmax stays finite and right for inputs near 1e4"""
    x = rng.standard_normal((3, 6)) * 3 + np.array([[1e4], [-1e4], [0.0]])
    check_function(sub, oracle, "softmax", x)


@pytest.mark.task("causal_mask")
@pytest.mark.points(2)
def test_causal_mask(sub, oracle, rng, grading):
    """causal_mask matches the reference"""
    check_function(sub, oracle, "causal_mask", int(rng.integers(4, 8)) + (40 if grading else 0))


@pytest.mark.task("scaled_dot_product_attention")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(SDPA_CASES))
def test_sdpa_forward(sub, oracle, rng, case):
    """scaled_dot_product_attention matches the reference (out and weights)"""
    sdpa_forward_case(sub, oracle, rng, SDPA_CASES[case])


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["causal", "random-mask"])
def test_sdpa_backward(sub, oracle, rng, case):
    """scaled_dot_product_attention_backward matches the reference"""
    sdpa_backward_case(sub, oracle, rng, SDPA_CASES[case])


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(2)
def test_sdpa_backward_numeric(sub, oracle, rng):
    """scaled_dot_product_attention_backward agrees with numerical gradients of your forward"""
    sdpa_backward_numeric_case(sub, oracle, rng, SDPA_CASES["random-mask"])


@pytest.mark.task("multi_head_attention_forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_forward(sub, oracle, rng, case):
    """multi_head_attention_forward matches the reference"""
    mha_forward_case(sub, oracle, rng, MHA_CASES[case], self_attention=True)


@pytest.mark.task("multi_head_attention_backward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_backward(sub, oracle, rng, case):
    """multi_head_attention_backward matches the reference (dx_q, dx_kv and every dparams entry)"""
    mha_backward_case(sub, oracle, rng, MHA_CASES[case], self_attention=True)


@pytest.mark.task("sinusoidal_positional_encoding")
@pytest.mark.points(2)
def test_positional_encoding(sub, oracle, rng, grading):
    """sinusoidal_positional_encoding matches the reference"""
    max_len = int(rng.integers(10, 16)) + (100 if grading else 0)
    check_function(sub, oracle, "sinusoidal_positional_encoding", max_len, 8)
