"""Is the grade report right, self-contained, and does it render in a real browser?

The batch: three conv submissions graded for real (the reference, the stub and
a known mistake) plus hand-made results for what a small batch rarely has (a
late submission, a grading error, a student name that needs escaping).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from graderkit import ROOT, grade_folder, mutant_folder

from autograder.cli import main
from autograder.report import build_report, student_page_name
from autograder.report.data import load_batch, summarise
from autograder.results import CheckResult, SubmissionResult, write_results

MISTAKE = "bias_missing"
CHARTS = ("score-distribution", "task-pass-rate", "mistakes", "check-pass-rate")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _late_and_error() -> list[SubmissionResult]:
    late = SubmissionResult(
        assignment="conv",
        student="late & <lee>",
        late_days=2,
        penalty=0.2,
        tests=[
            CheckResult("visible check", 2, 2, "passed", task="conv_forward"),
            CheckResult(
                "SECRET-HIDDEN-CHECK",
                0,
                3,
                "failed",
                output="SECRET-HIDDEN-OUTPUT",
                visibility="after_published",
                task="conv_forward",
            ),
        ],
        output="conv: 1.6 / 5 points TOTAL-INCLUDING-HIDDEN",
    )
    broken = SubmissionResult(
        assignment="conv", student="zed_error", status="error", output="the checks did not run"
    )
    return [late, broken]


@pytest.fixture(scope="module")
def grades(tmp_path_factory) -> Path:
    from autograder.checks.conv.private.mistakes import MISTAKES

    out = tmp_path_factory.mktemp("grades")
    mistake = next(m for m in MISTAKES if m.name == MISTAKE)
    graded = [
        grade_folder("conv", ROOT / "solutions" / "conv", student="ana_reference"),
        grade_folder("conv", ROOT / "assignments" / "conv", student="bo_stub"),
        grade_folder("conv", mutant_folder("conv", mistake), student="cy_mistake"),
    ]
    for result in graded + _late_and_error():
        write_results(out, result)
    return out


@pytest.fixture(scope="module")
def report(grades, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    build_report(grades, out=folder / "report.html", students_dir=folder / "students")
    return folder


def test_summary_counts_what_happened(grades):
    """Do pass rates, mistakes, late and error counts match the batch?"""
    summary = summarise(load_batch(grades))
    assert summary.students == 5 and summary.late == 1 and summary.errors == 1
    rows = {r.student: r for r in summary.rows}
    assert rows["ana_reference"].percent == 100 and rows["bo_stub"].score == 0
    assert rows["cy_mistake"].mistakes == [MISTAKE]
    assert [(m.name, m.task, m.students) for m in summary.mistakes] == [
        (MISTAKE, "conv_forward", 1)
    ]
    tasks = {t.name: t for t in summary.tasks}
    # conv_forward: only the reference passes every check (late & <lee> fails a hidden one)
    assert tasks["conv_forward"].passed == 1 and tasks["conv_forward"].total == 5
    assert tasks["max_pool_forward"].passed == 2  # the reference and the bias mistake
    assert tasks["conv_backward"].passed in (1, 2)
    assert all(0 <= c.fraction <= 1 for c in summary.checks)


def test_report_is_one_self_contained_page(report):
    page = (report / "report.html").read_text()
    assert page.count("<svg") == len(CHARTS)
    for chart in CHARTS:
        assert f'id="chart-{chart}"' in page
    # nothing is loaded from elsewhere: no external scripts, styles, images or fonts
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "@import" not in page
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", page))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    # every student, escaped
    for student in ("ana_reference", "bo_stub", "cy_mistake", "zed_error"):
        assert f'<td class="student">{student}</td>' in page
    assert html.escape("late & <lee>") in page and "<lee>" not in page
    assert MISTAKE in page


def test_student_pages_show_only_what_students_may_see(report, grades, tmp_path):
    late = student_page_name("late & <lee>")
    page = (report / "students" / f"{late}.html").read_text()
    assert "visible check" in page
    assert "SECRET-HIDDEN" not in page and "TOTAL-INCLUDING-HIDDEN" not in page
    assert "1 more checks" in page
    ref = (report / "students" / "ana_reference.html").read_text()
    assert "matches the reference [basic]" in ref and "[dilation3]" not in ref  # hidden shape
    # once published, the hidden checks and the grade appear
    build_report(grades, out=tmp_path / "r.html", students_dir=tmp_path / "s", published=True)
    published = (tmp_path / "s" / f"{late}.html").read_text()
    assert "SECRET-HIDDEN-CHECK" in published and "SECRET-HIDDEN-OUTPUT" in published
    assert "TOTAL-INCLUDING-HIDDEN" in published
    assert len(list((tmp_path / "s").glob("*.html"))) == 5


def test_cli_report(grades, tmp_path):
    result = CliRunner().invoke(main, ["report", str(grades), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").is_file() and "5 students" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["report", str(empty), "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "no <student>/results.json" in result.output


def test_grade_says_where_the_report_can_be_made(tmp_path):
    out = tmp_path / "graded"
    result = CliRunner().invoke(
        main, ["grade", "conv", str(ROOT / "solutions" / "conv"), "--out", str(out), "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    assert f"dlcourse report {out} --out {out / 'report.html'}" in result.output


# ---------------------------------------------------------------------------
# In a real browser (Debian's chromium; CI installs it with .ci/setup)
# ---------------------------------------------------------------------------
def render(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """(the DOM after load, the console messages) of `page` in headless Chromium."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (bash .ci/setup installs it)")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'chromium-profile'}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


