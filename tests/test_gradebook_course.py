"""Does the course gradebook combine items with weights, a roster and exports a registrar can use?"""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from graderkit import ROOT
from test_gradebook import result

from autograder.cli import main
from autograder.config import ConfigError
from autograder.gradebook import Gradebook
from autograder.gradebook.exports import NBGRADER_COLUMNS, safe_cell
from autograder.gradebook.roster import parse_roster
from autograder.gradebook.totals import course_table, load_weights

COURSE_TOML = """
[course]
name = "test"

[assignments.conv]
modules = ["conv.py"]
weight = 3
deadline = "2027-03-29T23:59:00+09:00"

[assignments.optim]
modules = ["optim.py"]
weight = 1

[quizzes.optimizers]
weight = 1
"""

ROSTER = (
    "student,name,email,section,excused\n"
    "kim,Minji Kim,kim@uni.example,A,\n"
    'lee,=HYPERLINK("http://evil"),lee@uni.example,B,optim\n'
    "park,Jisoo Park,park@uni.example,A,\n"
)


@pytest.fixture()
def course(tmp_path, monkeypatch):
    """A course root with weights and a roster, and a gradebook of three items."""
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    (tmp_path / "course" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    monkeypatch.setenv("DLCOURSE_ROOT", str(tmp_path))
    db = tmp_path / "gradebook.sqlite"
    book = Gradebook(f"sqlite:///{db}", root=ROOT)
    # conv: 4 points; kim full marks but 2 days late (-20 %), lee half, park missing
    book.record(result("kim", [2.0, 2.0], late_days=2, penalty=0.2))
    book.record(result("lee", [2.0, 0.0]))
    # optim: 2 points; kim full, lee excused and absent, park missing
    book.record(result("kim", [2.0], item="optim"))
    # quiz: 4 points; kim 1/4, an unknown student -who is not on the roster- 4/4
    book.record(result("kim", [1.0, 0.0], item="quiz:optimizers"))
    book.record(result("@intruder", [2.0, 2.0], item="quiz:optimizers"))
    book.close()
    return tmp_path, str(db)


def run(*args):
    """The CLI on a wide terminal, so that rich's tables do not wrap their cells."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env={"COLUMNS": "300"})


def test_weights_come_from_course_toml(course):
    """Are assignment and quiz weights read, and a bad weight refused?"""
    root, _ = course
    assert load_weights(root) == {"conv": 3.0, "optim": 1.0, "quiz:optimizers": 1.0}
    (root / "course" / "course.toml").write_text(
        '[assignments.conv]\nweight = "heavy"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="weight"):
        load_weights(root)


def test_totals_weigh_penalties_missing_and_excused(course):
    """Is the total the weighted mean with late penalties, missing as 0 and excused left out?"""
    root, db = course
    rows = Gradebook(f"sqlite:///{db}").rows()
    table = course_table(
        rows,
        roster=parse_roster(ROSTER),
        weights=load_weights(root),
        course_order=["conv", "optim"],
    )
    assert table.items == ["conv", "optim", "quiz:optimizers"]
    lines = {line.student: line for line in table.students}
    assert list(lines) == ["kim", "lee", "park", "@intruder"]
    # kim: conv 3.2/4 (late), optim 2/2, quiz 1/4 -> (3*0.8 + 1*1 + 1*0.25) / 5
    assert lines["kim"].total == pytest.approx(100 * (3 * 0.8 + 1.0 + 0.25) / 5)
    # lee: conv 2/4, optim excused, quiz missing -> (3*0.5 + 0) / 4
    assert lines["lee"].cells["optim"].status == "excused"
    assert lines["lee"].cells["quiz:optimizers"].status == "missing"
    assert lines["lee"].total == pytest.approx(100 * 1.5 / 4)
    assert lines["park"].total == 0.0
    assert table.not_on_roster == ["@intruder"]
    # without a roster nobody is missing anything they were not graded on... except as 0
    bare = course_table(rows, weights={})
    assert [s.student for s in bare.students] == ["@intruder", "kim", "lee"]
    assert bare.not_on_roster == []


def test_roster_needs_ids_and_no_duplicates():
    """Is a roster without an id column, or with a student twice, refused?"""
    with pytest.raises(ConfigError, match="student id column"):
        parse_roster("name,email\nKim,k@x\n")
    with pytest.raises(ConfigError, match="listed twice"):
        parse_roster("id,name\nkim,A\nkim,B\n")
    entry = parse_roster("\ufeffID,Name,Excused\nkim,Minji Kim,conv; quiz:optimizers\n")["kim"]
    assert entry.first_last == ("Minji", "Kim")
    assert entry.excused == {"conv", "quiz:optimizers"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("3.25", "3.25"),
        ("Minji Kim", "Minji Kim"),
        (None, ""),
    ],
)
def test_no_cell_reads_as_a_formula(value, expected):
    """Does safe_cell neutralise formula-like text and leave numbers and names alone?"""
    assert safe_cell(value) == expected


def _read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _no_formula(rows):
    return all(not cell or cell[0] not in "=+-@\t\r" for row in rows for cell in row)


def test_plain_csv_export(course, tmp_path):
    """Does the plain CSV hold one row per student, a column per item and the total?"""
    _, db = course
    out = tmp_path / "grades.csv"
    done = run("gradebook", "export", "--db", db, "--format", "csv", "--out", str(out))
    assert done.exit_code == 0, done.output
    rows = _read(out)
    assert rows[0] == [
        "student", "name", "email", "section", "on_roster",
        "conv (4)", "optim (2)", "quiz:optimizers (4)", "total_percent",
    ]  # fmt: skip
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["kim"][5:] == ["3.2", "2", "1", "73.00"]
    assert by_id["lee"][1] == '\'=HYPERLINK("http://evil")'
    assert by_id["lee"][5:8] == ["2", "", "0"]
    assert by_id["'@intruder"][4] == "no"
    assert _no_formula(rows)


def test_canvas_export(course, tmp_path):
    """Does the Canvas file have Canvas's identity columns, a Points Possible row and EX?"""
    _, db = course
    out = tmp_path / "canvas.csv"
    assert (
        run("gradebook", "export", "--db", db, "--format", "canvas", "--out", str(out)).exit_code
        == 0
    )
    rows = _read(out)
    assert rows[0] == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
        "conv", "optim", "quiz:optimizers",
    ]  # fmt: skip
    assert rows[1][0] == "Points Possible" and rows[1][5:] == ["4", "2", "4"]
    kim = next(r for r in rows if r[2] == "kim")
    assert kim[:5] == ["Kim, Minji", "", "kim", "kim@uni.example", "A"] and kim[5:] == [
        "3.2",
        "2",
        "1",
    ]
    lee = next(r for r in rows if r[2] == "lee")
    assert lee[6] == "EX" and lee[7] == ""  # missing: Canvas's "no grade" (issue 27.5)
    assert _no_formula(rows)


