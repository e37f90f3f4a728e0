"""Content promises of the quiz banks that a schema check cannot see.

Each test asks one question about what the questions say: that a drawn value
cannot make a question degenerate, that the quiz's schedules are the ones the
assignments implement, that the course's Korean terms are used, and that the
topics of the notes and of the newest assignments are taught by enough
questions.
"""

from __future__ import annotations

import pytest

from autograder.paths import load_reference
from autograder.quiz import bank as qbank
from autograder.quiz.bank import draw_values, expected_number, student_seed
from autograder.quiz.engine import render_explanation

STUDENTS = [f"c{i:03d}" for i in range(120)]


@pytest.fixture(scope="module")
def quizzes(root):
    return qbank.load_quizzes(qbank.quiz_dir(root))


def question(quizzes, qid):
    found = [q for quiz in quizzes.values() for q in quiz.questions if q.id == qid]
    assert len(found) == 1, qid
    return found[0]


def test_ridge_question_never_draws_lambda_zero(quizzes):
    """Can ridge-one-weight never turn into plain least squares (lambda = 0) for any student?"""
    q = question(quizzes, "ridge-one-weight")
    lams = next(p.values for p in q.params if p.name == "lam")
    assert min(lams) > 0, lams
    for student in STUDENTS:
        values = draw_values(q, student_seed(student))
        assert values["lam"] > 0
        plain = (values["a"] + 2 * values["b"]) / 5
        assert expected_number(q, values) != pytest.approx(plain)


def test_warmup_question_is_optims_schedule_and_one_step_ahead_of_cnns(quizzes):
    """Is the quiz's linear warmup optim's warmup_cosine at step t, and cnn's rate for update t - 1?"""
    q = question(quizzes, "lr-warmup-linear")
    optim = load_reference("optim")
    cnn = load_reference("cnn")
    for student in STUDENTS[:40]:
        v = draw_values(q, student_seed(student))
        want = expected_number(q, v)
        base, warmup, step = v["base"], v["W"], v["t"]
        total = 2 * warmup + 1
        assert optim.warmup_cosine(step, base, warmup, total) == pytest.approx(want)
        if step >= 1:
            assert base * cnn.lr_schedule(step - 1, warmup, total) == pytest.approx(want)
        explanation = render_explanation(q, "en", v)
        assert "warmup_cosine" in explanation and "t = step + 1" in explanation
