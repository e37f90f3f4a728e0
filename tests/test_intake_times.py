"""Is lateness decided by the collection's record, and is a student-side time flagged?
(issue 26.9, issue 27.3)

The instructor's `--submitted-at` CSV is the collection's record: when it is
given, it is the only one. nbgrader's `timestamp.txt` is written by `nbgrader
submit` on the student's machine: when it decides the time, the results say
so, and an implausible one (before the assignment's release, later than the
grading, unreadable) is flagged for the instructor.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from graderkit import ROOT

from autograder.cli import main
from autograder.config import ConfigError, load_course
from autograder.intake.collect import collect

REFERENCE = (ROOT / "solutions" / "conv" / "conv.py").read_bytes()
# conv: released 2026-09-01 09:00 +09:00, due 2027-03-29 23:59 +09:00 (course.toml)
NOW = datetime(2027, 4, 3, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT)


def _nbgrader(subs, student, stamp=None):
    folder = subs / student / "conv"
    folder.mkdir(parents=True)
    (folder / "conv.py").write_bytes(REFERENCE)
    if stamp is not None:
        (folder / "timestamp.txt").write_text(stamp)
    return folder


def _entries(course, subs, submitted_at=None):
    entries = collect([subs], course.assignment("conv"), course, submitted_at, now=NOW)
    return {entry.staged.student: entry for entry in entries}


def test_with_a_csv_a_student_it_does_not_list_is_flagged_never_judged_by_their_file(
    course, tmp_path
):
    """With a CSV, does a student missing from it (or listed in another case) get no time and
    a flag, although their own timestamp.txt says 'on time'?"""
    subs = tmp_path / "subs"
    _nbgrader(subs, "ada", "2027-03-20 10:00:00 UTC")
    _nbgrader(subs, "alice", "2027-03-20 10:00:00 UTC")
    _nbgrader(subs, "bo", "2027-03-20 10:00:00 UTC")
    by = _entries(course, subs, {"ada": "2027-04-01T10:00:00Z", "Alice": "2027-04-02T10:00:00Z"})
    assert by["ada"].timing["submitted_at_source"] == "submitted-at csv"
    assert by["ada"].timing["submitted_at_trusted"] is True and by["ada"].flags == []
    for student in ("alice", "bo"):
        timing, flags = by[student].timing, by[student].flags
        assert timing["submitted_at"] is None and timing["submitted_at_source"] == "none"
        assert timing["submitted_at_trusted"] is False
        assert len(flags) == 1 and f"does not list {student!r}" in flags[0]
        assert flags[0] in by[student].notes
    assert "it lists 'Alice'" in by["alice"].flags[0]


def test_a_student_side_timestamp_is_said_to_be_one(course, tmp_path):
    """When timestamp.txt decides the time, do the results say that it is its source and
    that it is not the collection's own record, with no flag for a plausible time?"""
    subs = tmp_path / "subs"
    _nbgrader(subs, "cy", "2027-03-20 10:00:00 UTC")
    cy = _entries(course, subs)["cy"]
    assert cy.timing["submitted_at_source"] == "timestamp.txt"
    assert cy.timing["submitted_at_trusted"] is False
    assert any("student's side" in note for note in cy.notes) and cy.flags == []


@pytest.mark.parametrize(
    "stamp, said",
    [
        ("2026-08-01 10:00:00 UTC", "before the assignment's release"),
        ("2027-05-01 10:00:00 UTC", "later than the grading"),
        ("the day before yesterday", "cannot be parsed"),
    ],
)
def test_implausible_student_side_times_are_flagged(course, tmp_path, stamp, said):
    """Is a timestamp.txt before the release, after the grading or unreadable flagged, and a
    readable one kept as written (the instructor decides)?"""
    subs = tmp_path / "subs"
    _nbgrader(subs, "dee", stamp)
    dee = _entries(course, subs)["dee"]
    assert len(dee.flags) == 1 and said in dee.flags[0], dee.flags
    readable = "day" not in stamp
    assert (dee.timing["submitted_at"] is not None) == readable


def test_grade_shows_the_flags_and_the_results_keep_them(tmp_path):
    """Does `dlcourse grade --submitted-at` print a flag for a student the CSV misses, and do
    that student's results carry it, with no lateness taken from their own file?"""
    subs = tmp_path / "subs"
    _nbgrader(subs, "ada", "2027-03-20 10:00:00 UTC")
    _nbgrader(subs, "bo", "2027-04-09 10:00:00 UTC")  # 11 days late by bo's own file
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\nada,2027-03-21T10:00:00+09:00\n")
    out = tmp_path / "out"
    done = CliRunner().invoke(
        main,
        ["grade", "conv", str(subs), "--out", str(out), "-j", "1", "--submitted-at", str(times)],
        catch_exceptions=False,
    )
    assert done.exit_code == 0, done.output
    assert "Look at: bo: the submitted-at CSV does not list 'bo'" in done.output
    bo = json.loads((out / "bo" / "results.json").read_text())["extra_data"]
    assert bo["late_days"] == 0 and bo["submitted_at_source"] == "none"
    assert any("does not list 'bo'" in note for note in bo["batch_notes"])
    ada = json.loads((out / "ada" / "results.json").read_text())["extra_data"]
    assert ada["submitted_at_trusted"] is True and "Look at: ada" not in done.output


def test_course_toml_gives_each_assignment_a_release_before_its_deadline(course, tmp_path):
    """Does every assignment with a deadline have a release before it, and is a release after
    the deadline refused?"""
    for assignment in course.assignments.values():
        if assignment.deadline is not None:
            assert assignment.release is not None and assignment.release < assignment.deadline
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_text(
        '[assignments.x]\nrelease = "2027-03-02T00:00:00+09:00"\n'
        'deadline = "2027-03-01T00:00:00+09:00"\n'
    )
    with pytest.raises(ConfigError, match="before its deadline"):
        load_course(tmp_path)
