"""Check bodies, input builders and harnesses shared by the basics checks (ships to students).

Each `*_case` function checks one case; `test_public.py` and the hidden checks
choose the cases, tasks and points. Harness functions (the `_`-prefixed ones
taking `module` first) run inside the worker next to the student's code, or on
the reference through `oracle.run`; they only call the assignment's functions
and return their raw results. All statistics and comparisons happen in the
grader.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograder.checkkit import (
    CheckFailure,
    check_backward,
    check_backward_numeric,
    check_forward,
    compare,
    compare_all,
    describe_call,
    msg,
)

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu")
QUANTILE_LEVELS = np.arange(1, 1000) / 1000
AFFINE_GRADS = ("dx", "dw", "db")


# ------------------------------------------------------------------------ harnesses


def _init_sample(module, name, fan_in, fan_out, seed):
    """Harness: the initialiser's weights for a Generator seeded with `seed`."""
    import numpy as np

    return getattr(module, name)(fan_in, fan_out, np.random.default_rng(seed))


def _init_quantiles(module, name, fan_in, fan_out, seed):
    """Oracle only: quantiles of the weights at levels 0.001 ... 0.999."""
    import numpy as np

    sample = getattr(module, name)(fan_in, fan_out, np.random.default_rng(seed))
    return np.quantile(np.asarray(sample, dtype=np.float64).ravel(), np.arange(1, 1000) / 1000)


def _numerical_gradient_probe(module, x, c, h):
    """Harness: numerical_gradient of a fixed smooth function; returns (grad, x afterwards)."""
    import numpy as np

    x = np.array(x, dtype=np.float64)

    def f(z):
        return float(np.sum(c * z**3) + np.sum(z) ** 2 + np.sum(np.sin(z)))

    grad = module.numerical_gradient(f, x) if h is None else module.numerical_gradient(f, x, h)
    return grad, x


def _forward_and_inputs(module, name, args, kwargs):
    """Harness: call `name(*args, **kwargs)`; return its outputs (cache dropped) and the args."""
    result = getattr(module, name)(*args, **kwargs)
    if name.endswith("_forward"):
        result = result[0]
    return result, list(args)


# ------------------------------------------------------------------- input helpers


def per_activation(stage):
    """Parametrize over the five activations, each marked with its own task."""
    return pytest.mark.parametrize(
        "act",
        [pytest.param(a, marks=pytest.mark.task(f"{a}_{stage}"), id=a) for a in ACTIVATIONS],
    )


def affine_inputs(rng, case, scale=1.0):
    """(x, w, b) for a case (x shape, M), x scaled by `scale`."""
    x_shape, M = case
    D = int(np.prod(x_shape[1:]))
    return scale * rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)


