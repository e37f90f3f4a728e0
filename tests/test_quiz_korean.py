"""Korean particles after drawn values: "2.1이", "0.1을", "3으로", "10을", "7로".

The particles are checked against numbers read aloud by a small Sino-Korean
reader written here (digit names, place words, 점 for the decimal point), and
the final consonant of the last syllable taken from the Hangul code point, so
the check does not reuse the engine's table.
"""

from __future__ import annotations

import re

import pytest
from test_quiz_engine import SMALL_BANK

from autograder.quiz import bank as qbank
from autograder.quiz.bank import draw_values, parse_bank, student_seed
from autograder.quiz.draw import for_student
from autograder.quiz.engine import render_explanation, render_option, render_text
from autograder.quiz.korean import agree_after_option_refs, agree_particles

STUDENTS = [f"k{i:03d}" for i in range(60)]
DIGITS = "영일이삼사오육칠팔구"
RIEUL = 8  # index of ㄹ among the final consonants of a Hangul syllable
PAIRS = [("이", "가"), ("을", "를"), ("은", "는"), ("과", "와"), ("으로", "로")]
FORM_PAIR = {form: pair for pair in PAIRS for form in pair}
# A number, then a particle that ends the word (a space, punctuation or the end follows).
FOUND_RE = re.compile(
    r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?%?)(으로|로|이|가|을|를|은|는|과|와)(?![가-힣])"
)


def _below_10000(n: int) -> str:
    out = ""
    for value, name in ((1000, "천"), (100, "백"), (10, "십")):
        count, n = divmod(n, value)
        if count:
            out += ("" if count == 1 else DIGITS[count]) + name
    return out + (DIGITS[n] if n else "")


def read_aloud(number: str) -> str:
    """The Sino-Korean reading of a written number: 2.1 -> 이점일, 120 -> 백이십."""
    percent = number.endswith("%")
    whole, _, decimals = number.rstrip("%").replace(",", "").partition(".")
    n = int(whole)
    out = "" if n else "영"
    for value, name in ((10**12, "조"), (10**8, "억"), (10**4, "만")):
        count, n = divmod(n, value)
        if count:  # 만 alone, but 일억, 일조
            out += ("" if count == 1 and name == "만" else _below_10000(count)) + name
    out += _below_10000(n)
    if decimals:
        out += "점" + "".join(DIGITS[int(d)] for d in decimals)
    return out + ("퍼센트" if percent else "")


def expected_particle(number: str, particle: str) -> str:
    after_consonant, after_vowel = FORM_PAIR[particle]
    final = (ord(read_aloud(number)[-1]) - 0xAC00) % 28
    if final == 0 or (final == RIEUL and after_consonant == "으로"):
        return after_vowel
    return after_consonant


def disagreements(text: str) -> list[str]:
    return [
        m.group(0)
        for m in FOUND_RE.finditer(text)
        if m.group(2) != expected_particle(m.group(1), m.group(2))
    ]


def test_reader():
    """Does the test's own reader read numbers the way a Korean speaker does?"""
    assert read_aloud("2.1") == "이점일"
    assert read_aloud("120") == "백이십"
    assert read_aloud("10000") == "만"
    assert read_aloud("30500") == "삼만오백"
    assert read_aloud("0.05") == "영점영오"
    assert read_aloud("50%") == "오십퍼센트"


@pytest.mark.parametrize(
    ("written", "right"),
    [
        ("2.1가 크다", "2.1이 크다"),
        ("0.1를 곱한다", "0.1을 곱한다"),
        ("3로 나눈다", "3으로 나눈다"),
        ("10를 더한다", "10을 더한다"),
        ("7으로 나눈다", "7로 나눈다"),
        ("8으로서", "8로서"),
        ("100는", "100은"),
        ("1000와 2", "1000과 2"),
        ("20000가", "20000이"),
        ("0를", "0을"),
        ("2이 된다", "2가 된다"),
        ("x = 4을.", "x = 4를."),
        ("50%을", "50%를"),
    ],
)
def test_particles_follow_the_number(written, right):
    """Is each particle after a number rewritten to agree with the number read aloud?"""
    assert agree_particles(written) == right
    assert not disagreements(agree_particles(written))


@pytest.mark.parametrize(
    "text", ["앵커 3가지", "답은 2이다", "1이면", "3개를", "x2가 ", "1로그", "B를"]
)
def test_other_words_are_left_alone(text):
    """Are counters, the copula and letters left as they are?"""
    assert agree_particles(text) == text


def test_option_letters_take_the_vowel_form():
    """Is the particle after an `{opt:N}` reference right for every letter (all end in a vowel)?"""
    assert agree_after_option_refs("{opt:1}이 맞고 {opt:2}을 고른다. {opt:3}으로") == (
        "{opt:1}가 맞고 {opt:2}를 고른다. {opt:3}로"
    )
    assert agree_after_option_refs("{opt:1}이다") == "{opt:1}이다"
    demo = parse_bank(SMALL_BANK, "demo")
    for student in STUDENTS[:6]:
        q = for_student(demo, student_seed(student)).question("demo-multi")
        assert re.fullmatch(r"[ABC], [ABC]가 맞다\.", render_explanation(q, "ko", {}))


def test_templates_get_the_right_particle():
    """Does a bank template written as '{x}가' come out right for every drawn value?"""
    bank = parse_bank(
        """
title: {en: T, ko: T}
questions:
- id: t-param
  kind: param
  tags: [stride]
  text: {en: "x = {x}, y = {y}?", ko: "{x}가 {y}로 나뉜다. 몫은?"}
  params: {x: [2.1, 3, 10, 0.1, 7, 1000], y: [1, 2, 3, 10, 0.5, 6]}
  formula: x / y
  explanation: {en: "{answer}", ko: "{x}를 {y}으로 나누면 {answer}이다."}
""",
        "t",
    )
    q = bank.questions[0]
    seen = set()
    for student in STUDENTS:
        values = draw_values(q, student_seed(student))
        for text in (render_text(q, "ko", values), render_explanation(q, "ko", values)):
            assert not disagreements(text), text
            seen.update(m.group(0) for m in FOUND_RE.finditer(text))
    assert {"2.1이", "3이", "10이", "0.1이", "7이", "1000이"} & seen
    assert {"1로", "3으로", "10으로", "0.5로", "6으로"} & seen


def test_course_particles_agree(root):
    """Does every Korean text of the course, for many students, put agreeing particles after numbers?"""
    quizzes = qbank.load_quizzes(qbank.quiz_dir(root))
    bad: dict[str, list[str]] = {}
    for quiz in quizzes.values():
        for q in quiz.questions:
            # fixed texts once; texts with drawn values for many students
            students = STUDENTS if q.params else STUDENTS[:1]
            for student in students:
                seed = student_seed(student)
                values = draw_values(q, seed)
                texts = [render_text(q, "ko", values), render_explanation(q, "ko", values)]
                view = for_student(quiz, seed).question(q.id) if q.is_choice else q
                texts += [render_option(view, i, "ko") for i in range(len(view.options))]
                for text in texts:
                    found = disagreements(text)
                    if found:
                        bad.setdefault(q.id, []).extend(found)
    assert not bad, {k: sorted(set(v))[:5] for k, v in bad.items()}
