"""The quiz engine: formulas, bank validation, answer files, grading and key-less banks."""

from __future__ import annotations

import csv
import json
import random
import textwrap

import pytest
import yaml

from autograder.quiz import bank as qbank
from autograder.quiz import formula
from autograder.quiz.answers import (
    AnswerFileError,
    parse_answer_text,
    parse_value,
    render_answer_file,
)
from autograder.quiz.bank import (
    BankError,
    correct_indices,
    draw_values,
    expected_number,
    parse_bank,
    student_seed,
    write_student_banks,
)
from autograder.quiz.draw import for_student, letter
from autograder.quiz.engine import grade_file, grade_files, grade_sheet, judge
from autograder.results import read_results

SMALL_BANK = textwrap.dedent(
    """\
    title: {en: Demo, ko: 데모}
    questions:
    - id: demo-single
      kind: single
      tags: [conv-2d]
      text: {en: Pick B., ko: B를 고르시오.}
      shuffle: false
      options:
      - {en: first, ko: 첫째}
      - {en: second, ko: 둘째, correct: true}
      - {en: third, ko: 셋째}
      explanation: {en: B is right., ko: B가 맞다.}
    - id: demo-multi
      kind: multiple
      tags: [pooling]
      text: {en: Pick alpha and gamma., ko: alpha와 gamma를 고르시오.}
      options:
      - {text: alpha, correct: true}
      - {text: beta}
      - {text: gamma, correct: true}
      explanation: {en: "{opt:1} and {opt:3} are right.", ko: "{opt:1}, {opt:3}이 맞다."}
    - id: demo-numeric
      kind: numeric
      tags: [stride]
      text: {en: What is 1/3?, ko: 1/3은 얼마인가?}
      answer: 0.3333333
      tolerance: 0.001
      explanation: {en: One third., ko: 3분의 1.}
    - id: demo-param
      kind: param
      tags: [conv-output-size]
      text: {en: "H = {H}, K = {K}: output?", ko: "H = {H}, K = {K}일 때 출력은?"}
      params:
        H: {range: [5, 40]}
        K: [1, 3, 5]
      where: H >= K
      formula: H - K + 1
      explanation: {en: "H - K + 1 = {answer}.", ko: "H - K + 1 = {answer}이다."}
    """
)


@pytest.fixture(scope="module")
def quizzes(root):
    return qbank.load_quizzes(qbank.quiz_dir(root))


@pytest.fixture()
def demo():
    return parse_bank(SMALL_BANK, "demo", "demo.yaml")


def _right_answers(quiz, student):
    """The right answers of `student`, option letters in their own order."""
    seed = student_seed(student)
    answers = {}
    for q in for_student(quiz, seed).questions:
        values = draw_values(q, seed)
        answers[q.id] = correct_indices(q) if q.is_choice else expected_number(q, values)
    return answers


# ---------------------------------------------------------------- formulas


def test_formula_evaluates_arithmetic():
    """Does the formula language compute integer and float arithmetic like Python?"""
    env = {"H": 32, "K": 3, "P": 1, "S": 2, "D": 1}
    assert formula.evaluate("(H + 2*P - D*(K - 1) - 1) // S + 1", env) == 16
    assert formula.evaluate("sqrt(2 / H)", env) == pytest.approx(0.25)
    assert formula.evaluate("1 if H > 10 else 0", env) == 1
    assert formula.evaluate("H % K == 2 and not S < 1", env) is True


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os')",
        "H.real",
        "open('x')",
        "[1, 2]",
        "lambda: 1",
        "'text'",
        "H[0]",
        "10 ** 100000",
    ],
)
def test_formula_rejects_anything_else(expr):
    """Are attribute access, unknown calls, containers, strings and huge powers refused?"""
    with pytest.raises(formula.FormulaError):
        formula.evaluate(expr, {"H": 3})


def test_formula_names():
    """Does `names` report the free values and not the functions or constants?"""
    assert formula.names("sqrt(a) + b * pi + min(c, 1)") == {"a", "b", "c"}


