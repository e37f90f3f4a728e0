"""Terminal views: what `dlcourse list`, `grade` and `release` print (rich tables).

The commands (`autograder.engine.commands`) return data; these views print it,
in English (the instructor's). What `dlcourse check` prints, in the student's
language, is `autograder.feedback.selfcheck`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.feedback.render import failure_notes
from autograder.results import SubmissionResult


# What the views read of the commands' data (`autograder.engine.commands`,
# `autograder.engine.batch`, `autograder.release`), so that rendering needs
# nothing of the engine.
class AssignmentRow(Protocol):
    id: str
    title: str
    public: float | None
    hidden: float
    deadline: datetime | None


class AssignmentListing(Protocol):
    course: str
    rows: Sequence[AssignmentRow]


class BatchReport(Protocol):
    results: list[SubmissionResult]
    graded: int
    reused: int
    seconds: float
    isolation: str


class ReleaseReport(Protocol):
    check_only: bool
    assignments: list[tuple[str, int, list[str]]]
    bundle: list[str]

    @property
    def problems(self) -> list[str]: ...


# ---------------------------------------------------------------------------
# Terminal views
# ---------------------------------------------------------------------------
def show_assignments(console: Console, listing: AssignmentListing) -> None:
    table = Table(title=escape(f"{listing.course}: assignments"), show_lines=False)
    table.add_column("id", style="bold cyan", no_wrap=True, min_width=14)
    table.add_column("title", ratio=1)
    table.add_column("public", justify="right")
    table.add_column("hidden", justify="right")
    table.add_column("total", justify="right", style="bold")
    table.add_column("due", no_wrap=True)
    for row in listing.rows:
        if row.public is None:
            public = hidden = total = "-"
        else:
            public = f"{row.public:g}"
            hidden = f"{row.hidden:g}" if row.hidden else "(not here)"
            total = f"{row.public + row.hidden:g}"
        due = row.deadline.strftime("%Y-%m-%d") if row.deadline else ""
        table.add_row(row.id, row.title, public, hidden, total, due)
    console.print(table)
    console.print(
        "Self-check one with [bold]dlcourse check ID[/]; see the tasks in assignments/ID/README.md."
    )


def show_batch(console: Console, report: BatchReport, assignment: str, out: Path) -> None:
    table = Table(title=escape(f"{assignment}: {len(report.results)} submissions"))
    for column, justify in (("student", "left"), ("score", "right"), ("max", "right"),
                            ("%", "right"), ("checks failed", "right"), ("notes", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in report.results:
        failed = sum(1 for t in result.tests if t.status != "passed")
        percent = 100 * result.score / result.max_score if result.max_score else 0.0
        table.add_row(
            escape(result.student),
            f"{result.score:g}",
            f"{result.max_score:g}",
            f"{percent:.0f}",
            str(failed),
            escape(failure_notes(result)),
        )
    console.print(table)
    per = report.seconds / report.graded if report.graded else 0.0
    console.print(
        f"Graded {report.graded} (reused {report.reused} unchanged) in {report.seconds:.1f} s"
        + (f" ({per:.2f} s per submission)" if report.graded else "")
        + f".\nResults: {escape(str(out))}/<student>/results.json, {escape(str(out / 'grades.csv'))}."
    )
    console.print(f"Isolation: {escape(report.isolation)}.")


def show_release(console: Console, report: ReleaseReport) -> None:
    for ident, written, drift in report.assignments:
        if report.check_only:
            state = "[green]in sync[/]" if not drift else f"[red]{len(drift)} difference(s)[/]"
            console.print(f"assignments/{ident}: {state}")
        else:
            console.print(f"assignments/{ident}: wrote {written} file(s) from solutions/{ident}")
    for problem in report.problems:
        console.print(f"  {escape(problem)}")
    if report.check_only and report.problems:
        console.print("Run [bold]dlcourse release[/] to regenerate them.")
    for line in report.bundle:
        console.print(escape(line))
