"""Is a single file a submission? (issue 27.1)

`dlcourse grade conv path/to/conv.ipynb` and `dlcourse grade conv
path/to/conv.py` said "no such file or folder" although the file exists; only
the folder worked. A module file or the assignment's notebook given as an
argument is a submission; the student is named by nbgrader's layout
(`submitted/<student>/conv/conv.ipynb`) or by the file's folder.
"""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from graderkit import ROOT

from autograder.cli import main

REFERENCE = ROOT / "solutions" / "conv" / "conv.py"


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    """conv's source notebook as `dlcourse export nbgrader` writes it: the reference in its
    answer cells."""
    from autograder.platforms.nbgrader.export import export_nbgrader

    course = tmp_path_factory.mktemp("nbgrader")
    export_nbgrader(["conv"], out=course, root=ROOT)
    return course / "source" / "conv" / "conv.ipynb"


def _grade(*args):
    return CliRunner().invoke(main, ["grade", "conv", *map(str, args), "-j", "1"])


def test_a_notebook_and_a_module_file_are_each_a_submission(notebook, tmp_path):
    """Does grade take submitted/alice/conv/conv.ipynb (alice, by nbgrader's layout, with the
    timestamp.txt beside it) and bo/conv.py (bo, by its folder), and give both full marks?"""
    alice = tmp_path / "submitted" / "alice" / "conv"
    alice.mkdir(parents=True)
    shutil.copy(notebook, alice / "conv.ipynb")
    (alice / "timestamp.txt").write_text("2027-03-20 10:00:00 UTC")
    bo = tmp_path / "bo"
    bo.mkdir()
    shutil.copy(REFERENCE, bo / "conv.py")
    out = tmp_path / "out"
    done = _grade(alice / "conv.ipynb", bo / "conv.py", "--out", out)
    assert done.exit_code == 0, done.output
    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    assert sorted(results) == ["alice", "bo"]
    for data in results.values():
        extra = data["extra_data"]
        most = sum(test["max_score"] for test in data["tests"])
        assert extra["status"] == "graded" and data["score"] == most > 0, extra
    assert results["alice"]["extra_data"]["submitted_at_source"] == "timestamp.txt"


def test_a_file_of_another_name_says_what_a_submission_file_is(tmp_path):
    """Is a file that is neither the module nor the notebook refused with the names it may
    have, not with 'no such file or folder'?"""
    stray = tmp_path / "my_conv.py"
    stray.write_bytes(REFERENCE.read_bytes())
    done = _grade(stray, "--out", tmp_path / "out")
    assert done.exit_code == 2
    assert "conv.py, conv.ipynb" in done.output and "no such file" not in done.output


def test_a_linked_module_file_is_refused_as_a_link(tmp_path):
    """Is a symbolic link given as the file a recorded error, never followed?"""
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "conv.py").symlink_to(REFERENCE)
    out = tmp_path / "out"
    done = _grade(tmp_path / "cy" / "conv.py", "--out", out)
    assert done.exit_code == 0, done.output
    data = json.loads((out / "cy" / "results.json").read_text())
    assert "symbolic link" in json.dumps(data) and data["score"] == 0
