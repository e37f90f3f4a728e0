"""Probes for the attention mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import numpy as np

from autograder.paths import load_reference

ref = load_reference("attention")


def _sdpa_inputs():
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, 4))
    k = rng.standard_normal((2, 5, 4))
    v = rng.standard_normal((2, 5, 3))
    dout = rng.standard_normal((2, 5, 3))
    return q, k, v, dout, np.tril(np.ones((5, 5), dtype=bool))


def _mha_inputs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 6))
    params = {w: rng.standard_normal((6, 6)) / 3 for w in ("Wq", "Wk", "Wv", "Wo")}
    params.update({b: rng.standard_normal(6) for b in ("bq", "bk", "bv", "bo")})
    dout = rng.standard_normal((2, 4, 6))
    return x, params, dout, np.tril(np.ones((4, 4), dtype=bool))


def run_softmax(mod):
    x = np.array([[1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])
    return [mod.softmax(x)]


def run_causal_mask(mod):
    return [mod.causal_mask(5).astype(float)]


def run_sdpa(mod):
    q, k, v, _, mask = _sdpa_inputs()
    out, weights, _ = mod.scaled_dot_product_attention(q, k, v, mask)
    return [out, weights]


def run_sdpa_backward(mod):
    q, k, v, dout, mask = _sdpa_inputs()
    _, _, cache = mod.scaled_dot_product_attention(q, k, v, mask)
    return list(mod.scaled_dot_product_attention_backward(dout, cache))


def run_mha(mod):
    x, params, _, mask = _mha_inputs()
    out, _ = mod.multi_head_attention_forward(x, x, params, 2, mask)
    return [out]


def run_mha_backward(mod):
    x, params, dout, mask = _mha_inputs()
    _, cache = mod.multi_head_attention_forward(x, x[:, ::-1].copy(), params, 2, mask)
    dx_q, dx_kv, dparams = mod.multi_head_attention_backward(dout, cache)
    return [dx_q, dx_kv, *(dparams[key] for key in sorted(dparams))]


def run_pe(mod):
    return [mod.sinusoidal_positional_encoding(6, 8)]


PROBES = {
    "softmax": run_softmax,
    "causal_mask": run_causal_mask,
    "scaled_dot_product_attention": run_sdpa,
    "scaled_dot_product_attention_backward": run_sdpa_backward,
    "multi_head_attention_forward": run_mha,
    "multi_head_attention_backward": run_mha_backward,
    "sinusoidal_positional_encoding": run_pe,
}
