"""Attention in numpy: softmax, masks, scaled dot-product and multi-head attention.

Everything here is plain numpy in float64. Layers follow the forward/backward
convention of the course: `X_forward(...)` returns the output and a `cache`, and
the matching backward takes the upstream gradient and that cache.

Dimension letters used in the docstrings:

- N: batch size
- H: number of heads
- Lq: number of queries (target length); Lk: number of keys and values
  (source length); L when both are the same
- D: model width (d_model); d: width of one query/key vector; dv: width of one
  value vector. In multi-head attention d = dv = D // H.
- `...`: any number of leading batch axes (the same for q, k and v)

Masks are boolean arrays with True meaning "this query may attend to this key",
which is what a boolean `attn_mask` means in torch's
F.scaled_dot_product_attention (and the opposite of nn.MultiheadAttention).
"""

import numpy as np


def softmax(x, axis=-1):
    """Numerically stable softmax along one axis.

    Subtracting the maximum along `axis` before exponentiating changes nothing
    mathematically (the factor exp(-max) cancels) but keeps every exponent <= 0,
    so inputs as large as 1e4 do not overflow. Entries equal to -inf get a
    probability of exactly 0.

    Inputs:
    - x: array of any shape
    - axis: the axis that sums to one

    Returns:
    - out: array shaped like x, non-negative, summing to 1 along `axis`
    """
    # Fill `out`.
    # YOUR CODE HERE
    raise NotImplementedError("attention/softmax: fill in this blank (see its docstring)")
    return out


def causal_mask(L):
    """Mask that lets position i attend only to positions j <= i.

    Inputs:
    - L: sequence length

    Returns:
    - mask: boolean array of shape (L, L); mask[i, j] is True when j <= i
    """
    # Fill `mask` (dtype bool).
    # YOUR CODE HERE
    raise NotImplementedError("attention/causal_mask: fill in this blank (see its docstring)")
    return mask


def scaled_dot_product_attention(q, k, v, mask=None):
    """Forward pass of scaled dot-product attention.

    weights = softmax(q k^T / sqrt(d)) over the keys, out = weights v. Where the
    mask is False the score is -inf, so that weight is exactly 0.

    Inputs:
    - q: queries of shape (..., Lq, d)
    - k: keys of shape (..., Lk, d)
    - v: values of shape (..., Lk, dv)
    - mask: optional boolean array broadcastable to (..., Lq, Lk);
      True = may attend. Every query row must allow at least one key.

    Returns a tuple of:
    - out: array of shape (..., Lq, dv)
    - weights: attention weights of shape (..., Lq, Lk); each row sums to 1
    - cache: whatever the backward pass needs
    """
    d = q.shape[-1]
    # Fill `weights` (..., Lq, Lk) and `out` (..., Lq, dv).
    # YOUR CODE HERE
    raise NotImplementedError("attention/scaled_dot_product_attention: fill in this blank (see its docstring)")
    cache = (q, k, v, weights)
    return out, weights, cache


def scaled_dot_product_attention_backward(dout, cache):
    """Backward pass of scaled dot-product attention.

    Derive it from the forward lines, last to first: out = weights v, the
    softmax over the keys (a weight depends on every score of its row), and the
    scaled scores q k^T / sqrt(d). Stuck? `dlcourse hint attention
    scaled_dot_product_attention_backward`.

    Inputs:
    - dout: upstream gradient of shape (..., Lq, dv)
    - cache: the cache from scaled_dot_product_attention

    Returns a tuple of:
    - dq: gradient with respect to q, shape (..., Lq, d)
    - dk: gradient with respect to k, shape (..., Lk, d)
    - dv: gradient with respect to v, shape (..., Lk, dv)
    """
    q, k, v, weights = cache
    d = q.shape[-1]
    # Fill `dq`, `dk` and `dv`. Masked weights are 0, so no special case is needed.
    # YOUR CODE HERE
    raise NotImplementedError("attention/scaled_dot_product_attention_backward: fill in this blank (see its docstring)")
    return dq, dk, dv


