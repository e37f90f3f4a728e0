"""The report's charts as inline SVG, drawn with matplotlib (imported lazily).

Text stays text (`svg.fonttype = none`), so the browser draws it with the
page's fonts and no glyph outlines are embedded; the SVG's metadata block (it
names outside URLs) is dropped, so the page refers to nothing outside itself.
"""

from __future__ import annotations

import io
import re
from typing import Any

from autograder.report.data import BatchSummary, MistakeCount, Rate

_METADATA_RE = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_PROLOGUE_RE = re.compile(r"^.*?(?=<svg)", re.S)
BLUE = "#3b6ea5"
GREEN = "#3c8d5a"
RED = "#b8483e"
LABEL_CHARS = 48


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96, layout="constrained")


def _svg(fig: Any, chart_id: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart_id, "font.family": "sans-serif"}
    ):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = _METADATA_RE.sub("", buffer.getvalue())
    text = _PROLOGUE_RE.sub("", text, count=1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{chart_id}" ', 1)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def score_distribution(summary: BatchSummary) -> str:
    """Histogram of the students' percentages in ten-point bins."""
    fig = _figure(7.2, 2.6)
    ax = fig.add_subplot()
    bins = list(range(0, 101, 10))
    ax.hist(summary.percents, bins=bins, color=BLUE, edgecolor="white")
    ax.axvline(summary.mean_percent, color=RED, linestyle="--", linewidth=1.2)
    ax.text(summary.mean_percent, ax.get_ylim()[1] * 0.95, " mean", color=RED, va="top")
    ax.set_xlim(0, 100)
    ax.set_xticks(bins)
    ax.set_xlabel("score (% of the maximum)")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "score-distribution")


def pass_rates(rates: list[Rate], chart_id: str, what: str) -> str:
    """Horizontal bars: the share of students that passed each item, in order."""
    height = max(1.6, 0.26 * len(rates) + 0.9)
    fig = _figure(7.2, height)
    ax = fig.add_subplot()
    labels = [_short(r.name) + (" (hidden)" if r.hidden else "") for r in rates]
    values = [100 * r.fraction for r in rates]
    positions = list(range(len(rates)))
    colours = [GREEN if v >= 50 else RED for v in values]
    ax.barh(positions, values, color=colours, height=0.7)
    ax.margins(y=0.01)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"students who passed the {what} (%)")
    for y, value in zip(positions, values):
        ax.text(min(value + 1, 92), y, f"{value:.0f}%", va="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, chart_id)


def mistakes_chart(mistakes: list[MistakeCount], limit: int = 15) -> str:
    """The most frequent named mistakes with how many students made each."""
    shown = mistakes[:limit]
    fig = _figure(7.2, max(1.4, 0.3 * len(shown) + 0.9) if shown else 0.5)
    ax = fig.add_subplot()
    if not shown:
        ax.text(0.5, 0.5, "no named mistakes in this batch", ha="center", va="center")
        ax.set_axis_off()
        return _svg(fig, "mistakes")
    positions = list(range(len(shown)))
    ax.barh(positions, [m.students for m in shown], color=RED, height=0.7)
    ax.set_yticks(positions, [_short(f"{m.name} ({m.task})") for m in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "mistakes")
