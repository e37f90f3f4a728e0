"""Judging answers and grading answer files into results.json / grades.csv.

Everything here works on either edition of a bank (see `bank`): a choice
answer is compared with the option flags or with the salted key, a number with
the stated answer or with the formula evaluated on the student's values, so a
key-less bank grades exactly like the keyed one.

Option letters are the student's: every function here takes the student's
view of a question (`draw.for_student`), whose options are in that student's
order, and renders `{opt:N}` references and Korean particles for it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.quiz.answers import (
    Answer,
    AnswerFileError,
    AnswerSheet,
    format_value,
    read_answer_file,
    valid_student,
)
from autograder.quiz.bank import (
    Number,
    Question,
    Quiz,
    choice_is_correct,
    correct_indices,
    draw_values,
    expected_number,
    fill,
    format_number,
    student_seed,
)
from autograder.quiz.draw import fill_option_refs, for_student, letter
from autograder.quiz.korean import agree_after_option_refs, agree_particles
from autograder.results import CheckResult, SubmissionResult, write_grades_csv, write_results

# Slack added to every numeric comparison so that float rounding in a formula
# never fails a right answer: 1e-9 relative (at least 1e-9 absolute).
_FLOAT_SLACK = 1e-9

_WORDS = {
    "en": {
        "correct": "correct",
        "incorrect": "incorrect",
        "unanswered": "no answer",
        "answered": "answered",
        "expected": "expected",
        "values": "values",
    },
    "ko": {
        "correct": "정답",
        "incorrect": "오답",
        "unanswered": "답 없음",
        "answered": "제출한 답",
        "expected": "정답",
        "values": "주어진 값",
    },
}


@dataclass
class Verdict:
    """How one answer fared."""

    question: Question
    values: dict[str, Number]
    answer: Answer | None
    correct: bool
    expected: str  # the correct answer, as an answer file would write it
    given: str  # the student's answer, likewise ("" when unanswered)

    @property
    def score(self) -> float:
        return self.question.points if self.correct else 0.0


def expected_answer(question: Question, values: dict[str, Number]) -> Answer:
    if question.is_choice:
        return correct_indices(question)
    return expected_number(question, values)


def is_correct(question: Question, answer: Answer | None, values: dict[str, Number]) -> bool:
    if answer is None:
        return False
    if question.is_choice:
        return isinstance(answer, frozenset) and choice_is_correct(question, answer)
    if isinstance(answer, frozenset):
        return False
    want = expected_number(question, values)
    allowed = question.tolerance + question.rel_tolerance * abs(want)
    return abs(float(answer) - want) <= allowed + _FLOAT_SLACK * max(1.0, abs(want))


def judge(question: Question, answer: Answer | None, seed: int) -> Verdict:
    values = draw_values(question, seed)
    expected = expected_answer(question, values)
    return Verdict(
        question=question,
        values=values,
        answer=answer,
        correct=is_correct(question, answer, values),
        expected=format_value(question, expected),
        given=format_value(question, answer),
    )


def _finish(text: str, question: Question, lang: str) -> str:
    """Option letters for the viewer's order, then Korean particles that fit them and numbers."""
    if lang != "ko":
        return fill_option_refs(text, question)
    return agree_particles(fill_option_refs(agree_after_option_refs(text), question))


def render_text(question: Question, lang: str, values: dict[str, Number]) -> str:
    return _finish(fill(question.text.get(lang), values), question, lang)


def render_option(question: Question, index: int, lang: str) -> str:
    """The text of the option shown at position `index`."""
    return _finish(question.options[index].text.get(lang), question, lang)


def correct_option_lines(question: Question, lang: str) -> list[str]:
    """The correct options of a choice question as 'C. text' lines (empty for numbers)."""
    if not question.is_choice:
        return []
    return [
        f"{letter(i)}. {render_option(question, i, lang)}"
        for i in sorted(correct_indices(question))
    ]


def render_explanation(question: Question, lang: str, values: dict[str, Number]) -> str:
    extra: dict[str, Number | str] = dict(values)
    if not question.is_choice:
        extra["answer"] = format_number(expected_number(question, values))
    return _finish(fill(question.explanation.get(lang), extra), question, lang)


def _check_result(number: int, verdict: Verdict, lang: str) -> CheckResult:
    words = _WORDS.get(lang, _WORDS["en"])
    q = verdict.question
    if verdict.answer is None:
        head = f"{words['unanswered']}; {words['expected']}: {verdict.expected}"
    elif verdict.correct:
        head = f"{words['correct']} ({words['answered']}: {verdict.given})"
    else:
        head = (
            f"{words['incorrect']}: {words['answered']} {verdict.given}; "
            f"{words['expected']}: {verdict.expected}"
        )
    lines = [head, *correct_option_lines(q, lang)]
    if verdict.values:
        shown = ", ".join(f"{k}={format_number(v)}" for k, v in verdict.values.items())
        lines.append(f"{words['values']}: {shown}")
    lines.append(render_explanation(q, lang, verdict.values))
    return CheckResult(
        name=f"Q{number}: {q.id}",
        score=verdict.score,
        max_score=q.points,
        status="passed" if verdict.correct else "failed",
        output="\n".join(lines),
        visibility="visible",
        task=q.id,
    )


