"""Does the attention reference agree with PyTorch (float64) forward and backward?

torch is the oracle: F.softmax, F.scaled_dot_product_attention with a boolean
attn_mask (True = may attend, as in the contract) and nn.MultiheadAttention
(whose boolean mask means the opposite, True = blocked) with the contract's
parameter layout copied in. Gradients come from torch.autograd.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import scaled_error

from autograder.paths import load_reference

ref = load_reference("attention")

TOL = 1e-8


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def random_mask(rng, shape):
    """A boolean mask with at least one allowed key in every query row."""
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True
    return mask


# ---------------------------------------------------------------- softmax


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 7), -1), ((3, 7), 0), ((2, 3, 4), 1)])
def test_softmax_matches_torch(shape, axis):
    """Does softmax match torch.softmax along any axis?"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3
    got = ref.softmax(x, axis=axis)
    assert scaled_error(got, torch.softmax(t(x), dim=axis).numpy()) < TOL


def test_softmax_is_stable_for_huge_inputs():
    """Is softmax finite and right for |x| up to 1e4?"""
    x = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4 + 2.0, -1e4 + 1.0]])
    got = ref.softmax(x)
    assert np.all(np.isfinite(got))
    assert scaled_error(got, torch.softmax(t(x), dim=-1).numpy()) < TOL


def test_softmax_gives_exact_zero_for_minus_inf():
    """Does a -inf entry get a probability of exactly 0?"""
    x = np.array([[0.5, -np.inf, 2.0], [-np.inf, -np.inf, 1.0]])
    got = ref.softmax(x)
    assert got[0, 1] == 0.0 and got[1, 0] == 0.0 and got[1, 1] == 0.0
    assert got[1, 2] == 1.0


# ---------------------------------------------------------------- causal mask


@pytest.mark.parametrize("L", [1, 2, 5, 9])
def test_causal_mask(L):
    """Is causal_mask(L) the boolean lower triangle (j <= i allowed)?"""
    got = ref.causal_mask(L)
    assert got.dtype == np.bool_ and got.shape == (L, L)
    expected = torch.ones(L, L, dtype=torch.bool).tril().numpy()
    assert np.array_equal(got, expected)


# ---------------------------------------------------------------- scaled dot-product attention


SDPA_CASES = [
    # (leading dims, Lq, Lk, d, dv, mask kind)
    ((), 4, 4, 3, 3, None),
    ((), 3, 6, 4, 2, "random"),
    ((2,), 5, 5, 4, 4, "causal"),
    ((2,), 3, 7, 5, 6, None),
    ((2, 3), 4, 4, 8, 8, "causal"),
    ((2, 3), 4, 6, 2, 5, "random"),
    ((2, 3), 5, 6, 4, 4, "key_padding"),
    ((3,), 1, 1, 1, 1, None),
]


def _sdpa_inputs(lead, Lq, Lk, d, dv, mask_kind, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((*lead, Lq, d))
    k = rng.standard_normal((*lead, Lk, d))
    v = rng.standard_normal((*lead, Lk, dv))
    dout = rng.standard_normal((*lead, Lq, dv))
    if mask_kind is None:
        mask = None
    elif mask_kind == "causal":
        mask = np.tril(np.ones((Lq, Lk), dtype=bool))
    elif mask_kind == "random":
        mask = random_mask(rng, (*lead, Lq, Lk))
    else:  # key padding: one mask per batch entry, broadcast over the queries
        mask = random_mask(rng, (*lead, 1, Lk))
    return q, k, v, dout, mask


@pytest.mark.parametrize("case", SDPA_CASES, ids=[str(c) for c in SDPA_CASES])
def test_sdpa_forward_and_backward_match_torch(case):
    """Do out, weights and dq, dk, dv match F.scaled_dot_product_attention?"""
    q, k, v, dout, mask = _sdpa_inputs(*case)
    out, weights, cache = ref.scaled_dot_product_attention(q, k, v, mask)
    dq, dk, dv = ref.scaled_dot_product_attention_backward(dout, cache)

    tq, tk, tv = t(q, True), t(k, True), t(v, True)
    tmask = None if mask is None else torch.from_numpy(mask)
    tout = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=tmask)
    tout.backward(t(dout))
    scores = tq.detach() @ tk.detach().transpose(-2, -1) / np.sqrt(q.shape[-1])
    if tmask is not None:
        scores = scores.masked_fill(~tmask, float("-inf"))
    tweights = torch.softmax(scores, dim=-1)

    assert scaled_error(out, tout.detach().numpy()) < TOL
    assert scaled_error(weights, tweights.numpy()) < TOL
    assert scaled_error(dq, tq.grad.numpy()) < TOL
    assert scaled_error(dk, tk.grad.numpy()) < TOL
    assert scaled_error(dv, tv.grad.numpy()) < TOL


