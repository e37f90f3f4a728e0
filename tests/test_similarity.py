"""Does `dlcourse similarity` find disguised copies, and only copies, and is its page safe?

The planted set (tests/data/similarity/conv, see its README): four independent
correct solutions in four styles and four copies of them with renamed
identifiers, reordered functions and rewritten comments, handed in as folders,
a zip, a notebook and nbgrader's submitted/ layout.
"""

from __future__ import annotations

import ast
import csv
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tokenize
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.similarity import similarity_report
from autograder.similarity.compare import fingerprint
from autograder.similarity.render import marked
from autograder.solutions import module_cells

ROOT = Path(__file__).resolve().parents[1]
PLANTED = ROOT / "tests" / "data" / "similarity" / "conv"
COPIES = {("ana", "eun"), ("cho", "fin"), ("dev", "gia"), ("ben", "hal")}
INDEPENDENT = ("ana", "ben", "cho", "dev")
PLANTED_TASKS = (
    "conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward",
    "avg_pool_forward", "avg_pool_backward",
)  # fmt: skip
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
FORMULA_NAME = '=HYPERLINK("x.invalid","open")'


def as_notebook(module: str) -> str:
    """`module` handed in as the nbgrader notebook: one answer cell per blank function, by grade id.

    A function the module lacks keeps the released stub (a task the student skipped).
    """
    lines = module.splitlines(keepends=True)
    functions = {
        node.name: "".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.parse(module).body
        if isinstance(node, ast.FunctionDef)
    }
    reference = (ROOT / "solutions" / "conv" / "conv.py").read_text()
    cells = []
    for cell in module_cells(reference, blanks=False):
        grade = {"grade_id": cell.name or f"locked-{len(cells)}", "solution": bool(cell.name)}
        source = functions.get(cell.name, cell.source) if cell.name else cell.source
        cells.append(
            {"cell_type": "code", "metadata": {"nbgrader": {**grade, "locked": not cell.name}},
             "source": source, "outputs": [], "execution_count": None}
        )  # fmt: skip
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def planted_batch(folder: Path) -> Path:
    """The planted set in the layouts `grade` reads: folders, a zip, a notebook, nbgrader's."""
    batch = folder / "batch"
    batch.mkdir()
    for student in ("ana", "ben", "cho", "dev"):
        shutil.copytree(PLANTED / student, batch / student)
    (batch / "gia").mkdir()
    (batch / "gia" / "conv.ipynb").write_text(
        as_notebook((PLANTED / "gia" / "conv.py").read_text())
    )
    with zipfile.ZipFile(batch / "hal.zip", "w") as archive:
        archive.write(PLANTED / "hal" / "conv.py", "hal/conv.py")
    submitted = folder / "course" / "submitted"
    for student in ("eun", "fin"):  # nbgrader: submitted/<student>/<assignment>/
        shutil.copytree(PLANTED / student, submitted / student / "conv")
        (submitted / student / "conv" / "timestamp.txt").write_text("2027-03-01 10:00:00 UTC")
    return batch


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    batch = planted_batch(folder)
    report = similarity_report(
        "conv", [batch, folder / "course" / "submitted"], out=folder / "similarity.html"
    )
    return report


def pair_key(pair) -> tuple[str, str]:
    return tuple(sorted((pair.a, pair.b)))


# ---------------------------------------------------------------------------
# The planted set itself
# ---------------------------------------------------------------------------
def _names(text: str) -> set[str]:
    """Identifiers that are not attributes (what a renaming pass changes)."""
    found, previous = set(), ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and previous != ".":
            found.add(token.string)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            previous = token.string
    return found


def _comments(text: str) -> list[str]:
    return [
        t.string
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type == tokenize.COMMENT
    ]


def _functions(text: str) -> list[str]:
    return [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]


@pytest.mark.parametrize("original, copy", sorted(COPIES))
def test_the_planted_copies_are_disguised(original, copy):
    """Does each copy rename identifiers, reorder functions and change comments?"""
    before = (PLANTED / original / "conv.py").read_text()
    after = (PLANTED / copy / "conv.py").read_text()
    renamed = _names(before) - _names(after)
    assert len(renamed) >= 8, renamed
    shared = set(_functions(before)) & set(_functions(after))
    assert len(shared) >= 8
    assert [f for f in _functions(before) if f in shared] != [
        f for f in _functions(after) if f in shared
    ]
    assert set(_comments(before)) != set(_comments(after))
    assert before != after


