"""Does the conv reference agree with PyTorch (float64), forward and backward?

torch is the oracle: F.conv2d (cross-correlation, zero padding, stride,
dilation), F.conv_transpose2d (stride, padding, output_padding 0), F.max_pool2d
and F.avg_pool2d (no padding, floor mode). Gradients
come from torch.autograd with a random upstream gradient. Random normal inputs
have no ties, so max pooling has one winner per window.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import close, tensors

from autograder.paths import load_reference

ref = load_reference("conv")

RTOL = 1e-8
ATOL = 1e-10


def seed_of(*parts) -> int:
    """A seed that is the same in every run (str hashes are salted per process)."""
    return zlib.crc32(repr(parts).encode())


# id: (x shape (N, C, H, W), w shape (F, C, KH, KW), stride, pad, dilation)
CONV_CASES = {
    "plain-3x3": ((2, 3, 6, 6), (4, 3, 3, 3), 1, 0, 1),
    "same-pad": ((2, 2, 7, 7), (3, 2, 3, 3), 1, 1, 1),
    "stride2-pad1": ((2, 2, 7, 7), (3, 2, 3, 3), 2, 1, 1),
    "stride3-floor": ((1, 2, 10, 11), (2, 2, 3, 3), 3, 0, 1),
    "dilation2": ((2, 2, 9, 9), (2, 2, 3, 3), 1, 1, 2),
    "dilation3-pad2": ((2, 2, 11, 10), (3, 2, 2, 3), 1, 2, 3),
    "dilation2-stride2": ((2, 1, 12, 12), (2, 1, 3, 3), 2, 1, 2),
    "nonsquare-kernel": ((2, 3, 8, 6), (4, 3, 2, 4), 1, 0, 1),
    "nonsquare-all": ((3, 2, 5, 9), (2, 2, 3, 1), 2, 1, 2),
    "1x1": ((2, 5, 4, 6), (3, 5, 1, 1), 1, 0, 1),
    "1x1-stride2-pad1": ((2, 3, 5, 5), (4, 3, 1, 1), 2, 1, 1),
    "kernel-fills-input": ((2, 2, 4, 4), (3, 2, 4, 4), 1, 0, 1),
    "pad-larger-than-kernel": ((1, 1, 3, 4), (2, 1, 2, 2), 1, 3, 1),
    "single-channel-batch1": ((1, 1, 6, 6), (1, 1, 3, 3), 1, 0, 1),
}


def conv_inputs(case):
    x_shape, w_shape, stride, pad, dilation = CONV_CASES[case]
    rng = np.random.default_rng(seed_of("conv", case))
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    return x, w, b, {"stride": stride, "pad": pad, "dilation": dilation}, rng


def torch_conv(x, w, b, dout, stride, pad, dilation):
    xt, wt, bt = tensors(x, w, b)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=pad, dilation=dilation)
    if dout is not None:
        out.backward(torch.tensor(dout, dtype=torch.float64))
    return out, xt.grad, wt.grad, bt.grad


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_forward_matches_torch(case):
    """Does conv_forward equal F.conv2d (no kernel flip) for this stride, pad and dilation?"""
    x, w, b, kw, _ = conv_inputs(case)
    out, _ = ref.conv_forward(x, w, b, **kw)
    want, *_ = torch_conv(x, w, b, None, kw["stride"], kw["pad"], kw["dilation"])
    close(out, want)


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_backward_matches_torch_autograd(case):
    """Do dx, dw and db of conv_backward equal torch's autograd gradients?"""
    x, w, b, kw, rng = conv_inputs(case)
    out, cache = ref.conv_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = ref.conv_backward(dout, cache)
    _, want_dx, want_dw, want_db = torch_conv(
        x, w, b, dout, kw["stride"], kw["pad"], kw["dilation"]
    )
    close(dx, want_dx)
    close(dw, want_dw)
    close(db, want_db)


def test_conv_defaults_are_stride1_pad0_dilation1():
    """Called without options, does conv_forward behave like F.conv2d's defaults?"""
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((2, 3, 3, 3)), np.ones(2)
    out, _ = ref.conv_forward(x, w, b)
    close(out, F.conv2d(*tensors(x, w, b)))


def test_conv_is_cross_correlation_not_convolution():
    """Does an asymmetric kernel give torch's answer, and not the flipped-kernel one?"""
    x = np.arange(16.0).reshape(1, 1, 4, 4) ** 2
    w = np.array([[[[1.0, 2.0], [0.0, -1.0]]]])
    out, _ = ref.conv_forward(x, w, np.zeros(1))
    close(out, F.conv2d(*tensors(x, w)))
    flipped, _ = ref.conv_forward(x, w[:, :, ::-1, ::-1].copy(), np.zeros(1))
    assert not np.allclose(out, flipped)