def assert_clean(dom: str, console: list[str]) -> None:
    assert not console, console
    body = re.search(r"<body([^>]*)>", dom)
    assert body and 'data-ready="1"' in body.group(1), "the page's script did not finish"
    assert 'data-js-errors="0"' in body.group(1)


@pytest.mark.slow
def test_the_error_check_catches_a_broken_page(tmp_path):
    """Would a script error on the page be noticed? (the check below can fail)"""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><script>document.body.setAttribute('data-ready', '1');"
        "notDefined();</script></body></html>"
    )
    dom, console = render(page, tmp_path)
    assert any("notDefined" in line for line in console)
    with pytest.raises(AssertionError):
        assert_clean(dom, console)


@pytest.mark.slow
def test_report_renders_in_chromium(report, tmp_path):
    """No console errors, every chart drawn, every student in the table, sorting works."""
    source = (report / "report.html").read_text()
    probe = (
        "<script>window.addEventListener('load', function () {"
        " var th = document.querySelectorAll('#student-table th')[3];"
        " th.click(); var first = document.querySelector('#student-table tbody tr td').textContent;"
        " th.click(); var last = document.querySelector('#student-table tbody tr td').textContent;"
        " document.body.setAttribute('data-sorted', first + '|' + last); });</script></body>"
    )
    page = tmp_path / "report.html"
    page.write_text(source.replace("</body>", probe))
    dom, console = render(page, tmp_path)
    assert_clean(dom, console)
    for chart in CHARTS:
        figure = re.search(rf'<figure class="chart" id="chart-{chart}">(.*?)</figure>', dom, re.S)
        assert figure and "<svg" in figure.group(1) and "<path" in figure.group(1), chart
    table = re.search(r'<table id="student-table".*?</table>', dom, re.S)
    assert table is not None
    students = re.findall(r'<td class="student">(.*?)</td>', table.group(0))
    assert sorted(students) == sorted(
        ["ana_reference", "bo_stub", "cy_mistake", html.escape("late & <lee>", quote=False),
         "zed_error"]
    )  # fmt: skip
    first, last = re.search(r'data-sorted="([^"]*)"', dom).group(1).split("|")
    assert first == "ana_reference"  # by % descending, then ascending
    assert last in ("bo_stub", "zed_error")


# ---------------------------------------------------------------------------
# What an instructor reads (issue 27.6): checks grouped by task with full names,
# links to the students' pages, why a submission lost points, the layout
# ---------------------------------------------------------------------------
def _figure(page: str, chart: str) -> str:
    found = re.search(rf'<figure class="chart" id="chart-{chart}">(.*?)</figure>', page, re.S)
    assert found, chart
    return found.group(1)


