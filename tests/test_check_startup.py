"""What `dlcourse check` skips at start-up changes nothing a check sees (issue 24).

- pytest's own plugins the grader blocks (`pytest_api.UNUSED_PLUGINS`) and its
  assertion rewriting, which it switches off: the grader's session collects
  exactly the checks a default pytest collects, with the same ids, points,
  tasks and visibility, for every assignment;
- no check module holds a bare `assert` (the only statement rewriting would
  have explained), so a failure reads the same without it.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from autograder import paths
from autograder.config import load_course
from autograder.engine import catalog, pytest_api, runner
from autograder.engine.catalog import collect, describe
from autograder.engine.plugin import GradingContext

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(load_course(ROOT).assignments)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_grader_collects_what_a_default_pytest_collects(assignment):
    """With the unused plugins blocked and no rewriting, are the same checks collected?"""
    want = sorted(collect([assignment]), key=lambda c: c.check_id)
    ctx = GradingContext(
        assignment=assignment,
        submission=None,  # type: ignore[arg-type] - collection asks nothing of it
        oracle=None,  # type: ignore[arg-type]
        seed=1,
        include_hidden=True,
        timeout_s=5.0,
    )
    session = runner.CheckSession(catalog.check_files(assignment, include_hidden=True), ctx)
    try:
        got = sorted((describe(item) for item in session.items), key=lambda c: c.check_id)
        assert session.usable and session.direct
    finally:
        session.close()
    assert got == want
    assert any(c.hidden for c in got) and any(not c.hidden for c in got)


def test_no_check_module_relies_on_assertion_rewriting():
    """Does every check say why it failed itself (CheckFailure), never by a bare assert?"""
    modules = sorted(paths.CHECKS_DIR.rglob("test_*.py"))
    assert len(modules) >= len(ASSIGNMENTS)
    bare = [
        f"{path.relative_to(paths.CHECKS_DIR)}:{node.lineno}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert bare == []


def test_the_blocked_plugins_are_not_loaded():
    """Are pytest's unused plugins really absent from the grader's session?"""
    ctx = GradingContext(
        assignment="conv",
        submission=None,  # type: ignore[arg-type]
        oracle=None,  # type: ignore[arg-type]
        seed=1,
        include_hidden=False,
        timeout_s=5.0,
    )
    session = runner.CheckSession(catalog.check_files("conv", include_hidden=False), ctx)
    try:
        manager = session.config.pluginmanager
        assert [name for name in pytest_api.UNUSED_PLUGINS if manager.has_plugin(name)] == []
        assert all(manager.is_blocked(name) for name in pytest_api.UNUSED_PLUGINS)
        assert all(manager.has_plugin(name) for name in ("python", "fixtures", "skipping", "mark"))
        assert session.config.getoption("assertmode") == "plain"
    finally:
        session.close()


def test_the_grader_runs_its_numerics_on_one_thread_unless_told_otherwise(monkeypatch):
    """Does a dlcourse command give BLAS and OpenMP one thread, keeping what the user set?"""
    from click.testing import CliRunner

    from autograder.cli import main
    from autograder.engine.threads import THREAD_VARIABLES

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    result = CliRunner().invoke(main, ["check", "no-such-assignment"])
    assert result.exit_code == 2  # an unknown assignment: the group's callback ran first
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "4"


def test_hints_are_read_only_when_a_check_fails(monkeypatch):
    """Does a failing self-check still offer the hint ladders, and a passing one skip reading them?"""
    from click.testing import CliRunner

    import autograder.release.hints as hints
    from autograder.cli import main

    read: list[str] = []
    real = hints.hinted_tasks

    def counting(assignment, **kwargs):
        read.append(assignment)
        return real(assignment, **kwargs)

    monkeypatch.setattr(hints, "hinted_tasks", counting)
    runner_ = CliRunner()
    stub = runner_.invoke(main, ["check", "conv", "--path", str(ROOT / "assignments" / "conv")])
    assert stub.exit_code == 1
    assert "dlcourse hint conv" in " ".join(stub.output.split())
    assert read == ["conv"]
    solved = runner_.invoke(main, ["check", "conv", "--path", str(ROOT / "solutions" / "conv")])
    assert solved.exit_code == 0, solved.output
    assert read == ["conv"]  # not read again for a check that passes


def test_a_check_in_its_own_process_exits_clean(tmp_path):
    """Run as a command, does check print all, exit with its status and leave nothing behind
    (its worker's temporary folders and cgroups), though it skips the interpreter's teardown?"""
    import subprocess
    import sys

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "DLCOURSE_ROOT": str(ROOT)}
    for folder, status in (("solutions", 0), ("assignments", 1)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", "check", "conv", "--path",
             str(ROOT / folder / "conv")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
        )  # fmt: skip
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == status, err
        assert "public checks pass" in out  # the last lines were flushed
        assert list(scratch.iterdir()) == []
        cgroups = Path("/sys/fs/cgroup")
        assert not list(cgroups.glob(f"*/dlcourse-{proc.pid}-*"))
        assert not list(cgroups.glob(f"dlcourse-{proc.pid}-*"))


def _digest(result):
    return [(t.nodeid, t.score, t.status, t.output, t.diagnosis, t.kind) for t in result.tests]


@pytest.mark.parametrize(
    "assignment, folder",
    [
        ("conv", "solutions"),
        ("conv", "assignments"),
        ("conv", "mutant"),
        ("transformer", "solutions"),
        ("transformer", "mutant"),
    ],
)
def test_a_self_check_gives_what_grading_without_an_early_worker_gives(
    assignment, folder, monkeypatch
):
    """Is a self-check whose worker started early (cold) graded as grading grades it with a
    zygote's worker (every check's score, message, diagnosis and kind), for the reference,
    the stub and a known mistake, numpy and torch?"""
    import importlib

    from graderkit import mutant_folder

    from autograder.engine import commands
    from autograder.engine.grading import grade_submission
    from autograder.intake.staging import stage
    from autograder.sandbox import early

    if folder == "mutant":
        module = f"autograder.checks.{assignment}.private.mistakes"
        path = mutant_folder(assignment, importlib.import_module(module).MISTAKES[0])
    else:
        path = ROOT / folder / assignment
    started: list[int] = []
    real_start = early.start
    monkeypatch.setattr(early, "start", lambda *a, **k: (started.append(1), real_start(*a, **k)))
    checked = commands.self_check(assignment, path=path, root=ROOT, one_shot=True)
    assert started == [1] and early._STARTED == {}  # started early, then taken over
    course = load_course(ROOT)
    plain = grade_submission(  # what grading gives (no worker started early there)
        stage(path.name, path, course.assignment(assignment)),
        assignment,
        include_hidden=False,
        course=course,
    )
    assert _digest(checked.result) == _digest(plain)
    assert checked.result.score == plain.score


def test_a_pools_grading_processes_start_with_the_engine_imported(tmp_path):
    """Does a torch assignment's grading process find the engine and torch imported by its
    forkserver (imported once for the pool, not once per process)?"""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from autograder.engine.pool import preload_for, process_pool\n"
        "def imported():\n"
        "    return [m in sys.modules for m in ('autograder.engine.grading', 'torch', 'pytest')]\n"
        "if __name__ == '__main__':\n"
        "    with process_pool(1, preload=preload_for(True)) as pool:\n"
        "        print(pool.submit(imported).result())\n"
    )
    (tmp_path / "pool_probe.py").write_text(script)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "pool_probe.py")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[True,", "True,", "True]"]


def test_a_long_lived_process_checks_with_its_zygote(monkeypatch):
    """Outside a one-shot command (a notebook kernel checking again and again), does
    self_check start no worker early and fork its workers from the one zygote it keeps?"""
    from autograder.engine import commands
    from autograder.sandbox import early, warm
    from autograder.sandbox.isolation import bwrap_path

    if not bwrap_path():
        pytest.skip("warm workers need bubblewrap")
    monkeypatch.setenv("DLCOURSE_WARM", "1")
    warm.close_all()
    monkeypatch.setattr(early, "start", lambda *a, **k: pytest.fail("started early"))
    zygotes = []
    try:
        for _ in range(2):
            checked = commands.self_check("conv", path=ROOT / "solutions" / "conv", root=ROOT)
            assert checked.ok
            zygotes.append(list(warm._ZYGOTES.values()))
        assert len(zygotes[0]) == 1 and zygotes[1] == zygotes[0]  # one zygote, reused
    finally:
        warm.close_all()


def test_a_check_under_clirunner_leaves_the_collector_on():
    """Run in-process (CliRunner, a notebook), does check leave the cyclic GC as it was?"""
    import gc

    from click.testing import CliRunner

    from autograder.cli import main

    assert gc.isenabled()
    result = CliRunner().invoke(main, ["check", "conv", "--path", str(ROOT / "solutions" / "conv")])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
