"""Quizzes for learning management systems: Moodle XML, QTI 1.2 (Canvas) and GIFT.

`prepare` turns a bank into `LmsQuestion`s in one language: texts rendered as a
student sees them (numbers filled in, option references as letters, Korean
particles agreed), the correct options marked, numbers with an absolute
tolerance, the explanation as general feedback. Parametrized questions become
one drawn variant (the values of `--student`, or of a stated seed); Moodle can
instead take several variants of each, grouped in one category per question so
that a Moodle quiz draws one of them at random for every student.

`export_quiz` writes one of the three formats; `QTI` is a zip with
imsmanifest.xml and the assessment, the layout Canvas imports.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from autograder.errors import UsageError
from autograder.quiz.bank import (
    Question,
    Quiz,
    correct_indices,
    draw_values,
    expected_number,
    format_number,
    student_seed,
)
from autograder.quiz.draw import for_student
from autograder.quiz.engine import render_explanation, render_option, render_text

FORMATS = ("moodle", "qti", "gift")
MAX_VARIANTS = 50
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"


@dataclass
class LmsQuestion:
    """One question in one language, ready for any of the formats."""

    id: str  # unique in the export: the bank id, plus -vN for a variant
    kind: str  # single | multiple | numeric
    text: str
    points: float
    feedback: str
    options: list[str] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)  # positions in `options`
    answer: float | None = None
    tolerance: float = 0.0  # absolute
    shuffle: bool = False  # let the LMS shuffle the options
    category: str = ""  # Moodle: the question's own category (variants)


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
    if lang not in ("en", "ko"):
        raise UsageError("lang must be en or ko")
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


def as_html(text: str) -> str:
    """Plain text as a paragraph of HTML (escaped, line breaks kept)."""
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else format_number(value)


def _fraction(count: int, sign: int = 1) -> str:
    """Moodle's grade fraction for one of `count` options (100 / count, five decimals)."""
    return f"{sign * 100 / count:.5f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- Moodle XML


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _text_node(parent: ET.Element, tag: str, text: str, fmt: str = "html") -> None:
    _sub(_sub(parent, tag, format=fmt), "text", text)


def _category(root: ET.Element, path: str) -> None:
    question = _sub(root, "question", type="category")
    _sub(_sub(question, "category"), "text", f"$course$/top/{path}")


def moodle_xml(quiz: Quiz, items: list[LmsQuestion], lang: str) -> str:
    """Moodle XML: a category for the quiz, one sub-category per varied question."""
    root = ET.Element("quiz")
    base = f"dlcourse/{quiz.id}"
    current = None
    for item in items:
        wanted = f"{base}/{item.category}" if item.category else base
        if wanted != current:
            _category(root, wanted)
            current = wanted
        kind = {"single": "multichoice", "multiple": "multichoice", "numeric": "numerical"}
        node = _sub(root, "question", type=kind[item.kind])
        _sub(_sub(node, "name"), "text", item.id)
        _text_node(node, "questiontext", as_html(item.text))
        _text_node(node, "generalfeedback", as_html(item.feedback))
        _sub(node, "defaultgrade", _number(item.points))
        _sub(node, "penalty", "0")
        _sub(node, "hidden", "0")
        _sub(node, "idnumber", item.id)
        if item.kind == "numeric":
            assert item.answer is not None
            answer = _sub(node, "answer", fraction="100", format="moodle_auto_format")
            _sub(answer, "text", _number(item.answer))
            _sub(answer, "tolerance", _number(item.tolerance))
            _text_node(answer, "feedback", "")
            continue
        _sub(node, "single", "true" if item.kind == "single" else "false")
        _sub(node, "shuffleanswers", "true" if item.shuffle else "false")
        _sub(node, "answernumbering", "ABCD")
        wrong = len(item.options) - len(item.correct)
        for index, option in enumerate(item.options):
            if index in item.correct:
                fraction = _fraction(len(item.correct))
            else:  # multiple answers: a wrong tick costs, so ticking all earns nothing
                fraction = "0" if item.kind == "single" else _fraction(wrong, -1)
            answer = _sub(node, "answer", fraction=fraction, format="html")
            _sub(answer, "text", as_html(option))
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
        wanted = f"dlcourse/{quiz.id}" + (f"/{item.category}" if item.category else "")
        if wanted != current:
            out += [f"$CATEGORY: $course$/top/{wanted}", ""]
            current = wanted
        head = f"::{gift_escape(item.id)}::[html]{_gift_html(item.text)}"
        if item.kind == "numeric":
            assert item.answer is not None
            body = f"#{_number(item.answer)}:{_number(item.tolerance)}"
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


# ---------------------------------------------------------------- QTI 1.2 (Canvas)


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    meta = _sub(parent, "qtimetadata")
    for label, entry in fields.items():
        node = _sub(meta, "qtimetadatafield")
        _sub(node, "fieldlabel", label)
        _sub(node, "fieldentry", entry)


