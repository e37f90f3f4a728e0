"""The gradebook: one row per (assignment, student), in SQLite or any SQL server.

SQLAlchemy Core, so `--db` takes any database URL it knows
(sqlite:///grades.sqlite, postgresql://..., mysql://...). Recording is an
upsert: re-grading replaces a row, never duplicates it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
)

from autograder.results import SubmissionResult

metadata = MetaData()
grades = Table(
    "grades",
    metadata,
    Column("assignment", String(64), primary_key=True),
    Column("student", String(255), primary_key=True),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("raw_score", Float, nullable=False),
    Column("late_days", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("submission_sha256", String(64), nullable=False),
    Column("graded_at", String(40), nullable=False),
    Column("results_json", Text, nullable=False),
)


class Gradebook:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        metadata.create_all(self.engine)

    def record(self, result: SubmissionResult) -> None:
        row = {
            "assignment": result.assignment,
            "student": result.student,
            "score": result.score,
            "max_score": result.max_score,
            "raw_score": result.raw_score,
            "late_days": result.late_days,
            "status": result.status,
            "seed": result.seed,
            "submission_sha256": result.submission_sha256,
            "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "results_json": json.dumps(result.to_json(), ensure_ascii=False),
        }
        with self.engine.begin() as conn:
            conn.execute(
                delete(grades).where(
                    grades.c.assignment == result.assignment, grades.c.student == result.student
                )
            )
            conn.execute(insert(grades).values(**row))

    def rows(self, assignment: str | None = None) -> list[dict[str, Any]]:
        query = select(grades).order_by(grades.c.assignment, grades.c.student)
        if assignment:
            query = query.where(grades.c.assignment == assignment)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def close(self) -> None:
        self.engine.dispose()
