"""Helpers shared by the public and hidden checks of the basics assignment.

Harness functions (the `_`-prefixed ones taking `module` first) run inside the
worker next to the student's code, or on the reference through `oracle.run`;
they only call the assignment's functions and return their raw results. All
statistics and comparisons happen in the grader.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checkkit import CheckFailure, compare, compare_all, describe_call

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu")
QUANTILE_LEVELS = np.arange(1, 1000) / 1000


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
                raise CheckFailure(
                    f"{failure.message}\n  Likely mistake ({mistake}): {message}",
                    diagnosis=mistake,
                    kind=failure.kind,
                ) from None
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
        raise CheckFailure(f"{call}\n  expected a float array, got {type(w).__name__}")
    if arr.shape != (fan_in, fan_out):
        raise CheckFailure(f"{call}\n  wrong shape: expected {(fan_in, fan_out)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise CheckFailure(f"{call}\n  the weights contain inf or nan")
    bound = 2.69 * np.sqrt(2.0 / arr.size) + 0.002
    distance = ks_distance(arr, quantiles)
    if distance <= bound:
        return
    message = (
        f"{call}\n  the weights do not follow the expected distribution: their distribution "
        f"function differs from the reference's by {distance:.3f} (at most {bound:.3f} is "
        f"expected by chance)\n  your weights: mean {arr.mean():.4g}, std {arr.std():.4g}, "
        f"min {arr.min():.4g}, max {arr.max():.4g}"
    )
    for mistake, (text, q) in mistakes.items():
        if ks_distance(arr, q) <= bound:
            raise CheckFailure(
                f"{message}\n  Likely mistake ({mistake}): {text}", diagnosis=mistake
            )
    raise CheckFailure(message)


def check_numerical_gradient(sub, oracle, x, c, h):
    """numerical_gradient of a fixed function: the gradient and x afterwards."""
    mistakes = oracle.candidates("numerical_gradient", _numerical_gradient_probe, x, c, h)
    want = oracle.run(_numerical_gradient_probe, x, c, h)
    got = sub.run(_numerical_gradient_probe, x, c, h)
    call = (
        describe_call("numerical_gradient", ("f", x), {} if h is None else {"h": h})
        + " with f(z) = sum(c * z**3) + sum(z)**2 + sum(sin(z))"
    )
    compare_all(
        got, want, ("grad", "x after the call (it must be restored)"), call=call, mistakes=mistakes
    )


def check_keeps_inputs(sub, oracle, name, args, kwargs=None):
    """The function returns the right answer and leaves every argument array unchanged.

    Leaving the inputs alone is worth nothing on its own (a function that
    computes nothing leaves them alone too): the answer must be right as well.
    """
    want, _ = oracle.run(_forward_and_inputs, name, list(args), dict(kwargs or {}))
    got, after = sub.run(_forward_and_inputs, name, list(args), dict(kwargs or {}))
    if isinstance(want, tuple):
        compare_all(
            got, want, [f"output {i}" for i in range(len(want))],
            call=describe_call(name, args, kwargs or {}),
        )  # fmt: skip
    else:
        compare(got, want, what="output", call=describe_call(name, args, kwargs or {}))
    for index, (before, now) in enumerate(zip(args, after)):
        if isinstance(before, np.ndarray) and not np.array_equal(np.asarray(now), before):
            raise CheckFailure(
                f"{describe_call(name, args, kwargs or {})}\n  argument {index} was modified in "
                "place; compute new arrays instead of writing into your inputs"
            )
