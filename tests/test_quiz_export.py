"""Do the LMS exports hold the bank: every question, the right answers marked?

Each export is parsed back (Moodle XML, the QTI zip, GIFT) and compared with
the bank and with the engine: correct options, numbers and tolerances, the
explanation as general feedback, and, for --student, the values and option
order of that student's paper. The QTI structure is compared with text2qti's
for the same questions.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.quiz.bank import correct_indices, parse_bank
from autograder.quiz.export import export_quiz, gift_escape, prepare
from autograder.quiz.paper import build_paper
from autograder.quiz.take import get_quiz

ROOT = Path(__file__).resolve().parents[1]
QUIZ = "convolution"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"

SMALL = """
title: {en: "Tiny: {x} ~ = # : quiz", ko: "작은 퀴즈"}
questions:
  - id: pick-one
    kind: single
    tags: [conv-basics]
    text: {en: "Which one is {right} & <correct>?", ko: "어느 것이 맞는가?"}
    options:
      - {en: "wrong ~ one", ko: "틀림"}
      - {en: "right = one", ko: "맞음", correct: true}
      - {en: "also # wrong", ko: "또 틀림"}
    explanation: {en: "Because {x}: it is.", ko: "그러하다."}
  - id: pick-two
    kind: multiple
    tags: [conv-basics]
    points: 2
    text: {en: "Pick the two right ones.", ko: "맞는 두 개를 고르라."}
    options:
      - {en: "right A", ko: "맞음 A", correct: true}
      - {en: "wrong B", ko: "틀림 B"}
      - {en: "right C", ko: "맞음 C", correct: true}
      - {en: "wrong D", ko: "틀림 D"}
    explanation: {en: "A and C.", ko: "A와 C."}
  - id: a-number
    kind: numeric
    tags: [conv-basics]
    text: {en: "How much is 2.5?", ko: "2.5는 얼마인가?"}
    answer: 2.5
    tolerance: 0.1
    explanation: {en: "It is {answer}.", ko: "{answer}이다."}
