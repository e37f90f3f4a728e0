"""The course table: students by items, late penalties as applied, weighted totals.

Weights come from course/course.toml: `weight` under `[assignments.ID]`, and
under `[quizzes.ID]` for a quiz (its item is `quiz:ID`). An item without a
weight counts 1; a weight of 0 shows the item but leaves it out of the total.

The total is a percentage: the weighted mean of each counted item's
score / max_score, with the late penalty already in the score. A roster student
with no grade for an item someone was graded on is "missing" and counts 0,
unless the roster excuses them, in which case the item leaves their total (a
grade that does exist always counts). A grade recorded as an error (a
submission that could not be graded) counts its score, 0, and is listed in
`CourseTable.errors`. A graded student who is not on the roster is kept, and
flagged.

`[gradebook] missing_as_zero = true` in course.toml makes LMS exports write a
missing grade as 0 rather than as no grade (`load_settings`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from autograder.config import ConfigError
from autograder.gradebook.audit import QUIZ_PREFIX
from autograder.gradebook.roster import RosterEntry

MISSING, EXCUSED, ERROR = "missing", "excused", "error"


def load_weights(root: Path) -> dict[str, float]:
    """Weights by item from course.toml (assignments by id, quizzes as quiz:ID)."""
    path = Path(root) / "course" / "course.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    weights: dict[str, float] = {}
    for section, prefix in (("assignments", ""), ("quizzes", QUIZ_PREFIX)):
        for ident, body in (data.get(section) or {}).items():
            if isinstance(body, dict) and "weight" in body:
                value = body["weight"]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ConfigError(f"{section}.{ident}.weight must be a number >= 0")
                weights[f"{prefix}{ident}"] = float(value)
    return weights


@dataclass(frozen=True)
class GradebookSettings:
    """The `[gradebook]` table of course.toml."""

    missing_as_zero: bool = False  # LMS exports: a missing grade is 0, not "no grade"


def load_settings(root: Path) -> GradebookSettings:
    """The course's `[gradebook]` settings (defaults where course.toml has none)."""
    path = Path(root) / "course" / "course.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    table = data.get("gradebook") or {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [gradebook] must be a table")
    unknown = sorted(set(table) - {"missing_as_zero"})
    if unknown:
        raise ConfigError(f"{path}: unknown [gradebook] key(s): {', '.join(unknown)}")
    value = table.get("missing_as_zero", False)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: gradebook.missing_as_zero must be true or false")
    return GradebookSettings(missing_as_zero=value)


@dataclass
class Cell:
    """One student's grade on one item, as the table shows and the total counts it."""

    score: float
    max_score: float
    status: str  # graded | error | missing | excused
    late_days: int = 0
    penalty: float = 0.0
    raw_score: float = 0.0
    graded_at: str = ""

    @property
    def counts(self) -> bool:
        return self.status != EXCUSED and self.max_score > 0


@dataclass
class StudentLine:
    student: str
    entry: RosterEntry
    on_roster: bool
    cells: dict[str, Cell] = field(default_factory=dict)
    total: float | None = None  # percent; None when nothing counts


@dataclass
class CourseTable:
    items: list[str]
    weights: dict[str, float]  # every item's weight in use (1 where course.toml names none)
    max_points: dict[str, float]
    students: list[StudentLine]
    has_roster: bool

    @property
    def not_on_roster(self) -> list[str]:
        return [s.student for s in self.students if not s.on_roster] if self.has_roster else []

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(student, item) of every grade recorded as an error (a submission that could not
        be graded, such as a rejected answer file): it counts 0 and needs a look."""
        return [
            (line.student, item)
            for line in self.students
            for item in self.items
            if line.cells[item].status == ERROR
        ]


def _item_order(item: str) -> tuple[int, str]:
    return (1 if item.startswith(QUIZ_PREFIX) else 0, item)


def weighted_total(cells: dict[str, Cell], weights: dict[str, float]) -> float | None:
    """The weighted mean percentage of the cells that count; None if none does."""
    counted = [(weights.get(item, 1.0), cell) for item, cell in cells.items() if cell.counts]
    weight_sum = sum(w for w, _ in counted)
    if weight_sum <= 0:
        return None
    return 100.0 * sum(w * c.score / c.max_score for w, c in counted) / weight_sum


def course_table(
    rows: Iterable[dict[str, Any]],
    *,
    roster: dict[str, RosterEntry] | None = None,
    weights: dict[str, float] | None = None,
    course_order: list[str] | None = None,
) -> CourseTable:
    """Students (roster order, then the rest by id) by items (course order, then quizzes)."""
    rows = list(rows)
    weights = dict(weights or {})
    known = {r["assignment"] for r in rows}
    order = [i for i in (course_order or []) if i in known]
    items = order + sorted(known - set(order), key=_item_order)
    max_points: dict[str, float] = {}
    for r in rows:
        max_points[r["assignment"]] = max(max_points.get(r["assignment"], 0.0), r["max_score"])
    graded: dict[str, dict[str, Cell]] = {}
    for r in rows:
        graded.setdefault(r["student"], {})[r["assignment"]] = Cell(
            score=float(r["score"]),
            max_score=float(r["max_score"]) or max_points[r["assignment"]],
            status=str(r["status"]),
            late_days=int(r["late_days"] or 0),
            penalty=float(r.get("penalty") or 0.0),
            raw_score=float(r["raw_score"]),
            graded_at=str(r["graded_at"]),
        )
    roster = roster if roster is not None else {}
    students = list(roster) + sorted(s for s in graded if s not in roster)
    lines = []
    for student in students:
        entry = roster.get(student) or RosterEntry(student=student)
        cells = dict(graded.get(student, {}))
        for item in items:
            if item not in cells:  # a grade that exists counts, excused or not
                status = EXCUSED if item in entry.excused else MISSING
                cells[item] = Cell(0.0, max_points[item], status)
        line = StudentLine(student, entry, student in roster, cells)
        line.total = weighted_total(cells, weights)
        lines.append(line)
    return CourseTable(
        items=items,
        weights={item: weights.get(item, 1.0) for item in items},
        max_points=max_points,
        students=lines,
        has_roster=bool(roster),
    )
