"""What the autograder-test cells of an exported nbgrader notebook run.

A test cell of `dlcourse export nbgrader` calls the course's checks by name:

    from autograder.platforms.nbgrader.cells import TaskChecks
    checks = TaskChecks("conv", "conv_forward", globals())
    checks.public("test_conv_forward")
    ### BEGIN HIDDEN TESTS
    checks.hidden("test_conv_forward_shapes")
    ### END HIDDEN TESTS
    checks.score(6)

The checks are the very pytest functions `dlcourse grade` runs (one source of
truth): they run through the grader's own plugin, with the notebook's
namespace standing in for the sandboxed worker (`KernelSubmission`). Hidden
checks and the reference come from the package installed on the grading host;
the released notebook holds neither. `public` and `hidden` name the checks;
`score` runs them in one pytest session (a check raises on failure), prints
what failed and returns the points earned, which nbgrader reads as
the cell's partial credit (with a line on stderr, an error to nbgrader, when
none was earned).

This runs in the student's own kernel, where their code can patch anything:
it is a convenience for courses that live in nbgrader. `dlcourse grade` on the
collected notebooks is the trustworthy path.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import itertools
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from autograder.results import CheckResult
from autograder.sandbox.errors import StudentError
from autograder.sandbox.inside import wire
from autograder.sandbox.submission import describe_call

KERNEL_FILE_PREFIX = ("<ipython-input", "/tmp/ipykernel_")


class KernelSubmission:
    """The `sub` fixture over a namespace in this process (the notebook's globals).

    Arguments and results cross through the same wire encoding as with the
    sandboxed worker, so checks see the same copies, types and refusals; the
    student's exceptions become `StudentError`s as the worker would report.
    """

    def __init__(self, module: ModuleType, folder: Path | None = None) -> None:
        self.module = module
        self.main = module.__name__
        # checks that read the submitted source (a static scan) find it here
        self.spec = SimpleNamespace(folder=folder or Path("."), modules=(self.main,))
        self.import_error: Exception | None = None
        self.last_call = ""
        self._objects: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self._harness: dict[str, Callable[..., Any]] = {}
        self._as_torch = False

    # -- what the plugin calls ------------------------------------------------
    def begin_check(self, timeout_s: float | None = None) -> None:
        self.last_call = ""

    def new_output(self, limit: int = 1200) -> str:
        return ""

    def close(self) -> None:
        self._objects.clear()

    # -- the Submission interface -------------------------------------------
    def has(self, name: str) -> bool:
        return hasattr(self.module, name.rpartition(":")[2].split(".")[0])

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.last_call = describe_call(name, args, kwargs)
        return self._invoke(self._attr(name), args, kwargs, None)

    def forward(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        self.last_call = describe_call(name, args, kwargs)
        return self._invoke(self._attr(name), args, kwargs, -1)

    def new(self, name: str, *args: Any, **kwargs: Any) -> wire.Handle:
        self.last_call = describe_call(name, args, kwargs)
        return self._invoke(self._attr(name), args, kwargs, "all")

    def method(self, handle: wire.Handle, name: str, *args: Any, **kwargs: Any) -> Any:
        self.last_call = describe_call(f"obj.{name}", args, kwargs)
        return self._invoke(getattr(self._resolve(handle), name), args, kwargs, None)

    def get(self, handle: wire.Handle) -> Any:
        self.last_call = "reading a value back"
        return self._copy(self._resolve(handle))

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        label = f"{fn.__name__}:{args[0]}" if args and isinstance(args[0], str) else fn.__name__
        self.last_call = describe_call(label, args, kwargs)
        return self._invoke(lambda *a, **k: fn(self.module, *a, **k), args, kwargs, None)

    # -- plumbing ---------------------------------------------------------------
    def _attr(self, name: str) -> Callable[..., Any]:
        obj: Any = self.module
        dotted = name.rpartition(":")[2]
        for part in dotted.split("."):
            if not hasattr(obj, part):
                raise StudentError(
                    "MissingName",
                    f"the notebook defines no {dotted!r} (is its cell run and named as given?)",
                    [],
                    kind="missing_function",
                )
            obj = getattr(obj, part)
        return obj

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, wire.Handle):
            return self._objects[value.ident]
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    def _keep(self, value: Any) -> wire.Handle:
        ident = next(self._ids)
        self._objects[ident] = value
        return wire.Handle(ident)

    def _copy(self, value: Any) -> Any:
        try:
            return wire.loads(wire.dumps(value))
        except wire.Unencodable as exc:
            raise StudentError(
                "UnsupportedReturn",
                f"the function returned something that cannot be graded: {exc}",
                [],
            ) from None

    def _invoke(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any], keep: Any
    ) -> Any:
        sent = wire.loads(wire.dumps([list(args), dict(kwargs)]))
        call_args, call_kwargs = self._resolve(sent[0]), self._resolve(sent[1])
        try:
            value = fn(*call_args, **call_kwargs)
        except Exception as exc:  # noqa: BLE001 - the student's exceptions are results
            where = [
                f"line {f.lineno}, in {f.name}: {(f.line or '').strip()}"
                for f in traceback.extract_tb(exc.__traceback__)
                if f.filename.startswith(KERNEL_FILE_PREFIX)
            ]
            raise StudentError(type(exc).__name__, str(exc)[:2000], where[-4:]) from None
        if keep == "all":
            return self._keep(value)
        if keep is not None:
            if not isinstance(value, tuple) or len(value) < 1:
                raise StudentError(
                    "TypeError",
                    f"expected a tuple (..., cache) to be returned, got {type(value).__name__}",
                    [],
                )
            parts = list(value)
            parts[-1] = self._keep(parts[-1])
            value = tuple(parts)
        return self._copy(value)


def namespace_module(namespace: Mapping[str, Any], name: str) -> ModuleType:
    """A module object holding the notebook's names (what `import <name>` would give)."""
    module = ModuleType(name)
    module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    return module


def kernel_source(namespace: Mapping[str, Any]) -> str:
    """The source of the functions and classes the notebook itself defined."""
    home = namespace.get("__name__", "__main__")
    parts = []
    for value in list(namespace.values()):
        if not (inspect.isfunction(value) or inspect.isclass(value)):
            continue
        if getattr(value, "__module__", None) != home:
            continue
        with contextlib.suppress(OSError, TypeError):
            parts.append(inspect.getsource(value))
    return "\n\n".join(parts)


def kernel_seed(assignment: str, cwd: Path | None = None) -> int:
    """The seed `dlcourse grade` would use for this student (nbgrader runs the notebook
    in autograded/<student>/<ID>/); the public seed elsewhere."""
    from autograder.engine.grading import default_seed
    from autograder.engine.plugin import PUBLIC_SEED

    here = (cwd or Path.cwd()).resolve()
    if here.name == assignment and here.parent.parent.name == "autograded":
        return default_seed(assignment, here.parent.name)
    return PUBLIC_SEED


class _Select:
    """Keep only the named public and hidden check functions of one task."""

    def __init__(self, task: str, public: set[str], hidden: set[str]) -> None:
        self.task, self.public, self.hidden = task, public, hidden

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        from autograder.engine.plugin import is_hidden

        def wanted(item: pytest.Item) -> bool:
            marker = item.get_closest_marker("task")
            names = self.hidden if is_hidden(item) else self.public
            return (
                getattr(item, "originalname", item.name) in names
                and marker is not None
                and str(marker.args[0]) == self.task
            )

        drop = [item for item in items if not wanted(item)]
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = [item for item in items if wanted(item)]


class TaskChecks:
    """The checks of one task, run in this kernel against the notebook's code."""

    def __init__(
        self, assignment: str, task: str, namespace: Mapping[str, Any], *, seed: int | None = None
    ) -> None:
        from autograder.config import load_course

        self.assignment = assignment
        self.task = task
        self.course = load_course()
        self.spec = self.course.assignment(assignment)
        self.module = namespace_module(namespace, self.spec.module_stems[0])
        self.source = kernel_source(namespace)
        self.seed = kernel_seed(assignment) if seed is None else seed
        self.results: list[CheckResult] = []
        self._public: set[str] = set()
        self._hidden: set[str] = set()

    def public(self, *names: str) -> None:
        """Ask for the named public check functions of this task (run by `score`)."""
        self._public.update(names)

    def hidden(self, *names: str) -> None:
        """Ask for the named hidden check functions of this task (grading host only)."""
        self._hidden.update(names)

    def run(self) -> list[CheckResult]:
        """Run the checks asked for, all in one pytest session; returns their results."""
        from autograder.engine.catalog import check_files
        from autograder.engine.plugin import GraderPlugin, GradingContext
        from autograder.engine.pytest_api import pytest_args, quiet_pytest_env
        from autograder.engine.runner import make_oracle

        hidden = bool(self._hidden)
        folder = Path(tempfile.mkdtemp(prefix="dlcourse-kernel-"))
        (folder / f"{self.module.__name__}.py").write_text(self.source, encoding="utf-8")
        submission = KernelSubmission(self.module, folder)
        ctx = GradingContext(
            assignment=self.assignment,
            submission=submission,  # type: ignore[arg-type]
            oracle=make_oracle(self.course, self.spec, not hidden, in_process=True),
            seed=self.seed,
            include_hidden=hidden,
            timeout_s=self.spec.timeout_s,
        )
        args = pytest_args(check_files(self.assignment, include_hidden=hidden))
        select = _Select(self.task, self._public, self._hidden)
        log = io.StringIO()
        with quiet_pytest_env(), contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = int(pytest.main(args, plugins=[GraderPlugin(ctx), select]))
        submission.close()
        shutil.rmtree(folder, ignore_errors=True)
        if code not in (0, 1) or len(ctx.results) == 0:
            asked = ", ".join(sorted(self._public | self._hidden))
            raise RuntimeError(
                f"the checks {asked} of {self.task} did not run "
                f"(pytest exit {code}):\n{log.getvalue()[-2000:]}"
            )
        self._public.clear()
        self._hidden.clear()
        self.results += ctx.results
        return ctx.results

    def score(self, points: float) -> float:
        """Print every failure; return the cell's share of `points` (nbgrader's partial credit).

        With public and hidden checks run (the grading host) that share is the
        points earned, as `dlcourse grade` counts them; with the public checks
        only (a released notebook), it is their fraction of `points`. When no
        check passed it says so on stderr, which nbgrader counts as an error
        (the cell earns nothing, `validate` reports it), and returns 0. It does
        not raise: IPython's traceback would quote the lines of the cell around
        the call, the hidden checks among them, in the feedback.
        """
        if self._public or self._hidden:
            self.run()
        earned = sum(r.score for r in self.results)
        possible = sum(r.max_score for r in self.results)
        failed = [r for r in self.results if r.status != "passed"]
        for result in failed:
            print(f"FAILED {result.name} ({result.max_score:g} points)")
            print("  " + result.output.replace("\n", "\n  "))
        if possible and earned <= 0:
            print(f"{self.task}: no check passed ({len(failed)} failed)", file=sys.stderr)
            return 0.0
        print(f"{self.task}: {earned:g} of {possible:g} points")
        return round(points * earned / possible, 6) if possible else 0.0