def test_sdpa_masked_weights_are_exactly_zero():
    """Are the weights of blocked keys exactly 0, and do rows sum to 1?"""
    q, k, v, _, mask = _sdpa_inputs((2, 3), 6, 6, 4, 4, "random", seed=3)
    _, weights, _ = ref.scaled_dot_product_attention(q, k, v, mask)
    assert np.all(weights[~np.broadcast_to(mask, weights.shape)] == 0.0)
    assert np.allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def test_sdpa_handles_large_scores():
    """Does attention stay finite when the scores are around 1e4?"""
    rng = np.random.default_rng(5)
    q = rng.standard_normal((2, 4, 3)) * 100
    k = rng.standard_normal((2, 5, 3)) * 100
    v = rng.standard_normal((2, 5, 3))
    out, weights, _ = ref.scaled_dot_product_attention(q, k, v)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(weights))
    expected = F.scaled_dot_product_attention(t(q), t(k), t(v)).numpy()
    assert scaled_error(out, expected) < TOL


def test_sdpa_does_not_modify_inputs():
    """Do forward and backward leave q, k, v, mask and dout untouched?"""
    q, k, v, dout, mask = _sdpa_inputs((2,), 4, 5, 3, 3, "random", seed=7)
    copies = [a.copy() for a in (q, k, v, dout, mask)]
    _, _, cache = ref.scaled_dot_product_attention(q, k, v, mask)
    ref.scaled_dot_product_attention_backward(dout, cache)
    for before, after in zip(copies, (q, k, v, dout, mask)):
        assert np.array_equal(before, after)


# ---------------------------------------------------------------- multi-head attention


def _mha_params(rng, D):
    params = {name: rng.standard_normal((D, D)) / np.sqrt(D) for name in ("Wq", "Wk", "Wv", "Wo")}
    params.update({name: rng.standard_normal(D) * 0.1 for name in ("bq", "bk", "bv", "bo")})
    return params


