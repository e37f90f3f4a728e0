"""A paper per student: one student's version of a quiz, to print or to load elsewhere.

The paper shows the student's drawn values and their option order and nothing
secret (no key, no formula, no explanation). The letters a student writes on
it are the letters of their answer file, so `dlcourse quiz grade` grades them
as written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.errors import UsageError
from autograder.paths import find_root
from autograder.quiz.answers import FORMAT, letters, valid_student
from autograder.quiz.bank import Question, Quiz, draw_values, student_seed
from autograder.quiz.draw import for_student, letter
from autograder.quiz.engine import render_option, render_text
from autograder.quiz.take import UI, get_quiz

PAPER_FORMAT = "dlcourse-quiz-paper/1"

_HEAD = {
    "en": {
        "student": "Student",
        "seed": "seed",
        "point": "{points:g} point",
        "points": "{points:g} points",
        "answer": "Answer",
        "how": (
            "Options and values are this student's own: grade the answers with the same "
            "student id. Write option letters (B, or A, C when several apply) or a number."
        ),
        "sheet": "Answer sheet (copy into a file for `dlcourse quiz grade`)",
        # The comments of the answer sheet; the same words as `take --export` writes.
        "sheet_about": (
            "dlcourse quiz answers: one 'question-id: answer' per line (course/docs/quizzes.md)."
        ),
        "sheet_how": "Choice: option letters (B, or A, C for several); numeric: a number; empty: no answer.",
        "one_of": "one of {letters}",
        "all_of": "all that apply of {letters}, comma separated",
        "a_number": "a number",
        "number": "Q{number}",
    },
    "ko": {
        "student": "학생",
        "seed": "시드",
        "point": "{points:g}점",
        "points": "{points:g}점",
        "answer": "답",
        "how": (
            "보기 순서와 값은 이 학생의 것이므로 같은 학생 ID로 채점한다. 보기 문자(B, 여러 개면 A, C)나 "
            "숫자로 답하시오."
        ),
        "sheet": "답안지 (`dlcourse quiz grade`에 넣을 파일로 옮겨 적는다)",
        "sheet_about": "dlcourse 퀴즈 답안: 한 줄에 '문제-ID: 답' 하나 (course/docs/quizzes.md).",
        "sheet_how": "선택형은 보기 문자(B, 여러 개면 A, C), 수치형은 숫자로 쓰고, 비워 두면 답하지 않은 것이다.",
        "one_of": "{letters} 중 하나",
        "all_of": "{letters} 중 해당하는 것 모두, 쉼표로 구분",
        "a_number": "숫자",
        "number": "{number}번",
    },
}


@dataclass
class PaperOption:
    letter: str
    text: str


@dataclass
class PaperQuestion:
    number: int
    id: str
    kind: str
    points: float
    text: str
    instruction: str
    options: list[PaperOption] = field(default_factory=list)


@dataclass
class Paper:
    """One student's version of a quiz; `as_json()` is the `--json` output."""

    quiz: str
    title: str
    student: str
    seed: int
    lang: str
    questions: list[PaperQuestion]
    answer_format: str = FORMAT
    format: str = PAPER_FORMAT

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {"format": data.pop("format"), **data}


def build_paper(quiz: Quiz, student: str, lang: str = "en") -> Paper:
    """The paper of `student` for `quiz` (either edition): their values, their order."""
    if lang not in UI:
        raise UsageError(f"lang must be one of {', '.join(UI)}")
    if not valid_student(student):
        raise UsageError(f"student id {student!r} may hold only letters, digits and . _ @ + -")
    seed = student_seed(student)
    view = for_student(quiz, seed)
    ui = UI[lang]
    questions = []
    for number, q in enumerate(view.questions, start=1):
        if q.kind == "single":
            instruction = f"{ui['select_one']} ({letters(len(q.options))})"
        elif q.kind == "multiple":
            instruction = f"{ui['select_all']} ({letters(len(q.options))})"
        else:
            instruction = ui["number"]
        questions.append(
            PaperQuestion(
                number=number,
                id=q.id,
                kind=q.kind,
                points=q.points,
                text=render_text(q, lang, draw_values(q, seed)),
                instruction=instruction,
                options=[
                    PaperOption(letter(i), render_option(q, i, lang)) for i in range(len(q.options))
                ],
            )
        )
    return Paper(
        quiz=quiz.id,
        title=quiz.title.get(lang),
        student=student,
        seed=seed,
        lang=lang,
        questions=questions,
    )


def points_label(points: float, lang: str) -> str:
    """What a question is worth, as the paper prints it: "1 point", "2 points", "1점"."""
    head = _HEAD[lang]
    return (head["point"] if points == 1 else head["points"]).format(points=points)


def _kind_hint(question: Question, lang: str) -> str:
    head = _HEAD[lang]
    if question.kind == "single":
        return head["one_of"].format(letters=letters(len(question.options)))
    if question.kind == "multiple":
        return head["all_of"].format(letters=letters(len(question.options)))
    return head["a_number"]


def render_sheet(view: Quiz, student: str, seed: int, lang: str) -> str:
    """A blank answer sheet in the answer-file format, its comments in the paper's language.

    `view` is the student's view of the quiz (`draw.for_student`). The keys of
    the file (`format`, `quiz`, the question ids) are the same in every
    language; only the `#` comments are translated, so `quiz grade` reads a
    Korean sheet exactly as an English one.
    """
    head = _HEAD[lang]
    out = [
        f"# {head['sheet_about']}",
        f"# {head['sheet_how']}",
        f"format: {FORMAT}",
        f"quiz: {view.id}",
        f"student: {student}",
        f"seed: {seed}",
        f"lang: {lang}",
    ]
    for number, question in enumerate(view.questions, start=1):
        out.append("")
        out.append(f"# {head['number'].format(number=number)} ({_kind_hint(question, lang)})")
        out.append(f"{question.id}:")
    return "\n".join(out) + "\n"


def render_paper(paper: Paper, quiz: Quiz) -> str:
    """The paper as plain text, ending with a blank answer sheet in the answer-file format."""
    head = _HEAD[paper.lang]
    out = [
        paper.title,
        f"{paper.quiz} · {head['student']}: {paper.student} ({head['seed']} {paper.seed})",
        head["how"],
    ]
    for q in paper.questions:
        out.append("")
        out.append(f"{q.number}. [{q.id}] ({points_label(q.points, paper.lang)})")
        out.append(q.text)
        out.extend(f"   {o.letter}. {o.text}" for o in q.options)
        out.append(f"   {q.instruction}")
        out.append(f"   {head['answer']}: ____________")
    out.append("")
    out.append(f"# {head['sheet']}")
    view = for_student(quiz, paper.seed)
    out.append(render_sheet(view, paper.student, paper.seed, paper.lang))
    return "\n".join(out)


def make_paper(
    *, quiz_id: str, student: str, lang: str = "en", root: Path | None = None
) -> tuple[Paper, str]:
    """The paper of `student` for the course's quiz `quiz_id`, and its text."""
    root = Path(root) if root is not None else find_root()
    quiz = get_quiz(quiz_id, root)
    paper = build_paper(quiz, student, lang)
    return paper, render_paper(paper, quiz)
