"""`dlcourse export`: the course for another platform (Gradescope, nbgrader, GitHub Classroom)."""

from __future__ import annotations

from pathlib import Path

import click

from autograder.cli.common import CourseGroup, DefaultOption, default_of, feedback_languages

_NBGRADER = "autograder.platforms.nbgrader.export:export_nbgrader"
_CLASSROOM = "autograder.platforms.classroom.export:export_classroom"


@click.group("export", cls=CourseGroup)
def export_group() -> None:
    """Export the course to another platform (Gradescope, nbgrader, GitHub Classroom)."""


@export_group.command("gradescope")
@click.argument("assignment")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--torch-index-url",
    cls=DefaultOption,
    default=default_of(
        "autograder.platforms.gradescope.export:export_gradescope", "torch_index_url"
    ),
    metavar="URL",
    help="Package index of the CPU-only torch wheels for setup.sh (torch assignments).",
)
def export_gradescope_command(assignment: str, out: Path, torch_index_url: str) -> None:
    """Write Gradescope's autograder zip for ASSIGNMENT (setup.sh, run_autograder).

    The zip holds the reference solution and the hidden checks: it is the
    instructor's, never give it to students.
    """
    from autograder.platforms.gradescope.export import export_gradescope

    done = export_gradescope(assignment, out=out, torch_index_url=torch_index_url)
    click.echo(
        f"Wrote {done.path} ({len(done.files)} files): setup.sh and run_autograder for "
        f"{assignment}{' (installs torch)' if done.torch else ''}. Upload it as the "
        "autograder of a Gradescope programming assignment; it holds the solutions."
    )


@export_group.command("nbgrader")
@click.argument("assignments", nargs=-1)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    cls=DefaultOption,
    default=default_of(_NBGRADER, "lang"),
    help="Language of the texts.",
)
@click.option(
    "--course-id",
    cls=DefaultOption,
    default=default_of(_NBGRADER, "course_id"),
    help="nbgrader's course id.",
)
def export_nbgrader_command(
    assignments: tuple[str, ...], out: Path, lang: str, course_id: str
) -> None:
    """Write an nbgrader course directory (default: every assignment).

    OUT gets nbgrader_config.py and source/ID/ID.ipynb per assignment: the
    README, answer cells holding the reference between nbgrader's solution
    markers, one autograder-test cell per task and the walkthrough; the other
    modules students get (vit's and bert's transformer.py stub) lie beside
    it, for students to replace with their finished ones. Then run
    `nbgrader generate_assignment ID` there. Grade what nbgrader collects with
    `dlcourse grade ID OUT/submitted --out DIR --nbgrader OUT`: nbgrader's own
    autograde runs the checks in the student's kernel, where their code can
    patch them.
    """
    from autograder.platforms.nbgrader.export import export_nbgrader

    done = export_nbgrader(list(assignments), out=out, lang=lang, course_id=course_id)
    helpers = f" and {len(done.helpers)} helper modules" if done.helpers else ""
    click.echo(
        f"Wrote {done.config}, {len(done.notebooks)} source notebooks{helpers} "
        f"(cell timeout {done.timeout_s} s). It holds the solutions: never share source/."
    )


@export_group.command("classroom")
@click.argument("assignment")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A new (or empty) folder for the repository.",
)
@click.option(
    "--lang",
    type=click.Choice(feedback_languages()),
    cls=DefaultOption,
    default=default_of(_CLASSROOM, "lang"),
    show_default=True,
    help="Language of the checks' feedback in the workflow's log (the README has both).",
)
@click.option(
    "--torch-index-url",
    cls=DefaultOption,
    default=default_of(_CLASSROOM, "torch_index_url"),
    show_default=True,
    metavar="URL",
    help="Package index of the CPU-only torch wheels the workflow installs (torch assignments).",
)
def export_classroom_command(assignment: str, out: Path, lang: str, torch_index_url: str) -> None:
    """Write a starter repository of ASSIGNMENT for GitHub Classroom.

    OUT gets the student's files (the stub, its READMEs, notebooks and hints),
    the package with the PUBLIC checks only and the reference's recorded
    answers to them, a README for the student (English and Korean) and
    .github/workflows/classroom.yml: one autograding test per task, worth the
    task's public points, each running `dlcourse check ASSIGNMENT --json`.
    No hidden check and no solution goes in (verified). Push OUT as the
    template repository of a Classroom assignment. Students can change their
    own repository, workflow included: its points are feedback; grade what
    you collect with `dlcourse grade`.
    """
    from autograder.platforms.classroom.export import export_classroom

    done = export_classroom(assignment, out=out, lang=lang, torch_index_url=torch_index_url)
    scaled = f" (x{done.scale} on GitHub: whole points)" if done.scale != 1 else ""
    click.echo(
        f"Wrote {done.path} ({len(done.files)} files): {len(done.tests)} autograding tests, "
        f"{done.points:g} public points{scaled}{'; installs CPU torch' if done.torch else ''}. "
        "Push it as the template repository of a GitHub Classroom assignment."
    )
