"""The course gradebook: assignments and quizzes in one SQL database.

`book` records grades with what an audit needs and keeps earlier grades in a
history; `schema` declares the tables; `audit` hashes what graded a grade and
packs what was graded; `roster`, `totals` and `exports` turn the rows into a
course table, weighted totals and files for a registrar or an LMS; `regrade`
grades a stored submission again.
"""

from __future__ import annotations

from autograder.gradebook.book import Gradebook, database_url
from autograder.gradebook.schema import grade_history, grades, metadata, submissions

__all__ = ["Gradebook", "database_url", "grade_history", "grades", "metadata", "submissions"]
