"""Fill the report's HTML templates (package data under templates/).

Every value that comes from a results.json is escaped here; the templates use
`string.Template` placeholders (`${name}`) and hold no data themselves.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from importlib import resources
from string import Template

from autograder.feedback.render import NOTED_KINDS
from autograder.report import charts
from autograder.report.data import BatchSummary, StudentRow
from autograder.results import FAILURE_KINDS, CheckResult, SubmissionResult


def template(name: str) -> str:
    return resources.files("autograder.report").joinpath("templates", name).read_text("utf-8")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _card(value: str, label: str, bad: bool = False) -> str:
    cls = "card bad" if bad else "card"
    return (
        f'<div class="{cls}"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def _num(value: float) -> str:
    return f"{value:g}"


def failure_reasons(row: StudentRow) -> str:
    """Why a submission lost points beyond wrong values: its failed checks' telling kinds
    (time-out, memory, crashed, does not import, ...), or why it could not be graded."""
    telling = (NOTED_KINDS | {"exception"}) & set(row.failures)  # not plain wrong values
    labels = [label for kind, label in FAILURE_KINDS.items() if kind in telling]
    if row.status != "graded":
        labels.insert(0, f"{row.status}: {row.error}" if row.error else row.status)
    return ", ".join(labels)


def _student_row(row: StudentRow, link: str = "") -> str:
    cls = ' class="error"' if row.status != "graded" else ""
    page = f'<a class="page" href="{_e(link)}">feedback</a>' if link else ""
    cells = [
        f'<td class="student">{_e(row.student)}</td>',
        f'<td class="num" data-sort="{row.score:.6g}">{_num(row.score)}</td>',
        f'<td class="num" data-sort="{row.max_score:.6g}">{_num(row.max_score)}</td>',
        f'<td class="num" data-sort="{row.percent:.4f}">{row.percent:.0f}</td>',
        f'<td class="num" data-sort="{row.checks_failed}">{row.checks_failed} / {row.checks}</td>',
        f'<td class="num" data-sort="{row.late_days}">{row.late_days or ""}</td>',
        f"<td>{_e(row.status)}</td>",
        f'<td class="why">{_e(failure_reasons(row))}</td>',
        f'<td class="mistakes">{_e(", ".join(row.mistakes))}</td>',
        f'<td class="num" data-sort="{row.integrity_notes}">{row.integrity_notes or ""}</td>',
        f'<td class="page">{page}</td>',
    ]
    return f"      <tr{cls}>" + "".join(cells) + "</tr>"


def _mistakes_table(summary: BatchSummary) -> str:
    if not summary.mistakes:
        return '  <p class="note">No failed check matched a known mistake.</p>'
    rows = "".join(
        f'<tr><td>{_e(m.name)}</td><td>{_e(m.task)}</td><td class="num">{m.students}</td></tr>'
        for m in summary.mistakes
    )
    return (
        '  <table id="mistake-table"><thead><tr><th>mistake</th><th>task</th>'
        f'<th data-type="number">students</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _checks_table(summary: BatchSummary) -> str:
    """Every check's full name and pass rate, grouped by task as in the chart."""
    rows = []
    tasks = [t.name for t in summary.tasks]
    for task, group in charts.group_by_task(summary.checks, tasks):
        for rate in group:
            rows.append(
                f"<tr><td>{_e(task)}</td><td>{_e(rate.name)}</td>"
                f"<td>{'hidden' if rate.hidden else 'public'}</td>"
                f'<td class="num">{rate.passed} / {rate.total}</td>'
                f'<td class="num" data-sort="{rate.fraction:.4f}">{100 * rate.fraction:.0f}%</td>'
                "</tr>"
            )
    return (
        '  <table id="check-table" class="sortable"><thead><tr><th data-type="text">task</th>'
        '<th data-type="text">check</th><th data-type="text">visibility</th>'
        '<th data-type="number">passed</th><th data-type="number">pass rate</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def batch_page(summary: BatchSummary, *, source: str, links: list[str] | None = None) -> str:
    """The instructor's page: charts, counts and the sortable student table.

    `links[i]`: the address of the page of `summary.rows[i]` (relative to the report),
    or "" where it has none."""
    title = "Grade report: " + ", ".join(summary.assignments)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    passed_all = sum(1 for r in summary.rows if r.checks and not r.checks_failed)
    cards = "\n".join(
        [
            _card(str(summary.students), "students"),
            _card(f"{summary.mean_percent:.0f}%", "mean score"),
            _card(f"{summary.median_percent:.0f}%", "median score"),
            _card(str(passed_all), "full marks"),
            _card(str(summary.late), "late submissions", bad=summary.late > 0),
            _card(str(summary.errors), "grading errors", bad=summary.errors > 0),
            _card(str(summary.integrity), "with integrity notes", bad=summary.integrity > 0),
            _card(str(sum(m.students for m in summary.mistakes)), "named mistakes made"),
        ]
    )
    return Template(template("report.html")).substitute(
        title=_e(title),
        subtitle=_e(f"{summary.students} submissions; written {when}"),
        css=template("report.css"),
        js=template("report.js"),
        cards=cards,
        chart_distribution=charts.score_distribution(summary),
        chart_tasks=charts.pass_rates(summary.tasks, "task-pass-rate", "task"),
        chart_checks=charts.check_pass_rates(summary.checks, [t.name for t in summary.tasks]),
        checks_table=_checks_table(summary),
        chart_mistakes=charts.mistakes_chart(summary.mistakes),
        mistakes_table=_mistakes_table(summary),
        rows="\n".join(
            _student_row(row, links[index] if links else "")
            for index, row in enumerate(summary.rows)
        ),
        source=_e(source),
    )


def _check_row(test: CheckResult) -> str:
    mark = (
        '<span class="pass">pass</span>'
        if test.status == "passed"
        else ('<span class="fail">FAIL</span>')
    )
    return (
        f"      <tr><td>{_e(test.task)}</td><td>{_e(test.name)}</td>"
        f'<td class="num">{_num(test.score)} / {_num(test.max_score)}</td><td>{mark}</td></tr>'
    )


def student_page(
    result: SubmissionResult, shown: list[CheckResult], *, published: bool = False
) -> str:
    """One student's feedback: only the checks in `shown` (what they may see).

    The grading seed shows only once grades are `published`: before, it would tell
    the student what a regrade of the same submission draws.
    """
    shown_ids = {id(t) for t in shown}
    withheld = [t for t in result.tests if id(t) not in shown_ids]
    failed = [t for t in shown if t.status != "passed"]
    score = sum(t.score for t in shown)
    most = sum(t.max_score for t in shown)
    cards = [_card(f"{_num(score)} / {_num(most)}", "points of the checks shown")]
    if result.late_days:
        cards.append(_card(f"{result.late_days}", "days late", bad=True))
    hidden_note = ""
    # The grader's summary states the total, hidden checks included: only once all is shown.
    summary = result.output
    if withheld:
        summary = f"{result.assignment}: {len(shown)} checks shown, {len(failed)} of them failed."
        hidden_note = (
            f'  <p class="note">{len(withheld)} more checks (other shapes and random inputs) '
            "are graded too; their results appear here once your instructor publishes them.</p>"
        )
        cards.append(_card(str(len(withheld)), "checks not shown yet"))
    else:
        cards.insert(0, _card(f"{_num(result.score)} / {_num(result.max_score)}", "your grade"))
    feedback = "\n".join(
        f'  <h3>{_e(t.task)}: {_e(t.name)}</h3>\n  <pre class="output">{_e(t.output)}</pre>'
        for t in failed
    )
    return Template(template("student.html")).substitute(
        title=_e(f"{result.assignment}: feedback for {result.student}"),
        subtitle=_e(f"seed {result.seed}" if published else "grades not published yet"),
        css=template("report.css"),
        cards="\n".join(cards),
        output=_e(summary),
        hidden_note=hidden_note,
        rows="\n".join(_check_row(t) for t in shown),
        feedback=feedback or '  <p class="note">Every check shown here passed.</p>',
    )
