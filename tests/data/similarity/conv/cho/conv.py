"""Convolution and pooling layers with their backward passes, in numpy.

Dimension letters used throughout:
- N: batch size           - C: input channels        - F: filters (output channels)
- H, W: input height and width
- KH, KW: kernel height and width
- H', W' (written Ho, Wo in code): output height and width

Every layer is a pair: `<name>_forward(...) -> (out, cache)` and
`<name>_backward(dout, cache) -> gradients`. The cache holds whatever the
backward pass needs; nobody but your own backward looks inside it.

A convolution layer computes a cross-correlation (the kernel is NOT flipped),
exactly like torch.nn.functional.conv2d:

    out[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * xp[n, c, i*S + p*D, j*S + q*D]

where xp is x zero-padded by `pad` on each side of H and W, S is the stride and
D the dilation. The output size is

    Ho = 1 + (H + 2*pad - D*(KH - 1) - 1) // S      (and the same for Wo).
"""

from __future__ import annotations

import numpy as np


def conv_output_size(
    size: int, kernel: int, stride: int = 1, pad: int = 0, dilation: int = 1
) -> int:
    """Output length along one axis: 1 + (size + 2*pad - dilation*(kernel-1) - 1) // stride."""
    return 1 + (size + 2 * pad - dilation * (kernel - 1) - 1) // stride


def _window(
    array: np.ndarray, p: int, q: int, Ho: int, Wo: int, stride: int, dilation: int
) -> np.ndarray:
    """The (N, C, Ho, Wo) slice of a padded input that kernel tap (p, q) touches.

    For kernel position (p, q), output (i, j) reads array[..., i*stride + p*dilation,
    j*stride + q*dilation]; this returns all those entries at once as a view.
    """
    top, left = p * dilation, q * dilation
    return array[
        :,
        :,
        top : top + stride * (Ho - 1) + 1 : stride,
        left : left + stride * (Wo - 1) + 1 : stride,
    ]


def _pool_windows(x: np.ndarray, pool: int, stride: int, Ho: int, Wo: int) -> np.ndarray:
    """A read-only (N, C, Ho, Wo, pool, pool) view of every pooling window."""
    sn, sc, sh, sw = x.strides
    return np.lib.stride_tricks.as_strided(
        x,
        shape=(x.shape[0], x.shape[1], Ho, Wo, pool, pool),
        strides=(sn, sc, sh * stride, sw * stride, sh, sw),
        writeable=False,
    )


def conv_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    stride: int = 1,
    pad: int = 0,
    dilation: int = 1,
) -> tuple[np.ndarray, tuple]:
    """Forward pass of a 2-D convolution (cross-correlation, as torch's conv2d).

    Inputs:
    - x: input of shape (N, C, H, W)
    - w: filters of shape (F, C, KH, KW)
    - b: biases of shape (F,)
    - stride: step between neighbouring output positions (both axes)
    - pad: zeros added on every side of H and W
    - dilation: spacing between kernel taps (1 = a dense kernel)

    Returns a tuple of:
    - out: output of shape (N, F, Ho, Wo), Ho = 1 + (H + 2*pad - dilation*(KH-1) - 1) // stride
    - cache: what conv_backward needs

    The blank: fill `out`. Hint: loop over the KH*KW kernel taps (not over output
    pixels); `_window(xp, p, q, Ho, Wo, stride, dilation)` gives the (N, C, Ho, Wo)
    block of the padded input that tap (p, q) multiplies; np.einsum or
    np.tensordot contracts the channel axis with w[:, :, p, q].
    """
    N, C, H, W = x.shape
    F, C_w, KH, KW = w.shape
    if C_w != C:
        raise ValueError(f"x has {C} channels but w expects {C_w}")
    Ho = conv_output_size(H, KH, stride, pad, dilation)
    Wo = conv_output_size(W, KW, stride, pad, dilation)
    if Ho <= 0 or Wo <= 0:
        raise ValueError("the kernel does not fit in the padded input")
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H + 2pad, W + 2pad)
    out = np.broadcast_to(b.reshape(1, F, 1, 1), (N, F, Ho, Wo)).copy()
    for p in range(KH):
        for q in range(KW):
            block = _window(xp, p, q, Ho, Wo, stride, dilation)
            contrib = np.tensordot(block, w[:, :, p, q], axes=([1], [1]))  # (N, Ho, Wo, F)
            out += contrib.transpose(0, 3, 1, 2)
    cache = (x, w, b, stride, pad, dilation)
    return out, cache


