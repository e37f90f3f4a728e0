"""Public checks of the attention assignment (they ship with the assignment).

Run them with `dlcourse check attention`. The hidden checks test the same tasks
on other shapes, masks and random inputs.
"""

import numpy as np
import pytest

from autograder.checkkit import check_backward, check_backward_numeric, check_forward
from autograder.checks.attention.common import (
    check_function,
    check_mha_backward,
    make_mask,
    mha_params,
)

# (leading axes, Lq, Lk, d, dv, mask kind)
SDPA_CASES = {
    "no-mask": ((2,), 4, 5, 3, 2, None),
    "causal": ((2, 2), 5, 5, 4, 3, "causal"),
    "random-mask": ((3,), 4, 6, 4, 4, "random"),
}
# (N, Lq, Lk, D, H, mask kind)
MHA_CASES = {
    "self-causal": (2, 5, 5, 8, 2, "causal"),
    "cross-random": (2, 3, 4, 6, 3, "random"),
}


def sdpa_inputs(rng, case):
    lead, Lq, Lk, d, dv, kind = SDPA_CASES[case]
    q = rng.standard_normal((*lead, Lq, d))
    k = rng.standard_normal((*lead, Lk, d))
    v = rng.standard_normal((*lead, Lk, dv))
    return q, k, v, make_mask(rng, kind, lead, Lq, Lk)


def mha_inputs(rng, case):
    N, Lq, Lk, D, H, kind = MHA_CASES[case]
    x_q = rng.standard_normal((N, Lq, D))
    x_kv = x_q if Lq == Lk and kind == "causal" else rng.standard_normal((N, Lk, D))
    params = mha_params(rng, D)
    mask = make_mask(rng, kind, (N,), Lq, Lk)
    return (x_q, x_kv, params, H, mask), (N, Lq, D)


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
    check_forward(
        sub, oracle, "scaled_dot_product_attention", *sdpa_inputs(rng, case),
        outputs=("out", "weights"),
    )  # fmt: skip


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["causal", "random-mask"])
def test_sdpa_backward(sub, oracle, rng, case):
    """scaled_dot_product_attention_backward matches the reference"""
    q, k, v, mask = sdpa_inputs(rng, case)
    dout = rng.standard_normal((*q.shape[:-1], v.shape[-1]))
    check_backward(
        sub, oracle, "scaled_dot_product_attention", "scaled_dot_product_attention_backward",
        (q, k, v, mask), dout, grads=("dq", "dk", "dv"),
    )  # fmt: skip


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(2)
def test_sdpa_backward_numeric(sub, oracle, rng):
    """scaled_dot_product_attention_backward agrees with numerical gradients of your forward"""
    q, k, v, mask = sdpa_inputs(rng, "random-mask")
    dout = rng.standard_normal((*q.shape[:-1], v.shape[-1]))
    check_backward_numeric(
        sub, "scaled_dot_product_attention", "scaled_dot_product_attention_backward",
        (q, k, v, mask), dout, wrt={0: 0, 1: 1, 2: 2}, grads=("dq", "dk", "dv"), oracle=oracle,
    )  # fmt: skip


@pytest.mark.task("multi_head_attention_forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_forward(sub, oracle, rng, case):
    """multi_head_attention_forward matches the reference"""
    args, _ = mha_inputs(rng, case)
    check_forward(sub, oracle, "multi_head_attention_forward", *args)


@pytest.mark.task("multi_head_attention_backward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_backward(sub, oracle, rng, case):
    """multi_head_attention_backward matches the reference (dx_q, dx_kv and every dparams entry)"""
    args, out_shape = mha_inputs(rng, case)
    check_mha_backward(sub, oracle, args, rng.standard_normal(out_shape))


@pytest.mark.task("sinusoidal_positional_encoding")
@pytest.mark.points(2)
def test_positional_encoding(sub, oracle, rng, grading):
    """sinusoidal_positional_encoding matches the reference"""
    max_len = int(rng.integers(10, 16)) + (100 if grading else 0)
    check_function(sub, oracle, "sinusoidal_positional_encoding", max_len, 8)