def test_nbgrader_export(course, tmp_path):
    """Does the nbgrader file have grades.csv's columns, raw score and the late penalty?"""
    _, db = course
    out = tmp_path / "nb.csv"
    assert (
        run("gradebook", "export", "--db", db, "--format", "nbgrader", "--out", str(out)).exit_code
        == 0
    )
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == NBGRADER_COLUMNS
        rows = list(reader)
    kim = next(r for r in rows if r["assignment"] == "conv" and r["student_id"] == "kim")
    assert (kim["raw_score"], kim["late_submission_penalty"], kim["score"]) == ("4", "0.8", "3.2")
    assert kim["first_name"] == "Minji" and kim["duedate"].startswith("2027-03-29T23:59")
    park = next(r for r in rows if r["assignment"] == "conv" and r["student_id"] == "park")
    assert park["score"] == "0" and park["timestamp"] == ""
    assert not any(r["assignment"] == "optim" and r["student_id"] == "lee" for r in rows)


def test_show_lists_students_items_and_flags(course):
    """Does `gradebook show` print items with weights, penalties, missing and roster flags?"""
    _, db = course
    shown = run("gradebook", "show", "--db", db)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    for expected in (
        "weight 3",
        "late 2d -20%",
        "missing",
        "excused",
        "73.0",
        "not on the roster: @intruder",
    ):
        assert expected in text


def test_show_one_students_history(course):
    """Does `--student` list current and replaced grades with their audit data?"""
    _, db = course
    book = Gradebook(f"sqlite:///{db}", root=ROOT)
    book.record(
        result("kim", [2.0], item="optim", sha="c" * 64, seed=11)
    )  # a regrade: 2 -> 2, new file
    book.close()
    shown = run("gradebook", "show", "--db", db, "--student", "kim")
    text = " ".join(shown.output.split())
    assert shown.exit_code == 0 and "replaced" in text and "11" in text
    missing = CliRunner().invoke(main, ["gradebook", "show", "--db", db, "--student", "nobody"])
    assert missing.exit_code == 2 and "no grade" in missing.output


def test_show_without_a_gradebook_says_so(tmp_path):
    """Does show refuse to invent an empty gradebook where there is none?"""
    done = CliRunner().invoke(main, ["gradebook", "show", "--db", str(tmp_path / "none.sqlite")])
    assert done.exit_code == 2 and "no gradebook" in done.output
    assert not (tmp_path / "none.sqlite").exists()


def test_the_stored_results_round_trip(course):
    """Does each row keep the whole results.json of its grade?"""
    _, db = course
    row = Gradebook(f"sqlite:///{db}").row("conv", "kim")
    assert json.loads(row["results_json"])["score"] == pytest.approx(3.2)


def test_the_sample_roster_reads(tmp_path):
    """Does the shipped sample roster parse, with an excused quiz?"""
    entries = parse_roster((ROOT / "course" / "samples" / "roster.csv").read_text(encoding="utf-8"))
    assert "bo_partial" in entries and entries["bo_partial"].email.endswith("@example.edu")
    assert entries["cy_syntax_error"].excused == {"quiz:optimizers"}