@pytest.mark.slow
@pytest.mark.parametrize("student", INDEPENDENT)
def test_the_independent_solutions_are_correct(student):
    """Is every independent solution correct (every public check of its six tasks passes)?"""
    from autograder.engine.commands import self_check

    tests = self_check("conv", path=PLANTED / student).result.tests
    planted = [t for t in tests if t.task in PLANTED_TASKS]
    assert {t.task for t in planted} == set(PLANTED_TASKS)
    assert all(t.status == "passed" for t in planted), [
        t.name for t in planted if t.status != "passed"
    ]


# ---------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------
def test_every_planted_submission_is_read_from_its_layout(planted):
    """Are the folders, the zip, the notebook and nbgrader's layout all read, named as grade names them?"""
    assert [d.student for d in planted.documents] == sorted(
        ["ana", "ben", "cho", "dev", "eun", "fin", "gia", "hal"]
    )
    assert planted.refused == []
    assert len(planted.pairs) == 28


def test_copies_rank_above_every_pair_of_independent_solutions(planted):
    """Do all four disguised copies outrank every pair that is not a copy?"""
    copies = [p for p in planted.pairs if pair_key(p) in COPIES]
    others = [p for p in planted.pairs if pair_key(p) not in COPIES]
    assert len(copies) == 4
    assert min(p.score for p in copies) > max(p.score for p in others)
    assert {pair_key(p) for p in planted.pairs[:4]} == COPIES


def test_the_default_threshold_flags_the_copies_and_nothing_else(planted):
    """At the default threshold, is every copy flagged and no independent pair?"""
    assert {pair_key(p) for p in planted.flagged} == COPIES
    for pair in planted.flagged:
        assert min(pair.share_a, pair.share_b) >= 0.8, pair
    independent = [p for p in planted.pairs if set(pair_key(p)) <= set(INDEPENDENT)]
    assert len(independent) == 6
    assert max(p.score for p in independent) < 0.4


def test_the_starter_code_is_not_evidence(tmp_path):
    """Do two untouched stubs (a folder and a released notebook) share nothing once the starter code is removed?"""
    batch = tmp_path / "batch"
    stub = (ROOT / "assignments" / "conv" / "conv.py").read_text()
    (batch / "sam").mkdir(parents=True)
    (batch / "sam" / "conv.py").write_text(stub)
    released = re.sub(r'raise NotImplementedError\("[^"]*"\)', "raise NotImplementedError()", stub)
    (batch / "tom").mkdir()  # the notebook as nbgrader releases it: its own blanks
    (batch / "tom" / "conv.ipynb").write_text(as_notebook(released))
    report = similarity_report("conv", [batch], out=tmp_path / "s.html")
    assert [(p.a, p.b, p.score) for p in report.pairs] == [("sam", "tom", 0.0)]
    assert report.starter_only == ["sam", "tom"]
    assert report.flagged == []
    assert fingerprint(stub).coverage > 1000  # without removal there would be a lot to match


def test_scores_do_not_depend_on_the_process(tmp_path):
    """Are the scores the same in two processes with different string hashing?"""
    batch = planted_batch(tmp_path)
    rows = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "autograder.cli", "similarity", "conv", str(batch),
             "--out", str(out)],
            check=True, capture_output=True, env=env, cwd=ROOT, timeout=300,
        )  # fmt: skip
        rows.append(out.with_suffix(".csv").read_text())
    assert rows[0] == rows[1]


