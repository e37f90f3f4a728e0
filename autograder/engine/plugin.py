"""The pytest plugin that runs an assignment's checks against one submission.

It provides the fixtures checks use (`sub`, `oracle`, `rng`, `seed`), keeps
hidden checks out of public runs, gives each check its wall-clock budget and
turns every outcome into a `CheckResult` with points, visibility, task and a
message written for the student (never check source or reference code).
"""

from __future__ import annotations

import inspect
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from autograder.checkkit import CheckFailure, Oracle, OracleMissing, under
from autograder.engine import pytest_api
from autograder.engine.catalog import MARKERS, CheckInfo, describe, is_hidden
from autograder.engine.untrusted import filtered_lines
from autograder.messages import Lines, Message, lines_of_text, msg, render_lines, verbatim
from autograder.results import FAILURE_KINDS, GRADESCOPE_VISIBILITY, CheckResult
from autograder.sandbox.errors import ImportFailed, StudentError, WorkerError
from autograder.sandbox.submission import Submission

PUBLIC_SEED = 20260101


_BLANK = re.compile(r"(?P<where>\S+): fill in this blank \(see its docstring\)")


def worker_lines(exc: WorkerError) -> Lines:
    """What the sandbox said, as lines of messages (plain text where it gave no message id)."""
    if isinstance(exc, StudentError):
        blank = _BLANK.fullmatch(exc.message) if exc.type_name == "NotImplementedError" else None
        if blank is not None:
            head = msg(
                "plugin.blank",
                "your code raised NotImplementedError: {where}: fill in this blank "
                "(see its docstring)",
                where=blank["where"],
            )
        else:
            head = msg(
                "plugin.raised",
                "your code raised {error}",
                error=f"{exc.type_name}: {exc.message}",
            )
        return [("", head), *(("  ", verbatim(where)) for where in exc.where)]
    if exc.message_id:
        return [("", Message(exc.message_id, exc.template, exc.values))]
    return lines_of_text(str(exc))


def failure_message(exc: BaseException, sub: Submission | None) -> tuple[Lines, str, str]:
    """(lines for the student, diagnosis name, kind of failure: a key of FAILURE_KINDS)."""
    call = sub.last_call if sub else ""
    if isinstance(exc, CheckFailure):
        return exc.lines, exc.diagnosis, _known(exc.kind)
    if isinstance(exc, StudentError):
        return _under(call, worker_lines(exc)), "", _known(exc.kind)
    if isinstance(exc, WorkerError):
        quiet = isinstance(exc, ImportFailed) or not call
        return _under("" if quiet else call, worker_lines(exc)), "", _known(exc.kind)
    if isinstance(exc, OracleMissing):
        return lines_of_text(str(exc)), "", "grader_error"
    if isinstance(exc, AssertionError):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "a check failed"
        return _under(call, lines_of_text(first)), "", "wrong"
    error = msg(
        "plugin.grader_error",
        "grader error (not your fault; please tell your instructor): {error}",
        error=f"{type(exc).__name__}: {exc}",
    )
    return [("", error)], "grader-error", "grader_error"


def _under(call: str, lines: Lines) -> Lines:
    """`lines` under the line saying what was called (if anything was)."""
    return under(verbatim(call), lines) if call else lines


def _known(kind: str) -> str:
    return kind if kind in FAILURE_KINDS else "wrong"


# The plugin's fixtures a check may ask for when it runs without pytest's
# per-item protocol (see `GraderPlugin.runs_directly`), and the marks pytest
# itself acts on (an item with one of them always takes pytest's way).
DIRECT_FIXTURES = frozenset({"sub", "oracle", "rng", "seed", "grading"})
PYTEST_MARKS = frozenset({"skip", "skipif", "xfail", "usefixtures", "filterwarnings"})


@dataclass
class GradingContext:
    """One submission's grading: its workers, oracle and seed, and the results so far.

    `submission` serves the public checks (and every check where there is no
    `hidden_submission`). Hidden checks get `hidden_submission`, a worker of their
    own: nothing a hidden check sends (its inputs, its harness's source) ever
    reaches the worker whose answers become the public checks' feedback. The
    checks run public first; the public worker is closed when the first hidden
    check starts, and the hidden one inherits what the submission has used up
    (time, crashes, functions that timed out, an import that failed).
    """

    assignment: str
    submission: Submission
    oracle: Oracle
    seed: int
    include_hidden: bool
    timeout_s: float
    results: list[CheckResult] = field(default_factory=list)
    hidden_submission: Submission | None = None
    current: Submission | None = None  # the worker of the check running now

    def submission_for(self, hidden: bool) -> Submission:
        """The worker for a public (`hidden` False) or hidden check."""
        if not hidden or self.hidden_submission is None:
            return self.submission
        if self.current is not self.hidden_submission:
            _hand_over(self.submission, self.hidden_submission)
        return self.hidden_submission


