"""Forward passes done, backward passes not started: partial credit."""

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho = 1 + (H + 2 * pad - dilation * (KH - 1) - 1) // stride
    Wo = 1 + (W + 2 * pad - dilation * (KW - 1) - 1) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo))
    for p in range(KH):
        for q in range(KW):
            sl = xp[:, :, p * dilation : p * dilation + stride * (Ho - 1) + 1 : stride,
                    q * dilation : q * dilation + stride * (Wo - 1) + 1 : stride]  # fmt: skip
            out += np.tensordot(sl, w[:, :, p, q], axes=([1], [1])).transpose(0, 3, 1, 2)
    return out + b[None, :, None, None], (x, w, b, stride, pad, dilation)


def conv_backward(dout, cache):
    raise NotImplementedError("conv/conv_backward: fill in this blank")


def max_pool_forward(x, pool=2, stride=2):
    v = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[
        :, :, ::stride, ::stride
    ]
    return v.max(axis=(4, 5)), (x, pool, stride)


def max_pool_backward(dout, cache):
    raise NotImplementedError("conv/max_pool_backward: fill in this blank")


def avg_pool_forward(x, pool=2, stride=2):
    v = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[
        :, :, ::stride, ::stride
    ]
    return v.mean(axis=(4, 5)), (x.shape, pool, stride)


def avg_pool_backward(dout, cache):
    raise NotImplementedError("conv/avg_pool_backward: fill in this blank")
