"""Are bad and hostile submissions graded, recorded and explained, with the batch going on?

The shipped samples in course/samples/conv cover a syntax error, a missing
function, a wrong shape, NaNs, an exception, an infinite loop, a memory bomb, a
fork bomb, a segfault, a print flood, and cheating: patching numpy and
builtins, reading the caller's frames, exiting at import, printing fake
summaries, reading solutions/ from disk, writing outside its folder, and
calling torch where it is forbidden. One batch grades them all (two jobs).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from graderkit import ROOT

from autograder.engine.batch import grade_batch
from autograder.gradebook import Gradebook
from autograder.results import FAILURE_KINDS
from autograder.sandbox.isolation import bwrap_path

SAMPLES = ROOT / "course" / "samples" / "conv"
OUTSIDE = [
    Path("/tmp/dlcourse-pwned.txt"),
    ROOT / "course" / "pwned.txt",
    Path("/usr/dlcourse-pwned.txt"),
]

# student -> (expected score: "full", "zero" or "partial", phrase every failing message or some message holds)
EXPECTED = {
    "ada_loops": ("full", None),
    "uma_zip": ("full", None),
    "bo_partial": ("partial", "NotImplementedError"),
    "cy_syntax_error": ("zero", "SyntaxError: expected ':' (conv.py, line 4)"),
    "dee_missing_function": ("partial", "conv.py has no 'conv_forward'"),
    "eli_wrong_shape": ("zero-ish", "wrong shape: expected"),
    "fay_nans": ("zero-ish", "contains NaN"),
    "gus_exception": ("zero", "IndexError: tuple index out of range"),
    "hal_infinite_loop": ("partial", "did not finish within 5 s"),
    "ivy_memory_bomb": ("zero", "MemoryError"),
    "jon_fork_bomb": ("zero", None),
    "kai_segfault": ("zero", "SIGSEGV"),
    "lea_print_flood": ("zero", "the output limit was reached"),
    "max_patches_numpy": ("zero", None),
    "ned_reads_frames": ("zero", "wrong shape"),
    "ola_exit_at_import": ("zero", "the code called exit(0)"),
    "pia_os_exit": ("zero", "exited with status 0"),
    "quin_fake_summary": ("zero", "got None"),
    "rex_reads_solutions": ("zero", "could not find the reference solution anywhere"),
    "sam_writes_outside": ("zero", "PermissionError"),
    "tia_uses_torch": ("zero", "importing 'torch' is not allowed"),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    for path in OUTSIDE:
        assert not path.exists(), f"{path} exists before the test"
    out = tmp_path_factory.mktemp("hostile")
    report = grade_batch("conv", [SAMPLES], out, jobs=2, root=ROOT)
    return out, report


def results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


def test_every_submission_is_recorded(batch):
    """Does every sample get a results.json, a grades.csv row and a gradebook row?"""
    out, report = batch
    found = results(out)
    assert set(found) == set(EXPECTED)
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert sorted(r["student"] for r in rows) == sorted(EXPECTED)
    book = Gradebook(f"sqlite:///{out / 'gradebook.sqlite'}")
    assert sorted(r["student"] for r in book.rows("conv")) == sorted(EXPECTED)
    assert report.graded == len(EXPECTED)
    for data in found.values():
        assert data["extra_data"]["status"] == "graded"
        assert len(data["tests"]) > 0


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_sample_is_scored_and_explained(batch, student):
    """Does each sample earn exactly what it computed, with a message that says why?"""
    out, _ = batch
    data = results(out)[student]
    kind, phrase = EXPECTED[student]
    score, top = data["score"], data["extra_data"]["max_score"]
    if kind == "full":
        assert score == top, [t["output"] for t in data["tests"] if t["status"] != "passed"][:2]
    elif kind == "zero":
        assert score == 0
    elif kind == "zero-ish":
        assert score <= 0.05 * top
    else:
        assert 0 < score < top
    failing = [t["output"] for t in data["tests"] if t["status"] != "passed"]
    for message in failing:
        assert message.strip(), "a failing check without an explanation"
    if phrase:
        assert any(phrase in m for m in failing), failing[:3]


# student -> the failure kind its failing checks carry (set where the failure is known)
KINDS = {
    "cy_syntax_error": "import",
    "dee_missing_function": "missing_function",
    "eli_wrong_shape": "shape",
    "fay_nans": "nan",
    "gus_exception": "exception",
    "hal_infinite_loop": "timeout",
    "ivy_memory_bomb": "memory",
    "jon_fork_bomb": "process_limit",
    "kai_segfault": "crash",
    "lea_print_flood": "output_flood",
    "ola_exit_at_import": "import",
    "quin_fake_summary": "type",
    "tia_uses_torch": "import",
}


@pytest.mark.parametrize("student", sorted(KINDS))
def test_failure_kinds_travel_as_data(batch, student):
    """Does each failing check say what kind of failure it was, as data, not prose?"""
    out, _ = batch
    tests = results(out)[student]["tests"]
    kinds = {t["extra_data"]["kind"] for t in tests if t["status"] != "passed"}
    assert KINDS[student] in kinds, kinds
    assert kinds <= set(FAILURE_KINDS), kinds
    assert all(t["extra_data"]["kind"] == "" for t in tests if t["status"] == "passed")


def test_cheats_are_flagged_for_the_instructor(batch):
    """Are frame inspection, builtins patching, exits and forbidden imports noted for review?"""
    out, _ = batch
    found = results(out)
    notes = {s: " ".join(d["extra_data"]["integrity_notes"]) for s, d in found.items()}
    assert "frames" in notes["ned_reads_frames"]
    assert "builtins" in notes["max_patches_numpy"]
    assert "ends the process" in notes["pia_os_exit"]
    assert "torch" in notes["tia_uses_torch"]
    assert notes["ada_loops"] == ""


def test_nothing_was_written_outside(batch):
    """Did the submission that writes files leave no trace on the grader's machine?"""
    out, _ = batch
    for path in OUTSIDE:
        assert not path.exists(), f"a submission wrote {path}"
    assert not (out / "results.json").exists()
    assert not (SAMPLES / "results.json").exists()


def test_isolation_is_recorded(batch):
    """Does every result say which isolation was in force?"""
    out, _ = batch
    for data in results(out).values():
        assert data["extra_data"]["isolation"]
    if os.environ.get("CI"):
        assert bwrap_path(), "CI must grade with bubblewrap (.ci/setup installs it)"


def test_batch_resumes_without_regrading(batch):
    """Does a second run reuse every unchanged result instead of grading again?"""
    out, _ = batch
    before = {s: d["score"] for s, d in results(out).items()}
    report = grade_batch("conv", [SAMPLES], out, jobs=2, root=ROOT)
    assert report.graded == 0 and report.reused == len(EXPECTED)
    assert {r.student: r.score for r in report.results} == before
