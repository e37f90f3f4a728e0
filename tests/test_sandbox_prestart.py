"""A sandbox started early is the sandbox the first check would have started.

`dlcourse check` starts the assignment's zygote before the grader imports
pytest and collects the checks (`autograder.engine.workers.start_sandbox_early`),
so that it comes up on another core meanwhile. These tests ask whether that
zygote is the one the submission's worker then forks from (not a second
one), whether it is confined like any other, and whether nothing is started
where warm workers are off.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.engine.workers import start_sandbox_early, worker_settings
from autograder.sandbox import warm
from autograder.sandbox.isolation import bwrap_path
from autograder.sandbox.submission import Submission, SubmissionSpec

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import os


def probe():
    refused = []
    for path in ("/sandbox/sub/x.py", "/sandbox/runtime/x", "/etc/x"):
        try:
            open(path, "w").close()
        except OSError:
            refused.append(path)
    return {"uid": os.getuid(), "refused": refused, "course": os.path.exists(COURSE)}
"""


def _spec(folder: Path) -> SubmissionSpec:
    course = load_course(ROOT)
    return SubmissionSpec(folder=folder, **worker_settings(course, course.assignment("conv")))


def _zygotes() -> list[warm.Zygote]:
    return list(warm._ZYGOTES.values())


@pytest.mark.skipif(not bwrap_path(), reason="warm workers need bubblewrap")
def test_the_early_zygote_is_the_one_the_first_worker_forks_from(tmp_path, monkeypatch):
    """Does the first check fork from the zygote started early, confined as any worker is?"""
    monkeypatch.setenv("DLCOURSE_WARM", "1")
    warm.close_all()
    course = load_course(ROOT)
    (tmp_path / "conv.py").write_text(f"COURSE = {str(course.root / 'solutions')!r}\n" + PROBE)
    start_sandbox_early(course, course.assignment("conv"))
    (early,) = _zygotes()
    assert early.pending and early.alive  # launched, not waited for
    sub = Submission(_spec(tmp_path))
    try:
        sub.begin_check(30)
        found = sub.call("probe")
        assert sub.worker.zygote is early and not early.pending  # no second zygote
        assert _zygotes() == [early]
        assert found["uid"] == 65534
        assert sorted(found["refused"]) == ["/etc/x", "/sandbox/runtime/x", "/sandbox/sub/x.py"]
        assert found["course"] is False  # the course (its solutions/) is not mounted
    finally:
        sub.close()
        warm.close_all()


def test_no_sandbox_is_started_early_where_warm_workers_are_off(monkeypatch):
    """With DLCOURSE_WARM=0, does starting early start nothing (cold workers as before)?"""
    monkeypatch.setenv("DLCOURSE_WARM", "0")
    warm.close_all()
    course = load_course(ROOT)
    start_sandbox_early(course, course.assignment("conv"))
    assert _zygotes() == []


@pytest.mark.skipif(not bwrap_path(), reason="warm workers need bubblewrap")
def test_a_zygote_let_go_exits_and_the_next_worker_gets_a_fresh_one(tmp_path, monkeypatch):
    """After let_sandboxes_go, does the idle zygote exit by itself, its clean-up still
    done at close, and does a later worker fork from a new zygote, not the one let go?"""
    from autograder.engine.workers import let_sandboxes_go

    monkeypatch.setenv("DLCOURSE_WARM", "1")
    warm.close_all()
    course = load_course(ROOT)
    (tmp_path / "conv.py").write_text(f"COURSE = {str(course.root)!r}\n" + PROBE)
    first = Submission(_spec(tmp_path))
    try:
        first.begin_check(30)
        first.call("probe")
        (zygote,) = _zygotes()
    finally:
        first.close()
    let_sandboxes_go()
    assert zygote.proc is not None and zygote.proc.wait(timeout=10) is not None  # it left
    cgroup = list(zygote.cgroup.dirs) if zygote.cgroup else []
    second = Submission(_spec(tmp_path))
    try:
        second.begin_check(30)
        assert second.call("probe")["uid"] == 65534
        assert second.worker.zygote is not zygote
    finally:
        second.close()
        warm.close_all()
    assert not any(folder.exists() for folder in cgroup)  # the first one's cgroup is removed
    assert not zygote.tmp.exists()