# ---------------------------------------------------------------- bank validation


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("second, ko: 둘째, correct: true", "second, ko: 둘째"),
            "exactly one correct option, not 0",
        ),
        (("tags: [conv-2d]", "tags: [conv-2dd]"), "unknown topic tags"),
        (("id: demo-multi", "id: demo-single"), "id is already used at line 3"),
        (("  kind: single\n", "  kind: single\n  hint: nope\n"), "unknown keys ['hint']"),
        (("ko: B를 고르시오.}", "ko: ''}"), "has no 'ko' text"),
        (("H = {H}, K = {K}일 때", "H = {H}일 때"), "never shows the drawn values ['K']"),
        (("formula: H - K + 1", "formula: H - X + 1"), "undefined values ['X']"),
        (("formula: H - K + 1", "formula: H.real"), "Attribute is not allowed"),
        (("where: H >= K", "where: H > 100"), "no draw satisfies"),
        (("answer: 0.3333333", "answer: one third"), "must be a finite number"),
    ],
)
def test_bank_errors_name_file_line_and_question(change, message):
    """Does a broken bank fail with a message naming the file, the line and the question?"""
    old, new = change
    assert old in SMALL_BANK
    with pytest.raises(BankError) as info:
        parse_bank(SMALL_BANK.replace(old, new, 1), "demo", "demo.yaml")
    text = str(info.value)
    assert text.startswith("demo.yaml:"), text
    assert message in text
    assert "question demo-" in text


def test_invalid_yaml_names_line():
    """Does a YAML syntax error name the file and line?"""
    with pytest.raises(BankError, match=r"^demo.yaml:5: not valid YAML"):
        parse_bank(SMALL_BANK.replace("  kind: single", "  kind: [single", 1), "demo", "demo.yaml")


def test_seeds_and_draws_are_stable(quizzes):
    """Are student seeds and drawn values fixed forever (hash-based, not Python's random)?"""
    assert student_seed("alice") == 3372294127
    q = quizzes["convolution"].question("conv-2d-out-general")
    assert draw_values(q, student_seed("alice")) == {"H": 51, "K": 7, "P": 1, "S": 3, "D": 1}


def test_draws_respect_where(demo):
    """Do drawn values always satisfy the question's 'where' conditions?"""
    q = demo.question("demo-param")
    for seed in range(300):
        values = draw_values(q, seed)
        assert values["H"] >= values["K"]


# ---------------------------------------------------------------- answer files


def test_answer_file_round_trip(quizzes):
    """Does an exported answer file parse back to exactly the same answers?"""
    for quiz in quizzes.values():
        answers = _right_answers(quiz, "alice")
        text = render_answer_file(quiz, "alice", answers, seed=student_seed("alice"), lang="ko")
        sheet = parse_answer_text(text, quiz, "a.txt")
        assert sheet.student == "alice" and sheet.lang == "ko"
        for q in quiz.questions:
            got = sheet.answers[q.id]
            if q.is_choice:
                assert got == answers[q.id]
            else:
                assert got == pytest.approx(answers[q.id], rel=1e-12)


def test_answer_values_are_lenient_in_form(demo):
    """Are lower-case letters, brackets, quotes and spaces accepted in answers?"""
    multi = demo.question("demo-multi")
    assert parse_value(multi, "[a, c]") == frozenset({0, 2})
    assert parse_value(multi, "'C A'") == frozenset({0, 2})
    assert parse_value(demo.question("demo-numeric"), " 3.3e-1 ") == pytest.approx(0.33)
    assert parse_value(demo.question("demo-single"), "") is None


BAD_FILES = [
    ("demo-single: B\ndemo-single: C\n", 5, "answered twice"),
    ("demo-singel: B\n", 4, "unknown question id 'demo-singel'"),
    ("demo-numeric: B\n", 4, "expects a number, got 'B'"),
    ("demo-single: 2\n", 4, "expects option letters A-C, got '2'"),
    ("demo-single: D\n", 4, "has no option D"),
    ("demo-single: A, B\n", 4, "single choice: give one letter"),
    ("demo-numeric: nan\n", 4, "finite number"),
    ("this line has no colon\n", 4, "expected 'question-id: answer'"),
    ("seed: twelve\n", 4, "seed must be an integer"),
]


