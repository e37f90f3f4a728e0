"""Is a notebook submission capped before it can cost the grader much? (issue 26.7)

A `.py` module over 1 MiB is refused before anything parses it; a notebook is
turned into a module in the grader's own process, so the same cap must hold
for the module built from a notebook, and the notebook's bytes, JSON
structure and cells are capped before they are parsed. The cost of refusing
is measured in a fresh process (its peak memory and the time taken), on what
grading does before the sandbox: staging and the integrity notes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from graderkit import ROOT

from autograder.config import load_course
from autograder.intake.notebook import (
    MAX_CELLS,
    MAX_JSON_CONTAINERS,
    MAX_NOTEBOOK_BYTES,
    NotebookProblem,
    answer_cells,
)
from autograder.intake.staging import MAX_MODULE_BYTES, stage

# What grading does with a submission in its own process before the sandbox runs it:
# stage it, then the integrity notes (both parse the module's source).
MEASURE = """
import json, resource, sys, time
from pathlib import Path
from autograder.checkkit import scan
from autograder.config import load_course
from autograder.intake.staging import integrity_notes, stage

spec = load_course(Path(sys.argv[1])).assignment("conv")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
staged = stage("ada", Path(sys.argv[2]), spec)
notes = integrity_notes(staged, spec) + scan.integrity_notes(staged.files, "conv")
seconds = time.perf_counter() - started
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"seconds": seconds, "grown_mib": grown / 1024,
                  "files": sorted(staged.files), "problems": staged.problems}))
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """conv's notebook as `dlcourse export nbgrader` writes it (answer cells by grade_id)."""
    from autograder.platforms.nbgrader.export import export_nbgrader

    course = tmp_path_factory.mktemp("nbgrader")
    export_nbgrader(["conv"], out=course, root=ROOT)
    return course / "source" / "conv" / "conv.ipynb"


def _released(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _answer_cell(notebook: dict) -> dict:
    return next(
        cell
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        and cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    )


def _submit(tmp_path: Path, notebook: dict | bytes) -> Path:
    folder = tmp_path / "ada" / "conv"
    folder.mkdir(parents=True)
    data = notebook if isinstance(notebook, bytes) else json.dumps(notebook).encode()
    (folder / "conv.ipynb").write_bytes(data)
    return folder


def _measure(folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(ROOT), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_notebook_holding_a_4_mb_module_is_refused_cheaply(source, tmp_path):
    """Is a 4 MB answer cell (a 4 MB module once built) refused before anything parses it,
    in well under a second and without growing the grader's memory?"""
    notebook = _released(source)
    cell = _answer_cell(notebook)
    cell["source"] = ["x = (1 + 2) * 3 - y[0]\n"] * (4_000_000 // 23)
    folder = _submit(tmp_path, notebook)
    assert (folder / "conv.ipynb").stat().st_size > 4_000_000
    cost = _measure(folder)
    assert cost["files"] == []
    assert any(f"{MAX_MODULE_BYTES >> 10} KiB" in p for p in cost["problems"]), cost["problems"]
    assert cost["seconds"] < 1.5, cost
    assert cost["grown_mib"] < 100, cost


def test_the_same_code_as_a_py_file_is_refused_the_same_way(tmp_path):
    """Is the 1 MiB cap the one a `.py` submission meets (the notebook adds no way around it)?"""
    folder = tmp_path / "bo"
    folder.mkdir()
    (folder / "conv.py").write_text("x = (1 + 2) * 3 - y[0]\n" * (4_000_000 // 23))
    cost = _measure(folder)
    assert cost["files"] == [] and any("larger than" in p for p in cost["problems"])


def test_a_notebook_with_outputs_still_gives_its_module(source, tmp_path):
    """Does an honest notebook with its outputs (a few MB of images) still give its module?"""
    notebook = _released(source)
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * 3_000_000}}
    _answer_cell(notebook)["outputs"] = [image]
    spec = load_course(ROOT).assignment("conv")
    staged = stage("ada", _submit(tmp_path, notebook), spec)
    assert "conv.py" in staged.files


@pytest.mark.parametrize(
    "make, said",
    [
        (lambda: b" " * (MAX_NOTEBOOK_BYTES + 1), "larger than"),
        (lambda: b"[" * 200_000 + b"]" * 200_000, "JSON arrays and objects"),
        (lambda: b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (lambda: json.dumps({"cells": [{}] * (MAX_CELLS + 1)}).encode(), "cells"),
        (
            lambda: json.dumps({"cells": [], "metadata": [[] for _ in range(MAX_JSON_CONTAINERS)]}),
            "JSON arrays and objects",
        ),
    ],
)
def test_oversized_or_overbuilt_notebooks_are_refused_with_a_reason(make, said):
    """Is a notebook that is too large, holds too many arrays and objects, nests too deeply or
    has too many cells refused with a message saying which, never parsed in full?"""
    data = make()
    data = data if isinstance(data, bytes) else data.encode()
    with pytest.raises(NotebookProblem, match=said):
        answer_cells(data, "conv.ipynb")
