"""Can a submission's exit status change how the others are graded?

A warm worker's set-up (namespaces, mounts, capabilities, limits) either works
before any of the student's code runs, or the zygote says so over its own
control socket; the worker's exit status is the student's and decides nothing
but that student's own result (issue 26, item 5: exiting with the status that
once meant "the warm sandbox could not be set up" switched warm workers off
for the rest of the grading process, and cost the student a check as if the
grader had failed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from autograder.sandbox import warm
from autograder.sandbox.errors import ImportFailed, WorkerCrashed
from autograder.sandbox.isolation import bwrap_path
from autograder.sandbox.submission import Submission, SubmissionSpec

pytestmark = pytest.mark.skipif(not bwrap_path(), reason="warm workers need bubblewrap")

# 71: what the zygote's set-up exits with; 127: a status the zygote could not read;
# 128 + n: how a signal is reported; 1 and 0: plain exits
SPECIAL = [71, 127, 128 + 9, 128 + 11, 255, 1, 0]
INFRASTRUCTURE = "the warm sandbox could not be set up"


def _spec(tmp_path: Path, name: str, source: str) -> SubmissionSpec:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "mod.py").write_text(source)
    return SubmissionSpec(folder=folder, modules=("mod",), timeout_s=30, import_timeout_s=30)


def _next_one_is_warm(tmp_path: Path) -> None:
    """An honest submission after the hostile one: a warm worker and its own answer."""
    sub = Submission(_spec(tmp_path, "honest", "def one():\n    return 1\n"))
    sub.begin_check()
    try:
        assert sub.call("one") == 1
        assert sub.worker.zygote is not None, "warm workers were switched off for the others"
    finally:
        sub.close()


@pytest.fixture
def fresh_zygotes():
    warm.close_all()
    warm._UNUSABLE.clear()
    yield
    warm.close_all()
    warm._UNUSABLE.clear()


@pytest.mark.parametrize("code", SPECIAL)
def test_an_exit_status_during_a_check_is_the_students_own(tmp_path, fresh_zygotes, code):
    """Does os._exit(code) in a checked function cost that check only, as the student's exit?"""
    source = f"import os\ndef leave():\n    os._exit({code})\n"
    sub = Submission(_spec(tmp_path, "leaver", source))
    sub.begin_check()
    try:
        sub._ensure()
        assert sub.worker.zygote is not None
        with pytest.raises(WorkerCrashed) as caught:
            sub.call("leave")
    finally:
        sub.close()
    assert INFRASTRUCTURE not in str(caught.value)
    if code <= 128:
        assert caught.value.kind == "exit" and f"exited with status {code}" in str(caught.value)
    _next_one_is_warm(tmp_path)


@pytest.mark.parametrize("how", ["os._exit(71)", "sys.exit(71)", "raise SystemExit(71)"])
def test_exiting_at_import_with_the_set_up_status_fails_only_that_import(
    tmp_path, fresh_zygotes, how
):
    """Does a module that exits with 71 as it is imported fail its own import, nothing else?"""
    sub = Submission(_spec(tmp_path, "leaver", f"import os, sys\n{how}\n"))
    sub.begin_check()
    try:
        with pytest.raises(ImportFailed) as caught:
            sub._ensure()
    finally:
        sub.close()
    assert INFRASTRUCTURE not in str(caught.value)
    assert "71" in str(caught.value)
    _next_one_is_warm(tmp_path)


def test_a_set_up_that_really_fails_falls_back_to_a_cold_worker(
    tmp_path, fresh_zygotes, monkeypatch
):
    """Where a child cannot be isolated (here: limits it cannot set), is the worker cold?"""
    fork = warm.Zygote.fork

    def impossible_limits(self, files, fds, limits):
        return fork(self, files, fds, replace(limits, open_files=1 << 40))

    monkeypatch.setattr(warm.Zygote, "fork", impossible_limits)
    sub = Submission(_spec(tmp_path, "honest", "def one():\n    return 1\n"))
    sub.begin_check()
    try:
        assert sub.call("one") == 1
        assert sub.worker.zygote is None, "a child that could not be isolated must not run"
        assert sub.crashes == 0, "the grader's failure was charged to the student"
    finally:
        sub.close()
