"""`dlcourse quiz`: list, take, print and grade the bilingual quizzes.

Each command is a thin wrapper over a plain function with keyword-only
arguments (`list_quizzes`, `take.take_quiz`, `paper.make_paper`, `grade_quiz`),
so the library and the CLI cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder.cli.common import CourseGroup, DefaultOption, default_of
from autograder.paths import find_root
from autograder.quiz.bank import Quiz, load_quizzes, quiz_dir
from autograder.quiz.engine import grade_files
from autograder.quiz.paper import make_paper
from autograder.quiz.take import get_quiz, load_progress, progress_path, take_quiz
from autograder.quiz.topics import TOPICS
from autograder.results import SubmissionResult

_HERE = "autograder.cli.quiz"
_EXPORT = "autograder.quiz.export:export_course_quiz"


@dataclass
class QuizSummary:
    id: str
    title: str
    questions: int
    points: float
    topics: int
    edition: str
    progress: str  # "", "3/20", "done"


def list_quizzes(
    *, root: Path | None = None, lang: str = "en", student: str | None = None
) -> list[QuizSummary]:
    """One summary per quiz, in course order; `student` adds their progress."""
    root = Path(root) if root is not None else find_root()
    summaries = []
    for quiz in load_quizzes(quiz_dir(root)).values():
        progress = ""
        if student:
            path = progress_path(root, quiz.id, student)
            if path.is_file():
                answers, finished = load_progress(path, quiz)
                progress = "done" if finished else f"{len(answers)}/{len(quiz.questions)}"
        summaries.append(
            QuizSummary(
                id=quiz.id,
                title=quiz.title.get(lang),
                questions=len(quiz.questions),
                points=quiz.max_score,
                topics=len({t for q in quiz.questions for t in q.tags}),
                edition=quiz.edition,
                progress=progress,
            )
        )
    return summaries


def topic_counts(quizzes: dict[str, Quiz]) -> dict[str, int]:
    """Questions per topic tag over all quizzes (every known topic, zero included)."""
    counts = dict.fromkeys(TOPICS, 0)
    for quiz in quizzes.values():
        for q in quiz.questions:
            for tag in q.tags:
                counts[tag] += 1
    return counts


def grade_quiz(
    *, quiz_id: str, answer_files: list[Path], out_dir: Path, root: Path | None = None
) -> list[SubmissionResult]:
    """Grade answer files against the course's bank of `quiz_id`."""
    root = Path(root) if root is not None else find_root()
    quiz = get_quiz(quiz_id, root)
    return grade_files(quiz=quiz, answer_files=answer_files, out_dir=out_dir)


quiz = CourseGroup(
    "quiz",
    help="Bilingual (English/Korean) quizzes on every topic of the notes: list, take, grade.",
)


@quiz.command("list")
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    cls=DefaultOption,
    default=default_of(_HERE + ":list_quizzes", "lang"),
    show_default=True,
)
@click.option("--student", default=None, help="Show this student's saved progress.")
@click.option("--topics", "show_topics", is_flag=True, help="Also count questions per topic.")
def list_command(lang: str, student: str | None, show_topics: bool) -> None:
    """List the quizzes of the course."""
    summaries = list_quizzes(lang=lang, student=student)
    console = Console(highlight=False)
    table = Table(title="Quizzes" if lang == "en" else "퀴즈")
    for column in ("quiz", "title", "questions", "points", "topics"):
        table.add_column(column)
    if student:
        table.add_column("progress")
    for s in summaries:
        row = [s.id, s.title, str(s.questions), f"{s.points:g}", str(s.topics)]
        if student:
            row.append(s.progress or "-")
        table.add_row(*row)
    console.print(table)
    if summaries and summaries[0].edition == "student":
        console.print(
            Text("student edition: answers are checked without being stored in clear", style="dim")
        )
    if show_topics:
        counts = topic_counts(load_quizzes(quiz_dir(find_root())))
        topics = Table(title="Questions per topic" if lang == "en" else "주제별 문제 수")
        topics.add_column("tag")
        topics.add_column("topic")
        topics.add_column("questions", justify="right")
        for tag, count in counts.items():
            name = TOPICS[tag][1] if lang == "ko" else TOPICS[tag][0]
            topics.add_row(tag, name, Text(str(count), style="red" if not count else ""))
        console.print(topics)


