"""Does the student bundle work without solutions, and does it leak nothing?"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from graderkit import ROOT, mutant_folder

from autograder.checks.conv.private.mistakes import MISTAKES
from autograder.config import load_course
from autograder.release.bundle import build_bundle, verify_bundle

COURSE = load_course(ROOT)
ASSIGNMENTS = [a for a in COURSE.assignments if (ROOT / "solutions" / a).is_dir()]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "course"
    report = build_bundle(COURSE, out, ASSIGNMENTS)
    return out, report


def run_check(bundle_dir, *args, assignment="conv"):
    env = {**os.environ, "PYTHONPATH": str(bundle_dir), "DLCOURSE_ROOT": str(bundle_dir)}
    code = "import autograder, sys; assert autograder.__file__.startswith(sys.argv[1]); from autograder.cli import main; main(sys.argv[2:])"
    return subprocess.run(
        [sys.executable, "-c", code, str(bundle_dir), "check", assignment, "--json", *map(str, args)],
        cwd=bundle_dir, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_bundle_holds_no_private_material(bundle):
    """Are solutions, hidden checks and mistake specs absent, and is that verified?"""
    out, report = bundle
    assert not (out / "solutions").exists()
    assert not list(out.rglob("test_hidden*.py"))
    assert not list(out.rglob("mistakes.py"))
    assert (out / "autograder" / "checks" / "conv" / "test_public.py").is_file()
    assert (out / "autograder" / "checks" / "conv" / "public_oracle.bin").is_file()
    assert (out / "assignments" / "conv" / "conv.py").is_file()
    assert any(line.startswith("verified:") for line in report)
    assert verify_bundle(COURSE, out) == []


def test_leak_detector_catches_a_solution_line(bundle, tmp_path):
    """Would a single solution line copied into the bundle be caught?"""
    out, _ = bundle
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    line = "dx = dxp[:, :, pad : pad + H, pad : pad + W]"
    (copy / "assignments" / "conv" / "notes.py").write_text(f"# {line}\n")
    problems = verify_bundle(COURSE, copy)
    assert any("notes.py" in p for p in problems)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_public_checks_pass_in_the_bundle_with_the_reference(bundle, tmp_path, assignment):
    """With no solutions/ present, do the replayed public checks give the reference full marks?"""
    out, _ = bundle
    for module in (ROOT / "solutions" / assignment).glob("*.py"):
        shutil.copy(module, tmp_path / module.name)
    result = run_check(out, "--path", tmp_path, assignment=assignment)
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    data = json.loads(result.stdout)
    assert data["score"] == data["extra_data"]["max_score"] > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stub_fails_in_the_bundle(bundle, assignment):
    """Does the bundle's own stub score zero on the public checks?"""
    out, _ = bundle
    result = run_check(out, assignment=assignment)
    assert result.returncode == 1
    assert json.loads(result.stdout)["score"] == 0


def test_quizzes_ship_without_keys(bundle):
    """Do the quiz banks reach the bundle, with no key in clear?"""
    out, _ = bundle
    banks = sorted((out / "course" / "quizzes").glob("*.yaml"))
    assert banks
    for bank in banks:
        assert "correct: true" not in bank.read_text(encoding="utf-8")


def test_mistakes_are_named_in_the_bundle(bundle):
    """Are known mistakes still named from the recorded answers, without the mistake specs?"""
    out, _ = bundle
    mistake = next(m for m in MISTAKES if m.name == "flipped_kernel")
    result = run_check(out, "--path", mutant_folder("conv", mistake))
    data = json.loads(result.stdout)
    assert result.returncode == 1
    assert any(t["extra_data"]["diagnosis"] == "flipped_kernel" for t in data["tests"])


def test_korean_feedback_ships_without_hidden_texts(bundle):
    """Does the bundle explain failures in Korean, with the public Korean texts only?"""
    out, _ = bundle
    assert not list(out.rglob("private")) and not list(out.rglob("ko_*.toml"))
    for assignment in ASSIGNMENTS:
        if (ROOT / "autograder" / "checks" / assignment / "test_public.py").is_file():
            catalog = out / "autograder" / "checks" / assignment / "locale" / "ko" / "LC_MESSAGES"
            assert (catalog / "checks.mo").is_file()
    mistake = next(m for m in MISTAKES if m.name == "flipped_kernel")
    result = run_check(out, "--lang", "ko", "--path", mutant_folder("conv", mistake))
    data = json.loads(result.stdout)
    assert result.returncode == 1
    named = [t for t in data["tests"] if t["extra_data"]["diagnosis"] == "flipped_kernel"]
    assert named and all("흔한 실수로 보입니다 (flipped_kernel: " in t["output"] for t in named)
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in t["name"]) for t in data["tests"])


def test_bundle_carries_both_languages(bundle):
    """Does every assignment reach students with its English and Korean README and notebook?"""
    out, _ = bundle
    for assignment in ASSIGNMENTS:
        folder = out / "assignments" / assignment
        source = ROOT / "solutions" / assignment
        if (source / "README.md").is_file():
            assert (folder / "README.md").is_file() and (folder / "README.ko.md").is_file()
        for notebook in source.glob("*.ipynb"):
            assert (folder / notebook.name).is_file(), notebook.name
            assert (folder / f"{notebook.stem}.ko.ipynb").is_file(), notebook.name
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "README.ko.md" in readme and "ID.ko.ipynb" in readme


def test_hints_work_from_the_bundle(bundle):
    """Does `dlcourse hint` give the ladder in a bundle (its hints.toml, its course.toml)?"""
    out, _ = bundle
    env = {**os.environ, "PYTHONPATH": str(out), "DLCOURSE_ROOT": str(out)}
    code = "import sys; from autograder.cli import main; main(sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, "hint", "conv", "conv_backward", "--lang", "ko"],
        cwd=out, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "conv_backward: 힌트 1/4" in done.stdout
    assert (out / ".dlcourse" / "hints" / "conv.json").is_file()
