"""What a grade report shows, computed from the results.json files of a batch.

`load_batch` reads GRADES_DIR/<student>/results.json (what `dlcourse grade` and
`dlcourse quiz grade` write); `summarise` turns them into plain numbers: the
score distribution, pass rates per task and per check, the named mistakes and
how many students made each, late and error counts, one row per student.
Nothing here knows about HTML.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import CourseError
from autograder.results import CheckResult, SubmissionResult

# Gradescope's visibilities in the order they open up to students.
VISIBLE_NOW = {"visible"}
VISIBLE_WHEN_PUBLISHED = {"visible", "after_due_date", "after_published"}


class ReportError(CourseError, ValueError):
    """GRADES_DIR holds no results to report on."""


@dataclass
class Rate:
    """How many of `total` students passed something."""

    name: str
    passed: int
    total: int
    task: str = ""
    hidden: bool = False

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass
class MistakeCount:
    name: str
    task: str
    students: int


@dataclass
class StudentRow:
    student: str
    score: float
    max_score: float
    checks_failed: int
    checks: int
    late_days: int
    status: str
    mistakes: list[str] = field(default_factory=list)
    integrity_notes: int = 0
    failures: list[str] = field(default_factory=list)  # kinds of its failed checks
    error: str = ""  # why it could not be graded (status error): the result's first line

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


@dataclass
class BatchSummary:
    assignments: list[str]
    rows: list[StudentRow]
    percents: list[float]
    tasks: list[Rate]
    checks: list[Rate]
    mistakes: list[MistakeCount]
    late: int
    errors: int
    integrity: int

    @property
    def students(self) -> int:
        return len(self.rows)

    @property
    def mean_percent(self) -> float:
        return sum(self.percents) / len(self.percents) if self.percents else 0.0

    @property
    def median_percent(self) -> float:
        ordered = sorted(self.percents)
        if not ordered:
            return 0.0
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def load_batch(grades_dir: Path) -> list[SubmissionResult]:
    """Every GRADES_DIR/<student>/results.json, sorted by student."""
    return [result for _, result in load_batch_folders(grades_dir)]


def load_batch_folders(grades_dir: Path) -> list[tuple[str, SubmissionResult]]:
    """(results folder, result) for every GRADES_DIR/<folder>/results.json, sorted by student.

    The folder is the student's escaped, collision-free name as the batch wrote it.
    """
    grades_dir = Path(grades_dir)
    if not grades_dir.is_dir():
        raise ReportError(f"{grades_dir} is not a folder of grades")
    results: list[tuple[str, SubmissionResult]] = []
    for path in sorted(grades_dir.glob("*/results.json")):
        try:
            result = SubmissionResult.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReportError(f"{path}: not a results.json ({exc})") from None
        result.student = result.student or path.parent.name
        results.append((path.parent.name, result))
    if not results:
        raise ReportError(
            f"{grades_dir} holds no <student>/results.json: run `dlcourse grade` "
            "or `dlcourse quiz grade` with --out there first"
        )
    return sorted(results, key=lambda pair: (pair[1].student, pair[0]))


def _check_key(test: CheckResult) -> str:
    return test.nodeid or test.name


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def summarise(results: list[SubmissionResult]) -> BatchSummary:
    """The numbers of the report (pass rates count every student, errors included)."""
    total = len(results)
    task_pass: dict[str, int] = {}
    check_pass: dict[str, Rate] = {}
    mistakes: Counter[tuple[str, str]] = Counter()
    rows = []
    for result in results:
        task_ok: dict[str, bool] = {}
        named: set[tuple[str, str]] = set()
        for test in result.tests:
            rate = check_pass.setdefault(
                _check_key(test),
                Rate(test.name, 0, total, task=test.task, hidden=test.visibility != "visible"),
            )
            passed = test.status == "passed"
            rate.passed += passed
            task = test.task or test.name
            task_ok[task] = task_ok.get(task, True) and passed
            if test.diagnosis:
                named.add((test.diagnosis, test.task))
        for task, ok in task_ok.items():
            task_pass[task] = task_pass.get(task, 0) + ok
        mistakes.update(named)
        rows.append(
            StudentRow(
                student=result.student,
                score=result.score,
                max_score=result.max_score,
                checks_failed=sum(1 for t in result.tests if t.status != "passed"),
                checks=len(result.tests),
                late_days=result.late_days,
                status=result.status,
                mistakes=sorted(name for name, _ in named),
                integrity_notes=len(result.extra.get("integrity_notes") or []),
                failures=sorted({t.kind for t in result.tests if t.status != "passed" and t.kind}),
                error=_first_line(result.output) if result.status != "graded" else "",
            )
        )
    return BatchSummary(
        assignments=sorted({r.assignment for r in results}),
        rows=rows,
        percents=[row.percent for row in rows],
        tasks=[Rate(task, passed, total) for task, passed in task_pass.items()],
        checks=list(check_pass.values()),
        mistakes=[
            MistakeCount(name, task, count)
            for (name, task), count in sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        late=sum(1 for row in rows if row.late_days > 0),
        errors=sum(1 for row in rows if row.status != "graded"),
        integrity=sum(1 for row in rows if row.integrity_notes),
    )


def student_view(result: SubmissionResult, *, published: bool = False) -> list[CheckResult]:
    """The checks a student may see now: visible ones, and hidden ones once published."""
    allowed = VISIBLE_WHEN_PUBLISHED if published else VISIBLE_NOW
    return [t for t in result.tests if t.visibility in allowed]
