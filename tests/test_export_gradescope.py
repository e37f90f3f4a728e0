"""Does the exported Gradescope autograder grade like Gradescope would run it?

The zip is unpacked as Gradescope does (into AUTOGRADER_ROOT/source, with
run_autograder copied to AUTOGRADER_ROOT), then `run_autograder` grades the
reference, the stub and a known mistake with this venv's Python, and each
results.json is validated against Gradescope's results schema.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from graderkit import ROOT, mutant_folder

from autograder.cli import main
from autograder.platforms.gradescope.export import export_gradescope, runtime_requirements

ASSIGNMENT = "conv"
MISTAKE = "bias_missing"

# Gradescope's results.json: the keys it reads, and the values it accepts.
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
            "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
            "leaderboard"}  # fmt: skip
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}  # fmt: skip
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def validate_results(data: dict) -> None:
    """Raise AssertionError where `data` is not a results.json Gradescope accepts."""
    assert isinstance(data, dict)
    assert set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    assert "score" in data or "tests" in data
    assert isinstance(data["score"], (int, float))
    assert data.get("visibility", "visible") in VISIBILITIES
    assert data.get("stdout_visibility", "hidden") in VISIBILITIES
    assert isinstance(data.get("output", ""), str)
    assert isinstance(data["tests"], list) and data["tests"]
    for test in data["tests"]:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], (int, float))
        assert isinstance(test["max_score"], (int, float)) and test["max_score"] > 0
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITIES
        assert isinstance(test["output"], str)
        assert test.get("status", "passed") in {"passed", "failed"}
        assert all(isinstance(tag, str) for tag in test.get("tags", []))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / f"{ASSIGNMENT}.zip"
    export_gradescope(ASSIGNMENT, out=out, root=ROOT)
    return out


def run_autograder(zip_path: Path, submission: Path, root: Path, drop: str = "") -> dict:
    """Lay out `root` as Gradescope does and run the exported run_autograder.

    `drop`: a file of the unpacked zip to delete first.
    """
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    if drop:
        (root / "source" / drop).unlink()
    runner = root / "run_autograder"
    shutil.copy(root / "source" / "run_autograder", runner)
    runner.chmod(runner.stat().st_mode | stat.S_IXUSR)
    shutil.copytree(submission, root / "submission")
    (root / "submission_metadata.json").write_text(
        json.dumps({"id": 1, "users": [{"email": "kim@example.edu", "name": "Kim"}]})
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DLCOURSE_ROOT", "PYTHONPATH")}
    env.update(AUTOGRADER_ROOT=str(root), DLCOURSE_PYTHON=str(Path(sys.executable)))
    proc = subprocess.run(
        ["bash", str(runner)], env=env, cwd=root, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate_results(data)
    return data


def test_zip_holds_what_gradescope_runs(exported):
    """Are setup.sh and run_autograder at the root, executable, with the grader beside them?"""
    with zipfile.ZipFile(exported) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        requirements = archive.read("requirements.txt").decode()
    for script in ("setup.sh", "run_autograder"):
        assert script in names and modes[script] & 0o111
    assert "dlcourse/course/course.toml" in names
    assert f"dlcourse/solutions/{ASSIGNMENT}/{ASSIGNMENT}.py" in names
    assert f"dlcourse/autograder/checks/{ASSIGNMENT}/private/test_hidden.py" in names
    assert "dlcourse/autograder/checks/pytest.ini" in names
    # only this assignment's checks and reference travel
    assert not any(n.startswith("dlcourse/autograder/checks/optim/") for n in names)
    assert not any(n.startswith("dlcourse/solutions/optim/") for n in names)
    assert not any(n.endswith((".pyc", ".ipynb")) for n in names)
    assert "bubblewrap" in setup and "python3-venv" in setup
    assert "torch" not in requirements  # conv is numpy-only: no torch download
    subprocess.run(["bash", "-n", "-c", setup], check=True)


def test_torch_assignment_pins_torch_first(tmp_path):
    """Does a torch assignment install the pinned torch before the rest?"""
    export_gradescope("transformer", out=tmp_path / "t.zip", root=ROOT, torch_index_url="file:///x")
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        setup = archive.read("setup.sh").decode()
        constraints = archive.read("constraints.txt").decode()
    assert 'if [ "1" = 1 ]' in setup and "file:///x" in setup
    assert "torch==" in constraints
    assert any(r.startswith("torch") for r in runtime_requirements(torch=True))


@pytest.mark.slow
def test_run_autograder_grades_reference_stub_and_mistake(exported, tmp_path):
    """Full marks for the reference, 0 for the stub, a named partial score for a mistake."""
    reference = run_autograder(exported, ROOT / "solutions" / ASSIGNMENT, tmp_path / "ref")
    assert reference["score"] == pytest.approx(sum(t["max_score"] for t in reference["tests"]))
    assert all(t["status"] == "passed" for t in reference["tests"])
    hidden = [t for t in reference["tests"] if "test_hidden" in t["extra_data"]["nodeid"]]
    public = [t for t in reference["tests"] if "test_public" in t["extra_data"]["nodeid"]]
    assert hidden and public
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert {t["visibility"] for t in public} == {"visible"}
    assert reference["extra_data"]["student"] == "kim@example.edu"

    stub_dir = tmp_path / "stub-src" / "nested"  # an upload with its file in a subfolder
    shutil.copytree(ROOT / "assignments" / ASSIGNMENT, stub_dir)
    stub = run_autograder(exported, stub_dir.parent, tmp_path / "stub")
    assert stub["score"] == 0

    from autograder.checks.conv.private.mistakes import MISTAKES

    mistake = next(m for m in MISTAKES if m.name == MISTAKE)
    wrong = run_autograder(exported, mutant_folder(ASSIGNMENT, mistake), tmp_path / "wrong")
    assert 0 < wrong["score"] < reference["score"]
    named = [t for t in wrong["tests"] if t["extra_data"]["diagnosis"] == MISTAKE]
    assert named and all(t["status"] == "failed" for t in named)


def test_run_autograder_grades_with_the_zip_not_this_checkout(exported, tmp_path):
    """Without the zip's hidden checks, no hidden check runs, though this checkout has them."""
    data = run_autograder(
        exported,
        ROOT / "solutions" / ASSIGNMENT,
        tmp_path,
        drop=f"dlcourse/autograder/checks/{ASSIGNMENT}/private/test_hidden.py",
    )
    nodeids = [t["extra_data"]["nodeid"] for t in data["tests"]]
    assert nodeids and not any("test_hidden" in n for n in nodeids)


