"""Plain functions behind the CLI commands (keyword-only options, testable alone)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder import paths
from autograder.config import load_course
from autograder.results import FAILURE_KINDS, SubmissionResult

console = Console(highlight=False)


# ---------------------------------------------------------------------------
# list
# ---------------------------------------------------------------------------
class _Collector:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, float, bool]] = []

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        from autograder.plugin import is_hidden

        for item in items:
            task = item.get_closest_marker("task")
            points = item.get_closest_marker("points")
            self.items.append(
                (
                    item.path.parent.name,
                    str(task.args[0]) if task else "",
                    float(points.args[0]) if points else 1.0,
                    is_hidden(item),
                )
            )


def collect_points(assignments: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{assignment: {"public": pts, "hidden": pts, "tasks": {task: pts}}} from the check markers."""
    import contextlib
    import io

    import pytest

    from autograder.runner import check_files, quiet_pytest_env

    files: list[str] = []
    for assignment in assignments:
        if paths.checks_dir(assignment).is_dir():
            files += [str(p) for p in check_files(assignment, include_hidden=True)]
    summary: dict[str, dict[str, Any]] = {}
    if not files:
        return summary
    collector = _Collector()
    args = [*files, "--collect-only", "-q", "-c", str(paths.CHECKS_DIR / "pytest.ini"),
            "--rootdir", str(paths.CHECKS_DIR), "--import-mode=importlib", "-p", "no:cacheprovider"]  # fmt: skip
    with quiet_pytest_env(), contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[collector])
    for assignment, task, points, hidden in collector.items:
        entry = summary.setdefault(assignment, {"public": 0.0, "hidden": 0.0, "tasks": {}})
        entry["hidden" if hidden else "public"] += points
        entry["tasks"][task] = entry["tasks"].get(task, 0.0) + points
    return summary


def list_assignments(*, root: Path | None = None) -> None:
    course = load_course(root)
    points = collect_points(course.assignments)
    table = Table(title=f"{course.name}: assignments", show_lines=False)
    table.add_column("id", style="bold cyan", no_wrap=True, min_width=14)
    table.add_column("title", ratio=1)
    table.add_column("public", justify="right")
    table.add_column("hidden", justify="right")
    table.add_column("total", justify="right", style="bold")
    table.add_column("due", no_wrap=True)
    for ident, assignment in course.assignments.items():
        entry = points.get(ident)
        if entry is None:
            public = hidden = total = "-"
        else:
            public = f"{entry['public']:g}"
            hidden = f"{entry['hidden']:g}" if entry["hidden"] else "(not here)"
            total = f"{entry['public'] + entry['hidden']:g}"
        due = assignment.deadline.strftime("%Y-%m-%d") if assignment.deadline else ""
        table.add_row(ident, assignment.title, public, hidden, total, due)
    console.print(table)
    console.print(
        "Self-check one with [bold]dlcourse check ID[/]; see the tasks in assignments/ID/README.md."
    )


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------
def _default_path(assignment: str, root: Path) -> Path:
    folder = paths.assignments_dir(root) / assignment
    if folder.is_dir():
        return folder
    return Path.cwd()


def render_result(result: SubmissionResult, *, show_passed: bool = True) -> None:
    table = Table(title=f"{result.assignment}: {result.student}", show_lines=False)
    table.add_column("task", style="cyan")
    table.add_column("check")
    table.add_column("points", justify="right")
    table.add_column("result")
    for test in result.tests:
        if test.status != "passed" or show_passed:
            mark = "[green]pass[/]" if test.status == "passed" else "[red]FAIL[/]"
            table.add_row(
                escape(test.task), escape(test.name), f"{test.score:g}/{test.max_score:g}", mark
            )
    console.print(table)
    failed = [t for t in result.tests if t.status != "passed"]
    for test in failed[:25]:
        console.print(f"\n[bold red]FAIL[/] [cyan]{escape(test.task)}[/] {escape(test.name)}")
        console.print(escape(test.output.rstrip()))
    if len(failed) > 25:
        console.print(f"\n... and {len(failed) - 25} more failing checks (use --json for all).")


def self_check(
    assignment: str, *, path: Path | None = None, as_json: bool = False, root: Path | None = None
) -> int:
    """Run the public checks; return the exit status (0 when all pass)."""
    from autograder.grading import grade_submission
    from autograder.staging import stage

    course = load_course(root)
    spec = course.assignment(assignment)
    folder = Path(path) if path else _default_path(assignment, course.root)
    staged = stage(folder.name, folder, spec)
    result = grade_submission(staged, assignment, include_hidden=False, root=course.root)
    if as_json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        render_result(result)
        passed = sum(1 for t in result.tests if t.status == "passed")
        colour = "green" if passed == len(result.tests) and result.tests else "red"
        console.print(
            f"\n[bold {colour}]{result.score:g} / {result.max_score:g} points[/]: "
            f"{passed} of {len(result.tests)} public checks pass ({escape(str(folder))})."
        )
        if staged.problems:
            console.print("[red]Problems:[/] " + escape("; ".join(staged.problems)))
        if passed == len(result.tests) and result.tests:
            console.print("Hidden checks use other inputs: test edge cases yourself too.")
    ok = (
        result.status == "graded"
        and result.tests
        and all(t.status == "passed" for t in result.tests)
    )
    return 0 if ok else 1


