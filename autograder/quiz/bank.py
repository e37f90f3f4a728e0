"""Quiz banks: the one import for loading, validation, drawing values and key-less copies.

A bank is one YAML file under `course/quizzes/`; its file stem is the quiz id.
The format is documented in `course/docs/quizzes.md`. A bank comes in two
editions that the engine takes and grades alike:

- instructor (the files in the repository): options carry `correct: true`,
  numeric questions their `answer`, parametrized ones their `formula`, and
  every question its explanation, all in clear;
- student (what `write_student_banks` writes for the student bundle): each
  choice question keeps only a salted SHA-256 of its correct option set
  (`key`), and the explanation, numeric answer and formula travel in `sealed`,
  a per-question obfuscated blob that the engine opens to grade and to show
  explanations after the quiz. Nobody reads an answer by opening the file;
  a learner who writes code against the engine can of course recover it, as
  with any offline self-check. Graded quizzes use the instructor's banks.

The code lives in small modules, each re-exported here so that callers import
from `autograder.quiz.bank` only:

- `schema`: the data model (`Question`, `Quiz`, ...) and the format's constants;
- `validate`: YAML text to `Quiz`, with errors that name file, line and question;
- `keys`: salted keys and seals of the student edition;
- `draw`: per-student seeds, drawn values, numbers and placeholders;
- `edition`: writing the student edition.
"""

from __future__ import annotations

from autograder.quiz.draw import (
    draw_values,
    expected_number,
    fill,
    format_number,
    student_seed,
)
from autograder.quiz.edition import student_bank, write_student_banks
from autograder.quiz.keys import choice_is_correct, choice_key, correct_indices, seal, unseal
from autograder.quiz.schema import (
    EDITIONS,
    KINDS,
    LANGS,
    MAX_DRAW_ATTEMPTS,
    MAX_OPTIONS,
    RESERVED_IDS,
    BankError,
    Number,
    Option,
    Param,
    Question,
    Quiz,
    Text,
)
from autograder.quiz.validate import bank_files, load_bank, load_quizzes, parse_bank, quiz_dir

__all__ = [
    "EDITIONS",
    "KINDS",
    "LANGS",
    "MAX_DRAW_ATTEMPTS",
    "MAX_OPTIONS",
    "RESERVED_IDS",
    "BankError",
    "Number",
    "Option",
    "Param",
    "Question",
    "Quiz",
    "Text",
    "bank_files",
    "choice_is_correct",
    "choice_key",
    "correct_indices",
    "draw_values",
    "expected_number",
    "fill",
    "format_number",
    "load_bank",
    "load_quizzes",
    "parse_bank",
    "quiz_dir",
    "seal",
    "student_bank",
    "student_seed",
    "unseal",
    "write_student_banks",
]
