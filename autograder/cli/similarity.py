"""`dlcourse similarity`: which submissions look copied from each other (a MOSS-like report)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from autograder.cli.common import DefaultOption, default_of

_TARGET = "autograder.similarity:similarity_report"
SHOWN = 10  # flagged pairs printed in the terminal (the page and the CSV have them all)


def printable(text: str) -> str:
    """`text` safe for a terminal: control and format characters as \\xNN / \\uNNNN."""
    return "".join(
        char
        if not unicodedata.category(char).startswith("C")
        else (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")
        for char in text
    )


@click.command("similarity")
@click.argument("assignment")
@click.argument(
    "submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML page to write; the CSV of every pair goes next to it (same name, .csv).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    cls=DefaultOption,
    default=default_of(_TARGET, "threshold"),
    show_default=True,
    help="Flag pairs whose similarity (0-1) reaches this and show them side by side.",
)
def similarity_command(
    assignment: str, submissions: tuple[Path, ...], out: Path, threshold: float
) -> None:
    """Compare every pair of SUBMISSIONS of ASSIGNMENT for copied code, as MOSS does.

    SUBMISSIONS are read as `dlcourse grade` reads them (folders, .zip files,
    notebooks, nbgrader's submitted/ layout; links, FIFOs and broken zips are
    refused with their reason). The starter code in assignments/ASSIGNMENT is
    removed as boilerplate; identifiers, strings and comments are normalized,
    so renamed variables, new comments and reordered functions do not hide a
    copy. Writes OUT (one self-contained HTML page: pairs ranked, flagged
    pairs side by side with the matching regions marked) and OUT with the
    suffix .csv (every pair). Exits 0 when the report was written, whatever
    it found.
    """
    from autograder.similarity import similarity_report

    report = similarity_report(assignment, list(submissions), out=out, threshold=threshold)
    hot = report.flagged
    click.echo(
        f"Compared {len(report.documents)} submissions of {assignment} "
        f"({len(report.pairs)} pair{'' if len(report.pairs) == 1 else 's'}): "
        f"{len(hot)} at or above {threshold:.0%}."
    )
    for rank, pair in enumerate(hot[:SHOWN], start=1):
        click.echo(
            f"  {rank:>3}. {printable(pair.a)} and {printable(pair.b)}: {pair.score:.0%} "
            f"({pair.share_a:.0%} / {pair.share_b:.0%}, {pair.tokens} matched tokens)"
        )
    if len(hot) > SHOWN:
        click.echo(f"  ... and {len(hot) - SHOWN} more in the report.")
    for refused in report.refused:
        click.echo(f"Not compared: {printable(refused.student)}: {printable(refused.reason)}")
    click.echo(f"Wrote {report.html} and {report.csv}.")
