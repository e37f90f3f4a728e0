"""The local process pool's grading processes: a memory limit, a scratch folder and a core each.

Each grading process runs under its own address-space limit
(`DLCOURSE_GRADER_MEMORY_MB`, default 6144; 0 turns it off) and keeps its
temporary folders under `scratch/grader-<pid>`, so that whatever it leaves
when it dies (temporary folders, its workers' cgroups) is found and removed.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import tempfile
import time
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

GRADER_MEMORY_MB = 6144


def limit_grader_memory(megabytes: int) -> None:
    """In a pool's grading process: cap its address space (the sandboxed workers set their own)."""
    if megabytes > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = megabytes << 20
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def grader_memory_mb() -> int:
    with contextlib.suppress(ValueError):
        return int(os.environ.get("DLCOURSE_GRADER_MEMORY_MB", GRADER_MEMORY_MB))
    return GRADER_MEMORY_MB


def start_grading_process(megabytes: int, scratch: str, slots: Any = None) -> None:
    """A pool's grading process: its memory limit, and its own temporary folder.

    Every temporary folder and cgroup the process makes is then found by its
    pid after it dies, however it dies (see `sweep_scratch`).
    """
    limit_grader_memory(megabytes)
    if slots is not None:
        with slots.get_lock():
            slot = slots.value
            slots.value += 1
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[slot % len(cores)]})
    if scratch:
        folder = Path(scratch) / f"grader-{os.getpid()}"
        folder.mkdir(exist_ok=True)
        tempfile.tempdir = str(folder)


def sweep_scratch(scratch: Path) -> None:
    """Remove what the pool's grading processes left behind: temp folders and cgroups."""
    base = Path("/sys/fs/cgroup")
    for folder in scratch.glob("grader-*"):
        pid = folder.name.split("-", 1)[1]
        for group in [*base.glob(f"dlcourse-{pid}-*"), *base.glob(f"*/dlcourse-{pid}-*")]:
            with contextlib.suppress(OSError):
                for line in (group / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(line), signal.SIGKILL)
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
    shutil.rmtree(scratch, ignore_errors=True)


# What the grading processes import before their first task: the grading engine (pytest,
# numpy, the kit) and, for a torch assignment, torch (its reference runs in the grader).
# The forkserver imports them once and forks every grading process from itself, so N
# processes pay for one import instead of N (transformer at --jobs 2: ~1.1 core-s less).
GRADING_MODULES = ("autograder.engine.grading",)


def preload_for(torch: bool) -> tuple[str, ...]:
    """The modules a pool's forkserver imports for an assignment (`torch`: a torch one)."""
    return (*GRADING_MODULES, *(("torch",) if torch else ()))


def process_pool(
    workers: int, scratch: Path | None = None, preload: tuple[str, ...] = ()
) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    if preload:  # read when the forkserver starts (this process's pools share it)
        context.set_forkserver_preload(["__main__", *preload])  # __main__: the default
    # One core per grading process (its zygote and workers inherit it) when there are
    # cores enough: a grader and its worker hand over on every request, and a hand-over
    # on the same core costs no cross-core wake-up (conv at --jobs 2: 1.70x -> 1.85x).
    pin = os.environ.get("DLCOURSE_PIN", "1") != "0" and workers <= len(os.sched_getaffinity(0))
    slots = context.Value("i", 0) if pin else None
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_grading_process,
        initargs=(grader_memory_mb(), str(scratch or ""), slots),
    )
