"""Numerical gradients of the student's OWN forward, and the check built on them.

The forward runs in the worker; the differences are taken here, in the grader,
so the worker only ever returns its forward's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograder.checkkit.compare import CheckFailure, call_after, compare, difference
from autograder.checkkit.oracle import Oracle
from autograder.messages import msg
from autograder.sandbox.submission import Submission, describe_call


def eval_many(module: Any, name: str, calls: list[Any], index: int) -> list[Any]:
    """Harness: evaluate `module.name(*args, **kwargs)` for each call, keep output `index`."""
    fn = getattr(module, name)
    outputs = []
    for args, kwargs in calls:
        result = fn(*args, **kwargs)
        outputs.append(result[index] if index is not None else result)
    return outputs


def eval_directions(
    module: Any,
    name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    probes: list[Any],
    h: float,
    index: int | None,
) -> list[Any]:
    """Harness: `name` at args[wrt] + h*v and args[wrt] - h*v for each [wrt, [v, ...]] probe.

    The shifted inputs are made here, from one copy of the arguments and the
    directions, instead of shipping a whole argument list per call. Every call
    gets fresh copies of all arguments (as if each had crossed the wire on its
    own), so a forward that edits its inputs cannot change the next call.
    Keeps output `index` of each result (None: the whole result).
    """
    import numpy as np

    def fresh(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, list):
            return [fresh(v) for v in value]
        if isinstance(value, tuple):
            return tuple(fresh(v) for v in value)
        if isinstance(value, dict):
            return {k: fresh(v) for k, v in value.items()}
        return value

    fn = getattr(module, name)
    outputs = []
    for wrt, directions in probes:
        base = np.asarray(args[wrt], dtype=float).copy()
        for direction in directions:
            for sign in (1.0, -1.0):
                call_args = fresh(list(args))
                call_args[wrt] = base + sign * h * direction
                result = fn(*call_args, **fresh(kwargs))
                outputs.append(result[index] if index is not None else result)
    return outputs


def _student_outputs(
    sub: Submission,
    name: str,
    args: Sequence[Any],
    probes: Sequence[tuple[int, Sequence[np.ndarray]]],
    kwargs: Mapping[str, Any],
    output_index: int | None,
    h: float,
) -> list[list[Any]]:
    """The forward's outputs at every shifted input of every probe, in one request.

    One list per probe: [f(+h v1), f(-h v1), f(+h v2), ...].
    """
    request = [[int(wrt), list(directions)] for wrt, directions in probes]
    expected = sum(2 * len(directions) for _, directions in probes)
    outputs = sub.run(eval_directions, name, list(args), dict(kwargs), request, h, output_index)
    if not isinstance(outputs, list) or len(outputs) != expected:
        raise CheckFailure(
            msg(
                "gradients.outputs",
                "{what}: the forward did not return one output per call",
                what=name,
            )
        )
    split, start = [], 0
    for _, directions in probes:
        split.append(outputs[start : start + 2 * len(directions)])
        start += 2 * len(directions)
    return split


def _central_differences(
    name: str, outputs: Sequence[Any], dout: np.ndarray, h: float
) -> np.ndarray:
    values = []
    for index in range(len(outputs) // 2):
        plus = np.asarray(outputs[2 * index], dtype=float)
        minus = np.asarray(outputs[2 * index + 1], dtype=float)
        if plus.shape != np.shape(dout) or minus.shape != np.shape(dout):
            raise CheckFailure(
                msg(
                    "gradients.output_shape",
                    "{what}: the forward's output has shape {got}, expected {want}",
                    what=name,
                    got=str(plus.shape),
                    want=str(np.shape(dout)),
                ),
                kind="shape",
            )
        values.append(float(np.sum((plus - minus) * dout)) / (2 * h))
    return np.array(values)


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

    The forward runs in the worker (one request; the worker shifts the input
    along each direction, 2 calls per direction); the differences are computed
    here, so the worker only ever returns its forward's outputs.
    sum(grad * v) must equal these numbers.
    """
    (outputs,) = _student_outputs(
        sub, name, args, [(wrt, directions)], dict(kwargs or {}), output_index, h
    )
    return _central_differences(name, outputs, dout, h)


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
            what=msg(
                "gradients.forward_first",
                "{what} (checking your backward needs a correct forward)",
                what=what,
            ),
            call=sub.last_call,
        )
    got = sub.call(backward, dout, cache)
    call = call_after(sub.last_call, describe_call(forward, args, kwargs))
    parts = got if len(grads) > 1 else (got,)
    if not isinstance(parts, (tuple, list)) or len(parts) != len(grads):
        raise CheckFailure(
            msg(
                "gradients.tuple",
                "expected a tuple of {count} gradients ({names})",
                count=len(grads),
                names=list(grads),
            ),
            kind="type",
            call=call,
        )
    rng = np.random.default_rng(seed)
    # Each gradient's shape and values are checked in order; the probes of the
    # gradients before the first bad one (drawn in that same order) go to the
    # worker in one request, and are judged in order: the first failure is the
    # one a gradient-by-gradient check would report.
    bases: list[tuple[int, int, np.ndarray]] = []
    bad: CheckFailure | None = None
    for arg_index, grad_index in wrt.items():
        base = np.asarray(args[arg_index], dtype=float)
        found = difference(
            parts[grad_index], np.zeros_like(base), grads[grad_index], np.inf, np.inf
        )
        if found is not None:  # wrong shape, NaN, not numbers
            kind, problem = found
            bad = CheckFailure(problem, kind=kind, call=call)
            break
        bases.append((arg_index, grad_index, base))
    probes = [
        (arg_index, [rng.standard_normal(base.shape) for _ in range(directions)])
        for arg_index, _, base in bases
    ]
    outputs = _student_outputs(sub, forward, args, probes, kwargs, 0, h) if probes else []
    for (_, grad_index, _), (_, vs), shifted in zip(bases, probes, outputs, strict=True):
        grad = parts[grad_index]
        numeric = _central_differences(forward, shifted, dout, h)
        analytic = np.array([float(np.sum(np.asarray(grad, dtype=float) * v)) for v in vs])
        scale = max(1.0, float(np.max(np.abs(numeric))))
        error = np.abs(analytic - numeric)
        if np.any(error > atol * scale + rtol * np.abs(numeric)) or not np.all(
            np.isfinite(analytic)
        ):
            worst = int(np.argmax(error))
            raise CheckFailure(
                msg(
                    "gradients.mismatch",
                    "{grad} does not match numerical derivatives of your own {forward}: along a "
                    "random direction v, sum({grad} * v) = {analytic} but the central difference "
                    "gives {numeric} (your backward does not match your forward)",
                    grad=grads[grad_index],
                    forward=forward,
                    analytic=f"{analytic[worst]:.6g}",
                    numeric=f"{numeric[worst]:.6g}",
                ),
                call=call,
            )
    if bad is not None:
        raise bad
