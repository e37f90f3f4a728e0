"""`dlcourse hint ID [TASK]`: the hint ladder of a task, one level at a time."""

from __future__ import annotations

import click
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from autograder.cli.common import console, feedback_languages
from autograder.messages import Message, msg, render


def _say(lang: str, message: Message) -> str:
    from autograder.feedback.catalogs import translator

    return render(message, translator(None, lang))


@click.command("hint")
@click.argument("assignment")
@click.argument("task", required=False)
@click.option("--level", type=click.IntRange(min=1), default=None, help="Show this level.")
@click.option(
    "--lang",
    type=click.Choice(feedback_languages()),
    default="en",
    envvar="DLCOURSE_LANG",
    show_envvar=True,
    help="Language of the hints (ko: 한국어).",
)
def hint_command(assignment: str, task: str | None, level: int | None, lang: str) -> None:
    """Show the next hint for TASK of ASSIGNMENT (or, without TASK, what hints there are).

    Each call shows the next level you have not seen; --level N shows level N.
    Level 1 is a nudge, then the key step, then the derivation; the last level
    may give the formula. What you have seen is kept in .dlcourse/hints/ of
    the course folder; grading never reads it.
    """
    from autograder.release.hints import next_hint, overview

    out = console()
    if task is None:
        rows = overview(assignment)
        table = Table(
            title=_say(lang, msg("hint.title", "Hints of {assignment}", assignment=assignment))
        )
        table.add_column(_say(lang, msg("view.task", "task")), style="cyan")
        table.add_column(_say(lang, msg("hint.levels", "levels")), justify="right")
        table.add_column(_say(lang, msg("hint.seen", "seen")), justify="right")
        for row in rows:
            table.add_row(escape(row.task), str(row.levels), str(row.seen))
        out.print(table)
        usage = msg("hint.usage", "dlcourse hint {assignment} TASK shows the next level of TASK.",
                    assignment=assignment)  # fmt: skip
        out.print(escape(_say(lang, usage)))
        return
    shown = next_hint(assignment, task, level)
    head = msg(
        "hint.head", "{task}: hint {level} of {total}", task=task, level=shown.level.number,
        total=shown.total,
    )  # fmt: skip
    out.print(f"[bold cyan]{escape(_say(lang, head))}[/]")
    out.print(Markdown(shown.level.in_language(lang)))
    if shown.level.number < shown.total:
        following = msg(
            "hint.next",
            "Still stuck? Run the same command again for level {level} of {total}.",
            level=shown.level.number + 1,
            total=shown.total,
        )
        if shown.next_is_formula:
            following = msg(
                "hint.next_formula",
                "Still stuck? Level {level} of {total} gives the formula: try the derivation first.",
                level=shown.level.number + 1,
                total=shown.total,
            )
        out.print(escape(_say(lang, following)))
    else:
        out.print(escape(_say(lang, msg("hint.last", "That was the last level."))))
