"""Hidden checks of the conv assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import CheckFailure, compare, msg
from autograder.checks.conv.common import (
    conv_backward_case,
    conv_backward_numeric_case,
    conv_forward_case,
    convt_backward_case,
    convt_backward_numeric_case,
    convt_forward_case,
    convt_inputs,
    pool_backward_case,
    pool_forward_case,
    pool_kinds,
)

# (x shape, w shape, stride, pad, dilation): odd sizes, non-square kernels,
# strides that skip pixels, pads larger than the kernel's reach, 1x1 kernels.
CONV_CASES = {
    "1x1": ((3, 4, 5, 5), (2, 4, 1, 1), 1, 0, 1),
    "rect-kernel": ((2, 3, 8, 7), (4, 3, 2, 3), 1, 1, 1),
    "stride3": ((2, 2, 10, 11), (3, 2, 3, 3), 3, 0, 1),
    "stride2-pad2": ((1, 3, 7, 9), (2, 3, 3, 3), 2, 2, 1),
    "dilation3": ((2, 2, 11, 10), (3, 2, 2, 3), 1, 2, 3),
    "dilation2-stride2": ((2, 1, 12, 12), (2, 1, 3, 3), 2, 1, 2),
    "single": ((1, 1, 4, 4), (1, 1, 4, 4), 1, 0, 1),
}
# transposed convolution: (x shape, w shape (C, F, KH, KW), stride, pad): strides
# larger than the kernel (gaps), pads that cut more than a border, 1x1 kernels,
# non-square kernels and inputs; two with as many input channels as filters
CONVT_CASES = {
    "1x1": ((2, 3, 4, 4), (3, 2, 1, 1), 1, 0),
    "double-k4-s2-p1": ((2, 2, 4, 5), (2, 3, 4, 4), 2, 1),
    "stride3-gaps": ((1, 3, 3, 4), (3, 3, 2, 3), 3, 0),
    "stride2-pad2": ((2, 2, 5, 4), (2, 2, 3, 3), 2, 2),
    "same-pad": ((2, 4, 5, 5), (4, 2, 3, 3), 1, 1),
}
POOL_CASES = {
    "2x2-s2-odd": ((2, 3, 7, 9), 2, 2),
    "3x3-s2": ((2, 2, 9, 7), 3, 2),
    "2x2-s1": ((1, 3, 5, 6), 2, 1),
    "4x4-s4": ((2, 1, 8, 8), 4, 4),
}


@pytest.mark.task("conv_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_forward(sub, oracle, rng, case):
    """conv_forward matches the reference"""
    conv_forward_case(sub, oracle, rng, CONV_CASES[case], scale=rng.uniform(0.5, 3.0))


@pytest.mark.task("conv_forward")
@pytest.mark.points(2)
def test_conv_forward_keeps_inputs(sub, oracle, rng):
    """conv_forward is right with the default stride/pad/dilation and leaves x, w and b unchanged"""
    x = rng.standard_normal((2, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    want = oracle.forward("conv_forward", x, w, b)
    out = sub.run(_forward_and_inputs, x, w, b)
    got_out, got_x, got_w, got_b = out
    if not (np.array_equal(got_x, x) and np.array_equal(got_w, w) and np.array_equal(got_b, b)):
        raise CheckFailure(
            msg(
                "conv.inputs_modified",
                "conv_forward modified its input arrays in place; work on copies",
            )
        )
    if np.shape(got_out) != (2, 3, 3, 3):
        raise CheckFailure(
            msg(
                "conv.default_shape",
                "conv_forward(x, w, b) with default arguments: expected out of shape {want}, "
                "got {got} (defaults are stride=1, pad=0, dilation=1)",
                want="(2, 3, 3, 3)",
                got=str(np.shape(got_out)),
            )
        )
    call = msg("conv.default_call", "conv_forward(x, w, b) with default arguments")
    compare(got_out, want, what="out", call=call)


def _forward_and_inputs(module, x, w, b):
    out, _ = module.conv_forward(x, w, b)
    return out, x, w, b


@pytest.mark.task("conv_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_backward(sub, oracle, rng, case):
    """conv_backward matches the reference"""
    conv_backward_case(sub, oracle, rng, CONV_CASES[case], scale=rng.uniform(0.5, 3.0))


@pytest.mark.task("conv_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["stride2-pad2", "dilation3"])
def test_conv_backward_numeric(sub, oracle, rng, case):
    """conv_backward agrees with numerical gradients of your conv_forward"""
    x_shape, w_shape, stride, pad, dilation = CONV_CASES[case]
    small = ((1, w_shape[1], *x_shape[2:]), (2, *w_shape[1:]), stride, pad, dilation)
    conv_backward_numeric_case(sub, oracle, rng, small)


@pytest.mark.task("conv_transpose_forward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(CONVT_CASES))
def test_conv_transpose_forward(sub, oracle, rng, case):
    """conv_transpose_forward matches the reference"""
    convt_forward_case(sub, oracle, rng, CONVT_CASES[case], scale=rng.uniform(0.5, 3.0))


@pytest.mark.task("conv_transpose_forward")
@pytest.mark.points(1)
def test_conv_transpose_forward_keeps_inputs(sub, oracle, rng):
    """conv_transpose_forward is right and leaves x, w and b unchanged"""
    (x, w, b), kwargs = convt_inputs(rng, ((2, 2, 3, 3), (2, 3, 3, 3), 2, 1))
    want = oracle.forward("conv_transpose_forward", x, w, b, **kwargs)
    got_out, got_x, got_w, got_b = sub.run(_convt_forward_and_inputs, x, w, b, kwargs)
    if not (np.array_equal(got_x, x) and np.array_equal(got_w, w) and np.array_equal(got_b, b)):
        raise CheckFailure(
            msg(
                "conv.convt_inputs_modified",
                "conv_transpose_forward modified its input arrays in place; work on copies",
            )
        )
    compare(got_out, want, what="out", call="conv_transpose_forward(x, w, b, stride=2, pad=1)")


def _convt_forward_and_inputs(module, x, w, b, kwargs):
    out, _ = module.conv_transpose_forward(x, w, b, **kwargs)
    return out, x, w, b


@pytest.mark.task("conv_transpose_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(CONVT_CASES))
def test_conv_transpose_backward(sub, oracle, rng, case):
    """conv_transpose_backward matches the reference"""
    convt_backward_case(sub, oracle, rng, CONVT_CASES[case], scale=rng.uniform(0.5, 3.0))


@pytest.mark.task("conv_transpose_backward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", ["stride2-pad2", "stride3-gaps"])
def test_conv_transpose_backward_numeric(sub, oracle, rng, case):
    """conv_transpose_backward agrees with numerical gradients of your conv_transpose_forward"""
    x_shape, w_shape, stride, pad = CONVT_CASES[case]
    small = ((1, *x_shape[1:]), (w_shape[0], 2, *w_shape[2:]), stride, pad)
    convt_backward_numeric_case(sub, oracle, rng, small)


@pool_kinds("forward")
@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.points(1.5)
def test_pool_forward(sub, oracle, rng, kind, case):
    """pooling forward matches the reference"""
    pool_forward_case(sub, oracle, rng, kind, POOL_CASES[case])


@pool_kinds("backward")
@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.points(2)
def test_pool_backward(sub, oracle, rng, kind, case):
    """pooling backward matches the reference"""
    pool_backward_case(sub, oracle, rng, kind, POOL_CASES[case])
