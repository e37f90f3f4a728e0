"""A correct submission written with plain loops (slow but right): full marks."""

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho = 1 + (H + 2 * pad - dilation * (KH - 1) - 1) // stride
    Wo = 1 + (W + 2 * pad - dilation * (KW - 1) - 1) // stride
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xp[:, :, pad : pad + H, pad : pad + W] = x
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    rows = i * stride + dilation * np.arange(KH)
                    cols = j * stride + dilation * np.arange(KW)
                    region = xp[n][:, rows][:, :, cols]
                    out[n, f, i, j] = np.sum(region * w[f]) + b[f]
    return out, (x, w, b, stride, pad, dilation)


def conv_backward(dout, cache):
    x, w, b, stride, pad, dilation = cache
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xp[:, :, pad : pad + H, pad : pad + W] = x
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    rows = i * stride + dilation * np.arange(KH)
                    cols = j * stride + dilation * np.arange(KW)
                    region = xp[n][:, rows][:, :, cols]
                    g = dout[n, f, i, j]
                    dw[f] += g * region
                    db[f] += g
                    dxp[n][np.ix_(np.arange(C), rows, cols)] += g * w[f]
    return dxp[:, :, pad : pad + H, pad : pad + W], dw, db


def max_pool_forward(x, pool=2, stride=2):
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - pool) // stride, 1 + (W - pool) // stride
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[
                :, :, i * stride : i * stride + pool, j * stride : j * stride + pool
            ].max(axis=(2, 3))
    return out, (x, pool, stride)


def max_pool_backward(dout, cache):
    x, pool, stride = cache
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = x[n, c, i * stride : i * stride + pool, j * stride : j * stride + pool]
                    a, bb = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * stride + a, j * stride + bb] += dout[n, c, i, j]
    return dx


def avg_pool_forward(x, pool=2, stride=2):
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - pool) // stride, 1 + (W - pool) // stride
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[
                :, :, i * stride : i * stride + pool, j * stride : j * stride + pool
            ].mean(axis=(2, 3))
    return out, (x.shape, pool, stride)


def avg_pool_backward(dout, cache):
    shape, pool, stride = cache
    dx = np.zeros(shape)
    _, _, Ho, Wo = dout.shape
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * stride : i * stride + pool, j * stride : j * stride + pool] += (
                dout[:, :, i : i + 1, j : j + 1] / pool**2
            )
    return dx


def conv_transpose_forward(x, w, b, stride=1, pad=0):
    N, C, H, W = x.shape
    _, F, KH, KW = w.shape
    Ho = (H - 1) * stride - 2 * pad + KH
    Wo = (W - 1) * stride - 2 * pad + KW
    full = np.zeros((N, F, (H - 1) * stride + KH, (W - 1) * stride + KW))
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    for f in range(F):
                        full[n, f, i * stride : i * stride + KH, j * stride : j * stride + KW] += (
                            x[n, c, i, j] * w[c, f]
                        )
    out = full[:, :, pad : pad + Ho, pad : pad + Wo] + b[None, :, None, None]
    return out, (x, w, stride, pad)


def conv_transpose_backward(dout, cache):
    x, w, stride, pad = cache
    N, C, H, W = x.shape
    _, F, KH, KW = w.shape
    full = np.zeros((N, F, (H - 1) * stride + KH, (W - 1) * stride + KW))
    full[:, :, pad : pad + dout.shape[2], pad : pad + dout.shape[3]] = dout
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    for f in range(F):
                        patch = full[
                            n, f, i * stride : i * stride + KH, j * stride : j * stride + KW
                        ]
                        dx[n, c, i, j] += np.sum(patch * w[c, f])
                        dw[c, f] += x[n, c, i, j] * patch
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
