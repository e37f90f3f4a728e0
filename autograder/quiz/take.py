"""Taking a quiz in the terminal, one question at a time, with saved progress.

Every answer is saved at once under `<root>/.dlcourse/quiz/<quiz>/<student>.json`,
so a quiz interrupted by `q`, Ctrl-C, Ctrl-D or a closed terminal resumes at the
first unanswered question. Scores and explanations are shown at the end, or
after every answer in practice mode. Options appear in the student's own order
(`draw.for_student`), so the letters match that student's paper and answer file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from autograder.errors import CourseError, UsageError
from autograder.paths import find_root
from autograder.quiz.answers import (
    Answer,
    AnswerValueError,
    format_value,
    letters,
    parse_value,
    render_answer_file,
    valid_student,
)
from autograder.quiz.bank import (
    Question,
    Quiz,
    draw_values,
    format_number,
    load_quizzes,
    quiz_dir,
    student_seed,
)
from autograder.quiz.draw import for_student, letter
from autograder.quiz.engine import (
    Verdict,
    correct_option_lines,
    judge,
    render_explanation,
    render_option,
    render_text,
)
from autograder.results import atomic_write_text

# /2: letters in the student's option order. Progress saved under /1 (letters in
# the bank's order) is not resumed, rather than misread.
PROGRESS_FORMAT = "dlcourse-quiz-progress/2"
SKIP = ("s", "skip")
QUIT = ("q", "quit")

UI = {
    "en": {
        "question": "Question",
        "select_one": "Choose one option.",
        "select_all": "Select all that apply (letters separated by commas).",
        "number": "Answer with a number.",
        "prompt": "Answer [{choices}, s = skip, q = save and quit]",
        "a_number": "a number",
        "resumed": "Resuming: {done} of {total} questions already answered.",
        "paused": "Progress saved to {path}. Run the same command to resume.",
        "finished_before": (
            "You finished this quiz before; here are your results (--restart to take it again)."
        ),
        "score": "Score: {score:g} / {total:g} ({correct} of {count} correct)",
        "answer": "Your answer",
        "expected": "Correct answer",
        "result": "Result",
        "right": "correct",
        "wrong": "wrong",
        "none": "no answer",
        "explanations": "Explanations",
        "exported": "Answers written to {path}.",
        "values": "your values",
        "practice": "Practice mode: the explanation follows each answer.",
    },
    "ko": {
        "question": "문제",
        "select_one": "하나를 고르시오.",
        "select_all": "해당하는 것을 모두 고르시오 (문자를 쉼표로 구분).",
        "number": "숫자로 답하시오.",
        "prompt": "답 [{choices}, s = 건너뛰기, q = 저장 후 종료]",
        "a_number": "숫자",
        "resumed": "이어서 풉니다: {total}문제 중 {done}문제에 이미 답했습니다.",
        "paused": "진행 상황을 {path}에 저장했습니다. 같은 명령을 다시 실행하면 이어서 풉니다.",
        "finished_before": "이미 끝낸 퀴즈입니다. 결과를 다시 보여 줍니다 (다시 풀려면 --restart).",
        "score": "점수: {score:g} / {total:g} ({count}문제 중 {correct}문제 정답)",
        "answer": "제출한 답",
        "expected": "정답",
        "result": "결과",
        "right": "정답",
        "wrong": "오답",
        "none": "답 없음",
        "explanations": "해설",
        "exported": "답안을 {path}에 저장했습니다.",
        "values": "주어진 값",
        "practice": "연습 모드: 답할 때마다 해설을 보여 줍니다.",
    },
}


class QuizNotFound(CourseError, LookupError):
    """No bank with that quiz id."""


class QuitQuiz(Exception):
    """The learner asked to save and quit."""


@dataclass
class TakeOutcome:
    """Where a `take` session ended."""

    quiz: str
    student: str
    finished: bool
    answers: dict[str, Answer | None]
    progress_path: Path
    verdicts: list[Verdict] = field(default_factory=list)
    export_path: Path | None = None

    @property
    def score(self) -> float:
        return sum(v.score for v in self.verdicts)


def get_quiz(quiz_id: str, root: Path) -> Quiz:
    quizzes = load_quizzes(quiz_dir(root))
    if quiz_id not in quizzes:
        known = ", ".join(quizzes) or "none"
        raise QuizNotFound(f"no quiz {quiz_id!r} (quizzes: {known})")
    return quizzes[quiz_id]


def progress_path(root: Path, quiz_id: str, student: str) -> Path:
    return Path(root) / ".dlcourse" / "quiz" / quiz_id / f"{student}.json"


def load_progress(path: Path, quiz: Quiz) -> tuple[dict[str, Answer | None], bool]:
    """Saved answers (question id -> answer) and whether the quiz was finished.

    Answers to questions the bank no longer has, or that no longer fit their
    question, are dropped, so an edited bank never breaks a resume.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, False
    if not isinstance(data, dict) or data.get("format") != PROGRESS_FORMAT:
        return {}, False
    answers: dict[str, Answer | None] = {}
    for qid, raw in (data.get("answers") or {}).items():
        question = quiz.question(qid)
        if question is None or not isinstance(raw, str):
            continue
        try:
            answers[qid] = parse_value(question, raw)
        except AnswerValueError:
            continue
    finished = bool(data.get("finished")) and all(q.id in answers for q in quiz.questions)
    return answers, finished


