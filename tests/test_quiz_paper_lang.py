"""A paper in the student's language: points written as Korean writes them, an answer sheet in Korean.

The answer sheet under a paper must stay an answer file that `quiz grade`
reads, whatever the language of its comments.
"""

from __future__ import annotations

import re

import pytest
from test_quiz_engine import SMALL_BANK

from autograder.quiz.answers import parse_answer_text, render_answer_file
from autograder.quiz.bank import (
    correct_indices,
    draw_values,
    expected_number,
    parse_bank,
    student_seed,
)
from autograder.quiz.draw import for_student, letter
from autograder.quiz.engine import grade_sheet
from autograder.quiz.paper import build_paper, points_label, render_paper

HANGUL = re.compile(r"[\uac00-\ud7a3]")
STUDENTS = ["kim", "lee", "s07", "김철수"]


@pytest.fixture()
def demo():
    return parse_bank(SMALL_BANK, "demo", "demo.yaml")


def sheet_of(text: str) -> str:
    """The answer sheet at the end of a rendered paper, from its first comment line."""
    start = text.index("format: dlcourse-quiz-answers/2")
    return text[text.rindex("\n#", 0, text.rindex("\n#", 0, start)) + 1 :]


def test_points_are_written_the_korean_way():
    """Does a Korean paper say "1점" (no space) and an English one "1 point" / "2 points"?"""
    assert points_label(1.0, "ko") == "1점"
    assert points_label(2.5, "ko") == "2.5점"
    assert points_label(1.0, "en") == "1 point"
    assert points_label(2.0, "en") == "2 points"


def test_korean_paper_prints_points_as_jeom(demo):
    """Does every question of a Korean paper show "(1점)" and never a spaced "1 점"?"""
    text = render_paper(build_paper(demo, "kim", "ko"), demo)
    assert text.count("(1점)") == len(demo.questions)
    assert not re.search(r"\d \s*점", text)


def test_korean_answer_sheet_is_korean(demo):
    """Is every comment of a Korean paper's answer sheet written in Korean, with no English hint left?"""
    sheet = sheet_of(render_paper(build_paper(demo, "kim", "ko"), demo))
    comments = [line for line in sheet.splitlines() if line.startswith("#")]
    assert len(comments) == 2 + len(demo.questions)
    for line in comments:
        assert HANGUL.search(line), line
    assert not re.search(r"one of|all that apply|a number|answer: one", sheet)
    assert "lang: ko" in sheet


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_answer_sheet_is_an_answer_file_that_grades_as_written(demo, lang):
    """Does the sheet, filled with the right letters and numbers, grade every question right?"""
    for student in STUDENTS:
        sheet = sheet_of(render_paper(build_paper(demo, student, lang), demo))
        seed = student_seed(student)
        view = for_student(demo, seed)
        for q in view.questions:
            if q.is_choice:
                value = ", ".join(letter(i) for i in sorted(correct_indices(q)))
            else:
                value = repr(expected_number(q, draw_values(q, seed)))
            sheet = sheet.replace(f"\n{q.id}:", f"\n{q.id}: {value}")
        parsed = parse_answer_text(sheet, demo, "sheet.txt")
        assert parsed.student == student and parsed.lang == lang
        result = grade_sheet(demo, parsed)
        assert {t.status for t in result.tests} == {"passed"}, (student, lang)


def test_english_sheet_is_what_take_export_writes(demo):
    """Is an English paper's sheet the same file that `take --export` writes with no answers?"""
    for student in STUDENTS:
        seed = student_seed(student)
        sheet = sheet_of(render_paper(build_paper(demo, student, "en"), demo))
        exported = render_answer_file(for_student(demo, seed), student, {}, seed=seed, lang="en")
        assert sheet == exported
