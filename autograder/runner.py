"""Running an assignment's checks (pytest) against one folder of module files.

The checks run in this process, in-process pytest with the grader's plugin;
the student's code runs only in the sandboxed worker behind `Submission`.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

from autograder import paths
from autograder.checkkit import LiveOracle, Oracle, ReplayOracle
from autograder.config import Assignment, Course
from autograder.results import CheckResult
from autograder.sandbox.errors import ImportFailed
from autograder.sandbox.host import Limits
from autograder.sandbox.submission import Submission, SubmissionSpec
from autograder.staging import SubmissionError

ORACLE_FILE = "public_oracle.bin"


def make_oracle(course: Course, assignment: Assignment, public_only: bool) -> Oracle:
    """The live reference where the solutions are here; else the bundle's recorded answers."""
    if paths.has_solutions(assignment.id, course.root):
        return LiveOracle(assignment.id, module=assignment.module_stems[0])
    if not public_only:
        raise SubmissionError(
            f"hidden checks of {assignment.id} need the reference solution (solutions/{assignment.id})"
        )
    return ReplayOracle(
        assignment.id,
        paths.checks_dir(assignment.id) / ORACLE_FILE,
        module=assignment.module_stems[0],
    )


def check_files(assignment: str, include_hidden: bool) -> list[Path]:
    folder = paths.checks_dir(assignment)
    if not folder.is_dir():
        raise SubmissionError(
            f"assignment {assignment} has no checks (autograder/checks/{assignment})"
        )
    found = sorted(folder.glob("test_*.py"))
    if not include_hidden:
        found = [p for p in found if not p.name.startswith("test_hidden")]
    return found


@contextlib.contextmanager
def quiet_pytest_env() -> Iterator[None]:
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def run_checks(
    course: Course,
    assignment: Assignment,
    folder: Path,
    *,
    seed: int,
    include_hidden: bool,
    import_problem: str = "",
    oracle: Oracle | None = None,
) -> tuple[list[CheckResult], int, str]:
    """Run the checks on the module files in `folder`; returns (results, pytest exit code, log)."""
    import pytest

    from autograder.plugin import GraderPlugin, GradingContext

    spec = SubmissionSpec(
        folder=folder,
        modules=assignment.module_stems,
        forbidden=assignment.forbidden,
        timeout_s=assignment.timeout_s,
        import_timeout_s=assignment.import_timeout_s,
        limits=Limits(memory_mb=assignment.memory_mb),
        secrets=(course.root,),
    )
    submission = Submission(spec)
    if import_problem:
        submission.import_error = ImportFailed(import_problem, kind="missing_files")
    ctx = GradingContext(
        assignment=assignment.id,
        submission=submission,
        oracle=oracle or make_oracle(course, assignment, not include_hidden),
        seed=seed,
        include_hidden=include_hidden,
        timeout_s=assignment.timeout_s,
    )
    args = [
        *map(str, check_files(assignment.id, include_hidden)),
        "-c", str(paths.CHECKS_DIR / "pytest.ini"),
        "--rootdir", str(paths.CHECKS_DIR),
        "--import-mode=importlib",
        "-p", "no:cacheprovider",
        "-p", "no:terminal",
        "-p", "no:faulthandler",
        "-p", "no:logging",
        "-p", "no:stepwise",
        "-p", "no:unraisableexception",
        "-p", "no:threadexception",
        "-s",
        "-W", "ignore",
    ]  # fmt: skip
    log = io.StringIO()
    try:
        with quiet_pytest_env(), contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = int(pytest.main(args, plugins=[GraderPlugin(ctx)]))
    finally:
        submission.close()
    return ctx.results, code, log.getvalue()
