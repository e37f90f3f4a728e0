"""Warm workers: one sandboxed zygote per grading process forks a fresh worker per submission.

A cold worker pays for bubblewrap, a Python interpreter and the imports of
numpy (~0.1 s) or torch (~1-2 s, plus its first-use warm-up) for every
submission. The zygote (`zygote.py`, run in the sandbox) pays them once and
forks a worker per submission in new namespaces of its own, with a private
/tmp, /dev/shm and submission copy, its own rlimits, no capabilities and fresh
random seeds; nothing a child leaves (processes, files, module state,
environment) reaches the next one (tests/test_warm.py proves it).

The grader trusts no child: a child that hangs or does not exit when its
channel closes takes the whole zygote down with it (the next submission gets
a new one), exactly as a cold worker is killed. Whether a child could be
isolated at all is the zygote's word on its control socket, given before the
child runs anything of the student's; a child's exit status is the student's
and never switches warm workers off. Warm workers are used only where the
launcher can host zygotes (bubblewrap) and the zygote's own probe shows it can
give each child its namespaces; elsewhere, and with DLCOURSE_WARM=0, every
submission gets a cold worker.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.sandbox.isolation import launcher
from autograder.sandbox.launch.base import Launcher
from autograder.sandbox.limits import Cgroup, Limits, confine
from autograder.sandbox.runtime import hidden_folders, write_runtime

MAX_SUBMISSION_BYTES = 32 << 20  # larger submissions get a cold worker
START_TIMEOUT_S = 120.0  # importing torch on a loaded machine
EXIT_TIMEOUT_S = 3.0  # a child that outlives its closed channel by more is killed with its zygote
ZYGOTE_CPU_SECONDS = (
    3600  # its own CPU only (imports, forks); each child has the submission's limit
)
SET_UP_TIMEOUT_S = 60.0  # namespaces, mounts and the submission's files, on a loaded machine


class ZygoteError(RuntimeError):
    """The zygote is gone or said something it should not have."""


class SetUpFailed(ZygoteError):
    """The zygote says it could not isolate a child (before any of the student's code ran)."""


def enabled() -> bool:
    off = os.environ.get("DLCOURSE_WARM", "1").lower() in {"0", "no", "off", "false"}
    return not off and launcher().hosts_zygotes


@dataclass(frozen=True)
class Config:
    """What makes two workers interchangeable: one zygote serves each configuration."""

    preload: tuple[str, ...]
    forbidden: tuple[str, ...]
    limits: Limits
    secrets: tuple[Path, ...] = field(default_factory=tuple)

    @classmethod
    def of(
        cls,
        preload: Sequence[str],
        forbidden: Sequence[str],
        limits: Limits,
        secrets: Iterable[Path],
    ) -> Config:
        """The configuration of a worker with these settings (`secrets`: the course's; the
        grader package is added, as every worker hides it)."""
        return cls(tuple(preload), tuple(forbidden), limits, hidden_folders(secrets))


def submission_files(folder: Path) -> list[tuple[str, bytes]] | None:
    """(relative path, bytes) of every regular file below `folder`; None if too large or odd."""
    found: list[tuple[str, bytes]] = []
    total = 0
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = Path(root, name)
            if path.is_symlink() or not path.is_file():
                return None
            data = path.read_bytes()
            total += len(data)
            if total > MAX_SUBMISSION_BYTES:
                return None
            found.append((path.relative_to(folder).as_posix(), data))
    return found


class Zygote:
    """One sandboxed zygote process and its control socket (grader side)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tmp = Path(tempfile.mkdtemp(prefix="dlcourse-zygote-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.cgroup: Cgroup | None = None
        self.sock: socket.socket | None = None
        self.launcher: Launcher = launcher()
        self.busy = False  # a child is running
        self.leaving = False  # told to exit (`shut`)
        self.info: dict[str, Any] = {}

    # -- life cycle ---------------------------------------------------------
    def start(self) -> None:
        runtime = self.tmp / "runtime"
        write_runtime(runtime)
        os.chmod(self.tmp, 0o755)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        wrapped = self.launcher.wrap(
            runtime, None, secrets=list(self.config.secrets), forbidden=self.config.forbidden
        )
        command = wrapped.argv(
            "zygote.py",
            str(theirs.fileno()),
            ",".join(self.config.preload),
            ",".join(self.config.forbidden),
        )
        limits = replace(self.config.limits, cpu_seconds=ZYGOTE_CPU_SECONDS)
        # the children's processes count against the zygote's cap: room for A and B
        group_limits = replace(limits, max_processes=limits.max_processes + 3)
        self.cgroup, command, preexec = confine(command, limits, group_limits)
        log = open(self.tmp / "zygote.log", "wb")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
                env=wrapped.env,
                preexec_fn=preexec,
                start_new_session=wrapped.new_session,
            )
        finally:
            log.close()
            theirs.close()
        self.sock = ours
        self.info = self._receive(time.monotonic() + START_TIMEOUT_S)
        if not self.info.get("ready"):
            raise ZygoteError("the zygote did not start")
        if self.info.get("unusable"):
            raise ZygoteError(f"the zygote cannot isolate its children: {self.info['unusable']}")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.sock is not None

    def close(self) -> None:
        """End an idle zygote: it exits when its socket closes (and is waited for)."""
        self.shut()
        if self.leaving and self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)
        self.kill()

    def shut(self) -> None:
        """Tell an idle zygote to exit (its socket closed) and return at once: it exits on its
        own while this process goes on, and `close` (or `kill`) waits for it."""
        if self.sock is not None and not self.busy and self.proc is not None:
            self.sock.close()
            self.sock = None
            self.leaving = True

    def kill(self) -> None:
        """Kill the zygote and everything it forked (a child that misbehaved)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.launcher.kill(self.proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        if self.cgroup:
            self.cgroup.kill_all()
            self.cgroup.remove()
            self.cgroup = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.busy = False

    # -- one child ----------------------------------------------------------
    def fork(
        self, files: list[tuple[str, bytes]], fds: tuple[int, int, int], limits: Limits
    ) -> None:
        """Start a worker for one submission on the pipe ends `fds` (request read, reply write, output).

        Returns once the zygote says the child is isolated; raises SetUpFailed where it
        says the child could not be (the zygote is killed), ZygoteError where it is gone.
        """
        if not self.alive or self.busy:
            raise ZygoteError("the zygote is not ready for another child")
        header = {
            "op": "fork",
            "names": [name for name, _ in files],
            "sizes": [len(data) for _, data in files],
            "forbidden": list(self.config.forbidden),
            "limits": {
                "memory_bytes": limits.memory_mb << 20,
                "cpu_seconds": limits.cpu_seconds,
                "file_size_bytes": limits.file_size_bytes,
                "open_files": limits.open_files,
            },
        }
        head = json.dumps(header).encode()
        body = b"".join([struct.pack(">I", len(head)), head, *(data for _, data in files)])
        assert self.sock is not None
        try:
            socket.send_fds(self.sock, [struct.pack(">Q", len(body))], list(fds))
            self.sock.sendall(body)
        except OSError as exc:
            self.kill()
            raise ZygoteError(f"the zygote is gone ({exc})") from None
        self.busy = True
        # The zygote's own word on the set-up, sent before the child runs anything of the
        # student's: the only source of "could not isolate", never the child's exit status.
        try:
            report = self._receive(time.monotonic() + SET_UP_TIMEOUT_S)
        except ZygoteError:
            self.kill()
            raise
        if report.get("started") is not True:
            self.kill()
            why = report.get("why") if isinstance(report.get("why"), str) else ""
            raise SetUpFailed(why[:2000] or "the zygote could not isolate a child")

    def wait_exit(self, timeout: float) -> int | None:
        """The finished child's exit code (128 + n for signal n); None if it did not end in time."""
        if not self.busy:
            return None
        try:
            message = self._receive(time.monotonic() + timeout)
        except ZygoteError:
            self.kill()
            return None
        code = message.get("exit")
        if not isinstance(code, int) or isinstance(code, bool):
            self.kill()
            return None
        self.busy = False
        return code

    def _receive(self, deadline: float) -> dict[str, Any]:
        head = self._exact(8, deadline)
        size = struct.unpack(">Q", head)[0]
        if size > 1 << 16:
            raise ZygoteError("the zygote sent an oversized message")
        try:
            message = json.loads(self._exact(size, deadline))
        except ValueError:
            raise ZygoteError("the zygote sent a malformed message") from None
        if not isinstance(message, dict):
            raise ZygoteError("the zygote sent a malformed message")
        return message

    def _exact(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while size:
            left = deadline - time.monotonic()
            if left <= 0 or self.sock is None:
                raise ZygoteError("the zygote did not answer in time")
            readable, _, _ = select.select([self.sock], [], [], left)
            if not readable:
                continue
            chunk = self.sock.recv(size)
            if not chunk:
                raise ZygoteError(f"the zygote exited ({self._log_tail()})")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.tmp / "zygote.log").read_bytes()[-400:].decode(errors="replace").strip()
        return ""


# One zygote per configuration and thread in this process (a batch's grading process
# grades one assignment in one thread: one zygote; a Dask worker's threads each have
# theirs, and bubblewrap's --die-with-parent ends it with its thread). A configuration
# whose zygote cannot isolate children is remembered and gets cold workers.
_ZYGOTES: dict[tuple[Config, int], Zygote] = {}
_UNUSABLE: dict[Config, str] = {}
_LOCK = threading.Lock()


def zygote_for(config: Config) -> Zygote | None:
    """A ready zygote for `config`, started if need be; None where warm workers cannot be had."""
    if not enabled() or config in _UNUSABLE:
        return None
    key = (config, threading.get_ident())
    with _LOCK:
        zygote = _ZYGOTES.pop(key, None)
    if zygote is not None and (not zygote.alive or zygote.busy):
        zygote.kill()  # dead, or a child of it was never closed
        zygote = None
    if zygote is None:
        zygote = Zygote(config)
        try:
            zygote.start()
        except (ZygoteError, OSError) as exc:
            zygote.kill()
            _UNUSABLE[config] = str(exc)
            return None
    with _LOCK:
        _ZYGOTES[key] = zygote
    return zygote


def disable(config: Config, why: str) -> None:
    """Cold workers for `config` from now on (its zygote could not isolate a child)."""
    _UNUSABLE[config] = why or "the zygote could not isolate a child"
    with _LOCK:
        doomed = [key for key in _ZYGOTES if key[0] == config]
        zygotes = [_ZYGOTES.pop(key) for key in doomed]
    for zygote in zygotes:
        zygote.kill()


def shut_all() -> None:
    """Tell every idle zygote of this process to exit, without waiting (see `Zygote.shut`):
    a command that will start no more workers lets them go while it prints its results."""
    with _LOCK:
        zygotes = list(_ZYGOTES.values())
    for zygote in zygotes:
        zygote.shut()


def close_all() -> None:
    """Stop every zygote of this process."""
    with _LOCK:
        zygotes = list(_ZYGOTES.values())
        _ZYGOTES.clear()
    for zygote in zygotes:
        zygote.close()


atexit.register(close_all)