def test_run_autograder_reports_a_broken_grader(tmp_path):
    """Does Gradescope still get a results.json when grading itself fails?"""
    from autograder.platforms.gradescope.export import main as run_main

    results = tmp_path / "results.json"
    code = run_main(
        ["--assignment", "no-such", "--submission", str(tmp_path), "--results", str(results)]
    )
    data = json.loads(results.read_text())
    assert code == 1 and data["score"] == 0 and "no-such" in data["output"]


def test_cli_export_gradescope(tmp_path):
    out = tmp_path / "gs" / "conv.zip"
    result = CliRunner().invoke(main, ["export", "gradescope", ASSIGNMENT, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out) and "run_autograder" in result.output
    bad = CliRunner().invoke(main, ["export", "gradescope", "nope", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown assignment" in bad.output


def test_a_zip_uploaded_to_gradescope_is_read_as_a_local_batch_reads_it(tmp_path):
    """Is a .zip in Gradescope's submission folder (module in a subfolder, macOS litter
    beside it) graded from its module, as `dlcourse grade` grades a zip (issue 27.9)?"""
    from autograder.platforms.gradescope.export import grade_for_gradescope

    upload = tmp_path / "submission"
    upload.mkdir()
    with zipfile.ZipFile(upload / "my_work.zip", "w") as archive:
        archive.writestr(
            "my_work/conv.py", (ROOT / "solutions" / ASSIGNMENT / "conv.py").read_text()
        )
        archive.writestr("__MACOSX/my_work/._conv.py", b"\0\5\x16\7")
    results = tmp_path / "results.json"
    result = grade_for_gradescope(ASSIGNMENT, submission=upload, results=results, root=ROOT)
    data = json.loads(results.read_text())
    validate_results(data)
    assert result.status == "graded" and result.score == result.max_score > 0, result.output
    assert data["score"] == pytest.approx(sum(t["max_score"] for t in data["tests"]))
    assert not (upload / "my_work").exists()  # read in memory, not unpacked next to it
