"""Every sentence the grader writes for people, in one place.

The commands (`autograder.engine.commands`) return data; this module turns it into
text: the summary stored in results.json, the notes of the grade table, and
the terminal views of `dlcourse list`, `check`, `grade` and `release` (rich
tables and colour). A failing check's own message is written where the
failure is found (`autograder.checkkit.compare`, the sandbox), since only
there is it known what was called and how the answer differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.results import FAILURE_KINDS, SubmissionResult

if TYPE_CHECKING:
    from autograder.engine.batch import BatchReport
    from autograder.engine.commands import AssignmentListing, ReleaseReport, SelfCheck

MAX_SHOWN_FAILURES = 25

# The failure kinds worth a note in the grade table (plain wrong values are not).
NOTED_KINDS = {
    "import", "missing_files", "timeout", "crash", "exit", "memory", "process_limit",
    "output_flood", "forbidden", "nan", "shape", "missing_function",
}  # fmt: skip


# ---------------------------------------------------------------------------
# Stored with the result
# ---------------------------------------------------------------------------
def summary_text(result: SubmissionResult, problems: list[str]) -> str:
    """The submission-level message of results.json."""
    passed = sum(1 for t in result.tests if t.status == "passed")
    lines = [
        f"{result.assignment}: {result.score:g} / {result.max_score:g} points; "
        f"{passed} of {len(result.tests)} checks passed.",
    ]
    if problems:
        lines.append("Problems with the submission: " + "; ".join(problems))
    if result.late_days:
        lines.append(f"Submitted {result.late_days} day(s) late: {result.penalty:.0%} deducted.")
    lines.append(f"Seed {result.seed} (re-grading with it reproduces this grade).")
    lines.append(f"Isolation: {result.isolation}.")
    return "\n".join(lines)


def staging_problem(problems: list[str]) -> str:
    """What every check says when the submission could not be staged as it is."""
    if not problems:
        return ""
    return "your submission could not be graded as it is: " + "; ".join(problems)


def failure_notes(result: SubmissionResult) -> str:
    """The grade table's notes: errors, named mistakes, the two most telling failure kinds."""
    notes = []
    if result.status != "graded":
        notes.append("ERROR: " + result.output.splitlines()[0][:80] if result.output else "ERROR")
    mistakes = {t.diagnosis for t in result.tests if t.diagnosis}
    if mistakes:
        notes.append("mistakes: " + ", ".join(sorted(mistakes)))
    failed = {t.kind for t in result.tests if t.status != "passed"}
    # FAILURE_KINDS is ordered most telling first
    labels = [label for kind, label in FAILURE_KINDS.items() if kind in failed & NOTED_KINDS]
    notes.extend(labels[:2])
    if result.extra.get("integrity_notes"):
        notes.append(f"{len(result.extra['integrity_notes'])} integrity note(s)")
    if result.late_days:
        notes.append(f"{result.late_days} day(s) late")
    return "; ".join(notes)


# ---------------------------------------------------------------------------
# Terminal views
# ---------------------------------------------------------------------------
def show_assignments(console: Console, listing: AssignmentListing) -> None:
    table = Table(title=f"{listing.course}: assignments", show_lines=False)
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


@dataclass(frozen=True)
class ResultLabels:
    """The words of one language in a result table (`show_result`)."""

    columns: tuple[str, str, str, str] = ("task", "check", "points", "result")
    passed: str = "pass"
    failed: str = "FAIL"
    more: str = "... and {count} more failing checks (use --json for all)."


def show_result(
    console: Console,
    result: SubmissionResult,
    *,
    show_passed: bool = True,
    labels: ResultLabels = ResultLabels(),
) -> None:
    """One submission's checks as a table, then each failure's message."""
    table = Table(title=f"{result.assignment}: {result.student}", show_lines=False)
    task, check, points, verdict = labels.columns
    table.add_column(task, style="cyan")
    table.add_column(check)
    table.add_column(points, justify="right")
    table.add_column(verdict)
    for test in result.tests:
        if test.status != "passed" or show_passed:
            mark = (
                f"[green]{labels.passed}[/]"
                if test.status == "passed"
                else f"[red]{labels.failed}[/]"
            )
            table.add_row(
                escape(test.task), escape(test.name), f"{test.score:g}/{test.max_score:g}", mark
            )
    console.print(table)
    failed = [t for t in result.tests if t.status != "passed"]
    for test in failed[:MAX_SHOWN_FAILURES]:
        console.print(
            f"\n[bold red]{labels.failed}[/] [cyan]{escape(test.task)}[/] {escape(test.name)}"
        )
        console.print(escape(test.output.rstrip()))
    if len(failed) > MAX_SHOWN_FAILURES:
        console.print("\n" + labels.more.format(count=len(failed) - MAX_SHOWN_FAILURES))


def show_self_check(console: Console, check: SelfCheck) -> None:
    result = check.result
    show_result(console, result)
    passed = sum(1 for t in result.tests if t.status == "passed")
    colour = "green" if passed == len(result.tests) and result.tests else "red"
    console.print(
        f"\n[bold {colour}]{result.score:g} / {result.max_score:g} points[/]: "
        f"{passed} of {len(result.tests)} public checks pass ({escape(str(check.folder))})."
    )
    if check.problems:
        console.print("[red]Problems:[/] " + escape("; ".join(check.problems)))
    if passed == len(result.tests) and result.tests:
        console.print("Hidden checks use other inputs: test edge cases yourself too.")


def show_batch(console: Console, report: BatchReport, assignment: str, out: Path) -> None:
    table = Table(title=f"{assignment}: {len(report.results)} submissions")
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