# ---------------------------------------------------------------------------
# Hostile input and the written files
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The planted independent solutions plus everything a batch should refuse or escape."""
    folder = tmp_path_factory.mktemp("hostile")
    batch = folder / "batch"
    batch.mkdir()
    for student in INDEPENDENT:
        shutil.copytree(PLANTED / student, batch / student)
    evil = batch / HOSTILE_NAME
    evil.mkdir()
    (evil / "conv.py").write_text(
        "# </pre><script>alert(2)</script>\n" + (PLANTED / "ana" / "conv.py").read_text()
    )
    shutil.copytree(PLANTED / "cho", batch / FORMULA_NAME)
    os.symlink(batch / "ben", batch / "linked")
    os.mkfifo(batch / "piped")
    (batch / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    shutil.copytree(PLANTED / "dev", batch / "twice")
    with zipfile.ZipFile(batch / "twice.zip", "w") as archive:
        archive.write(PLANTED / "dev" / "conv.py", "conv.py")
    out = folder / "report.html"
    result = CliRunner().invoke(main, ["similarity", "conv", str(batch), "--out", str(out)])
    return result, out


def test_hostile_submissions_are_refused_with_their_reasons(hostile):
    """Are links, FIFOs, broken zips and two submissions of one student refused, as grade refuses them?"""
    result, out = hostile
    assert result.exit_code == 0, result.output
    page = out.read_text()
    reasons = {
        "linked": "symbolic link",
        "piped": "not a regular file or folder",
        "broken": "not a readable zip file",
        "twice": "two or more submissions map to the student",
    }
    for student, reason in reasons.items():
        line = next(
            x for x in result.output.splitlines() if x.startswith(f"Not compared: {student}:")
        )
        assert reason in line
        assert re.search(
            rf'<td class="student">{student}</td><td>[^<]*</td><td>[^<]*{reason}', page
        )


def test_the_page_and_csv_escape_what_students_named(hostile):
    """Does a student named like HTML render as text, and a formula name stay text in the CSV?"""
    result, out = hostile
    page = out.read_text()
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the copied file, shown
    assert re.search(r"""(src|href|url)\s*[=(]\s*["']?\s*(https?:|//)""", page) is None
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    names = {row["student_a"] for row in rows} | {row["student_b"] for row in rows}
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    flagged = {frozenset((r["student_a"], r["student_b"])) for r in rows if r["flagged"] == "1"}
    assert flagged == {frozenset((HOSTILE_NAME, "ana")), frozenset(("'" + FORMULA_NAME, "cho"))}


def test_matched_regions_are_marked_and_escaped():
    """Does the side-by-side mark exactly the matched regions, escaping around them?"""
    text = "a = '<b>'\nmatched & here\n" + "x\n" * 20 + "tail"
    start = text.index("matched")
    html = marked(text, [(start, start + len("matched & here"))])
    assert "<mark>matched &amp; here</mark>" in html
    assert "&#x27;&lt;b&gt;&#x27;" in html
    assert '<span class="fold">' in html  # 20 unmatched lines are folded, not dropped
    assert html.count("x\n") == 20


@pytest.mark.slow
def test_the_page_renders_in_chromium(planted, tmp_path):
    """In a real browser: no script error, every flagged pair side by side with marks, sorting works."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (bash .ci/setup installs it)")
    source = planted.html.read_text()
    probe = (
        "<script>window.addEventListener('load', function () {"
        " var th = document.querySelectorAll('#pair-table th')[3]; th.click(); th.click();"
        " var first = document.querySelector('#pair-table tbody tr td:nth-child(4)').textContent;"
        " document.body.setAttribute('data-sorted', first); });</script></body>"
    )
    page = tmp_path / "similarity.html"
    page.write_text(source.replace("</body>", probe))
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--disable-background-networking", "--no-first-run", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    dom = proc.stdout
    body = re.search(r"<body([^>]*)>", dom).group(1)
    assert 'data-ready="1"' in body and 'data-js-errors="0"' in body
    lowest = f"{100 * min(p.score for p in planted.pairs):.0f}%"
    assert f'data-sorted="{lowest}"' in body  # ascending after two clicks: the least similar first
    articles = re.findall(r'<article class="pair" id="pair-(\d+)">(.*?)</article>', dom, re.S)
    assert [int(rank) for rank, _ in articles] == [1, 2, 3, 4]
    for _, article in articles:
        assert article.count("<pre") == 2 and article.count("<mark>") >= 10


def test_the_command_says_what_it_wrote(tmp_path):
    """Does the command print the flagged pairs and write both files (exit 0)?"""
    batch = planted_batch(tmp_path)
    out = tmp_path / "out" / "sim.html"
    result = CliRunner().invoke(
        main, ["similarity", "conv", str(batch), "--out", str(out), "--threshold", "0.2"]
    )
    assert result.exit_code == 0, result.output
    assert "at or above 20%" in result.output
    assert f"Wrote {out} and {out.with_suffix('.csv')}." in result.output
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert len(rows) == len(list(itertools.combinations(range(6), 2)))  # 6 read: ana..gia, hal
    assert sum(int(r["flagged"]) for r in rows) > 2  # a low threshold flags more than the copies