def _hand_over(public: Submission, hidden: Submission) -> None:
    """Close the public checks' worker; the hidden one starts with what it used up."""
    public.close()
    hidden.spent = max(hidden.spent, public.spent)
    hidden.crashes = max(hidden.crashes, public.crashes)
    hidden.timed_out |= public.timed_out
    if hidden.import_error is None and isinstance(public.import_error, ImportFailed):
        hidden.import_error = public.import_error  # it would fail the same way again


class GraderPlugin:
    def __init__(self, ctx: GradingContext) -> None:
        self.ctx = ctx
        self._item_facts: dict[str, tuple[pytest.Item, CheckInfo]] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    # -- fixtures -------------------------------------------------------------
    @pytest.fixture
    def sub(self, request: pytest.FixtureRequest) -> Submission:
        """The worker of this check: the hidden checks have their own (see GradingContext)."""
        return self._submission(request.node)

    def _submission(self, item: pytest.Item) -> Submission:
        return self.ctx.submission_for(self._facts(item).hidden)

    @pytest.fixture
    def oracle(self) -> Oracle:
        return self.ctx.oracle

    @pytest.fixture
    def seed(self, request: pytest.FixtureRequest) -> int:
        """The fixed public seed only for `check` (public checks alone, as the bundle
        recorded them); grading draws every input, public checks' too, from the
        grading seed, so no recorded answer of the bundle answers a graded check."""
        return self._seed_for(request.node)

    def _seed_for(self, item: pytest.Item) -> int:
        if self._facts(item).hidden or self.ctx.include_hidden:
            return self.ctx.seed
        return PUBLIC_SEED

    @pytest.fixture
    def grading(self) -> bool:
        """True under `dlcourse grade`. A public check whose only inputs are a few small
        integers (nothing random to draw) picks them from another range when grading,
        so that no graded question is one the bundle recorded."""
        return self.ctx.include_hidden

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest, seed: int) -> np.random.Generator:
        """Inputs drawn from the submission's seed and the check's id: reproducible."""
        return self._rng_for(request.node, seed)

    def _rng_for(self, item: pytest.Item, seed: int) -> np.random.Generator:
        return np.random.default_rng([seed, self._facts(item).crc])

    # -- collection -----------------------------------------------------------
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Hidden checks only when grading, and after every public one (each kind has its
        own worker: the public checks' is closed before any hidden input exists)."""
        public = [item for item in items if not is_hidden(item)]
        hidden = [item for item in items if is_hidden(item)]
        if hidden and not self.ctx.include_hidden:
            config.hook.pytest_deselected(items=hidden)
            hidden = []
        items[:] = public + hidden

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._begin(item)

    def _begin(self, item: pytest.Item) -> None:
        timeout_s = self._facts(item).timeout_s
        sub = self._submission(item)
        self.ctx.current = sub
        sub.begin_check(timeout_s if timeout_s is not None else self.ctx.timeout_s)

    def _facts(self, item: pytest.Item) -> CheckInfo:
        """What the item's marks and docstring say, read once per session (items do not change)."""
        known = self._item_facts.get(item.nodeid)
        if known is None or known[0] is not item:
            known = (item, describe(item))
            self._item_facts[item.nodeid] = known
        return known[1]

    # -- running a check without pytest's per-item protocol -------------------
    def runs_directly(self, item: pytest.Item) -> bool:
        """Can `run_directly` run this item with the same result as pytest's protocol?

        Yes for a plain test function (no class, not async) whose arguments are
        its parametrize values and this plugin's own fixtures (none overridden),
        without a mark that pytest acts on (skip, xfail, usefixtures...). Such an
        item's set-up is only the plugin's `begin_check` and its fixtures'
        values, and it has nothing to tear down: the protocol's set-up, report
        and teardown objects (several hundred fixture-request objects per
        submission) buy nothing for it.
        """
        if not isinstance(item, pytest.Function) or item.cls is not None:
            return False
        function = item.obj
        if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
            return False
        if any(mark.name in PYTEST_MARKS for mark in item.iter_markers()):
            return False
        callspec = getattr(item, "callspec", None)
        params = set(callspec.params) if callspec is not None else set()
        info = pytest_api.fixture_closure(item)
        for name in info.names_closure:
            if name in params or name == "request":
                continue
            if name not in DIRECT_FIXTURES:
                return False
            defs = info.definitions.get(name, ())
            if len(defs) != 1 or getattr(defs[0].func, "__self__", None) is not self:
                return False  # a fixture of the checks' own overrides the plugin's
        return "request" not in info.argnames and set(info.argnames) <= DIRECT_FIXTURES | params

    def _direct_value(self, item: pytest.Item, name: str) -> Any:
        if name == "sub":
            return self._submission(item)
        if name == "oracle":
            return self.ctx.oracle
        if name == "grading":
            return self.ctx.include_hidden
        seed = self._seed_for(item)
        if name == "seed":
            return seed
        return self._rng_for(item, seed)

    def run_directly(self, item: pytest.Item) -> bool:
        """Run a check that `runs_directly` allows and record its result; True if it failed.

        What pytest's protocol would do for it, in order: the check's budget,
        the fixtures' values, the call, the outcome turned into a result. Only
        KeyboardInterrupt and pytest.exit escape, as under pytest.
        """
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        excinfo: BaseException | None = None
        try:
            self._begin(item)  # a set-up failure is the check's result, as under pytest
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the session runs with -W ignore
                kwargs = {
                    name: params[name] if name in params else self._direct_value(item, name)
                    for name in pytest_api.fixture_closure(item).argnames
                }
                item.obj(**kwargs)
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise
        except BaseException as exc:  # noqa: BLE001 - every outcome is a result, as under pytest
            excinfo = exc
        outcome, lines, diagnosis, kind = self._outcome(excinfo)
        self._record(item, outcome, lines, diagnosis, kind)
        return outcome == "failed"

    def _outcome(self, exc: BaseException | None) -> tuple[str, Lines, str, str]:
        """(outcome, lines, diagnosis, kind) of a check that raised `exc` (None: passed)."""
        if exc is None:
            return "passed", [], "", ""
        if isinstance(exc, pytest.skip.Exception):
            return (
                "skipped",
                [("", msg("plugin.skipped", "skipped: {reason}", reason=str(exc)))],
                "",
                "skipped",
            )
        lines, diagnosis, kind = failure_message(exc, self.ctx.current or self.ctx.submission)
        return "failed", lines, diagnosis, kind

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[Any]
    ) -> pytest.TestReport:
        """Build the report ourselves: no traceback formatting (it never reaches students)."""
        excinfo = call.excinfo
        outcome, lines, diagnosis, kind = self._outcome(
            excinfo.value if excinfo is not None else None
        )
        longrepr: Any = None
        if outcome == "skipped":
            longrepr = (str(item.path), 0, render_lines(lines))
        elif outcome == "failed":
            longrepr = render_lines(lines)
        report = pytest.TestReport(
            item.nodeid,
            item.location,
            {},
            outcome,
            longrepr,
            call.when,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
        )
        if call.when == "call" or (call.when == "setup" and outcome != "passed"):
            self._record(item, outcome, lines, diagnosis, kind)
        return report

    def _record(
        self, item: pytest.Item, outcome: str, lines: Lines, diagnosis: str, kind: str
    ) -> None:
        facts = self._facts(item)
        points, task, hidden = facts.points, facts.task, facts.hidden
        if outcome == "passed":
            score, status = points, "passed"
        else:
            printed = (self.ctx.current or self.ctx.submission).new_output()
            if printed.strip():
                lines = [
                    *lines,
                    ("  ", msg("plugin.printed", "your code printed:")),
                    *lines_of_text(printed.strip(), indent="    "),
                ]
            score, status = 0.0, "failed"
        lines = filtered_lines(lines)  # the worker's words, as the grader lets them through
        self.ctx.results.append(
            CheckResult(
                name=facts.name,
                title=facts.title,
                score=score,
                max_score=points,
                status=status,
                output=render_lines(lines),
                lines=lines,
                visibility=GRADESCOPE_VISIBILITY["hidden" if hidden else "public"],
                task=task,
                diagnosis=diagnosis,
                nodeid=facts.check_id,
                kind=kind if status == "failed" else "",
            )
        )
