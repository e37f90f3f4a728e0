"""How the sandboxed worker is isolated, and how to say so.

Isolation, strongest available first:

- bubblewrap (`bwrap`): new user, pid, network, ipc and uts namespaces; the
  system and Python read-only; only the worker runtime and a copy of the
  submission are visible; private /tmp; the course folder, solutions/ and the
  grader package are not mounted at all.
- cgroups (v1 or v2, where the grader may create them): a cap on processes and
  on memory for the worker and everything it starts.
- rlimits, always: CPU seconds, address space, file size, open files; and, for
  non-root users without cgroups, the process count.

`describe()` says which were in force; every result records it.
Set DLCOURSE_SANDBOX=none to force the rlimits-only fallback (for machines
without user namespaces; the grader then says so in every result).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

OUTPUT_LIMIT = 8 * 1024 * 1024
TMPFS_BYTES = 64 * 1024 * 1024  # the worker's only writable place: a private, capped /tmp
SHM_BYTES = 8 * 1024 * 1024  # and a small /dev/shm (multiprocessing's semaphores live there)
SCRUBBED_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
}


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker (all of them together for one submission)."""

    memory_mb: int = 1536
    cpu_seconds: int = 120
    max_processes: int = 32
    file_size_bytes: int = OUTPUT_LIMIT
    open_files: int = 128


@lru_cache(maxsize=1)
def bwrap_path() -> str | None:
    if os.environ.get("DLCOURSE_SANDBOX", "").lower() in {"none", "rlimits", "off"}:
        return None
    path = shutil.which("bwrap")
    if not path:
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user", "--die-with-parent"]
    try:
        ok = subprocess.run([*probe, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


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

    def join(self) -> None:
        """Called in the child before exec: move this process into every cgroup."""
        for folder in self.dirs:
            with contextlib.suppress(OSError):
                (folder / "cgroup.procs").write_text(str(os.getpid()))

    def kill_all(self) -> None:
        for folder in self.dirs:
            with contextlib.suppress(OSError):
                for line in (folder / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(line), signal.SIGKILL)

    def remove(self) -> None:
        for folder in self.dirs:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except OSError:
                    self.kill_all()
                    time.sleep(0.01)
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


def describe() -> str:
    """One line saying which isolation the workers get on this machine."""
    parts = []
    if bwrap_path():
        parts.append(
            "bubblewrap (user, pid, net, ipc, uts namespaces; read-only system; only the submission visible)"
        )
    else:
        parts.append(
            "NO namespace sandbox (bubblewrap unavailable): filesystem and network are not isolated"
        )
    if cgroups_available():
        parts.append("cgroup (process and memory caps)")
    elif os.geteuid() != 0:
        parts.append("rlimit process cap")
    parts.append(
        "rlimits (cpu, address space, file size, open files), wall-clock timeouts, scrubbed env"
    )
    return "; ".join(parts)


def python_path() -> str:
    """This interpreter's path without `..` (inside the sandbox only bound folders exist)."""
    return os.path.normpath(os.path.abspath(sys.executable))


def package_paths(names: tuple[str, ...] | list[str]) -> list[Path]:
    """Where the installed packages `names` live (folders, or single-file modules).

    Found without importing them. The sandbox mounts an empty folder over each
    (a file: /dev/null), so a forbidden package is simply not there: nothing in
    the worker, where the student's code could switch a guard off, decides it.
    """
    import importlib.util

    found: list[Path] = []
    for name in names:
        if not name or "." in name:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        if not locations and spec.origin and os.path.isfile(spec.origin):
            locations = [spec.origin]
        found += [Path(p).resolve() for p in locations if os.path.exists(p)]
    return found


def bind_args(
    runtime: Path, sub: Path | None, secrets: list[Path], hidden: list[Path] | None = None
) -> list[str]:
    """bubblewrap's mounts for a worker (`sub` None: a zygote, whose children mount their own)."""
    # Private /proc, /dev and /tmp first: binds below may live under /tmp (a
    # course cloned there, its .venv) and must be mounted on top, not hidden.
    # /dev is read-only but for a small /dev/shm: bubblewrap's /dev is an uncapped tmpfs.
    args: list[str] = ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    args += ["--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    args += ["--size", str(TMPFS_BYTES), "--tmpfs", "/tmp"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        args += ["--ro-bind-try", etc, etc]
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    exe = Path(python_path())
    prefixes.add(exe.parent.resolve())
    prefixes.add(exe.resolve().parent)
    for path in sys.path:
        if path and "site-packages" in path and os.path.isdir(path):
            prefixes.add(Path(path).resolve())
    bound: list[Path] = []
    for prefix in sorted(prefixes, key=lambda p: len(p.parts)):
        if str(prefix).startswith(("/usr/", "/bin", "/lib")) or any(
            prefix.is_relative_to(b) for b in bound
        ):
            continue
        bound.append(prefix)
        args += ["--ro-bind", str(prefix), str(prefix)]
    # Hide the grader's secrets wherever a bound folder contains them (e.g. a
    # non-editable install of the package in site-packages, a venv in the course).
    for secret in secrets:
        for prefix in bound:
            if secret.is_relative_to(prefix) and secret.exists():
                args += ["--tmpfs", str(secret)]
    # A venv inside the course folder: the secret mask above hid it again.
    for prefix in bound:
        for secret in secrets:
            if prefix.is_relative_to(secret) and prefix != secret:
                args += ["--ro-bind", str(prefix), str(prefix)]
    # Forbidden packages are not mounted: an empty folder (or /dev/null) over each.
    for path in hidden or []:
        if any(path.is_relative_to(b) for b in bound):
            args += (
                ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
            )
    args += ["--ro-bind", str(runtime), "/sandbox/runtime"]
    if sub is None:
        return [*args, "--dir", "/sandbox/sub", "--chdir", "/sandbox/runtime"]
    args += [
        "--ro-bind", str(sub), "/sandbox/sub",  # read-only: /tmp is the only writable place
        "--chdir", "/sandbox/sub",
    ]  # fmt: skip
    return args


def bwrap_command(
    bwrap: str, runtime: Path, sub: Path | None, secrets: list[Path], forbidden: tuple[str, ...]
) -> list[str]:
    """bubblewrap's command line up to the program: namespaces, mounts, scrubbed environment."""
    command = [
        bwrap,
        "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
        "--die-with-parent", "--new-session", "--clearenv",
        *bind_args(runtime, sub, secrets, package_paths(forbidden)),
    ]  # fmt: skip
    for key, value in {**SCRUBBED_ENV, "HOME": "/tmp", "TMPDIR": "/tmp"}.items():
        command += ["--setenv", key, value]
    return command


def apply_limits(limits: Limits, cgroup: Cgroup | None, nproc: int | None) -> None:
    """In the worker's process, between fork and exec: join the cgroup, set the rlimits."""
    if cgroup:
        cgroup.join()
    mem = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
