"""Warm workers: a zygote's children are as fresh and as confined as cold workers.

Each test runs submissions in children of one zygote and has a later child
look for what an earlier one left: files, processes, module state,
environment, random seeds. The grader's own view (the host's /proc) checks
that nothing outlives a child and that the zygote shares no writable memory.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from autograder.sandbox import warm
from autograder.sandbox.errors import WorkerCrashed, WorkerTimeout
from autograder.sandbox.host import Worker
from autograder.sandbox.isolation import bwrap_path

pytestmark = pytest.mark.skipif(not bwrap_path(), reason="warm workers need bubblewrap")

PROBE = """
def probe(module):
    import builtins, os, sys, random
    import numpy as np
    found = {
        "tmp": sorted(os.listdir("/tmp")),
        "shm": sorted(os.listdir("/dev/shm")),
        "env": os.environ.get("DLCOURSE_LEAK"),
        "numpy_attr": hasattr(np, "leak"),
        "builtins_attr": hasattr(builtins, "leak"),
        "module": "leakmod" in sys.modules,
        "draw": float(np.random.random()),
        "py_draw": random.random(),
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    }
    with open("/proc/self/status") as handle:
        status = dict(line.split(":", 1) for line in handle.read().splitlines() if ":" in line)
    found["caps"] = [status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")]
    found["no_new_privs"] = status["NoNewPrivs"].strip()
    reachable = []
    for pid in range(1, 400):
        try:
            os.kill(pid, 0)
            reachable.append(pid)
        except ProcessLookupError:
            pass
        except PermissionError:
            reachable.append(pid)
    found["reachable"] = reachable
    refused = []
    for path in ("/sandbox/sub/x.py", "/dev/x", "/sandbox/runtime/x"):
        try:
            open(path, "w").close()
        except OSError:
            refused.append(path)
    found["refused"] = refused
    return found
"""

LEAKER = """
import builtins, os, random, subprocess, sys, types
import numpy as np

MARKER = "{marker}"
with open("/tmp/leak", "w") as handle:
    handle.write("left for the next submission")
with open("/dev/shm/leak", "w") as handle:
    handle.write("left for the next submission")
os.environ["DLCOURSE_LEAK"] = "1"
np.leak = 1
builtins.leak = 1
sys.modules["leakmod"] = types.ModuleType("leakmod")
DAEMON = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(300)", MARKER],
    start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)

def daemon_state():
    return DAEMON.pid, DAEMON.poll()


def first_draw():
    return float(np.random.random()), random.random()
