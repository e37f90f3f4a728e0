"""Quiz banks: loading, validation, drawing values, and key-less student copies.

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
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from autograder.quiz import formula
from autograder.quiz.topics import TOPICS

KINDS = ("single", "multiple", "numeric", "param")
LANGS = ("en", "ko")
EDITIONS = ("instructor", "student")
MAX_OPTIONS = 8
MAX_DRAW_ATTEMPTS = 200
# Words of the answer-file header: no question may use them as its id.
RESERVED_IDS = frozenset({"format", "quiz", "student", "seed", "lang"})

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TOP_KEYS = {"title", "description", "order", "edition", "questions"}
_QUESTION_KEYS = {
    "single": {"id", "kind", "tags", "points", "text", "options", "explanation"},
    "multiple": {"id", "kind", "tags", "points", "text", "options", "explanation"},
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
_SEALED_FIELDS = {"explanation", "answer", "formula"}
_STUDENT_EXTRA = {"key", "salt", "sealed"}

try:  # libyaml is ten times faster where it is available
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

Number = int | float


class BankError(ValueError):
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

    @property
    def is_choice(self) -> bool:
        return self.kind in ("single", "multiple")


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


# ---------------------------------------------------------------- keys and seals


def choice_key(salt: str, qid: str, indices: Iterable[int]) -> str:
    """The salted hash a student edition stores instead of the correct option set."""
    canon = ",".join(str(i) for i in sorted(set(indices)))
    return hashlib.sha256(f"dlcourse-quiz-key:{salt}:{qid}:{canon}".encode()).hexdigest()


def _keystream(salt: str, qid: str, size: int) -> bytes:
    seed = hashlib.sha256(f"dlcourse-quiz-seal:{salt}:{qid}".encode()).digest()
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


def seal(payload: Mapping[str, Any], salt: str, qid: str) -> str:
    """Obfuscate `payload` (JSON) so that it cannot be read by opening the file."""
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    mixed = bytes(a ^ b for a, b in zip(data, _keystream(salt, qid, len(data))))
    return base64.b64encode(mixed).decode("ascii")


def unseal(blob: str, salt: str, qid: str) -> dict[str, Any]:
    data = base64.b64decode(blob.encode("ascii"), validate=True)
    plain = bytes(a ^ b for a, b in zip(data, _keystream(salt, qid, len(data))))
    value = json.loads(plain.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("sealed payload is not a mapping")
    return value


def correct_indices(question: Question) -> frozenset[int]:
    """The correct option set of a choice question, in either edition.

    A student edition knows only the hash, so the set is found by trying every
    subset (at most 2**8 of them) against it.
    """
    if question.key is None:
        return frozenset(i for i, o in enumerate(question.options) if o.correct)
    assert question.salt is not None
    n = len(question.options)
    sizes = [1] if question.kind == "single" else range(1, n + 1)
    for size in sizes:
        for combo in itertools.combinations(range(n), size):
            if choice_key(question.salt, question.id, combo) == question.key:
                return frozenset(combo)
    raise BankError(f"question {question.id}: its key matches no option set")


def choice_is_correct(question: Question, chosen: Iterable[int]) -> bool:
    chosen_set = frozenset(chosen)
    if question.key is not None:
        assert question.salt is not None
        return choice_key(question.salt, question.id, chosen_set) == question.key
    return chosen_set == correct_indices(question)


# ---------------------------------------------------------------- drawing values


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

    return _PLACEHOLDER_RE.sub(repl, template)


# ---------------------------------------------------------------- loading


def _question_lines(text: str) -> list[int]:
    """1-based line of each item of the top-level `questions` sequence."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "questions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


class _Where:
    """Builds error messages that name the file, line and question."""

    def __init__(self, path: str, line: int = 0, qid: str | None = None) -> None:
        self.path, self.line, self.qid = path, line, qid

    def error(self, message: str) -> BankError:
        place = f"{self.path}:{self.line}" if self.line else self.path
        who = f" question {self.qid}:" if self.qid else ""
        return BankError(f"{place}:{who} {message}")


def _text(raw: Any, what: str, where: _Where) -> Text:
    if not isinstance(raw, dict):
        raise where.error(f"{what} must be a mapping with 'en' and 'ko' texts")
    extra = set(raw) - set(LANGS)
    if extra:
        raise where.error(f"{what} has unknown keys {sorted(extra)} (only 'en' and 'ko')")
    for lang in LANGS:
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise where.error(f"{what} has no {lang!r} text")
    return Text(en=raw["en"].strip(), ko=raw["ko"].strip())


