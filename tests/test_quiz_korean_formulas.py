"""Korean particles never follow a parenthesised value or a formula, where they cannot agree.

The engine makes a particle agree with a number right before it ("3을",
"2.1이"), but it cannot know how a reader says "(5, 7)", "(1 - beta^t)" or
"w^2" aloud: "칠", "티 제곱", "더블유 제곱"... so a particle written after them
is wrong for some readers or some drawn values. The house rule is to rephrase
("점 (5, 7)에", "1 - beta^t 값으로", "w^2 항을"). A parenthesis attached to a
word is a gloss and takes the particle of that word ("규제(regularization)를",
"AlexNet(2012)이"), so it is allowed.
"""

from __future__ import annotations

import re

import pytest

from autograder.quiz import bank as qbank

_PARTICLE = r"(?:으로|로|이|가|을|를|은|는|과|와)(?![\uac00-\ud7a3])"
# A parenthesised group that stands alone (after a space, a comma, "=", the start...)
# and is followed by a particle: "(5, {c})가", "(1 - beta^t)로".
STANDALONE_GROUP_RE = re.compile(
    r"(?:^|(?<=[\s,:;=+\-*/]))(\((?:[^()]|\([^()]*\))*\))(?:\^[A-Za-z0-9_{}]+)?" + _PARTICLE
)
# An exponent followed by a particle: "w^2는", "beta^t가", "2^K로".
EXPONENT_RE = re.compile(r"\^(?:\([^()]*\)|[A-Za-z0-9_{}]+)" + _PARTICLE)
# Any group that ends in a drawn value, followed by a particle: "f({x})를".
PLACEHOLDER_GROUP_RE = re.compile(r"\{[A-Za-z_]\w*\}\)" + _PARTICLE)


def offences(text: str) -> list[str]:
    """The places in a Korean text where a particle follows a value or formula it cannot agree with."""
    spans: list[tuple[int, int]] = []
    for pattern in (STANDALONE_GROUP_RE, EXPONENT_RE, PLACEHOLDER_GROUP_RE):
        for m in pattern.finditer(text):
            if not any(start <= m.start() and m.end() <= end for start, end in spans):
                spans.append(m.span())
    return [text[start:end] for start, end in sorted(spans)]


@pytest.mark.parametrize(
    "text, bad",
    [
        ("점 (1, {a})와 (2, {b})에 맞춘다", ["(1, {a})와"]),
        ("한 군집에 점 (1, 2), (5, {c})가 있다", ["(5, {c})가"]),
        ("(1 - beta^t)로 나눈다", ["(1 - beta^t)로"]),
        ("sum (y - w x)^2 + {lam} w^2를 최소화", ["^2를"]),
        ("sigmoid({x})는 얼마인가", ["{x})는"]),
    ],
)
def test_values_and_formulas_before_a_particle_are_found(text, bad):
    """Are standalone groups, exponents and groups ending in a drawn value caught before a particle?"""
    assert offences(text) == bad


@pytest.mark.parametrize(
    "text",
    [
        "규제(regularization)를 쓴다",
        "AlexNet(2012)이 우승했다",
        "두 점 (1, {a}), (2, {b})에 y = w x를 맞춘다",
        "1 - beta^t 값으로 나눈다",
        "q = ({q}, 1 - {q})이다",
        "w^2 항을 더한다",
        "KL(p || q)는 얼마인가",
    ],
)
def test_glosses_copulas_and_rephrased_values_pass(text):
    """Do glosses, the copula and rephrased values pass?"""
    assert offences(text) == []


def test_no_bank_puts_a_particle_after_a_value_or_formula(root):
    """Does every Korean text of the course (questions, options, explanations) follow the rule?"""
    problems = []
    for quiz in qbank.load_quizzes(qbank.quiz_dir(root)).values():
        for q in quiz.questions:
            texts = [q.text.ko, q.explanation.ko] + [o.text.ko for o in q.options]
            problems += [f"{q.id}: {bad}" for text in texts for bad in offences(text)]
    assert not problems, "\n".join(problems)
