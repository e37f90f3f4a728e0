"""Hidden checks of the attention assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import CheckFailure, check_backward_numeric, compare_all, msg
from autograder.checks.attention.common import (
    MHA,
    check_function,
    check_inputs_kept,
    check_mha_param_grads_numeric,
    mha_and_inputs,
    mha_backward_case,
    mha_forward_case,
    mha_inputs,
    sdpa_and_inputs,
    sdpa_backward_case,
    sdpa_backward_numeric_case,
    sdpa_forward_case,
    sdpa_inputs,
)

# (leading axes, Lq, Lk, d, dv, mask kind): no batch axes, one query, wide heads,
# key-padding masks that broadcast over the queries, causal masks with Lq < Lk.
SDPA_CASES = {
    "unbatched": ((), 5, 7, 3, 4, None),
    "one-query": ((3,), 1, 6, 4, 2, None),
    "causal-4d": ((2, 3), 6, 6, 8, 8, "causal"),
    "key-padding": ((2, 2), 4, 5, 5, 3, "keys"),
    "random-wide": ((2,), 5, 4, 16, 6, "random"),
}
# (N, Lq, Lk, D, H, mask kind)
MHA_CASES = {
    "one-head": (2, 4, 4, 6, 1, "causal"),
    "head-per-feature": (2, 3, 3, 4, 4, None),
    "cross": (3, 2, 5, 8, 2, None),
    "mask-per-batch": (2, 5, 5, 12, 3, "random"),
}


def query_scale(rng):
    """The scale of q and k (drawn before them)."""
    return rng.uniform(0.5, 2.5)


def weight_scale(rng):
    """The scale of the projection weights (drawn after x_q and x_kv)."""
    return rng.uniform(0.7, 1.5)


@pytest.mark.task("softmax")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["3d-axis1", "huge", "minus-inf"])
def test_softmax(sub, oracle, rng, case):
    """softmax matches the reference"""
    if case == "3d-axis1":
        check_function(sub, oracle, "softmax", rng.standard_normal((2, 5, 3)) * 3, axis=1)
    elif case == "huge":
        x = rng.uniform(-1e4, 1e4, size=(4, 5))
        x[:, 1] = x[:, 0] - 0.5  # two entries close to the row's maximum
        check_function(sub, oracle, "softmax", x)
    else:
        x = rng.standard_normal((3, 6))
        x[0, 2] = x[1, 0] = x[1, 5] = -np.inf
        got = check_function(sub, oracle, "softmax", x)
        if not (got[0, 2] == 0.0 and got[1, 0] == 0.0 and got[1, 5] == 0.0):
            raise CheckFailure(
                msg("attention.minus_inf_zero", "entries equal to -inf must get exactly 0"),
                call=sub.last_call,
            )


@pytest.mark.task("causal_mask")
@pytest.mark.points(3)
def test_causal_mask(sub, oracle, rng):
    """causal_mask matches the reference (one position and several)"""
    check_function(sub, oracle, "causal_mask", 1)
    check_function(sub, oracle, "causal_mask", int(rng.integers(12, 30)))


@pytest.mark.task("causal_mask")
@pytest.mark.points(1)
def test_causal_mask_is_boolean(sub, oracle, rng):
    """causal_mask is right and returns a boolean array"""
    length = int(rng.integers(12, 30))
    check_function(sub, oracle, "causal_mask", length)
    got = sub.call("causal_mask", length)
    if np.asarray(got).dtype != np.bool_:
        raise CheckFailure(
            msg(
                "attention.mask_dtype",
                "expected dtype bool, got {dtype} (a mask is True/False, not 1/0)",
                dtype=str(np.asarray(got).dtype),
            ),
            call=sub.last_call,
        )


@pytest.mark.task("scaled_dot_product_attention")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(SDPA_CASES))
def test_sdpa_forward(sub, oracle, rng, case):
    """scaled_dot_product_attention matches the reference (out and weights)"""
    sdpa_forward_case(sub, oracle, rng, SDPA_CASES[case], scale=query_scale(rng))


@pytest.mark.task("scaled_dot_product_attention")
@pytest.mark.points(2)
def test_sdpa_masked_weights_exactly_zero(sub, rng):
    """blocked keys get a weight of exactly 0 and every row of weights sums to 1"""
    q, k, v, mask = sdpa_inputs(rng, SDPA_CASES["random-wide"], scale=query_scale(rng))
    _, weights, _ = sub.forward("scaled_dot_product_attention", q, k, v, mask)
    weights = np.asarray(weights, dtype=float)
    blocked = ~np.broadcast_to(mask, weights.shape) if weights.ndim == 3 else None
    if blocked is None:
        raise CheckFailure(
            msg(
                "attention.weights_axes",
                "weights: expected 3 axes, got shape {shape}",
                shape=str(weights.shape),
            ),
            call=sub.last_call,
        )
    if np.any(weights[blocked] != 0.0):
        raise CheckFailure(
            msg(
                "attention.blocked_weights",
                "weights of blocked keys must be exactly 0; the largest is {top} "
                "(give blocked scores -inf before the softmax)",
                top=f"{np.max(np.abs(weights[blocked])):.3g}",
            ),
            call=sub.last_call,
        )
    if not np.allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-9):
        raise CheckFailure(
            msg("attention.rows_sum_to_one", "each row of weights must sum to 1"),
            call=sub.last_call,
        )


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", ["unbatched", "causal-4d", "key-padding", "random-wide"])
def test_sdpa_backward(sub, oracle, rng, case):
    """scaled_dot_product_attention_backward matches the reference"""
    sdpa_backward_case(sub, oracle, rng, SDPA_CASES[case], scale=query_scale(rng))


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["one-query", "key-padding"])
def test_sdpa_backward_numeric(sub, oracle, rng, case):
    """scaled_dot_product_attention_backward agrees with numerical gradients of your forward"""
    sdpa_backward_numeric_case(sub, oracle, rng, SDPA_CASES[case], scale=query_scale(rng))


@pytest.mark.task("scaled_dot_product_attention_backward")
@pytest.mark.points(1)
def test_sdpa_keeps_inputs(sub, oracle, rng):
    """scaled_dot_product_attention and its backward are right and leave their inputs unchanged"""
    q, k, v, mask = sdpa_inputs(rng, SDPA_CASES["random-wide"], scale=query_scale(rng))
    dout = rng.standard_normal((*q.shape[:-1], v.shape[-1]))
    want, _ = oracle.run(sdpa_and_inputs, q, k, v, mask, dout)
    got, after = sub.run(sdpa_and_inputs, q, k, v, mask, dout)
    compare_all(got, want, ("out", "dq", "dk", "dv"), call=sub.last_call)
    check_inputs_kept((q, k, v, mask, dout), after, sub.last_call, ("q", "k", "v", "mask", "dout"))


@pytest.mark.task("multi_head_attention_forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_mha_forward(sub, oracle, rng, case):
    """multi_head_attention_forward matches the reference"""
    mha_forward_case(sub, oracle, rng, MHA_CASES[case], weight_scale=weight_scale)


@pytest.mark.task("multi_head_attention_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["one-head", "cross", "mask-per-batch"])
def test_mha_backward(sub, oracle, rng, case):
    """multi_head_attention_backward matches the reference (dx_q, dx_kv and every dparams entry)"""
    mha_backward_case(sub, oracle, rng, MHA_CASES[case], weight_scale=weight_scale)


@pytest.mark.task("multi_head_attention_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["cross", "mask-per-batch"])
def test_mha_backward_numeric(sub, oracle, rng, case):
    """multi_head_attention_backward agrees with numerical gradients of your forward"""
    args, out_shape = mha_inputs(rng, MHA_CASES[case], weight_scale=weight_scale)
    dout = rng.standard_normal(out_shape)
    check_backward_numeric(
        sub, *MHA, args, dout,
        wrt={0: 0, 1: 1}, grads=("dx_q", "dx_kv", "dparams"), directions=4, oracle=oracle,
    )  # fmt: skip
    check_mha_param_grads_numeric(sub, args, dout)


@pytest.mark.task("multi_head_attention_backward")
@pytest.mark.points(1)
def test_mha_keeps_inputs(sub, oracle, rng):
    """multi_head_attention_forward and its backward are right and leave their inputs unchanged"""
    args, out_shape = mha_inputs(rng, MHA_CASES["mask-per-batch"], weight_scale=weight_scale)
    x_q, x_kv, params, heads, mask = args
    dout = rng.standard_normal(out_shape)
    want, _ = oracle.run(mha_and_inputs, x_q, x_kv, params, heads, mask, dout)
    got, after = sub.run(mha_and_inputs, x_q, x_kv, params, heads, mask, dout)
    compare_all(got, want, ("out", "dx_q", "dx_kv"), call=sub.last_call)
    check_inputs_kept(
        (x_q, x_kv, params, mask, dout), after, sub.last_call,
        ("x_q", "x_kv", "params", "mask", "dout"),
    )  # fmt: skip


@pytest.mark.task("sinusoidal_positional_encoding")
@pytest.mark.points(2)
@pytest.mark.parametrize("shape", [(1, 2), (9, 7), (64, 32)], ids=["1x2", "odd-width", "64x32"])
def test_positional_encoding(sub, oracle, shape):
    """sinusoidal_positional_encoding matches the reference"""
    check_function(sub, oracle, "sinusoidal_positional_encoding", *shape)