def save_progress(
    path: Path,
    quiz: Quiz,
    student: str,
    lang: str,
    answers: dict[str, Answer | None],
    finished: bool,
) -> None:
    data: dict[str, Any] = {
        "format": PROGRESS_FORMAT,
        "quiz": quiz.id,
        "student": student,
        "lang": lang,
        "bank_sha256": quiz.sha256,
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "finished": finished,
        "answers": {
            q.id: format_value(q, answers[q.id]) for q in quiz.questions if q.id in answers
        },
    }
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _default_ask(prompt: str) -> str:
    return click.prompt(prompt, default="", show_default=False, prompt_suffix=": ")


def _show_question(
    console: Console, quiz: Quiz, number: int, q: Question, lang: str, seed: int
) -> None:
    ui = UI[lang]
    console.print()
    console.print(Rule(f"{ui['question']} {number}/{len(quiz.questions)} · {q.id}", style="cyan"))
    console.print(Text(render_text(q, lang, draw_values(q, seed))))
    if q.is_choice:
        for index in range(len(q.options)):
            line = Text(f"  {letter(index)}. ", style="bold")
            line.append(render_option(q, index, lang))
            console.print(line)
        hint = ui["select_one"] if q.kind == "single" else ui["select_all"]
    else:
        hint = ui["number"]
    console.print(Text(hint, style="dim"))


def ask_question(
    console: Console,
    q: Question,
    lang: str,
    ask: Callable[[str], str],
) -> Answer | None:
    """Ask until the answer fits; None means skipped. Raises QuitQuiz on 'q'."""
    choices = letters(len(q.options)) if q.is_choice else UI[lang]["a_number"]
    prompt = UI[lang]["prompt"].format(choices=choices)
    while True:
        raw = ask(prompt).strip()
        if raw.lower() in QUIT:
            raise QuitQuiz
        if raw.lower() in SKIP:
            return None
        if not raw:
            continue
        try:
            return parse_value(q, raw)
        except AnswerValueError as exc:
            console.print(Text(str(exc), style="red"), soft_wrap=True)


def show_explanation(
    console: Console, number: int, v: Verdict, lang: str, *, repeat_text: bool = True
) -> None:
    """Right or wrong, the correct answer and the explanation of one question."""
    ui = UI[lang]
    mark = "✓" if v.correct else "✗"
    head = Text(f"{mark} {number}. ", style="green" if v.correct else "red")
    if repeat_text:
        head.append(render_text(v.question, lang, v.values), style="bold")
    else:
        head.append(ui["right"] if v.correct else ui["none"] if v.answer is None else ui["wrong"])
        if v.answer is not None:
            head.append(f" ({ui['answer']}: {v.given})")
    console.print(head)
    console.print(Text(f"   {ui['expected']}: {v.expected}"))
    for line in correct_option_lines(v.question, lang):
        console.print(Text(f"     {line}", style="green"))
    if v.values:
        shown = ", ".join(f"{k} = {format_number(x)}" for k, x in v.values.items())
        console.print(Text(f"   ({ui['values']}: {shown})", style="dim"))
    console.print(Text(f"   {render_explanation(v.question, lang, v.values)}"))
    console.print()


