"""Process-tree sampling and timed runs for the speed benchmark (`tests/benchmark.py`).

Not tests: helpers the benchmark script imports (it runs as a script, so this
folder is on its path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "DLCOURSE_ROOT": str(ROOT),
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
}


TICK = os.sysconf("SC_CLK_TCK")
BASE_COPIES = 2  # a run this small is almost all fixed cost: start-up, pool, zygotes, collection


def cpu_seconds(pid: int, reaped: bool = False) -> float:
    """utime + stime of `pid` (and, with `reaped`, of the children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    used = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped:
        used += int(fields[13]) + int(fields[14])  # cutime, cstime
    return used / TICK


class TreeWatch(threading.Thread):
    """Samples the peak RSS (VmHWM) and the CPU time of every process below `pid` until it exits.

    Sandboxed workers (their command runs `worker.py` or `zygote.py`) and
    grading processes (everything else that is Python) are kept apart; short-lived
    workers between two samples may be missed, so the worker figure is a lower bound.
    CPU: each process's own time, its last sample (up to one interval short, the
    same for every run: it cancels out of a marginal figure); a zygote's includes
    the children it forked and reaped (the submissions' workers).
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, tuple[str, float]] = {}
        self.cpu_of: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()
        # CPU seconds of the run's process and every process it waited for, as the system
        # counts them (not a sandboxed program: bubblewrap is not its reaper)
        self.tree_cpu = 0.0

    def run(self) -> None:
        while not self.done.is_set():
            for child in [self.pid, *descendants(self.pid)]:
                try:
                    argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"python" not in argv[0]:
                    continue  # bubblewrap's own processes name python only in their arguments
                sandboxed = any(b"worker.py" in a or b"zygote.py" in a for a in argv)
                kind = "worker" if sandboxed else "grader"
                peak = peak_mb([child])
                if peak > self.peaks.get(child, ("", 0.0))[1]:
                    self.peaks[child] = (kind, peak)
                if child == self.pid:
                    self.cpu_of[child] = ("main", cpu_seconds(child))
                elif not sandboxed:
                    self.cpu_of[child] = ("grader", cpu_seconds(child))
                elif not is_python(parent_of(child)):  # a zygote or a cold worker, not a fork
                    self.cpu_of[child] = ("sandbox", cpu_seconds(child, reaped=True))
            time.sleep(0.02)

    def peak(self, kind: str) -> float:
        return max((mb for k, mb in self.peaks.values() if k == kind), default=0.0)

    def cpu(self, kind: str | None = None) -> float:
        return sum(s for k, s in self.cpu_of.values() if kind is None or k == kind)


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, float, int, TreeWatch]:
    """(wall seconds, peak RSS in MB of the run's main process, exit code, its tree's watch)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    watch = TreeWatch(proc.pid)
    watch.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    watch.done.set()
    watch.join()
    watch.tree_cpu = usage.ru_utime + usage.ru_stime
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        print(f"    ! {' '.join(command[:4])} exited {proc.returncode}: {err.decode()[-500:]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode, watch


def dlcourse(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", *args]


def copies_of_reference(assignment: str, count: int, into: Path) -> Path:
    from autograder.config import load_course

    spec = load_course(ROOT).assignment(assignment)
    subs = into / f"subs-{assignment}"
    for index in range(count):
        folder = subs / f"student{index:03d}"
        folder.mkdir(parents=True)
        for stem in spec.module_stems:
            shutil.copy(ROOT / "solutions" / assignment / f"{stem}.py", folder / f"{stem}.py")
        for helper in (ROOT / "solutions" / assignment).glob("*.py"):  # vit, bert: transformer.py
            if not (folder / helper.name).exists():
                shutil.copy(helper, folder / helper.name)
    return subs


def full_marks(out: Path) -> str:
    """'all N at full marks' or what was not, from the run's results."""
    results = sorted(out.rglob("results.json"))
    short = 0
    for path in results:
        data = json.loads(path.read_text())
        if float(data.get("score", 0)) < float(data["extra_data"].get("max_score", -1)):
            short += 1
    if not results:
        return "no results written"
    return f"{len(results)} graded" + (f", {short} NOT at full marks" if short else ", full marks")


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:  # a process that ends meanwhile takes its /proc folder with it
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def peak_mb(pids: list[int]) -> float:
    best = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            continue
    return best / 1024


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def is_python(pid: int) -> bool:
    try:
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False


def run_once(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float, int]:
    """One run of `command`, output thrown away: (wall seconds, CPU seconds of its waited-for
    tree, exit status)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    return seconds, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
