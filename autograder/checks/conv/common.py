"""Check bodies shared by the public and hidden conv checks (ships to students).

Each function checks one case; the test modules choose the cases and points.
"""

import pytest

from autograder.checkkit import check_backward, check_backward_numeric, check_forward


def output_size(size, kernel, stride, pad, dilation):
    return 1 + (size + 2 * pad - dilation * (kernel - 1) - 1) // stride


def conv_inputs(rng, case, scale=1.0):
    """(x, w, b) and the keyword arguments for a case (x shape, w shape, stride, pad, dilation)."""
    x_shape, w_shape, stride, pad, dilation = case
    x = rng.standard_normal(x_shape) * scale
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    return (x, w, b), {"stride": stride, "pad": pad, "dilation": dilation}


def convt_inputs(rng, case, scale=1.0):
    """(x, w, b) and the keyword arguments of a transposed-convolution case
    (x shape (N, C, H, W), w shape (C, F, KH, KW), stride, pad)."""
    x_shape, w_shape, stride, pad = case
    x = rng.standard_normal(x_shape) * scale
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1])
    return (x, w, b), {"stride": stride, "pad": pad}


def convt_output_shape(x, w, stride, pad):
    """(N, F, Ho, Wo) of conv_transpose_forward, Ho = (H - 1)*stride - 2*pad + KH."""
    (N, _, H, W), (_, F, KH, KW) = x.shape, w.shape
    return N, F, (H - 1) * stride - 2 * pad + KH, (W - 1) * stride - 2 * pad + KW


def pool_kinds(stage):
    """Parametrize over max and avg pooling, each marked with its own task."""
    return pytest.mark.parametrize(
        "kind",
        [
            pytest.param(k, marks=pytest.mark.task(f"{k}_pool_{stage}"), id=k)
            for k in ("max", "avg")
        ],
    )


def conv_forward_case(sub, oracle, rng, case, scale=1.0):
    args, kwargs = conv_inputs(rng, case, scale)
    check_forward(sub, oracle, "conv_forward", *args, **kwargs)


def conv_backward_case(sub, oracle, rng, case, scale=1.0):
    args, kwargs = conv_inputs(rng, case, scale)
    out = oracle.forward("conv_forward", *args, **kwargs)
    dout = rng.standard_normal(out.shape)
    check_backward(
        sub, oracle, "conv_forward", "conv_backward", args, dout,
        kwargs=kwargs, grads=("dx", "dw", "db"),
    )  # fmt: skip


def conv_backward_numeric_case(sub, oracle, rng, case):
    (x, w, b), kwargs = conv_inputs(rng, case)
    Ho = output_size(x.shape[2], w.shape[2], kwargs["stride"], kwargs["pad"], kwargs["dilation"])
    Wo = output_size(x.shape[3], w.shape[3], kwargs["stride"], kwargs["pad"], kwargs["dilation"])
    dout = rng.standard_normal((x.shape[0], w.shape[0], Ho, Wo))
    check_backward_numeric(
        sub, "conv_forward", "conv_backward", (x, w, b), dout,
        kwargs=kwargs, wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dw", "db"), oracle=oracle,
    )  # fmt: skip


def pool_forward_case(sub, oracle, rng, kind, case):
    shape, pool, stride = case
    x = rng.standard_normal(shape)
    check_forward(sub, oracle, f"{kind}_pool_forward", x, pool=pool, stride=stride)


def pool_backward_case(sub, oracle, rng, kind, case):
    shape, pool, stride = case
    x = rng.standard_normal(shape)
    out = oracle.forward(f"{kind}_pool_forward", x, pool=pool, stride=stride)
    dout = rng.standard_normal(out.shape)
    check_backward(
        sub, oracle, f"{kind}_pool_forward", f"{kind}_pool_backward", (x,), dout,
        kwargs={"pool": pool, "stride": stride}, grads=("dx",),
    )  # fmt: skip


def convt_forward_case(sub, oracle, rng, case, scale=1.0):
    args, kwargs = convt_inputs(rng, case, scale)
    check_forward(sub, oracle, "conv_transpose_forward", *args, **kwargs)


def convt_backward_case(sub, oracle, rng, case, scale=1.0):
    args, kwargs = convt_inputs(rng, case, scale)
    dout = rng.standard_normal(convt_output_shape(args[0], args[1], **kwargs))
    check_backward(
        sub, oracle, "conv_transpose_forward", "conv_transpose_backward", args, dout,
        kwargs=kwargs, grads=("dx", "dw", "db"),
    )  # fmt: skip


def convt_backward_numeric_case(sub, oracle, rng, case):
    args, kwargs = convt_inputs(rng, case)
    dout = rng.standard_normal(convt_output_shape(args[0], args[1], **kwargs))
    check_backward_numeric(
        sub, "conv_transpose_forward", "conv_transpose_backward", args, dout,
        kwargs=kwargs, wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dw", "db"), oracle=oracle,
    )  # fmt: skip