def test_conv_dx_is_transposed_convolution():
    """With stride and dilation, does dx equal F.conv_transpose2d of dout (the flipped full convolution)?"""
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((2, 3, 10, 9)), rng.standard_normal((4, 3, 3, 2)), np.zeros(4)
    kw = {"stride": 2, "pad": 1, "dilation": 2}
    out, cache = ref.conv_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, _, _ = ref.conv_backward(dout, cache)
    # output_padding restores the rows the floor in the size formula dropped
    H, W = x.shape[2:]
    Ho, Wo = out.shape[2:]
    extra = [
        size + 2 * kw["pad"] - kw["dilation"] * (k - 1) - 1 - (o - 1) * kw["stride"]
        for size, k, o in ((H, w.shape[2], Ho), (W, w.shape[3], Wo))
    ]
    want = F.conv_transpose2d(
        torch.tensor(dout),
        torch.tensor(w),
        stride=kw["stride"],
        padding=kw["pad"],
        dilation=kw["dilation"],
        output_padding=tuple(extra),
    )
    close(dx, want)


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv_output_size_matches_torch_shape(stride, dilation):
    """Does conv_output_size give the size of F.conv2d's output (or <= 0 where torch refuses)?"""
    for size in (1, 4, 7, 8, 13):
        for kernel in (1, 2, 3, 5):
            for pad in (0, 1, 2):
                got = ref.conv_output_size(size, kernel, stride, pad, dilation)
                x = torch.zeros(1, 1, size, size + 1, dtype=torch.float64)
                w = torch.zeros(1, 1, kernel, kernel, dtype=torch.float64)
                try:
                    out = F.conv2d(x, w, stride=stride, padding=pad, dilation=dilation)
                except RuntimeError:  # the dilated kernel does not fit into the padded input
                    assert got <= 0, (size, kernel, pad)
                else:
                    assert got == out.shape[2], (size, kernel, pad)
                    width = ref.conv_output_size(size + 1, kernel, stride, pad, dilation)
                    assert width == out.shape[3], (size + 1, kernel, pad)


def test_conv_output_size_matches_forward_shape_nonsquare():
    """Does conv_forward's output shape follow conv_output_size along each axis separately?"""
    x, w, b, kw, _ = conv_inputs("nonsquare-all")
    out, _ = ref.conv_forward(x, w, b, **kw)
    args = (kw["stride"], kw["pad"], kw["dilation"])
    expected = (
        x.shape[0],
        w.shape[0],
        ref.conv_output_size(x.shape[2], w.shape[2], *args),
        ref.conv_output_size(x.shape[3], w.shape[3], *args),
    )
    assert out.shape == expected


def test_conv_rejects_kernel_that_does_not_fit():
    """Does conv_forward refuse a kernel larger than the padded input, as torch does?"""
    x, w, b = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 4, 4)), np.zeros(1)
    with pytest.raises(RuntimeError):
        F.conv2d(*tensors(x, w, b))
    with pytest.raises(ValueError):
        ref.conv_forward(x, w, b)


# id: (x shape (N, C, H, W), w shape (C, F, KH, KW), stride, pad)
CONVT_CASES = {
    "plain-3x3": ((2, 3, 4, 4), (3, 2, 3, 3), 1, 0),
    "same-pad": ((2, 2, 5, 5), (2, 3, 3, 3), 1, 1),
    "double-k4-s2-p1": ((2, 3, 4, 5), (3, 2, 4, 4), 2, 1),
    "double-k2-s2": ((1, 2, 3, 3), (2, 4, 2, 2), 2, 0),
    "stride2-pad1-k3": ((2, 2, 3, 4), (2, 3, 3, 3), 2, 1),
    "stride3-gaps": ((1, 2, 3, 4), (2, 2, 2, 2), 3, 0),
    "stride3-pad2": ((2, 2, 4, 3), (2, 3, 3, 3), 3, 2),
    "nonsquare-kernel": ((2, 3, 3, 5), (3, 2, 2, 4), 2, 0),
    "nonsquare-all": ((3, 2, 4, 2), (2, 2, 3, 1), 2, 1),
    "1x1": ((2, 4, 3, 5), (4, 3, 1, 1), 1, 0),
    "1x1-stride2": ((1, 3, 3, 3), (3, 2, 1, 1), 2, 0),
    "pad-cuts-to-one-row": ((1, 2, 1, 2), (2, 1, 3, 3), 1, 1),
    "single-pixel-input": ((2, 2, 1, 1), (2, 3, 3, 2), 2, 0),
}


