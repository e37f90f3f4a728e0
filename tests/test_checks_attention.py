"""Do the attention checks accept other correct solutions and stay fast?

The reference is one way to write attention. A student who loops over heads,
uses einsum, writes the softmax backward with an explicit Jacobian, masks with
a huge negative number instead of -inf or keeps a dict as cache is just as
right, and must score full marks. A solution that drops the exact zeros of
masked weights must not.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from graderkit import failures, grade_folder, reference_result

from autograder.feedback import render_result

ALTERNATIVE = """
import numpy as np


def softmax(x, axis=-1):
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    m = x.max(axis=-1, keepdims=True)
    log_z = m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.moveaxis(np.exp(x - log_z), -1, axis)


def causal_mask(L):
    i = np.arange(L)
    return i[None, :] <= i[:, None]


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e300)  # underflows to exactly 0
    weights = softmax(scores)
    out = np.einsum("...qk,...kv->...qv", weights, v)
    return out, weights, {"q": q, "k": k, "v": v, "w": weights}


def scaled_dot_product_attention_backward(dout, cache):
    q, k, v, w = cache["q"], cache["k"], cache["v"], cache["w"]
    dv = np.einsum("...qk,...qv->...kv", w, dout)
    dw = np.einsum("...qv,...kv->...qk", dout, v)
    lead = w.shape[:-2]
    ds = np.empty_like(w)
    for index in np.ndindex(*lead):
        for row in range(w.shape[-2]):
            p = w[index + (row,)]
            jac = np.diag(p) - np.outer(p, p)
            ds[index + (row,)] = jac @ dw[index + (row,)]
    ds /= np.sqrt(q.shape[-1])
    return ds @ k, np.swapaxes(ds, -1, -2) @ q, dv


def multi_head_attention_forward(x_q, x_kv, params, num_heads, mask=None):
    N, Lq, D = x_q.shape
    d = D // num_heads
    Q = x_q @ params["Wq"] + params["bq"]
    K = x_kv @ params["Wk"] + params["bk"]
    V = x_kv @ params["Wv"] + params["bv"]
    outs, caches = [], []
    for h in range(num_heads):
        cols = slice(h * d, (h + 1) * d)
        m = mask[:, h] if mask is not None and mask.ndim == 4 else mask
        o, _, c = scaled_dot_product_attention(Q[..., cols], K[..., cols], V[..., cols], m)
        outs.append(o)
        caches.append(c)
    heads = np.concatenate(outs, axis=-1)
    out = heads @ params["Wo"] + params["bo"]
    return out, (x_q, x_kv, dict(params), num_heads, heads, caches)


def multi_head_attention_backward(dout, cache):
    x_q, x_kv, params, num_heads, heads, caches = cache
    D = x_q.shape[-1]
    d = D // num_heads
    grads = {"Wo": np.einsum("nld,nle->de", heads, dout), "bo": dout.sum(axis=(0, 1))}
    dheads = dout @ params["Wo"].T
    dQ = np.zeros(x_q.shape)
    dK = np.zeros(x_kv.shape)
    dV = np.zeros(x_kv.shape)
    for h in range(num_heads):
        cols = slice(h * d, (h + 1) * d)
        dq, dk, dv = scaled_dot_product_attention_backward(dheads[..., cols], caches[h])
        dQ[..., cols], dK[..., cols], dV[..., cols] = dq, dk, dv
    for name, x, g in (("q", x_q, dQ), ("k", x_kv, dK), ("v", x_kv, dV)):
        grads["W" + name] = np.einsum("nld,nle->de", x, g)
        grads["b" + name] = g.sum(axis=(0, 1))
    dx_q = dQ @ params["Wq"].T
    dx_kv = dK @ params["Wk"].T + dV @ params["Wv"].T
    return dx_q, dx_kv, grads


def sinusoidal_positional_encoding(max_len, d_model):
    pe = np.empty((max_len, d_model))
    for p in range(max_len):
        for col in range(d_model):
            angle = p / 10000 ** ((col - col % 2) / d_model)
            pe[p, col] = np.sin(angle) if col % 2 == 0 else np.cos(angle)
    return pe
"""


def write(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "attention.py").write_text(source, encoding="utf-8")
    return folder


def test_another_correct_solution_scores_full_marks(tmp_path):
    """Does a loop-and-einsum solution with a dict cache score full marks?"""
    result = grade_folder("attention", write(tmp_path, ALTERNATIVE))
    assert result.score == result.max_score, failures(result)


def test_weights_that_are_almost_zero_lose_points(tmp_path):
    """Does masking with -30 (blocked weights tiny, not 0) lose the exact-zero check, in en and ko?"""
    source = ALTERNATIVE.replace("-1e300", "-30.0")
    result = grade_folder("attention", write(tmp_path, source))
    lost = [t.nodeid for t in result.tests if t.status != "passed"]
    zero = [t for t in result.tests if t.nodeid.endswith("test_sdpa_masked_weights_exactly_zero")]
    assert zero and zero[0].status == "failed", failures(result)
    assert "weights of blocked keys must be exactly 0; the largest is" in zero[0].output, lost
    korean = render_result(copy.deepcopy(result), "ko")
    text = next(t.output for t in korean.tests if t.nodeid == zero[0].nodeid)
    assert "막힌 키의 가중치는 정확히 0이어야 하는데 가장 큰 값이" in text, text
    assert "blocked keys" not in text


def test_grading_is_fast():
    """Does grading the reference (public and hidden checks) take under 3 s here?"""
    reference_result.cache_clear()
    start = time.perf_counter()
    result = reference_result("attention")
    assert result.score == result.max_score
    assert time.perf_counter() - start < 3.0
