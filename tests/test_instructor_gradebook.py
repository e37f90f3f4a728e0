"""What an instructor reads in the gradebook (issue 27, items 5 and 10).

A rejected quiz answer file is recorded as an error: does `gradebook show` say
"error" rather than a score, as `--student` does? Does the Canvas export fill
Canvas's ID column from the roster and leave a missing grade empty (Canvas's
"no grade") unless the course counts it as 0? Does `--student` fit an
80-column terminal, the isolation summarised in one line?
"""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from graderkit import ROOT
from test_gradebook import result
from test_gradebook_course import COURSE_TOML

from autograder.cli import main
from autograder.cli.gradebook import isolation_summary
from autograder.gradebook import Gradebook
from autograder.quiz.engine import grade_file
from autograder.quiz.take import get_quiz
from autograder.sandbox.isolation import describe

ROSTER = (
    "student,name,email,section,canvas_id\n"
    "kim,Minji Kim,kim@uni.example,A,48213\n"
    "park,Jisoo Park,park@uni.example,A,\n"
)
BUBBLEWRAP = (
    "bubblewrap (user, pid, net, ipc, uts namespaces; read-only system; only the submission "
    "visible); cgroup (process and memory caps); rlimits (cpu, address space, file size, open "
    "files), wall-clock timeouts, scrubbed env"
)
FALLBACK = (
    "NO namespace sandbox (bubblewrap unavailable): filesystem and network are not isolated; "
    "rlimit process cap; rlimits (cpu, address space, file size, open files), wall-clock "
    "timeouts, scrubbed env"
)


@pytest.fixture()
def course(tmp_path, monkeypatch):
    """kim: conv graded (twice), optim graded; park: a rejected quiz answer file, nothing else."""
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    (tmp_path / "course" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    monkeypatch.setenv("DLCOURSE_ROOT", str(tmp_path))
    db = tmp_path / "gradebook.sqlite"
    book = Gradebook(f"sqlite:///{db}", root=ROOT)
    first = result("kim", [2.0, 2.0], late_days=2, penalty=0.2, seed=1234567890)
    first.isolation = BUBBLEWRAP
    book.record(first)
    again = result("kim", [2.0, 0.0], sha="b" * 64, seed=2087654321)
    again.isolation = describe()  # this machine's own words
    book.record(again)
    book.record(result("kim", [2.0], item="optim"))
    answers = tmp_path / "park.yaml"
    answers.write_text("student: park\nanswers: [this is not, a mapping\n", encoding="utf-8")
    rejected = grade_file(get_quiz("optimizers", ROOT), answers)
    assert rejected.status == "error" and rejected.student == "park"
    book.record(rejected)
    book.close()
    return tmp_path, str(db), rejected


def run(*args, columns=300):
    return CliRunner().invoke(
        main, list(args), catch_exceptions=False, env={"COLUMNS": str(columns)}
    )


def test_show_says_a_rejected_answer_file_is_an_error(course):
    """Is park's rejected quiz shown as an error and listed, not as a score of 0?"""
    _, db, rejected = course
    shown = run("gradebook", "show", "--db", db)
    assert shown.exit_code == 0, shown.output
    park = next(line for line in shown.output.splitlines() if "park" in line)
    assert "error" in park
    assert f"0/{rejected.max_score:g}" not in park
    text = " ".join(shown.output.split())
    assert "could not be graded" in text and "park (quiz:optimizers)" in text
    alone = run("gradebook", "show", "--db", db, "--student", "park")
    assert alone.exit_code == 0 and "error" in alone.output


def _canvas(db, out):
    done = run("gradebook", "export", "--db", db, "--format", "canvas", "--out", str(out))
    assert done.exit_code == 0, done.output
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], {row[2]: row for row in rows[2:]}


def test_canvas_export_fills_the_id_and_leaves_missing_grades_empty(course, tmp_path):
    """Does the roster's canvas_id fill Canvas's ID column, and is a missing grade Canvas's
    "no grade" (an empty cell) by default, 0 where the course says so?"""
    root, db, _ = course
    header, rows = _canvas(db, tmp_path / "canvas.csv")
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    optim = header.index("optim")
    assert rows["kim"][1] == "48213" and rows["park"][1] == ""
    assert rows["kim"][optim] == "2"
    assert rows["park"][optim] == ""  # missing: no grade
    assert rows["park"][header.index("quiz:optimizers")] == "0"  # an error is a recorded 0
    toml = root / "course" / "course.toml"
    toml.write_text(COURSE_TOML + "\n[gradebook]\nmissing_as_zero = true\n", encoding="utf-8")
    _, rows = _canvas(db, tmp_path / "canvas0.csv")
    assert rows["park"][optim] == "0"
    toml.write_text(COURSE_TOML + "\n[gradebook]\nmissing_as_zero = 1\n", encoding="utf-8")
    refused = CliRunner().invoke(
        main, ["gradebook", "export", "--db", db, "--format", "canvas", "--out", "x.csv"]
    )
    assert refused.exit_code == 2 and "missing_as_zero" in refused.output


@pytest.mark.parametrize(
    ("recorded", "summary"),
    [
        (BUBBLEWRAP, "bubblewrap + cgroup + rlimits"),
        (FALLBACK, "NO namespace sandbox + rlimits"),
        ("none (no code runs)", "none (no code runs)"),
    ],
)
def test_isolation_is_summarised_in_one_line(recorded, summary):
    """Does each isolation layer keep its name, and the fallback its warning?"""
    assert isolation_summary(recorded) == summary


def test_one_student_fits_an_80_column_terminal(course):
    """At 80 columns, does --student show each grade in three lines, none wrapped, the
    isolation summarised on one of them?"""
    _, db, _ = course
    shown = run("gradebook", "show", "--db", db, "--student", "kim", columns=80)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    grades = 3  # conv and optim, and the replaced conv
    assert len(lines) <= 3 * grades + 3
    assert sum("isolation: bubblewrap + cgroup + rlimits" in line for line in lines) >= 1
    assert sum(f"isolation: {isolation_summary(describe())}" in line for line in lines) >= 1
    assert "replaced" in shown.output and "1234567890" in shown.output
