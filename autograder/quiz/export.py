"""Quizzes for learning management systems: Moodle XML, QTI 1.2 (Canvas) and GIFT.

`prepare` turns a bank into `LmsQuestion`s in one language: texts rendered as a
student sees them (numbers filled in, option references as letters, Korean
particles agreed), the correct options marked, numbers with an absolute
tolerance, the explanation as general feedback. Parametrized questions become
one drawn variant (the values of `--student`, or of a stated seed); Moodle can
instead take several variants of each, grouped in one category per question so
that a Moodle quiz draws one of them at random for every student.

`export_quiz` writes one of the three formats; QTI (`autograder.quiz.qti`)
is a zip with imsmanifest.xml and the assessment, the layout Canvas imports.

Every identifier an LMS keeps (Moodle's categories and idnumbers, GIFT's
categories, QTI's idents) carries the language (`lang_tag`), so the English
and the Korean export of one quiz import into one course side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from autograder.errors import UsageError
from autograder.quiz.bank import (
    Question,
    Quiz,
    correct_indices,
    draw_values,
    expected_number,
    student_seed,
)
from autograder.quiz.draw import for_student
from autograder.quiz.engine import render_explanation, render_option, render_text
from autograder.quiz.lms import LmsQuestion, as_html, lang_tag, number_text, sub_element

FORMATS = ("moodle", "qti", "gift")
LANGS = ("en", "ko")
MAX_VARIANTS = 50


@dataclass
class QuizExport:
    path: Path
    format: str
    questions: int  # questions of the bank
    items: int  # questions written (variants count one each)
    seed: int
    student: str | None


def _variant(q: Question, seed: int, lang: str, shuffle: bool, qid: str) -> LmsQuestion:
    values = draw_values(q, seed)
    item = LmsQuestion(
        id=qid,
        kind="numeric" if q.kind in ("numeric", "param") else q.kind,
        text=render_text(q, lang, values),
        points=q.points,
        feedback=render_explanation(q, lang, values),
        shuffle=shuffle and q.shuffle,
    )
    if q.is_choice:
        item.options = [render_option(q, i, lang) for i in range(len(q.options))]
        item.correct = sorted(correct_indices(q))
    else:
        item.answer = expected_number(q, values)
        item.tolerance = q.tolerance + q.rel_tolerance * abs(item.answer)
    return item


def prepare(
    quiz: Quiz,
    *,
    lang: str = "en",
    student: str | None = None,
    seed: int = 0,
    variants: int = 1,
) -> list[LmsQuestion]:
    """The quiz's questions for an LMS (see the module's docstring).

    With `student`, that student's paper: their values and their option order
    (the LMS must then not shuffle). Otherwise the bank's order, options marked
    for shuffling, values drawn from `seed` (and `seed + 1`, ... for variants).
    """
    if lang not in LANGS:
        raise UsageError(f"lang must be one of {', '.join(LANGS)}")
    if not 1 <= variants <= MAX_VARIANTS:
        raise UsageError(f"variants must be between 1 and {MAX_VARIANTS}")
    if student is not None:
        seed = student_seed(student)
        view = for_student(quiz, seed)
        return [_variant(q, seed, lang, False, q.id) for q in view.questions]
    items: list[LmsQuestion] = []
    for q in quiz.questions:
        if q.kind != "param" or variants == 1:
            items.append(_variant(q, seed, lang, True, q.id))
            continue
        seen: set[tuple[tuple[str, float], ...]] = set()
        for k in range(variants):
            values = tuple(sorted(draw_values(q, seed + k).items()))
            if values in seen:
                continue  # a small parameter space repeats itself
            seen.add(values)
            item = _variant(q, seed + k, lang, True, f"{q.id}-v{len(seen)}")
            item.category = q.id
            items.append(item)
    return items


# ---------------------------------------------------------------- text helpers


def _fraction(count: int, sign: int = 1) -> str:
    """Moodle's grade fraction for one of `count` options (100 / count, five decimals)."""
    return f"{sign * 100 / count:.5f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- Moodle XML


def _text_node(parent: ET.Element, tag: str, text: str, fmt: str = "html") -> None:
    sub_element(sub_element(parent, tag, format=fmt), "text", text)


def _category(root: ET.Element, path: str) -> None:
    question = sub_element(root, "question", type="category")
    sub_element(sub_element(question, "category"), "text", f"$course$/top/{path}")


