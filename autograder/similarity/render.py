"""The similarity report as one self-contained HTML page and a CSV.

Everything that comes from a submission (student names, sources, code,
intake's reasons) is hostile and escaped here; the templates under
templates/ hold no data (`string.Template` placeholders), and the page loads
nothing: its CSS and script are inline and its Content-Security-Policy
forbids any other source. The CSV neutralises cells a spreadsheet would read
as formulas, as grades.csv does.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime, timezone
from importlib import metadata, resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from autograder.results import atomic_write_text, csv_safe
from autograder.similarity.compare import Pair, flagged

if TYPE_CHECKING:
    from autograder.similarity import SimilarityReport

BELOW_SHOWN = 25  # pairs under the threshold listed in the page (the CSV has them all)
CONTEXT = 3  # unmatched lines kept around a match in the side-by-side view
FOLD_AT = 8  # unmatched stretches of at least this many more lines are folded
CSV_COLUMNS = (
    "rank", "student_a", "student_b", "similarity", "share_a", "share_b", "matched_tokens",
    "flagged", "source_a", "source_b",
)  # fmt: skip


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def template(name: str) -> str:
    return resources.files("autograder.similarity").joinpath("templates", name).read_text("utf-8")


def _unmatched(text: str, first: bool, last: bool) -> str:
    """An unmatched stretch, escaped; its middle folded when long (CONTEXT lines kept)."""
    lines = text.splitlines(keepends=True)
    head = 0 if first else CONTEXT
    tail = 0 if last else CONTEXT
    if len(lines) - head - tail < FOLD_AT:
        return _e(text)
    middle = lines[head : len(lines) - tail]
    return (
        _e("".join(lines[:head]))
        + f'<span class="fold-note">\u22ef {len(middle)} lines without a match \u22ef\n</span>'
        + f'<span class="fold">{_e("".join(middle))}</span>'
        + _e("".join(lines[len(lines) - tail :]))
    )


def marked(text: str, regions: list[tuple[int, int]]) -> str:
    """`text` escaped, each matched region in a <mark>, long unmatched stretches folded."""
    out, at = [], 0
    spans = [(s, e) for s, e in sorted(regions) if e > s]
    for start, end in spans:
        start = max(start, at)
        if end <= start:
            continue
        out.append(_unmatched(text[at:start], first=at == 0, last=False))
        out.append(f"<mark>{_e(text[start:end])}</mark>")
        at = end
    out.append(_unmatched(text[at:], first=at == 0, last=True))
    return "".join(out)


def _lines(text: str, regions: list[tuple[int, int]]) -> int:
    """How many lines of `text` the regions touch."""
    touched: set[int] = set()
    for start, end in regions:
        first = text.count("\n", 0, start)
        touched.update(range(first, first + text.count("\n", start, end) + 1))
    return len(touched)


def _card(value: str, label: str, bad: bool = False) -> str:
    cls = "card bad" if bad else "card"
    return (
        f'<div class="{cls}"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def histogram(pairs: list[Pair], threshold: float) -> str:
    """Inline SVG: how many pairs fall in each 5% band, the threshold as a line."""
    bins = [0] * 20
    for pair in pairs:
        bins[min(19, int(pair.score * 20))] += 1
    width, height, left, right, bottom = 640, 200, 44, 24, 28
    tallest = max(bins) or 1
    bar = (width - left - right) / 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="pairs per similarity band">'
    ]
    plot = height - bottom - 10
    for index, count in enumerate(bins):
        h = plot * count / tallest
        x = left + index * bar
        parts.append(
            f'<rect class="{"hot" if (index + 1) / 20 > threshold else "cold"}" x="{x + 1:.1f}" '
            f'y="{height - bottom - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}">'
            f"<title>{5 * index}-{5 * index + 5}%: {count} pairs</title></rect>"
        )
    for tick in range(0, 101, 20):
        x = left + tick / 5 * bar
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick}%</text>'
            f'<line class="axis" x1="{x:.1f}" y1="{height - bottom}" x2="{x:.1f}" '
            f'y2="{height - bottom + 4}"/>'
        )
    parts.append(f'<text x="{left - 6}" y="{height - bottom - plot + 4:.0f}" text-anchor="end">')
    parts.append(f"{tallest}</text>")
    parts.append(f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>')
    x = left + threshold * 20 * bar
    parts.append(
        f'<line class="threshold" x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="{height - bottom}"/>'
        f'<text class="threshold" x="{x + 4:.1f}" y="18">threshold {_pct(threshold)}</text>'
    )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}"/></svg>'
    )
    return "".join(parts)


def _pair_row(rank: int, pair: Pair, threshold: float, viewed: bool) -> str:
    cls = ' class="flagged"' if flagged(pair, threshold) else ""
    view = f'<a href="#pair-{rank}">side by side</a>' if viewed else ""
    return (
        f"      <tr{cls}>"
        f'<td class="num">{rank}</td><td class="student">{_e(pair.a)}</td>'
        f'<td class="student">{_e(pair.b)}</td>'
        f'<td class="num" data-sort="{pair.score:.6f}">{_pct(pair.score)}</td>'
        f'<td class="num" data-sort="{pair.share_a:.6f}">{_pct(pair.share_a)}</td>'
        f'<td class="num" data-sort="{pair.share_b:.6f}">{_pct(pair.share_b)}</td>'
        f'<td class="num">{pair.tokens}</td><td>{view}</td></tr>'
    )


def _side(
    student: str, source: str, text: str, regions: list[tuple[int, int]], share: float
) -> str:
    lines = _lines(text, regions)
    return (
        '<div class="side">'
        f'<h4><span class="student">{_e(student)}</span> '
        f'<span class="meta">{_pct(share)} of it matched, {lines} lines touched</span></h4>'
        f'<p class="meta source">{_e(source)}</p>'
        f'<pre class="code">{marked(text, regions)}</pre></div>'
    )


def _view(rank: int, pair: Pair, report: SimilarityReport) -> str:
    docs = {d.student: d for d in report.documents}
    a, b = docs[pair.a], docs[pair.b]
    return (
        f'  <article class="pair" id="pair-{rank}">\n'
        f'    <h3>#{rank}: <span class="student">{_e(pair.a)}</span> and '
        f'<span class="student">{_e(pair.b)}</span>: {_pct(pair.score)}</h3>\n'
        f'    <input type="checkbox" class="unfold" id="unfold-{rank}">'
        f'<label for="unfold-{rank}">show the whole files</label>\n'
        f'    <div class="side-by-side">{_side(a.student, a.source, a.text, pair.regions_a, pair.share_a)}'
        f"{_side(b.student, b.source, b.text, pair.regions_b, pair.share_b)}</div>\n"
        "  </article>"
    )


def _refused_table(report: SimilarityReport) -> str:
    if not report.refused:
        return '  <p class="note">Every submission could be read.</p>'
    rows = "".join(
        f'<tr><td class="student">{_e(r.student)}</td><td>{_e(r.source)}</td>'
        f"<td>{_e(r.reason)}</td></tr>"
        for r in report.refused
    )
    return (
        '  <table id="refused-table"><thead><tr><th>student</th><th>source</th>'
        f"<th>why it was not compared</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def page(report: SimilarityReport) -> str:
    """The whole HTML page."""
    threshold = report.threshold
    hot = report.flagged
    shown = hot + [p for p in report.pairs if not flagged(p, threshold)][:BELOW_SHOWN]
    rank_of = {id(p): rank for rank, p in enumerate(report.pairs, start=1)}
    views = [p for p in hot if p.regions_a or p.regions_b]
    viewed = {id(p) for p in views}
    top = report.pairs[0].score if report.pairs else 0.0
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cards = "\n".join(
        [
            _card(str(len(report.documents)), "submissions compared"),
            _card(str(len(report.pairs)), "pairs"),
            _card(str(len(hot)), f"pairs at or above {_pct(threshold)}", bad=bool(hot)),
            _card(_pct(top), "highest similarity"),
            _card(str(len(report.refused)), "not compared", bad=bool(report.refused)),
        ]
    )
    starter_only = ", ".join(report.starter_only) or "none"
    try:
        version = metadata.version("copydetect")
    except metadata.PackageNotFoundError:
        version = "?"
    more = len(report.pairs) - len(shown)
    return Template(template("similarity.html")).substitute(
        title=_e(f"Similarity: {report.assignment}"),
        subtitle=_e(
            f"{len(report.documents)} submissions, {len(report.pairs)} pairs; written {when}"
        ),
        css=template("similarity.css"),
        js=template("similarity.js"),
        cards=cards,
        threshold=_e(_pct(threshold)),
        kgram=report.kgram,
        copydetect=_e(version),
        boilerplate=", ".join(f"<code>{_e(b)}</code>" for b in report.boilerplate) or "none",
        starter_only=_e(starter_only),
        histogram=histogram(report.pairs, threshold),
        rows="\n".join(_pair_row(rank_of[id(p)], p, threshold, id(p) in viewed) for p in shown),
        more=_e(f"{more} more pairs, all below the threshold, are in the CSV." if more else ""),
        views="\n".join(_view(rank_of[id(p)], p, report) for p in views)
        or '  <p class="note">No pair reaches the threshold.</p>',
        views_note=_e(
            f"The first {len(views)} of {len(hot)} flagged pairs are shown."
            if len(views) < len(hot)
            else ""
        ),
        refused=_refused_table(report),
    )


def write_html(report: SimilarityReport, out: Path) -> None:
    atomic_write_text(out, page(report))
    out.chmod(0o644)  # a page to share with colleagues (the atomic writer's file is private)


def write_csv(report: SimilarityReport, out: Path) -> None:
    """Every pair, most similar first; no cell starts a formula."""
    sources = {d.student: d.source for d in report.documents}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, pair in enumerate(report.pairs, start=1):
        row = (
            rank, pair.a, pair.b, f"{pair.score:.4f}", f"{pair.share_a:.4f}",
            f"{pair.share_b:.4f}", pair.tokens, int(flagged(pair, report.threshold)),
            sources.get(pair.a, ""), sources.get(pair.b, ""),
        )  # fmt: skip
        writer.writerow([csv_safe(cell) for cell in row])
    atomic_write_text(out, buffer.getvalue())
    out.chmod(0o644)
