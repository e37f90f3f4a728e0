"""The class roster (course/roster.csv): who should have submitted.

A CSV with a header row. Columns, by name (any order; only the id is required):
`student` (or `id`, `student_id`), `name`, `email`, `section`, `excused`:
items the student is excused from, separated by spaces or semicolons
(`conv quiz:optimizers`), and `canvas_id`: the student's Canvas user id (the
ID column of Canvas's own gradebook export), which the Canvas export fills
in. An excused item counts neither for nor against the student's total.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.config import ConfigError

ID_COLUMNS = ("student", "id", "student_id")
CANVAS_ID_COLUMNS = ("canvas_id", "canvas user id", "canvas_user_id")


@dataclass(frozen=True)
class RosterEntry:
    student: str
    name: str = ""
    email: str = ""
    section: str = ""
    excused: frozenset[str] = frozenset()
    canvas_id: str = ""

    @property
    def first_last(self) -> tuple[str, str]:
        """(first name, last name): the last word of the name is the last name."""
        first, _, last = self.name.strip().rpartition(" ")
        return first.strip(), last


def default_roster_path(root: Path) -> Path | None:
    path = Path(root) / "course" / "roster.csv"
    return path if path.is_file() else None


def parse_roster(text: str, where: str = "roster") -> dict[str, RosterEntry]:
    """The roster's entries by student id, in the file's order."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    id_column = next((header[c] for c in ID_COLUMNS if c in header), None)
    if id_column is None:
        raise ConfigError(
            f"{where}: the header needs a student id column ({', '.join(ID_COLUMNS)})"
        )

    def cell(row: dict[str, str | None], column: str) -> str:
        return (row.get(header[column]) or "").strip() if column in header else ""

    canvas_column = next((c for c in CANVAS_ID_COLUMNS if c in header), "")

    entries: dict[str, RosterEntry] = {}
    for line, row in enumerate(reader, start=2):
        student = (row.get(id_column) or "").strip()
        if not student:
            continue
        if student in entries:
            raise ConfigError(f"{where}, line {line}: student {student!r} is listed twice")
        excused = cell(row, "excused").replace(";", " ").split()
        entries[student] = RosterEntry(
            student=student,
            name=cell(row, "name"),
            email=cell(row, "email"),
            section=cell(row, "section"),
            excused=frozenset(excused),
            canvas_id=cell(row, canvas_column) if canvas_column else "",
        )
    return entries


def load_roster(path: Path) -> dict[str, RosterEntry]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the roster: {exc.strerror}") from None
    return parse_roster(text, str(path))