def conv_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of conv_forward.

    Inputs:
    - dout: upstream gradient of shape (N, F, Ho, Wo)
    - cache: from conv_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dw: gradient with respect to w, shape (F, C, KH, KW)
    - db: gradient with respect to b, shape (F,)

    The blanks: fill `db`; then, inside the loop over the kernel taps, fill
    `dw[:, :, p, q]` and add the tap's contribution to `dxp`, the gradient of the
    PADDED input (zeros to start with); after the loop, fill `dx`, the part of
    `dxp` that corresponds to x. Deriving these gradients is the task: the README
    asks the questions that lead there, and `dlcourse hint conv conv_backward`
    shows a hint ladder, one level per call.
    """
    x, w, b, stride, pad, dilation = cache
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for p in range(KH):
        for q in range(KW):
            block = _window(xp, p, q, Ho, Wo, stride, dilation)
            dw[:, :, p, q] = np.tensordot(dout, block, axes=([0, 2, 3], [0, 2, 3]))
            back = np.tensordot(dout, w[:, :, p, q], axes=([1], [0]))  # (N, Ho, Wo, C)
            target = _window(dxp, p, q, Ho, Wo, stride, dilation)
            target += back.transpose(0, 3, 1, 2)
    dx = dxp[:, :, pad : dxp.shape[2] - pad, pad : dxp.shape[3] - pad]
    return dx, dw, db


def _pool_size(size: int, pool: int, stride: int) -> int:
    return 1 + (size - pool) // stride


def max_pool_forward(x: np.ndarray, pool: int = 2, stride: int = 2) -> tuple[np.ndarray, tuple]:
    """Forward pass of max pooling (torch's max_pool2d without padding).

    Inputs:
    - x: input of shape (N, C, H, W)
    - pool: the window is pool x pool
    - stride: step between windows

    Returns a tuple of:
    - out: shape (N, C, Ho, Wo) with Ho = 1 + (H - pool) // stride
    - cache: what max_pool_backward needs

    The blank: fill `out`, the maximum of every window.
    """
    N, C, H, W = x.shape
    Ho, Wo = _pool_size(H, pool, stride), _pool_size(W, pool, stride)
    if Ho <= 0 or Wo <= 0:
        raise ValueError("the pooling window does not fit in the input")
    out = _pool_windows(x, pool, stride, Ho, Wo).max(axis=(-2, -1))
    cache = (x, pool, stride)
    return out, cache


def max_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of max pooling.

    Inputs:
    - dout: upstream gradient of shape (N, C, Ho, Wo)
    - cache: from max_pool_forward

    Returns:
    - dx: gradient with respect to x, shape (N, C, H, W)

    The blank: fill `dx`. Windows may overlap when stride < pool: an element
    then receives something from every window it belongs to, and those
    contributions add up. Hints: `dlcourse hint conv max_pool_backward`.
    """
    x, pool, stride = cache
    N, C, H, W = x.shape
    _, _, Ho, Wo = dout.shape
    dx = np.zeros_like(x)
    wins = _pool_windows(x, pool, stride, Ho, Wo).reshape(N, C, Ho, Wo, pool * pool)
    di, dj = np.divmod(wins.argmax(axis=-1), pool)
    n_idx, c_idx, i_idx, j_idx = np.indices((N, C, Ho, Wo))
    np.add.at(dx, (n_idx, c_idx, i_idx * stride + di, j_idx * stride + dj), dout)
    return dx


def avg_pool_forward(x: np.ndarray, pool: int = 2, stride: int = 2) -> tuple[np.ndarray, tuple]:
    """Forward pass of average pooling (torch's avg_pool2d without padding).

    Inputs:
    - x: input of shape (N, C, H, W)
    - pool: the window is pool x pool
    - stride: step between windows

    Returns a tuple of:
    - out: shape (N, C, Ho, Wo) with Ho = 1 + (H - pool) // stride
    - cache: what avg_pool_backward needs

    The blank: fill `out`, the mean of every window.
    """
    N, C, H, W = x.shape
    Ho, Wo = _pool_size(H, pool, stride), _pool_size(W, pool, stride)
    if Ho <= 0 or Wo <= 0:
        raise ValueError("the pooling window does not fit in the input")
    out = _pool_windows(x, pool, stride, Ho, Wo).mean(axis=(-2, -1))
    cache = (x.shape, pool, stride)
    return out, cache


def avg_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of average pooling.

    Inputs:
    - dout: upstream gradient of shape (N, C, Ho, Wo)
    - cache: from avg_pool_forward

    Returns:
    - dx: gradient with respect to x, shape (N, C, H, W)

    The blank: fill `dx`. As for max pooling, an element of overlapping windows
    collects from each of them. Hints: `dlcourse hint conv avg_pool_backward`.
    """
    shape, pool, stride = cache
    _, _, Ho, Wo = dout.shape
    dx = np.zeros(shape)
    each = dout / pool**2
    for p in range(pool):
        for q in range(pool):
            dx[
                :, :, p : p + stride * (Ho - 1) + 1 : stride, q : q + stride * (Wo - 1) + 1 : stride
            ] += each
    return dx
