"""A sandboxed process joins its cgroup itself, before anything of it runs (issue 24).

The worker (and a zygote) used to join its cgroups between fork and exec, and
`subprocess.Popen` returns only once its child has exec'd: the grader waited
~10-20 ms for the kernel's first cgroup move. Now the child's command line
starts with a shell that moves itself into every cgroup and then execs the
launcher (`Cgroup.joined_first`). These tests ask whether that keeps the
guarantee: every process of the tree is in every cgroup, from the command's
first instruction on, and a folder that refuses it changes nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox.host import Worker
from autograder.sandbox.limits import Cgroup, Limits, cgroups_available, confine

pytestmark = pytest.mark.skipif(not cgroups_available(), reason="needs cgroups the grader may make")

# the command reads its own cgroups first thing
READ_OWN = [sys.executable, "-I", "-c", "print(open('/proc/self/cgroup').read())"]


def _folders(folders: list[Path]) -> set[tuple[str, str]]:
    """(controller, cgroup) of each cgroup folder; the controller is "" under cgroups v2."""
    root = Path("/sys/fs/cgroup")
    return {("" if f.parent == root else f.parent.name, "/" + f.name) for f in folders}


def _joined(cgroup_file: str) -> set[tuple[str, str]]:
    """(controller, cgroup) pairs of a /proc/PID/cgroup text."""
    pairs = set()
    for line in filter(None, cgroup_file.splitlines()):
        _, controllers, path = line.split(":", 2)
        pairs |= {(c.removeprefix("name="), path) for c in controllers.split(",")}
    return pairs


def _tree(pid: int) -> set[int]:
    """`pid` and every process under it."""
    found = {pid}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found |= _tree(int(child))
    return found


def test_the_command_is_in_every_cgroup_from_its_first_instruction():
    """Does the command, reading its own cgroups before anything else, find itself in them?"""
    cgroup = Cgroup(Limits())
    try:
        assert cgroup.dirs
        out = subprocess.run(cgroup.joined_first(READ_OWN), capture_output=True, text=True)
        assert out.returncode == 0 and out.stderr == ""
        assert _folders(cgroup.dirs) <= _joined(out.stdout)
    finally:
        cgroup.remove()


def test_confine_hands_over_a_command_that_joins():
    """Does `confine` give the command line that joins, with the preexec of the rlimits?"""
    check = "import resource; print(resource.getrlimit(7)); print(open('/proc/self/cgroup').read())"
    cgroup, command, preexec = confine([sys.executable, "-I", "-c", check], Limits(open_files=64))
    try:
        assert cgroup is not None
        out = subprocess.run(command, capture_output=True, text=True, preexec_fn=preexec)
        nofile, cgroups = out.stdout.split("\n", 1)
        assert nofile == "(64, 64)"  # RLIMIT_NOFILE, set by the preexec
        assert _folders(cgroup.dirs) <= _joined(cgroups)
    finally:
        cgroup.remove()


def test_a_folder_that_refuses_leaves_no_trace_and_the_command_runs():
    """When a cgroup cannot be joined (gone), does the command still run, silently, as before?"""
    cgroup = Cgroup(Limits())
    gone = cgroup.dirs[0]
    gone.rmdir()
    try:
        out = subprocess.run(cgroup.joined_first(READ_OWN), capture_output=True, text=True)
        assert out.returncode == 0 and out.stderr == ""
        joined = _joined(out.stdout)
        assert _folders(cgroup.dirs[1:]) <= joined
        assert not _folders([gone]) & joined
    finally:
        cgroup.dirs = cgroup.dirs[1:]
        cgroup.remove()


def test_no_cgroup_no_shell():
    """Where no cgroup could be made, is the command left as it is?"""
    cgroup = Cgroup(Limits())
    cgroup.remove()
    assert cgroup.joined_first(READ_OWN) == READ_OWN


def test_a_workers_whole_process_tree_is_in_its_cgroups(tmp_path):
    """Are the launcher and the interpreter under it in every cgroup of a started worker?"""
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "conv.py").write_text("X = 1\n")
    worker = Worker(folder, limits=Limits())
    try:
        worker._start_cold()  # a cold worker: its own launcher, cgroup and interpreter
        worker.request({"op": "import", "modules": ["conv"]}, 30.0)  # its Python is up
        tree = _tree(worker.proc.pid)
        assert len(tree) >= (2 if worker.launcher.name == "bubblewrap" else 1)
        for cgroup_folder in worker.cgroup.dirs:
            members = {int(p) for p in (cgroup_folder / "cgroup.procs").read_text().split()}
            assert tree <= members, cgroup_folder
        assert os.path.basename(Path(f"/proc/{worker.proc.pid}/exe").resolve()) != "sh"
    finally:
        worker.close()
