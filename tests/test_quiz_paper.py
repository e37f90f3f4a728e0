"""A version per student: shuffled options, `{opt:N}` references, `quiz paper` and `take --practice`."""

from __future__ import annotations

import json
import re
from itertools import combinations

import pytest
from click.testing import CliRunner
from test_quiz_engine import SMALL_BANK, multi_letters

from autograder.cli.quiz import quiz
from autograder.quiz import bank as qbank
from autograder.quiz.answers import parse_answer_text
from autograder.quiz.bank import BankError, correct_indices, parse_bank, student_seed
from autograder.quiz.draw import for_student, letter, option_order
from autograder.quiz.engine import grade_sheet
from autograder.quiz.paper import build_paper, render_paper

STUDENTS = [f"s{i:02d}" for i in range(12)] + ["alice", "김철수"]


@pytest.fixture(scope="module")
def quizzes(root):
    return qbank.load_quizzes(qbank.quiz_dir(root))


@pytest.fixture()
def demo():
    return parse_bank(SMALL_BANK, "demo", "demo.yaml")


@pytest.fixture()
def course(tmp_path, monkeypatch):
    (tmp_path / "course" / "quizzes").mkdir(parents=True)
    (tmp_path / "course" / "course.toml").write_text('[course]\nname = "test"\n', encoding="utf-8")
    (tmp_path / "course" / "quizzes" / "demo.yaml").write_text(SMALL_BANK, encoding="utf-8")
    monkeypatch.setenv("DLCOURSE_ROOT", str(tmp_path))
    return tmp_path


def run(*args, input=None):
    return CliRunner().invoke(quiz, list(args), input=input, catch_exceptions=False)


# ---------------------------------------------------------------- option order


def test_order_is_fixed_by_the_seed(demo):
    """Does a student always see the same order, one that a code change would not silently move?"""
    q = demo.question("demo-multi")
    assert option_order(q, 12345) == option_order(q, 12345) == (1, 0, 2)
    assert option_order(q, student_seed("ann")) == (1, 2, 0)
    view = for_student(demo, student_seed("ann")).question("demo-multi")
    assert [o.text.en for o in view.options] == ["beta", "gamma", "alpha"]
    assert correct_indices(view) == {1, 2}


def test_students_usually_see_different_orders(quizzes):
    """Do two students see most choice questions of the course in different orders?"""
    choice = [q for z in quizzes.values() for q in z.questions if q.is_choice and q.shuffle]
    assert len(choice) > 100
    for a, b in combinations(STUDENTS[:6], 2):
        sa, sb = student_seed(a), student_seed(b)
        differ = sum(option_order(q, sa) != option_order(q, sb) for q in choice)
        assert differ / len(choice) > 0.75, (a, b)


def test_keys_are_spread_over_the_letters(quizzes):
    """After shuffling, is no letter the key of single-choice questions much more often than chance?"""
    singles = [q for z in quizzes.values() for q in z.questions if q.kind == "single"]
    for student in STUDENTS[:4]:
        seed = student_seed(student)
        counts: dict[int, float] = {}
        for q in singles:
            (key,) = correct_indices(for_student_question(q, seed))
            counts[key] = counts.get(key, 0) + 1 / len(singles)
        assert max(counts.values()) < 0.4, (student, counts)


def for_student_question(question, seed):
    z = qbank.Quiz(id="z", title=qbank.Text("z", "z"), questions=[question])
    return for_student(z, seed).questions[0]


def test_shuffle_false_keeps_the_bank_order(demo):
    """Does `shuffle: false` show the options in the bank's order to everyone?"""
    q = demo.question("demo-single")
    assert not q.shuffle
    assert {option_order(q, student_seed(s)) for s in STUDENTS} == {(0, 1, 2)}


def seen(student: str, bank_index: int) -> str:
    """The letter under which `student` sees option `bank_index` of demo-multi."""
    q = parse_bank(SMALL_BANK, "demo").question("demo-multi")
    return letter(option_order(q, student_seed(student)).index(bank_index))


