"""Terminal views: what `dlcourse list`, `check`, `grade` and `release` print (rich).

The commands (`autograder.engine.commands`) return data; these views print it.
A self-check's table and words are in the reader's language (the package
catalog); the instructor's views are English.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from autograder.feedback.catalogs import translator
from autograder.feedback.render import failure_notes
from autograder.messages import Message, msg, render
from autograder.results import CheckResult, SubmissionResult

MAX_SHOWN_FAILURES = 25


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


class SelfCheck(Protocol):
    result: SubmissionResult
    folder: Path
    problems: list[str]


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


def _word(lang: str, message: Message) -> str:
    """One of the views' own words (a message of the package catalog) in `lang`."""
    return render(message, translator(None, lang))


def blank_reached(test: CheckResult) -> str | None:
    """The stub's blank a failed check stopped at ('conv/conv_forward'), or None: the
    check's message is the blank's NotImplementedError (`plugin.blank`)."""
    for _, message in test.lines:
        if message.id == "plugin.blank":
            return str(message.values.get("where", ""))
    return None


def not_implemented_line(task: str, reached: list[str], lang: str) -> str:
    """One line for a task whose failed checks all stopped at a blank, in `lang`."""
    line = _word(
        lang,
        msg(
            "view.not_implemented",
            "{task}: not implemented yet ({count} check)",
            plural="{task}: not implemented yet ({count} checks)",
            task=task,
            count=len(reached),
        ),
    )
    others = sorted({w for w in reached if w.rpartition("/")[2] != task})
    if others:  # stopped at another task's blank (a backward check calls the forward)
        line += _word(
            lang,
            msg("view.blank_of", "; they stop at the blank of {where}", where=", ".join(others)),
        )
    return line


def show_result(
    console: Console, result: SubmissionResult, *, show_passed: bool = True, lang: str = "en"
) -> None:
    """One submission's checks as a table, then what failed (in `lang`): one line per task
    for the checks that stopped at a blank of the stub ("not implemented yet"), the
    full message of every other failure. results.json keeps every message."""
    # escaped: a student folder named like markup ("[x]") shows as it is
    table = Table(title=escape(f"{result.assignment}: {result.student}"), show_lines=False)
    table.add_column(_word(lang, msg("view.task", "task")), style="cyan")
    table.add_column(_word(lang, msg("view.check", "check")))
    table.add_column(_word(lang, msg("view.points", "points")), justify="right")
    table.add_column(_word(lang, msg("view.result", "result")))
    passed_word = _word(lang, msg("view.pass", "pass"))
    failed_word = _word(lang, msg("view.fail", "FAIL"))
    for test in result.tests:
        if test.status != "passed" or show_passed:
            # Text, not markup: nothing to parse or escape (the same output, ~2 ms less per table)
            table.add_row(
                Text(test.task),
                Text(test.name),
                Text(f"{test.score:g}/{test.max_score:g}"),
                Text(passed_word, style="green")
                if test.status == "passed"
                else Text(failed_word, style="red"),
            )
    console.print(table)
    failed = [t for t in result.tests if t.status != "passed"]
    blanks: dict[str, list[str]] = {}  # task: the blank each of its failed checks reached
    for test in failed:
        where = blank_reached(test)
        if where is not None:
            blanks.setdefault(test.task, []).append(where)
    if blanks:
        console.print()
    for task, reached in blanks.items():
        console.print(f"[yellow]{escape(not_implemented_line(task, reached, lang))}[/]")
    failed = [t for t in failed if blank_reached(t) is None]
    for test in failed[:MAX_SHOWN_FAILURES]:
        console.print(
            f"\n[bold red]{failed_word}[/] [cyan]{escape(test.task)}[/] {escape(test.name)}"
        )
        console.print(escape(test.output.rstrip()))
    if len(failed) > MAX_SHOWN_FAILURES:
        more = msg(
            "view.more",
            "... and {count} more failing check (use --json for all).",
            plural="... and {count} more failing checks (use --json for all).",
            count=len(failed) - MAX_SHOWN_FAILURES,
        )
        console.print("\n" + escape(_word(lang, more)))


def show_self_check(
    console: Console, check: SelfCheck, *, lang: str = "en", hints: dict[str, int] | None = None
) -> None:
    """A self-check's table and failures, its score, and the hints of the failing tasks
    (`hints`: {task: levels the course gives})."""
    result = check.result
    show_result(console, result, lang=lang)
    passed = sum(1 for t in result.tests if t.status == "passed")
    colour = "green" if passed == len(result.tests) and result.tests else "red"
    line = msg(
        "view.self_check",
        "{score} / {max_score} points: {passed} of {total} public checks pass ({folder}).",
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        passed=passed,
        total=len(result.tests),
        folder=str(check.folder),
    )
    console.print(f"\n[bold {colour}]{escape(_word(lang, line))}[/]")
    if check.problems:
        problems = msg("view.problems", "Problems: {problems}", problems="; ".join(check.problems))
        console.print(f"[red]{escape(_word(lang, problems))}[/]")
    failing = sorted({t.task for t in result.tests if t.status != "passed"} & set(hints or {}))
    if failing and hints:
        stuck = msg(
            "view.hints",
            "Stuck? A hint ladder exists for {tasks}: dlcourse hint {assignment} TASK "
            "shows one level at a time.",
            tasks=", ".join(failing),
            assignment=result.assignment,
        )
        console.print(escape(_word(lang, stuck)))
    if passed == len(result.tests) and result.tests:
        hidden = msg(
            "view.all_pass", "Hidden checks use other inputs: test edge cases yourself too."
        )
        console.print(escape(_word(lang, hidden)))


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