def _number(raw: Any, what: str, where: _Where) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise where.error(f"{what} must be a finite number, not {raw!r}")
    return raw


def _option(raw: Any, index: int, edition: str, where: _Where) -> Option:
    what = f"option {chr(ord('A') + index)}"
    if isinstance(raw, str):
        if not raw.strip():
            raise where.error(f"{what} is empty")
        return Option(Text(raw.strip(), raw.strip()), False if edition == "instructor" else None)
    if not isinstance(raw, dict):
        raise where.error(f"{what} must be a string or a mapping")
    data = dict(raw)
    correct = data.pop("correct", None)
    if edition == "student":
        if correct is not None:
            raise where.error(f"{what}: a student edition must not mark correct options")
    elif correct is not None and not isinstance(correct, bool):
        raise where.error(f"{what}: 'correct' must be true or false")
    if "text" in data:
        if set(data) != {"text"} or not isinstance(data["text"], str) or not data["text"].strip():
            raise where.error(f"{what}: use either 'text' (both languages) or 'en' and 'ko'")
        text = Text(data["text"].strip(), data["text"].strip())
    else:
        text = _text(data, what, where)
    return Option(text, bool(correct) if edition == "instructor" else None)


def _params(raw: Any, where: _Where) -> tuple[Param, ...]:
    if not isinstance(raw, dict) or not raw:
        raise where.error("'params' must be a non-empty mapping of name -> values")
    params = []
    for name, spec in raw.items():
        if not isinstance(name, str) or not name.isidentifier() or name in formula.RESERVED:
            raise where.error(f"parameter name {name!r} is not allowed")
        if name == "answer":
            raise where.error("'answer' is reserved for explanations")
        if isinstance(spec, list):
            values = tuple(_number(v, f"a value of {name}", where) for v in spec)
        elif isinstance(spec, dict) and "range" in spec:
            bounds = spec["range"]
            step = spec.get("step", 1)
            if set(spec) - {"range", "step"}:
                raise where.error(f"{name}: a range takes only 'range' and 'step'")
            if (
                not isinstance(bounds, list)
                or len(bounds) != 2
                or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
                or not isinstance(step, int)
                or step <= 0
            ):
                raise where.error(
                    f"{name}: range must be [low, high] integers with a positive integer step"
                )
            values = tuple(range(bounds[0], bounds[1] + 1, step))
        else:
            raise where.error(f"{name}: values must be a list or {{range: [low, high], step: s}}")
        if not values:
            raise where.error(f"{name}: no values to draw from")
        params.append(Param(name, values))
    return tuple(params)


def _check_placeholders(question: Question, where: _Where) -> None:
    names = {p.name for p in question.params}
    for lang in LANGS:
        text = question.text.get(lang)
        used = set(_PLACEHOLDER_RE.findall(text))
        unknown = used - names
        if unknown:
            raise where.error(f"{lang} text uses unknown values {sorted(unknown)}")
        missing = names - used
        if missing:
            raise where.error(f"{lang} text never shows the drawn values {sorted(missing)}")
        explained = set(_PLACEHOLDER_RE.findall(question.explanation.get(lang)))
        unknown = explained - names - {"answer"}
        if unknown:
            raise where.error(f"{lang} explanation uses unknown values {sorted(unknown)}")


