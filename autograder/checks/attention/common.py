"""Check bodies and inputs shared by the attention checks (ships to students; no solution code).

Each `*_case` function checks one case; `test_public.py` and the hidden checks
choose the cases, tasks and points. Input generators and `check_*` helpers run
in the grader. The harness functions (first argument `module`) run inside the
sandboxed worker next to the student's code, or in the grader on the
reference: they only call the student's functions and hand back what came out.
"""

from functools import partial

import numpy as np

from autograder.checkkit import (
    CheckFailure,
    call_after,
    check_backward,
    check_backward_numeric,
    check_forward,
    compare,
    compare_all,
    describe_call,
    eval_many,
    msg,
)

PARAM_KEYS = ("Wq", "Wk", "Wv", "Wo", "bq", "bk", "bv", "bo")
MHA_GRADS = ("dx_q", "dx_kv", *(f"dparams['{key}']" for key in PARAM_KEYS))
SDPA = ("scaled_dot_product_attention", "scaled_dot_product_attention_backward")
MHA = ("multi_head_attention_forward", "multi_head_attention_backward")


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


def sdpa_inputs(rng, case, scale=1.0):
    """(q, k, v, mask) for a case (leading axes, Lq, Lk, d, dv, mask kind); q and k scaled."""
    lead, Lq, Lk, d, dv, kind = case
    q = rng.standard_normal((*lead, Lq, d)) * scale
    k = rng.standard_normal((*lead, Lk, d)) * scale
    v = rng.standard_normal((*lead, Lk, dv))
    return q, k, v, make_mask(rng, kind, lead, Lq, Lk)


def mha_inputs(rng, case, *, self_attention=False, weight_scale=None):
    """((x_q, x_kv, params, H, mask), output shape) for a case (N, Lq, Lk, D, H, mask kind).

    With `self_attention`, a causal case with Lq == Lk attends to itself (x_kv
    is x_q); `weight_scale(rng)`, when given, draws the weights' scale after x_q
    and x_kv.
    """
    N, Lq, Lk, D, H, kind = case
    x_q = rng.standard_normal((N, Lq, D))
    shared = self_attention and Lq == Lk and kind == "causal"
    x_kv = x_q if shared else rng.standard_normal((N, Lk, D))
    params = mha_params(rng, D, scale=1.0 if weight_scale is None else weight_scale(rng))
    mask = make_mask(rng, kind, (N,), Lq, Lk)
    return (x_q, x_kv, params, H, mask), (N, Lq, D)


# ---------------------------------------------------------------------------
# Check bodies
# ---------------------------------------------------------------------------
def sdpa_forward_case(sub, oracle, rng, case, scale=1.0):
    check_forward(sub, oracle, SDPA[0], *sdpa_inputs(rng, case, scale), outputs=("out", "weights"))


def sdpa_backward_case(sub, oracle, rng, case, scale=1.0):
    q, k, v, mask = sdpa_inputs(rng, case, scale)
    dout = rng.standard_normal((*q.shape[:-1], v.shape[-1]))
    check_backward(sub, oracle, *SDPA, (q, k, v, mask), dout, grads=("dq", "dk", "dv"))


def sdpa_backward_numeric_case(sub, oracle, rng, case, scale=1.0):
    q, k, v, mask = sdpa_inputs(rng, case, scale)
    dout = rng.standard_normal((*q.shape[:-1], v.shape[-1]))
    check_backward_numeric(
        sub, *SDPA, (q, k, v, mask), dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=("dq", "dk", "dv"), oracle=oracle,
    )  # fmt: skip


def mha_forward_case(sub, oracle, rng, case, **inputs):
    args, _ = mha_inputs(rng, case, **inputs)
    check_forward(sub, oracle, MHA[0], *args)


