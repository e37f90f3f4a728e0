"""The gradebook's tables, and the small migration of a database made before them.

`grades` holds the current grade of each (item, student): an item is an
assignment id (`conv`) or a quiz (`quiz:optimizers`). Every row carries what an
audit needs: the seed, the package version, a hash of the checks and reference
it was graded with, the isolation in force and when. A regrade that changes a
grade moves the old row to `grade_history`. `submissions` keeps a copy of what
was graded (a zip of the files, keyed by their content hash), so any grade can
be graded again (`dlcourse regrade --verify`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

metadata = MetaData()


def _grade_columns() -> list[Column]:
    """The columns a grade has, current or past (the primary key is the caller's)."""
    return [
        Column("kind", String(16), nullable=False, server_default="assignment"),
        Column("score", Float, nullable=False),
        Column("max_score", Float, nullable=False),
        Column("raw_score", Float, nullable=False),
        Column("late_days", Integer, nullable=False, default=0),
        Column("penalty", Float, nullable=False, server_default="0"),
        Column("status", String(16), nullable=False),
        Column("seed", BigInteger, nullable=False),  # quiz seeds use all 32 unsigned bits
        Column("submission_sha256", String(64), nullable=False),
        Column("graded_at", String(40), nullable=False),
        Column("results_json", Text, nullable=False),
        Column("package_version", String(40), nullable=False, server_default=""),
        Column("checks_sha256", String(64), nullable=False, server_default=""),
        Column("isolation", Text, nullable=False, server_default=""),
    ]


grades = Table(
    "grades",
    metadata,
    Column("assignment", String(64), primary_key=True),  # the item: "conv", "quiz:optimizers"
    Column("student", String(255), primary_key=True),
    *_grade_columns(),
)

grade_history = Table(
    "grade_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assignment", String(64), nullable=False, index=True),
    Column("student", String(255), nullable=False, index=True),
    *_grade_columns(),
    Column("replaced_at", String(40), nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("archive", LargeBinary, nullable=False),  # a zip of the graded files
    Column("problems_json", Text, nullable=False, server_default="[]"),
    Column("source", Text, nullable=False, server_default=""),
    Column("stored_at", String(40), nullable=False),
)

# Columns added after the first gradebooks were written, with their SQL type and default.
_ADDED = {
    "kind": "VARCHAR(16) NOT NULL DEFAULT 'assignment'",
    "penalty": "FLOAT NOT NULL DEFAULT 0",
    "package_version": "VARCHAR(40) NOT NULL DEFAULT ''",
    "checks_sha256": "VARCHAR(64) NOT NULL DEFAULT ''",
    "isolation": "TEXT NOT NULL DEFAULT ''",
}


def create_schema(engine: Engine) -> None:
    """Create the tables, and add the audit columns to a `grades` table that predates them."""
    metadata.create_all(engine)
    present = {c["name"] for c in inspect(engine).get_columns("grades")}
    missing = [name for name in _ADDED if name not in present]
    if engine.dialect.name == "postgresql":  # seeds were 32-bit signed before quizzes came in
        seed = next(c for c in inspect(engine).get_columns("grades") if c["name"] == "seed")
        if not isinstance(seed["type"], BigInteger):
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE grades ALTER COLUMN seed TYPE BIGINT"))
    if missing:
        with engine.begin() as conn:
            for name in missing:
                conn.execute(text(f"ALTER TABLE grades ADD COLUMN {name} {_ADDED[name]}"))
