"""Loading and validating banks: YAML text in, `Quiz` objects out, or a `BankError`
that names the file, the line and the question."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any

import yaml

from autograder.quiz import formula
from autograder.quiz.draw import draw_values, expected_number
from autograder.quiz.keys import correct_indices, unseal
from autograder.quiz.schema import (
    EDITIONS,
    ID_RE,
    KINDS,
    LANGS,
    MAX_OPTIONS,
    OPTION_REF_RE,
    PLACEHOLDER_RE,
    QUESTION_KEYS,
    RESERVED_IDS,
    SEALED_FIELDS,
    STUDENT_EXTRA,
    TOP_KEYS,
    BankError,
    Loader,
    Option,
    Param,
    Question,
    Quiz,
    Text,
)
from autograder.quiz.topics import TOPICS


def _question_lines(text: str) -> list[int]:
    """1-based line of each item of the top-level `questions` sequence."""
    try:
        node = yaml.compose(text, Loader=Loader)
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
        used = set(PLACEHOLDER_RE.findall(text))
        unknown = used - names
        if unknown:
            raise where.error(f"{lang} text uses unknown values {sorted(unknown)}")
        missing = names - used
        if missing:
            raise where.error(f"{lang} text never shows the drawn values {sorted(missing)}")
        explained = set(PLACEHOLDER_RE.findall(question.explanation.get(lang)))
        unknown = explained - names - {"answer"}
        if unknown:
            raise where.error(f"{lang} explanation uses unknown values {sorted(unknown)}")


def _check_option_refs(question: Question, where: _Where) -> None:
    """`{opt:N}` may name only an existing option, and only in a choice question."""
    for lang in LANGS:
        texts = [("text", question.text.get(lang)), ("explanation", question.explanation.get(lang))]
        texts += [(f"option {i + 1}", o.text.get(lang)) for i, o in enumerate(question.options)]
        for what, text in texts:
            for match in OPTION_REF_RE.finditer(text):
                if not question.is_choice:
                    raise where.error(f"{lang} {what}: {match.group(0)} needs a choice question")
                if not 1 <= int(match.group(1)) <= len(question.options):
                    raise where.error(
                        f"{lang} {what}: {match.group(0)} names no option "
                        f"(options are 1-{len(question.options)})"
                    )


def _question(raw: Any, line: int, edition: str, path: str) -> Question:
    where = _Where(path, line)
    if not isinstance(raw, dict):
        raise where.error("a question must be a mapping")
    qid = raw.get("id")
    if not isinstance(qid, str) or not ID_RE.match(qid):
        raise where.error(f"id {qid!r} must be lowercase letters, digits and hyphens")
    if qid in RESERVED_IDS:
        raise where.error(f"id {qid!r} is reserved by the answer-file format")
    where.qid = qid
    kind = raw.get("kind")
    if kind not in KINDS:
        raise where.error(f"kind {kind!r} must be one of {', '.join(KINDS)}")
    allowed = set(QUESTION_KEYS[kind])
    data = dict(raw)
    sealed: dict[str, Any] = {}
    if edition == "student":
        allowed = (allowed - SEALED_FIELDS) | STUDENT_EXTRA
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
        shuffle = data.get("shuffle", True)
        if not isinstance(shuffle, bool):
            raise where.error("'shuffle' must be true or false")
        question.shuffle = shuffle
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
    _check_option_refs(question, where)
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
        data = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise BankError(f"{path}{line}: not valid YAML: {exc}") from None
    where = _Where(path)
    if not isinstance(data, dict):
        raise where.error("a bank must be a mapping with 'title' and 'questions'")
    unknown = set(data) - TOP_KEYS
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
