"""Grading results in Gradescope's results.json schema, and grades.csv.

A `SubmissionResult` serialises to keys of Gradescope's schema only (score,
execution_time, output, visibility, stdout_visibility, tests, extra_data);
everything of ours that Gradescope does not know (assignment, student, seed,
isolation, submission hash, and the total `max_score`: Gradescope sums the
tests' own) lives in `extra_data`, so the file can be uploaded as it is. One
schema, written alike by `dlcourse grade`, `check --json`, `quiz grade` and
Gradescope's run_autograder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.messages import Lines, Message, lines_from_json, lines_to_json

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
    instructor_output: str = ""  # what only the instructor sees (a hidden check's prints)
    # The same feedback as data, to render in any language: `output` is `lines`
    # rendered and `name` is `title` rendered, in the result's language.
    lines: Lines = field(default_factory=list)
    title: Message | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "score": round(self.score, 6),
            "max_score": round(self.max_score, 6),
            "status": self.status,
            "output": clip_text(self.output, MAX_CHECK_OUTPUT),
            "visibility": self.visibility,
            "tags": [self.task] if self.task else [],
        }
        if self.task:
            data["number"] = self.task
        data["extra_data"] = {
            "task": self.task,
            "diagnosis": clip_text(self.diagnosis, MAX_DIAGNOSIS),
            "nodeid": self.nodeid,
            "kind": self.kind,
        }
        if self.instructor_output:
            data["extra_data"]["instructor_output"] = clip_text(
                self.instructor_output, MAX_CHECK_OUTPUT
            )
        if self.title is not None:
            data["extra_data"]["title"] = self.title.to_json()
        if self.lines:
            message = lines_to_json(self.lines)
            if len(json.dumps(message, ensure_ascii=False)) <= 2 * MAX_CHECK_OUTPUT:
                data["extra_data"]["message"] = message  # else the text alone is kept
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
            instructor_output=str(extra.get("instructor_output", "")),
            lines=lines_from_json(extra.get("message")),
            title=Message.from_json(extra["title"]) if "title" in extra else None,
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
            "execution_time": round(self.execution_time, 3),
            "output": clip_text(self.output, MAX_SUMMARY_OUTPUT),
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
                "max_score": round(self.max_score, 6),  # the tests' sum (not Gradescope's key)
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
            "max_score",
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


# Caps on what one results.json may hold, whatever a submission prints or raises.
MAX_CHECK_OUTPUT = 8000
MAX_DIAGNOSIS = 2000
MAX_SUMMARY_OUTPUT = 32000
MAX_RESULTS_BYTES = 1 << 20


def clip_text(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, saying how much was cut."""
    text = str(text)
    if len(text) <= limit:
        return text
    note = f"\n... [{len(text) - limit} more characters cut by the grader]"
    return text[: max(0, limit - len(note))] + note


def safe_student_name(name: str) -> str:
    """`name` with every character unfit for a folder, a terminal or a log as %XX (injective).

    Control and format characters (escape sequences, bidi overrides), path
    separators, '%' itself, a leading '.' and spaces at either end (`bob ` is
    not `bob`, and no file system or terminal shows the difference) are
    escaped; everything else of any language stays as it is.
    """
    out = []
    last = len(name) - 1
    for index, char in enumerate(name):
        category = unicodedata.category(char)
        unsafe = (
            category.startswith("C")
            or category in {"Zl", "Zp"}
            or char in "/\\%"
            or (index == 0 and char == ".")
            or (category == "Zs" and index in (0, last))
        )
        if unsafe:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
        else:
            out.append(char)
    return "".join(out) or "%00"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet reads as a formula (OWASP: prefix a quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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


def results_folder(student: str) -> str:
    """The folder (and report page) name of `student`'s results under a batch's output.

    A batch's names are escaped already (a '%' of theirs stays); others are escaped here.
    """
    plain = student.replace("%", "")
    folder = student if safe_student_name(plain) == plain else safe_student_name(student)
    if folder in {".", ".."}:
        raise ValueError(f"{student!r} cannot name a results folder")
    return folder


def write_results(out_dir: Path, result: SubmissionResult) -> Path:
    """Write `out_dir/<student>/results.json`; return its path."""
    path = Path(out_dir) / results_folder(result.student) / "results.json"
    atomic_write_text(path, results_text(result))
    return path


def results_text(result: SubmissionResult) -> str:
    """results.json's text, under MAX_RESULTS_BYTES however many checks printed how much."""
    data = result.to_json()
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    limit = 2000
    while len(text.encode("utf-8")) > MAX_RESULTS_BYTES and limit >= 50:
        data["output"] = clip_text(data["output"], limit * 4)
        for test in data["tests"]:
            test["output"] = clip_text(test["output"], limit)
            test["extra_data"].pop("message", None)  # the text alone is kept
            test["extra_data"]["diagnosis"] = clip_text(test["extra_data"]["diagnosis"], limit)
        extra = data["extra_data"]
        for key, value in list(extra.items()):
            if isinstance(value, str):
                extra[key] = clip_text(value, limit)
            elif isinstance(value, list) and len(json.dumps(value)) > limit * 4:
                extra[key] = [clip_text(str(v), 200) for v in value[:20]]
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        limit //= 4
    return text


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
    writer.writerow([csv_safe(cell) for cell in CSV_FIELDS + [f"task:{t}" for t in tasks]])
    for r in rows:
        percent = 100.0 * r.score / r.max_score if r.max_score else 0.0
        scores = r.task_scores()
        row = [
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
        ] + [f"{scores[t][0]:g}" if t in scores else "" for t in tasks]
        writer.writerow([csv_safe(cell) for cell in row])
    path = Path(path)
    atomic_write_text(path, buffer.getvalue())
    return path
