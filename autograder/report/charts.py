"""The report's charts as inline SVG, drawn with matplotlib (imported lazily).

Text stays text (`svg.fonttype = none`), so the browser draws it with the
page's fonts and no glyph outlines are embedded; the SVG's metadata block (it
names outside URLs) is dropped, so the page refers to nothing outside itself.
Every chart is drawn as wide as a report panel (`WIDTH_IN`). Every bar
carries its full label as an SVG <title> (the browser shows it on hover);
a label too long for the axis is shortened in the middle, so the part in
brackets that tells checks apart ("[2x2-s2-max]") stays. The per-check chart
groups the checks under their task.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

from autograder.report.data import BatchSummary, MistakeCount, Rate

_METADATA_RE = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_PROLOGUE_RE = re.compile(r"^.*?(?=<svg)", re.S)
BLUE = "#3b6ea5"
GREEN = "#3c8d5a"
RED = "#b8483e"
LABEL_CHARS = 60
WIDTH_IN = 11.5  # about a report panel's width at 96 dpi, so text is drawn near its size
ROW_IN = 0.26  # the height of one bar's row


def _figure(height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height), dpi=96, layout="constrained")


def _svg(fig: Any, chart_id: str, titles: list[str] | None = None) -> str:
    """The figure as inline SVG; `titles[i]` becomes the hover text of the bar with gid
    `{chart_id}-bar-{i}` (see `_bars`)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart_id, "font.family": "sans-serif"}
    ):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = _METADATA_RE.sub("", buffer.getvalue())
    text = _PROLOGUE_RE.sub("", text, count=1)
    for index, title in enumerate(titles or []):
        opening = f'<g id="{chart_id}-bar-{index}">'
        text = text.replace(opening, f"{opening}\n   <title>{html.escape(title)}</title>", 1)
    return text.replace("<svg ", f'<svg role="img" aria-label="{chart_id}" ', 1)


def _bars(bars: Any, chart_id: str) -> None:
    """Name each bar's SVG group so that `_svg` can give it a <title>."""
    for index, patch in enumerate(bars):
        patch.set_gid(f"{chart_id}-bar-{index}")


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    """`label` in at most `limit` characters, cut in the middle: a bracketed ending (the
    parameters that tell two checks apart) is kept whole."""
    if len(label) <= limit:
        return label
    head, bracket, tail = label.rpartition(" [")
    if bracket and tail.endswith("]") and len(tail) + 2 < limit // 2:
        keep = " [" + tail
        return label[: limit - len(keep) - 1].rstrip() + "…" + keep
    return label[: limit - 1] + "…"


def score_distribution(summary: BatchSummary) -> str:
    """Histogram of the students' percentages in ten-point bins."""
    fig = _figure(2.6)
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
    labels = [_short(r.name) + (" (hidden)" if r.hidden else "") for r in rates]
    titles = [r.name + (" (hidden)" if r.hidden else "") for r in rates]
    return _rate_bars([(label, r) for label, r in zip(labels, rates)], titles, chart_id, what)


def check_pass_rates(checks: list[Rate], tasks: list[str]) -> str:
    """The checks' pass rates grouped under their task (in the order of `tasks`): a bold
    row per task, then its checks, public before hidden."""
    rows: list[tuple[str, Rate | None]] = []
    titles = []
    for task, group in group_by_task(checks, tasks):
        rows.append((task, None))
        for rate in group:
            suffix = " (hidden)" if rate.hidden else ""
            rows.append(("  " + _short(rate.name, LABEL_CHARS - len(suffix)) + suffix, rate))
            titles.append(f"{task}: {rate.name}{suffix}")
    return _rate_bars(rows, titles, "check-pass-rate", "check")


def group_by_task(checks: list[Rate], tasks: list[str]) -> list[tuple[str, list[Rate]]]:
    """[(task, its checks)] in the order of `tasks` (others after), public checks first."""
    groups: dict[str, list[Rate]] = {task: [] for task in tasks}
    for rate in checks:
        groups.setdefault(rate.task or rate.name, []).append(rate)
    return [
        (task, sorted(group, key=lambda r: r.hidden)) for task, group in groups.items() if group
    ]


def _rate_bars(
    rows: list[tuple[str, Rate | None]], titles: list[str], chart_id: str, what: str
) -> str:
    """Bars for the rows with a rate; a row without one is a bold group heading."""
    fig = _figure(max(1.6, ROW_IN * len(rows) + 0.9))
    ax = fig.add_subplot()
    positions = [i for i, (_, rate) in enumerate(rows) if rate is not None]
    values = [100 * rate.fraction for _, rate in rows if rate is not None]
    colours = [GREEN if v >= 50 else RED for v in values]
    _bars(ax.barh(positions, values, color=colours, height=0.7), chart_id)
    ax.margins(y=0.01)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=8)
    for tick, (_, rate) in zip(ax.get_yticklabels(), rows):
        if rate is None:
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"students who passed the {what} (%)")
    for y, value in zip(positions, values):
        ax.text(min(value + 1, 95), y, f"{value:.0f}%", va="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, chart_id, titles)


def mistakes_chart(mistakes: list[MistakeCount], limit: int = 15) -> str:
    """The most frequent named mistakes with how many students made each."""
    shown = mistakes[:limit]
    fig = _figure(max(1.4, 0.3 * len(shown) + 0.9) if shown else 0.5)
    ax = fig.add_subplot()
    if not shown:
        ax.text(0.5, 0.5, "no named mistakes in this batch", ha="center", va="center")
        ax.set_axis_off()
        return _svg(fig, "mistakes")
    positions = list(range(len(shown)))
    _bars(ax.barh(positions, [m.students for m in shown], color=RED, height=0.7), "mistakes")
    ax.set_yticks(positions, [_short(f"{m.name} ({m.task})") for m in shown], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "mistakes", [f"{m.name} ({m.task}): {m.students}" for m in shown])
