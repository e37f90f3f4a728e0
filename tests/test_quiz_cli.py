"""`dlcourse quiz list | take | grade`, driven through click's CliRunner on a small course."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from test_quiz_engine import SMALL_BANK, multi_letters

from autograder.cli.quiz import quiz
from autograder.quiz import bank as qbank
from autograder.quiz.bank import draw_values, expected_number, student_seed, write_student_banks
from autograder.quiz.take import progress_path
from autograder.results import read_results


@pytest.fixture()
def course(tmp_path, monkeypatch):
    """A course root holding only the demo quiz (the keyed, instructor edition)."""
    (tmp_path / "course" / "quizzes").mkdir(parents=True)
    (tmp_path / "course" / "course.toml").write_text('[course]\nname = "test"\n', encoding="utf-8")
    (tmp_path / "course" / "quizzes" / "demo.yaml").write_text(SMALL_BANK, encoding="utf-8")
    monkeypatch.setenv("DLCOURSE_ROOT", str(tmp_path))
    return tmp_path


def _param_answer(student):
    q = qbank.parse_bank(SMALL_BANK, "demo").question("demo-param")
    return expected_number(q, draw_values(q, student_seed(student)))


def run(*args, input=None):
    return CliRunner().invoke(quiz, list(args), input=input, catch_exceptions=False)


def test_list_shows_quizzes_and_progress(course):
    """Does `quiz list` show each quiz with its question count, and a student's progress?"""
    result = run("list")
    assert result.exit_code == 0
    assert "demo" in result.output and "Demo" in result.output and "4" in result.output
    run("take", "demo", "--student", "bob", input="B\nq\n")
    result = run("list", "--student", "bob", "--lang", "ko", "--topics")
    assert "데모" in result.output and "1/4" in result.output
    assert "conv-output-size" in result.output


def test_take_saves_progress_and_resumes(course, tmp_path):
    """Is an interrupted quiz saved after every answer and resumed at the next question?"""
    keys = multi_letters("bob")
    first = run("take", "demo", "--student", "bob", input=f"B\n{keys}\nq\n")
    assert first.exit_code == 0
    assert "Question 1/4" in first.output and "Pick alpha and gamma." in first.output
    assert "Progress saved" in first.output
    saved = json.loads(progress_path(course, "demo", "bob").read_text(encoding="utf-8"))
    assert saved["answers"] == {"demo-single": "B", "demo-multi": keys} and not saved["finished"]

    answers = f"abc\n0.3333\n{_param_answer('bob'):g}\n"
    export = tmp_path / "bob-answers.txt"
    second = run("take", "demo", "--student", "bob", "--export", str(export), input=answers)
    assert second.exit_code == 0
    assert "Resuming: 2 of 4" in second.output
    assert "Question 1/4" not in second.output
    assert "expects a number, got 'abc'" in second.output  # re-asked, not lost
    assert "Score: 4 / 4 (4 of 4 correct)" in second.output
    assert "B is right." in second.output  # explanations at the end
    assert "student: bob" in export.read_text(encoding="utf-8")

    third = run("take", "demo", "--student", "bob")
    assert "finished this quiz before" in third.output and "Score: 4 / 4" in third.output


def test_take_survives_end_of_input(course):
    """Does a closed input (Ctrl-D) save what was answered instead of losing it?"""
    result = run("take", "demo", "--student", "kim", "--lang", "ko", input="B\n")
    assert result.exit_code == 0
    assert "B를 고르시오." in result.output and "진행 상황을" in result.output
    saved = json.loads(progress_path(course, "demo", "kim").read_text(encoding="utf-8"))
    assert saved["answers"] == {"demo-single": "B"}


def test_skip_and_restart(course):
    """Does `s` skip a question (graded as unanswered) and --restart start over?"""
    result = run("take", "demo", "--student", "sam", input="s\ns\ns\ns\n")
    assert "Score: 0 / 4" in result.output and "no answer" in result.output
    again = run("take", "demo", "--student", "sam", "--restart", input="B\nq\n")
    assert "Question 1/4" in again.output


def test_take_then_grade_round_trip(course, tmp_path):
    """Does an exported answer file grade to the same score in results.json and grades.csv?"""
    export = tmp_path / "amy.txt"
    run(
        "take",
        "demo",
        "--student",
        "amy",
        "--export",
        str(export),
        input=f"B\nA\n0.5\n{_param_answer('amy'):g}\n",
    )
    bad = tmp_path / "broken.txt"
    bad.write_text("quiz: demo\nstudent: ben\ndemo-single: Q\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("grade", "demo", str(export), str(bad), "--out", str(out))
    assert result.exit_code == 0
    assert f"{bad}:3: demo-single has no option Q" in result.output
    amy = read_results(out / "amy" / "results.json")
    assert amy.score == 2 and amy.max_score == 4 and amy.status == "graded"
    ben = read_results(out / "ben" / "results.json")
    assert ben.status == "error" and ben.score == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    assert rows["amy"]["score"] == "2" and rows["ben"]["status"] == "error"


def test_student_edition_takes_and_grades(course, tmp_path):
    """Can a self-study learner take and check a quiz from a key-less student bundle?"""
    bundle = tmp_path / "bundle"
    write_student_banks(course / "course" / "quizzes", bundle / "course" / "quizzes")
    (bundle / "course" / "course.toml").write_text('[course]\nname = "t"\n', encoding="utf-8")
    text = (bundle / "course" / "quizzes" / "demo.yaml").read_text(encoding="utf-8")
    assert "correct" not in text and "B is right." not in text
    env = {"DLCOURSE_ROOT": str(bundle)}
    runner = CliRunner()
    answers = f"B\n{multi_letters('lee')}\n0.3333\n{_param_answer('lee'):g}\n"
    export = tmp_path / "lee.txt"
    taken = runner.invoke(
        quiz, ["take", "demo", "--student", "lee", "--export", str(export)], input=answers, env=env
    )
    assert "Score: 4 / 4" in taken.output and "B is right." in taken.output
    graded = runner.invoke(
        quiz, ["grade", "demo", str(export), "--out", str(tmp_path / "o")], env=env
    )
    assert graded.exit_code == 0
    assert read_results(tmp_path / "o" / "lee" / "results.json").score == 4


def test_unknown_quiz_and_bad_student(course):
    """Are an unknown quiz and an unsafe student id refused with a clear message?"""
    result = CliRunner().invoke(quiz, ["take", "nope"])
    assert result.exit_code != 0 and "no quiz 'nope' (quizzes: demo)" in result.output
    result = CliRunner().invoke(quiz, ["take", "demo", "--student", "../x"])
    assert result.exit_code != 0 and "may hold only letters" in result.output


def test_engine_does_not_import_torch(root):
    """Do the quiz engine and CLI load without importing torch (2 s saved per command)?"""
    code = "import sys, autograder.cli.quiz, autograder.quiz.bank; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_course_banks_are_listed(root, monkeypatch):
    """Does `quiz list` on the real course show every bank?"""
    monkeypatch.setenv("DLCOURSE_ROOT", str(root))
    result = run("list")
    assert result.exit_code == 0
    for path in qbank.bank_files(qbank.quiz_dir(root)):
        assert path.stem in result.output