def test_explanations_name_the_students_letters(demo):
    """Does `{opt:N}` in an explanation become the letter the student saw?"""
    for student in STUDENTS:
        keys = multi_letters(student)
        text = f"quiz: demo\nstudent: {student}\ndemo-multi: {keys}\n"
        result = grade_sheet(demo, parse_answer_text(text, demo, "f"))
        by_task = {t.task: t for t in result.tests}
        assert by_task["demo-multi"].status == "passed"
        explained = f"{seen(student, 0)} and {seen(student, 2)} are right."
        assert explained in by_task["demo-multi"].output


def test_first_format_files_keep_the_bank_order(demo):
    """Is an answer file of format /1 (written before shuffling) still read in the bank's order?"""
    legacy = "format: dlcourse-quiz-answers/1\nquiz: demo\nstudent: ann\ndemo-multi: A, C\n"
    assert grade_sheet(demo, parse_answer_text(legacy, demo, "f")).score == 1
    current = legacy.replace("answers/1", "answers/2")
    assert multi_letters("ann") != "A, C"
    assert grade_sheet(demo, parse_answer_text(current, demo, "f")).score == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{opt:3} are right.", "{opt:4} are right.", r"\{opt:4\} names no option"),
        ("H - K + 1 = {answer}.", "{opt:1}", "needs a choice question"),
        ("  options:\n  - {text: alpha", "  shuffle: maybe\n  options:\n  - {text: alpha", "'shuffle' must be true or false"),
    ],
)  # fmt: skip
def test_bad_option_references_are_refused(old, new, message):
    """Are `{opt:N}` naming no option, in a non-choice question, and a non-boolean shuffle refused?"""
    assert old in SMALL_BANK
    with pytest.raises(BankError, match=message):
        parse_bank(SMALL_BANK.replace(old, new, 1), "demo", "demo.yaml")


# ---------------------------------------------------------------- quiz paper


def _letters_from_paper(paper: dict, quiz_bank) -> dict[str, str]:
    """What a student who knows everything writes on the paper: keys found by option text."""
    answers = {}
    for item in paper["questions"]:
        q = quiz_bank.question(item["id"])
        if not q.is_choice:
            continue
        right = {q.options[i].text.get(paper["lang"]) for i in correct_indices(q)}
        answers[item["id"]] = ", ".join(o["letter"] for o in item["options"] if o["text"] in right)
    return answers


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_paper_letters_grade_correctly(quizzes, lang):
    """Do the letters of the right options, read off each student's paper, score every choice question?"""
    for quiz_id in ("convolution", "losses", "optimizers"):
        bank = quizzes[quiz_id]
        for student in STUDENTS[:5]:
            paper = build_paper(bank, student, lang).as_json()
            answers = _letters_from_paper(paper, bank)
            text = f"quiz: {quiz_id}\nstudent: {student}\n" + "".join(
                f"{k}: {v}\n" for k, v in answers.items()
            )
            result = grade_sheet(bank, parse_answer_text(text, bank, "f"))
            choice = {t.task: t.status for t in result.tests if t.task in answers}
            assert set(choice.values()) == {"passed"}, (quiz_id, student, choice)


def test_paper_cli_text_and_json(course):
    """Does `quiz paper` print the student's values and order, with no key, in text and JSON?"""
    text = run("paper", "demo", "--student", "ann")
    assert text.exit_code == 0
    out = text.output
    assert "ann" in out and "Pick alpha and gamma." in out
    assert out.index("A. beta") < out.index("B. gamma") < out.index("C. alpha")
    assert "correct" not in out.lower() and "right." not in out and "H - K + 1" not in out
    assert "format: dlcourse-quiz-answers/2" in out  # the answer sheet at the end

    raw = run("paper", "demo", "--student", "ann", "--lang", "ko", "--json")
    data = json.loads(raw.output)
    assert data["format"] == "dlcourse-quiz-paper/1" and data["student"] == "ann"
    assert data["seed"] == student_seed("ann") and data["lang"] == "ko"
    multi = next(q for q in data["questions"] if q["id"] == "demo-multi")
    assert multi["options"] == [
        {"letter": "A", "text": "beta"},
        {"letter": "B", "text": "gamma"},
        {"letter": "C", "text": "alpha"},
    ]
    param = next(q for q in data["questions"] if q["id"] == "demo-param")
    assert param["options"] == [] and "{H}" not in param["text"]
    assert not re.search(r"explanation|formula|correct|\bkey\b|sealed", raw.output)