def mha_backward_case(sub, oracle, rng, case, **inputs):
    args, out_shape = mha_inputs(rng, case, **inputs)
    check_mha_backward(sub, oracle, args, rng.standard_normal(out_shape))


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
                raise failure.naming(name, message) from None
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
    if not isinstance(value, (tuple, list)):
        raise CheckFailure(
            msg(
                "attention.grads_not_tuple",
                "expected a tuple (dx_q, dx_kv, dparams), got {type}",
                type=type(value).__name__,
            ),
            call=call or None,
        )
    if len(value) != 3:
        raise CheckFailure(
            msg(
                "attention.grads_count",
                "expected a tuple (dx_q, dx_kv, dparams), got {type} of {count}",
                type=type(value).__name__,
                count=len(value),
            ),
            call=call or None,
        )
    dx_q, dx_kv, dparams = value
    if not isinstance(dparams, dict):
        raise CheckFailure(
            msg(
                "attention.dparams_not_dict",
                "dparams: expected a dict, got {type}",
                type=type(dparams).__name__,
            ),
            call=call or None,
        )
    missing = [key for key in PARAM_KEYS if key not in dparams]
    if missing:
        raise CheckFailure(
            msg(
                "attention.dparams_missing",
                "dparams has no gradient for {missing} (it needs the keys {keys})",
                missing=", ".join(missing),
                keys=", ".join(PARAM_KEYS),
            ),
            call=call or None,
        )
    return [dx_q, dx_kv, *(dparams[key] for key in PARAM_KEYS)]


def _mha_mutant_grads(oracle, args, dout, mistake):
    return flatten_mha_grads(oracle.backward(*MHA, args, dout, mistake=mistake))


def check_mha_backward(sub, oracle, args, dout):
    """multi_head_attention_backward on the student's own cache, against the reference."""
    fwd, bwd = MHA
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
    call = call_after(sub.last_call, describe_call(fwd, args, {}))
    compare_all(flatten_mha_grads(got, call), want, MHA_GRADS, call=call, mistakes=mistakes)


def check_mha_param_grads_numeric(sub, args, dout, *, directions=3, seed=0, h=1e-6):
    """dparams against central differences of the student's own forward along random directions."""
    fwd, bwd = MHA
    x_q, x_kv, params, heads, mask = args
    cache = sub.forward(fwd, *args)[-1]
    got = sub.call(bwd, dout, cache)
    call = call_after(sub.last_call, describe_call(fwd, args, {}))
    grads = dict(zip(PARAM_KEYS, flatten_mha_grads(got, call)[2:]))
    rng = np.random.default_rng(seed)
    calls, probes = [], []
    for key in PARAM_KEYS:
        base = np.asarray(params[key], dtype=float)
        if np.shape(grads[key]) != base.shape:
            raise CheckFailure(
                msg(
                    "attention.param_grad_shape",
                    "{what}: wrong shape: expected {want}, got {got}",
                    what=f"dparams['{key}']",
                    want=str(base.shape),
                    got=str(np.shape(grads[key])),
                ),
                call=call,
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
        raise CheckFailure(
            msg("attention.outputs_per_call", "the forward did not return one output per call"),
            call=call,
        )
    for index, (key, v) in enumerate(probes):
        plus = np.asarray(outputs[2 * index], dtype=float)
        minus = np.asarray(outputs[2 * index + 1], dtype=float)
        if plus.shape != np.shape(dout):
            raise CheckFailure(
                msg(
                    "attention.output_shape",
                    "the forward's output has shape {got}, expected {want}",
                    got=str(plus.shape),
                    want=str(np.shape(dout)),
                ),
                call=call,
            )
        numeric = float(np.sum((plus - minus) * dout)) / (2 * h)
        analytic = float(np.sum(np.asarray(grads[key], dtype=float) * v))
        if not abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric)) + 1e-5 * abs(numeric):
            raise CheckFailure(
                msg(
                    "attention.param_grad_numeric",
                    "{grad} does not match numerical derivatives of your own {forward}: along a "
                    "random direction v, sum({grad} * v) = {analytic} but the central difference "
                    "gives {numeric} (your backward does not match your forward)",
                    grad=f"dparams['{key}']",
                    forward=fwd,
                    analytic=f"{analytic:.6g}",
                    numeric=f"{numeric:.6g}",
                ),
                call=call,
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
            kept = isinstance(new, dict) and all(
                np.array_equal(old[key], new.get(key)) for key in old
            )
        else:
            kept = old is None or np.array_equal(np.asarray(old), np.asarray(new))
        if not kept:
            raise CheckFailure(
                msg(
                    "attention.modified_in_place",
                    "{name} was modified in place; work on copies",
                    name=name,
                ),
                call=call,
            )
