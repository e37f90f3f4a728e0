"""Per-student drawing: the seed of a student and the values of parametrized questions."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

from autograder.quiz import formula
from autograder.quiz.schema import MAX_DRAW_ATTEMPTS, PLACEHOLDER_RE, BankError, Number, Question


def student_seed(student: str) -> int:
    """The seed of a student: the same on every machine and every Python version."""
    digest = hashlib.sha256(f"dlcourse-quiz-student:{student}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _pick(seed: int, qid: str, attempt: int, name: str, count: int) -> int:
    digest = hashlib.sha256(f"{seed}:{qid}:{attempt}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def draw_values(question: Question, seed: int) -> dict[str, Number]:
    """The values of a parametrized question for `seed` (empty for other kinds).

    Values are drawn by hashing (seed, question, attempt, name); a draw that
    breaks a `where` condition is drawn again with the next attempt number.
    """
    if not question.params:
        return {}
    for attempt in range(MAX_DRAW_ATTEMPTS):
        values = {
            p.name: p.values[_pick(seed, question.id, attempt, p.name, len(p.values))]
            for p in question.params
        }
        if all(formula.evaluate(cond, values) for cond in question.where):
            return values
    raise BankError(
        f"question {question.id}: no draw satisfies its 'where' conditions "
        f"after {MAX_DRAW_ATTEMPTS} attempts (seed {seed})"
    )


def expected_number(question: Question, values: Mapping[str, Number]) -> float:
    """The correct answer of a numeric or parametrized question."""
    if question.kind == "numeric":
        assert question.answer is not None
        return float(question.answer)
    assert question.formula is not None
    result = formula.evaluate(question.formula, values)
    return float(result)


def format_number(value: float) -> str:
    """A number as a person would write it: 26, 0.5, 0.0883883."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Replace `{name}` placeholders with values; other braces stay as they are."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        return format_number(value) if isinstance(value, (int, float)) else str(value)

    return PLACEHOLDER_RE.sub(repl, template)