def test_paper_answer_sheet_grades(course, tmp_path):
    """Does the answer sheet printed under a paper, filled with the paper's letters, grade as written?"""
    out = run("paper", "demo", "--student", "kim").output
    sheet = out[out.index("format: dlcourse-quiz-answers/2") :]
    keys = multi_letters("kim")
    filled = sheet.replace("demo-single:", "demo-single: B").replace(
        "demo-multi:", f"demo-multi: {keys}"
    )
    path = tmp_path / "kim.txt"
    path.write_text(filled, encoding="utf-8")
    graded = run("grade", "demo", str(path), "--out", str(tmp_path / "out"))
    assert graded.exit_code == 0 and "2/4" in graded.output


def test_paper_of_a_student_edition(course, tmp_path, demo):
    """Is a paper from a key-less bank the same as from the instructor's bank?"""
    student_dir = tmp_path / "keyless"
    qbank.write_student_banks(course / "course" / "quizzes", student_dir)
    keyless = qbank.load_quizzes(student_dir)["demo"]
    for student in STUDENTS[:4]:
        a, b = build_paper(demo, student, "ko"), build_paper(keyless, student, "ko")
        assert a.as_json() == b.as_json()
        assert render_paper(a, demo) == render_paper(b, keyless)


def test_paper_refuses_bad_arguments(course):
    """Are a missing student, an unsafe id and an unknown quiz refused?"""
    assert CliRunner().invoke(quiz, ["paper", "demo"]).exit_code != 0
    bad = CliRunner().invoke(quiz, ["paper", "demo", "--student", "../x"])
    assert bad.exit_code != 0 and "may hold only letters" in bad.output
    assert "no quiz 'nope'" in CliRunner().invoke(quiz, ["paper", "nope", "--student", "a"]).output


# ---------------------------------------------------------------- take --practice


def test_practice_explains_after_each_answer(course):
    """Does `take --practice` show the verdict and explanation right after each answer?"""
    keys = multi_letters("pat")
    result = run("take", "demo", "--student", "pat", "--practice", input=f"A\n{keys}\nq\n")
    out = result.output
    assert result.exit_code == 0 and "Practice mode" in out
    first = out.index("B is right.")
    assert first < out.index("Question 2/4")  # explained before the next question
    assert "wrong" in out[:first]
    assert f"{seen('pat', 0)} and {seen('pat', 2)} are right." in out
    assert out.index("are right.") < out.index("Progress saved")


def test_take_shows_the_students_order(course):
    """Does `take` show the options in the same order as the student's paper?"""
    out = run("take", "demo", "--student", "ann", input="B\nq\n").output
    assert out.index("A. beta") < out.index("B. gamma") < out.index("C. alpha")


LETTER_REF_RE = re.compile(
    r"(?i:\boptions?\b|\banswers?\b|보기|선택지|정답은?)\s*\(?[A-H](?![A-Za-z])"
)


def test_no_text_names_an_option_by_a_fixed_letter(quizzes):
    """Since options are shuffled, does every choice question name options by content or {opt:N}?"""
    found = []
    for z in quizzes.values():
        for q in z.questions:
            if not q.is_choice or not q.shuffle:
                continue
            for lang in ("en", "ko"):
                texts = [q.text.get(lang), q.explanation.get(lang)]
                texts += [o.text.get(lang) for o in q.options]
                found += [(q.id, m.group(0)) for t in texts for m in LETTER_REF_RE.finditer(t)]
    assert not found, f"use {{opt:N}} or name the option by its content: {found}"
    assert LETTER_REF_RE.search("Option B is wrong") and LETTER_REF_RE.search("보기 C는 틀렸다")
