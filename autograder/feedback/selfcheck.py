"""What `dlcourse check` prints: a line per check, then what failed, in the reader's language.

A self-check is the command a student runs most, and a short process. It
prints the way test runners do: one line per check (result, points, task,
check), then one line per task that is still a stub, then the full message of
every other failure, the score and, for failing tasks, where the hints are.
The lines are plain text styled with click (loaded for the command line
already). Colour shows only on a terminal (click strips it elsewhere), never
under NO_COLOR, and always with FORCE_COLOR. The instructor's tables
(`dlcourse list`, `grade`, `release`) are rich's: `autograder.feedback.views`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import click

from autograder.feedback.catalogs import translator
from autograder.messages import Message, msg, render
from autograder.results import CheckResult, SubmissionResult

MAX_SHOWN_FAILURES = 25


class SelfCheck(Protocol):
    result: SubmissionResult
    folder: Path
    problems: list[str]


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


def _echo() -> Callable[..., None]:
    """click.echo with the colour rule of the module docstring."""
    colour = None  # click's own choice: styles on a terminal only
    if os.environ.get("NO_COLOR"):
        colour = False
    elif os.environ.get("FORCE_COLOR"):
        colour = True

    def echo(text: str = "", **style: Any) -> None:
        click.echo(click.style(text, **style) if style and text else text, color=colour)

    return echo


def check_lines(result: SubmissionResult, lang: str) -> list[tuple[str, str, str, str]]:
    """(result word, points, task, check name) of every check, padded into columns."""
    passed_word = _word(lang, msg("view.pass", "pass"))
    failed_word = _word(lang, msg("view.fail", "FAIL"))
    rows = [
        (
            passed_word if test.status == "passed" else failed_word,
            f"{test.score:g}/{test.max_score:g}",
            test.task,
            test.name,
        )
        for test in result.tests
    ]
    words = max((len(r[0]) for r in rows), default=0)
    points = max((len(r[1]) for r in rows), default=0)
    tasks = max((len(r[2]) for r in rows), default=0)
    return [(w.ljust(words), p.rjust(points), t.ljust(tasks), n) for w, p, t, n in rows]


def show_result(result: SubmissionResult, *, lang: str = "en") -> None:
    """One submission's checks, a line each, then what failed (in `lang`): one line per
    task whose failed checks stopped at a blank of the stub ("not implemented yet"),
    the full message of every other failure. results.json keeps every message."""
    echo = _echo()
    echo(f"{result.assignment}: {result.student}", bold=True)
    for test, (word, points, task, name) in zip(
        result.tests, check_lines(result, lang), strict=True
    ):
        colour = "green" if test.status == "passed" else "red"
        echo(f"  {click.style(word, fg=colour)}  {points}  {click.style(task, fg='cyan')}  {name}")
    failed = [t for t in result.tests if t.status != "passed"]
    blanks: dict[str, list[str]] = {}  # task: the blank each of its failed checks reached
    for test in failed:
        where = blank_reached(test)
        if where is not None:
            blanks.setdefault(test.task, []).append(where)
    if blanks:
        echo()
    for task, reached in blanks.items():
        echo(not_implemented_line(task, reached, lang), fg="yellow")
    failed = [t for t in failed if blank_reached(t) is None]
    failed_word = _word(lang, msg("view.fail", "FAIL"))
    # the same message (a submission that does not import fails every check alike) is shown once
    same: dict[str, list[CheckResult]] = {}
    for test in failed:
        same.setdefault(test.output.rstrip(), []).append(test)
    for output, tests in list(same.items())[:MAX_SHOWN_FAILURES]:
        first = tests[0]
        echo()
        echo(
            f"{click.style(failed_word, fg='red', bold=True)} "
            f"{click.style(first.task, fg='cyan')} {first.name}"
        )
        echo(output)
        if len(tests) > 1:
            also = msg(
                "view.same_failure",
                "(the same for {count} more check: {tasks})",
                plural="(the same for {count} more checks: {tasks})",
                count=len(tests) - 1,
                tasks=", ".join(dict.fromkeys(t.task for t in tests[1:])),
            )
            echo(_word(lang, also))
    failed = [t for tests in list(same.values())[MAX_SHOWN_FAILURES:] for t in tests]
    if failed:
        more = msg(
            "view.more",
            "... and {count} more failing check (use --json for all).",
            plural="... and {count} more failing checks (use --json for all).",
            count=len(failed),
        )
        echo()
        echo(_word(lang, more))


def show_self_check(
    check: SelfCheck, *, lang: str = "en", hints: dict[str, int] | None = None
) -> None:
    """A self-check's checks and failures, its score, and the hints of the failing tasks
    (`hints`: {task: levels the course gives})."""
    echo = _echo()
    result = check.result
    show_result(result, lang=lang)
    passed = sum(1 for t in result.tests if t.status == "passed")
    all_pass = passed == len(result.tests) and bool(result.tests)
    line = msg(
        "view.self_check",
        "{score} / {max_score} points: {passed} of {total} public checks pass ({folder}).",
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        passed=passed,
        total=len(result.tests),
        folder=str(check.folder),
    )
    echo()
    echo(_word(lang, line), fg="green" if all_pass else "red", bold=True)
    if check.problems:
        problems = msg("view.problems", "Problems: {problems}", problems="; ".join(check.problems))
        echo(_word(lang, problems), fg="red")
    failing = sorted({t.task for t in result.tests if t.status != "passed"} & set(hints or {}))
    if failing and hints:
        stuck = msg(
            "view.hints",
            "Stuck? A hint ladder exists for {tasks}: dlcourse hint {assignment} TASK "
            "shows one level at a time.",
            tasks=", ".join(failing),
            assignment=result.assignment,
        )
        echo(_word(lang, stuck))
    if all_pass:
        hidden = msg(
            "view.all_pass", "Hidden checks use other inputs: test edge cases yourself too."
        )
        echo(_word(lang, hidden))
