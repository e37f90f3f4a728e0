"""Starting, talking to and killing the sandboxed worker (grader side).

How the worker is isolated is up to its launcher (`isolation.launcher()`, one
of `launch/`), how much it may use to `limits`; what can go wrong is in
`errors`. The sandbox package imports nothing else of the grader: it is the
trust boundary, and it stays small enough to read in one sitting.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from autograder.sandbox import early, warm
from autograder.sandbox.errors import (
    STUDENT_KINDS,
    ImportFailed,
    ProtocolError,
    StudentError,
    WorkerCrashed,
    WorkerError,
    WorkerTimeout,
)
from autograder.sandbox.isolation import describe, launcher
from autograder.sandbox.limits import OUTPUT_LIMIT, Cgroup, Limits, confine
from autograder.sandbox.runtime import PACKAGE_DIR, write_runtime

__all__ = [
    "OUTPUT_LIMIT",
    "ImportFailed",
    "PACKAGE_DIR",
    "Limits",
    "ProtocolError",
    "StudentError",
    "Worker",
    "WorkerCrashed",
    "WorkerError",
    "WorkerTimeout",
    "describe",
]

# The largest reply frame the grader reads. The largest a reference run of any
# assignment's checks sends is 0.36 MB (basics; most stay under 0.1 MB), measured
# over every assignment's checks and the project's tests of them: 16 MiB leaves a
# margin of 40 and bounds what a hostile worker's replies cost a grading process.
MAX_REPLY_BYTES = 16 * 1024 * 1024


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
        preload: tuple[str, ...] = ("numpy",),
    ) -> None:
        self.submission_dir = Path(submission_dir)
        self.preload = preload
        self.limits = limits or Limits()
        self.forbidden = forbidden
        self.config = warm.Config.of(preload, forbidden, self.limits, secrets)
        self.secrets = list(self.config.secrets)  # the package's folder among them
        self.proc: subprocess.Popen[bytes] | None = None
        self.tmp: Path | None = None
        self.cgroup: Cgroup | None = None
        self.zygote: warm.Zygote | None = None  # where this worker is a zygote's child
        self.exit_code: int | None = None
        self.launcher = launcher()  # what started the worker (a zygote's child: the zygote's)
        self._req_w = self._resp_r = -1
        self._sent: tuple[bytes, float] | None = None  # a request sent at start (`early`)

    # -- life cycle ---------------------------------------------------------
    def start(self) -> None:
        self.close()
        if early.take_over(self) or self._start_warm():
            return
        self._start_cold()

    def _start_cold(self) -> None:
        """bubblewrap and a new interpreter for this worker alone."""
        self.tmp = Path(tempfile.mkdtemp(prefix="dlcourse-worker-"))
        runtime = self.tmp / "runtime"
        sub = self.tmp / "sub"
        write_runtime(runtime)
        shutil.copytree(self.submission_dir, sub)
        os.chmod(self.tmp, 0o755)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        self.stdout_path = self.tmp / "stdout.txt"
        stdout = open(self.stdout_path, "wb")  # noqa: SIM115 - handed to the child
        self.launcher = launcher()
        wrapped = self.launcher.wrap(
            runtime, sub, secrets=[*self.secrets], forbidden=self.forbidden
        )
        command = wrapped.argv(
            "worker.py", str(req_r), str(resp_w), wrapped.sub, ",".join(self.forbidden)
        )
        self.cgroup, command, preexec = confine(command, self.limits)
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, resp_w),
                env=wrapped.env,
                cwd=str(sub),
                preexec_fn=preexec,
                start_new_session=wrapped.new_session,
            )
        finally:
            stdout.close()
            os.close(req_r)
            os.close(resp_w)
        self._req_w, self._resp_r = req_w, resp_r

    def _start_warm(self) -> bool:
        """A child of this process's zygote for the submission; False where none can be had."""
        config = self.config
        zygote = warm.zygote_for(config)
        files = warm.submission_files(self.submission_dir) if zygote else None
        if zygote is None or files is None:
            return False
        self.tmp = Path(tempfile.mkdtemp(prefix="dlcourse-worker-"))
        self.stdout_path = self.tmp / "stdout.txt"
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out = os.open(self.stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            zygote.fork(files, (req_r, resp_w, out), self.limits)
        except warm.ZygoteError as exc:
            if isinstance(exc, warm.SetUpFailed):  # nothing of the student ran: cold from now on
                warm.disable(config, str(exc))
            for fd in (req_w, resp_r):
                os.close(fd)
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
            return False
        finally:
            for fd in (req_r, resp_w, out):
                os.close(fd)
        self.zygote = zygote
        self.launcher = zygote.launcher
        self.exit_code = None
        self._req_w, self._resp_r = req_w, resp_r
        return True

    @property
    def alive(self) -> bool:
        if self.zygote is not None:
            return self.exit_code is None and self.zygote.alive and self._resp_r >= 0
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.zygote is not None:  # a child that must stop now: its zygote goes with it
            self.zygote.kill()
            self.exit_code = self.exit_code if self.exit_code is not None else -9
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.launcher.kill(self.proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        if self.cgroup:
            self.cgroup.kill_all()

    def close(self) -> None:
        if self.zygote is not None and self.exit_code is None:
            self._close_channel()  # a warm child ends when its channel closes ...
            if self.zygote.wait_exit(warm.EXIT_TIMEOUT_S) is None:
                self.zygote.kill()  # ... or is killed with its zygote
        self.zygote = None
        self._sent = None
        self.kill()
        self._close_channel()
        if self.cgroup:
            self.cgroup.remove()
            self.cgroup = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        self.proc = None

    def _close_channel(self) -> None:
        for fd in (self._req_w, self._resp_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._req_w = self._resp_r = -1

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

    def _exit_code(self) -> int | None:
        if self.zygote is not None:
            if self.exit_code is None:
                self.exit_code = self.zygote.wait_exit(warm.EXIT_TIMEOUT_S)
                if self.exit_code is None:
                    self.zygote.kill()
            return self.exit_code
        assert self.proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)
        return self.proc.returncode

    def _death(self) -> WorkerCrashed:
        code = self._exit_code()  # the student's to choose: it decides nothing but this message
        number = None if code is None else self.launcher.signal_of(code)
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
            kind = "crash"
        else:
            how = f"exited with status {code} (os._exit or sys.exit in the submission?)"
            kind = "exit"
        tail = self.output_tail(600).strip()
        message = f"the worker running your code {how}"
        if tail:
            message += f"\n  last output: {tail[-600:]}"
        self.close()
        return WorkerCrashed(message, kind=kind)

    def request(self, payload: dict[str, Any], timeout: float) -> Any:
        from autograder.sandbox.inside import wire  # numpy: not needed to start a worker

        if not self.alive:
            self.start()
        body = wire.dumps(payload)
        deadline = time.monotonic() + timeout
        sent, self._sent = self._sent, None
        if sent is not None and sent[0] != body:  # not the request sent at start: no reply of
            self.start()  # it may answer this one, so a fresh worker takes it
            sent = None
        problem = ""
        try:
            if sent is None:
                self._write_all(wire.frame(body), deadline)
            else:  # sent when the worker started: its time counts from then
                deadline = sent[1] + timeout
            del body
            size = int.from_bytes(self._read_exact(8, deadline), "big")
            if size > MAX_REPLY_BYTES:  # refused from its length: not one byte more is read
                problem = f"the worker sent a reply of {size} bytes (limit exceeded)"
            else:
                frame = self._read_exact(size, deadline)
                try:
                    reply = wire.loads(frame, deadline=deadline)
                except wire.WireError as exc:
                    problem = f"the worker sent an invalid reply: {exc}"
                del frame  # a refused frame is freed now, not when its error is
        except WorkerTimeout:
            self.kill()
            self.close()
            raise
        except (EOFError, BrokenPipeError):
            raise self._death() from None
        if problem:  # raised out here, the error keeps no frame of the refused reply alive
            self.close()
            raise ProtocolError(problem)
        if not isinstance(reply, dict) or "ok" not in reply:
            self.close()
            raise ProtocolError("the worker sent a reply without a status")
        if reply["ok"] is True:
            return reply.get("value")
        error = reply.get("error")
        if not isinstance(error, dict):
            self.close()  # a worker that breaks the protocol is not asked again
            raise ProtocolError("the worker sent a malformed error")
        where = error.get("where") or []
        kind = error.get("kind")
        raise StudentError(  # clipped here: the worker's sizes are the student's
            wire.clip(error.get("type", "Error"), 200),
            wire.clip(error.get("message", "")),
            [wire.clip(w, 400) for w in where[-wire.MAX_TRACE_ENTRIES :]]
            if isinstance(where, list)
            else [],
            kind=kind if kind in STUDENT_KINDS else "exception",
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

    def _read_exact(self, size: int, deadline: float) -> bytearray:
        """`size` bytes into one buffer (checked against the cap first: never more than it)."""
        buffer = bytearray(size)
        got = 0
        with memoryview(buffer) as view:
            while got < size:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WorkerTimeout("timed out")
                readable, _, _ = select.select([self._resp_r], [], [], left)
                if not readable:
                    continue
                count = os.readv(self._resp_r, [view[got : got + (1 << 20)]])
                if not count:
                    raise EOFError
                got += count
        return buffer
