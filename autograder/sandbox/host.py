"""Starting, talking to and killing the sandboxed worker (grader side).

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
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from autograder.paths import PACKAGE_DIR
from autograder.sandbox import wire

RUNTIME_FILES = {"worker.py": "worker.py", "wire.py": "_dlcourse_wire.py"}
OUTPUT_LIMIT = 8 * 1024 * 1024
_SCRUBBED_ENV = {
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


class WorkerError(RuntimeError):
    """Base of everything that went wrong on the worker's side."""

    kind = "worker"


class StudentError(WorkerError):
    """The student's code raised an exception (reported with their frames)."""

    kind = "exception"

    def __init__(self, type_name: str, message: str, where: list[str]) -> None:
        self.type_name = type_name
        self.message = message
        self.where = where
        text = f"{type_name}: {message}"
        if where:
            text += "\n  " + "\n  ".join(where)
        super().__init__(text)


class WorkerTimeout(WorkerError):
    kind = "timeout"


class WorkerCrashed(WorkerError):
    kind = "crash"


class ProtocolError(WorkerError):
    """The worker answered with something that is not a valid reply."""

    kind = "protocol"


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


class _Cgroup:
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
def _cgroups_available() -> bool:
    try:
        probe = _Cgroup(Limits())
    except OSError:
        return False
    ok = bool(probe.dirs)
    probe.remove()
    return ok


def _user_task_count(uid: int) -> int:
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
    if _cgroups_available():
        parts.append("cgroup (process and memory caps)")
    elif os.geteuid() != 0:
        parts.append("rlimit process cap")
    parts.append(
        "rlimits (cpu, address space, file size, open files), wall-clock timeouts, scrubbed env"
    )
    return "; ".join(parts)


def _python() -> str:
    """This interpreter's path without `..` (inside the sandbox only bound folders exist)."""
    return os.path.normpath(os.path.abspath(sys.executable))


def _bind_args(runtime: Path, sub: Path, secrets: list[Path]) -> list[str]:
    # Private /proc, /dev and /tmp first: binds below may live under /tmp (a
    # course cloned there, its .venv) and must be mounted on top, not hidden.
    args: list[str] = ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        args += ["--ro-bind-try", etc, etc]
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    exe = Path(_python())
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
    args += [
        "--ro-bind", str(runtime), "/sandbox/runtime",
        "--bind", str(sub), "/sandbox/sub",
        "--chdir", "/sandbox/sub",
    ]  # fmt: skip
    return args


