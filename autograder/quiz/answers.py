"""Answer files: what `dlcourse quiz take --export` writes and `quiz grade` reads.

One `name: value` pair per line; `#` starts a comment. A header names the
format, the quiz and the student; then each answered question has a line
`question-id: answer`:

    format: dlcourse-quiz-answers/2
    quiz: convolution
    student: alice
    conv-mlp-vs-conv: B          # single choice: one option letter
    conv-which-true: A, C        # multiple choice: letters, comma separated
    conv-param-out-size: 26      # numeric and parametrized: a number

A question without a line (or with an empty value) is unanswered. Every
problem of a file is reported at once, each as `FILE:LINE: message`.

Option letters name the options in the student's own order (the order of
`quiz take` and `quiz paper` for that student id). Files that say
`format: dlcourse-quiz-answers/1`, written before options were shuffled, are
read in the bank's order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.quiz.bank import LANGS, Question, Quiz, format_number

FORMAT = "dlcourse-quiz-answers/2"
# The first format: letters in the bank's order (before per-student shuffling).
BANK_ORDER_FORMAT = "dlcourse-quiz-answers/1"
FORMATS = (FORMAT, BANK_ORDER_FORMAT)
HEADER_KEYS = ("format", "quiz", "student", "seed", "lang")
_LINE_RE = re.compile(r"^([^:\s]+)\s*:(.*)$")
_STUDENT_RE = re.compile(r"^[^\W][\w.@+-]{0,127}$")

# An answer: the chosen option indices (choice) or a number; None = unanswered.
Answer = frozenset[int] | float


class AnswerValueError(ValueError):
    """One answer does not fit its question (wrong type, unknown option)."""


class AnswerFileError(ValueError):
    """An answer file has problems; `problems` holds (line, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        return "\n".join(
            f"{self.path}:{line}: {msg}" if line else f"{self.path}: {msg}"
            for line, msg in self.problems
        )


@dataclass
class AnswerSheet:
    """The parsed answers of one student to one quiz."""

    quiz: str
    student: str
    answers: dict[str, Answer | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    seed: int | None = None
    lang: str = "en"
    path: str = ""
    bank_order: bool = False  # letters in the bank's order (format /1), not the student's


def valid_student(student: str) -> bool:
    """A student id that is safe as a folder name: letters, digits, . _ @ + -."""
    return bool(_STUDENT_RE.match(student)) and ".." not in student


def letters(count: int) -> str:
    return f"A-{chr(ord('A') + count - 1)}"


def parse_value(question: Question, raw: str) -> Answer | None:
    """Turn the text of one answer into an Answer; raise AnswerValueError if it does not fit."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    if not value:
        return None
    if question.is_choice:
        if value.startswith("[") and value.endswith("]"):
            value = value[1:-1]
        tokens = [t for t in re.split(r"[\s,]+", value) if t]
        count = len(question.options)
        chosen = set()
        for token in tokens:
            if len(token) != 1 or not token.isalpha() or not token.isascii():
                raise AnswerValueError(
                    f"{question.id} expects option letters {letters(count)}, got {token!r}"
                )
            index = ord(token.upper()) - ord("A")
            if not 0 <= index < count:
                raise AnswerValueError(
                    f"{question.id} has no option {token.upper()} (options are {letters(count)})"
                )
            chosen.add(index)
        if question.kind == "single" and len(chosen) != 1:
            raise AnswerValueError(
                f"{question.id} is single choice: give one letter, not {value!r}"
            )
        return frozenset(chosen)
    try:
        number = float(value)
    except ValueError:
        raise AnswerValueError(f"{question.id} expects a number, got {value!r}") from None
    if not math.isfinite(number):
        raise AnswerValueError(f"{question.id} expects a finite number, got {value!r}")
    return number


def format_value(question: Question, answer: Answer | None) -> str:
    """The text of an answer as an answer file writes it."""
    if answer is None:
        return ""
    if isinstance(answer, frozenset):
        return ", ".join(chr(ord("A") + i) for i in sorted(answer))
    return format_number(float(answer)) if float(answer).is_integer() else repr(float(answer))


def parse_answer_text(text: str, quiz: Quiz, path: str = "<answers>") -> AnswerSheet:
    """Parse an answer file for `quiz`; raise AnswerFileError naming every bad line."""
    problems: list[tuple[int, str]] = []
    header: dict[str, tuple[str, int]] = {}
    sheet = AnswerSheet(quiz=quiz.id, student="", path=path)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if " #" in stripped:
            stripped = stripped.split(" #", 1)[0].rstrip()
        match = _LINE_RE.match(stripped)
        if not match:
            problems.append((number, f"expected 'question-id: answer', got {stripped[:60]!r}"))
            continue
        name, raw = match.group(1), match.group(2).strip()
        if name in HEADER_KEYS:
            if name in header:
                problems.append(
                    (number, f"{name!r} is given twice (first at line {header[name][1]})")
                )
            else:
                header[name] = (raw.strip("'\""), number)
            continue
        question = quiz.question(name)
        if question is None:
            problems.append((number, f"unknown question id {name!r} in quiz {quiz.id!r}"))
            continue
        if name in sheet.lines:
            problems.append(
                (number, f"{name} is answered twice (first at line {sheet.lines[name]})")
            )
            continue
        sheet.lines[name] = number
        try:
            sheet.answers[name] = parse_value(question, raw)
        except AnswerValueError as exc:
            problems.append((number, str(exc)))

    fmt = header.get("format")
    if fmt is not None and fmt[0] not in FORMATS:
        problems.append((fmt[1], f"unknown format {fmt[0]!r} (expected {FORMAT})"))
    sheet.bank_order = fmt is not None and fmt[0] == BANK_ORDER_FORMAT
    quiz_line = header.get("quiz")
    if quiz_line is None:
        problems.append((0, f"no 'quiz: {quiz.id}' line: is this a dlcourse answer file?"))
    elif quiz_line[0] != quiz.id:
        problems.append((quiz_line[1], f"answers are for quiz {quiz_line[0]!r}, not {quiz.id!r}"))
    student = header.get("student")
    if student is None or not student[0]:
        problems.append((student[1] if student else 0, "no 'student: ID' line"))
    elif not valid_student(student[0]):
        problems.append(
            (student[1], f"student id {student[0]!r} may hold only letters, digits and . _ @ + -")
        )
    else:
        sheet.student = student[0]
    seed = header.get("seed")
    if seed is not None:
        try:
            sheet.seed = int(seed[0])
        except ValueError:
            problems.append((seed[1], f"seed must be an integer, got {seed[0]!r}"))
    lang = header.get("lang")
    if lang is not None:
        if lang[0] not in LANGS:
            problems.append((lang[1], f"lang must be one of {', '.join(LANGS)}, got {lang[0]!r}"))
        else:
            sheet.lang = lang[0]
    if problems:
        raise AnswerFileError(path, sorted(problems))
    return sheet


def read_answer_file(path: Path, quiz: Quiz) -> AnswerSheet:
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AnswerFileError(
            str(path), [(0, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise AnswerFileError(str(path), [(0, f"cannot read: {exc.strerror}")]) from None
    return parse_answer_text(text, quiz, str(path))


def _kind_hint(question: Question) -> str:
    if question.kind == "single":
        return f"one of {letters(len(question.options))}"
    if question.kind == "multiple":
        return f"all that apply of {letters(len(question.options))}, comma separated"
    return "a number"


def render_answer_file(
    quiz: Quiz,
    student: str,
    answers: dict[str, Answer | None],
    *,
    seed: int | None = None,
    lang: str = "en",
) -> str:
    """An answer file holding `answers`; unanswered questions get an empty line to fill.

    `quiz` is the student's view (`draw.for_student`): letters follow its order.
    """
    out = [
        "# dlcourse quiz answers: one 'question-id: answer' per line (course/docs/quizzes.md).",
        "# Choice: option letters (B, or A, C for several); numeric: a number; empty: no answer.",
        f"format: {FORMAT}",
        f"quiz: {quiz.id}",
        f"student: {student}",
    ]
    if seed is not None:
        out.append(f"seed: {seed}")
    out.append(f"lang: {lang}")
    for number, question in enumerate(quiz.questions, start=1):
        out.append("")
        out.append(f"# Q{number} ({_kind_hint(question)})")
        value = format_value(question, answers.get(question.id))
        out.append(f"{question.id}: {value}".rstrip())
    return "\n".join(out) + "\n"
