"""Helpers shared by the public and hidden checks of the regularization assignment.

Harness functions (the `_`-prefixed ones taking `module` first) run inside the
worker next to the student's code, or on the reference through `oracle.run`;
they only call the assignment's functions and return their raw results. All
statistics and comparisons happen in the grader.

Dropout is random, so it is never compared value by value: a student's output
is summarised by features (fraction of zeros, scale of the survivors, agreement
of the backward pass with the forward's mask) and those are compared with the
reference's features; a known mistake is named when the features match the
mistake's instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checkkit import CheckFailure, Message, call_after, compare_all, describe_call, msg

ORACLE_SEED = 0


# ------------------------------------------------------------------------ harnesses


def _dropout_roundtrip(module, x, dout, p, train, seed):
    """Harness: dropout_forward, then dropout_backward with that forward's cache."""
    out, cache = module.dropout_forward(x, p, train=train, seed=seed)
    return out, module.dropout_backward(dout, cache)


def _dropout_summary(module, x, dout, p, train, seed):
    """Oracle only (never sent to the worker): the features of one round trip."""
    return dropout_features(x, dout, *_dropout_roundtrip(module, x, dout, p, train, seed), train)


def _dropout_seeds(module, x, p, seed):
    """Harness: forward outputs for seeds s, s, s + 1, None, None."""
    return [
        module.dropout_forward(x, p, train=True, seed=s)[0]
        for s in (seed, seed, seed + 1, None, None)
    ]


def _call_and_inputs(module, name, args):
    """Harness: the result of `name(*args)` and the arguments afterwards."""
    return getattr(module, name)(*args), list(args)


def _early_stopping_run(module, patience, min_delta, losses):
    """Harness: feed `losses` to a new EarlyStopping; return (flags, best, best_step)."""
    if min_delta is None:
        stopper = module.EarlyStopping(patience)
    else:
        stopper = module.EarlyStopping(patience, min_delta=min_delta)
    flags = [stopper.step(value) for value in losses]
    return flags, stopper.best, stopper.best_step


# --------------------------------------------------------------------- input helpers


def nonzero(rng, shape):
    """Entries of size 0.5 .. 2 with random signs: ratios out / x are always defined."""
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def onehot(labels, classes):
    return np.eye(classes)[labels]


# ------------------------------------------------------------------------- dropout


def dropout_features(x, dout, out, dx, train=True):
    """Summary of one dropout round trip that does not depend on the random stream.

    `agree` is the fraction of entries where dx / dout equals the factor the
    forward applied (out / x) in train mode, or 1 in eval mode (identity).
    """
    ratio = np.asarray(out, dtype=np.float64) / x
    kept = ratio != 0
    scale = float(np.median(ratio[kept])) if kept.any() else 0.0
    spread = (
        float(np.max(np.abs(ratio[kept] - scale))) / max(abs(scale), 1e-12) if kept.any() else 0.0
    )
    g = np.asarray(dx, dtype=np.float64) / dout
    factor = ratio if train else np.ones_like(ratio)
    agree = float(np.mean(np.abs(g - factor) <= 1e-9 * (1.0 + np.abs(factor))))
    moved = g != 0
    grad_scale = float(np.median(g[moved])) if moved.any() else 0.0
    return {
        "zero_frac": float(np.mean(~kept)),
        "scale": scale,
        "spread": spread,
        "agree": agree,
        "grad_scale": grad_scale,
    }


def _close(a: float, b: float, rtol: float = 1e-6) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12)


def _forward_matches(f: dict, g: dict, tol: float) -> bool:
    return abs(f["zero_frac"] - g["zero_frac"]) <= tol and _close(f["scale"], g["scale"])


def _backward_matches(f: dict, g: dict, tol: float) -> bool:
    return abs(f["agree"] - g["agree"]) <= tol and _close(f["grad_scale"], g["grad_scale"])


def _validate(call: str | Message, what: str, value: Any, shape: tuple) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiub":
        problem = msg(
            "regularization.not_array",
            "{what}: expected an array, got {type}",
            what=what,
            type=type(value).__name__,
        )
        raise CheckFailure([problem], call=call)
    if value.shape != shape:
        problem = msg(
            "regularization.shape",
            "{what}: wrong shape: expected {want}, got {got}",
            what=what,
            want=str(shape),
            got=str(value.shape),
        )
        raise CheckFailure([problem], call=call)
    if not np.all(np.isfinite(value)):
        problem = msg("regularization.not_finite", "{what} contains inf or nan", what=what)
        raise CheckFailure([problem], call=call)
    return value


