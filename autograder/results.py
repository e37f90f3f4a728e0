"""Grading results in Gradescope's results.json schema, and grades.csv.

A `SubmissionResult` serialises to exactly the keys Gradescope reads (score,
max_score, execution_time, output, visibility, stdout_visibility, tests,
extra_data); everything of ours that Gradescope does not know (assignment,
student, seed, isolation, submission hash) lives in `extra_data`, so the file
can be uploaded as it is.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
# Our visibility words -> Gradescope's.
GRADESCOPE_VISIBILITY = {"public": "visible", "hidden": "after_published"}

# What kind of failure a failed check was, as data: set where the failure is
# known (the worker, the sandbox, a comparison) and carried to the grade table.
# Most telling first; each kind's short label is what the summary table shows.
FAILURE_KINDS: dict[str, str] = {
    "import": "does not import",
    "missing_files": "missing files",
    "timeout": "time-out",
    "crash": "crashed",
    "exit": "exited",
    "memory": "memory",
    "process_limit": "process limit",
    "output_flood": "output flood",
    "forbidden": "forbidden import",
    "nan": "NaN",
    "inf": "inf",
    "shape": "wrong shape",
    "missing_function": "missing function",
    "type": "wrong type",
    "exception": "exception",
    "wrong": "wrong values",
    "protocol": "invalid reply",
    "skipped": "skipped",
    "grader_error": "grader error",
}


@dataclass
class CheckResult:
    """One check (one pytest test): Gradescope's `tests[]` entry."""

    name: str
    score: float
    max_score: float
    status: str  # "passed" | "failed"
    output: str = ""
    visibility: str = "visible"
    task: str = ""
    diagnosis: str = ""
    nodeid: str = ""
    kind: str = ""  # a key of FAILURE_KINDS for a failed check, "" for a passed one

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "score": round(self.score, 6),
            "max_score": round(self.max_score, 6),
            "status": self.status,
            "output": self.output,
            "visibility": self.visibility,
            "tags": [self.task] if self.task else [],
        }
        if self.task:
            data["number"] = self.task
        data["extra_data"] = {
            "task": self.task,
            "diagnosis": self.diagnosis,
            "nodeid": self.nodeid,
            "kind": self.kind,
        }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        extra = data.get("extra_data") or {}
        return cls(
            name=str(data["name"]),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            status=str(data.get("status", "failed")),
            output=str(data.get("output", "")),
            visibility=str(data.get("visibility", "visible")),
            task=str(extra.get("task", "")),
            diagnosis=str(extra.get("diagnosis", "")),
            nodeid=str(extra.get("nodeid", "")),
            kind=str(extra.get("kind", "")),
        )


@dataclass
class SubmissionResult:
    """The whole grade of one submission: Gradescope's results.json."""

    assignment: str
    student: str
    tests: list[CheckResult] = field(default_factory=list)
    execution_time: float = 0.0
    output: str = ""
    seed: int = 0
    isolation: str = ""
    submission_sha256: str = ""
    status: str = "graded"  # graded | error
    late_days: int = 0
    penalty: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def raw_score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def score(self) -> float:
        return max(0.0, self.raw_score * (1.0 - self.penalty))

    def to_json(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 6),
            "max_score": round(self.max_score, 6),
            "execution_time": round(self.execution_time, 3),
            "output": self.output,
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [t.to_json() for t in self.tests],
            "extra_data": {
                "schema": SCHEMA_VERSION,
                "assignment": self.assignment,
                "student": self.student,
                "seed": self.seed,
                "isolation": self.isolation,
                "submission_sha256": self.submission_sha256,
                "status": self.status,
                "raw_score": round(self.raw_score, 6),
                "late_days": self.late_days,
                "penalty": self.penalty,
                **self.extra,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        extra = dict(data.get("extra_data") or {})
        known = {
            "schema",
            "assignment",
            "student",
            "seed",
            "isolation",
            "submission_sha256",
            "status",
            "raw_score",
            "late_days",
            "penalty",
        }
        return cls(
            assignment=str(extra.get("assignment", "")),
            student=str(extra.get("student", "")),
            tests=[CheckResult.from_json(t) for t in data.get("tests", [])],
            execution_time=float(data.get("execution_time", 0.0)),
            output=str(data.get("output", "")),
            seed=int(extra.get("seed", 0)),
            isolation=str(extra.get("isolation", "")),
            submission_sha256=str(extra.get("submission_sha256", "")),
            status=str(extra.get("status", "graded")),
            late_days=int(extra.get("late_days", 0)),
            penalty=float(extra.get("penalty", 0.0)),
            extra={k: v for k, v in extra.items() if k not in known},
        )

    def task_scores(self) -> dict[str, tuple[float, float]]:
        """Points per task: {task: (score, max_score)} in order of first appearance."""
        totals: dict[str, tuple[float, float]] = {}
        for test in self.tests:
            key = test.task or test.name
            got, most = totals.get(key, (0.0, 0.0))
            totals[key] = (got + test.score, most + test.max_score)
        return totals


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a crash never leaves half of it behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_results(out_dir: Path, result: SubmissionResult) -> Path:
    """Write `out_dir/<student>/results.json`; return its path."""
    path = Path(out_dir) / result.student / "results.json"
    atomic_write_text(path, json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n")
    return path


def read_results(path: Path) -> SubmissionResult:
    return SubmissionResult.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


CSV_FIELDS = [
    "student",
    "assignment",
    "score",
    "max_score",
    "percent",
    "raw_score",
    "late_days",
    "penalty",
    "status",
    "seed",
    "isolation",
    "submission_sha256",
]


def write_grades_csv(path: Path, results: Iterable[SubmissionResult]) -> Path:
    """One row per submission, sorted by student, plus one column per task."""
    rows = sorted(results, key=lambda r: (r.assignment, r.student))
    tasks: list[str] = []
    for result in rows:
        for task in result.task_scores():
            if task not in tasks:
                tasks.append(task)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS + [f"task:{t}" for t in tasks])
    for r in rows:
        percent = 100.0 * r.score / r.max_score if r.max_score else 0.0
        scores = r.task_scores()
        writer.writerow(
            [
                r.student,
                r.assignment,
                f"{r.score:g}",
                f"{r.max_score:g}",
                f"{percent:.1f}",
                f"{r.raw_score:g}",
                r.late_days,
                f"{r.penalty:g}",
                r.status,
                r.seed,
                r.isolation,
                r.submission_sha256,
            ]
            + [f"{scores[t][0]:g}" if t in scores else "" for t in tasks]
        )
    path = Path(path)
    atomic_write_text(path, buffer.getvalue())
    return path
