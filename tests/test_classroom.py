"""Does `dlcourse export classroom` write a repository whose workflow grades like Classroom would?

The workflow's commands run here as GitHub's autograding-command-grader runs
them: through the shell, in the repository's folder, with only PATH and HOME
set, a command's exit status 0 earning its max-score. `dlcourse` and `python`
on that PATH run the written folder's own package (what `pip install --no-deps
-e .` gives on GitHub): the course's package and its hidden checks are not
used.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from autograder.cli import main
from autograder.config import load_course
from autograder.engine.catalog import collect
from autograder.platforms.classroom import task as classroom_task
from autograder.platforms.classroom.export import (
    COMMAND_GRADER,
    REPORTER,
    WORKFLOW,
    ClassroomTest,
    requirements,
    setup_script,
    step_ids,
    whole_points,
)
from autograder.platforms.classroom.readme import student_readme
from autograder.release.bundle import verify_bundle

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "conv"


def public_points() -> dict[str, float]:
    points: dict[str, float] = {}
    for check in collect([ASSIGNMENT]):
        if not check.hidden:
            points[check.task] = points.get(check.task, 0.0) + check.points
    return points


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("classroom") / "repo"
    result = CliRunner().invoke(main, ["export", "classroom", ASSIGNMENT, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    return out


def steps(repo: Path) -> list[dict]:
    workflow = yaml.safe_load((repo / WORKFLOW).read_text())
    return workflow["jobs"]["run-autograding-tests"]["steps"]


def graders(repo: Path) -> list[dict]:
    return [s for s in steps(repo) if s.get("uses") == COMMAND_GRADER]


def run_like_the_action(repo: Path, command: str, home: Path) -> subprocess.CompletedProcess:
    """The command as autograding-command-grader runs it: sh, the repository, PATH and HOME only."""
    shims = home / "bin"
    if not shims.is_dir():
        shims.mkdir(parents=True)
        for name, target in (("dlcourse", "-m autograder.cli "), ("python", "")):
            shim = shims / name
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {target}"$@"\n')
            shim.chmod(0o755)
    env = {"PATH": f"{shims}:/usr/bin:/bin", "HOME": str(home), "FORCE_COLOR": "true"}
    return subprocess.run(
        command, shell=True, cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )


def points_earned(repo: Path, home: Path) -> tuple[dict[str, int], dict[str, str]]:
    """({test name: points the action would give}, {test name: its log})."""
    earned, logs = {}, {}
    for step in graders(repo):
        done = run_like_the_action(repo, step["with"]["command"], home)
        earned[step["with"]["test-name"]] = step["with"]["max-score"] if done.returncode == 0 else 0
        logs[step["with"]["test-name"]] = done.stdout + done.stderr
    return earned, logs


# ---------------------------------------------------------------------------
# The workflow
# ---------------------------------------------------------------------------
def test_one_autograding_test_per_task_with_its_public_points(exported):
    """Is there one command-grader test per task of the public checks, worth its public points?"""
    tests = graders(exported)
    points = public_points()
    assert [t["with"]["test-name"] for t in tests] == list(points)
    assert {t["with"]["test-name"]: t["with"]["max-score"] for t in tests} == points
    for test in tests:
        assert test["with"]["command"] == (
            f"dlcourse check {ASSIGNMENT} --json | "
            f"python -m autograder.platforms.classroom.task {test['with']['test-name']}"
        )
        assert re.fullmatch(r"[a-z][a-z0-9-]*", test["id"])
        assert 1 <= test["with"]["timeout"] <= 360


def test_the_reporter_collects_every_test(exported):
    """Does the final reporter step name every test's id and read each one's result?"""
    reporter = steps(exported)[-1]
    assert reporter["uses"] == REPORTER
    ids = [t["id"] for t in graders(exported)]
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {
        f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}" for i in ids
    }


def test_the_set_up_installs_the_written_package_before_the_tests(exported):
    """Is Python set up and the repository's own package installed before the first test?"""
    names = [s.get("uses", "run") for s in steps(exported)]
    first = names.index(COMMAND_GRADER)
    assert names[:first] == ["actions/checkout@v4", "actions/setup-python@v5", "run"]
    setup = steps(exported)[2]["run"]
    assert setup.strip().endswith("python -m pip install --no-deps -e .")
    assert "-r requirements.txt" in setup and "torch" not in setup  # conv is numpy only
    assert "torch" not in (exported / "requirements.txt").read_text()


