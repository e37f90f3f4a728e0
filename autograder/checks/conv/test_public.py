"""Public checks of the conv assignment (they ship with the assignment).

Run them with `dlcourse check conv`. The hidden checks test the same tasks on
other shapes and random inputs.
"""

import pytest

from autograder.testing import check_backward, check_backward_numeric, check_forward

# (x shape, w shape, stride, pad, dilation)
CONV_CASES = {
    "basic": ((2, 3, 6, 6), (4, 3, 3, 3), 1, 0, 1),
    "stride2-pad1": ((2, 2, 7, 7), (3, 2, 3, 3), 2, 1, 1),
    "dilation2": ((1, 2, 9, 9), (2, 2, 3, 3), 1, 1, 2),
}
POOL_CASES = {"2x2-s2": ((2, 3, 6, 6), 2, 2), "3x3-s1": ((1, 2, 5, 5), 3, 1)}


def conv_inputs(rng, case):
    x_shape, w_shape, stride, pad, dilation = CONV_CASES[case]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    return (x, w, b), {"stride": stride, "pad": pad, "dilation": dilation}


@pytest.mark.task("conv_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_forward(sub, oracle, rng, case):
    """conv_forward matches the reference"""
    args, kwargs = conv_inputs(rng, case)
    check_forward(sub, oracle, "conv_forward", *args, **kwargs)


@pytest.mark.task("conv_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_backward(sub, oracle, rng, case):
    """conv_backward matches the reference"""
    args, kwargs = conv_inputs(rng, case)
    out = oracle.forward("conv_forward", *args, **kwargs)
    dout = rng.standard_normal(out.shape)
    check_backward(
        sub, oracle, "conv_forward", "conv_backward", args, dout,
        kwargs=kwargs, grads=("dx", "dw", "db"),
    )  # fmt: skip


@pytest.mark.task("conv_backward")
@pytest.mark.points(2)
def test_conv_backward_numeric(sub, rng):
    """conv_backward agrees with numerical gradients of your conv_forward"""
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((2, 2, 3, 3))
    b = rng.standard_normal(2)
    kwargs = {"stride": 2, "pad": 1, "dilation": 1}
    dout = rng.standard_normal((1, 2, 3, 3))
    check_backward_numeric(
        sub, "conv_forward", "conv_backward", (x, w, b), dout,
        kwargs=kwargs, wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dw", "db"),
    )  # fmt: skip


def kinds(stage):
    """Parametrize over max and avg pooling, each marked with its own task."""
    return pytest.mark.parametrize(
        "kind",
        [
            pytest.param(k, marks=pytest.mark.task(f"{k}_pool_{stage}"), id=k)
            for k in ("max", "avg")
        ],
    )


@kinds("forward")
@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.points(1.5)
def test_pool_forward(sub, oracle, rng, kind, case):
    """pooling forward matches the reference"""
    shape, pool, stride = POOL_CASES[case]
    x = rng.standard_normal(shape)
    check_forward(sub, oracle, f"{kind}_pool_forward", x, pool=pool, stride=stride)


@kinds("backward")
@pytest.mark.parametrize("case", sorted(POOL_CASES))
@pytest.mark.points(1.5)
def test_pool_backward(sub, oracle, rng, kind, case):
    """pooling backward matches the reference"""
    shape, pool, stride = POOL_CASES[case]
    x = rng.standard_normal(shape)
    out = oracle.forward(f"{kind}_pool_forward", x, pool=pool, stride=stride)
    dout = rng.standard_normal(out.shape)
    check_backward(
        sub, oracle, f"{kind}_pool_forward", f"{kind}_pool_backward", (x,), dout,
        kwargs={"pool": pool, "stride": stride}, grads=("dx",),
    )  # fmt: skip
