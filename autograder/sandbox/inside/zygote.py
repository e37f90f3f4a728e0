"""The warm worker (zygote): runs inside the sandbox, forks one fresh worker per submission.

Started once per grading process and sandbox configuration, under the same
bubblewrap sandbox, cgroup and rlimits as a cold worker, it imports the
packages the assignment preloads (numpy; torch, warmed up, for PyTorch
assignments) and then serves fork requests from the grader on a Unix socket.
It never imports or runs a submission itself: only the processes it forks do.

For each submission the grader sends the submission's files and three pipe
ends (requests, replies, output file). The fork (A) enters new user, mount,
pid, ipc, uts and network namespaces, mounts a private /tmp, a private
read-only copy of the submission at /sandbox/sub and a private /dev/shm, and
remounts /dev read-only; it then forks the namespace's init (B), which drops
every capability and forks the worker (C). C sets the submission's rlimits,
reseeds the random generators and runs the same request loop as a cold worker
(which, for an assignment that bans torch's attention, removes it before the
submission's first line). When C exits, B exits, and the kernel kills whatever
C left in its pid namespace; its mounts (its files) go with the last process.

Whether the set-up worked is said on a pipe that only A, B and C hold: C
writes "+" and closes it just before it serves the first request (nothing of
the student has run yet); a failure before that writes "-" and why, or just
closes it. The zygote reads it to its end and tells the grader {"started":
true} or {"started": false, "why": ...} before the student's code can run, so
no exit status the student chooses can pass for a failed set-up. A reports
C's exit status, passed on as {"exit": code}. Only the zygote and A ever see
the zygote's own process; C sees neither.

Run as: python -I zygote.py CONTROL_FD PRELOAD(comma-separated) FORBIDDEN(comma-separated)
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import random
import resource
import signal
import socket
import struct
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves it out
import worker  # noqa: E402 - the cold worker's request loop, shared

SUB_DIR = "/sandbox/sub"
TMPFS_BYTES = 64 * 1024 * 1024
SHM_BYTES = 8 * 1024 * 1024
SETUP_FAILED = 71  # A's exit status when the set-up failed (the grader goes by the set-up pipe)
STARTED, NOT_STARTED = b"+", b"-"  # what the set-up pipe says
MAX_WHY = 2000

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 4, 24, 38, 47

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    kind, options = (fstype.encode() if fstype else None), (data.encode() if data else None)
    result = _libc.mount(source.encode(), target.encode(), kind, ctypes.c_ulong(flags), options)
    _check(result, f"mount {target}")


def _prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0)


def _drop_capabilities() -> None:
    """No capabilities, in any set, and no way to gain any by exec."""
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")
    _prctl(PR_CAP_AMBIENT, 4)  # PR_CAP_AMBIENT_CLEAR_ALL
    for cap in range(64):
        if _prctl(PR_CAPBSET_DROP, cap) != 0:
            break  # past the last capability this kernel knows
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = ctypes.create_string_buffer(24)  # two all-zero {effective, permitted, inheritable}
    _check(_libc.capset(ctypes.c_char_p(header), data), "capset")


def _enter_namespaces() -> None:
    uid, gid = os.getuid(), os.getgid()
    _prctl(PR_SET_DUMPABLE, 1)  # writing our own id maps needs it; undone below
    _check(
        _libc.unshare(
            CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET
        ),
        "unshare",
    )
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{uid} {uid} 1"),
        ("gid_map", f"{gid} {gid} 1"),
    ):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)
    _prctl(PR_SET_DUMPABLE, 0)


def _mounts_below_tmp() -> list[str]:
    """Mount points under /tmp, in mount order (a course or its venv may live there)."""
    found = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            point = line.split()[4].replace("\\040", " ")
            if point.startswith("/tmp/"):
                found.append(point)
    return found


def _private_mounts(files: list[tuple[str, bytes]]) -> None:
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    tmpfs = MS_NOSUID | MS_NODEV
    # what the sandbox mounted below /tmp (the course's venv, the masks over it) is
    # mounted again on the private /tmp, from handles opened before it hid them
    below = _mounts_below_tmp()
    handles = {point: os.open(point, os.O_PATH) for point in dict.fromkeys(below)}
    _mount("tmpfs", "/tmp", "tmpfs", tmpfs, f"size={TMPFS_BYTES},mode=1777")
    for point in below:
        os.makedirs(point, exist_ok=True)
        _mount(f"/proc/self/fd/{handles[point]}", point, None, MS_BIND | MS_REC)
        _mount("none", point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | tmpfs)
    for handle in handles.values():
        os.close(handle)
    size = max(1 << 20, 2 * sum(len(data) for _, data in files) + (64 << 10) * (len(files) + 1))
    _mount("tmpfs", SUB_DIR, "tmpfs", tmpfs, f"size={size},mode=755")
    for name, data in files:
        path = os.path.join(SUB_DIR, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    _mount("tmpfs", SUB_DIR, None, MS_REMOUNT | MS_RDONLY | tmpfs)
    _mount("tmpfs", "/dev/shm", "tmpfs", tmpfs | MS_NOEXEC, f"size={SHM_BYTES},mode=1777")
    _mount("/dev", "/dev", None, MS_BIND | MS_REMOUNT | MS_RDONLY | tmpfs)


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 127


def _reseed() -> None:
    """A fresh worker draws fresh seeds; a forked one would repeat the zygote's."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.seed()