@pytest.mark.parametrize(("body", "line", "message"), BAD_FILES)
def test_bad_answer_lines_are_named(demo, body, line, message):
    """Does every wrong line (format, unknown id, wrong type) get an error with file and line?"""
    text = "format: dlcourse-quiz-answers/1\nquiz: demo\nstudent: bob\n" + body
    with pytest.raises(AnswerFileError) as info:
        parse_answer_text(text, demo, "bob.txt")
    assert f"bob.txt:{line}: " in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("student: bob\n", "no 'quiz: demo' line"),
        ("quiz: other\nstudent: bob\n", "answers are for quiz 'other'"),
        ("quiz: demo\n", "no 'student: ID' line"),
        ("quiz: demo\nstudent: ../evil\n", "may hold only letters"),
        ("format: v9\nquiz: demo\nstudent: bob\n", "unknown format"),
    ],
)
def test_bad_headers_are_named(demo, header, message):
    """Are a missing or foreign quiz, a missing or unsafe student id and a foreign format refused?"""
    with pytest.raises(AnswerFileError, match=message):
        parse_answer_text(header + "demo-single: B\n", demo, "x.txt")


def test_documented_example_parses(demo, root):
    """Does the answer file shown in course/docs/quizzes.md parse as documented?"""
    doc = (root / "course" / "docs" / "quizzes.md").read_text(encoding="utf-8")
    example = doc.split("```\n# dlcourse quiz answers", 1)[1].split("```", 1)[0]
    sheet = parse_answer_text("# " + example, demo, "doc")
    assert sheet.student == "20271234" and sheet.lang == "ko" and sheet.seed == 1234567890
    assert sheet.answers == {
        "demo-single": frozenset({1}),
        "demo-multi": frozenset({0, 2}),
        "demo-numeric": 0.333,
        "demo-param": None,
    }


def test_all_problems_reported_at_once(demo):
    """Does one pass report every bad line of a file, in line order?"""
    text = "quiz: demo\nstudent: bob\ndemo-single: Z\nnope: 1\ndemo-numeric: x\n"
    with pytest.raises(AnswerFileError) as info:
        parse_answer_text(text, demo, "bob.txt")
    assert [line for line, _ in info.value.problems] == [3, 4, 5]


# ---------------------------------------------------------------- grading


def test_right_answers_score_full_marks(quizzes):
    """Do the right answers of every bank, for several students, score full marks?"""
    for student in ("alice", "bob", "이영희"):
        for quiz in quizzes.values():
            answers = _right_answers(quiz, student)
            sheet = parse_answer_text(render_answer_file(quiz, student, answers), quiz, "f")
            result = grade_sheet(quiz, sheet)
            assert result.score == result.max_score == quiz.max_score, quiz.id
            assert result.assignment == f"quiz:{quiz.id}"
            assert all(
                t.status == "passed" and t.task and t.visibility == "visible" for t in result.tests
            )


def multi_letters(student: str) -> str:
    """The letters under which `student` sees alpha and gamma, demo-multi's keys."""
    q = for_student(parse_bank(SMALL_BANK, "demo"), student_seed(student)).question("demo-multi")
    return ", ".join(sorted(letter(q.shown_index(i)) for i in (0, 2)))


def test_wrong_and_missing_answers_score_zero(demo):
    """Are wrong, out-of-tolerance and missing answers worth 0, with the expected answer shown?"""
    text = "quiz: demo\nstudent: bob\ndemo-single: A\ndemo-multi: A\ndemo-numeric: 0.34\n"
    result = grade_sheet(demo, parse_answer_text(text, demo, "f"))
    assert result.score == 0
    by_task = {t.task: t for t in result.tests}
    assert "expected: B" in by_task["demo-single"].output
    assert f"expected: {multi_letters('bob')}" in by_task["demo-multi"].output
    assert by_task["demo-param"].output.startswith("no answer")
    assert "B is right." in by_task["demo-single"].output


def test_numeric_tolerance(demo):
    """Is a numeric answer accepted inside its tolerance and refused outside it?"""
    q = demo.question("demo-numeric")
    assert judge(q, 0.3335, 0).correct
    assert not judge(q, 0.335, 0).correct


def test_parametrized_answers_depend_on_the_student(demo):
    """Is a parametrized answer right for its own student and (usually) wrong for another?"""
    q = demo.question("demo-param")
    alice = expected_number(q, draw_values(q, student_seed("alice")))
    assert judge(q, alice, student_seed("alice")).correct
    others = [
        s
        for s in ("bob", "carol", "dave", "erin")
        if judge(q, alice, student_seed(s)).correct is False
    ]
    assert others