def activation_input(rng, shape, scale=3.0, zeros=True):
    """Random input with (optionally) a few exact zeros, where the kinks are."""
    x = scale * rng.standard_normal(shape)
    if zeros:
        x.flat[:: max(2, x.size // 5)] = 0.0
    return x


def away_from_kinks(rng, shape, scale=2.0):
    """Random input with |x| >= 0.1, for numerical derivatives of kinked functions."""
    x = scale * rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, np.sign(x + 1e-300) * 0.1 + x, x)


def activation_kwargs(name, rng):
    if name == "leaky_relu":
        return {"alpha": float(rng.choice([0.01, 0.1, 0.3]))}
    if name == "elu":
        return {"alpha": float(rng.choice([0.5, 1.0, 1.7]))}
    return {}


# ---------------------------------------------------------------------- check bodies


def affine_forward_case(sub, oracle, rng, case, scale=1.0):
    check_forward(sub, oracle, "affine_forward", *affine_inputs(rng, case, scale))


def affine_backward_case(sub, oracle, rng, case, scale=1.0):
    args = affine_inputs(rng, case, scale)
    dout = rng.standard_normal((args[0].shape[0], args[1].shape[1]))
    check_backward(sub, oracle, "affine_forward", "affine_backward", args, dout, grads=AFFINE_GRADS)


def affine_backward_numeric_case(sub, oracle, rng, case, scale=1.0):
    args = affine_inputs(rng, case, scale)
    dout = rng.standard_normal((args[0].shape[0], args[1].shape[1]))
    check_backward_numeric(
        sub, "affine_forward", "affine_backward", args, dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=AFFINE_GRADS, oracle=oracle,
    )  # fmt: skip


def activation_forward_case(sub, oracle, rng, act, x, with_alpha=False):
    """`act`'s forward on `x`; with `with_alpha`, alpha drawn for the activations that take one."""
    kwargs = activation_kwargs(act, rng) if with_alpha else {}
    check_forward(sub, oracle, f"{act}_forward", x, **kwargs)


def activation_backward_case(sub, oracle, rng, act, x, with_alpha=False):
    dout = rng.standard_normal(x.shape)
    kwargs = activation_kwargs(act, rng) if with_alpha else {}
    check_backward(
        sub, oracle, f"{act}_forward", f"{act}_backward", (x,), dout, kwargs=kwargs, grads=("dx",)
    )


def softmax_cross_entropy_case(sub, oracle, rng, N, C, scale):
    logits = scale * rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N)
    compare_loss(sub, oracle, "softmax_cross_entropy", (logits, y), names=("loss", "dlogits"))


def mse_loss_case(sub, oracle, rng, shape):
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    compare_loss(sub, oracle, "mse_loss", (pred, target), names=("loss", "dpred"))


def bce_with_logits_case(sub, oracle, rng, shape, scale, hard=False):
    """Soft targets in [0, 1), or hard ones (0 or 1) with `hard`."""
    logits = scale * rng.standard_normal(shape)
    targets = (rng.random(shape) < 0.5).astype(np.float64) if hard else rng.random(shape)
    compare_loss(sub, oracle, "bce_with_logits", (logits, targets), names=("loss", "dlogits"))


def numerical_gradient_case(sub, oracle, rng, shape, h=None):
    x = away_from_kinks(rng, shape, scale=1.0)
    c = rng.standard_normal(shape)
    check_numerical_gradient(sub, oracle, x, c, h)


# -------------------------------------------------------------------- comparisons


def _nonfinite(value: Any) -> bool:
    try:
        parts = value if isinstance(value, (tuple, list)) else (value,)
        return any(not np.all(np.isfinite(np.asarray(p, dtype=np.float64))) for p in parts)
    except (TypeError, ValueError):
        return False


def compare_loss(sub, oracle, name, args, *, names=("loss", "grad"), with_overflow=False):
    """Compare a loss function's (loss, grad) with the reference, naming known mistakes.

    With `with_overflow`, a result holding inf or nan is matched to a known mistake
    whose result also overflows (an overflow never matches value by value).
    """
    mistakes = oracle.candidates(name, name, *args)
    want = oracle.call(name, *args)
    got = sub.call(name, *args)
    call = sub.last_call
    try:
        compare_all(got, want, names, call=call, mistakes=mistakes)
    except CheckFailure as failure:
        if failure.diagnosis or not with_overflow or not _nonfinite(got):
            raise
        for mistake, (message, value) in mistakes.items():
            if _nonfinite(value):
                raise failure.naming(mistake, message) from None
        raise


def ks_distance(sample, quantiles):
    """Largest gap between the sample's distribution function and the reference quantiles."""
    values = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    ecdf = np.searchsorted(values, np.asarray(quantiles), side="right") / values.size
    return float(np.max(np.abs(ecdf - QUANTILE_LEVELS)))