def check_dropout(sub, oracle, x, dout, p, train, *, stage):
    """Check one dropout round trip statistically; `stage` is "forward" or "backward".

    forward: the fraction of zeroed entries and the scale of the survivors match
    the reference's (every survivor scaled alike); backward: dx equals dout times
    the very factor the forward applied to each entry (the same mask).
    """
    if not train:
        # eval mode is the identity, which an echo gets right: it pays only
        # together with a working train mode on the same input
        check_dropout(sub, oracle, x, dout, p, True, stage=stage)
    task = f"dropout_{stage}"
    n = x.size
    tol = 6.0 * np.sqrt(0.5 / n)  # zero fractions and agreements of two samples
    mistakes = oracle.candidates(task, _dropout_summary, x, dout, p, train, ORACLE_SEED)
    want = oracle.run(_dropout_summary, x, dout, p, train, ORACLE_SEED)
    got = sub.run(_dropout_roundtrip, x, dout, p, train, None)
    call = describe_call("dropout_forward", (x, p), {"train": train})
    if stage == "backward":
        call = call_after("dropout_backward(dout, cache)", call)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        problem = msg(
            "regularization.returns",
            "expected {function} to return ({names})",
            function="dropout_forward",
            names="out, cache",
        )
        raise CheckFailure([problem], call=call)
    out = _validate(call, "out", got[0], x.shape)
    dx = _validate(call, "dx", got[1], x.shape)
    have = dropout_features(x, dout, out, dx, train)
    problems = []
    if abs(have["zero_frac"] - want["zero_frac"]) > tol:
        problems.append(
            msg(
                "regularization.zero_fraction",
                "{have} of the entries are zero; expected about {want} (p = {p}, train = {train})",
                have=f"{have['zero_frac']:.3f}",
                want=f"{want['zero_frac']:.3f}",
                p=p,
                train=train,
            )
        )
    if not _close(have["scale"], want["scale"], 1e-9) or have["spread"] > 1e-9:
        problems.append(
            msg(
                "regularization.survivor_scale",
                "the surviving entries are x times {scale} (largest deviation {spread}); "
                "expected x times {want} for every survivor",
                scale=f"{have['scale']:.6g}",
                spread=f"{have['spread']:.2g}",
                want=f"{want['scale']:.6g}",
            )
        )
    if stage == "forward":
        matches = _forward_matches
    else:
        # a backward that agrees with a forward that drops nothing right (zeros,
        # an echo) is worth nothing: the forward must be right too
        problems = [
            msg(
                "regularization.on_correct_forward",
                "{problem} (the backward is checked on a correct forward)",
                problem=problem,
            )
            for problem in problems
        ]
        share = f"{1.0 - have['agree']:.1%}"
        if have["agree"] < 1.0 and train:
            problems.append(
                msg(
                    "regularization.backward_mask",
                    "dx differs from dout times the factor your forward applied (0 or its "
                    "scale) in {share} of the entries: the backward must use the same mask as "
                    "the forward, scaled the same way",
                    share=share,
                )
            )
        elif have["agree"] < 1.0:
            problems.append(
                msg(
                    "regularization.backward_identity",
                    "dx differs from dout in {share} of the entries: in eval mode the backward "
                    "pass is the identity",
                    share=share,
                )
            )
        matches = _backward_matches
    if not problems:
        return
    failure = CheckFailure(problems, call=call)
    for name, (text, features) in mistakes.items():
        if not matches(features, want, tol) and matches(have, features, tol):
            raise failure.naming(name, text)
    raise failure


def check_dropout_seeds(sub, x, p, seed):
    """A given seed gives the same mask every time; other seeds and seed=None differ."""
    a, b, c, d, e = (np.asarray(v) for v in sub.run(_dropout_seeds, x, p, seed))
    call = describe_call("dropout_forward", (x, p), {"train": True, "seed": seed})
    if not np.array_equal(a, b):
        problem = msg(
            "regularization.seed_not_reproducible",
            "two calls with the same seed gave different outputs: draw the mask from "
            "np.random.default_rng(seed) only",
        )
        raise CheckFailure([problem], call=call)
    if np.array_equal(a, c):
        problem = msg(
            "regularization.seeds_same_output",
            "seeds {first} and {second} gave the same output",
            first=seed,
            second=seed + 1,
        )
        raise CheckFailure([problem], call=call)
    if np.array_equal(d, e):
        problem = msg(
            "regularization.seed_none_repeats",
            "two calls with seed=None gave the same output: seed=None must draw a fresh mask "
            "each time",
        )
        raise CheckFailure([problem], call=call)


