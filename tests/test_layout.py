"""Does the package keep its layers: the sandbox alone, the kit below the engine, checks on the kit?"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from autograder.checkkit import OracleMissing, RecordingOracle, ReplayOracle
from autograder.paths import PACKAGE_DIR


def autograder_imports(path: Path) -> set[str]:
    """The autograder.* modules a file imports (at any depth of its body)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(n for n in names if n == "autograder" or n.startswith("autograder."))
    return found


def files(folder: str) -> list[Path]:
    return sorted((PACKAGE_DIR / folder).glob("*.py"))


# the grader side, what runs inside the sandbox, and the launchers
SANDBOX = [*files("sandbox"), *files("sandbox/inside"), *files("sandbox/launch")]


def test_the_sandbox_layout_has_its_three_parts():
    """Are the grader side, the inside and the launchers all found (so none goes unchecked)?"""
    folders = {path.parent.name for path in SANDBOX}
    assert folders == {"sandbox", "inside", "launch"}, folders


@pytest.mark.parametrize(
    "path",
    SANDBOX,
    ids=lambda p: p.name if p.parent.name == "sandbox" else f"{p.parent.name}/{p.name}",
)
def test_the_sandbox_imports_nothing_of_the_grader(path):
    """Is the trust boundary self-contained (no kit, no engine behind it)?"""
    outside = {m for m in autograder_imports(path) if not m.startswith("autograder.sandbox")}
    assert not outside, outside


@pytest.mark.parametrize("path", files("sandbox/inside"), ids=lambda p: p.name)
def test_what_runs_inside_imports_nothing_of_the_package(path):
    """Does the runtime (copied alone into the sandbox) import no autograder module at all?"""
    assert autograder_imports(path) == set()


@pytest.mark.parametrize("path", files("checkkit"), ids=lambda p: p.name)
def test_the_kit_sits_below_the_engine(path):
    """Does the check authors' kit import only itself, the sandbox, paths and messages?"""
    allowed = (
        "autograder.checkkit",
        "autograder.sandbox",
        "autograder.paths",
        "autograder.messages",
    )
    outside = {m for m in autograder_imports(path) if not m.startswith(allowed)}
    assert not outside, outside


@pytest.mark.parametrize(
    "path",
    sorted((PACKAGE_DIR / "checks").glob("*/*.py")),
    ids=lambda p: p.parent.name + "/" + p.name,
)
def test_checks_import_only_the_kit_and_their_own_folder(path):
    """Does a check module reach the grader only through autograder.checkkit?"""
    own = f"autograder.checks.{path.parent.name}"
    allowed = ("autograder.checkkit", own)
    outside = {m for m in autograder_imports(path) if not m.startswith(allowed)}
    assert not outside, outside


ENGINE = [*files("."), *SANDBOX, *files("checkkit")]


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_engine_modules_stay_small(path):
    """Does each engine module stay small enough to read in one sitting (about 400 lines)?"""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 420


def test_recorded_answers_replay_and_unrecorded_ones_are_refused(tmp_path):
    """Does a ReplayOracle give back what a RecordingOracle saw, and refuse anything else?"""
    x = np.array([[-1.0, 0.5], [2.0, -0.25]])
    recorder = RecordingOracle("basics")
    want = recorder.forward("relu_forward", x)
    mistakes = recorder.candidates("relu_backward", "relu_forward", x)
    assert len(mistakes) > 0  # recorded at once, so the bundle can replay them
    store = tmp_path / "answers.bin"
    recorder.save(store)
    replay = ReplayOracle("basics", store)
    np.testing.assert_array_equal(replay.forward("relu_forward", x), want)
    assert replay.mistakes("relu_backward") == recorder.mistakes("relu_backward")
    assert dict(replay.candidates("relu_backward", "relu_forward", x)).keys() == mistakes.keys()
    with pytest.raises(OracleMissing):
        replay.forward("relu_forward", 2 * x)
    with pytest.raises(OracleMissing):
        ReplayOracle("basics", tmp_path / "missing.bin")
