"""Shared pieces of the attention checks (ships with the public checks; no solution code).

Input generators and `check_*` helpers run in the grader. The harness functions
(first argument `module`) run inside the sandboxed worker next to the student's
code, or in the grader on the reference: they only call the student's
functions and hand back what came out.
"""

from functools import partial

import numpy as np

from autograder.checkkit import (
    CheckFailure,
    compare,
    compare_all,
    describe_call,
    eval_many,
)

PARAM_KEYS = ("Wq", "Wk", "Wv", "Wo", "bq", "bk", "bv", "bo")
MHA_GRADS = ("dx_q", "dx_kv", *(f"dparams['{key}']" for key in PARAM_KEYS))


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
def random_mask(rng, shape):
    """A boolean mask (True = may attend) in which every query row allows a key."""
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True
    return mask


def causal(Lq, Lk=None):
    Lk = Lq if Lk is None else Lk
    return np.tril(np.ones((Lq, Lk), dtype=bool))


def make_mask(rng, kind, lead, Lq, Lk):
    """None, a causal (Lq, Lk) mask, a random mask over all axes, or a key-padding mask."""
    if kind is None:
        return None
    if kind == "causal":
        return causal(Lq, Lk)
    if kind == "random":
        return random_mask(rng, (*lead, Lq, Lk))
    if kind == "keys":  # one row per batch entry, broadcast over the queries
        return random_mask(rng, (*lead, 1, Lk))
    raise ValueError(kind)


def mha_params(rng, D, scale=1.0):
    params = {key: rng.standard_normal((D, D)) * scale / np.sqrt(D) for key in PARAM_KEYS[:4]}
    params.update({key: rng.standard_normal(D) * 0.5 for key in PARAM_KEYS[4:]})
    return params


# ---------------------------------------------------------------------------
# Comparisons that know about non-finite answers
# ---------------------------------------------------------------------------
def _same(a, b, rtol=1e-6, atol=1e-9):
    """Equal shapes, the same NaN/inf pattern, and close finite entries."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    finite = np.isfinite(a) & np.isfinite(b)
    if not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return False
    if not np.array_equal(a[np.isinf(a)], b[np.isinf(b)]):
        return False
    return bool(np.allclose(a[finite], b[finite], rtol=rtol, atol=atol))


def compare_naming_nan(got, want, *, what, call, mistakes):
    """`compare`, and also name a mistake whose output has the student's NaN/inf pattern."""
    try:
        compare(got, want, what=what, call=call, mistakes=mistakes)
    except CheckFailure as failure:
        if failure.diagnosis:
            raise
        for name, (message, value) in mistakes.items():
            try:
                hit = _same(got, value) and not _same(want, value)
            except (TypeError, ValueError):
                hit = False
            if hit:
                raise CheckFailure(
                    f"{failure.message}\n  Likely mistake ({name}): {message}",
                    diagnosis=name,
                    kind=failure.kind,
                ) from None
        raise


def check_function(sub, oracle, name, *args, **kwargs):
    """A plain function (no cache): compare its result, naming known mistakes."""
    mistakes = oracle.candidates(name, name, *args, **kwargs)
    want = oracle.call(name, *args, **kwargs)
    got = sub.call(name, *args, **kwargs)
    compare_naming_nan(got, want, what="out", call=sub.last_call, mistakes=mistakes)
    return got


# ---------------------------------------------------------------------------
# Multi-head attention backward: dparams is a dict
# ---------------------------------------------------------------------------
def flatten_mha_grads(value, call=""):
    """(dx_q, dx_kv, dparams) -> [dx_q, dx_kv, dWq, ..., dbo], refusing other layouts."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise CheckFailure(
            f"{call}\n  expected a tuple (dx_q, dx_kv, dparams), got "
            f"{type(value).__name__}{'' if not isinstance(value, (tuple, list)) else f' of {len(value)}'}"
        )
    dx_q, dx_kv, dparams = value
    if not isinstance(dparams, dict):
        raise CheckFailure(f"{call}\n  dparams: expected a dict, got {type(dparams).__name__}")
    missing = [key for key in PARAM_KEYS if key not in dparams]
    if missing:
        raise CheckFailure(
            f"{call}\n  dparams has no gradient for {', '.join(missing)} "
            f"(it needs the keys {', '.join(PARAM_KEYS)})"
        )
    return [dx_q, dx_kv, *(dparams[key] for key in PARAM_KEYS)]


def _mha_mutant_grads(oracle, args, dout, mistake):
    fwd, bwd = "multi_head_attention_forward", "multi_head_attention_backward"
    return flatten_mha_grads(oracle.backward(fwd, bwd, args, dout, mistake=mistake))


def check_mha_backward(sub, oracle, args, dout):
    """multi_head_attention_backward on the student's own cache, against the reference."""
    fwd, bwd = "multi_head_attention_forward", "multi_head_attention_backward"
    want = flatten_mha_grads(oracle.backward(fwd, bwd, args, dout))
    # evaluated only if the comparison fails; a mutant that fails is left out
    mistakes = oracle.lazy(
        {
            mistake: (message, partial(_mha_mutant_grads, oracle, args, dout, mistake))
            for mistake, message in oracle.mistakes(bwd)
        }
    )
    cache = sub.forward(fwd, *args)[-1]
    got = sub.call(bwd, dout, cache)
    call = f"{sub.last_call} after {describe_call(fwd, args, {})}"
    compare_all(flatten_mha_grads(got, call), want, MHA_GRADS, call=call, mistakes=mistakes)


