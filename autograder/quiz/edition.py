"""The student edition: a key-less copy of every bank for the student bundle."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

import yaml

from autograder.quiz.keys import choice_key, correct_indices, seal
from autograder.quiz.schema import Dumper, Quiz, Text
from autograder.quiz.validate import load_quizzes


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
            if not q.shuffle:
                entry["shuffle"] = False
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
            student_bank(quiz, salt), Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100
        )
        path = dest_dir / f"{quiz.id}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
