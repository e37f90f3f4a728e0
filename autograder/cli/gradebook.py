"""`dlcourse gradebook show|export` and `dlcourse regrade`: thin wrappers over plain functions.

`load_table` and `export_gradebook` are what the commands call, with
keyword-only arguments, so the library and the CLI cannot drift apart.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder.cli.common import EXIT_NO, EXIT_OK, CourseGroup, DefaultOption, default_of
from autograder.config import ConfigError, load_course
from autograder.gradebook.exports import EXPORTERS, FORMATS
from autograder.gradebook.roster import default_roster_path, load_roster
from autograder.gradebook.totals import (
    ERROR,
    EXCUSED,
    MISSING,
    CourseTable,
    course_table,
    load_settings,
    load_weights,
)
from autograder.paths import CourseNotFound, find_root

if TYPE_CHECKING:
    from autograder.gradebook.book import Gradebook


def _course_root(root: Path | None) -> Path | None:
    if root is not None:
        return Path(root)
    try:
        return find_root()
    except CourseNotFound:
        return None


def _open_existing(database: str | None) -> str:
    """The gradebook URL for show/export/regrade; a missing SQLite file is an error, not a new book."""
    from autograder.gradebook.book import database_url

    url = database_url(database)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if not path.is_file():
            hint = "" if database else " (give --db URL, e.g. --db grades/gradebook.sqlite)"
            raise ConfigError(f"no gradebook at {path}{hint}")
    return url


def load_table(
    *, database: str | None = None, roster: Path | None = None, root: Path | None = None
) -> CourseTable:
    """The course table of a gradebook, with the roster (given or course/roster.csv) and weights."""
    root = _course_root(root)
    roster_path = roster or (default_roster_path(root) if root else None)
    entries = load_roster(roster_path) if roster_path else None
    weights = load_weights(root) if root else {}
    order = list(load_course(root).assignments) if root else []
    from autograder.gradebook.book import Gradebook

    with Gradebook(_open_existing(database), root=root) as book:
        rows = book.rows()
    return course_table(rows, roster=entries, weights=weights, course_order=order)


def export_gradebook(
    *,
    fmt: str = "csv",
    out: Path,
    database: str | None = None,
    roster: Path | None = None,
    root: Path | None = None,
) -> Path:
    """Write the course table as `fmt` (csv, canvas, nbgrader) to `out`."""
    if fmt not in EXPORTERS:
        raise ConfigError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    table = load_table(database=database, roster=roster, root=root)
    if fmt == "nbgrader":
        course_root = _course_root(root)
        deadlines = (
            {i: a.deadline for i, a in load_course(course_root).assignments.items()}
            if course_root
            else {}
        )
        return EXPORTERS[fmt](table, out, deadlines)
    if fmt == "canvas":
        course_root = _course_root(root)
        zero = load_settings(course_root).missing_as_zero if course_root else False
        return EXPORTERS[fmt](table, out, missing_as_zero=zero)
    return EXPORTERS[fmt](table, out)


def _cell_text(score: float, max_score: float, status: str, penalty: float, late: int) -> Text:
    if status == MISSING:
        return Text("missing", style="red")
    if status == EXCUSED:
        return Text("excused", style="dim")
    if status == ERROR:  # recorded as 0, but nothing was graded: say so, as --student does
        return Text("error", style="bold red")
    text = Text(f"{score:g}/{max_score:g}")
    if penalty:
        text.append(f" late {late}d -{100 * penalty:g}%", style="yellow")
    return text


def render_table(console: Console, table: CourseTable) -> None:
    grid = Table(title="Course gradebook", show_lines=False)
    grid.add_column("student")
    if table.has_roster:
        grid.add_column("section")
    for item in table.items:
        grid.add_column(f"{item}\n(weight {table.weights[item]:g})", justify="right")
    grid.add_column("total %", justify="right")
    for line in table.students:
        name = Text(line.student)
        if table.has_roster and not line.on_roster:
            name.append(" (not on roster)", style="magenta")
        cells = [
            _cell_text(c.score, c.max_score, c.status, c.penalty, c.late_days)
            for c in (line.cells[item] for item in table.items)
        ]
        total = "-" if line.total is None else f"{line.total:.1f}"
        section = [line.entry.section] if table.has_roster else []
        grid.add_row(name, *section, *cells, total)
    console.print(grid)
    if table.not_on_roster:
        console.print(
            Text(f"not on the roster: {', '.join(table.not_on_roster)}", style="magenta"),
            soft_wrap=True,
        )
    if table.errors:
        which = ", ".join(f"{student} ({item})" for student, item in table.errors)
        console.print(
            Text(f"could not be graded (counted 0; see --student): {which}", style="bold red"),
            soft_wrap=True,
        )


ISOLATION_WIDTH = 40


def isolation_summary(text: str) -> str:
    """The isolation a grade was given under, in one short line.

    Each `;`-separated layer of the recorded text (`isolation.describe()`)
    keeps its name without the details in parentheses:
    "bubblewrap (user, pid, ...); cgroup (...); rlimits (...), wall-clock
    timeouts, scrubbed env" becomes "bubblewrap + cgroup + rlimits", and the
    fallback's warning stays: "NO namespace sandbox + rlimits". Short texts
    ("none (no code runs)") stay as they are. The full text is in the
    grade's results.json.
    """
    text = " ".join(text.split())
    if len(text) <= ISOLATION_WIDTH // 2:
        return text
    bare = re.sub(r"\([^()]*\)", "", text)
    names: list[str] = []
    for part in bare.split(";"):
        words = re.split(r"[:,]", part)[0].split()
        if not words:
            continue
        # a layer's name is its first word; a warning in capitals keeps three
        name = " ".join(words[:3]) if words[0].isupper() else words[0]
        names = [n for n in names if not name.startswith(n)]  # rlimit, then rlimits
        if not any(n.startswith(name) for n in names):
            names.append(name)
    summary = " + ".join(names) or text
    return summary if len(summary) <= ISOLATION_WIDTH else summary[: ISOLATION_WIDTH - 1] + "…"


def _minute(stamp: str | None) -> str:
    """An ISO time to the minute ('2027-03-29 23:59'), as recorded (UTC)."""
    return (stamp or "?")[:16].replace("T", " ")


def _grade_block(row: dict[str, Any], replaced: bool, width: int) -> list[Text]:
    """One grade in three lines of at most about 75 characters."""
    error = row["status"] == ERROR
    head = Text(f"{row['assignment']:<{width}}  ")
    head.append(f"{row['score']:g}/{row['max_score']:g}", style="bold red" if error else "bold")
    head.append(f"  {row['status']}", style="bold red" if error else "")
    head.append(f" at {_minute(row['graded_at'])}")
    if row["late_days"]:
        head.append(f"  late {row['late_days']}d -{100 * (row['penalty'] or 0):g}%", "yellow")
    when = f"replaced {_minute(row['replaced_at'])} · " if replaced else ""
    audit = f"    {when}seed {row['seed']} · checks {(row['checks_sha256'] or '?')[:12]}"
    isolation = (
        f"    dlcourse {row['package_version'] or '?'} · "
        f"isolation: {isolation_summary(row['isolation'] or '?')}"
    )
    return [head, Text(audit, style="dim"), Text(isolation, style="dim")]


def render_student(console: Console, book: Gradebook, student: str) -> int:
    """One student's current grades and earlier ones; returns how many grades were shown.

    Each grade takes three lines that fit an 80-column terminal: the item, its
    score, status, time and late penalty; when it was replaced, the seed and
    the checks hash that reproduce it; the version and the isolation in force,
    summarised.
    """
    current = [r for r in book.rows() if r["student"] == student]
    earlier = book.history(student)
    if not current and not earlier:
        return 0
    width = max(len(r["assignment"]) for r in current + earlier)
    console.print(Text(f"Grades of {student}", style="bold"))
    for title, rows, replaced in (("current", current, False), ("replaced", earlier, True)):
        if not rows:
            continue
        console.print(Text(f"{title} ({len(rows)})", style="underline"))
        for row in rows:
            for line in _grade_block(row, replaced, width):
                console.print(line, soft_wrap=True)
    return len(current) + len(earlier)


_db_option = click.option(
    "--db",
    "database",
    default=None,
    metavar="URL",
    help="Gradebook database: a SQLAlchemy URL or a SQLite file (default: ./gradebook.sqlite).",
)
_roster_option = click.option(
    "--roster",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Class roster CSV (default: course/roster.csv when it exists).",
)


@click.group("gradebook", cls=CourseGroup)
def gradebook_group() -> None:
    """The course gradebook: assignments and quizzes, weighted totals, exports."""


@gradebook_group.command("show")
@_db_option
@_roster_option
@click.option("--student", default=None, help="Show this student's grades and their history.")
def show_command(database: str | None, roster: Path | None, student: str | None) -> None:
    """Show students by assignments and quizzes, with late penalties and the weighted total."""
    console = Console(highlight=False)
    if student:
        from autograder.gradebook.book import Gradebook

        with Gradebook(_open_existing(database), root=_course_root(None)) as book:
            if not render_student(console, book, student):
                raise ConfigError(f"the gradebook has no grade of {student!r}")
        return
    render_table(console, load_table(database=database, roster=roster))


@gradebook_group.command("export")
@_db_option
@_roster_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    cls=DefaultOption,
    default=default_of("autograder.cli.gradebook:export_gradebook", "fmt"),
    show_default=True,
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(database: str | None, roster: Path | None, fmt: str, out: Path) -> None:
    """Write the gradebook as a plain CSV, a Canvas gradebook import or nbgrader's grades.csv."""
    path = export_gradebook(fmt=fmt, out=out, database=database, roster=roster)
    click.echo(f"Wrote {path} ({fmt}).")


