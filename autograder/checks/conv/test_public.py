"""Public checks of the conv assignment (they ship with the assignment).

Run them with `dlcourse check conv`. The hidden checks test the same tasks on
other shapes and random inputs.
"""

import pytest

from autograder.checks.conv.common import (
    conv_backward_case,
    conv_backward_numeric_case,
    conv_forward_case,
    convt_backward_case,
    convt_backward_numeric_case,
    convt_forward_case,
    pool_backward_case,
    pool_forward_case,
    pool_kinds,
)

# (x shape, w shape, stride, pad, dilation)
CONV_CASES = {
    "basic": ((2, 3, 6, 6), (4, 3, 3, 3), 1, 0, 1),
    "stride2-pad1": ((2, 2, 7, 7), (3, 2, 3, 3), 2, 1, 1),
    "dilation2": ((1, 2, 9, 9), (2, 2, 3, 3), 1, 1, 2),
}
POOL_CASES = {"2x2-s2": ((2, 3, 6, 6), 2, 2), "3x3-s1": ((1, 2, 5, 5), 3, 1)}
# transposed convolution: (x shape, w shape (C, F, KH, KW), stride, pad); "double" is the
# 2x upsampling of segmentation decoders, with as many input channels as filters
CONVT_CASES = {
    "double-k4-s2-p1": ((2, 3, 3, 4), (3, 3, 4, 4), 2, 1),
    "k2x3-s1": ((1, 2, 4, 4), (2, 3, 2, 3), 1, 0),
}


@pytest.mark.task("conv_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_forward(sub, oracle, rng, case):
    """conv_forward matches the reference"""
    conv_forward_case(sub, oracle, rng, CONV_CASES[case])


@pytest.mark.task("conv_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_backward(sub, oracle, rng, case):
    """conv_backward matches the reference"""
    conv_backward_case(sub, oracle, rng, CONV_CASES[case])


@pytest.mark.task("conv_backward")
@pytest.mark.points(2)
def test_conv_backward_numeric(sub, oracle, rng):
    """conv_backward agrees with numerical gradients of your conv_forward"""
    conv_backward_numeric_case(sub, oracle, rng, ((1, 2, 5, 5), (2, 2, 3, 3), 2, 1, 1))


@pytest.mark.task("conv_transpose_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(CONVT_CASES))
def test_conv_transpose_forward(sub, oracle, rng, case):
    """conv_transpose_forward matches the reference"""
    convt_forward_case(sub, oracle, rng, CONVT_CASES[case])


@pytest.mark.task("conv_transpose_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(CONVT_CASES))
def test_conv_transpose_backward(sub, oracle, rng, case):
    """conv_transpose_backward matches the reference"""
    convt_backward_case(sub, oracle, rng, CONVT_CASES[case])


@pytest.mark.task("conv_transpose_backward")
@pytest.mark.points(2)
def test_conv_transpose_backward_numeric(sub, oracle, rng):
    """conv_transpose_backward agrees with numerical gradients of your conv_transpose_forward"""
    convt_backward_numeric_case(sub, oracle, rng, ((1, 2, 3, 3), (2, 3, 3, 3), 2, 1))


@pool_kinds("forward")
@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.points(1.5)
def test_pool_forward(sub, oracle, rng, kind, case):
    """pooling forward matches the reference"""
    pool_forward_case(sub, oracle, rng, kind, POOL_CASES[case])


@pool_kinds("backward")
@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.points(1.5)
def test_pool_backward(sub, oracle, rng, kind, case):
    """pooling backward matches the reference"""
    pool_backward_case(sub, oracle, rng, kind, POOL_CASES[case])
