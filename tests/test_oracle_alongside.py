"""The reference's answer computed while the student's run waits (issue 24).

`Oracle.run_alongside(work, fn, ...)` gives (`work()`, the reference's answer).
A live oracle computes the reference in a thread of its own while `work` (the
student's call, sent to the sandboxed worker) waits in the caller's thread:
the cnn and bert checks train on both sides, and each side's first optimizer
imports torch._dynamo. These tests ask that nothing but the timing changes.
"""

from __future__ import annotations

import itertools
import threading
import types

import pytest

from autograder.checkkit import oracle as oracle_module
from autograder.checkkit.oracle import LiveOracle, Oracle, RecordingOracle, answer_key

_NAMES = itertools.count()


def _live(kind=LiveOracle, **reference):
    """A live oracle of an assignment of its own (no checks, no shared answers) whose
    reference module holds `reference`."""
    oracle = kind(f"alongside-{next(_NAMES)}")
    oracle._modules[None] = types.SimpleNamespace(**reference)
    return oracle


def triple(module, x):
    return module.factor * x


def test_the_reference_runs_while_the_student_waits():
    """Do the reference and `work` run at the same time (each sees the other started)?"""
    sent, answered = threading.Event(), threading.Event()

    def reference(module):
        seen = sent.wait(timeout=5)  # one run after the other: the first waits in vain
        answered.set()
        return seen

    def work():
        sent.set()
        return answered.wait(timeout=5)

    assert _live().run_alongside(work, reference) == (True, True)


def test_the_student_runs_in_the_callers_thread_and_the_reference_does_not():
    """Is `work` run in the caller's thread (workers are kept per thread)?"""
    seen = {}

    def where(module):
        seen["reference"] = threading.current_thread()
        return 0

    def work():
        seen["work"] = threading.current_thread()
        return 0

    _live().run_alongside(work, where)
    assert seen["work"] is threading.current_thread()
    assert seen["reference"] is not threading.current_thread()


def test_the_same_values_as_one_after_the_other():
    """Are the pair's values those of the reference and of `work`, whichever way they run?"""
    live = _live(factor=3)
    assert live.run_alongside(lambda: "student", triple, 5) == ("student", 15)
    assert Oracle.run_alongside(live, lambda: "student", triple, 5) == ("student", 15)


def test_an_error_of_the_reference_wins_over_the_students():
    """When both fail, is it the reference's error that the check sees, as before?"""

    def broken(module):
        raise ValueError("reference")

    def work():
        raise RuntimeError("student")

    with pytest.raises(ValueError, match="reference"):
        _live().run_alongside(work, broken)
    with pytest.raises(ValueError, match="reference"):
        _live().run_alongside(lambda: 1, broken)


def test_an_error_of_the_student_is_raised_after_the_reference_is_done():
    """Does the student's error come out only once the reference has finished?"""
    done = threading.Event()

    def slow(module):
        done.wait(timeout=0.2)  # still running when `work` fails
        done.set()
        return 1

    def work():
        raise RuntimeError("student")

    with pytest.raises(RuntimeError, match="student"):
        _live().run_alongside(work, slow)
    assert done.is_set()


def test_an_answer_this_process_has_costs_no_thread(monkeypatch):
    """Is an answer already shared taken as it is, without a thread?"""
    live = _live(factor=2)
    live.run(triple, 4)
    started = []
    original = threading.Thread.start

    def start(self):
        started.append(self)
        return original(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    assert live.run_alongside(lambda: "student", triple, 4) == ("student", 8)
    assert started == []
    assert live.run_alongside(lambda: "student", triple, 5) == ("student", 10)
    assert len(started) == 1  # a new answer: computed in its own thread


def test_a_recording_oracle_records_what_it_computed_alongside():
    """Does the bundle's recorder keep the answers computed in the reference's thread?"""
    recorder = _live(RecordingOracle, factor=5)
    assert recorder.run_alongside(lambda: None, triple, 2) == (None, 10)
    _, key = answer_key(triple, [2], {}, None)
    assert recorder.answers[key] == 10
    # and again once the answer is shared: still recorded, still the same
    recorder.answers.clear()
    assert recorder.run_alongside(lambda: None, triple, 2) == (None, 10)
    assert recorder.answers[key] == 10


def test_the_reference_works_on_its_own_copy_of_the_arguments():
    """Can a reference that edits its inputs change what the student is sent? (It cannot.)"""
    import numpy as np

    x = np.arange(4.0)

    def edits(module, values):
        values[:] = -1
        return float(values.sum())

    got, want = _live().run_alongside(lambda: x.copy(), edits, x)
    assert want == -4.0
    assert np.array_equal(got, np.arange(4.0))
    assert np.array_equal(x, np.arange(4.0))


def test_shared_answers_stay_per_assignment():
    """Do two oracles of different assignments keep their answers apart?"""
    a, b = _live(factor=2), _live(factor=7)
    assert a.run_alongside(lambda: 0, triple, 1)[1] == 2
    assert b.run_alongside(lambda: 0, triple, 1)[1] == 7
    assert (a.assignment, oracle_module.shared_key(triple, (1,), {}, None)) in (
        oracle_module._SHARED_ANSWERS
    )


def test_code_in_this_process_never_runs_beside_the_reference():
    """Does an oracle for in-process work (a notebook kernel) run the reference first, in
    the caller's thread? The two would share torch's random generator and any patched
    optimizer step (the cnn harness records AdamW's rates by patching its step)."""
    order = []

    def reference(module):
        order.append(("reference", threading.current_thread()))
        return 1

    def work():
        order.append(("work", threading.current_thread()))
        return 2

    oracle = _live(kind=lambda name: LiveOracle(name, overlap=False))
    assert oracle.run_alongside(work, reference) == (2, 1)
    here = threading.current_thread()
    assert order == [("reference", here), ("work", here)]


def test_reference_runs_of_one_process_take_turns():
    """Do two reference runs in two threads of one process (a Dask worker grading two
    submissions, each with its reference thread) never overlap? A reference may use
    process-wide state: torch's generator, cnn's patched AdamW.step."""
    import time

    inside, overlaps = [], []

    def uses_global_state(module, tag):
        if inside:
            overlaps.append(tag)
        inside.append(tag)
        time.sleep(0.05)
        inside.remove(tag)
        return tag

    oracles = [_live() for _ in range(4)]
    threads = [
        threading.Thread(target=oracle.run, args=(uses_global_state, index))
        for index, oracle in enumerate(oracles)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
