"""The limits every launcher shares: cgroup caps and rlimits, set around the sandbox.

- cgroups (v1 or v2, where the grader may create them): a cap on processes and
  on memory for the worker and everything it starts.
- rlimits, always: CPU seconds, address space, file size, open files; and, for
  non-root users without cgroups, the process count.

A launcher (`launch/`) decides what the worker can see; these decide how much
it can use, whichever launcher runs it. `confine()` makes both for one process
tree: its cgroup, the command line that joins it before anything else runs, and
the function that sets the rlimits between fork and exec.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shlex
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

OUTPUT_LIMIT = 8 * 1024 * 1024
TMPFS_BYTES = 64 * 1024 * 1024  # the worker's only writable place: a private, capped /tmp
SHM_BYTES = 8 * 1024 * 1024  # and a small /dev/shm (multiprocessing's semaphores live there)
REMOVE_PATIENCE_S = 0.5  # how long a cgroup's removal waits for its killed processes


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker (all of them together for one submission)."""

    memory_mb: int = 1536
    cpu_seconds: int = 120
    max_processes: int = 32
    file_size_bytes: int = OUTPUT_LIMIT
    open_files: int = 128


class Cgroup:
    """A per-worker cgroup with pids and memory caps (v2 or v1), if we may create one."""

    def __init__(self, limits: Limits) -> None:
        self.dirs: list[Path] = []
        name = f"dlcourse-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        base = Path("/sys/fs/cgroup")
        if (base / "cgroup.controllers").is_file():
            self._v2(base, name, limits)
        else:
            self._v1(base, name, limits)

    def _make(self, parent: Path, name: str, settings: dict[str, str]) -> bool:
        folder = parent / name
        try:
            folder.mkdir()
            for key, value in settings.items():
                (folder / key).write_text(value)
        except OSError:
            with contextlib.suppress(OSError):
                folder.rmdir()
            return False
        self.dirs.append(folder)
        return True

    def _v1(self, base: Path, name: str, limits: Limits) -> None:
        self.pids = self._make(base / "pids", name, {"pids.max": str(limits.max_processes)})
        self.memory = self._make(
            base / "memory", name, {"memory.limit_in_bytes": str(limits.memory_mb << 20)}
        )

    def _v2(self, base: Path, name: str, limits: Limits) -> None:
        ok = self._make(
            base,
            name,
            {"pids.max": str(limits.max_processes), "memory.max": str(limits.memory_mb << 20)},
        )
        self.pids = self.memory = ok

    def joined_first(self, command: list[str]) -> list[str]:
        """`command` as a program that first moves itself into every cgroup.

        A shell writes its own pid into each folder's cgroup.procs, then execs
        `command` in the same process: nothing of `command` runs outside the
        cgroups. Joining is the child's own business so that the grader does
        not wait for it: the kernel takes ~10-20 ms over the first move into a
        cgroup (v1) for an RCU grace period, and `subprocess.Popen` returns only
        once its child has exec'd, so joining between fork and exec (`preexec`)
        kept the grader waiting. A folder that refuses it is left out silently
        (its message would land in the worker's output), as joining in the
        preexec did.
        """
        if not self.dirs:
            return command
        moves = "".join(
            f"echo $$ 2>/dev/null >{shlex.quote(str(folder / 'cgroup.procs'))}; "
            for folder in self.dirs
        )
        return ["/bin/sh", "-c", moves + 'exec "$@"', "sh", *command]

    def kill_all(self) -> None:
        for folder in self.dirs:
            with contextlib.suppress(OSError):
                for line in (folder / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(line), signal.SIGKILL)

    def remove(self) -> None:
        """Remove the cgroup once its processes are gone (killed again meanwhile), waiting up
        to 0.5 s per folder; the first retries come soon (a killed tree is gone in ~1 ms)."""
        for folder in self.dirs:
            deadline = time.monotonic() + REMOVE_PATIENCE_S
            pause = 0.0005
            while True:
                try:
                    folder.rmdir()
                    break
                except OSError:
                    self.kill_all()
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(pause)
                    pause = min(2 * pause, 0.01)
        self.dirs = []


@lru_cache(maxsize=1)
def cgroups_available() -> bool:
    try:
        probe = Cgroup(Limits())
    except OSError:
        return False
    ok = bool(probe.dirs)
    probe.remove()
    return ok


def user_task_count(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
    return count


def apply_limits(limits: Limits, nproc: int | None) -> None:
    """In the worker's process, between fork and exec: set the rlimits."""
    mem = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def confine(
    command: list[str], limits: Limits, group: Limits | None = None
) -> tuple[Cgroup | None, list[str], Callable[[], None]]:
    """A cgroup for one sandboxed process tree (None where none can be made), the command
    line that runs `command` in it (`Cgroup.joined_first`) and the preexec that sets its
    rlimits: start the process with both.

    `limits` are the process's rlimits; `group` (default: the same) caps the
    cgroup, or the user's process count where there is no cgroup.
    """
    group = group or limits
    cgroup = Cgroup(group) if cgroups_available() else None
    nproc = None
    if not (cgroup and cgroup.pids) and os.geteuid() != 0:
        nproc = user_task_count(os.geteuid()) + group.max_processes

    def preexec() -> None:  # runs in the child between fork and exec
        apply_limits(limits, nproc)

    return cgroup, cgroup.joined_first(command) if cgroup else command, preexec


def describe() -> list[str]:
    """What these limits enforce on this machine, in the words every result records."""
    parts = []
    if cgroups_available():
        parts.append("cgroup (process and memory caps)")
    elif os.geteuid() != 0:
        parts.append("rlimit process cap")
    parts.append(
        "rlimits (cpu, address space, file size, open files), wall-clock timeouts, scrubbed env"
    )
    return parts