def _question(raw: Any, line: int, edition: str, path: str) -> Question:
    where = _Where(path, line)
    if not isinstance(raw, dict):
        raise where.error("a question must be a mapping")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID_RE.match(qid):
        raise where.error(f"id {qid!r} must be lowercase letters, digits and hyphens")
    if qid in RESERVED_IDS:
        raise where.error(f"id {qid!r} is reserved by the answer-file format")
    where.qid = qid
    kind = raw.get("kind")
    if kind not in KINDS:
        raise where.error(f"kind {kind!r} must be one of {', '.join(KINDS)}")
    allowed = set(_QUESTION_KEYS[kind])
    data = dict(raw)
    sealed: dict[str, Any] = {}
    if edition == "student":
        allowed = (allowed - _SEALED_FIELDS) | _STUDENT_EXTRA
        if kind not in ("single", "multiple"):
            allowed.discard("key")
        for key in ("salt", "sealed"):
            if not isinstance(data.get(key), str):
                raise where.error(f"a student edition needs {key!r}")
        try:
            sealed = unseal(data["sealed"], data["salt"], qid)
        except (ValueError, UnicodeDecodeError):
            raise where.error("its sealed data is corrupt") from None
    unknown = set(data) - allowed
    if unknown:
        raise where.error(f"unknown keys {sorted(unknown)} for a {kind} question")
    source = {**data, **sealed} if edition == "student" else data

    tags = data.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
        raise where.error("'tags' must be a non-empty list of topic tags")
    bad = [t for t in tags if t not in TOPICS]
    if bad:
        raise where.error(f"unknown topic tags {bad} (see autograder/quiz/topics.py)")
    if len(set(tags)) != len(tags):
        raise where.error("a tag is repeated")
    points = data.get("points", 1)
    points = _number(points, "'points'", where)
    if points <= 0:
        raise where.error("'points' must be positive")

    question = Question(
        id=qid,
        kind=kind,
        text=_text(data.get("text"), "'text'", where),
        explanation=_text(source.get("explanation"), "'explanation'", where),
        tags=tuple(tags),
        points=float(points),
        line=line,
    )
    if kind in ("single", "multiple"):
        options = data.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            raise where.error(f"'options' must list 2 to {MAX_OPTIONS} options")
        question.options = tuple(_option(o, i, edition, where) for i, o in enumerate(options))
        texts = [o.text.en for o in question.options]
        if len(set(texts)) != len(texts):
            raise where.error("two options have the same text")
        if edition == "instructor":
            count = sum(1 for o in question.options if o.correct)
            if kind == "single" and count != 1:
                raise where.error(
                    f"a single-choice question needs exactly one correct option, not {count}"
                )
            if kind == "multiple" and count < 1:
                raise where.error("a multiple-choice question needs at least one correct option")
        else:
            if not isinstance(data.get("key"), str):
                raise where.error("a student edition needs 'key'")
            question.key, question.salt = data["key"], data["salt"]
            correct_indices(question)  # the key must match some option set
    else:
        question.tolerance = _number(data.get("tolerance", 0), "'tolerance'", where)
        question.rel_tolerance = _number(data.get("rel_tolerance", 0), "'rel_tolerance'", where)
        if question.tolerance < 0 or question.rel_tolerance < 0:
            raise where.error("tolerances must not be negative")
        if edition == "student":
            question.salt = data["salt"]
    if kind == "numeric":
        if "answer" not in source:
            raise where.error("a numeric question needs 'answer'")
        question.answer = float(_number(source["answer"], "'answer'", where))
    if kind == "param":
        question.params = _params(data.get("params"), where)
        expr = source.get("formula")
        if not isinstance(expr, str) or not expr.strip():
            raise where.error("a parametrized question needs 'formula'")
        where_raw = data.get("where", [])
        if isinstance(where_raw, str):
            where_raw = [where_raw]
        if not isinstance(where_raw, list) or not all(isinstance(c, str) for c in where_raw):
            raise where.error("'where' must be a condition or a list of conditions")
        names = {p.name for p in question.params}
        for expr_text in (expr, *where_raw):
            try:
                free = formula.names(expr_text)
            except formula.FormulaError as exc:
                raise where.error(str(exc)) from None
            if free - names:
                raise where.error(f"{expr_text!r} uses undefined values {sorted(free - names)}")
        question.formula = expr.strip()
        question.where = tuple(c.strip() for c in where_raw)
        _check_placeholders(question, where)
        try:  # the bank must work for some student
            values = draw_values(question, 0)
            expected_number(question, values)
        except (formula.FormulaError, BankError) as exc:
            raise where.error(str(exc)) from None
    return question