"""


@pytest.fixture(scope="module")
def quiz():
    return get_quiz(QUIZ, ROOT)


def _plain(html_text: str) -> str:
    """The text of one of our HTML paragraphs."""
    text = re.sub(r"^<p>|</p>$", "", html_text).replace("<br>", "\n")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ---------------------------------------------------------------- Moodle


def _moodle_questions(path: Path) -> tuple[list[str], list[ET.Element]]:
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    categories = [
        q.findtext("category/text") for q in root.findall("question") if q.get("type") == "category"
    ]
    return categories, [q for q in root.findall("question") if q.get("type") != "category"]


def test_moodle_holds_every_question_with_its_key(quiz, tmp_path):
    """Is every bank question in the Moodle XML, with the right answers at 100%?"""
    out = tmp_path / "q.xml"
    export_quiz(quiz, fmt="moodle", out=out)
    categories, questions = _moodle_questions(out)
    assert categories == [f"$course$/top/dlcourse/{QUIZ}"]
    assert [q.findtext("name/text") for q in questions] == [q.id for q in quiz.questions]
    for node, q in zip(questions, quiz.questions):
        assert q.explanation.en.split("{")[0][:40] in _plain(node.findtext("generalfeedback/text"))
        assert float(node.findtext("defaultgrade")) == q.points
        answers = node.findall("answer")
        if q.is_choice:
            assert node.get("type") == "multichoice"
            assert node.findtext("single") == ("true" if q.kind == "single" else "false")
            assert [_plain(a.findtext("text")) for a in answers] == [o.text.en for o in q.options]
            fractions = [float(a.get("fraction")) for a in answers]
            right = {i for i, f in enumerate(fractions) if f > 0}
            assert right == set(correct_indices(q))
            assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
            if q.kind == "multiple" and len(right) < len(answers):
                assert sum(f for f in fractions if f < 0) == pytest.approx(-100, abs=1e-3)
        else:
            assert node.get("type") == "numerical" and len(answers) == 1
            item = prepare(quiz, seed=0)[quiz.questions.index(q)]
            assert float(answers[0].findtext("text")) == pytest.approx(item.answer)
            assert float(answers[0].findtext("tolerance")) == pytest.approx(item.tolerance)


def test_moodle_variants_of_parametrized_questions(quiz, tmp_path):
    """Does each parametrized question get its own category of distinct variants?"""
    out = tmp_path / "v.xml"
    export_quiz(quiz, fmt="moodle", out=out, variants=4, lang="ko")
    categories, questions = _moodle_questions(out)
    params = [q for q in quiz.questions if q.kind == "param"]
    for q in params:
        assert f"$course$/top/dlcourse/{QUIZ}-ko/{q.id}" in categories
        texts = [
            n.findtext("questiontext/text")
            for n in questions
            if n.findtext("name/text").startswith(q.id + "-v")
        ]
        assert 2 <= len(texts) <= 4 and len(set(texts)) == len(texts)
        assert all(re.search("[가-힣]", t) for t in texts)  # Korean
    fixed = [n for n in questions if not re.search(r"-v\d+$", n.findtext("name/text"))]
    assert len(fixed) == len(quiz.questions) - len(params)


# ---------------------------------------------------------------- QTI


def _qti_items(path: Path) -> list[ET.Element]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        ns = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
        hrefs = [f.get("href") for f in manifest.iter(f"{ns}file")]
        assert all(h in names for h in hrefs)
        qti = [
            r.find(f"{ns}file").get("href")
            for r in manifest.iter(f"{ns}resource")
            if r.get("type") == "imsqti_xmlv1p2"
        ]
        assert len(qti) == 1
        root = ET.fromstring(archive.read(qti[0]))
    assert root.tag == f"{QTI}questestinterop"
    return list(root.iter(f"{QTI}item"))


def _qti_signature(item: ET.Element) -> tuple:
    """What a QTI item asks and accepts, independent of ids and texts."""
    fields = {
        f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
        for f in item.iter(f"{QTI}qtimetadatafield")
    }
    labels = [label.get("ident") for label in item.iter(f"{QTI}response_label")]
    scoring = [
        c
        for c in item.iter(f"{QTI}respcondition")
        if c.find(f"{QTI}setvar") is not None and c.findtext(f"{QTI}setvar") == "100"
    ]
    assert len(scoring) == 1
    condition = scoring[0].find(f"{QTI}conditionvar")
    negated = {v.text for n in condition.iter(f"{QTI}not") for v in n.iter(f"{QTI}varequal")}
    required = {v.text for v in condition.iter(f"{QTI}varequal")} - negated
    if fields["question_type"] == "numerical_question":
        bounds = (
            float(condition.findtext(f".//{QTI}vargte")),
            float(condition.findtext(f".//{QTI}varlte")),
        )
        return fields["question_type"], float(fields["points_possible"]), bounds
    correct = tuple(i for i, label in enumerate(labels) if label in required)
    cardinality = item.find(f".//{QTI}response_lid").get("rcardinality")
    return (
        fields["question_type"],
        float(fields["points_possible"]),
        len(labels),
        cardinality,
        correct,
    )


def test_qti_zip_holds_every_question_with_its_key(quiz, tmp_path):
    out = tmp_path / "q.zip"
    export_quiz(quiz, fmt="qti", out=out)
    items = _qti_items(out)
    assert [i.get("title") for i in items] == [q.id for q in quiz.questions]
    kinds = {"single": "multiple_choice_question", "multiple": "multiple_answers_question"}
    for item, q, lms in zip(items, quiz.questions, prepare(quiz)):
        signature = _qti_signature(item)
        assert signature[0] == kinds.get(q.kind, "numerical_question")
        if q.is_choice:
            assert signature[4] == tuple(sorted(correct_indices(q)))
        else:
            assert signature[2] == pytest.approx(
                (lms.answer - lms.tolerance, lms.answer + lms.tolerance)
            )
        feedback = item.find(f"{QTI}itemfeedback").findtext(f".//{QTI}mattext")
        assert _plain(feedback) == lms.feedback


def test_qti_matches_text2qti(tmp_path):
    """Is our QTI built like text2qti's (a well-kept Canvas exporter) for the same quiz?"""
    pytest.importorskip("text2qti")
    from text2qti.config import Config
    from text2qti.qti import QTI as T2QTI
    from text2qti.quiz import Quiz as T2Quiz

    small = parse_bank(SMALL, "tiny")
    ours = tmp_path / "ours.zip"
    export_quiz(small, fmt="qti", out=ours)
    text = (
        "Quiz title: Tiny\n\n"
        "1.  Which one?\na)  wrong\n*b) right\nc)  also wrong\n\n"
        "Points: 2\n2.  Pick two.\n[*] right A\n[ ] wrong B\n[*] right C\n[ ] wrong D\n\n"
        "3.  How much?\n=   2.5 +- 0.1\n"
    )
    theirs = tmp_path / "theirs.zip"
    T2QTI(T2Quiz(text, config=Config(), source_name="tiny.md")).save(theirs)
    assert [_qti_signature(i) for i in _qti_items(ours)] == [
        _qti_signature(i) for i in _qti_items(theirs)
    ]


# ---------------------------------------------------------------- GIFT


def _gift_blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", text) if b.startswith("::")]