def _mattext(parent: ET.Element, text: str) -> None:
    _sub(_sub(parent, "material"), "mattext", as_html(text), texttype="text/html")


def _qti_item(section: ET.Element, item: LmsQuestion, ident: str) -> None:
    node = _sub(section, "item", ident=ident, title=item.id)
    kinds = {
        "single": "multiple_choice_question",
        "multiple": "multiple_answers_question",
        "numeric": "numerical_question",
    }
    choice_ids = [f"{ident}_c{i + 1}" for i in range(len(item.options))]
    _meta(
        _sub(node, "itemmetadata"),
        {
            "question_type": kinds[item.kind],
            "points_possible": _number(item.points),
            "original_answer_ids": ",".join(choice_ids) or f"{ident}_n1",
            "assessment_question_identifierref": f"{ident}_ref",
        },
    )
    presentation = _sub(node, "presentation")
    _mattext(presentation, item.text)
    processing = ET.Element("resprocessing")
    outcomes = _sub(processing, "outcomes")
    _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = _sub(processing, "respcondition", **{"continue": "Yes"})
    _sub(_sub(general, "conditionvar"), "other")
    _sub(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    scoring = ET.Element("respcondition", {"continue": "No"})
    condition = _sub(scoring, "conditionvar")
    if item.kind == "numeric":
        assert item.answer is not None
        response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        _sub(_sub(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        either = _sub(condition, "or")
        _sub(either, "varequal", _number(item.answer), respident="response1")
        within = _sub(either, "and")
        _sub(within, "vargte", _number(item.answer - item.tolerance), respident="response1")
        _sub(within, "varlte", _number(item.answer + item.tolerance), respident="response1")
    else:
        cardinality = "Single" if item.kind == "single" else "Multiple"
        response = _sub(presentation, "response_lid", ident="response1", rcardinality=cardinality)
        render = _sub(response, "render_choice", shuffle="Yes" if item.shuffle else "No")
        for choice, option in zip(choice_ids, item.options):
            _mattext(_sub(render, "response_label", ident=choice), option)
        if item.kind == "single":
            _sub(condition, "varequal", choice_ids[item.correct[0]], respident="response1")
        else:
            every = _sub(condition, "and")
            for index, choice in enumerate(choice_ids):
                target = every if index in item.correct else _sub(every, "not")
                _sub(target, "varequal", choice, respident="response1")
    _sub(scoring, "setvar", "100", action="Set", varname="SCORE")
    processing.append(scoring)
    node.append(processing)
    feedback = _sub(node, "itemfeedback", ident="general_fb")
    _mattext(_sub(feedback, "flow_mat"), item.feedback)


def qti_assessment(quiz: Quiz, items: list[LmsQuestion], lang: str, ident: str) -> str:
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = _sub(root, "assessment", ident=ident, title=quiz.title.get(lang))
    _meta(assessment, {"cc_maxattempts": "1"})
    section = _sub(assessment, "section", ident="root_section")
    for number, item in enumerate(items, start=1):
        _qti_item(section, item, f"{ident}_q{number}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def qti_manifest(ident: str, title: str) -> str:
    root = ET.Element("manifest", identifier=f"{ident}_manifest", xmlns=CP_NS)
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    resource = _sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    _sub(resource, "file", href=f"{ident}/{ident}.xml")
    _sub(resource, "dependency", identifierref=f"{ident}_meta")
    meta = _sub(
        resources,
        "resource",
        identifier=f"{ident}_meta",
        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
        href=f"{ident}/assessment_meta.xml",
    )
    _sub(meta, "file", href=f"{ident}/assessment_meta.xml")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def canvas_meta(ident: str, title: str, items: list[LmsQuestion]) -> str:
    """Canvas's quiz settings beside the assessment (title, points, no answer shuffling)."""
    root = ET.Element("quiz", identifier=ident, xmlns=CANVAS_NS)
    _sub(root, "title", title)
    _sub(root, "shuffle_answers", "true" if any(i.shuffle for i in items) else "false")
    _sub(root, "quiz_type", "assignment")
    _sub(root, "points_possible", _number(sum(i.points for i in items)))
    _sub(root, "show_correct_answers", "true")
    _sub(root, "allowed_attempts", "1")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def qti_zip(quiz: Quiz, items: list[LmsQuestion], lang: str) -> bytes:
    """A QTI 1.2 package: imsmanifest.xml and ident/ident.xml (the assessment)."""
    ident = "dlcourse_" + re.sub(r"[^A-Za-z0-9_]", "_", quiz.id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", qti_manifest(ident, quiz.title.get(lang)))
        archive.writestr(f"{ident}/{ident}.xml", qti_assessment(quiz, items, lang, ident))
        archive.writestr(
            f"{ident}/assessment_meta.xml", canvas_meta(ident, quiz.title.get(lang), items)
        )
    return buffer.getvalue()


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
