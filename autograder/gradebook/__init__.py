"""The course gradebook: assignments and quizzes in one SQL database.

`book` records grades with what an audit needs and keeps earlier grades in a
history; `schema` declares the tables; `audit` hashes what graded a grade and
packs what was graded; `roster`, `totals` and `exports` turn the rows into a
course table, weighted totals and files for a registrar or an LMS; `regrade`
grades a stored submission again.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Gradebook", "database_url", "grade_history", "grades", "metadata", "submissions"]


def __getattr__(name: str) -> Any:
    """Import SQLAlchemy only when the gradebook is used (`dlcourse check` never needs it)."""
    if name in {"Gradebook", "database_url"}:
        from autograder.gradebook import book

        return getattr(book, name)
    if name in {"grade_history", "grades", "metadata", "submissions"}:
        from autograder.gradebook import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