def moodle_xml(quiz: Quiz, items: list[LmsQuestion], lang: str) -> str:
    """Moodle XML: a category for the quiz, one sub-category per varied question."""
    root = ET.Element("quiz")
    base = f"dlcourse/{quiz.id}{lang_tag(lang)}"
    current = None
    for item in items:
        wanted = f"{base}/{item.category}" if item.category else base
        if wanted != current:
            _category(root, wanted)
            current = wanted
        kind = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical"}
        node = sub_element(root, "question", type=kind[item.kind])
        sub_element(sub_element(node, "name"), "text", item.id)
        _text_node(node, "questiontext", as_html(item.text))
        _text_node(node, "generalfeedback", as_html(item.feedback))
        sub_element(node, "defaultgrade", number_text(item.points))
        sub_element(node, "penalty", "0")
        sub_element(node, "hidden", "0")
        sub_element(node, "idnumber", item.id + lang_tag(lang))
        if item.kind == "numeric":
            assert item.answer is not None
            answer = sub_element(node, "answer", fraction="100", format="moodle_auto_format")
            sub_element(answer, "text", number_text(item.answer))
            sub_element(answer, "tolerance", number_text(item.tolerance))
            _text_node(answer, "feedback", "")
            continue
        sub_element(node, "single", "true" if item.kind == "single" else "false")
        sub_element(node, "shuffleanswers", "true" if item.shuffle else "false")
        sub_element(node, "answernumbering", "ABCD")
        wrong = len(item.options) - len(item.correct)
        for index, option in enumerate(item.options):
            if index in item.correct:
                fraction = _fraction(len(item.correct))
            else:  # multiple answers: a wrong tick costs, so ticking all earns nothing
                fraction = "0" if item.kind == "single" else _fraction(wrong, -1)
            answer = sub_element(node, "answer", fraction=fraction, format="html")
            sub_element(answer, "text", as_html(option))
            _text_node(answer, "feedback", "")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# ---------------------------------------------------------------- GIFT

_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def gift_escape(text: str) -> str:
    return _GIFT_SPECIAL.sub(r"\\\1", text)


def _gift_html(text: str) -> str:
    return gift_escape(as_html(text))


def gift(quiz: Quiz, items: list[LmsQuestion], lang: str) -> str:
    """GIFT: one question per paragraph, the explanation as general feedback (####)."""
    out = [f"// {quiz.title.get(lang)} ({quiz.id}), written by dlcourse quiz export", ""]
    current = None
    for item in items:
        base = f"dlcourse/{quiz.id}{lang_tag(lang)}"
        wanted = base + (f"/{item.category}" if item.category else "")
        if wanted != current:
            out += [f"$CATEGORY: $course$/top/{wanted}", ""]
            current = wanted
        head = f"::{gift_escape(item.id)}::[html]{_gift_html(item.text)}"
        if item.kind == "numeric":
            assert item.answer is not None
            body = f"#{number_text(item.answer)}:{number_text(item.tolerance)}"
            out.append(f"{head} {{{body} ####{_gift_html(item.feedback)}}}")
        else:
            lines = []
            wrong = len(item.options) - len(item.correct)
            for index, option in enumerate(item.options):
                text = _gift_html(option)
                if item.kind == "single":
                    lines.append(("=" if index in item.correct else "~") + text)
                elif index in item.correct:
                    lines.append(f"~%{_fraction(len(item.correct))}%{text}")
                else:
                    lines.append(f"~%{_fraction(wrong, -1)}%{text}")
            lines.append(f"####{_gift_html(item.feedback)}")
            out.append(head + " {\n" + "\n".join(f"  {line}" for line in lines) + "\n}")
        out.append("")
    return "\n".join(out)


def export_quiz(
    quiz: Quiz,
    *,
    fmt: str,
    out: Path,
    lang: str = "en",
    student: str | None = None,
    seed: int = 0,
    variants: int = 1,
) -> QuizExport:
    """Write `quiz` as Moodle XML, a QTI 1.2 zip or GIFT to `out`.

    `variants` (Moodle only) writes that many drawn variants of every
    parametrized question, each question in its own category.
    """
    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}")
    if variants != 1 and (fmt != "moodle" or student is not None):
        raise UsageError("variants are for Moodle exports without --student")
    items = prepare(quiz, lang=lang, student=student, seed=seed, variants=variants)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "qti":
        from autograder.quiz.qti import qti_zip

        out.write_bytes(qti_zip(quiz, items, lang))
    else:
        text = moodle_xml(quiz, items, lang) if fmt == "moodle" else gift(quiz, items, lang)
        out.write_text(text, encoding="utf-8")
    used = student_seed(student) if student is not None else seed
    return QuizExport(out, fmt, len(quiz.questions), len(items), used, student)


def export_course_quiz(
    *,
    quiz_id: str,
    fmt: str,
    out: Path,
    lang: str = "en",
    student: str | None = None,
    seed: int = 0,
    variants: int = 1,
    root: Path | None = None,
) -> QuizExport:
    """`export_quiz` for the course's bank `quiz_id` (what `dlcourse quiz export` runs)."""
    from autograder.paths import find_root
    from autograder.quiz.take import get_quiz

    quiz = get_quiz(quiz_id, Path(root) if root is not None else find_root())
    return export_quiz(
        quiz, fmt=fmt, out=out, lang=lang, student=student, seed=seed, variants=variants
    )