# ---------------------------------------------------------------------------
# grade
# ---------------------------------------------------------------------------
def grade(
    assignment: str,
    submissions: list[Path],
    *,
    out: Path,
    jobs: int | None = None,
    seed: int | None = None,
    force: bool = False,
    dask_scheduler: str | None = None,
    database: str | None = None,
    root: Path | None = None,
) -> list[SubmissionResult]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from autograder.batch import grade_batch
    from autograder.sandbox.host import describe

    progress = Progress(
        TextColumn("grading {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )
    with progress:
        bar = progress.add_task(assignment, total=None)
        report = grade_batch(
            assignment,
            submissions,
            out,
            jobs=jobs,
            seed=seed,
            force=force,
            dask_scheduler=dask_scheduler,
            database=database,
            root=root,
            on_start=lambda n: progress.update(bar, total=n),
            progress=lambda _r: progress.advance(bar),
        )
    table = Table(title=f"{assignment}: {len(report.results)} submissions")
    for column, justify in (("student", "left"), ("score", "right"), ("max", "right"),
                            ("%", "right"), ("checks failed", "right"), ("notes", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in report.results:
        failed = sum(1 for t in result.tests if t.status != "passed")
        percent = 100 * result.score / result.max_score if result.max_score else 0.0
        notes = _notes(result)
        table.add_row(
            escape(result.student),
            f"{result.score:g}",
            f"{result.max_score:g}",
            f"{percent:.0f}",
            str(failed),
            escape(notes),
        )
    console.print(table)
    per = report.seconds / report.graded if report.graded else 0.0
    console.print(
        f"Graded {report.graded} (reused {report.reused} unchanged) in {report.seconds:.1f} s"
        + (f" ({per:.2f} s per submission)" if report.graded else "")
        + f".\nResults: {escape(str(out))}/<student>/results.json, {escape(str(out / 'grades.csv'))}."
    )
    console.print(f"Isolation: {escape(describe())}.")
    return report.results


# The failure kinds worth a note in the summary table (plain wrong values are not).
_NOTED = {
    "import", "missing_files", "timeout", "crash", "exit", "memory", "process_limit",
    "output_flood", "forbidden", "nan", "shape", "missing_function",
}  # fmt: skip


def _notes(result: SubmissionResult) -> str:
    notes = []
    if result.status != "graded":
        notes.append("ERROR: " + result.output.splitlines()[0][:80] if result.output else "ERROR")
    kinds = {t.diagnosis for t in result.tests if t.diagnosis}
    if kinds:
        notes.append("mistakes: " + ", ".join(sorted(kinds)))
    failed = {t.kind for t in result.tests if t.status != "passed"}
    # FAILURE_KINDS is ordered most telling first; the table shows the first two
    labels = [label for kind, label in FAILURE_KINDS.items() if kind in failed and kind in _NOTED]
    notes.extend(labels[:2])
    if result.extra.get("integrity_notes"):
        notes.append(f"{len(result.extra['integrity_notes'])} integrity note(s)")
    if result.late_days:
        notes.append(f"{result.late_days} day(s) late")
    return "; ".join(notes)


# ---------------------------------------------------------------------------
# release
# ---------------------------------------------------------------------------
def release(
    assignments: list[str],
    *,
    out: Path | None = None,
    check_only: bool = False,
    root: Path | None = None,
) -> int:
    from autograder.release import drift, plan_assignment, write_plan

    course = load_course(root)
    ids = assignments or [a for a in course.assignments if paths.has_solutions(a, course.root)]
    problems: list[str] = []
    for ident in ids:
        course.assignment(ident)
        plan = plan_assignment(course.root / "solutions", ident)
        target = course.root / "assignments" / ident
        if check_only:
            found = drift(plan, target)
            problems += found
            state = "[green]in sync[/]" if not found else f"[red]{len(found)} difference(s)[/]"
            console.print(f"assignments/{ident}: {state}")
        else:
            written = write_plan(plan, target)
            console.print(
                f"assignments/{ident}: wrote {len(written)} file(s) from solutions/{ident}"
            )
    for problem in problems:
        console.print(f"  {escape(problem)}")
    if check_only:
        if problems:
            console.print("Run [bold]dlcourse release[/] to regenerate them.")
        return 1 if problems else 0
    if out is not None:
        from autograder.bundle import build_bundle

        report = build_bundle(course, Path(out), ids)
        for line in report:
            console.print(escape(line))
    return 0
