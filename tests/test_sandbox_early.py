"""A worker started early is the worker the first check would have started.

`dlcourse check` starts its submission's worker as soon as it has read the
submission (`autograder.sandbox.early`), before its own imports. These tests
ask whether the first check takes that worker over (no second sandbox),
whether it is confined as any cold worker is, whether the import sent early
keeps its time limit, whether a worker for other files is never taken, and
whether nothing is left once the command ends.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.engine.workers import let_sandboxes_go, start_worker_early, worker_settings
from autograder.intake.staging import stage
from autograder.sandbox import early, warm
from autograder.sandbox.errors import ImportFailed
from autograder.sandbox.host import Worker
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
    return {"uid": os.getuid(), "refused": refused, "course": os.path.exists(COURSE),
            "pid": os.getpid()}
"""

pytestmark = pytest.mark.skipif(not bwrap_path(), reason="the sandbox needs bubblewrap")


def _folder(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "conv.py").write_text(source)
    return folder


def _spec(folder: Path, **overrides: object) -> SubmissionSpec:
    course = load_course(ROOT)
    settings = {**worker_settings(course, course.assignment("conv")), **overrides}
    return SubmissionSpec(folder=folder, **settings)


def _start_early(folder: Path, **overrides: object) -> None:
    course = load_course(ROOT)
    settings = {**worker_settings(course, course.assignment("conv")), **overrides}
    worker = Worker(
        folder,
        limits=settings["limits"],
        forbidden=settings["forbidden"],
        secrets=settings["secrets"],
        preload=settings["preload"],
    )
    early.start(worker, settings["modules"])


@pytest.fixture(autouse=True)
def _nothing_left():
    early.close_all()
    warm.close_all()  # zygotes an earlier test of this process kept
    yield
    early.close_all()
    warm.close_all()


def test_the_first_check_takes_over_the_early_worker_confined_as_any(tmp_path):
    """Does the first check talk to the worker started early (no other sandbox is started),
    and is that worker as confined as a cold worker?"""
    course = load_course(ROOT)
    folder = _folder(tmp_path, f"COURSE = {str(course.root / 'solutions')!r}\n" + PROBE)
    _start_early(folder)
    ((_, started),) = early._STARTED.items()
    pid = started.proc.pid
    sub = Submission(_spec(folder))
    try:
        sub.begin_check(30)
        found = sub.call("probe")
        assert sub.worker.proc is not None and sub.worker.proc.pid == pid  # taken over
        assert sub.worker.zygote is None and not warm._ZYGOTES  # no zygote was started
        assert early._STARTED == {}
        assert found["uid"] == 65534
        assert sorted(found["refused"]) == ["/etc/x", "/sandbox/runtime/x", "/sandbox/sub/x.py"]
        assert found["course"] is False  # the course (its solutions/) is not mounted
    finally:
        sub.close()
    assert sub.worker.tmp is None and started.proc is None  # closed once, by its new owner


def test_an_early_worker_for_other_files_or_limits_is_never_taken(tmp_path):
    """Is the early worker taken only for the very files and settings it was started for?"""
    folder = _folder(tmp_path, "COURSE = '/nowhere'\n" + PROBE)
    _start_early(folder)
    other = tmp_path / "other"
    other.mkdir()
    (other / "conv.py").write_text("COURSE = '/elsewhere'\n" + PROBE)
    course = load_course(ROOT)
    limits = worker_settings(course, course.assignment("conv"))["limits"]
    tighter = type(limits)(memory_mb=limits.memory_mb // 2)
    for spec in (_spec(other), _spec(folder, limits=tighter)):
        sub = Submission(spec)
        try:
            sub.begin_check(30)
            sub.call("probe")
            assert len(early._STARTED) == 1  # still waiting for its own submission
        finally:
            sub.close()
    let_sandboxes_go()  # what a one-shot command does once it has graded
    assert early._STARTED == {}


def test_the_early_import_keeps_its_time_limit_from_when_it_was_sent(tmp_path):
    """An import slower than its limit: does it time out counted from when it was sent
    early, not from when the first check asked (that would give it the grader's imports too)?"""
    folder = _folder(tmp_path, "import time\ntime.sleep(3)\n")
    _start_early(folder, import_timeout_s=2.0)
    time.sleep(1.5)  # the grader's own imports and collection
    sub = Submission(_spec(folder, import_timeout_s=2.0))
    try:
        sub.begin_check(30)
        with pytest.raises(ImportFailed) as raised:
            sub.call("anything")
        assert raised.value.message_id == "sandbox.import_timeout"
    finally:
        sub.close()


def test_a_crash_at_import_gets_the_same_verdict_with_or_without_an_early_start(tmp_path):
    """A submission that exits while it is imported: is the first check's error the same
    (the retry after a crash is an ordinary worker)?"""
    folder = _folder(tmp_path, "import os\nos._exit(3)\n")

    def first_error() -> str:
        sub = Submission(_spec(folder))
        try:
            sub.begin_check(30)
            with pytest.raises(ImportFailed) as raised:
                sub.call("anything")
            return str(raised.value)
        finally:
            sub.close()

    plain = first_error()
    _start_early(folder)
    assert first_error() == plain
    assert "exited with status 3" in plain


def test_a_self_check_starts_no_worker_for_a_submission_staging_refused(tmp_path):
    """A folder without the module: does starting early start nothing (no check would run it)?"""
    course = load_course(ROOT)
    (tmp_path / "notes.txt").write_text("no conv.py here")
    staged = stage(tmp_path.name, tmp_path, course.assignment("conv"))
    assert staged.problems
    start_worker_early(course, course.assignment("conv"), staged)
    assert early._STARTED == {}


def test_a_zygote_let_go_exits_and_the_next_worker_gets_a_fresh_one(tmp_path, monkeypatch):
    """After let_sandboxes_go, does an idle zygote exit by itself, its clean-up still done at
    close, and does a later worker fork from a new zygote, not the one let go?"""
    monkeypatch.setenv("DLCOURSE_WARM", "1")
    folder = _folder(tmp_path, "COURSE = '/nowhere'\n" + PROBE)
    first = Submission(_spec(folder))
    try:
        first.begin_check(30)
        first.call("probe")
        zygote = first.worker.zygote
        assert zygote is not None
    finally:
        first.close()
    let_sandboxes_go()
    assert zygote.proc is not None and zygote.proc.wait(timeout=10) is not None  # it left
    cgroup = list(zygote.cgroup.dirs) if zygote.cgroup else []
    second = Submission(_spec(folder))
    try:
        second.begin_check(30)
        assert second.call("probe")["uid"] == 65534
        assert second.worker.zygote is not None and second.worker.zygote is not zygote
    finally:
        second.close()
        warm.close_all()
    assert not any(path.exists() for path in cgroup)  # the first one's cgroup is removed
    assert not zygote.tmp.exists()
