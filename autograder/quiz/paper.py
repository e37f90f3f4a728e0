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

from autograder.paths import find_root
from autograder.quiz.answers import FORMAT, letters, render_answer_file, valid_student
from autograder.quiz.bank import Quiz, draw_values, student_seed
from autograder.quiz.draw import for_student, letter
from autograder.quiz.engine import render_option, render_text
from autograder.quiz.take import UI, get_quiz

PAPER_FORMAT = "dlcourse-quiz-paper/1"

_HEAD = {
    "en": {
        "student": "Student",
        "seed": "seed",
        "points": "points",
        "answer": "Answer",
        "how": (
            "Options and values are this student's own: grade the answers with the same "
            "student id. Write option letters (B, or A, C when several apply) or a number."
        ),
        "sheet": "Answer sheet (copy into a file for `dlcourse quiz grade`)",
    },
    "ko": {
        "student": "학생",
        "seed": "시드",
        "points": "점",
        "answer": "답",
        "how": (
            "보기 순서와 값은 이 학생의 것이므로 같은 학생 ID로 채점한다. 보기 문자(B, 여러 개면 A, C)나 "
            "숫자로 답하시오."
        ),
        "sheet": "답안지 (`dlcourse quiz grade`에 넣을 파일로 옮겨 적는다)",
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
        raise ValueError(f"lang must be one of {', '.join(UI)}")
    if not valid_student(student):
        raise ValueError(f"student id {student!r} may hold only letters, digits and . _ @ + -")
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
        out.append(f"{q.number}. [{q.id}] ({q.points:g} {head['points']})")
        out.append(q.text)
        out.extend(f"   {o.letter}. {o.text}" for o in q.options)
        out.append(f"   {q.instruction}")
        out.append(f"   {head['answer']}: ____________")
    out.append("")
    out.append(f"# {head['sheet']}")
    view = for_student(quiz, paper.seed)
    out.append(render_answer_file(view, paper.student, {}, seed=paper.seed, lang=paper.lang))
    return "\n".join(out)


def make_paper(
    *, quiz_id: str, student: str, lang: str = "en", root: Path | None = None
) -> tuple[Paper, str]:
    """The paper of `student` for the course's quiz `quiz_id`, and its text."""
    root = Path(root) if root is not None else find_root()
    quiz = get_quiz(quiz_id, root)
    paper = build_paper(quiz, student, lang)
    return paper, render_paper(paper, quiz)
