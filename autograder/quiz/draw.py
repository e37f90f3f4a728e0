"""Per-student drawing: a student's seed, the values of parametrized questions and the
order of the options of choice questions.

Everything is derived by hashing the seed with the question id, so a student
sees the same values and the same option order on every machine, in `take`,
on a printed `paper` and when `grade` reads their answer letters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

from autograder.quiz import formula
from autograder.quiz.schema import (
    MAX_DRAW_ATTEMPTS,
    OPTION_REF_RE,
    PLACEHOLDER_RE,
    BankError,
    Number,
    Question,
    Quiz,
)


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


# ---------------------------------------------------------------- option order


def letter(index: int) -> str:
    """The letter of the option at position `index` (0 -> A)."""
    return chr(ord("A") + index)


def option_order(question: Question, seed: int) -> tuple[int, ...]:
    """The bank indices of a choice question's options in the order `seed` sees them.

    Bank order for other kinds and for questions with `shuffle: false`.
    """
    count = len(question.options)
    if not question.is_choice or not question.shuffle:
        return tuple(range(count))

    def rank(index: int) -> bytes:
        return hashlib.sha256(f"dlcourse-quiz-order:{seed}:{question.id}:{index}".encode()).digest()

    return tuple(sorted(range(count), key=rank))


def student_question(question: Question, seed: int) -> Question:
    """The question as the student of `seed` sees it: options in their order.

    Option letters in answers, keys and `{opt:N}` references all follow the
    returned question's order; a student edition's key still matches because
    `keys` maps positions back to the bank's indices through `order`.
    """
    if question.order:
        raise ValueError(f"question {question.id} is already a student's view")
    order = option_order(question, seed)
    options = tuple(question.options[i] for i in order)
    return dataclasses.replace(question, options=options, order=order)


def for_student(quiz: Quiz, seed: int) -> Quiz:
    """The quiz as the student of `seed` sees it (see `student_question`)."""
    return dataclasses.replace(quiz, questions=[student_question(q, seed) for q in quiz.questions])


def fill_option_refs(template: str, question: Question) -> str:
    """Replace `{opt:N}` (the bank's N-th option, 1-based) by the letter the viewer sees."""

    def repl(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(question.options):
            return match.group(0)
        return letter(question.shown_index(number - 1))

    return OPTION_REF_RE.sub(repl, template)