"""


ROOT = Path(__file__).resolve().parents[1]
# a course cloned under /tmp is mounted there in every worker too (its venv)
COURSE_IN_TMP = [ROOT.parts[2]] if ROOT.parts[:2] == ("/", "tmp") else []


def _submission(tmp_path: Path, name: str, source: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "mod.py").write_text(source)
    return folder


def _probe(worker: Worker) -> dict:
    worker.request({"op": "define", "name": "probe", "source": PROBE}, 30)
    return worker.request({"op": "call", "target": ["harness", "probe", "mod"]}, 30)


def _host_processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                    if marker.encode() in handle.read():
                        found.append(int(entry.name))
            except OSError:
                pass
    return found


def _zygote_pid(zygote: warm.Zygote) -> int:
    """The zygote's Python process on this machine (below its bubblewrap)."""
    assert zygote.proc is not None
    todo, seen = [zygote.proc.pid], []
    while todo:
        pid = todo.pop(0)
        seen.append(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                todo += [int(p) for p in handle.read().split()]
        except OSError:
            pass
    for pid in seen:  # in tree order: bubblewrap (whose arguments name zygote.py too), then Python
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
        if b"python" in argv[0] and b"/sandbox/runtime/zygote.py" in argv:
            return pid
    raise AssertionError("no zygote process found")


@pytest.fixture
def fresh_zygotes():
    warm.close_all()
    yield
    warm.close_all()


def test_a_child_leaves_nothing_for_the_next(tmp_path, fresh_zygotes):
    marker = f"dlcourse-leak-{uuid.uuid4().hex}"
    leaker = _submission(tmp_path, "a", LEAKER.format(marker=marker))
    clean = _submission(tmp_path, "b", "X = 1\n")

    first = Worker(leaker)
    first.request({"op": "import", "modules": ["mod"]}, 30)
    assert first.zygote is not None, "bubblewrap is here, so the worker must be warm"
    zygote = first.zygote
    deadline = time.monotonic() + 5
    while not _host_processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    state = first.request({"op": "call", "target": ["attr", "mod", "daemon_state"]}, 30)
    assert _host_processes_with(marker), f"the leaker's background process should run: {state}"
    seen_by_leaker = _probe(first)
    assert seen_by_leaker["tmp"] == sorted(["leak", *COURSE_IN_TMP])
    assert seen_by_leaker["shm"] == ["leak"]
    draws = first.request({"op": "call", "target": ["attr", "mod", "first_draw"]}, 30)
    first.close()
    # the child, its daemon and everything in its pid namespace are gone
    deadline = time.monotonic() + 5
    while _host_processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _host_processes_with(marker) == []

    second = Worker(clean)
    second.request({"op": "import", "modules": ["mod"]}, 30)
    assert second.zygote is zygote, "the same zygote serves the next submission"
    seen = _probe(second)
    second.close()
    assert seen["tmp"] == COURSE_IN_TMP and seen["shm"] == []
    assert seen["env"] is None
    assert not seen["numpy_attr"] and not seen["builtins_attr"] and not seen["module"]
    # fresh random seeds: not the leaker's stream again
    assert (seen["draw"], seen["py_draw"]) != tuple(draws)


def test_a_child_is_confined(tmp_path, fresh_zygotes):
    worker = Worker(_submission(tmp_path, "a", "X = 1\n"))
    worker.request({"op": "import", "modules": ["mod"]}, 30)
    assert worker.zygote is not None
    seen = _probe(worker)
    zygote_pid = _zygote_pid(worker.zygote)
    with open(f"/proc/{zygote_pid}/maps") as handle:
        shared_writable = [
            line
            for line in handle
            if line.split()[1].startswith("rw") and line.split()[1][3] == "s"
        ]
    worker.close()
    # its own pid namespace: itself and its init, nothing of the zygote
    assert seen["reachable"] == sorted({1, seen["pid"]}), seen["reachable"]
    assert seen["ppid"] == 1
    assert all(int(mask, 16) == 0 for mask in seen["caps"]), seen["caps"]
    assert seen["no_new_privs"] == "1"
    assert sorted(seen["refused"]) == ["/dev/x", "/sandbox/runtime/x", "/sandbox/sub/x.py"]
    assert len(seen["fds"]) <= 6, seen["fds"]  # stdin/out/err, its two pipes, the listing itself
    assert shared_writable == [], "a child could write where the next child reads"


def test_a_hanging_child_takes_its_zygote_down(tmp_path, fresh_zygotes):
    hang = _submission(tmp_path, "a", "def spin():\n    while True:\n        pass\n")
    worker = Worker(hang)
    worker.request({"op": "import", "modules": ["mod"]}, 30)
    zygote = worker.zygote
    assert zygote is not None
    with pytest.raises(WorkerTimeout):
        worker.request({"op": "call", "target": ["attr", "mod", "spin"]}, 1.0)
    worker.close()
    assert not zygote.alive
    after = Worker(_submission(tmp_path, "b", "def one():\n    return 1\n"))
    after.request({"op": "import", "modules": ["mod"]}, 30)
    assert after.zygote is not None and after.zygote is not zygote
    assert after.request({"op": "call", "target": ["attr", "mod", "one"]}, 30) == 1
    after.close()


def test_a_child_that_will_not_exit_is_killed_with_its_zygote(tmp_path, fresh_zygotes):
    source = "import os, time\nos._exit = lambda code: time.sleep(600)\n"
    worker = Worker(_submission(tmp_path, "a", source))
    worker.request({"op": "import", "modules": ["mod"]}, 30)
    zygote = worker.zygote
    assert zygote is not None
    started = time.monotonic()
    worker.close()
    assert time.monotonic() - started < warm.EXIT_TIMEOUT_S + 5
    assert not zygote.alive


def test_crashes_are_reported_as_from_a_cold_worker(tmp_path, fresh_zygotes):
    source = "import os, signal\ndef die():\n    os.kill(os.getpid(), signal.SIGKILL)\ndef leave():\n    os._exit(3)\n"
    folder = _submission(tmp_path, "a", source)
    for function, words in (("die", "SIGKILL"), ("leave", "exited with status 3")):
        worker = Worker(folder)
        worker.request({"op": "import", "modules": ["mod"]}, 30)
        assert worker.zygote is not None
        with pytest.raises(WorkerCrashed, match=words):
            worker.request({"op": "call", "target": ["attr", "mod", function]}, 30)
        worker.close()


def test_cold_and_warm_workers_grade_alike(monkeypatch):
    from autograder.config import load_course
    from autograder.engine.runner import run_checks

    root = Path(__file__).resolve().parents[1]
    course = load_course(root)
    assignment = course.assignment("conv")
    outcomes = {}
    for mode in ("0", "1"):
        monkeypatch.setenv("DLCOURSE_WARM", mode)
        results, _, _ = run_checks(
            course,
            assignment,
            root / "course" / "samples" / "conv" / "bo_partial",
            seed=7,
            include_hidden=True,
        )
        outcomes[mode] = [(r.name, r.score, r.status, r.diagnosis) for r in results]
    assert outcomes["0"] == outcomes["1"]
    assert 0 < sum(score for _, score, _, _ in outcomes["1"]) < sum(r.max_score for r in results)
