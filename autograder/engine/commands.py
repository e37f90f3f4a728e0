"""Plain functions behind the CLI commands: keyword-only options, data back, no printing.

Each returns a value the CLI renders (`autograder.feedback`) and turns into an
exit status (`autograder.cli`), so the library and the CLI cannot drift and
each command can be tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder import paths
from autograder.config import load_course
from autograder.results import SubmissionResult

if TYPE_CHECKING:
    from autograder.engine.batch import BatchReport


# ---------------------------------------------------------------------------
# list
# ---------------------------------------------------------------------------
def collect_points(assignments: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{assignment: {"public": pts, "hidden": pts, "tasks": {task: pts}}} from the check markers."""
    from autograder.engine.catalog import collect

    summary: dict[str, dict[str, Any]] = {}
    for check in collect(assignments):
        entry = summary.setdefault(check.assignment, {"public": 0.0, "hidden": 0.0, "tasks": {}})
        entry["hidden" if check.hidden else "public"] += check.points
        entry["tasks"][check.task] = entry["tasks"].get(check.task, 0.0) + check.points
    return summary


@dataclass
class AssignmentRow:
    id: str
    title: str
    public: float | None  # None: the assignment has no checks here
    hidden: float
    deadline: datetime | None


@dataclass
class AssignmentListing:
    course: str
    rows: list[AssignmentRow]


def list_assignments(*, root: Path | None = None) -> AssignmentListing:
    """Every assignment of the course with its public and hidden points and deadline."""
    course = load_course(root)
    points = collect_points(course.assignments)
    rows = []
    for ident, assignment in course.assignments.items():
        entry = points.get(ident)
        rows.append(
            AssignmentRow(
                id=ident,
                title=assignment.title,
                public=entry["public"] if entry else None,
                hidden=entry["hidden"] if entry else 0.0,
                deadline=assignment.deadline,
            )
        )
    return AssignmentListing(course=course.name, rows=rows)


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------
@dataclass
class SelfCheck:
    result: SubmissionResult
    folder: Path
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Graded, with at least one check, and every check passed."""
        tests = self.result.tests
        return (
            self.result.status == "graded"
            and bool(tests)
            and all(t.status == "passed" for t in tests)
        )


def _default_path(assignment: str, root: Path) -> Path:
    folder = paths.assignments_dir(root) / assignment
    if folder.is_dir():
        return folder
    return Path.cwd()


def self_check(
    assignment: str,
    *,
    path: Path | None = None,
    root: Path | None = None,
    lang: str = "en",
    one_shot: bool = False,
) -> SelfCheck:
    """Run the public checks on `path` (default: assignments/ASSIGNMENT), in `lang` (en, ko).

    `one_shot`: this process checks one submission and ends (`dlcourse check`): its worker
    is started cold before the grader's own imports, so that both come up at once
    (`workers.start_worker_early`). Otherwise a worker forks from this process's zygote,
    which a long-lived process (a notebook kernel) starts once and reuses.
    """
    from autograder.engine.workers import start_worker_early
    from autograder.intake.staging import stage

    course = load_course(root)
    spec = course.assignment(assignment)
    folder = Path(path) if path else _default_path(assignment, course.root)
    staged = stage(folder.name, folder, spec)
    if one_shot:
        start_worker_early(course, spec, staged)  # it comes up during the imports below

    from autograder.engine.grading import grade_submission

    result = grade_submission(staged, assignment, include_hidden=False, course=course, lang=lang)
    return SelfCheck(result=result, folder=folder, problems=list(staged.problems))


# ---------------------------------------------------------------------------
# grade
# ---------------------------------------------------------------------------
def grade(
    assignment: str,
    submissions: list[Path],
    *,
    out: Path,
    jobs: int | None = None,
    seed: int | None = None,
    force: bool = False,
    dask_scheduler: str | None = None,
    database: str | None = None,
    root: Path | None = None,
    on_start: Callable[[int], None] | None = None,
    progress: Callable[[SubmissionResult], None] | None = None,
    lang: str = "en",
    submitted_at: Path | None = None,
) -> BatchReport:
    """Grade a batch (see `autograder.engine.batch.grade_batch`); the report says what happened.

    The results are in English (for the instructor) unless `lang` names another language.
    """
    from autograder.engine.batch import grade_batch, grade_task

    extra: dict[str, Any] = {}
    if lang != "en":
        extra["task"] = partial(grade_task, lang=lang)
    return grade_batch(
        assignment,
        submissions,
        out,
        jobs=jobs,
        seed=seed,
        force=force,
        dask_scheduler=dask_scheduler,
        database=database,
        root=root,
        on_start=on_start,
        progress=progress,
        submitted_at=submitted_at,
        **extra,
    )
