"""Does a reply the grader refuses cost it nothing, and a hostile worker only its own checks?

Issue 26, item 6: garbage reply frames up to the wire's old 512 MiB limit,
sent again and again, drove a grading process to gigabytes and turned the
attacker's grade into a grader error. A reply is now capped far below that
(the largest a reference run needs, with margin), a frame declared larger is
refused from its 8-byte length without being read, a refused frame is freed
at once, and protocol errors count against the same restart budget as crashes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from graderkit import ROOT

from autograder.sandbox import host
from autograder.sandbox.errors import ProtocolError
from autograder.sandbox.inside import wire
from autograder.sandbox.submission import MAX_RESTARTS

OLD_LIMIT = 512 * 1024 * 1024  # the wire's frame limit, which a reply could fill before
# the largest reply a reference run of any assignment's checks sends (measured over the
# checks of every assignment and the project's tests of them: basics, ~0.36 MB)
LARGEST_LEGAL_REPLY = 360_097
# what reading refused replies may add to a grading process's peak memory: one buffer
# of the cap, with room for the decoding of a reply just under it (before: gigabytes)
GROWTH_BUDGET_MB = 2 * 16 + 48

# Finds the worker's reply pipe (the one writable pipe it holds) and writes frames to it.
SPAMMER = '''
import os, stat


def _reply_fd():
    import fcntl

    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                    return fd
        except OSError:
            pass
    raise RuntimeError("no reply pipe")


def spam(declared, frames=3, hang=False):
    """Frames of `declared` garbage bytes; with `hang`, a length and then nothing."""
    fd = _reply_fd()
    chunk = bytes(range(256)) * 4096  # 1 MiB that decodes as nothing
    try:
        for _ in range(frames):
            os.write(fd, declared.to_bytes(8, "big"))
            if hang:
                import time
                time.sleep(600)
            left = declared
            while left:
                left -= os.write(fd, chunk[: min(left, len(chunk))])
    except BrokenPipeError:
        os._exit(0)
'''


def test_the_cap_sits_above_every_legal_reply_and_far_below_the_old_limit():
    """Is the reply cap large enough for every reference answer, and small next to 512 MiB?"""
    assert 16 * LARGEST_LEGAL_REPLY <= host.MAX_REPLY_BYTES <= 16 * 2**20
    assert host.MAX_REPLY_BYTES < wire.MAX_MESSAGE_BYTES


def test_a_frame_declared_too_large_is_refused_unread(tmp_path):
    """Does a declared length over the cap end the request at once, without waiting for bytes?"""
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(SPAMMER)
    with host.Worker(folder) as worker:
        worker.request({"op": "import", "modules": ["mod"]}, 30)
        started = time.monotonic()
        with pytest.raises(ProtocolError, match="limit exceeded"):
            call = {"op": "call", "target": ["attr", "mod", "spam"]}
            worker.request({**call, "args": [OLD_LIMIT - 1], "kwargs": {"hang": True}}, 20)
        assert time.monotonic() - started < 10, "the grader waited for the refused frame"
        assert not worker.alive


# Runs in a fresh grading process: the reference, then the spammer twice (frames of the
# old limit, then just under the new cap), then the reference again; says what it saw.
GRADING = """
import json, sys
from pathlib import Path
from autograder.config import load_course
from autograder.engine.runner import run_checks
from autograder.sandbox import host

def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

starts = [0]
start = host.Worker.start
def counting(self):
    starts[0] += 1
    return start(self)
host.Worker.start = counting

root = Path(sys.argv[1])
course = load_course(root)
conv = course.assignment("conv")
def grade(folder):
    starts[0] = 0
    results, _, _ = run_checks(course, conv, folder, seed=3, include_hidden=True)
    return {"score": sum(r.score for r in results), "max": sum(r.max_score for r in results),
            "kinds": sorted({r.kind for r in results if r.status != "passed"}),
            "starts": starts[0]}

seen = {"honest": grade(root / "solutions" / "conv"), "before": peak_mb()}
for name in sys.argv[2:]:
    seen[name] = grade(Path(name))
seen["after"] = peak_mb()
seen["honest_again"] = grade(root / "solutions" / "conv")
print(json.dumps(seen))
"""


def _spamming_conv(folder: Path, declared: int) -> Path:
    folder.mkdir()
    reference = (ROOT / "solutions" / "conv" / "conv.py").read_text()
    hostile = reference.replace(
        "def conv_forward(",
        f"def conv_forward(*args, **kwargs):\n    return spam({declared})\n\n\ndef _unused_conv_forward(",
        1,
    )
    (folder / "conv.py").write_text(hostile + "\n\n" + SPAMMER)
    return folder


def test_garbage_frames_cost_the_attacker_not_the_grader(tmp_path):
    """Does a worker spamming the largest frames leave the grading process's memory small, fail
    only its own checks (protocol, crash), stop restarting, and leave the next one graded?"""
    old = _spamming_conv(tmp_path / "old_limit", OLD_LIMIT - 1)
    cap = _spamming_conv(tmp_path / "under_cap", getattr(host, "MAX_REPLY_BYTES", OLD_LIMIT) - 1)
    done = subprocess.run(
        [sys.executable, "-c", GRADING, str(ROOT), str(old), str(cap)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    grown = seen["after"] - seen["before"]
    print(
        f"\ngrading process peak: {seen['before']:.0f} MiB, after the spammers {seen['after']:.0f} MiB"
    )
    assert grown < GROWTH_BUDGET_MB, f"the grader grew by {grown:.0f} MiB"
    for name in (str(old), str(cap)):
        spammer = seen[name]
        assert spammer["score"] < spammer["max"], spammer
        assert "protocol" in spammer["kinds"] and set(spammer["kinds"]) <= {"protocol", "crash"}, (
            spammer
        )
        assert spammer["starts"] <= MAX_RESTARTS + 2, spammer  # no loop of restarts
    honest = seen["honest_again"]
    assert honest["score"] == honest["max"] == seen["honest"]["max"], honest