def grade_sheet(quiz: Quiz, sheet: AnswerSheet) -> SubmissionResult:
    """Grade parsed answers: one CheckResult per question of the quiz.

    Letters are read in the student's option order, except in a file of the
    first answer format, whose letters follow the bank's order.
    """
    start = time.perf_counter()
    seed = student_seed(sheet.student)
    view = quiz if sheet.bank_order else for_student(quiz, seed)
    tests = []
    correct = 0
    for number, question in enumerate(view.questions, start=1):
        verdict = judge(question, sheet.answers.get(question.id), seed)
        correct += verdict.correct
        tests.append(_check_result(number, verdict, sheet.lang))
    output = f"{correct}/{len(quiz.questions)} questions correct"
    if sheet.seed is not None and sheet.seed != seed:
        output += (
            f"\nnote: the file says seed {sheet.seed}, but student {sheet.student!r} has seed "
            f"{seed}; parametrized questions were graded with the student's own values"
        )
    return SubmissionResult(
        assignment=f"quiz:{quiz.id}",
        student=sheet.student,
        tests=tests,
        execution_time=time.perf_counter() - start,
        output=output,
        seed=seed,
        isolation="none (no code runs)",
        extra={
            "answers_file": sheet.path,
            "bank_edition": quiz.edition,
            "bank_sha256": quiz.sha256,
        },
    )


def error_result(quiz: Quiz, student: str, message: str, path: str = "") -> SubmissionResult:
    """A result for an answer file that could not be graded: status error, score 0."""
    tests = [
        CheckResult(
            name=f"Q{n}: {q.id}",
            score=0.0,
            max_score=q.points,
            status="failed",
            output="not graded: the answer file has errors (see the submission's output)",
            visibility="visible",
            task=q.id,
        )
        for n, q in enumerate(quiz.questions, start=1)
    ]
    return SubmissionResult(
        assignment=f"quiz:{quiz.id}",
        student=student,
        tests=tests,
        output=message,
        seed=student_seed(student),
        isolation="none (no code runs)",
        status="error",
        extra={"answers_file": path, "bank_edition": quiz.edition, "bank_sha256": quiz.sha256},
    )


def fallback_student(path: Path) -> str:
    """A student id for a file whose own is missing or unusable: its sanitised stem."""
    stem = "".join(c if c.isalnum() or c in "._@+-" else "_" for c in Path(path).stem)
    stem = stem.lstrip(".") or "unknown"
    return stem if valid_student(stem) else "unknown"


def grade_file(quiz: Quiz, path: Path) -> SubmissionResult:
    """Grade one answer file; a bad file gives an error result, never an exception."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return error_result(
            quiz, fallback_student(path), f"{path}: cannot read: {exc.strerror}", str(path)
        )
    digest = hashlib.sha256(data).hexdigest()
    try:
        sheet = read_answer_file(path, quiz)
    except AnswerFileError as exc:
        result = error_result(
            quiz, _student_hint(data) or fallback_student(path), exc.describe(), str(path)
        )
    else:
        result = grade_sheet(quiz, sheet)
    result.submission_sha256 = digest
    return result


def _student_hint(data: bytes) -> str | None:
    """The student line of a rejected file, when it is usable, so its result lands in place."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "student":
            value = value.split(" #", 1)[0].strip().strip("'\"")
            return value if valid_student(value) else None
    return None


def file_owner(path: Path, quiz: Quiz) -> str:
    """Who an answer file belongs to by its name: its stem, or its folder's name when the
    stem is generic (answers.txt, <quiz id>.txt in a student's folder)."""
    stem = fallback_student(path)
    if stem.lower() in {"answers", "answer", quiz.id.lower()} and path.parent.name:
        return fallback_student(Path(path.parent.name + ".txt"))
    return stem


def _flag_identity(result: SubmissionResult, path: Path, quiz: Quiz) -> None:
    """Flag a file whose `student:` line names someone its file (or folder) name does not."""
    owner = file_owner(path, quiz)
    student = result.student
    if result.status != "graded" or owner == student:
        return
    if owner.startswith(tuple(f"{student}{sep}" for sep in "-_.@+")):
        return  # bob-answers.txt, bob_quiz1.txt
    flag = (
        f"{path.name} is named for {owner!r} but its student line says {student!r}; "
        "check who handed it in"
    )
    result.extra.setdefault("identity_flags", []).append(flag)
    result.output = f"note: {flag}\n{result.output}"


def grade_files(
    *, quiz: Quiz, answer_files: Iterable[Path], out_dir: Path
) -> list[SubmissionResult]:
    """Grade answer files into `out_dir/<student>/results.json` and `out_dir/grades.csv`.

    A student who appears in two files gets the first file's grade; the second
    is recorded as an error under `<student>@<file stem>` so nothing is lost.
    """
    out_dir = Path(out_dir)
    results: list[SubmissionResult] = []
    graded_from: dict[str, Path] = {}
    for path in answer_files:
        result = grade_file(quiz, Path(path))
        _flag_identity(result, Path(path), quiz)
        if result.student in graded_from:
            first = graded_from[result.student]
            message = f"{path}: student {result.student!r} was already graded from {first}"
            for earlier in results:  # the first file is flagged too: neither is ranked silently
                if earlier.student == result.student:
                    flag = f"student {result.student!r} also handed in {path}; check which counts"
                    earlier.extra.setdefault("identity_flags", []).append(flag)
                    earlier.output = f"note: {flag}\n{earlier.output}"
                    write_results(out_dir, earlier)
            name = f"{result.student}@{fallback_student(Path(path))}"
            count = 2
            while name in graded_from:
                name = f"{result.student}@{fallback_student(Path(path))}-{count}"
                count += 1
            digest = result.submission_sha256
            result = error_result(quiz, name, message, str(path))
            result.submission_sha256 = digest
        graded_from[result.student] = Path(path)
        write_results(out_dir, result)
        results.append(result)
    write_grades_csv(out_dir / "grades.csv", results)
    return results