def parse_bank(text: str, quiz_id: str, path: str = "<bank>") -> Quiz:
    """Validate and load the YAML text of a bank; raise BankError on any problem."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise BankError(f"{path}{line}: not valid YAML: {exc}") from None
    where = _Where(path)
    if not isinstance(data, dict):
        raise where.error("a bank must be a mapping with 'title' and 'questions'")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise where.error(f"unknown top-level keys {sorted(unknown)}")
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", quiz_id):
        raise where.error(
            f"quiz id {quiz_id!r} (the file name) must be lowercase letters, digits, hyphens"
        )
    edition = data.get("edition", "instructor")
    if edition not in EDITIONS:
        raise where.error(f"edition {edition!r} must be one of {EDITIONS}")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise where.error("'questions' must be a non-empty list")
    lines = _question_lines(text)
    questions = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_questions):
        line = lines[index] if index < len(lines) else 0
        question = _question(raw, line, edition, path)
        if question.id in seen:
            raise _Where(path, line, question.id).error(
                f"id is already used at line {seen[question.id]}"
            )
        seen[question.id] = line
        questions.append(question)
    order = data.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise where.error("'order' must be an integer")
    description = data.get("description")
    return Quiz(
        id=quiz_id,
        title=_text(data.get("title"), "'title'", where),
        description=_text(description, "'description'", where) if description else None,
        questions=questions,
        order=order,
        edition=edition,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def load_bank(path: Path) -> Quiz:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(f"{path}: cannot read: {exc}") from None
    quiz = parse_bank(text, path.stem, str(path))
    quiz.path = path
    return quiz


def bank_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if p.is_file())


def load_quizzes(directory: Path) -> dict[str, Quiz]:
    """Every bank of `directory`, by id, in course order; ids unique across banks."""
    quizzes = [load_bank(p) for p in bank_files(directory)]
    owner: dict[str, str] = {}
    for quiz in quizzes:
        for q in quiz.questions:
            if q.id in owner:
                raise BankError(
                    f"{quiz.path}:{q.line}: question {q.id}: "
                    f"id is already used in quiz {owner[q.id]}"
                )
            owner[q.id] = quiz.id
    quizzes.sort(key=lambda z: (z.order, z.id))
    return {z.id: z for z in quizzes}


def quiz_dir(root: Path) -> Path:
    return Path(root) / "course" / "quizzes"


# ---------------------------------------------------------------- student edition


def _text_dict(text: Text) -> dict[str, str]:
    return {"en": text.en, "ko": text.ko}


def student_bank(quiz: Quiz, salt: str | None = None) -> dict[str, Any]:
    """The key-less edition of `quiz` as plain data (ready for YAML).

    `salt` makes the output reproducible; by default every question gets a
    fresh random salt.
    """
    questions: list[dict[str, Any]] = []
    for q in quiz.questions:
        q_salt = (
            hashlib.sha256(f"{salt}:{q.id}".encode()).hexdigest()[:16]
            if salt is not None
            else secrets.token_hex(8)
        )
        entry: dict[str, Any] = {"id": q.id, "kind": q.kind, "tags": list(q.tags)}
        if q.points != 1:
            entry["points"] = q.points
        entry["text"] = _text_dict(q.text)
        secret: dict[str, Any] = {"explanation": _text_dict(q.explanation)}
        if q.is_choice:
            entry["options"] = [_text_dict(o.text) for o in q.options]
            entry["key"] = choice_key(q_salt, q.id, correct_indices(q))
        if q.kind == "param":
            entry["params"] = {p.name: list(p.values) for p in q.params}
            if q.where:
                entry["where"] = list(q.where)
            secret["formula"] = q.formula
        if q.kind == "numeric":
            secret["answer"] = q.answer
        if not q.is_choice:
            if q.tolerance:
                entry["tolerance"] = q.tolerance
            if q.rel_tolerance:
                entry["rel_tolerance"] = q.rel_tolerance
        entry["salt"] = q_salt
        entry["sealed"] = seal(secret, q_salt, q.id)
        questions.append(entry)
    data: dict[str, Any] = {"edition": "student", "title": _text_dict(quiz.title)}
    if quiz.description is not None:
        data["description"] = _text_dict(quiz.description)
    data["order"] = quiz.order
    data["questions"] = questions
    return data


_STUDENT_HEADER = (
    "# Student edition of a dlcourse quiz bank, written by `dlcourse release`.\n"
    "# Answers are not stored in clear: take the quiz with `dlcourse quiz take`.\n"
)


def write_student_banks(src_dir: Path, dest_dir: Path, *, salt: str | None = None) -> list[Path]:
    """Write a key-less copy of every bank of `src_dir` into `dest_dir`.

    Each bank is validated first (a broken bank raises BankError and nothing
    of it is written). Returns the paths written, in file-name order.
    """
    dest_dir = Path(dest_dir)
    quizzes = load_quizzes(Path(src_dir))
    dest_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for quiz in sorted(quizzes.values(), key=lambda z: z.id):
        text = _STUDENT_HEADER + yaml.dump(
            student_bank(quiz, salt), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
        )
        path = dest_dir / f"{quiz.id}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