def show_results(console: Console, quiz: Quiz, verdicts: list[Verdict], lang: str) -> None:
    ui = UI[lang]
    table = Table(title=quiz.title.get(lang), show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("id")
    table.add_column(ui["answer"])
    table.add_column(ui["expected"])
    table.add_column(ui["result"])
    for number, v in enumerate(verdicts, start=1):
        if v.answer is None:
            result = Text(ui["none"], style="yellow")
        elif v.correct:
            result = Text(ui["right"], style="green")
        else:
            result = Text(ui["wrong"], style="red")
        table.add_row(str(number), v.question.id, v.given or "-", v.expected, result)
    console.print(table)
    console.print(Rule(ui["explanations"]))
    for number, v in enumerate(verdicts, start=1):
        show_explanation(console, number, v, lang)
    total = sum(q.points for q in quiz.questions)
    score = sum(v.score for v in verdicts)
    correct = sum(1 for v in verdicts if v.correct)
    line = ui["score"].format(score=score, total=total, correct=correct, count=len(verdicts))
    console.print(Text(line, style="bold"))


def take_quiz(
    *,
    quiz_id: str,
    lang: str = "en",
    student: str = "self",
    root: Path | None = None,
    export: Path | None = None,
    restart: bool = False,
    practice: bool = False,
    ask: Callable[[str], str] | None = None,
    console: Console | None = None,
) -> TakeOutcome:
    """Run a quiz interactively; save after every answer; grade and explain at the end.

    With `practice`, each answer is judged and explained right away as well.
    The quiz is shown as the student sees it: their values, their option order.
    """
    if lang not in UI:
        raise UsageError(f"lang must be one of {', '.join(UI)}")
    if not valid_student(student):
        raise UsageError(f"student id {student!r} may hold only letters, digits and . _ @ + -")
    root = Path(root) if root is not None else find_root()
    console = console or Console(highlight=False)
    ask = ask or _default_ask
    seed = student_seed(student)
    quiz = for_student(get_quiz(quiz_id, root), seed)
    path = progress_path(root, quiz.id, student)
    answers, finished = ({}, False) if restart else load_progress(path, quiz)
    ui = UI[lang]

    if finished:
        console.print(Text(ui["finished_before"], style="dim"))
    else:
        if practice:
            console.print(Text(ui["practice"], style="dim"))
        done = sum(1 for q in quiz.questions if q.id in answers)
        if done:
            console.print(
                Text(ui["resumed"].format(done=done, total=len(quiz.questions)), style="dim")
            )
        for number, q in enumerate(quiz.questions, start=1):
            if q.id in answers:
                continue
            _show_question(console, quiz, number, q, lang, seed)
            try:
                answers[q.id] = ask_question(console, q, lang, ask)
            except (QuitQuiz, click.Abort, EOFError, KeyboardInterrupt):
                save_progress(path, quiz, student, lang, answers, False)
                console.print()
                console.print(Text(ui["paused"].format(path=path), style="yellow"), soft_wrap=True)
                return TakeOutcome(quiz.id, student, False, answers, path)
            save_progress(path, quiz, student, lang, answers, False)
            if practice:
                verdict = judge(q, answers[q.id], seed)
                show_explanation(console, number, verdict, lang, repeat_text=False)
        save_progress(path, quiz, student, lang, answers, True)

    verdicts = [judge(q, answers.get(q.id), seed) for q in quiz.questions]
    show_results(console, quiz, verdicts, lang)
    outcome = TakeOutcome(quiz.id, student, True, answers, path, verdicts)
    if export is not None:
        text = render_answer_file(quiz, student, answers, seed=seed, lang=lang)
        atomic_write_text(Path(export), text)
        outcome.export_path = Path(export)
        console.print(Text(ui["exported"].format(path=export)), soft_wrap=True)
    return outcome