def multi_head_attention_forward(x_q, x_kv, params, num_heads, mask=None):
    """Forward pass of multi-head attention.

    Queries come from x_q, keys and values from x_kv (pass the same array twice
    for self-attention). Each projection is x @ W + b. The D columns of a
    projection are cut into num_heads contiguous chunks of width d = D // H:
    head h uses columns h*d to (h+1)*d. Each head runs scaled dot-product
    attention; the head outputs are put back side by side (head h again in
    columns h*d to (h+1)*d) and go through the output projection.

    Inputs:
    - x_q: query input of shape (N, Lq, D)
    - x_kv: key/value input of shape (N, Lk, D)
    - params: dict with Wq, Wk, Wv, Wo of shape (D, D) and bq, bk, bv, bo of shape (D,)
    - num_heads: H, must divide D
    - mask: optional boolean mask, True = may attend, of shape (Lq, Lk),
      (N, Lq, Lk) or (N, H, Lq, Lk); the same mask is used by every head
      unless it has a head axis

    Returns a tuple of:
    - out: array of shape (N, Lq, D)
    - cache: whatever the backward pass needs
    """
    Wq, Wk, Wv, Wo = params["Wq"], params["Wk"], params["Wv"], params["Wo"]
    bq, bk, bv, bo = params["bq"], params["bk"], params["bv"], params["bo"]
    N, Lq, D = x_q.shape
    Lk = x_kv.shape[1]
    H = num_heads
    if D % H != 0:
        raise ValueError(f"num_heads={H} does not divide the model width D={D}")
    d = D // H
    if mask is not None and mask.ndim == 3:
        mask = mask[:, None]  # (N, 1, Lq, Lk): the same mask for every head

    # Project the inputs and split the heads: fill `q` (N, H, Lq, d),
    # `k` (N, H, Lk, d) and `v` (N, H, Lk, d).
    # YOUR CODE HERE
    raise NotImplementedError("attention/multi_head_attention_forward: fill in this blank (see its docstring)")

    # Attend within each head (use scaled_dot_product_attention), merge the
    # heads and apply the output projection: fill `heads` (N, Lq, D), the
    # merged head outputs before Wo, `attn_cache` (the attention cache) and `out`.
    # YOUR CODE HERE
    raise NotImplementedError("attention/multi_head_attention_forward: fill in this blank (see its docstring)")
    cache = (x_q, x_kv, params, H, heads, attn_cache)
    return out, cache


def multi_head_attention_backward(dout, cache):
    """Backward pass of multi-head attention.

    Undo the forward steps in reverse order: output projection, head merge,
    attention (scaled_dot_product_attention_backward handles all heads at
    once), head split, input projections. Stuck? `dlcourse hint attention
    multi_head_attention_backward`.

    Inputs:
    - dout: upstream gradient of shape (N, Lq, D)
    - cache: the cache from multi_head_attention_forward

    Returns a tuple of:
    - dx_q: gradient with respect to x_q, shape (N, Lq, D)
    - dx_kv: gradient with respect to x_kv, shape (N, Lk, D); for self-attention
      (x_q and x_kv the same array) the input's gradient is dx_q + dx_kv
    - dparams: dict with the keys of params (Wq, Wk, Wv, Wo, bq, bk, bv, bo),
      each gradient shaped like its parameter
    """
    x_q, x_kv, params, H, heads, attn_cache = cache
    Wq, Wk, Wv, Wo = params["Wq"], params["Wk"], params["Wv"], params["Wo"]
    N, Lq, D = x_q.shape
    Lk = x_kv.shape[1]
    d = D // H

    # Output projection and head merge, backwards: fill `dWo`, `dbo` and
    # `dq`, `dk`, `dv` (N, H, L, d), the gradients of the per-head q, k, v
    # (use scaled_dot_product_attention_backward).
    # YOUR CODE HERE
    raise NotImplementedError("attention/multi_head_attention_backward: fill in this blank (see its docstring)")

    # Head split and input projections, backwards: fill `dx_q`, `dx_kv` and
    # the gradients dWq, dWk, dWv, dbq, dbk, dbv.
    # YOUR CODE HERE
    raise NotImplementedError("attention/multi_head_attention_backward: fill in this blank (see its docstring)")
    dparams = {
        "Wq": dWq,
        "Wk": dWk,
        "Wv": dWv,
        "Wo": dWo,
        "bq": dbq,
        "bk": dbk,
        "bv": dbv,
        "bo": dbo,
    }
    return dx_q, dx_kv, dparams


def sinusoidal_positional_encoding(max_len, d_model):
    """Sinusoidal positional encoding of "Attention Is All You Need".

    PE[p, 2i] = sin(p / 10000^(2i / d_model)) and
    PE[p, 2i + 1] = cos(p / 10000^(2i / d_model)): even columns hold sines,
    odd columns cosines, and the pair (2i, 2i + 1) shares one frequency. When
    d_model is odd the last column is a sine.

    Inputs:
    - max_len: number of positions p = 0, ..., max_len - 1
    - d_model: width of the encoding

    Returns:
    - pe: float64 array of shape (max_len, d_model)
    """
    pe = np.zeros((max_len, d_model))
    # Fill the columns of `pe`.
    # YOUR CODE HERE
    raise NotImplementedError("attention/sinusoidal_positional_encoding: fill in this blank (see its docstring)")
    return pe