def check_init_distribution(sub, oracle, name, fan_in, fan_out, seed):
    """Does the initialiser draw from the right distribution (checked statistically)?

    A two-sample Kolmogorov-Smirnov-style distance between the student's weights
    and the reference's is compared with a bound that a correct implementation
    exceeds with probability about 1e-6; a known mistake is named when the
    student's weights are that close to the mistake's instead.
    """
    mistakes = oracle.candidates(name, _init_quantiles, name, fan_in, fan_out, seed + 1)
    quantiles = oracle.run(_init_quantiles, name, fan_in, fan_out, seed + 1)
    w = sub.run(_init_sample, name, fan_in, fan_out, seed)
    call = describe_call(name, (fan_in, fan_out, "rng"), {})
    arr = np.asarray(w) if isinstance(w, np.ndarray) else None
    if arr is None or arr.dtype.kind != "f":
        raise CheckFailure(
            msg(
                "basics.float_array",
                "expected a float array, got {type}",
                type=type(w).__name__,
            ),
            call=call,
        )
    if arr.shape != (fan_in, fan_out):
        raise CheckFailure(
            msg(
                "basics.weights_shape",
                "wrong shape: expected {want}, got {got}",
                want=str((fan_in, fan_out)),
                got=str(arr.shape),
            ),
            call=call,
        )
    if not np.all(np.isfinite(arr)):
        raise CheckFailure(
            msg("basics.weights_nonfinite", "the weights contain inf or nan"), call=call
        )
    bound = 2.69 * np.sqrt(2.0 / arr.size) + 0.002
    distance = ks_distance(arr, quantiles)
    if distance <= bound:
        return
    failure = CheckFailure(
        [
            msg(
                "basics.distribution",
                "the weights do not follow the expected distribution: their distribution "
                "function differs from the reference's by {distance} (at most {bound} is "
                "expected by chance)",
                distance=f"{distance:.3f}",
                bound=f"{bound:.3f}",
            ),
            msg(
                "basics.weight_summary",
                "your weights: mean {mean}, std {std}, min {low}, max {high}",
                mean=f"{arr.mean():.4g}",
                std=f"{arr.std():.4g}",
                low=f"{arr.min():.4g}",
                high=f"{arr.max():.4g}",
            ),
        ],
        call=call,
    )
    for mistake, (text, q) in mistakes.items():
        if ks_distance(arr, q) <= bound:
            raise failure.naming(mistake, text)
    raise failure


def check_numerical_gradient(sub, oracle, x, c, h):
    """numerical_gradient of a fixed function: the gradient and x afterwards."""
    mistakes = oracle.candidates("numerical_gradient", _numerical_gradient_probe, x, c, h)
    want = oracle.run(_numerical_gradient_probe, x, c, h)
    got = sub.run(_numerical_gradient_probe, x, c, h)
    call = msg(
        "basics.numerical_gradient_call",
        "{call} with f(z) = sum(c * z**3) + sum(z)**2 + sum(sin(z))",
        call=describe_call("numerical_gradient", ("f", x), {} if h is None else {"h": h}),
    )
    restored = msg("basics.x_after_call", "x after the call (it must be restored)")
    compare_all(got, want, ("grad", restored), call=call, mistakes=mistakes)


def check_keeps_inputs(sub, oracle, name, args, kwargs=None):
    """The function returns the right answer and leaves every argument array unchanged.

    Leaving the inputs alone is worth nothing on its own (a function that
    computes nothing leaves them alone too): the answer must be right as well.
    """
    want, _ = oracle.run(_forward_and_inputs, name, list(args), dict(kwargs or {}))
    got, after = sub.run(_forward_and_inputs, name, list(args), dict(kwargs or {}))
    call = describe_call(name, args, kwargs or {})
    if isinstance(want, tuple):
        names = [msg("basics.output_index", "output {index}", index=i) for i in range(len(want))]
        compare_all(got, want, names, call=call)
    else:
        compare(got, want, what=msg("basics.output", "output"), call=call)
    for index, (before, now) in enumerate(zip(args, after)):
        if isinstance(before, np.ndarray) and not np.array_equal(np.asarray(now), before):
            raise CheckFailure(
                msg(
                    "basics.argument_modified",
                    "argument {index} was modified in place; compute new arrays instead of "
                    "writing into your inputs",
                    index=index,
                ),
                call=call,
            )
