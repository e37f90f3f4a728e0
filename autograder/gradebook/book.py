"""The gradebook: one current row per (item, student), in SQLite or any SQL server.

SQLAlchemy Core, so `--db` takes any database URL it knows
(sqlite:///grades.sqlite, postgresql+psycopg://..., mysql://...). Recording is an
upsert: grading again replaces the row, never duplicates it. A new grade that
differs from the current one moves the current one to `grade_history`; the same
grade recorded again (a resumed batch) changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, insert, select

from autograder.gradebook.audit import checks_fingerprint, is_quiz, pack, package_version, unpack
from autograder.gradebook.schema import create_schema, grade_history, grades, submissions
from autograder.results import SubmissionResult

# What makes two grades the same grade: recording one again is then a no-op.
_SAME_GRADE = (
    "submission_sha256",
    "seed",
    "score",
    "raw_score",
    "status",
    "late_days",
    "checks_sha256",
)


def _same_grade(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Equal in every field of _SAME_GRADE; scores to 1e-6 (results.json rounds them)."""
    for name in _SAME_GRADE:
        a, b = old[name], new[name]
        if isinstance(a, float) or isinstance(b, float):
            if abs(float(a) - float(b)) > 1e-6:
                return False
        elif a != b:
            return False
    return True


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def database_url(database: str | None, default_dir: Path | None = None) -> str:
    """A URL from `--db`: a URL as it is, a file path as SQLite, else DIR/gradebook.sqlite."""
    if database:
        if "://" in database:
            return database
        return f"sqlite:///{Path(database).resolve()}"
    folder = Path(default_dir) if default_dir is not None else Path.cwd()
    return f"sqlite:///{(folder / 'gradebook.sqlite').resolve()}"


class Gradebook:
    def __init__(self, url: str, root: Path | None = None) -> None:
        self.engine = create_engine(url)
        self.root = root
        self._fingerprints: dict[str, str] = {}
        create_schema(self.engine)

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fingerprint(self, item: str) -> str:
        """The hash of the checks and reference of `item`, once per gradebook."""
        if item not in self._fingerprints:
            root = self.root
            if root is None:
                from autograder.paths import CourseNotFound, find_root

                try:
                    root = find_root()
                except CourseNotFound:
                    root = None
            self._fingerprints[item] = checks_fingerprint(item, root)
        return self._fingerprints[item]

    def _row(self, result: SubmissionResult, checks_sha256: str | None) -> dict[str, Any]:
        if checks_sha256 is None:
            checks_sha256 = str(result.extra.get("bank_sha256") or "") or self.fingerprint(
                result.assignment
            )
        return {
            "assignment": result.assignment,
            "student": result.student,
            "kind": "quiz" if is_quiz(result.assignment) else "assignment",
            "score": result.score,
            "max_score": result.max_score,
            "raw_score": result.raw_score,
            "late_days": result.late_days,
            "penalty": result.penalty,
            "status": result.status,
            "seed": result.seed,
            "submission_sha256": result.submission_sha256,
            "graded_at": _now(),
            "results_json": json.dumps(result.to_json(), ensure_ascii=False),
            "package_version": package_version(),
            "checks_sha256": checks_sha256,
            "isolation": result.isolation,
        }

    def record(
        self,
        result: SubmissionResult,
        *,
        files: dict[str, bytes] | None = None,
        problems: Sequence[str] = (),
        source: str = "",
        checks_sha256: str | None = None,
    ) -> bool:
        """Record `result` (and a copy of the graded `files`); False when it was already there."""
        row = self._row(result, checks_sha256)
        key = (grades.c.assignment == result.assignment, grades.c.student == result.student)
        with self.engine.begin() as conn:
            if files is not None and result.submission_sha256:
                stored = conn.execute(
                    select(submissions.c.sha256).where(
                        submissions.c.sha256 == result.submission_sha256
                    )
                ).first()
                if stored is None:
                    conn.execute(
                        insert(submissions).values(
                            sha256=result.submission_sha256,
                            archive=pack(files),
                            problems_json=json.dumps(list(problems), ensure_ascii=False),
                            source=source,
                            stored_at=_now(),
                        )
                    )
            old = conn.execute(select(grades).where(*key)).first()
            if old is not None:
                previous = dict(old._mapping)
                if _same_grade(previous, row):
                    return False
                conn.execute(insert(grade_history).values(**previous, replaced_at=row["graded_at"]))
                conn.execute(delete(grades).where(*key))
            conn.execute(insert(grades).values(**row))
        return True

    def rows(self, assignment: str | None = None) -> list[dict[str, Any]]:
        """The current grades (of one item, or all), by item and student."""
        query = select(grades).order_by(grades.c.assignment, grades.c.student)
        if assignment:
            query = query.where(grades.c.assignment == assignment)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def row(self, item: str, student: str) -> dict[str, Any] | None:
        query = select(grades).where(grades.c.assignment == item, grades.c.student == student)
        with self.engine.connect() as conn:
            found = conn.execute(query).first()
        return dict(found._mapping) if found is not None else None

    def history(self, student: str, item: str | None = None) -> list[dict[str, Any]]:
        """Earlier grades of `student` (oldest first), each with when it was replaced."""
        query = (
            select(grade_history)
            .where(grade_history.c.student == student)
            .order_by(grade_history.c.assignment, grade_history.c.id)
        )
        if item:
            query = query.where(grade_history.c.assignment == item)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def submission(self, sha256: str) -> tuple[dict[str, bytes], list[str], str] | None:
        """The stored copy of a graded submission: (files, staging problems, source)."""
        query = select(submissions).where(submissions.c.sha256 == sha256)
        with self.engine.connect() as conn:
            found = conn.execute(query).first()
        if found is None:
            return None
        return unpack(found.archive), list(json.loads(found.problems_json)), found.source

    def close(self) -> None:
        self.engine.dispose()


def record_quiz_results(
    results: Sequence[SubmissionResult],
    *,
    database: str | None,
    out_dir: Path,
    root: Path | None = None,
) -> str:
    """Record graded quiz answer files (with a copy of each file); returns the database URL."""
    url = database_url(database, out_dir)
    with Gradebook(url, root=root) as book:
        for result in results:
            path = Path(str(result.extra.get("answers_file") or ""))
            try:
                files = {path.name: path.read_bytes()} if path.name else None
            except OSError:
                files = None
            book.record(result, files=files, source=str(path))
    return url
