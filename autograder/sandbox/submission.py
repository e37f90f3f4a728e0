"""The student's module(s) as the grader sees them: reachable only through the worker.

`Submission` is the proxy a check holds (the `sub` fixture): each call is
described, marshalled to the sandboxed worker, timed against the check's
budget and its answer decoded and validated. It belongs to the sandbox side
of the trust boundary and imports nothing of the grader but the sandbox.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox.early import import_request
from autograder.sandbox.errors import (
    ImportFailed,
    ProtocolError,
    StudentError,
    WorkerCrashed,
    WorkerError,
    WorkerTimeout,
)
from autograder.sandbox.host import Limits, Worker
from autograder.sandbox.inside import wire

Handle = wire.Handle
MAX_RESTARTS = 8


# ---------------------------------------------------------------------------
# Describing values and calls
# ---------------------------------------------------------------------------
_DTYPE_NAMES: dict[Any, str] = {}  # str(dtype) is slow, and every call is described


def _dtype_name(dtype: Any) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = str(dtype)
        if len(_DTYPE_NAMES) < 256:
            _DTYPE_NAMES[dtype] = name
    return name


def describe_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{tuple(value.shape)} {_dtype_name(value.dtype)}"
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
    preload: tuple[str, ...] = ("numpy",)  # imported by the warm worker before the submission


@functools.lru_cache(maxsize=256)
def _harness_source(fn: Callable[..., Any]) -> str:
    """A harness function's source, read once per grading process (not per submission)."""
    return textwrap.dedent(inspect.getsource(fn))


class Submission:
    """The student's module(s), reachable only through the sandboxed worker."""

    def __init__(self, spec: SubmissionSpec) -> None:
        self.spec = spec
        self.main = spec.modules[0]
        self.worker = Worker(
            spec.folder,
            limits=spec.limits,
            forbidden=spec.forbidden,
            secrets=spec.secrets,
            preload=spec.preload,
        )
        self.import_error: WorkerError | None = None
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
            raise WorkerCrashed(
                "the worker crashed too often; the remaining checks were not run",
                message_id="sandbox.crashed_too_often",
            )
        self._defined.clear()
        try:
            try:
                self._start_and_import()
            except (WorkerCrashed, ProtocolError):
                # Once more: a crash at import that is the submission's doing
                # (os._exit, a segfault, a forged reply) happens again; a passing glitch does not.
                self._start_and_import()
        except StudentError as exc:
            self.import_error = ImportFailed(
                "your submission could not be imported: {error}",
                message_id="sandbox.import_failed",
                values={"error": str(exc)},
            )
        except WorkerTimeout:
            self.import_error = ImportFailed(
                "importing your submission did not finish within {seconds} s "
                "(an infinite loop or heavy work at module level?)",
                message_id="sandbox.import_timeout",
                values={"seconds": f"{self.spec.import_timeout_s:g}"},
            )
        except (WorkerCrashed, ProtocolError) as exc:
            self.import_error = ImportFailed(f"while importing your submission, {exc}")
        if self.import_error is not None:
            self.worker.close()
            raise self.import_error
        # the start-up time does not count against the check
        self._deadline = time.monotonic() + self._budget

    def _start_and_import(self) -> None:
        self.worker.start()
        self.worker.request(import_request(self.spec.modules), self.spec.import_timeout_s)

    def _request(self, payload: dict[str, Any], what: str) -> Any:
        self._ensure()
        self.last_call = what
        target = what.split("(")[0]
        if target in self.timed_out:
            raise WorkerTimeout(
                "{what} did not finish within {seconds} s in an earlier check, "
                "so it was not run again",
                message_id="sandbox.timed_out_before",
                values={"what": target, "seconds": f"{self._budget:g}"},
            )
        if self.spent >= self.total_budget:
            raise WorkerTimeout(
                "the submission used up its total time budget of {seconds} s; "
                "the remaining checks were not run",
                message_id="sandbox.budget_spent",
                values={"seconds": f"{self.total_budget:g}"},
            )
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerTimeout(
                "{what} did not finish within {seconds} s",
                message_id="sandbox.timeout",
                values={"what": what, "seconds": f"{self._budget:g}"},
            )
        started = time.monotonic()
        try:
            return self.worker.request(payload, remaining)
        except WorkerTimeout:
            self.crashes += 1
            self.timed_out.add(target)
            raise WorkerTimeout(
                "{what} did not finish within {seconds} s (an infinite loop, or far "
                "too slow?); the worker was stopped",
                message_id="sandbox.timeout_stopped",
                values={"what": what, "seconds": f"{self._budget:g}"},
            ) from None
        except (WorkerCrashed, ProtocolError):
            # a worker that broke the protocol was stopped like one that crashed, and
            # counts the same: a hostile one cannot make the grader restart it forever
            self.crashes += 1
            raise
        finally:
            self.spent += time.monotonic() - started

    # -- calls --------------------------------------------------------------
    def _attr(self, name: str) -> list[Any]:
        module, _, attr = name.rpartition(":")
        return ["attr", module or self.main, attr]

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

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a harness function `fn(module, *args, **kwargs)` inside the worker.

        `fn` must be a top-level function of a checks module that imports what
        it needs inside its body; it runs next to the student's code (so it must
        not hold secrets) and its result is validated like any other.
        """
        self._ensure()
        name = fn.__name__
        if name not in self._defined:
            source = _harness_source(fn)
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