def _run_worker(
    fds: list[int], status_fd: int, limits: dict[str, int], forbidden: list[str]
) -> None:
    """C: set up the worker, say so on the set-up pipe, run the student's code; never returns."""
    req_fd, resp_fd, out_fd = fds
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    keep = sorted({0, 1, 2, req_fd, resp_fd, status_fd})
    low = 3
    for fd in [*keep, 1 << 16]:
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    _prctl(PR_SET_DUMPABLE, 1)  # as a cold worker: its own /proc/self is its own
    with open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("1000")  # under the shared memory cap, the worker goes first, never the zygote
    os.chdir(SUB_DIR)
    mem = limits["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = limits["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    size = limits["file_size_bytes"]
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    files = limits["open_files"]
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _reseed()
    os.write(status_fd, STARTED)  # set up: from here on everything is the student's
    os.close(status_fd)
    try:
        worker.serve(req_fd, resp_fd, SUB_DIR, forbidden)
    except BaseException:  # noqa: BLE001 - the student's doing: an exit like a cold worker's
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


def _child(
    request: dict[str, Any], files: list[tuple[str, bytes]], fds: list[int], status_fd: int
) -> None:
    """A: build the namespaces and mounts, start their init B; B starts the worker C."""
    try:
        _enter_namespaces()
        _private_mounts(files)
        files.clear()
        init = os.fork()
        if init == 0:  # B: pid 1 of the new pid namespace
            _drop_capabilities()
            worker_pid = os.fork()
            if worker_pid == 0:  # C
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _run_worker(fds, status_fd, request["limits"], request["forbidden"])
            for fd in [*fds, status_fd]:
                os.close(fd)
            while True:  # reap orphans until the worker itself is gone
                pid, status = os.wait()
                if pid == worker_pid:
                    os._exit(_exit_code(status))
        for fd in [*fds, status_fd]:
            os.close(fd)
        _, status = os.waitpid(init, 0)
        os._exit(_exit_code(status))
    except BaseException as exc:  # noqa: BLE001 - say why, never run the submission unisolated
        why = f"could not isolate the worker: {exc}".encode(errors="replace")[:MAX_WHY]
        try:
            os.write(status_fd, NOT_STARTED + why)
        finally:
            os._exit(SETUP_FAILED)


def _set_up_report(status_r: int) -> dict[str, Any]:
    """What the set-up pipe said, once every end that could write to it is closed."""
    said = b""
    while len(said) <= MAX_WHY:
        chunk = os.read(status_r, 4096)
        if not chunk:
            break
        said += chunk
    os.close(status_r)
    if said == STARTED:
        return {"started": True}
    why = said[1:].decode(errors="replace") if said[:1] == NOT_STARTED else ""
    return {"started": False, "why": why or "the child's set-up ended without a word"}


def _warm(name: str) -> None:
    """First use of a package costs time once (lazy imports, kernels): pay it here."""
    if name == "numpy":
        import numpy as np

        a = np.arange(12.0).reshape(3, 4)
        (a @ a.T).sum()
        np.linalg.norm(a)
        np.random.default_rng(0).standard_normal(3)
        np.einsum("ij,kj->ik", a, a)
    elif name == "torch":
        import torch
        import torch.nn.functional as F  # noqa: N812

        torch.set_num_threads(1)
        x = torch.randn(2, 3, 8, 8, requires_grad=True)
        conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        y = F.max_pool2d(F.relu(conv(x)), 2).flatten(1)
        layer = torch.nn.Sequential(torch.nn.LayerNorm(y.shape[1]), torch.nn.Linear(y.shape[1], 5))
        logits = torch.nn.Dropout(0.1)(layer(y))
        att = F.softmax(logits @ logits.T / 2.0, dim=-1) @ logits
        loss = F.cross_entropy(att, torch.tensor([1, 2])) + F.mse_loss(att, torch.zeros_like(att))
        opt = torch.optim.AdamW([*conv.parameters(), *layer.parameters()], lr=1e-3)
        loss.backward()
        opt.step()
        with torch.no_grad():
            torch.nn.BatchNorm2d(3)(x)


def _probe() -> str:
    """Can this machine give each child its own namespaces? '' if so, else why not."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            _enter_namespaces()
            _mount("none", "/", None, MS_REC | MS_PRIVATE)
            _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=65536")
            _mount("/dev", "/dev", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001
            os.write(write, str(exc).encode(errors="replace")[:500])
            os._exit(1)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    why = os.read(read, 600).decode(errors="replace")
    os.close(read)
    return "" if status == 0 else (why or f"probe status {status}")


class Channel:
    """Length-prefixed JSON messages (and file descriptors) over the control socket."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        self.sock.sendall(struct.pack(">Q", len(body)) + body)

    def receive(self) -> tuple[dict[str, Any], list[bytes], list[int]] | None:
        head, fds, _, _ = socket.recv_fds(self.sock, 8, 8)
        if not head:
            return None
        head += self._exact(8 - len(head))
        body = self._exact(struct.unpack(">Q", head)[0])
        (header_len,) = struct.unpack(">I", body[:4])
        request = json.loads(body[4 : 4 + header_len])
        blobs, offset = [], 4 + header_len
        for size in request.get("sizes", []):
            blobs.append(body[offset : offset + size])
            offset += size
        return request, blobs, list(fds)

    def _exact(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = self.sock.recv(min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


def main() -> None:
    channel = Channel(int(sys.argv[1]))
    preload = [n for n in sys.argv[2].split(",") if n]
    forbidden = [n for n in sys.argv[3].split(",") if n] if len(sys.argv) > 3 else []
    _prctl(PR_SET_DUMPABLE, 0)  # nothing may read or trace the zygote's memory
    started = time.monotonic()
    loaded = []
    for name in preload:
        if name.split(".")[0] in forbidden:
            continue
        try:
            importlib.import_module(name)
            _warm(name)
            loaded.append(name)
        except Exception:  # noqa: BLE001 - a child imports it itself then, and fails there
            pass
    why = _probe()
    gc.collect()
    gc.freeze()  # the preloaded objects stay out of every child's collections: fewer copied pages
    channel.send(
        {"ready": True, "preloaded": loaded, "seconds": time.monotonic() - started, "unusable": why}
    )
    if why:
        return
    while True:
        try:
            received = channel.receive()
        except (EOFError, OSError):
            return
        if received is None:
            return
        request, blobs, fds = received
        if request.get("op") != "fork" or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            channel.send({"error": "bad request"})
            continue
        files = list(zip(request["names"], blobs))
        sys.stdout.flush()
        sys.stderr.flush()
        status_r, status_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            channel.sock.close()
            os.close(status_r)
            _child(request, files, fds, status_w)
        for fd in [*fds, status_w]:
            os.close(fd)
        channel.send(_set_up_report(status_r))
        _, status = os.waitpid(pid, 0)
        channel.send({"exit": _exit_code(status)})


if __name__ == "__main__":
    main()
