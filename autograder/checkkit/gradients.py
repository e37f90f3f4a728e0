"""Numerical gradients of the student's OWN forward, and the check built on them.

The forward runs in the worker; the differences are taken here, in the grader,
so the worker only ever returns its forward's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograder.checkkit.compare import CheckFailure, compare, difference
from autograder.checkkit.oracle import Oracle
from autograder.sandbox.submission import Submission, describe_call


def eval_many(module: Any, name: str, calls: list[Any], index: int) -> list[Any]:
    """Harness: evaluate `module.name(*args, **kwargs)` for each call, keep output `index`."""
    fn = getattr(module, name)
    outputs = []
    for args, kwargs in calls:
        result = fn(*args, **kwargs)
        outputs.append(result[index] if index is not None else result)
    return outputs


def directional_derivatives_of_student(
    sub: Submission,
    name: str,
    args: Sequence[Any],
    wrt: int,
    dout: np.ndarray,
    directions: Sequence[np.ndarray],
    *,
    kwargs: Mapping[str, Any] | None = None,
    output_index: int | None = 0,
    h: float = 1e-6,
) -> np.ndarray:
    """Central differences of L = sum(f(args) * dout) along each direction v of args[wrt].

    The forward runs in the worker (one batched request of 2 calls per
    direction); the differences are computed here, so the worker only ever
    returns its forward's outputs. sum(grad * v) must equal these numbers.
    """
    kwargs = dict(kwargs or {})
    base = np.asarray(args[wrt], dtype=float)
    calls = []
    for direction in directions:
        for sign in (1.0, -1.0):
            new_args = list(args)
            new_args[wrt] = base + sign * h * direction
            calls.append([new_args, kwargs])
    outputs = sub.run(eval_many, name, calls, output_index)
    if not isinstance(outputs, list) or len(outputs) != len(calls):
        raise CheckFailure(f"{name}: the forward did not return one output per call")
    values = []
    for index in range(len(directions)):
        plus = np.asarray(outputs[2 * index], dtype=float)
        minus = np.asarray(outputs[2 * index + 1], dtype=float)
        if plus.shape != np.shape(dout) or minus.shape != np.shape(dout):
            raise CheckFailure(
                f"{name}: the forward's output has shape {plus.shape}, expected {np.shape(dout)}",
                kind="shape",
            )
        values.append(float(np.sum((plus - minus) * dout)) / (2 * h))
    return np.array(values)


def check_backward_numeric(
    sub: Submission,
    forward: str,
    backward: str,
    args: Sequence[Any],
    dout: np.ndarray,
    *,
    wrt: Mapping[int, int],
    grads: Sequence[str],
    oracle: Oracle,
    kwargs: Mapping[str, Any] | None = None,
    directions: int = 6,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    h: float = 1e-6,
) -> None:
    """The student's backward against numerical derivatives of the student's OWN forward.

    `wrt` maps an argument index of the forward to the index of its gradient in
    the backward's result (e.g. {0: 0, 1: 1, 2: 2} for x, w, b -> dx, dw, db).
    For each such argument, `directions` random directions v are probed: the
    analytic sum(grad * v) must equal the central difference of
    sum(forward(...) * dout) along v. A wrong gradient fails this for almost
    every direction, at 2 forward calls per direction instead of 2 per entry.

    Consistency alone is worth nothing (a forward that returns zeros and a
    backward that returns zeros agree perfectly), so the student's forward on
    the same arguments must first match the reference (`oracle`).
    """
    kwargs = dict(kwargs or {})
    want = oracle.forward(forward, *args, **kwargs)
    returned = sub.forward(forward, *args, **kwargs)
    cache = returned[-1]
    outputs = returned[:-1]
    wants = (want,) if len(outputs) == 1 else tuple(want)
    for index, (got_output, want_output) in enumerate(zip(outputs, wants, strict=True)):
        what = forward if len(outputs) == 1 else f"{forward} output {index}"
        compare(
            got_output,
            want_output,
            what=f"{what} (checking your backward needs a correct forward)",
            call=sub.last_call,
        )
    got = sub.call(backward, dout, cache)
    call = f"{sub.last_call} after {describe_call(forward, args, kwargs)}"
    parts = got if len(grads) > 1 else (got,)
    if not isinstance(parts, (tuple, list)) or len(parts) != len(grads):
        raise CheckFailure(
            f"{call}\n  expected a tuple of {len(grads)} gradients ({', '.join(grads)})",
            kind="type",
        )
    rng = np.random.default_rng(seed)
    for arg_index, grad_index in wrt.items():
        base = np.asarray(args[arg_index], dtype=float)
        grad = parts[grad_index]
        found = difference(grad, np.zeros_like(base), grads[grad_index], np.inf, np.inf)
        if found is not None:  # wrong shape, NaN, not numbers
            kind, problem = found
            raise CheckFailure(f"{call}\n  {problem}", kind=kind)
        probes = [rng.standard_normal(base.shape) for _ in range(directions)]
        numeric = directional_derivatives_of_student(
            sub, forward, args, arg_index, dout, probes, kwargs=kwargs, h=h
        )
        analytic = np.array([float(np.sum(np.asarray(grad, dtype=float) * v)) for v in probes])
        scale = max(1.0, float(np.max(np.abs(numeric))))
        error = np.abs(analytic - numeric)
        if np.any(error > atol * scale + rtol * np.abs(numeric)) or not np.all(
            np.isfinite(analytic)
        ):
            worst = int(np.argmax(error))
            raise CheckFailure(
                f"{call}\n  {grads[grad_index]} does not match numerical derivatives of your own "
                f"{forward}: along a random direction v, sum({grads[grad_index]} * v) = "
                f"{analytic[worst]:.6g} but the central difference gives {numeric[worst]:.6g} "
                "(your backward does not match your forward)"
            )
