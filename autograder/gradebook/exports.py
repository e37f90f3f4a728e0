"""The course table as files for a registrar or an LMS: plain CSV, Canvas, nbgrader.

- `csv`: one row per student (id, name, email, section, roster flag), one
  column per item (points after the late penalty; a missing grade 0, an
  excused one empty), and the weighted total in percent.
- `canvas`: the layout Canvas's gradebook import reads: Student, ID, SIS User
  ID, SIS Login ID, Section, then one column per item, and a "Points
  Possible" row under the header; a missing grade is empty (Canvas's "no
  grade"), or 0 where the course says `[gradebook] missing_as_zero = true`;
  an excused one is EX (Canvas's word for excused). ID is Canvas's own user
  id, from the roster's `canvas_id` column where it has one; Canvas also
  matches students by SIS User ID (our student id) or SIS Login ID (the
  roster's email).
- `nbgrader`: the columns of `nbgrader export`'s grades.csv, one row per
  (item, student): assignment, duedate, timestamp, student_id, last_name,
  first_name, email, raw_score, late_submission_penalty, score, max_score.

Every cell goes through `safe_cell`: text that a spreadsheet would read as a
formula is neutralised as OWASP's CSV-injection advice says.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from autograder.gradebook.totals import EXCUSED, MISSING, Cell, CourseTable
from autograder.results import atomic_write_text, csv_safe

FORMATS = ("csv", "canvas", "nbgrader")


def safe_cell(value: object) -> str:
    """The value as CSV text no spreadsheet evaluates (`results.csv_safe`, OWASP)."""
    return str(csv_safe("" if value is None else str(value)))


def _points(value: float) -> str:
    return f"{round(value, 4):g}"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([[safe_cell(c) for c in row] for row in rows])
    path = Path(path)
    atomic_write_text(path, buffer.getvalue())
    return path


def _cell_points(cell: Cell, excused: str, missing: str = "0") -> str:
    """Points after the late penalty; a missing grade is `missing`, an excused one `excused`."""
    if cell.status == EXCUSED:
        return excused
    return missing if cell.status == MISSING else _points(cell.score)


def export_csv(table: CourseTable, out: Path) -> Path:
    header = ["student", "name", "email", "section", "on_roster"]
    header += [f"{item} ({_points(table.max_points[item])})" for item in table.items]
    header += ["total_percent"]
    rows: list[list[object]] = []
    for line in table.students:
        row: list[object] = [
            line.student,
            line.entry.name,
            line.entry.email,
            line.entry.section,
            "yes" if line.on_roster or not table.has_roster else "no",
        ]
        row += [_cell_points(line.cells[item], "") for item in table.items]
        row.append("" if line.total is None else f"{line.total:.2f}")
        rows.append(row)
    return _write(out, header, rows)


def export_canvas(table: CourseTable, out: Path, *, missing_as_zero: bool = False) -> Path:
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + list(table.items)
    possible: list[object] = ["Points Possible", "", "", "", ""]
    possible += [_points(table.max_points[item]) for item in table.items]
    rows: list[list[object]] = [possible]
    for line in table.students:
        first, last = line.entry.first_last
        student = f"{last}, {first}" if first else (last or line.student)
        row: list[object] = [
            student,
            line.entry.canvas_id,
            line.student,
            line.entry.email,
            line.entry.section,
        ]
        missing = "0" if missing_as_zero else ""  # empty: Canvas's "no grade"
        row += [_cell_points(line.cells[item], "EX", missing) for item in table.items]
        rows.append(row)
    return _write(out, header, rows)


NBGRADER_COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]


def export_nbgrader(
    table: CourseTable, out: Path, deadlines: dict[str, datetime | None] | None = None
) -> Path:
    deadlines = deadlines or {}
    rows: list[list[object]] = []
    for item in table.items:
        due = deadlines.get(item)
        for line in table.students:
            cell = line.cells[item]
            if cell.status == EXCUSED:
                continue
            first, last = line.entry.first_last
            submitted = cell.status != MISSING
            rows.append(
                [
                    item,
                    due.isoformat() if due else "",
                    cell.graded_at if submitted else "",
                    line.student,
                    last,
                    first,
                    line.entry.email,
                    _points(cell.raw_score if submitted else 0.0),
                    _points(max(0.0, cell.raw_score - cell.score) if submitted else 0.0),
                    _points(cell.score),
                    _points(cell.max_score),
                ]
            )
    return _write(out, NBGRADER_COLUMNS, rows)


EXPORTERS: dict[str, Callable[..., Path]] = {
    "csv": export_csv,
    "canvas": export_canvas,
    "nbgrader": export_nbgrader,
}
