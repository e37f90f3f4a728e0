"""The bubblewrap launcher: namespaces, and only what the worker needs mounted.

New user, pid, network, ipc and uts namespaces; the system and Python
read-only; only the worker runtime and a copy of the submission are visible;
a private /tmp; the course folder, solutions/ and the grader package are not
mounted at all, and forbidden packages are an empty folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from autograder.sandbox.launch.base import SCRUBBED_ENV, Launcher, Wrapped, python_path
from autograder.sandbox.limits import SHM_BYTES, TMPFS_BYTES
from autograder.sandbox.runtime import MOUNT_POINT

SUB_POINT = "/sandbox/sub"


@lru_cache(maxsize=1)
def bwrap_path() -> str | None:
    """The path of a bubblewrap that can make the sandbox's namespaces here, else None."""
    path = shutil.which("bwrap")
    if not path:
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user", "--die-with-parent"]
    try:
        ok = subprocess.run([*probe, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


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
    masks: list[str] = []  # empty tmpfs mounts, made read-only once everything is mounted
    for secret in secrets:
        for prefix in bound:
            if secret.is_relative_to(prefix) and secret.exists():
                args += ["--tmpfs", str(secret)]
                masks.append(str(secret))
    # A venv inside the course folder: the secret mask above hid it again.
    for prefix in bound:
        for secret in secrets:
            if prefix.is_relative_to(secret) and prefix != secret:
                args += ["--ro-bind", str(prefix), str(prefix)]
    # Forbidden packages are not mounted: an empty folder (or /dev/null) over each.
    for path in hidden or []:
        if any(path.is_relative_to(b) for b in bound):
            if path.is_dir():
                args += ["--tmpfs", str(path)]
                masks.append(str(path))
            else:
                args += ["--ro-bind", "/dev/null", str(path)]
    args += ["--ro-bind", str(runtime), MOUNT_POINT]
    if sub is None:
        args += ["--dir", SUB_POINT, "--chdir", MOUNT_POINT]
    else:
        args += [
            "--ro-bind", str(sub), SUB_POINT,  # read-only: /tmp is the only writable place
            "--chdir", SUB_POINT,
        ]  # fmt: skip
    # Last, when nothing more is mounted into them: the masks and bubblewrap's own root
    # (where it made every mount point: /, /etc, /sandbox, ...) become read-only. A
    # zygote's children share these mounts, so nothing a child writes can reach the next.
    for point in [*masks, "/"]:
        args += ["--remount-ro", point]
    return args


class Bubblewrap(Launcher):
    """Namespaces and mounts by bubblewrap; zygotes under it can isolate their children."""

    name = "bubblewrap"
    hosts_zygotes = True

    def __init__(self) -> None:
        path = bwrap_path()
        if path is None:
            raise RuntimeError("bubblewrap cannot make the sandbox's namespaces here")
        self.path = path

    @classmethod
    def available(cls) -> bool:
        return bwrap_path() is not None

    def describe(self) -> str:
        return "bubblewrap (user, pid, net, ipc, uts namespaces; read-only system; only the submission visible)"

    def wrap(
        self,
        runtime: Path,
        sub: Path | None,
        *,
        secrets: list[Path],
        forbidden: tuple[str, ...],
    ) -> Wrapped:
        """bubblewrap's command line up to the program: namespaces, mounts, scrubbed environment."""
        command = [
            self.path,
            "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
            "--die-with-parent", "--new-session", "--clearenv",
            *bind_args(runtime, sub, secrets, package_paths(forbidden)),
        ]  # fmt: skip
        for key, value in {**SCRUBBED_ENV, "HOME": "/tmp", "TMPDIR": "/tmp"}.items():
            command += ["--setenv", key, value]
        return Wrapped(tuple(command), None, MOUNT_POINT, SUB_POINT, new_session=False)

    def signal_of(self, code: int) -> int | None:
        if code > 128:
            return code - 128  # bubblewrap reports a signal as 128 + its number
        return super().signal_of(code)
