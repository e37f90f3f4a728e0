"""Do names that collide cost only the colliding submissions, and do report pages stay one
per student? (issue 26.8)

`ALICE` beside `alice` is one name to a case-insensitive file system or
database. Before, the pair became one error recorded under `ALICE` and honest
alice had no results and no gradebook row; and `report --students` mapped
names to page names lossily, so `bob ` overwrote `bob` and every Korean name
became the same page.
"""

from __future__ import annotations

import json
import shutil

import pytest
from graderkit import ROOT

from autograder.config import load_course
from autograder.engine.batch import grade_batch
from autograder.gradebook import Gradebook
from autograder.intake.collect import collect
from autograder.report import build_report, student_page_name
from autograder.results import CheckResult, SubmissionResult, safe_student_name, write_results

REFERENCE = (ROOT / "solutions" / "conv" / "conv.py").read_bytes()


def _folder(parent, name, data=REFERENCE):
    (parent / name).mkdir(parents=True)
    (parent / name / "conv.py").write_bytes(data)


def _results(out):
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


def test_a_colliding_name_never_costs_the_honest_student_their_grade(tmp_path):
    """With `ALICE` beside `alice`, is alice graded (results, a gradebook row, a note), and
    ALICE an error of its own under a name that collides with nobody's, naming both?"""
    subs = tmp_path / "subs"
    _folder(subs, "alice")
    _folder(subs, "ALICE", b"def conv_forward(*a): return 0\n")
    out = tmp_path / "out"
    report = grade_batch("conv", [subs], out, jobs=1, root=ROOT)
    by = {r.student: r for r in report.results}
    assert sorted(by) == ["ALICE%~1", "alice"]
    alice, intruder = by["alice"], by["ALICE%~1"]
    assert alice.status == "graded" and alice.score == alice.max_score > 0
    assert any("'ALICE'" in note for note in alice.extra["batch_notes"])
    assert intruder.status == "error" and "'ALICE'" in intruder.output
    assert str(subs / "alice") in intruder.output and str(subs / "ALICE") in intruder.output
    assert sorted(_results(out)) == ["ALICE%~1", "alice"]
    folders = [p.name.casefold() for p in out.iterdir() if p.is_dir()]
    assert len(folders) == len(set(folders))  # no two folders a case-insensitive disk would merge
    book = Gradebook(f"sqlite:///{out / 'gradebook.sqlite'}")
    try:
        assert book.row("conv", "alice")["status"] == "graded"
        assert book.row("conv", "ALICE%~1")["status"] == "error"
    finally:
        book.close()


def test_the_name_graded_first_keeps_its_grade(tmp_path):
    """Graded as `ALICE` first, does a later `alice` beside it become the error, not ALICE?"""
    subs = tmp_path / "subs"
    _folder(subs, "ALICE")
    out = tmp_path / "out"
    first = grade_batch("conv", [subs], out, jobs=1, root=ROOT)
    assert [r.student for r in first.results] == ["ALICE"]
    _folder(subs, "alice", b"x = 1\n")
    again = grade_batch("conv", [subs], out, jobs=1, root=ROOT)
    by = {r.student: r for r in again.results}
    assert by["ALICE"].status == "graded" and again.reused == 1
    assert by["alice%~1"].status == "error"


def test_two_submissions_under_one_name_are_still_both_refused(tmp_path):
    """Are a folder and a zip of the very same name still an error naming both, none graded?"""
    course = load_course(ROOT)
    subs = tmp_path / "subs"
    _folder(subs, "kim")
    shutil.make_archive(str(subs / "kim"), "zip", subs / "kim")
    entries = collect([subs], course.assignment("conv"), course, None)
    assert len(entries) == 1 and entries[0].staged.student == "kim"
    assert "two or more submissions" in entries[0].error and "kim.zip" in entries[0].error


@pytest.mark.parametrize("name", ["bob ", " bob", "bob\u3000"])
def test_spaces_at_either_end_are_escaped(name):
    """Is `bob ` a name of its own, shown so that a reader sees the difference?"""
    safe = safe_student_name(name)
    assert safe != "bob" and "%" in safe and safe.strip() == safe


def test_report_pages_are_one_per_student_under_the_results_names(tmp_path):
    """Do `bob`, `bob `, two Korean names and `a<b>` each get a page of their own, named as
    their results folder, holding their own name?"""
    names = ["bob", "bob ", "김민준", "이서연", "a<b>", "x?y"]
    out = tmp_path / "out"
    for name in names:
        test = CheckResult("a check", 1, 1, "passed", task="conv_forward")
        write_results(out, SubmissionResult("conv", safe_student_name(name), tests=[test]))
    pages = tmp_path / "pages"
    written = build_report(out, out=tmp_path / "r.html", students_dir=pages)
    assert len(written.student_pages) == len(set(written.student_pages)) == len(names)
    assert len({p.name.casefold() for p in pages.iterdir()}) == len(names)
    for name in names:
        page = pages / f"{student_page_name(safe_student_name(name))}.html"
        text = page.read_text(encoding="utf-8")
        assert "&lt;" in text if "<" in name else name.strip() in text
    assert (pages / "김민준.html").is_file() and (pages / "bob%20.html").is_file()
