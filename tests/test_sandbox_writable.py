"""Is the private, capped /tmp (and /dev/shm) the only place a worker can write?

A worker walks its own mount table and tries to create a file in every mount
point, in every directory of every mount that is not read-only, and in the
places a student would try first (/, /etc, /var, /root, $HOME, beside the
submission, the submission and the runtime). Under bubblewrap, cold workers
and warm children alike may write only below /tmp and /dev/shm. A warm
child that wrote everywhere it could leaves nothing for the next child of the
same zygote to find (issue 26, item 4: a root shared by every child of a
zygote kept what one student parked there, for the next).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.sandbox import warm
from autograder.sandbox.host import Worker
from autograder.sandbox.isolation import bwrap_path

pytestmark = pytest.mark.skipif(not bwrap_path(), reason="needs bubblewrap's mount namespace")

PRIVATE = ("/tmp", "/dev/shm")  # private to one worker, capped

# Trusted harness code (run in the worker next to the student's module).
WRITE_EVERYWHERE = """
def write_everywhere(module, marker):
    import os, stat
    mounts = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            fstype = fields[fields.index("-") + 1]
            mounts.append((point, "ro" in fields[5].split(","), fstype))
    places = [point for point, _, _ in mounts]
    places += ["/", "/etc", "/var", "/root", os.environ.get("HOME", "/"), os.getcwd(),
               os.path.dirname(os.getcwd()), "/sandbox", "/sandbox/sub", "/sandbox/runtime"]
    pseudo = {"proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"}  # no files to create
    for point, readonly, fstype in mounts:  # every directory of a mount not marked read-only
        if readonly or fstype in pseudo or not os.path.isdir(point):
            continue
        device = os.stat(point).st_dev
        for top, dirs, _ in os.walk(point):
            places.append(top)
            dirs[:] = [d for d in dirs
                       if os.stat(os.path.join(top, d), follow_symlinks=False).st_dev == device]
    written, tried = [], 0
    for place in dict.fromkeys(places):
        try:
            mode = os.stat(place).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            target = os.path.join(place, marker)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        elif stat.S_ISREG(mode):
            target, flags = place, os.O_WRONLY | os.O_APPEND
        else:
            continue  # a device node (/dev/null): nothing stays there
        tried += 1
        try:
            fd = os.open(target, flags, 0o644)
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            os.write(fd, b"left by an earlier submission")
        os.close(fd)
        written.append(place)
    return {"written": written, "tried": tried, "places": sorted(set(places))}
"""

FIND = """
def find_marker(module, marker, places):
    import os
    return [place for place in places if os.path.exists(os.path.join(place, marker))]
"""


def _worker(tmp_path: Path, name: str) -> Worker:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "mod.py").write_text("X = 1\n")
    # forbidden packages and a secret inside a mounted folder are masked by empty tmpfs mounts
    secrets = (tmp_path, Path(pytest.__file__).parent)
    worker = Worker(folder, forbidden=("torch", "scipy"), secrets=secrets)
    worker.request({"op": "import", "modules": ["mod"]}, 60)
    return worker


def _call(worker: Worker, name: str, source: str, *args: object) -> object:
    worker.request({"op": "define", "name": name, "source": source}, 30)
    return worker.request(
        {"op": "call", "target": ["harness", name, "mod"], "args": list(args)}, 120
    )


def _outside_private(paths: list[str]) -> list[str]:
    return [p for p in paths if not any(p == top or p.startswith(top + "/") for top in PRIVATE)]


@pytest.fixture
def fresh_zygotes():
    warm.close_all()
    yield
    warm.close_all()


@pytest.mark.parametrize("mode", ["cold", "warm"])
def test_only_the_private_tmp_is_writable(tmp_path, monkeypatch, fresh_zygotes, mode):
    """Can a worker write anywhere but its private /tmp and /dev/shm (root, /etc, masks, ...)?"""
    monkeypatch.setenv("DLCOURSE_WARM", "1" if mode == "warm" else "0")
    worker = _worker(tmp_path, "a")
    try:
        assert (worker.zygote is not None) == (mode == "warm")
        seen = _call(worker, "write_everywhere", WRITE_EVERYWHERE, "dlcourse-probe")
    finally:
        worker.close()
    assert seen["tried"] > 20, seen  # the walk reached the mount table, not just a few paths
    assert {"/", "/etc", "/sandbox", "/sandbox/sub", "/tmp", "/dev/shm"} <= set(seen["places"])
    assert "/tmp" in seen["written"] and "/dev/shm" in seen["written"]
    outside = _outside_private(seen["written"])
    assert not outside, f"a {mode} worker wrote outside its private /tmp: {outside}"


def test_the_next_child_finds_nothing_the_last_one_wrote(tmp_path, fresh_zygotes):
    """After a child wrote everywhere it could, does the next child of its zygote see none of it?"""
    first = _worker(tmp_path, "a")
    try:
        zygote = first.zygote
        assert zygote is not None, "bubblewrap is here, so the worker must be warm"
        seen = _call(first, "write_everywhere", WRITE_EVERYWHERE, "dlcourse-left")
    finally:
        first.close()
    assert seen["written"], "the first child could write nowhere, not even /tmp"
    second = _worker(tmp_path, "b")
    try:
        assert second.zygote is zygote, "the same zygote serves the next submission"
        found = _call(second, "find_marker", FIND, "dlcourse-left", seen["places"])
    finally:
        second.close()
    assert not found, f"the next child found what the last one wrote: {found}"