def test_torch_assignments_install_the_cpu_build():
    """Does a torch assignment's set-up install torch from the CPU index, first?"""
    setup = setup_script(
        torch=True, torch_index_url="https://download.pytorch.org/whl/cpu", constraints=True
    )
    lines = setup.splitlines()
    torch_line = next(i for i, line in enumerate(lines) if line.endswith(" torch"))
    assert "--index-url https://download.pytorch.org/whl/cpu" in lines[torch_line]
    assert torch_line < next(i for i, line in enumerate(lines) if "requirements.txt" in line)
    assert any(r.startswith("torch") for r in requirements(ROOT, torch=True))
    assert not any(r.startswith("torch") for r in requirements(ROOT, torch=False))


# ---------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------
@pytest.mark.slow
def test_the_reference_earns_every_task_its_points(exported, tmp_path):
    """With the reference in the student's file, does every test pass and earn its points?"""
    repo = tmp_path / "repo"
    shutil.copytree(exported, repo)
    shutil.copy(
        ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.py", repo / "assignments" / ASSIGNMENT
    )
    earned, logs = points_earned(repo, tmp_path)
    assert earned == public_points(), logs
    for task, log in logs.items():
        points = f"{public_points()[task]:g}"
        assert f"{task}: " in log and f"earns {points} / {points} points" in log
        assert f"{points} / {points}점" in log  # and in Korean


@pytest.mark.slow
def test_the_stub_earns_nothing(exported, tmp_path):
    """With the released stub, does every test fail (no points), saying why?"""
    repo = tmp_path / "repo"
    shutil.copytree(exported, repo)
    earned, logs = points_earned(repo, tmp_path)
    assert set(earned) == set(public_points())
    assert set(earned.values()) == {0}, logs
    for log in logs.values():
        assert "NotImplementedError" in log and "FAIL" in log


def test_the_checks_run_from_the_written_package(exported, tmp_path):
    """Do the commands import the repository's package, not the course's (which has hidden checks)?"""
    done = run_like_the_action(
        exported, "python -c 'import autograder; print(autograder.__file__)'", tmp_path
    )
    assert Path(done.stdout.strip()) == exported / "autograder" / "__init__.py"


# ---------------------------------------------------------------------------
# What goes in
# ---------------------------------------------------------------------------
def test_no_hidden_check_goes_in(exported):
    """Are the hidden checks, mistake specs and solutions absent, the public checks present?"""
    files = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    checks = f"autograder/checks/{ASSIGNMENT}"
    assert f"{checks}/test_public.py" in files and f"{checks}/public_oracle.bin" in files
    assert not [f for f in files if "/private/" in f or f.startswith("solutions/")]
    assert not [f for f in files if Path(f).name.startswith("test_hidden")]
    assert not [f for f in files if Path(f).name == "mistakes.py"]
    public = "\n".join(p.read_text() for p in (ROOT / checks).glob("*.py"))
    hidden_only = {
        line.strip()
        for path in (ROOT / checks / "private").glob("*.py")
        for line in path.read_text().splitlines()
        if len(line.strip()) >= 30 and line.strip() not in public
    }
    assert len(hidden_only) > 20
    texts = "\n".join(
        p.read_text(errors="ignore")
        for p in exported.rglob("*")
        if p.is_file() and p.suffix not in (".bin", ".mo")
    )
    assert not [line for line in hidden_only if line in texts]
    assert verify_bundle(load_course(), exported) == []


def test_the_student_gets_the_assignment_files(exported):
    """Are the stub, both READMEs, both notebooks and the hints there, as released?"""
    released = ROOT / "assignments" / ASSIGNMENT
    for name in (f"{ASSIGNMENT}.py", "README.md", "README.ko.md", f"{ASSIGNMENT}.ipynb",
                 f"{ASSIGNMENT}.ko.ipynb", "hints.toml"):  # fmt: skip
        assert (exported / "assignments" / ASSIGNMENT / name).read_bytes() == (
            released / name
        ).read_bytes(), name
    assert ".venv/" in (exported / ".gitignore").read_text()