class Worker:
    """One sandboxed worker process for one submission.

    `request(payload, timeout)` sends one request and returns the reply's value,
    raising StudentError, WorkerTimeout, WorkerCrashed or ProtocolError. After a
    timeout or crash the worker is dead; call `start()` again to get a fresh one.
    """

    def __init__(
        self,
        submission_dir: Path,
        *,
        limits: Limits | None = None,
        forbidden: tuple[str, ...] = (),
        secrets: tuple[Path, ...] = (),
    ) -> None:
        self.submission_dir = Path(submission_dir)
        self.limits = limits or Limits()
        self.forbidden = forbidden
        self.secrets = [Path(s).resolve() for s in (*secrets, PACKAGE_DIR)]
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp: Path | None = None
        self.cgroup: _Cgroup | None = None
        self.starts = 0
        self._req_w = self._resp_r = -1

    # -- life cycle ---------------------------------------------------------
    def start(self) -> None:
        self.close()
        self.starts += 1
        self.tmp = Path(tempfile.mkdtemp(prefix="dlcourse-worker-"))
        runtime = self.tmp / "runtime"
        sub = self.tmp / "sub"
        runtime.mkdir()
        for source, target in RUNTIME_FILES.items():
            shutil.copyfile(Path(__file__).with_name(source), runtime / target)
        shutil.copytree(self.submission_dir, sub)
        os.chmod(self.tmp, 0o755)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        self.stdout_path = self.tmp / "stdout.txt"
        stdout = open(self.stdout_path, "wb")  # noqa: SIM115 - handed to the child
        bwrap = bwrap_path()
        if bwrap:
            sub_path, runtime_path = "/sandbox/sub", "/sandbox/runtime"
            command = [
                bwrap,
                "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
                "--die-with-parent", "--new-session", "--clearenv",
                *_bind_args(runtime, sub, [*self.secrets]),
            ]  # fmt: skip
            for key, value in {**_SCRUBBED_ENV, "HOME": sub_path}.items():
                command += ["--setenv", key, value]
            env = None
        else:
            sub_path, runtime_path = str(sub), str(runtime)
            command = []
            env = {**_SCRUBBED_ENV, "HOME": sub_path}
        command += [
            _python(),
            "-I",
            f"{runtime_path}/worker.py",
            str(req_r),
            str(resp_w),
            sub_path,
            ",".join(self.forbidden),
        ]
        self.cgroup = _Cgroup(self.limits) if _cgroups_available() else None
        limits = self.limits
        cgroup = self.cgroup
        nproc = None
        if not (cgroup and cgroup.pids) and os.geteuid() != 0:
            nproc = _user_task_count(os.geteuid()) + limits.max_processes

        def preexec() -> None:  # runs in the child between fork and exec
            if cgroup:
                cgroup.join()
            mem = limits.memory_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
            resource.setrlimit(
                resource.RLIMIT_FSIZE, (limits.file_size_bytes, limits.file_size_bytes)
            )
            resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if nproc is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, resp_w),
                env=env,
                cwd=str(sub),
                preexec_fn=preexec,
                start_new_session=not bwrap,
            )
        finally:
            stdout.close()
            os.close(req_r)
            os.close(resp_w)
        self._req_w, self._resp_r = req_w, resp_r

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                if bwrap_path():
                    self.proc.kill()
                else:
                    os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        if self.cgroup:
            self.cgroup.kill_all()

    def close(self) -> None:
        self.kill()
        for fd in (self._req_w, self._resp_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._req_w = self._resp_r = -1
        if self.cgroup:
            self.cgroup.remove()
            self.cgroup = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        self.proc = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- talking ------------------------------------------------------------
    def output_tail(self, limit: int = 1500) -> str:
        """The last bytes the student's code printed (stdout and stderr)."""
        try:
            with open(self.stdout_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - limit))
                text = handle.read().decode("utf-8", errors="replace")
        except (OSError, AttributeError):
            return ""
        return ("..." if size > limit else "") + text

    def _death(self) -> WorkerCrashed:
        assert self.proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        code = self.proc.returncode
        number = None
        if code is not None and code < 0:
            number = -code
        elif code is not None and code > 128 and bwrap_path():
            number = code - 128  # bubblewrap reports a signal as 128 + its number
        if number is not None:
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            how = f"was killed by {name}" + {
                "SIGSEGV": " (a segmentation fault: invalid memory access)",
                "SIGKILL": " (out of memory, or too many processes)",
                "SIGXCPU": " (the CPU time limit)",
                "SIGABRT": " (the process aborted)",
                "SIGBUS": " (a bus error: invalid memory access)",
            }.get(name, "")
        else:
            how = f"exited with status {code} (os._exit or sys.exit in the submission?)"
        tail = self.output_tail(600).strip()
        message = f"the worker running your code {how}"
        if tail:
            message += f"\n  last output: {tail[-600:]}"
        self.close()
        return WorkerCrashed(message)

    def request(self, payload: dict[str, Any], timeout: float) -> Any:
        if not self.alive:
            self.start()
        body = wire.dumps(payload)
        deadline = time.monotonic() + timeout
        try:
            self._write_all(wire.frame(body), deadline)
            size = int.from_bytes(self._read_exact(8, deadline), "big")
            if size > wire.MAX_MESSAGE_BYTES:
                raise ProtocolError(f"the worker sent a reply of {size} bytes (limit exceeded)")
            reply = wire.loads(self._read_exact(size, deadline))
        except WorkerTimeout:
            self.kill()
            self.close()
            raise
        except (EOFError, BrokenPipeError):
            raise self._death() from None
        except wire.WireError as exc:
            self.close()
            raise ProtocolError(f"the worker sent an invalid reply: {exc}") from None
        if not isinstance(reply, dict) or "ok" not in reply:
            self.close()
            raise ProtocolError("the worker sent a reply without a status")
        if reply["ok"] is True:
            return reply.get("value")
        error = reply.get("error")
        if not isinstance(error, dict):
            raise ProtocolError("the worker sent a malformed error")
        where = error.get("where") or []
        raise StudentError(
            str(error.get("type", "Error")),
            str(error.get("message", "")),
            [str(w) for w in where] if isinstance(where, list) else [],
        )

    def _write_all(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout("timed out")
            _, writable, _ = select.select([], [self._req_w], [], remaining)
            if not writable:
                continue
            written = os.write(self._req_w, view[: 1 << 16])
            view = view[written:]

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout("timed out")
            readable, _, _ = select.select([self._resp_r], [], [], left)
            if not readable:
                continue
            chunk = os.read(self._resp_r, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