def test_gift_holds_every_question_with_its_key(quiz, tmp_path):
    out = tmp_path / "q.gift"
    export_quiz(quiz, fmt="gift", out=out)
    blocks = _gift_blocks(out.read_text())
    assert len(blocks) == len(quiz.questions)
    for block, q, lms in zip(blocks, quiz.questions, prepare(quiz)):
        assert block.startswith(f"::{q.id}::[html]")
        assert f"####{gift_escape('<p>')}" in block
        if q.kind == "single":
            lines = [line.strip() for line in block.splitlines()[1:-2]]
            assert [i for i, line in enumerate(lines) if line.startswith("=")] == lms.correct
        elif q.kind == "multiple":
            lines = [line.strip() for line in block.splitlines()[1:-2]]
            positive = [i for i, line in enumerate(lines) if re.match(r"~%\d", line)]
            assert positive == lms.correct
        else:
            match = re.search(r"\{#(-?[\d.e+-]+):([\d.e+-]+) ####", block)
            assert match and float(match.group(1)) == pytest.approx(lms.answer)


def test_gift_escapes_its_special_characters(tmp_path):
    out = tmp_path / "tiny.gift"
    export_quiz(parse_bank(SMALL, "tiny"), fmt="gift", out=out)
    text = out.read_text()
    assert r"right \= one" in text and r"wrong \~ one" in text and r"also \# wrong" in text
    assert r"Because \{x\}\: it is." in text
    # outside escapes, only the format's own braces remain: one pair per question
    bare = re.sub(r"\\.", "", text.split("\n\n", 1)[1])
    assert bare.count("{") == bare.count("}") == 3


# ---------------------------------------------------------------- one student's version


def test_student_export_is_their_paper(quiz, tmp_path):
    """With --student: their values and option order, as on `quiz paper`, in Korean too."""
    for lang in ("en", "ko"):
        paper = build_paper(quiz, "kim", lang)
        items = prepare(quiz, student="kim", lang=lang)
        assert [i.text for i in items] == [q.text for q in paper.questions]
        assert [i.options for i in items] == [[o.text for o in q.options] for q in paper.questions]
    out = tmp_path / "kim.xml"
    export_quiz(quiz, fmt="moodle", out=out, student="kim")
    _, questions = _moodle_questions(out)
    assert {q.findtext("shuffleanswers") for q in questions if q.get("type") == "multichoice"} == {
        "false"
    }  # the LMS must keep the student's order
    view_explanations = [i.feedback for i in prepare(quiz, student="kim")]
    assert [_plain(q.findtext("generalfeedback/text")) for q in questions] == view_explanations


def test_cli_quiz_export(tmp_path):
    runner = CliRunner()
    out = tmp_path / "c.zip"
    result = runner.invoke(main, ["quiz", "export", QUIZ, "--format", "qti", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)
    result = runner.invoke(
        main, ["quiz", "export", QUIZ, "--format", "gift", "--out", str(out), "--variants", "2"]
    )
    assert result.exit_code != 0 and "variants" in result.output


# ---------------------------------------------------------------- both languages in one course


def _identifiers(path: Path, fmt: str) -> set[str]:
    """Everything of an export that an LMS keeps as an identifier."""
    if fmt == "moodle":
        root = ET.parse(path).getroot()
        return {t.text for t in root.iter("text") if t.text and t.text.startswith("$course$")} | {
            n.text for n in root.iter("idnumber")
        }
    if fmt == "gift":
        return set(re.findall(r"(?m)^\$CATEGORY: (.+)$", path.read_text()))
    found: set[str] = set()
    with zipfile.ZipFile(path) as archive:
        found |= {name.split("/")[0] for name in archive.namelist() if "/" in name}
        for name in archive.namelist():
            root = ET.fromstring(archive.read(name))
            for node in root.iter():
                found |= {node.get(key) for key in ("ident", "identifier") if node.get(key)}
    return found - {"root_section", "general_fb", "response1", "answer1"}


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_english_and_korean_exports_share_no_identifier(quiz, tmp_path, fmt):
    """Can the English and the Korean export of one quiz go into one course side by side:
    does each language have its own categories, idnumbers and QTI idents?"""
    variants = 3 if fmt == "moodle" else 1
    found = {}
    for lang in ("en", "ko"):
        out = tmp_path / f"{lang}.{fmt}"
        export_quiz(quiz, fmt=fmt, out=out, lang=lang, variants=variants)
        found[lang] = _identifiers(out, fmt)
    assert found["en"] and found["ko"]
    assert found["en"] & found["ko"] == set()
    if fmt == "moodle":  # every question has its own idnumber in its language
        assert len(found["ko"]) >= len(quiz.questions)
