"""Do the rnn checks' own messages say what went wrong, in English and in Korean?

A forward pass that writes into an argument it was given (here rnn_step_forward
zeroing x once it has used it) still returns the right hidden state, so only
the hidden check that the forward passes leave their arguments unchanged can
catch it. That check must fail, name the function and the argument, and read
in Korean as well (its message comes from the private catalog).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, grade_folder

from autograder.feedback import render_result

FORWARD_LINE = "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)\n"


@pytest.fixture(scope="module")
def overwrites_x():
    """The graded reference whose rnn_step_forward zeroes x after computing next_h."""
    source = (ROOT / "solutions" / "rnn" / "rnn.py").read_text(encoding="utf-8")
    assert source.count(FORWARD_LINE) == 1
    folder = Path(tempfile.mkdtemp(prefix="rnn-overwrites-x-")) / "student"
    folder.mkdir()
    edited = source.replace(FORWARD_LINE, FORWARD_LINE + "    x[...] = 0.0\n")
    (folder / "rnn.py").write_text(edited, encoding="utf-8")
    return grade_folder("rnn", folder, seed=3)


def _check(result, nodeid_end):
    found = [t for t in result.tests if t.nodeid.endswith(nodeid_end)]
    assert len(found) == 1, [t.nodeid for t in result.tests]
    return found[0]


def test_a_forward_that_writes_into_x_fails_the_keep_inputs_check(overwrites_x):
    """Does the keep-inputs check fail, naming rnn_step_forward and its first argument?"""
    assert overwrites_x.status == "graded", overwrites_x.output
    check = _check(overwrites_x, "test_forwards_keep_inputs[rnn]")
    assert check.status == "failed" and check.score == 0
    assert check.output == (
        "rnn_step_forward modified its argument number 1 in place; work on a copy"
    )
    # the outputs were right, so the step forward's own checks still pass
    assert _check(overwrites_x, "test_public.py::test_rnn_step_forward").status == "passed"


def test_the_keep_inputs_failure_reads_in_korean(overwrites_x):
    """Is the same failure rendered from the catalog in Korean, with the same values?"""
    korean = render_result(copy.deepcopy(overwrites_x), "ko")
    check = _check(korean, "test_forwards_keep_inputs[rnn]")
    assert check.output.splitlines()[-1] == (
        "rnn_step_forward: 1번째 인자를 제자리에서 바꿨습니다. 복사본에서 작업하세요"
    )
