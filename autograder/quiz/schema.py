"""The data model of a quiz bank: questions, options, quizzes and the format's constants.

`validate` builds these objects from YAML; `keys`, `draw` and `edition` work on
them. Nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from autograder.errors import CourseError

KINDS = ("single", "multiple", "numeric", "param")
LANGS = ("en", "ko")
EDITIONS = ("instructor", "student")
MAX_OPTIONS = 8
MAX_DRAW_ATTEMPTS = 200
# Words of the answer-file header: no question may use them as its id.
RESERVED_IDS = frozenset({"format", "quiz", "student", "seed", "lang"})

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# `{opt:N}` in a choice question's texts: the letter under which the student
# sees the bank's N-th option (1-based), since options are shuffled per student.
OPTION_REF_RE = re.compile(r"\{opt:(\d+)\}")
TOP_KEYS = {"title", "description", "order", "edition", "questions"}
QUESTION_KEYS = {
    "single": {"id", "kind", "tags", "points", "text", "options", "shuffle", "explanation"},
    "multiple": {"id", "kind", "tags", "points", "text", "options", "shuffle", "explanation"},
    "numeric": {
        "id",
        "kind",
        "tags",
        "points",
        "text",
        "answer",
        "tolerance",
        "rel_tolerance",
        "explanation",
    },
    "param": {
        "id",
        "kind",
        "tags",
        "points",
        "text",
        "params",
        "where",
        "formula",
        "tolerance",
        "rel_tolerance",
        "explanation",
    },
}
# What a student edition holds instead of the secrets.
SEALED_FIELDS = {"explanation", "answer", "formula"}
STUDENT_EXTRA = {"key", "salt", "sealed"}

try:  # libyaml is ten times faster where it is available
    Loader: type = yaml.CSafeLoader
    Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    Loader = yaml.SafeLoader
    Dumper = yaml.SafeDumper

Number = int | float


class BankError(CourseError, ValueError):
    """A bank file is malformed; the message names the file, line and question."""


@dataclass(frozen=True)
class Text:
    """A text in both languages."""

    en: str
    ko: str

    def get(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en


@dataclass(frozen=True)
class Option:
    text: Text
    correct: bool | None = None  # None in a student edition


@dataclass(frozen=True)
class Param:
    """A drawn value: one of `values`, picked per student."""

    name: str
    values: tuple[Number, ...]


@dataclass
class Question:
    id: str
    kind: str
    text: Text
    explanation: Text
    tags: tuple[str, ...]
    points: float = 1.0
    options: tuple[Option, ...] = ()
    answer: float | None = None
    formula: str | None = None
    params: tuple[Param, ...] = ()
    where: tuple[str, ...] = ()
    tolerance: float = 0.0
    rel_tolerance: float = 0.0
    key: str | None = None  # student edition: hash of the correct option set
    salt: str | None = None
    line: int = 0
    shuffle: bool = True  # choice questions: options shown in a per-student order
    # A student's view (see `draw.for_student`): the bank index of the option
    # shown at each position; empty when the options are in the bank's order.
    order: tuple[int, ...] = ()

    @property
    def is_choice(self) -> bool:
        return self.kind in ("single", "multiple")

    def bank_index(self, shown: int) -> int:
        """The bank index of the option shown at position `shown`."""
        return self.order[shown] if self.order else shown

    def shown_index(self, bank: int) -> int:
        """The position at which the bank's option `bank` is shown."""
        return self.order.index(bank) if self.order else bank


@dataclass
class Quiz:
    id: str
    title: Text
    questions: list[Question]
    description: Text | None = None
    order: int = 0
    edition: str = "instructor"
    path: Path | None = None
    sha256: str = ""
    _index: dict[str, Question] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {q.id: q for q in self.questions}

    def question(self, qid: str) -> Question | None:
        return self._index.get(qid)

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions)
