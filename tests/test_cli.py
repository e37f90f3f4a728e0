"""Does the dlcourse command line do what its --help says?"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner
from graderkit import ROOT, check_points

from autograder.cli import main

SAMPLES = ROOT / "course" / "samples" / "conv"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_help_lists_every_command(run):
    """Does --help name the student, instructor and quiz commands?"""
    result = run("--help")
    assert result.exit_code == 0
    for command in ("check", "grade", "list", "release", "quiz"):
        assert command in result.output


def test_list_shows_assignments_with_points(run):
    """Does `dlcourse list` show every assignment and conv's points?"""
    result = run("list")
    assert result.exit_code == 0
    for ident in (
        "basics",
        "conv",
        "optim",
        "regularization",
        "normalization",
        "rnn",
        "attention",
        "transformer",
    ):
        assert ident in result.output
    public, hidden = check_points("conv")
    assert f"{public + hidden:g}" in result.output


def test_check_passes_the_reference(run):
    """Does `dlcourse check conv --path solutions/conv` pass and exit 0?"""
    result = run("check", "conv", "--path", ROOT / "solutions" / "conv")
    assert result.exit_code == 0, result.output
    public, _ = check_points("conv")
    assert f"{public:g} / {public:g} points" in result.output


def test_a_folder_named_like_markup_shows_as_it_is(run, tmp_path):
    """Is a student folder named like rich markup or an emoji code printed as it is?"""
    folder = tmp_path / "[bold]eli :fire:"
    folder.mkdir()
    shutil.copy(ROOT / "solutions" / "conv" / "conv.py", folder / "conv.py")
    result = run("check", "conv", "--path", folder)
    assert result.exit_code == 0, result.output
    assert "conv: [bold]eli :fire:" in result.output


def test_check_explains_failures_and_exits_1(run, tmp_path):
    """Does a failing self-check show the call, shapes, errors, task and exit 1?"""
    shutil.copy(SAMPLES / "eli_wrong_shape" / "conv.py", tmp_path / "conv.py")
    result = run("check", "conv", "--path", tmp_path)
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "conv_forward(array(2, 3, 6, 6) float64" in result.output
    assert "wrong shape: expected (2, 4, 4, 4), got (2, 4, 4, 4)" not in result.output
    assert "max abs error" in result.output


def test_check_defaults_to_the_stub_and_json_is_results_json(run, monkeypatch):
    """Without --path, does check grade assignments/conv, and is --json Gradescope's schema?"""
    monkeypatch.chdir(ROOT)
    result = run("check", "conv", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["score"] == 0 and data["extra_data"]["max_score"] == check_points("conv")[0]
    assert {"score", "execution_time", "output", "tests"} <= set(data)
    assert "max_score" not in data  # Gradescope sums the tests' (issue 27.8)
    test = data["tests"][0]
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
    assert all(t["visibility"] == "visible" for t in data["tests"])


def test_grade_writes_results_and_csv(run, tmp_path):
    """Does `dlcourse grade` write results.json per student and grades.csv, exiting 0?"""
    out = tmp_path / "out"
    result = run(
        "grade", "conv", SAMPLES / "ada_loops", SAMPLES / "cy_syntax_error", SAMPLES / "uma_zip.zip",
        "--out", out, "--jobs", "2", "--seed", "5",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == {"ada_loops", "cy_syntax_error", "uma_zip"}
    total = f"{sum(check_points('conv')):g}"
    assert rows["ada_loops"]["score"] == rows["ada_loops"]["max_score"] == total
    assert rows["cy_syntax_error"]["score"] == "0"
    assert rows["uma_zip"]["seed"] == "5"
    data = json.loads((out / "cy_syntax_error" / "results.json").read_text())
    assert "SyntaxError" in data["tests"][0]["output"]
    assert "ada_loops" in result.output and "Graded 3" in result.output


def test_same_seed_same_grade(run, tmp_path):
    """Does re-grading with the recorded seed reproduce the grade check by check?"""
    first = tmp_path / "a"
    second = tmp_path / "b"
    for out in (first, second):
        assert (
            run("grade", "conv", SAMPLES / "bo_partial", "--out", out, "--seed", "99").exit_code
            == 0
        )
    a = json.loads((first / "bo_partial" / "results.json").read_text())
    b = json.loads((second / "bo_partial" / "results.json").read_text())
    assert a["extra_data"]["seed"] == b["extra_data"]["seed"] == 99
    assert [(t["name"], t["score"]) for t in a["tests"]] == [
        (t["name"], t["score"]) for t in b["tests"]
    ]


def test_nbgrader_layout_is_understood(run, tmp_path):
    """Does grade accept nbgrader's submitted/<student>/<assignment>/ layout?"""
    for student in ("kim", "lee"):
        folder = tmp_path / "submitted" / student / "conv"
        folder.mkdir(parents=True)
        shutil.copy(SAMPLES / "bo_partial" / "conv.py", folder / "conv.py")
    (tmp_path / "submitted" / "lee" / "conv" / "timestamp.txt").write_text(
        "2027-04-01 10:00:00.000000 UTC"
    )
    out = tmp_path / "out"
    assert run("grade", "conv", tmp_path / "submitted", "--out", out).exit_code == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == {"kim", "lee"}
    assert rows["kim"]["late_days"] == "0"
    assert rows["lee"]["late_days"] == "3" and rows["lee"]["penalty"] == "0.3"
    assert float(rows["lee"]["score"]) == pytest.approx(0.7 * float(rows["kim"]["score"]))


def test_release_check_reports_sync(run):
    """Does `dlcourse release --check` confirm assignments/ is generated from solutions/?"""
    result = run("release", "conv", "--check")
    assert result.exit_code == 0, result.output
    assert "in sync" in result.output


def test_unknown_assignment_is_a_clear_error(run):
    """Does an unknown assignment id give one readable line and exit 2?"""
    result = CliRunner().invoke(main, ["check", "nope"])
    assert result.exit_code == 2
    assert "unknown assignment 'nope'" in result.output


def test_commands_return_data_not_text(capsys):
    """Do the commands behind the CLI return values and print nothing themselves?"""
    from autograder.engine.commands import (
        AssignmentListing,
        SelfCheck,
        list_assignments,
        self_check,
    )

    listing = list_assignments(root=ROOT)
    assert isinstance(listing, AssignmentListing)
    conv = next(row for row in listing.rows if row.id == "conv")
    assert (conv.public, conv.hidden) == check_points("conv")
    check = self_check("conv", path=ROOT / "assignments" / "conv", root=ROOT)
    assert isinstance(check, SelfCheck) and not check.ok
    assert check.result.max_score == conv.public and check.result.score == 0
    assert capsys.readouterr().out == ""