def convt_inputs(case):
    x_shape, w_shape, stride, pad = CONVT_CASES[case]
    rng = np.random.default_rng(seed_of("conv_transpose", case))
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1])
    return x, w, b, {"stride": stride, "pad": pad}, rng


@pytest.mark.parametrize("case", sorted(CONVT_CASES))
def test_conv_transpose_forward_matches_torch(case):
    """Does conv_transpose_forward equal F.conv_transpose2d for this stride and pad?"""
    x, w, b, kw, _ = convt_inputs(case)
    out, _ = ref.conv_transpose_forward(x, w, b, **kw)
    want = F.conv_transpose2d(*tensors(x, w, b), stride=kw["stride"], padding=kw["pad"])
    close(out, want)


@pytest.mark.parametrize("case", sorted(CONVT_CASES))
def test_conv_transpose_backward_matches_torch_autograd(case):
    """Do dx, dw and db of conv_transpose_backward equal torch's autograd gradients?"""
    x, w, b, kw, rng = convt_inputs(case)
    out, cache = ref.conv_transpose_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = ref.conv_transpose_backward(dout, cache)
    xt, wt, bt = tensors(x, w, b)
    want = F.conv_transpose2d(xt, wt, bt, stride=kw["stride"], padding=kw["pad"])
    want.backward(torch.tensor(dout))
    close(dx, xt.grad)
    close(dw, wt.grad)
    close(db, bt.grad)


def test_conv_transpose_defaults_are_stride1_pad0():
    """Called without options, does conv_transpose_forward behave like F.conv_transpose2d's defaults?"""
    rng = np.random.default_rng(17)
    x, w, b = rng.standard_normal((2, 3, 4, 3)), rng.standard_normal((3, 2, 2, 3)), np.ones(2)
    out, _ = ref.conv_transpose_forward(x, w, b)
    close(out, F.conv_transpose2d(*tensors(x, w, b)))


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv_transpose_output_size_matches_torch_shape(stride):
    """Does conv_transpose_output_size give F.conv_transpose2d's size (or <= 0 where it refuses)?"""
    for size in (1, 2, 5):
        for kernel in (1, 2, 3, 4):
            for pad in (0, 1, 2):
                got = ref.conv_transpose_output_size(size, kernel, stride, pad)
                x = torch.zeros(1, 1, size, size + 1, dtype=torch.float64)
                w = torch.zeros(1, 1, kernel, kernel, dtype=torch.float64)
                try:
                    out = F.conv_transpose2d(x, w, stride=stride, padding=pad)
                except RuntimeError:  # the padding removes the whole output
                    assert got <= 0, (size, kernel, pad)
                else:
                    assert got == out.shape[2], (size, kernel, pad)
                    width = ref.conv_transpose_output_size(size + 1, kernel, stride, pad)
                    assert width == out.shape[3], (size + 1, kernel, pad)


def test_conv_transpose_rejects_padding_that_removes_the_output():
    """Does conv_transpose_forward refuse a pad that leaves no output, as torch does?"""
    x, w, b = np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)), np.zeros(1)
    with pytest.raises(RuntimeError):
        F.conv_transpose2d(*tensors(x, w, b), padding=1)
    with pytest.raises(ValueError):
        ref.conv_transpose_forward(x, w, b, pad=1)


def test_conv_transpose_rejects_channel_mismatch():
    """Does conv_transpose_forward refuse w whose first axis is not x's channels?"""
    x, w, b = np.zeros((1, 2, 3, 3)), np.zeros((3, 2, 2, 2)), np.zeros(2)
    with pytest.raises(RuntimeError):
        F.conv_transpose2d(*tensors(x, w, b))
    with pytest.raises(ValueError):
        ref.conv_transpose_forward(x, w, b)


@pytest.mark.parametrize("case", ["plain-3x3", "double-k4-s2-p1", "stride3-pad2"])
def test_conv_transpose_is_the_adjoint_of_conv(case):
    """Is <conv_transpose(y), x> = <y, conv(x)> with the same kernel and options (why it is the transpose)?"""
    _, w, _, kw, rng = convt_inputs(case)
    y = rng.standard_normal((2, w.shape[0], 3, 4))
    up, _ = ref.conv_transpose_forward(y, w, np.zeros(w.shape[1]), **kw)
    x = rng.standard_normal(up.shape)
    # conv_forward's filters are (F, C): the transposed convolution's w (C_in, F) read as
    # C_in filters over F channels; x has up's shape, so conv brings it back to y's shape
    down, _ = ref.conv_forward(x, w, np.zeros(w.shape[0]), **kw)
    assert down.shape == y.shape
    assert np.isclose(np.sum(up * x), np.sum(y * down), rtol=1e-10)


