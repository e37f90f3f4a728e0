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

A transposed convolution (conv_transpose_forward, torch's conv_transpose2d)
goes the other way: it enlarges the image. Its kernels w have shape
(C, F, KH, KW), input channels first, and its output size is

    Ho = (H - 1)*S - 2*pad + KH                     (and the same for Wo).
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
    ### BEGIN SOLUTION
    out = np.zeros((N, F, Ho, Wo))
    for p in range(KH):
        for q in range(KW):
            patch = _window(xp, p, q, Ho, Wo, stride, dilation)  # (N, C, Ho, Wo)
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])
    out += b[None, :, None, None]
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    db = dout.sum(axis=(0, 2, 3))
    ### END SOLUTION
    for p in range(KH):
        for q in range(KW):
            ### BEGIN SOLUTION
            patch = _window(xp, p, q, Ho, Wo, stride, dilation)  # (N, C, Ho, Wo)
            dw[:, :, p, q] = np.einsum("nfhw,nchw->fc", dout, patch)
            tap = w[:, :, p, q]  # (F, C): the weights this tap multiplied in the forward pass
            _window(dxp, p, q, Ho, Wo, stride, dilation)[...] += np.einsum(
                "nfhw,fc->nchw", dout, tap
            )
            ### END SOLUTION
    ### BEGIN SOLUTION
    dx = dxp[:, :, pad : pad + H, pad : pad + W]
    ### END SOLUTION
    return dx, dw, db


def conv_transpose_output_size(size: int, kernel: int, stride: int = 1, pad: int = 0) -> int:
    """Output length of a transposed convolution along one axis: (size - 1)*stride - 2*pad + kernel."""
    return (size - 1) * stride - 2 * pad + kernel


def conv_transpose_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, tuple]:
    """Forward pass of a 2-D transposed convolution (torch's conv_transpose2d).

    Inputs:
    - x: input of shape (N, C, H, W)
    - w: kernels of shape (C, F, KH, KW): input channels first, as in torch's
      conv_transpose2d (the opposite order of conv_forward's w)
    - b: biases of shape (F,)
    - stride: input pixels land `stride` output pixels apart (both axes)
    - pad: rows and columns cut from every border of the output

    Returns a tuple of:
    - out: output of shape (N, F, Ho, Wo), Ho = (H - 1)*stride - 2*pad + KH
      (and the same for Wo)
    - cache: what conv_transpose_backward needs

    Every input pixel x[n, c, i, j] stamps the kernel w[c, f], scaled by its
    value, onto the output of every filter f; the stamps overlap and add up:

        out[n, f, i*S + p - pad, j*S + q - pad] += x[n, c, i, j] * w[c, f, p, q]

    for every n, c, f, input position (i, j) and kernel tap (p, q) whose target
    lies inside the output; then b[f] is added to every position of channel f.

    The blank: fill `out`. Hint: work on `canvas`, the output before the crop
    (pad extra rows and columns on every border, zeros to start with). Loop
    over the KH*KW kernel taps: `_window(canvas, p, q, H, W, stride, 1)` is the
    (N, F, H, W) block of the canvas that tap (p, q) writes to, one entry per
    input pixel. Then cut pad rows and columns from each border and add the bias.
    """
    N, C, H, W = x.shape
    C_w, F, KH, KW = w.shape
    if C_w != C:
        raise ValueError(f"x has {C} channels but w expects {C_w}")
    Ho = conv_transpose_output_size(H, KH, stride, pad)
    Wo = conv_transpose_output_size(W, KW, stride, pad)
    if Ho <= 0 or Wo <= 0:
        raise ValueError("the padding removes the whole output")
    canvas = np.zeros((N, F, Ho + 2 * pad, Wo + 2 * pad))  # the output before the crop
    ### BEGIN SOLUTION
    for p in range(KH):
        for q in range(KW):
            stamp = np.einsum("nchw,cf->nfhw", x, w[:, :, p, q])  # (N, F, H, W)
            _window(canvas, p, q, H, W, stride, 1)[...] += stamp
    out = canvas[:, :, pad : pad + Ho, pad : pad + Wo] + b[None, :, None, None]
    ### END SOLUTION
    cache = (x, w, b, stride, pad)
    return out, cache


def conv_transpose_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of conv_transpose_forward.

    Inputs:
    - dout: upstream gradient of shape (N, F, Ho, Wo)
    - cache: from conv_transpose_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dw: gradient with respect to w, shape (C, F, KH, KW)
    - db: gradient with respect to b, shape (F,)

    The blanks: fill `db` and `dcanvas`, the gradient of the forward pass's
    canvas (the output before the crop); then, inside the loop over the kernel
    taps, fill `dw[:, :, p, q]` and add the tap's contribution to `dx`. The README
    asks the questions that lead to these gradients, and
    `dlcourse hint conv conv_transpose_backward` shows a hint ladder.
    """
    x, w, b, stride, pad = cache
    N, C, H, W = x.shape
    _, F, KH, KW = w.shape
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    ### BEGIN SOLUTION
    db = np.sum(dout, axis=(0, 2, 3))
    dcanvas = np.pad(dout, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ### END SOLUTION
    for p in range(KH):
        for q in range(KW):
            ### BEGIN SOLUTION
            block = _window(dcanvas, p, q, H, W, stride, 1)  # (N, F, H, W)
            dw[:, :, p, q] = np.einsum("nchw,nfhw->cf", x, block)
            dx += np.einsum("nfhw,cf->nchw", block, w[:, :, p, q])
            ### END SOLUTION
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
    ### BEGIN SOLUTION
    windows = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :Ho, :Wo]  # (N, C, Ho, Wo, pool, pool)
    out = windows.max(axis=(4, 5))
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    for i in range(Ho):
        for j in range(Wo):
            top, left = i * stride, j * stride
            window = x[:, :, top : top + pool, left : left + pool].reshape(N, C, -1)
            winner = window.argmax(axis=2)  # (N, C)
            mask = np.zeros_like(window)
            np.put_along_axis(mask, winner[:, :, None], 1.0, axis=2)
            grad = mask * dout[:, :, i, j][:, :, None]
            dx[:, :, top : top + pool, left : left + pool] += grad.reshape(N, C, pool, pool)
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    windows = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :Ho, :Wo]  # (N, C, Ho, Wo, pool, pool)
    out = windows.mean(axis=(4, 5))
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    share = dout / (pool * pool)
    for i in range(Ho):
        for j in range(Wo):
            top, left = i * stride, j * stride
            dx[:, :, top : top + pool, left : left + pool] += share[:, :, i, j][:, :, None, None]
    ### END SOLUTION
    return dx