def test_the_student_readme_speaks_english_and_korean(exported):
    """Does the README explain the work, the self-check and the points in both languages?"""
    text = (exported / "README.md").read_text()
    english, korean = text.split("## 한국어")
    for part, check in ((english, f"dlcourse check {ASSIGNMENT}\n"), (korean, "--lang ko")):
        assert check in part
        assert f"assignments/{ASSIGNMENT}/{ASSIGNMENT}.py" in part
        for task, points in public_points().items():
            assert f"| `{task}` | {points:g} |" in part
    assert "hidden checks" in english and "숨은 검사" in korean
    assert re.search(r"[가-힣]", english) is not None  # the link to the Korean part only
    assert "README.ko.md" in korean and f"{ASSIGNMENT}.ko.ipynb" in korean


def test_an_existing_folder_is_never_overwritten(tmp_path):
    """Does the export refuse a folder that holds something (exit 2, the file kept)?"""
    out = tmp_path / "repo"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["export", "classroom", ASSIGNMENT, "--out", str(out)])
    assert result.exit_code == 2 and "not an empty folder" in result.output
    assert (out / "keep.txt").read_text() == "mine"


# ---------------------------------------------------------------------------
# Pieces
# ---------------------------------------------------------------------------
def test_fractional_points_become_whole_on_github():
    """Are half points doubled (Classroom counts whole points), and does the README say so?"""
    assert whole_points({"a": 3.0, "b": 1.5}) == 2
    assert whole_points({"a": 3.0, "b": 4.0}) == 1
    assert whole_points({"a": 1 / 3}) == 3
    tests = [ClassroomTest("a", "a", 3.0, 6, ""), ClassroomTest("b", "b", 1.5, 3, "")]
    spec = load_course().assignment("basics")
    text = student_readme(spec, tests, scale=2, setup="true\n")
    assert "2 times these points (9 in all)" in text and "2배입니다 (합계 9점)" in text


def test_step_ids_are_unique_and_valid():
    """Do tasks like Class.method and near-duplicates get distinct, valid step ids?"""
    ids = step_ids(["SGD.step", "sgd_step", "Adam.step", "2d"])
    assert ids == {"SGD.step": "sgd-step", "sgd_step": "sgd-step-2", "Adam.step": "adam-step",
                   "2d": "task-2d"}  # fmt: skip


def _results(statuses: dict[str, list[str]]) -> str:
    tests = [
        {"name": f"{task} check {i}", "score": 1.0 if s == "passed" else 0.0, "max_score": 1.0,
         "status": s, "output": "" if s == "passed" else f"{task} went wrong",
         "extra_data": {"task": task}}
        for task, all_status in statuses.items()
        for i, s in enumerate(all_status)
    ]  # fmt: skip
    return json.dumps({"tests": tests, "output": "summary"})


@pytest.mark.parametrize(
    "statuses, task, code",
    [
        ({"f": ["passed", "passed"], "g": ["failed"]}, "f", 0),
        ({"f": ["passed", "failed"], "g": ["passed"]}, "f", 1),
        ({"f": ["passed"]}, "g", 1),  # a task without checks earns nothing
    ],
)
def test_a_task_passes_only_when_all_its_checks_pass(statuses, task, code, capsys):
    """Does the task filter exit 0 exactly when the task has checks and all of them passed?"""
    assert classroom_task.main([task], stdin=io.StringIO(_results(statuses))) == code
    shown = capsys.readouterr().out
    assert shown.startswith(f"{task}: ")
    if code:
        assert "공개 검사" in shown


def test_a_check_that_printed_no_results_earns_nothing(capsys):
    """When `dlcourse check` crashed (no JSON), does the filter fail and say so in both languages?"""
    assert classroom_task.main(["f"], stdin=io.StringIO("Traceback: boom")) == 1
    shown = capsys.readouterr().out
    assert "printed no results" in shown and "결과를 출력하지 않았습니다" in shown
    assert "Traceback: boom" in shown
