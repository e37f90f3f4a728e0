"""The API that checks are written in (see autograder/checks/AUTHORING.md).

Checks are pytest tests running in the trusted grader process. They reach the
student's code only through `Submission` (the `sub` fixture), which marshals
calls to the sandboxed worker, and they get expected values only from `Oracle`
(the `oracle` fixture), which runs the reference solution in this process (or,
in the student bundle, replays its recorded answers for the public checks).

    def test_forward(sub, oracle, rng):
        x = rng.standard_normal((2, 3, 5, 5))
        got = sub.forward("conv_forward", x, w, b, stride=2)[0]
        want = oracle.forward("conv_forward", x, w, b, stride=2)
        compare(got, want, what="out", call=sub.last_call,
                mistakes=oracle.candidates("conv_forward", "conv_forward", x, w, b, stride=2))
"""

from __future__ import annotations

import inspect
import textwrap
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox import wire
from autograder.sandbox.host import (
    Limits,
    StudentError,
    Worker,
    WorkerCrashed,
    WorkerError,
    WorkerTimeout,
)

Handle = wire.Handle
MAX_RESTARTS = 8


class CheckFailure(AssertionError):
    """A check failed; the message is what the student reads."""

    def __init__(self, message: str, diagnosis: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.diagnosis = diagnosis


class ImportFailed(WorkerError):
    kind = "import"


class OracleMissing(RuntimeError):
    """Replay mode met a call that was not recorded (public fixtures out of date)."""


# ---------------------------------------------------------------------------
# Describing values and calls
# ---------------------------------------------------------------------------
def describe_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{tuple(value.shape)} {value.dtype}"
    if isinstance(value, Handle):
        return "cache"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(describe_value(v) for v in value[:4])
        more = ", ..." if len(value) > 4 else ""
        return f"[{inner}{more}]" if isinstance(value, list) else f"({inner}{more})"
    if isinstance(value, dict):
        keys = ", ".join(f"{k}: {describe_value(v)}" for k, v in list(value.items())[:8])
        return "{" + keys + "}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe_call(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    parts = [describe_value(a) for a in args]
    parts += [f"{k}={describe_value(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


# ---------------------------------------------------------------------------
# The student's side
# ---------------------------------------------------------------------------
@dataclass
class SubmissionSpec:
    folder: Path
    modules: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    timeout_s: float = 10.0
    import_timeout_s: float = 15.0
    limits: Limits = Limits()
    secrets: tuple[Path, ...] = ()


class Submission:
    """The student's module(s), reachable only through the sandboxed worker."""

    def __init__(self, spec: SubmissionSpec) -> None:
        self.spec = spec
        self.main = spec.modules[0]
        self.worker = Worker(
            spec.folder, limits=spec.limits, forbidden=spec.forbidden, secrets=spec.secrets
        )
        self.import_error: WorkerError | None = None
        self.names: dict[str, list[str]] = {}
        self._defined: set[str] = set()
        self._deadline = float("inf")
        self._budget = spec.timeout_s
        self.last_call = ""
        self.crashes = 0
        self.timed_out: set[str] = set()
        self.spent = 0.0
        self.total_budget = max(60.0, 8 * spec.timeout_s)

    # -- per-check budget (set by the plugin) -------------------------------
    def begin_check(self, timeout_s: float | None = None) -> None:
        self._budget = timeout_s or self.spec.timeout_s
        self._deadline = time.monotonic() + self._budget
        self.last_call = ""
        self._out_mark = self._output_size()

    def _output_size(self) -> int:
        try:
            return self.worker.stdout_path.stat().st_size
        except (AttributeError, OSError):
            return 0

    def new_output(self, limit: int = 1200) -> str:
        """What the student's code printed during the current check (truncated)."""
        if not self.worker.alive and self.worker.tmp is None:
            return ""
        try:
            with open(self.worker.stdout_path, "rb") as handle:
                handle.seek(getattr(self, "_out_mark", 0))
                data = handle.read(limit + 1)
        except (AttributeError, OSError):
            return ""
        text = data[:limit].decode("utf-8", errors="replace")
        return text + ("\n...(truncated)" if len(data) > limit else "")

    def close(self) -> None:
        self.worker.close()

    # -- starting -----------------------------------------------------------
    def _ensure(self) -> None:
        if self.import_error is not None:
            raise self.import_error
        if self.worker.alive:
            return
        if self.crashes >= MAX_RESTARTS:
            raise WorkerCrashed("the worker crashed too often; the remaining checks were not run")
        self._defined.clear()
        try:
            try:
                self._start_and_import()
            except WorkerCrashed:
                # Once more: a crash at import that is the submission's doing
                # (os._exit, a segfault) happens again; a passing glitch does not.
                self._start_and_import()
        except StudentError as exc:
            self.import_error = ImportFailed(f"your submission could not be imported: {exc}")
        except WorkerTimeout:
            self.import_error = ImportFailed(
                f"importing your submission did not finish within {self.spec.import_timeout_s:g} s "
                "(an infinite loop or heavy work at module level?)"
            )
        except WorkerCrashed as exc:
            self.import_error = ImportFailed(f"while importing your submission, {exc}")
        if self.import_error is not None:
            self.worker.close()
            raise self.import_error
        # the start-up time does not count against the check
        self._deadline = time.monotonic() + self._budget

    def _start_and_import(self) -> None:
        self.worker.start()
        self.names = self.worker.request(
            {"op": "import", "modules": list(self.spec.modules)}, self.spec.import_timeout_s
        )

    def _request(self, payload: dict[str, Any], what: str) -> Any:
        self._ensure()
        self.last_call = what
        target = what.split("(")[0]
        if target in self.timed_out:
            raise WorkerTimeout(
                f"{target} did not finish within {self._budget:g} s in an earlier check, "
                "so it was not run again"
            )
        if self.spent >= self.total_budget:
            raise WorkerTimeout(
                f"the submission used up its total time budget of {self.total_budget:g} s; "
                "the remaining checks were not run"
            )
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerTimeout(f"{what} did not finish within {self._budget:g} s")
        started = time.monotonic()
        try:
            return self.worker.request(payload, remaining)
        except WorkerTimeout:
            self.crashes += 1
            self.timed_out.add(target)
            raise WorkerTimeout(
                f"{what} did not finish within {self._budget:g} s (an infinite loop, or far "
                "too slow?); the worker was stopped"
            ) from None
        except WorkerCrashed:
            self.crashes += 1
            raise
        finally:
            self.spent += time.monotonic() - started

    # -- calls --------------------------------------------------------------
    def _attr(self, name: str) -> list[Any]:
        module, _, attr = name.rpartition(":")
        return ["attr", module or self.main, attr]

    def has(self, name: str) -> bool:
        self._ensure()
        module, _, attr = name.rpartition(":")
        return attr.split(".")[0] in self.names.get(module or self.main, [])

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call a function of the student's module; returns the decoded result."""
        what = describe_call(name, args, kwargs)
        payload = {"op": "call", "target": self._attr(name), "args": list(args), "kwargs": kwargs}
        return self._request(payload, what)

    def forward(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Call a forward function returning (..., cache); the cache stays in the worker."""
        what = describe_call(name, args, kwargs)
        payload = {
            "op": "call",
            "target": self._attr(name),
            "args": list(args),
            "kwargs": kwargs,
            "keep": -1,
        }
        return self._request(payload, what)

    def new(self, name: str, *args: Any, **kwargs: Any) -> Handle:
        """Construct an object (e.g. an optimizer); it stays in the worker."""
        what = describe_call(name, args, kwargs)
        payload = {
            "op": "call",
            "target": self._attr(name),
            "args": list(args),
            "kwargs": kwargs,
            "keep": "all",
        }
        return self._request(payload, what)

    def method(self, handle: Handle, name: str, *args: Any, **kwargs: Any) -> Any:
        what = describe_call(f"obj.{name}", args, kwargs)
        payload = {
            "op": "call",
            "target": ["method", handle, name],
            "args": list(args),
            "kwargs": kwargs,
        }
        return self._request(payload, what)

    def get(self, handle: Handle) -> Any:
        return self._request({"op": "get", "handle": handle}, "reading a value back")

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a harness function `fn(module, *args, **kwargs)` inside the worker.

        `fn` must be a top-level function of a checks module that imports what
        it needs inside its body; it runs next to the student's code (so it must
        not hold secrets) and its result is validated like any other.
        """
        self._ensure()
        name = fn.__name__
        if name not in self._defined:
            source = textwrap.dedent(inspect.getsource(fn))
            self._request({"op": "define", "name": name, "source": source}, f"setting up {name}")
            self._defined.add(name)
        label = f"{name}:{args[0]}" if args and isinstance(args[0], str) else name
        what = describe_call(label, args, kwargs)
        payload = {
            "op": "call",
            "target": ["harness", name, self.main],
            "args": list(args),
            "kwargs": kwargs,
        }
        return self._request(payload, what)


# ---------------------------------------------------------------------------
# The reference's side
# ---------------------------------------------------------------------------
# Reference answers shared by every submission graded in this process: the
# public checks (and hidden ones under a common --seed) ask the same questions.
_SHARED_ANSWERS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_SHARED_LIMIT = 20_000


class LazyCandidates(Mapping[str, tuple[str, Any]]):
    """Known-mistake outputs computed on first use; mutants that fail are left out."""

    def __init__(self, thunks: Mapping[str, tuple[str, Callable[[], Any]]]) -> None:
        self._thunks = dict(thunks)
        self._values: dict[str, tuple[str, Any]] | None = None

    def _load(self) -> dict[str, tuple[str, Any]]:
        if self._values is None:
            values: dict[str, tuple[str, Any]] = {}
            for name, (message, thunk) in self._thunks.items():
                try:
                    values[name] = (message, thunk())
                except OracleMissing:
                    raise
                except Exception:  # noqa: BLE001 - a mutant may fail on some inputs
                    continue
            self._values = values
        return self._values

    def __getitem__(self, name: str) -> tuple[str, Any]:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


class Oracle:
    """Expected values from the reference solution, live or replayed.

    - live: the reference (and its mutants, for diagnoses) run in this process;
    - record: like live, and every answer is kept so `save()` can write the
      public fixtures that the student bundle replays;
    - replay: answers come from those fixtures (no solution code present).
    """

    def __init__(
        self,
        assignment: str,
        *,
        mode: str = "live",
        store: Path | None = None,
        module: str | None = None,
    ) -> None:
        if mode not in {"live", "record", "replay"}:
            raise ValueError(f"unknown oracle mode {mode!r}")
        self.assignment = assignment
        self.mode = mode
        self.module = module or assignment
        self.answers: dict[str, Any] = {}
        self.mistake_index: dict[str, list[list[str]]] = {}
        if mode == "replay":
            if store is None or not store.is_file():
                raise OracleMissing(f"no recorded answers for {assignment} (expected {store})")
            data = wire.loads(store.read_bytes())
            self.answers = data["answers"]
            self.mistake_index = data["mistakes"]
        else:
            self._mistakes = self._load_mistakes()
            self.mistake_index = {}
            for m in self._mistakes.values():
                self.mistake_index.setdefault(m.task, []).append([m.name, m.message])

    def _load_mistakes(self) -> dict[str, Any]:
        import importlib

        try:
            module = importlib.import_module(f"autograder.checks.{self.assignment}.mistakes")
        except ModuleNotFoundError:
            return {}
        return {m.name: m for m in getattr(module, "MISTAKES", [])}

    def _module(self, mistake: str | None) -> Any:
        from autograder.mistakes import load_mutant
        from autograder.paths import load_reference

        if mistake is None:
            return load_reference(self.assignment, self.module)
        return load_mutant(self.assignment, self._mistakes[mistake])

    def run(
        self, fn: Callable[..., Any] | str, *args: Any, mistake: str | None = None, **kwargs: Any
    ) -> Any:
        """`fn(reference_module, *args, **kwargs)`; `mistake` runs it on that mutant."""
        name = fn if isinstance(fn, str) else fn.__name__
        key = wire.canonical_key(["run", name, mistake, list(args), kwargs])
        if self.mode == "replay":
            if key not in self.answers:
                raise OracleMissing(
                    f"no recorded answer for {name}: the public fixtures are out of date "
                    "(ask your instructor to re-release the assignment)"
                )
            return self.answers[key]
        shared_key = (self.assignment, key)
        if shared_key in _SHARED_ANSWERS:
            value = _SHARED_ANSWERS[shared_key]
            if self.mode == "record":
                self.answers[key] = value
            return _copy(value)
        module = self._module(mistake)
        target = getattr(module, fn) if isinstance(fn, str) else None
        if target is not None:
            value = target(*_copy(args), **_copy(kwargs))
        else:
            assert callable(fn)
            value = fn(module, *_copy(args), **_copy(kwargs))
        if self.mode == "record":
            wire.dumps(value)  # fail loudly now if the answer cannot be stored
            self.answers[key] = value
        _SHARED_ANSWERS[shared_key] = _copy(value)
        if len(_SHARED_ANSWERS) > _SHARED_LIMIT:
            _SHARED_ANSWERS.popitem(last=False)
        return value

    def call(self, name: str, *args: Any, mistake: str | None = None, **kwargs: Any) -> Any:
        """The reference function `name` called with these arguments."""
        return self.run(name, *args, mistake=mistake, **kwargs)

    def forward(self, name: str, *args: Any, mistake: str | None = None, **kwargs: Any) -> Any:
        """A forward function's outputs without its cache (one output: the output itself)."""
        return self.run(_forward_outputs, name, *args, mistake=mistake, **kwargs)

    def backward(
        self,
        forward: str,
        backward: str,
        args: Sequence[Any],
        dout: Any,
        *,
        kwargs: Mapping[str, Any] | None = None,
        mistake: str | None = None,
    ) -> Any:
        """The reference backward: run `forward(*args, **kwargs)`, then `backward(dout, cache)`."""
        return self.run(
            _forward_backward,
            forward,
            backward,
            list(args),
            dict(kwargs or {}),
            dout,
            mistake=mistake,
        )

    def mistakes(self, task: str) -> list[tuple[str, str]]:
        return [(name, message) for name, message in self.mistake_index.get(task, [])]

    def candidates(
        self, task: str, fn: Callable[..., Any] | str, *args: Any, **kwargs: Any
    ) -> Mapping[str, tuple[str, Any]]:
        """What each known mistake of `task` would return for this call: {name: (message, value)}.

        Evaluated only when a comparison fails (a correct submission costs no
        mutant runs); when recording, at once, so the bundle can replay them.
        """
        return self.lazy(
            {
                name: (message, partial(self.run, fn, *args, mistake=name, **kwargs))
                for name, message in self.mistakes(task)
            }
        )

    def lazy(
        self, thunks: Mapping[str, tuple[str, Callable[[], Any]]]
    ) -> Mapping[str, tuple[str, Any]]:
        """{name: (message, thunk)} -> a mapping of (message, value), evaluated on first use."""
        candidates = LazyCandidates(thunks)
        if self.mode == "record":
            len(candidates)  # evaluate now: the answers must be recorded
        return candidates

    def save(self, path: Path) -> None:
        path.write_bytes(wire.dumps({"answers": self.answers, "mistakes": self.mistake_index}))


def _copy(value: Any) -> Any:
    """Deep-copy arrays so a reference that (wrongly) edits its inputs cannot leak state."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _forward_outputs(module: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    result = getattr(module, name)(*args, **kwargs)
    outputs = result[:-1]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _forward_backward(
    module: Any, forward: str, backward: str, args: list[Any], kwargs: dict[str, Any], dout: Any
) -> Any:
    cache = getattr(module, forward)(*args, **kwargs)[-1]
    return getattr(module, backward)(dout, cache)


# ---------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------
def _format_number(value: Any) -> str:
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return repr(value)


def _matches(got: Any, want: Any, rtol: float, atol: float) -> bool:
    try:
        g = np.asarray(got, dtype=float)
        w = np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape:
        return False
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    return bool(
        np.all(np.abs(g - w) <= atol + 1e-9 * scale + rtol * np.abs(w))
        and np.all(np.isfinite(g) == np.isfinite(w))
    )


def compare(
    got: Any,
    want: Any,
    *,
    what: str = "output",
    call: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, tuple[str, Any]] | None = None,
) -> None:
    """Raise CheckFailure unless `got` matches `want` (arrays or numbers).

    The message says what was called, expected versus got shape and dtype, the
    largest absolute and relative error and the first differing index; when
    `got` matches one of `mistakes` ({name: (message, value)}), it names it.
    """
    problem = _difference(got, want, what, rtol, atol)
    if problem is None:
        return
    diagnosis = ""
    for name, (message, value) in (mistakes or {}).items():
        if (
            value is not None
            and not _matches(want, value, rtol, atol)
            and _matches(got, value, rtol, atol)
        ):
            diagnosis = name
            problem += f"\n  Likely mistake ({name}): {message}"
            break
    prefix = f"{call}\n  " if call else ""
    raise CheckFailure(prefix + problem, diagnosis=diagnosis)


def _difference(got: Any, want: Any, what: str, rtol: float, atol: float) -> str | None:
    want_arr = np.asarray(want)
    if isinstance(got, Handle):
        return f"{what}: expected an array of shape {want_arr.shape}, got an object that cannot be graded"
    if isinstance(got, (list, tuple)) and not isinstance(want, (list, tuple)):
        return f"{what}: expected an array of shape {want_arr.shape}, got a {type(got).__name__}"
    try:
        got_arr = np.asarray(got)
    except Exception:  # noqa: BLE001
        return f"{what}: expected an array, got {type(got).__name__}"
    if got is None:
        return f"{what}: expected an array of shape {want_arr.shape}, got None (a missing return?)"
    if got_arr.dtype.kind not in "biuf" and got_arr.dtype != np.bool_:
        return f"{what}: expected numbers, got dtype {got_arr.dtype}"
    if got_arr.shape != want_arr.shape:
        return f"{what}: wrong shape: expected {want_arr.shape}, got {got_arr.shape}"
    if want_arr.size == 0:
        return None
    g = got_arr.astype(float)
    w = want_arr.astype(float)
    bad_nan = np.isnan(g) & ~np.isnan(w)
    if bad_nan.any():
        index = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        return (
            f"{what}: contains NaN ({int(bad_nan.sum())} of {g.size} entries), first at index "
            f"{index} (expected {_format_number(w[index])}); overflow, 0/0 or log of 0?"
        )
    bad_inf = np.isinf(g) & ~np.isinf(w)
    if bad_inf.any():
        index = tuple(int(i) for i in np.argwhere(bad_inf)[0])
        return (
            f"{what}: contains inf ({int(bad_inf.sum())} entries), first at index {index} "
            f"(expected {_format_number(w[index])}); an overflow?"
        )
    finite = np.isfinite(w)
    diff = np.where(finite, np.abs(g - w), np.where(g == w, 0.0, np.inf))
    scale = float(np.max(np.abs(w[finite]))) if finite.any() else 0.0
    tolerance = atol + 1e-9 * scale + rtol * np.abs(np.where(finite, w, 0.0))
    bad = diff > tolerance
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    max_abs = float(np.max(diff))
    rel = diff / np.maximum(np.abs(w), 1e-300)
    max_rel = float(np.max(np.where(finite, rel, 0.0)))
    dtype_note = (
        ""
        if got_arr.dtype == want_arr.dtype
        else f", dtype {got_arr.dtype} (expected {want_arr.dtype})"
    )
    return (
        f"{what}: values differ in {int(bad.sum())} of {g.size} entries (shape {want_arr.shape}{dtype_note})\n"
        f"  max abs error {max_abs:.3g}, max rel error {max_rel:.3g}\n"
        f"  first at index {index}: expected {_format_number(w[index])}, got {_format_number(g[index])}"
    )


def compare_all(
    got: Any,
    want: Sequence[Any],
    names: Sequence[str],
    *,
    call: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, tuple[str, Any]] | None = None,
) -> None:
    """Compare a tuple of outputs (e.g. (dx, dw, db)) part by part."""
    if not isinstance(got, (tuple, list)) or len(got) != len(want):
        count = len(got) if isinstance(got, (tuple, list)) else type(got).__name__
        raise CheckFailure(
            f"{call}\n  expected a tuple of {len(want)} values ({', '.join(names)}), got {count}"
        )
    failures = []
    for index, name in enumerate(names):
        problem = _difference(got[index], want[index], name, rtol, atol)
        if problem:
            failures.append(problem)
    if not failures:
        return
    diagnosis = ""
    message = "\n  ".join(failures)
    for key, (text, value) in (mistakes or {}).items():
        if value is None or not isinstance(value, (tuple, list)) or len(value) != len(want):
            continue
        if all(_matches(g, v, rtol, atol) for g, v in zip(got, value)):
            diagnosis = key
            message += f"\n  Likely mistake ({key}): {text}"
            break
    raise CheckFailure((f"{call}\n  " if call else "") + message, diagnosis=diagnosis)


# ---------------------------------------------------------------------------
# Numerical gradients of the student's own forward
# ---------------------------------------------------------------------------
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
                f"{name}: the forward's output has shape {plus.shape}, expected {np.shape(dout)}"
            )
        values.append(float(np.sum((plus - minus) * dout)) / (2 * h))
    return np.array(values)


# ---------------------------------------------------------------------------
# Layer checks: the patterns most checks are made of
# ---------------------------------------------------------------------------
def check_forward(
    sub: Submission,
    oracle: Oracle,
    name: str,
    *args: Any,
    task: str | None = None,
    outputs: Sequence[str] = ("out",),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    **kwargs: Any,
) -> Handle:
    """Compare a forward function's outputs with the reference; return the student's cache.

    Known mistakes of `task` (default: `name`) are evaluated on the same inputs
    and named in the feedback when the student's outputs match one of them.
    """
    mistakes = oracle.candidates(task or name, _forward_outputs, name, *args, **kwargs)
    want = oracle.forward(name, *args, **kwargs)
    got = sub.forward(name, *args, **kwargs)
    call = sub.last_call
    if not isinstance(got, tuple) or len(got) != len(outputs) + 1:
        raise CheckFailure(
            f"{call}\n  expected a tuple ({', '.join(outputs)}, cache), got {describe_value(got)}"
        )
    if len(outputs) == 1:
        compare(got[0], want, what=outputs[0], call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    else:
        compare_all(got[:-1], want, outputs, call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    return got[-1]


def check_backward(
    sub: Submission,
    oracle: Oracle,
    forward: str,
    backward: str,
    args: Sequence[Any],
    dout: Any,
    *,
    grads: Sequence[str],
    kwargs: Mapping[str, Any] | None = None,
    task: str | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Any:
    """Compare `backward(dout, cache)` with the reference, the cache from the student's own forward."""
    kwargs = dict(kwargs or {})
    want = oracle.backward(forward, backward, args, dout, kwargs=kwargs)
    mistakes = oracle.lazy(
        {
            mistake: (
                message,
                partial(
                    oracle.backward, forward, backward, args, dout, kwargs=kwargs, mistake=mistake
                ),
            )
            for mistake, message in oracle.mistakes(task or backward)
        }
    )
    cache = sub.forward(forward, *args, **kwargs)[-1]
    got = sub.call(backward, dout, cache)
    call = f"{sub.last_call} after {describe_call(forward, args, kwargs)}"
    if len(grads) == 1:
        compare(got, want, what=grads[0], call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    else:
        compare_all(got, want, grads, call=call, rtol=rtol, atol=atol, mistakes=mistakes)
    return got


def check_backward_numeric(
    sub: Submission,
    forward: str,
    backward: str,
    args: Sequence[Any],
    dout: np.ndarray,
    *,
    wrt: Mapping[int, int],
    grads: Sequence[str],
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
    """
    kwargs = dict(kwargs or {})
    cache = sub.forward(forward, *args, **kwargs)[-1]
    got = sub.call(backward, dout, cache)
    call = f"{sub.last_call} after {describe_call(forward, args, kwargs)}"
    parts = got if len(grads) > 1 else (got,)
    if not isinstance(parts, (tuple, list)) or len(parts) != len(grads):
        raise CheckFailure(
            f"{call}\n  expected a tuple of {len(grads)} gradients ({', '.join(grads)})"
        )
    rng = np.random.default_rng(seed)
    for arg_index, grad_index in wrt.items():
        base = np.asarray(args[arg_index], dtype=float)
        grad = parts[grad_index]
        problem = _difference(grad, np.zeros_like(base), grads[grad_index], np.inf, np.inf)
        if problem:  # wrong shape, NaN, not numbers
            raise CheckFailure(f"{call}\n  {problem}")
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