def test_checks_are_grouped_by_task_with_their_full_names(report, grades):
    """Is every check under its task in the chart, told apart from its neighbours, with its
    full name on hover and in the table of checks?"""
    page = (report / "report.html").read_text()
    summary = summarise(load_batch(grades))
    chart = _figure(page, "check-pass-rate")
    # tick labels: a bold heading per task, then that task's checks; none the same
    labels = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", chart)]
    tasks = [t.name for t in summary.tasks]
    positions = [labels.index(task) for task in tasks]
    assert positions == sorted(positions)
    checks = [label.strip() for label in labels if label.startswith("  ")]
    assert len(checks) == len(summary.checks) == len(set(checks))
    assert any("[2x2-s2-max]" in c for c in checks) and any("[2x2-s2-avg]" in c for c in checks)
    hover = [html.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", chart)]
    assert sorted(hover) == sorted(
        f"{c.task}: {c.name}" + (" (hidden)" if c.hidden else "") for c in summary.checks
    )
    table = re.search(r'<table id="check-table".*?</table>', page, re.S)
    assert table is not None
    names = [html.unescape(n) for n in re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", table[0])]
    assert sorted(names) == sorted(c.name for c in summary.checks)


def test_student_table_links_each_page_and_says_why(report, grades):
    """Does each student's row link to their page, and say why a submission lost points
    (an error's reason, the stub's exceptions) beyond "graded"?"""
    page = (report / "report.html").read_text()
    rows = re.findall(r"<tr[^>]*>(<td class=\"student\">.*?)</tr>", page)
    assert len(rows) == 5
    for row in rows:
        href = re.search(r'<a class="page" href="([^"]+)">', row)
        assert href, row
        target = report / urllib.parse.unquote(html.unescape(href.group(1)))
        assert target.is_file(), target
    by_student = {re.search(r'class="student">(.*?)</td>', r).group(1): r for r in rows}
    assert "error: the checks did not run" in by_student["zed_error"]
    assert '<td class="why">exception</td>' in by_student["bo_stub"]
    assert '<td class="why"></td>' in by_student["ana_reference"]
    late = (report / "students" / f"{student_page_name('late & <lee>')}.html").resolve()
    assert any((report / urllib.parse.unquote(h)).resolve() == late
               for h in re.findall(r'href="([^"]+)"', page))  # fmt: skip


def test_failure_reasons_name_what_went_wrong(tmp_path):
    """Are time-outs, memory, crashes and a module that does not import named in the table,
    and plain wrong values not?"""
    kinds = {"slow": "timeout", "big": "memory", "boom": "crash", "typo": "import", "off": "wrong"}
    for student, kind in kinds.items():
        check = CheckResult("a check", 0, 2, "failed", task="conv_forward", kind=kind)
        write_results(tmp_path / "g", SubmissionResult("conv", student, tests=[check]))
    build_report(tmp_path / "g", out=tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    why = dict(re.findall(r'class="student">([^<]*)</td>.*?<td class="why">([^<]*)</td>', page))
    assert why == {
        "big": "memory", "boom": "crashed", "off": "", "slow": "time-out", "typo": "does not import"
    }  # fmt: skip
    assert '<a class="page"' not in page  # no --students: no pages to link


@pytest.mark.slow
def test_report_layout_in_chromium(report, tmp_path):
    """At 1400 pixels, are the eight cards one row and every chart as wide as its panel?"""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (bash .ci/setup installs it)")
    probe = (
        "<script>window.addEventListener('load', function () {"
        " var tops = Array.prototype.map.call(document.querySelectorAll('.card'),"
        "   function (c) { return c.getBoundingClientRect().top; });"
        " var widths = Array.prototype.map.call(document.querySelectorAll('figure.chart'),"
        "   function (f) { return (f.querySelector('svg').getBoundingClientRect().width"
        "     / f.parentNode.clientWidth).toFixed(2); });"
        " document.body.setAttribute('data-layout', tops.length + '|' + new Set(tops).size"
        "   + '|' + widths.join(',')); });</script></body>"
    )
    page = report / "layout.html"
    page.write_text((report / "report.html").read_text().replace("</body>", probe))
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,3000",
         "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    cards, rows, widths = re.search(r'data-layout="([^"]*)"', proc.stdout).group(1).split("|")
    assert (cards, rows) == ("8", "1")
    assert all(float(w) > 0.85 for w in widths.split(",")), widths