def test_seed_mismatch_is_noted(demo):
    """Is an answer file whose seed is not the student's graded with the student's values, and said so?"""
    text = "quiz: demo\nstudent: bob\nseed: 1\ndemo-single: B\n"
    result = grade_sheet(demo, parse_answer_text(text, demo, "f"))
    assert "graded with the student's own values" in result.output
    assert result.seed == student_seed("bob")


def test_batch_goes_on_past_bad_files(demo, tmp_path):
    """Does a batch grade good files, record bad ones as errors with score 0, and write every result?"""
    good = tmp_path / "good.txt"
    good.write_text(
        f"quiz: demo\nstudent: ann\ndemo-single: B\ndemo-multi: {multi_letters('ann')}\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.txt"
    bad.write_text(
        "quiz: demo\nstudent: ben\ndemo-single: B\ndemo-numeric: 1/3\n", encoding="utf-8"
    )
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    dup = tmp_path / "ann-again.txt"
    dup.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    missing = tmp_path / "missing.txt"
    out = tmp_path / "out"

    results = grade_files(quiz=demo, answer_files=[good, bad, binary, dup, missing], out_dir=out)

    by_student = {r.student: r for r in results}
    assert set(by_student) == {"ann", "ben", "blob.txt".split(".")[0], "ann@ann-again", "missing"}
    assert by_student["ann"].status == "graded" and by_student["ann"].score == 2
    for name in ("ben", "blob", "ann@ann-again", "missing"):
        r = by_student[name]
        assert r.status == "error" and r.score == 0 and r.max_score == demo.max_score
    assert f"{bad}:4: demo-numeric expects a number, got '1/3'" in by_student["ben"].output
    assert "not UTF-8" in by_student["blob"].output
    assert "already graded" in by_student["ann@ann-again"].output
    for name in by_student:
        saved = read_results(out / name / "results.json")
        assert saved.student == name and saved.assignment == "quiz:demo"
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert {row["student"]: row["status"] for row in rows}["ben"] == "error"
    assert rows[0]["assignment"] == "quiz:demo" and "task:demo-single" in rows[0]
    assert bad.read_text(encoding="utf-8").endswith("1/3\n")  # the submission is never touched


def test_results_json_is_gradescope_shaped(demo, tmp_path):
    """Does a graded file give Gradescope's results.json keys, one test per question?"""
    path = tmp_path / "a.txt"
    path.write_text("quiz: demo\nstudent: amy\ndemo-single: B\n", encoding="utf-8")
    result = grade_file(demo, path)
    data = result.to_json()
    assert {"score", "tests", "output", "visibility"} <= set(data)
    assert data["extra_data"]["max_score"] == result.max_score  # not a key of Gradescope's
    assert [t["number"] for t in data["tests"]] == [q.id for q in demo.questions]
    assert data["extra_data"]["assignment"] == "quiz:demo"
    assert len(result.submission_sha256) == 64
    json.dumps(data)


# ---------------------------------------------------------------- student (key-less) banks


@pytest.fixture(scope="module")
def student_dir(root, tmp_path_factory):
    dest = tmp_path_factory.mktemp("student-banks")
    written = write_student_banks(qbank.quiz_dir(root), dest)
    assert [p.name for p in written] == sorted(p.name for p in qbank.quiz_dir(root).glob("*.yaml"))
    return dest


def test_student_banks_load_as_student_edition(student_dir, quizzes):
    """Do the key-less banks load, with the same questions in the same order?"""
    keyless = qbank.load_quizzes(student_dir)
    assert list(keyless) == list(quizzes)
    for quiz_id, quiz in quizzes.items():
        assert keyless[quiz_id].edition == "student"
        assert [q.id for q in keyless[quiz_id].questions] == [q.id for q in quiz.questions]


def test_keyless_bank_grades_exactly_like_keyed(student_dir, quizzes):
    """Does every answer - right, wrong, partial, missing - get the same grade from both editions?"""
    keyless = qbank.load_quizzes(student_dir)
    rng = random.Random(7)
    for student in [f"st{i}" for i in range(6)]:
        seed = student_seed(student)
        for quiz_id, quiz in quizzes.items():
            right = _right_answers(quiz, student)
            answers = {}
            for q in quiz.questions:
                roll = rng.random()
                if roll < 0.4:
                    answers[q.id] = right[q.id]
                elif roll < 0.5:
                    continue
                elif q.is_choice:
                    k = 1 if q.kind == "single" else rng.randint(1, len(q.options))
                    answers[q.id] = frozenset(rng.sample(range(len(q.options)), k))
                else:
                    answers[q.id] = right[q.id] * rng.choice(
                        [1.0, 1.0 + 1e-12, 0.5, 2.0]
                    ) + rng.choice([0, 1])
            text = render_answer_file(quiz, student, answers, seed=seed)
            a = grade_sheet(quiz, parse_answer_text(text, quiz, "f")).to_json()
            b = grade_sheet(
                keyless[quiz_id], parse_answer_text(text, keyless[quiz_id], "f")
            ).to_json()
            assert a["tests"] == b["tests"]
            assert a["score"] == b["score"]


def test_keyless_banks_hide_the_keys(student_dir, quizzes):
    """Can nobody read a key by opening a student bank (no flags, answers, formulas or explanations)?"""
    for quiz_id, quiz in quizzes.items():
        text = (student_dir / f"{quiz_id}.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        assert "correct:" not in text and "formula:" not in text and "answer:" not in text
        entries = {e["id"]: e for e in data["questions"]}
        for q in quiz.questions:
            entry = entries[q.id]
            assert set(entry) <= {
                "id", "kind", "tags", "points", "text", "options", "params", "where",
                "tolerance", "rel_tolerance", "key", "salt", "sealed", "shuffle",
            }  # fmt: skip
            assert q.explanation.en not in text and q.explanation.ko not in text
            if q.is_choice:
                # options are plain texts in the bank's order; nothing marks the right ones
                assert entry["options"] == [{"en": o.text.en, "ko": o.text.ko} for o in q.options]
                assert len(entry["key"]) == 64 and entry["key"] not in text.replace(
                    entry["key"], "", 1
                )
            # outside the question's own wording, neither formula nor answer appears
            public = json.dumps(
                {k: v for k, v in entry.items() if k not in ("text", "sealed", "salt")}
            )
            if q.kind == "param":
                assert q.formula not in public
            if q.kind == "numeric":
                assert qbank.format_number(q.answer) not in public


def test_keys_differ_between_releases(root, tmp_path):
    """Does each release salt its keys afresh, and does a fixed salt reproduce a release?"""
    src = tmp_path / "src"
    src.mkdir()
    (src / "convolution.yaml").write_bytes((qbank.quiz_dir(root) / "convolution.yaml").read_bytes())
    a, b, c = (tmp_path / n for n in "abc")
    write_student_banks(src, a)
    write_student_banks(src, b)
    write_student_banks(src, c, salt="course-2027")
    write_student_banks(src, a / "again", salt="course-2027")
    name = "convolution.yaml"
    assert (a / name).read_text(encoding="utf-8") != (b / name).read_text(encoding="utf-8")
    assert (c / name).read_text(encoding="utf-8") == (a / "again" / name).read_text(
        encoding="utf-8"
    )


def test_tampered_student_bank_is_rejected(student_dir, tmp_path):
    """Is a student bank with a corrupted seal or an edited key refused with a clear error?"""
    text = (student_dir / "losses.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["questions"][0]["key"] = "0" * 64
    with pytest.raises(BankError, match="key matches no option set"):
        parse_bank(yaml.safe_dump(data, allow_unicode=True), "losses", "losses.yaml")
    data = yaml.safe_load(text)
    data["questions"][1]["sealed"] = "not base64!"
    with pytest.raises(BankError, match="sealed data is corrupt"):
        parse_bank(yaml.safe_dump(data, allow_unicode=True), "losses", "losses.yaml")


def test_student_bank_of_a_student_bank(student_dir, tmp_path):
    """Can a student edition be re-released (the engine recovers its keys by itself)?"""
    src, again = tmp_path / "src", tmp_path / "again"
    src.mkdir()
    (src / "convolution.yaml").write_bytes((student_dir / "convolution.yaml").read_bytes())
    write_student_banks(src, again)
    first = qbank.load_quizzes(src)["convolution"]
    second = qbank.load_quizzes(again)["convolution"]
    for q1, q2 in zip(first.questions, second.questions):
        if q1.is_choice:
            assert correct_indices(q1) == correct_indices(q2)
