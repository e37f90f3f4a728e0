"""The `dlcourse` command line: one click group, each command a thin wrapper.

Students: `dlcourse check ID`. Instructors: `dlcourse grade ID SUBMISSIONS --out DIR`,
`dlcourse release`. Everyone: `dlcourse list`, `dlcourse quiz ...`.

The commands (`autograder.engine.commands`, `autograder.release`...) return
data; the views in `autograder.feedback.views` render it. Exit status, for
every command of every group (`autograder.errors`): 0 it did what was asked;
1 it ran and the answer is no (a failing self-check, assignments/ out of
sync); 2 it could not run (a usage error, or an expected error such as an
unknown assignment, reported as one `error:` line).
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import click

from autograder.cli.common import (
    EXIT_NO,
    EXIT_OK,
    CourseGroup,
    DefaultOption,
    console,
    default_of,
    feedback_languages,
    finish,
    own_process,
)

_NBGRADER = "autograder.platforms.nbgrader.export:export_nbgrader"


@click.group(cls=CourseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlcourse")
def main() -> None:
    """dlcourse: an auto-graded deep-learning course.

    \b
    Students:     dlcourse check conv              (public checks of assignments/conv)
    Instructors:  dlcourse grade conv SUBMISSIONS... --out grades/
                  dlcourse release [--out BUNDLE]  (regenerate stubs / build the student bundle)
    Everyone:     dlcourse list, dlcourse quiz list, dlcourse quiz take QUIZ
    """
    from autograder.engine.threads import single_threaded_numerics

    single_threaded_numerics()  # before numpy or torch is imported by any command


@main.command("list")
def list_command() -> None:
    """List the assignments with their tasks and points."""
    from autograder.engine.commands import list_assignments
    from autograder.feedback.views import show_assignments

    show_assignments(console(), list_assignments())


@main.command("check")
@click.argument("assignment")
@click.option(
    "--path",
    "path",
    type=click.Path(exists=True, path_type=Path),
    help="Folder (or .zip) with your module file; default: assignments/ASSIGNMENT.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the results as JSON (results.json schema)."
)
@click.option(
    "--lang",
    type=click.Choice(feedback_languages()),
    cls=DefaultOption,
    default=default_of("autograder.engine.commands:self_check", "lang"),
    envvar="DLCOURSE_LANG",
    show_envvar=True,
    help="Language of the feedback (ko: 한국어).",
)
def check_command(assignment: str, path: Path | None, as_json: bool, lang: str) -> None:
    """Run the public checks of ASSIGNMENT against your code (a self-check).

    Exit status 0 only when every check passes. Hidden checks (other shapes and
    random inputs) run only when your instructor grades the submission.
    """
    if own_process():  # one short process: the cyclic collector would walk every object its
        gc.disable()  # imports create (~10% of its time) for garbage its exit frees anyway
    from autograder.engine.commands import self_check
    from autograder.engine.workers import let_sandboxes_go

    check = self_check(assignment, path=path, lang=lang, one_shot=True)
    let_sandboxes_go()  # no more workers: a zygote (after a crash) exits while we print
    if as_json:
        click.echo(json.dumps(check.result.to_json(), indent=2, ensure_ascii=False))
    else:
        from autograder.feedback.selfcheck import show_self_check

        hints = None
        if not check.ok:  # the hint ladders are offered for failing tasks only
            from autograder.release.hints import hinted_tasks

            hints = hinted_tasks(assignment)
        show_self_check(check, lang=lang, hints=hints)
    finish(EXIT_OK if check.ok else EXIT_NO)


@main.command("grade")
@click.argument("assignment")
@click.argument(
    "submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel graders (default: number of cores).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed for every graded input (default: one per student, keyed by the course's "
    "secret DLCOURSE_GRADING_SECRET, else drawn for this batch; recorded in the results).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Re-grade submissions already graded with the same content and seed.",
)
@click.option(
    "--dask",
    "dask_scheduler",
    default=None,
    metavar="ADDRESS",
    help="Grade on a Dask cluster (scheduler address) instead of local processes.",
)
@click.option(
    "--db",
    "database",
    default=None,
    metavar="URL",
    help="Gradebook database URL (default: sqlite:///OUT/gradebook.sqlite).",
)
@click.option(
    "--nbgrader",
    "nbgrader_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="COURSE_DIR",
    help="Also write each student's per-task scores into this nbgrader course's gradebook.",
)
@click.option(
    "--lang",
    type=click.Choice(feedback_languages()),
    cls=DefaultOption,
    default=default_of("autograder.engine.commands:grade", "lang"),
    help="Language of the feedback in the results (default: English, for the instructor).",
)
@click.option(
    "--submitted-at",
    "submitted_at",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="CSV",
    help="When each student submitted (columns student, submitted_at; ISO 8601), as the "
    "collection recorded it: then the only record (a student it does not list is flagged). "
    "Without it: nbgrader's timestamp.txt (written on the student's side), else the file time.",
)
def grade_command(
    assignment: str,
    submissions: tuple[Path, ...],
    out: Path,
    jobs: int | None,
    seed: int | None,
    force: bool,
    dask_scheduler: str | None,
    database: str | None,
    nbgrader_dir: Path | None,
    lang: str,
    submitted_at: Path | None,
) -> None:
    """Grade SUBMISSIONS of ASSIGNMENT with public and hidden checks.

    Each SUBMISSION is a folder or .zip holding the module file, or a folder of
    those (nbgrader's submitted/<student>/ASSIGNMENT/ layout too). A folder with
    ASSIGNMENT.ipynb and no module file is an nbgrader notebook: read, never
    run, its answer cells become the module. Writes OUT/<student>/results.json
    (Gradescope's schema), OUT/grades.csv and the gradebook (and, with
    --nbgrader, the nbgrader course's). Exits 0 when grading ran, whatever the
    scores.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from autograder.engine.commands import grade
    from autograder.engine.untrusted import untrusted_text
    from autograder.feedback.views import show_batch

    out_console = console()
    bar = Progress(
        TextColumn("grading {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out_console,
        disable=not out_console.is_terminal,
        transient=True,
    )
    with bar:
        task = bar.add_task(assignment, total=None)
        report = grade(
            assignment,
            list(submissions),
            out=out,
            jobs=jobs,
            seed=seed,
            force=force,
            dask_scheduler=dask_scheduler,
            database=database,
            on_start=lambda n: bar.update(task, total=n),
            progress=lambda _r: bar.advance(task),
            lang=lang,
            submitted_at=submitted_at,
        )
    show_batch(out_console, report, assignment, out)
    for line in report.problems + report.flags:
        click.echo(f"Look at: {untrusted_text(line, 400)}")
    if nbgrader_dir is not None:
        from autograder.platforms.nbgrader.gradebook import write_gradebook

        count = write_gradebook(nbgrader_dir, assignment, report.results)
        click.echo(f"Wrote the scores of {count} students into the gradebook of {nbgrader_dir}.")
    click.echo(f"Report: dlcourse report {out} --out {out / 'report.html'} [--students DIR]")


@main.command("release")
@click.argument("assignments", nargs=-1)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the student bundle to this folder.",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Only report whether assignments/ is in sync with solutions/.",
)
def release_command(assignments: tuple[str, ...], out: Path | None, check_only: bool) -> None:
    """Regenerate assignments/ from solutions/ (default: every assignment).

    With --out DIR, also write the student bundle: stubs, notebooks, public
    checks with their recorded answers, quizzes without answer keys; then
    verify that no solution code and no hidden check leaked into it.
    """
    from autograder.feedback.views import show_release
    from autograder.release import release

    report = release(list(assignments), out=out, check_only=check_only)
    show_release(console(), report)
    sys.exit(EXIT_OK if report.ok else EXIT_NO)


@main.command("report")
@click.argument("grades_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--students",
    "students_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write one feedback page per student into this folder.",
)
@click.option(
    "--published",
    is_flag=True,
    help="Grades are published: students' pages also show the hidden checks.",
)
def report_command(grades_dir: Path, out: Path, students_dir: Path | None, published: bool) -> None:
    """Write one self-contained HTML report about the grades in GRADES_DIR.

    GRADES_DIR is what `dlcourse grade` or `dlcourse quiz grade` wrote. The page
    has the score distribution, pass rates per task and check, the named
    mistakes, late and error counts and a sortable table of students.
    """
    from autograder.report import build_report

    done = build_report(grades_dir, out=out, students_dir=students_dir, published=published)
    click.echo(f"Wrote {done.report} ({done.students} students).")
    if done.student_pages:
        click.echo(f"Wrote {len(done.student_pages)} student pages in {students_dir}.")


def _register_groups() -> None:
    """The commands of their own modules, each imported only when it runs."""
    main.lazy.update(
        {
            "export": "autograder.cli.export:export_group",
            "gradebook": "autograder.cli.gradebook:gradebook_group",
            "hint": "autograder.cli.hint:hint_command",
            "quiz": "autograder.cli.quiz:quiz",
            "regrade": "autograder.cli.gradebook:regrade_command",
            "similarity": "autograder.cli.similarity:similarity_command",
        }
    )


_register_groups()


if __name__ == "__main__":
    main()