# id: (x shape, pool, stride)
POOL_CASES = {
    "2x2-s2": ((2, 3, 6, 6), 2, 2),
    "2x2-s2-odd": ((2, 2, 7, 5), 2, 2),
    "3x3-s1-overlap": ((1, 2, 5, 6), 3, 1),
    "2x2-s1-overlap": ((2, 2, 4, 5), 2, 1),
    "3x3-s2-overlap": ((2, 3, 9, 8), 3, 2),
    "2x2-s3-gaps": ((1, 2, 8, 9), 2, 3),
    "1x1": ((2, 2, 3, 4), 1, 1),
    "whole-input": ((2, 3, 4, 4), 4, 1),
}


def pool_inputs(kind, case):
    shape, pool, stride = POOL_CASES[case]
    rng = np.random.default_rng(seed_of(kind, case))
    return rng.standard_normal(shape), pool, stride, rng


TORCH_POOL = {"max": F.max_pool2d, "avg": F.avg_pool2d}


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pool_forward_and_backward_match_torch(kind, case):
    """Do {max,avg}_pool_forward and _backward equal F.{max,avg}_pool2d and its autograd?"""
    x, pool, stride, rng = pool_inputs(kind, case)
    forward = getattr(ref, f"{kind}_pool_forward")
    backward = getattr(ref, f"{kind}_pool_backward")
    out, cache = forward(x, pool=pool, stride=stride)
    dout = rng.standard_normal(out.shape)
    dx = backward(dout, cache)

    (xt,) = tensors(x)
    want = TORCH_POOL[kind](xt, kernel_size=pool, stride=stride)
    want.backward(torch.tensor(dout))
    close(out, want)
    close(dx, xt.grad)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_defaults_are_2x2_stride2(kind):
    """Without options, does pooling use 2x2 windows with stride 2 like F.*_pool2d(x, 2)?"""
    x = np.random.default_rng(3).standard_normal((2, 2, 6, 5))
    out, _ = getattr(ref, f"{kind}_pool_forward")(x)
    close(out, TORCH_POOL[kind](torch.tensor(x), 2))


def test_max_pool_gradient_goes_to_argmax_only():
    """Does max_pool_backward put each window's gradient on its maximum and nowhere else?"""
    x = np.random.default_rng(5).standard_normal((1, 1, 4, 4))
    out, cache = ref.max_pool_forward(x)
    dx = ref.max_pool_backward(np.ones_like(out), cache)
    assert np.count_nonzero(dx) == out.size
    np.testing.assert_array_equal(np.sort(x[dx == 1]), np.sort(out.ravel()))


def snapshot(*arrays):
    return [a.copy() for a in arrays]


def assert_unchanged(before, after):
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("case", ["stride2-pad1", "dilation3-pad2", "1x1"])
def test_conv_does_not_modify_inputs(case):
    """Do conv_forward and conv_backward leave x, w, b and dout untouched?"""
    x, w, b, kw, rng = conv_inputs(case)
    before = snapshot(x, w, b)
    out, cache = ref.conv_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    ref.conv_backward(dout, cache)
    assert_unchanged(before, (x, w, b))
    np.testing.assert_array_equal(dout, dout_before)


@pytest.mark.parametrize("case", ["double-k4-s2-p1", "stride3-pad2"])
def test_conv_transpose_does_not_modify_inputs(case):
    """Do conv_transpose_forward and _backward leave x, w, b and dout untouched?"""
    x, w, b, kw, rng = convt_inputs(case)
    before = snapshot(x, w, b)
    out, cache = ref.conv_transpose_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    ref.conv_transpose_backward(dout, cache)
    assert_unchanged(before, (x, w, b))
    np.testing.assert_array_equal(dout, dout_before)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_does_not_modify_inputs(kind):
    """Do the pooling forward and backward passes leave x and dout untouched?"""
    x, pool, stride, rng = pool_inputs(kind, "3x3-s1-overlap")
    x_before = x.copy()
    out, cache = getattr(ref, f"{kind}_pool_forward")(x, pool=pool, stride=stride)
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    getattr(ref, f"{kind}_pool_backward")(dout, cache)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)
