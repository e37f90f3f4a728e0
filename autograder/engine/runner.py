"""Running an assignment's checks (pytest) against one folder of module files.

The checks run in this process, in-process pytest with the grader's plugin;
the student's code runs only in the sandboxed worker behind `Submission`.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder import paths
from autograder.checkkit import LiveOracle, Oracle, ReplayOracle
from autograder.config import Assignment, Course
from autograder.engine import pytest_api
from autograder.engine.catalog import check_files
from autograder.engine.pytest_api import pytest_args, quiet_pytest_env
from autograder.engine.workers import worker_settings
from autograder.intake.staging import SubmissionError
from autograder.messages import Message, render
from autograder.results import CheckResult
from autograder.sandbox.errors import ImportFailed
from autograder.sandbox.submission import Submission, SubmissionSpec

if TYPE_CHECKING:
    from autograder.engine.plugin import GradingContext

ORACLE_FILE = "public_oracle.bin"


def make_oracle(
    course: Course, assignment: Assignment, public_only: bool, *, in_process: bool = False
) -> Oracle:
    """The live reference where the solutions are here; else the bundle's recorded answers.

    `in_process`: the student's code runs in this process (a notebook kernel),
    so the reference never runs beside it (see LiveOracle's `overlap`).
    """
    if paths.has_solutions(assignment.id, course.root):
        return LiveOracle(assignment.id, module=assignment.module_stems[0], overlap=not in_process)
    if not public_only:
        raise SubmissionError(
            f"hidden checks of {assignment.id} need the reference solution (solutions/{assignment.id})"
        )
    return ReplayOracle(
        assignment.id,
        paths.checks_dir(assignment.id) / ORACLE_FILE,
        module=assignment.module_stems[0],
    )


# pytest's own plugins the checks never use: not imported, not configured. A check
# gets only the grader plugin's fixtures (sub, oracle, rng, seed, grading), pytest's
# marks (skipping stays) and its parametrize; its failures are CheckFailures or
# the worker's errors, never a bare assert (so its modules are not rewritten:
# tests/test_check_startup.py holds every check module to that).


class CheckSession:
    """pytest configured and an assignment's checks collected once, then run per submission.

    A `pytest.main` per submission spends most of its time on configuration,
    collection and plugin set-up that are the same for every submission of a
    batch. This keeps one configured session and its collected items and runs
    them again for each submission, as pytest's own run loop does: every item
    in order, each told the next one, the last told there is none, so every
    fixture (of any scope) is torn down before the next submission starts.
    Only the plugin's `GradingContext` changes: the submission, its oracle and
    its seed, so results and seeds are those of a fresh `pytest.main`.
    """

    def __init__(self, files: list[Path], ctx: GradingContext) -> None:
        from autograder.engine.plugin import GraderPlugin

        self.plugin = GraderPlugin(ctx)
        with quiet_pytest_env():
            self.config = pytest_api.prepare_config(pytest_args(files), [self.plugin])
        self.session: Any = None
        try:
            pytest_api.configure(self.config)
            self.session = pytest_api.new_session(self.config)
            self.config.hook.pytest_sessionstart(session=self.session)
            self.config.hook.pytest_collection(session=self.session)
        except BaseException:
            self.close()
            raise
        self.items = list(self.session.items)
        # collection errors: leave it to a plain pytest.main, which reports them
        self.usable = not self.session.testsfailed and bool(self.items)
        # Checks made only of the plugin's fixtures and parametrize values (all
        # of the course's) run without pytest's per-item protocol: same calls,
        # same results, a fraction of the time per check.
        self.direct = all(self.plugin.runs_directly(item) for item in self.items)

    def run(self, ctx: GradingContext) -> int:
        """Run every collected check against `ctx`'s submission; returns pytest's exit code."""
        self.plugin.ctx = ctx
        if self.direct:
            failed = [self.plugin.run_directly(item) for item in self.items]
            return 1 if any(failed) else 0
        failed = self.session.testsfailed
        for index, item in enumerate(self.items):
            nextitem = self.items[index + 1] if index + 1 < len(self.items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        return 1 if self.session.testsfailed > failed else 0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.session is not None:
                self.config.hook.pytest_sessionfinish(session=self.session, exitstatus=0)
        with contextlib.suppress(Exception):
            pytest_api.unconfigure(self.config)


# One session per (check files, public or hidden) in this process: a batch's
# grading processes each keep theirs for every submission they grade.
_SESSIONS: dict[tuple[Any, ...], CheckSession] = {}


def _session_key(files: list[Path], include_hidden: bool) -> tuple[Any, ...]:
    stamps = []
    for path in files:
        stat = path.stat()
        stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return (tuple(stamps), str(paths.CHECKS_DIR), include_hidden)


def _run_in_session(files: list[Path], ctx: GradingContext, log: io.StringIO) -> int | None:
    """Run in this process's session for these checks; None where one cannot be had."""
    key = _session_key(files, ctx.include_hidden)
    session = _SESSIONS.get(key)
    if session is None:
        try:
            session = CheckSession(files, ctx)
        except Exception:  # noqa: BLE001 - pytest.main will report what is wrong
            return None
        if not session.usable:
            session.close()
            return None
        _SESSIONS[key] = session
    try:
        return session.run(ctx)
    except Exception:
        # an error of the grader's own (pytest.main would say INTERNAL_ERROR):
        # this session's state is unknown now, so the next submission gets a new one
        log.write(traceback.format_exc())
        _drop(key)
        return 3
    except BaseException:
        _drop(key)
        raise


def _drop(key: tuple[Any, ...]) -> None:
    session = _SESSIONS.pop(key, None)
    if session is not None:
        session.close()


def close_sessions() -> None:
    """End every cached check session of this process (at exit, and when checks change)."""
    while _SESSIONS:
        _SESSIONS.popitem()[1].close()


atexit.register(close_sessions)  # pytest's sessionfinish and unconfigure run, in order


def run_checks(
    course: Course,
    assignment: Assignment,
    folder: Path,
    *,
    seed: int,
    include_hidden: bool,
    import_problem: Message | None = None,
    oracle: Oracle | None = None,
) -> tuple[list[CheckResult], int, str]:
    """Run the checks on the module files in `folder`; returns (results, pytest exit code, log)."""
    import pytest

    from autograder.engine.plugin import GraderPlugin, GradingContext

    spec = SubmissionSpec(folder=folder, **worker_settings(course, assignment))
    # Public and hidden checks each talk to a worker of their own, public first
    # (see GradingContext): no hidden input reaches what public feedback quotes.
    workers = [Submission(spec) for _ in range(2 if include_hidden else 1)]
    if import_problem is not None:
        for submission in workers:
            submission.import_error = ImportFailed(
                import_problem.text,
                kind="missing_files",
                message_id=import_problem.id,
                values={
                    key: render(value) if isinstance(value, Message) else value
                    for key, value in import_problem.values.items()
                },
            )
    ctx = GradingContext(
        assignment=assignment.id,
        submission=workers[0],
        oracle=oracle or make_oracle(course, assignment, not include_hidden),
        seed=seed,
        include_hidden=include_hidden,
        timeout_s=assignment.timeout_s,
        hidden_submission=workers[1] if include_hidden else None,
    )
    files = check_files(assignment.id, include_hidden)
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = _run_in_session(files, ctx, log)
            if code is None:
                with quiet_pytest_env():
                    code = int(pytest.main(pytest_args(files), plugins=[GraderPlugin(ctx)]))
    finally:
        for submission in workers:
            submission.close()
    return ctx.results, code, log.getvalue()