@quiz.command("take")
@click.argument("quiz_id", metavar="QUIZ")
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    cls=DefaultOption,
    default=default_of("autograder.quiz.take:take_quiz", "lang"),
    show_default=True,
)
@click.option(
    "--student",
    cls=DefaultOption,
    default=default_of("autograder.quiz.take:take_quiz", "student"),
    show_default=True,
    help="Your student id: it picks the values of parametrized questions.",
)
@click.option(
    "--export",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write your answers to this answer file at the end (for `quiz grade`).",
)
@click.option("--restart", is_flag=True, help="Forget saved progress and start again.")
@click.option(
    "--practice", is_flag=True, help="Self-study: show the explanation right after each answer."
)
def take_command(
    quiz_id: str, lang: str, student: str, export: Path | None, restart: bool, practice: bool
) -> None:
    """Take QUIZ in the terminal; progress is saved after every answer."""
    take_quiz(
        quiz_id=quiz_id,
        lang=lang,
        student=student,
        export=export,
        restart=restart,
        practice=practice,
    )


@quiz.command("paper")
@click.argument("quiz_id", metavar="QUIZ")
@click.option("--student", required=True, help="The student whose version to print.")
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    cls=DefaultOption,
    default=default_of("autograder.quiz.paper:make_paper", "lang"),
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def paper_command(quiz_id: str, student: str, lang: str, as_json: bool) -> None:
    """Print one student's version of QUIZ (their values and option order, no keys)."""
    paper, text = make_paper(quiz_id=quiz_id, student=student, lang=lang)
    if as_json:
        click.echo(json.dumps(paper.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(text)


@quiz.command("grade")
@click.argument("quiz_id", metavar="QUIZ")
@click.argument(
    "answer_files",
    metavar="ANSWERS...",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <student>/results.json and grades.csv.",
)
@click.option(
    "--db",
    "database",
    default=None,
    metavar="URL",
    help="Gradebook database URL (default: sqlite:///OUT/gradebook.sqlite).",
)
def grade_command(
    quiz_id: str, answer_files: tuple[Path, ...], out_dir: Path, database: str | None
) -> None:
    """Grade answer files of QUIZ into results.json per student, grades.csv and the gradebook."""
    from autograder.gradebook.book import record_quiz_results

    results = grade_quiz(quiz_id=quiz_id, answer_files=list(answer_files), out_dir=out_dir)
    record_quiz_results(results, database=database, out_dir=out_dir)
    console = Console(highlight=False)
    table = Table(title=f"quiz:{quiz_id}")
    for column in ("student", "score", "status", "answers file"):
        table.add_column(column)
    for r in results:
        status = Text(r.status, style="red" if r.status == "error" else "green")
        table.add_row(
            r.student, f"{r.score:g}/{r.max_score:g}", status, str(r.extra.get("answers_file", ""))
        )
    console.print(table)
    for r in results:
        if r.status == "error":
            console.print(Text(r.output, style="red"), soft_wrap=True)
    console.print(
        Text(f"results in {out_dir} (grades.csv and <student>/results.json)"), soft_wrap=True
    )


@quiz.command("export")
@click.argument("quiz_id", metavar="QUIZ")
@click.option(
    "--format", "fmt", type=click.Choice(["moodle", "qti", "gift"]), required=True,
    help="Moodle XML, a QTI 1.2 zip (Canvas) or GIFT.",
)  # fmt: skip
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    cls=DefaultOption,
    default=default_of(_EXPORT, "lang"),
    show_default=True,
)
@click.option("--student", default=None, help="Export this student's version (values, order).")
@click.option(
    "--seed",
    type=int,
    cls=DefaultOption,
    default=default_of(_EXPORT, "seed"),
    show_default=True,
    help="Seed of the drawn values.",
)
@click.option(
    "--variants", type=click.IntRange(1, 50), cls=DefaultOption, default=default_of(_EXPORT, "variants"), show_default=True,
    help="Moodle: this many variants of each parametrized question, one category each.",
)  # fmt: skip
def export_command(
    quiz_id: str, fmt: str, out: Path, lang: str, student: str | None, seed: int, variants: int
) -> None:
    """Write QUIZ for an LMS, answer keys and explanations included (instructors only)."""
    from autograder.quiz.export import export_course_quiz

    done = export_course_quiz(
        quiz_id=quiz_id, fmt=fmt, out=out, lang=lang, student=student, seed=seed,
        variants=variants,
    )  # fmt: skip
    who = f"student {student}" if student else f"seed {done.seed}"
    click.echo(
        f"Wrote {done.path}: {done.items} {fmt} questions from the {done.questions} of "
        f"{quiz_id} ({lang}, values of {who}). It holds the answers: keep it from students."
    )