@click.command("regrade")
@click.argument("item", metavar="ID")
@click.argument("student")
@_db_option
@click.option(
    "--verify",
    is_flag=True,
    help="Only compare: grade again with the recorded seed and say whether the score is the same.",
)
def regrade_command(item: str, student: str, database: str | None, verify: bool) -> None:
    """Grade STUDENT's stored submission of ID (an assignment, or quiz:QUIZ) again.

    Uses the recorded seed and late penalty. Without --verify the new grade is
    recorded and the old one kept in the history. With --verify, exit status
    1 when the score differs from the recorded one.
    """
    from autograder.engine.regrade import regrade

    outcome = regrade(item, student, database=_open_existing(database), verify=verify)
    old = float(outcome.recorded["score"])
    new = outcome.result.score
    seed = outcome.recorded["seed"]
    verdict = "the same score" if outcome.same else "a DIFFERENT score"
    click.echo(
        f"{item} / {student}: recorded {old:g}, graded again {new:g} (seed {seed}): {verdict}."
    )
    for line in outcome.differences:
        click.echo(f"  {line}")
    if outcome.checks_changed:
        click.echo("  note: the checks or the reference changed since the grade was recorded.")
    if outcome.version_changed:
        click.echo(f"  note: recorded with dlcourse {outcome.recorded['package_version']}.")
    if not verify:
        click.echo("Recorded the new grade." if outcome.recorded_now else "Nothing changed.")
    sys.exit(EXIT_OK if outcome.same or not verify else EXIT_NO)
