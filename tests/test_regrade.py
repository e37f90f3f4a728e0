"""Does `dlcourse regrade` grade the stored copy again, with the recorded seed, and tell?"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from graderkit import ROOT
from sqlalchemy import update
from test_gradebook import db_url, postgres_server  # noqa: F401  (fixtures)

from autograder.cli import main
from autograder.engine.batch import grade_batch
from autograder.gradebook import Gradebook, grades
from autograder.quiz.bank import load_quizzes, quiz_dir

QUIZ = "optimizers"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _tamper(url: str, item: str, student: str, score: float) -> None:
    """Change a recorded score behind the gradebook's back."""
    book = Gradebook(url)
    with book.engine.begin() as conn:
        conn.execute(
            update(grades)
            .where(grades.c.assignment == item, grades.c.student == student)
            .values(score=score)
        )
    book.close()


@pytest.fixture()
def graded_quiz(db_url, tmp_path, monkeypatch):  # noqa: F811
    """kim's answers to a real quiz, graded by `dlcourse quiz grade --db`; the file then deleted."""
    monkeypatch.setenv("DLCOURSE_ROOT", str(ROOT))
    quiz = load_quizzes(quiz_dir(ROOT))[QUIZ]
    single = [q for q in quiz.questions if q.kind == "single"][:3]
    lines = [f"quiz: {QUIZ}", "student: kim"] + [
        f"{q.id}: {'AB'[n % 2]}" for n, q in enumerate(single)
    ]
    answers = tmp_path / "kim.txt"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run("quiz", "grade", QUIZ, str(answers), "--out", str(tmp_path / "out"), "--db", db_url)
    assert done.exit_code == 0, done.output
    answers.unlink()  # regrading must use the gradebook's own copy
    return db_url


def test_quiz_grades_land_in_the_gradebook(graded_quiz):
    """Does `quiz grade` record the quiz as an item with its audit data?"""
    row = Gradebook(graded_quiz).row(f"quiz:{QUIZ}", "kim")
    assert row is not None and row["kind"] == "quiz" and row["max_score"] > 0
    assert len(row["checks_sha256"]) == 64 and row["isolation"].startswith("none")


def test_verify_says_the_same_score(graded_quiz):
    """Does --verify grade the stored answers again and find the recorded score?"""
    done = run("regrade", f"quiz:{QUIZ}", "kim", "--db", graded_quiz, "--verify")
    assert done.exit_code == 0, done.output
    assert "the same score" in done.output


def test_verify_catches_a_changed_grade_and_regrade_keeps_history(graded_quiz):
    """Does --verify exit 1 on a tampered grade, and a plain regrade restore it with history?"""
    item = f"quiz:{QUIZ}"
    true_score = Gradebook(graded_quiz).row(item, "kim")["score"]
    _tamper(graded_quiz, item, "kim", 99.0)
    verify = CliRunner().invoke(main, ["regrade", item, "kim", "--db", graded_quiz, "--verify"])
    assert verify.exit_code == 1 and "DIFFERENT" in verify.output
    assert Gradebook(graded_quiz).row(item, "kim")["score"] == 99.0  # --verify records nothing
    fixed = run("regrade", item, "kim", "--db", graded_quiz)
    assert fixed.exit_code == 0 and "Recorded the new grade" in fixed.output
    book = Gradebook(graded_quiz)
    assert book.row(item, "kim")["score"] == true_score
    assert [h["score"] for h in book.history("kim", item)] == [99.0]


def test_regrade_needs_a_recorded_grade(graded_quiz):
    """Is an unknown student an error (exit 2), not a crash?"""
    done = CliRunner().invoke(main, ["regrade", f"quiz:{QUIZ}", "nobody", "--db", graded_quiz])
    assert done.exit_code == 2 and "no grade" in done.output


def test_verify_an_assignment_from_its_stored_copy(tmp_path):
    """Does a graded conv submission verify from the stored copy, in the sandbox, with its seed?"""
    sample = tmp_path / "subs" / "bo"
    sample.mkdir(parents=True)
    (sample / "conv.py").write_bytes(
        (ROOT / "course" / "samples" / "conv" / "bo_partial" / "conv.py").read_bytes()
    )
    db = tmp_path / "book.sqlite"
    report = grade_batch(
        "conv", [sample], tmp_path / "out", jobs=1, seed=1234, database=f"sqlite:///{db}", root=ROOT
    )
    assert (
        report.results[0].seed == 1234 and 0 < report.results[0].score < report.results[0].max_score
    )
    again = grade_batch(
        "conv", [sample], tmp_path / "out", jobs=1, seed=1234, database=f"sqlite:///{db}", root=ROOT
    )
    assert again.reused == 1 and Gradebook(f"sqlite:///{db}").history("bo") == []  # resumed
    (sample / "conv.py").unlink()
    from autograder.engine.regrade import regrade

    outcome = regrade("conv", "bo", database=f"sqlite:///{db}", root=ROOT, verify=True)
    assert outcome.same and outcome.differences == [] and not outcome.checks_changed
    assert outcome.result.seed == 1234
    _tamper(f"sqlite:///{db}", "conv", "bo", 0.0)
    assert not regrade("conv", "bo", database=f"sqlite:///{db}", root=ROOT, verify=True).same