def check_mha_param_grads_numeric(sub, args, dout, *, directions=3, seed=0, h=1e-6):
    """dparams against central differences of the student's own forward along random directions."""
    fwd, bwd = "multi_head_attention_forward", "multi_head_attention_backward"
    x_q, x_kv, params, heads, mask = args
    cache = sub.forward(fwd, *args)[-1]
    got = sub.call(bwd, dout, cache)
    call = f"{sub.last_call} after {describe_call(fwd, args, {})}"
    grads = dict(zip(PARAM_KEYS, flatten_mha_grads(got, call)[2:]))
    rng = np.random.default_rng(seed)
    calls, probes = [], []
    for key in PARAM_KEYS:
        base = np.asarray(params[key], dtype=float)
        if np.shape(grads[key]) != base.shape:
            raise CheckFailure(
                f"{call}\n  dparams['{key}']: wrong shape: expected {base.shape}, "
                f"got {np.shape(grads[key])}"
            )
        for _ in range(directions):
            v = rng.standard_normal(base.shape)
            probes.append((key, v))
            for sign in (1.0, -1.0):
                moved = dict(params)
                moved[key] = base + sign * h * v
                calls.append([[x_q, x_kv, moved, heads, mask], {}])
    outputs = sub.run(eval_many, fwd, calls, 0)
    if not isinstance(outputs, list) or len(outputs) != len(calls):
        raise CheckFailure(f"{call}\n  the forward did not return one output per call")
    for index, (key, v) in enumerate(probes):
        plus = np.asarray(outputs[2 * index], dtype=float)
        minus = np.asarray(outputs[2 * index + 1], dtype=float)
        if plus.shape != np.shape(dout):
            raise CheckFailure(
                f"{call}\n  the forward's output has shape {plus.shape}, expected {np.shape(dout)}"
            )
        numeric = float(np.sum((plus - minus) * dout)) / (2 * h)
        analytic = float(np.sum(np.asarray(grads[key], dtype=float) * v))
        if not abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric)) + 1e-5 * abs(numeric):
            raise CheckFailure(
                f"{call}\n  dparams['{key}'] does not match numerical derivatives of your own "
                f"{fwd}: along a random direction v, sum(dparams['{key}'] * v) = {analytic:.6g} "
                f"but the central difference gives {numeric:.6g} "
                "(your backward does not match your forward)"
            )


# ---------------------------------------------------------------------------
# Harness functions (self-contained: shipped to the worker as source)
# ---------------------------------------------------------------------------
def sdpa_and_inputs(module, q, k, v, mask, dout):
    """Run forward and backward; hand back (out, dq, dk, dv) and the inputs as they are afterwards."""
    out, _, cache = module.scaled_dot_product_attention(q, k, v, mask)
    dq, dk, dv = module.scaled_dot_product_attention_backward(dout, cache)
    return (out, dq, dk, dv), [q, k, v, mask, dout]


def mha_and_inputs(module, x_q, x_kv, params, heads, mask, dout):
    """Run forward and backward; hand back (out, dx_q, dx_kv) and the inputs afterwards."""
    out, cache = module.multi_head_attention_forward(x_q, x_kv, params, heads, mask)
    dx_q, dx_kv, _ = module.multi_head_attention_backward(dout, cache)
    return (out, dx_q, dx_kv), [x_q, x_kv, params, mask, dout]


def check_inputs_kept(before, after, call, names):
    for name, old, new in zip(names, before, after):
        if isinstance(old, dict):
            if not isinstance(new, dict) or any(
                not np.array_equal(old[key], new.get(key)) for key in old
            ):
                raise CheckFailure(f"{call}\n  {name} was modified in place; work on copies")
        elif old is not None and not np.array_equal(np.asarray(old), np.asarray(new)):
            raise CheckFailure(f"{call}\n  {name} was modified in place; work on copies")