# --------------------------------------------------------------- everything else


def _flat_l2(value: Any) -> Any:
    """(loss, [g0, g1, ...]) -> (loss, g0, g1, ...), or the value unchanged if malformed."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[1], (list, tuple)):
        return (value[0], *value[1])
    return value


def check_l2_penalty(sub, oracle, params, weight_decay):
    mistakes = oracle.candidates(
        "l2_penalty", _call_and_inputs, "l2_penalty", [params, weight_decay]
    ).map(lambda value: _flat_l2(value[0]))  # lazy: evaluated only if the comparison fails
    want, _ = oracle.run(_call_and_inputs, "l2_penalty", [params, weight_decay])
    got, after = sub.run(_call_and_inputs, "l2_penalty", [params, weight_decay])
    call = describe_call("l2_penalty", (params, weight_decay), {})
    names = ("loss", *(f"grads[{i}]" for i in range(len(params))))
    compare_all(_flat_l2(got), _flat_l2(want), names, call=call, mistakes=mistakes)
    for index, (before, now) in enumerate(zip(params, after[0])):
        if not np.array_equal(np.asarray(now), before):
            problem = msg(
                "regularization.modified",
                "{which} was modified in place",
                which=f"params[{index}]",
            )
            raise CheckFailure([problem], call=call)


def check_keeps_input(sub, name, args):
    """`name(*args)` returns normally and leaves its array arguments unchanged."""
    _, after = sub.run(_call_and_inputs, name, list(args))
    for index, before in enumerate(args):
        if isinstance(before, np.ndarray) and not np.array_equal(np.asarray(after[index]), before):
            problem = msg(
                "regularization.argument_modified",
                "argument {index} was modified in place; compute new arrays instead of writing "
                "into your inputs",
                index=index,
            )
            raise CheckFailure([problem], call=describe_call(name, args, {}))


def check_call(sub, oracle, task, name, args, names, *, inputs=()):
    """Compare `name(*args)` with the reference, then check the arguments listed in
    `inputs` (indices) are unchanged afterwards; known mistakes of `task` are named."""
    candidates = oracle.candidates(task, _call_and_inputs, name, list(args))
    want, want_after = oracle.run(_call_and_inputs, name, list(args))
    got, got_after = sub.run(_call_and_inputs, name, list(args))
    call = describe_call(name, args, {})
    extra = tuple(
        msg(
            "regularization.argument_after",
            "argument {index} after the call (it must not change)",
            index=i,
        )
        for i in inputs
    )

    def parts(result, after):
        result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        return (*result, *(after[i] for i in inputs))

    mistakes = candidates.map(lambda value: parts(*value))  # lazy, as compare expects
    compare_all(
        parts(got, got_after),
        parts(want, want_after),
        (*names, *extra),
        call=call,
        mistakes=mistakes,
    )


def check_early_stopping(sub, oracle, patience, min_delta, losses):
    mistakes = oracle.candidates(
        "EarlyStopping.step", _early_stopping_run, patience, min_delta, losses
    )
    want = oracle.run(_early_stopping_run, patience, min_delta, losses)
    got = sub.run(_early_stopping_run, patience, min_delta, losses)
    kwargs = {} if min_delta is None else {"min_delta": min_delta}
    shown = ", ".join(f"{v:.4g}" for v in losses[:12]) + (", ..." if len(losses) > 12 else "")
    call = msg(
        "regularization.early_stopping_call",
        "{init}, then step(v) for v in [{losses}] ({count} calls)",
        init=describe_call("EarlyStopping", (patience,), kwargs),
        losses=shown,
        count=len(losses),
    )
    if isinstance(got, (tuple, list)) and len(got) == 3 and isinstance(got[0], list):
        if any(not isinstance(v, (bool, np.bool_)) for v in got[0]):
            problem = msg(
                "regularization.step_not_bool",
                "step() must return a bool, got {got}",
                got=str(got[0][:5]),
            )
            raise CheckFailure([problem], call=call)
        if got[2] is None:
            problem = msg(
                "regularization.best_step_none",
                "best_step is still None after {count} calls",
                count=len(losses),
            )
            raise CheckFailure([problem], call=call)
    flags = msg("regularization.step_values", "values returned by step()")
    compare_all(got, want, (flags, "best", "best_step"), call=call, mistakes=mistakes)