def _torch_mha(params, D, H):
    mha = torch.nn.MultiheadAttention(D, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(t(np.concatenate([params[w].T for w in ("Wq", "Wk", "Wv")])))
        mha.in_proj_bias.copy_(t(np.concatenate([params[b] for b in ("bq", "bk", "bv")])))
        mha.out_proj.weight.copy_(t(params["Wo"].T))
        mha.out_proj.bias.copy_(t(params["bo"]))
    return mha


def _torch_blocked(mask, N, H):
    """The contract's mask (True = may attend) as nn.MultiheadAttention wants it."""
    if mask is None:
        return None
    blocked = ~torch.from_numpy(mask)
    if blocked.dim() == 3:  # (N, Lq, Lk) -> (N * H, Lq, Lk), batch-major
        blocked = blocked.repeat_interleave(H, dim=0)
    return blocked


MHA_CASES = [
    # (N, Lq, Lk, D, H, mask kind)
    (2, 5, 5, 8, 2, None),
    (2, 5, 5, 8, 4, "causal"),
    (3, 4, 6, 6, 3, None),
    (3, 4, 6, 6, 2, "random2d"),
    (2, 5, 7, 12, 4, "random3d"),
    (1, 3, 3, 4, 1, "causal"),
    (2, 6, 6, 8, 8, "random3d"),
]


@pytest.mark.parametrize("case", MHA_CASES, ids=[str(c) for c in MHA_CASES])
def test_mha_matches_torch_multihead_attention(case):
    """Do out, dx_q, dx_kv and every parameter gradient match nn.MultiheadAttention?"""
    N, Lq, Lk, D, H, mask_kind = case
    rng = np.random.default_rng(11)
    x_q = rng.standard_normal((N, Lq, D))
    x_kv = rng.standard_normal((N, Lk, D))
    dout = rng.standard_normal((N, Lq, D))
    params = _mha_params(rng, D)
    if mask_kind is None:
        mask = None
    elif mask_kind == "causal":
        mask = np.tril(np.ones((Lq, Lk), dtype=bool))
    elif mask_kind == "random2d":
        mask = random_mask(rng, (Lq, Lk))
    else:
        mask = random_mask(rng, (N, Lq, Lk))

    out, cache = ref.multi_head_attention_forward(x_q, x_kv, params, H, mask)
    dx_q, dx_kv, dparams = ref.multi_head_attention_backward(dout, cache)

    mha = _torch_mha(params, D, H)
    tq, tkv = t(x_q, True), t(x_kv, True)
    tout, _ = mha(tq, tkv, tkv, attn_mask=_torch_blocked(mask, N, H), need_weights=False)
    tout.backward(t(dout))

    assert scaled_error(out, tout.detach().numpy()) < TOL
    assert scaled_error(dx_q, tq.grad.numpy()) < TOL
    assert scaled_error(dx_kv, tkv.grad.numpy()) < TOL
    gW = mha.in_proj_weight.grad.numpy()
    gb = mha.in_proj_bias.grad.numpy()
    for i, (w, b) in enumerate((("Wq", "bq"), ("Wk", "bk"), ("Wv", "bv"))):
        assert scaled_error(dparams[w], gW[i * D : (i + 1) * D].T) < TOL, w
        if b == "bk":
            # Adding bk shifts every score of a query row by the same amount, which
            # softmax ignores: the exact gradient is 0, so compare absolutely.
            assert np.max(np.abs(dparams[b])) < 1e-12 and np.max(np.abs(gb[D : 2 * D])) < 1e-12
        else:
            assert scaled_error(dparams[b], gb[i * D : (i + 1) * D]) < TOL, b
    assert scaled_error(dparams["Wo"], mha.out_proj.weight.grad.numpy().T) < TOL
    assert scaled_error(dparams["bo"], mha.out_proj.bias.grad.numpy()) < TOL
    assert set(dparams) == set(params)


def test_mha_self_attention_gradients_add_up():
    """For self-attention (x passed twice), is dx_q + dx_kv torch's gradient of x?"""
    rng = np.random.default_rng(2)
    N, L, D, H = 2, 5, 8, 2
    x = rng.standard_normal((N, L, D))
    dout = rng.standard_normal((N, L, D))
    params = _mha_params(rng, D)
    mask = np.tril(np.ones((L, L), dtype=bool))
    _, cache = ref.multi_head_attention_forward(x, x, params, H, mask)
    dx_q, dx_kv, _ = ref.multi_head_attention_backward(dout, cache)

    mha = _torch_mha(params, D, H)
    tx = t(x, True)
    tout, _ = mha(tx, tx, tx, attn_mask=_torch_blocked(mask, N, H), need_weights=False)
    tout.backward(t(dout))
    assert scaled_error(dx_q + dx_kv, tx.grad.numpy()) < TOL


def test_mha_head_weights_match_torch():
    """Are the per-head attention weights those of nn.MultiheadAttention (heads in order)?"""
    rng = np.random.default_rng(4)
    N, L, D, H = 2, 4, 6, 3
    x = rng.standard_normal((N, L, D))
    params = _mha_params(rng, D)
    _, cache = ref.multi_head_attention_forward(x, x, params, H)
    weights = cache[-1][-1]  # the attention cache ends with the (N, H, L, L) weights
    mha = _torch_mha(params, D, H)
    _, tw = mha(t(x), t(x), t(x), need_weights=True, average_attn_weights=False)
    assert scaled_error(weights, tw.detach().numpy()) < TOL


def test_mha_rejects_indivisible_heads():
    """Does multi_head_attention_forward refuse num_heads that do not divide D?"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 6))
    with pytest.raises(ValueError):
        ref.multi_head_attention_forward(x, x, _mha_params(rng, 6), 4)


def test_mha_does_not_modify_inputs():
    """Do forward and backward leave x_q, x_kv, params, mask and dout untouched?"""
    rng = np.random.default_rng(9)
    N, Lq, Lk, D, H = 2, 3, 4, 6, 2
    x_q = rng.standard_normal((N, Lq, D))
    x_kv = rng.standard_normal((N, Lk, D))
    dout = rng.standard_normal((N, Lq, D))
    params = _mha_params(rng, D)
    mask = random_mask(rng, (N, Lq, Lk))
    arrays = [x_q, x_kv, dout, mask, *params.values()]
    copies = [a.copy() for a in arrays]
    _, cache = ref.multi_head_attention_forward(x_q, x_kv, params, H, mask)
    ref.multi_head_attention_backward(dout, cache)
    for before, after in zip(copies, arrays):
        assert np.array_equal(before, after)


# ---------------------------------------------------------------- positional encoding


@pytest.mark.parametrize("max_len,d_model", [(1, 2), (10, 8), (50, 16), (7, 5), (3, 1)])
def test_positional_encoding_follows_the_formula(max_len, d_model):
    """Is PE[p, 2i] = sin(p / 10000^(2i/d)) and PE[p, 2i+1] = cos(same), odd widths too?"""
    pe = ref.sinusoidal_positional_encoding(max_len, d_model)
    assert pe.shape == (max_len, d_model) and pe.dtype == np.float64
    expected = torch.zeros(max_len, d_model, dtype=torch.float64)
    for p in range(max_len):
        for col in range(d_model):
            two_i = col - col % 2
            angle = torch.tensor(p / 10000.0 ** (two_i / d_model), dtype=torch.float64)
            expected[p, col] = torch.sin(angle) if col % 2 == 0 else torch.cos(angle)
    assert np.max(np.abs(pe - expected.numpy())) < 1e-12


def test_positional_encoding_first_columns():
    """Do the first two columns hold sin(p) and cos(p), and row 0 alternate 0, 1?"""
    pe = ref.sinusoidal_positional_encoding(20, 6)
    p = np.arange(20.0)
    assert np.allclose(pe[:, 0], np.sin(p), rtol=0, atol=1e-15)
    assert np.allclose(pe[:, 1], np.cos(p), rtol=0, atol=1e-15)
    assert np.array_equal(pe[0], np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]))
