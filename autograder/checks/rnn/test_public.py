"""Public checks of the rnn assignment (they ship with the assignment).

Run them with `dlcourse check rnn`. The hidden checks test the same tasks on
other shapes, sequence lengths and random scales.
"""

import pytest

from autograder.checks.rnn.common import (
    lstm_step_backward_case,
    rnn_step_backward_case,
    seq_backward_case,
    seq_backward_numeric_case,
    seq_forward_case,
    step_forward_case,
)

STEP = (3, 4, 5, 0.5)  # (N, D, H, weight scale)
SEQ = (2, 4, 3, 5)  # (N, T, D, H)


@pytest.mark.task("rnn_step_forward")
@pytest.mark.points(2)
def test_rnn_step_forward(sub, oracle, rng):
    """rnn_step_forward matches the reference"""
    step_forward_case(sub, oracle, rng, "rnn", STEP)


@pytest.mark.task("rnn_step_backward")
@pytest.mark.points(3)
def test_rnn_step_backward(sub, oracle, rng):
    """rnn_step_backward matches the reference"""
    rnn_step_backward_case(sub, oracle, rng, STEP)


@pytest.mark.task("rnn_forward")
@pytest.mark.points(3)
def test_rnn_forward(sub, oracle, rng):
    """rnn_forward matches the reference (N=2, T=4, D=3, H=5)"""
    seq_forward_case(sub, oracle, rng, "rnn", SEQ)


@pytest.mark.task("rnn_backward")
@pytest.mark.points(4)
def test_rnn_backward(sub, oracle, rng):
    """rnn_backward matches the reference (N=2, T=4, D=3, H=5)"""
    seq_backward_case(sub, oracle, rng, "rnn", SEQ)


@pytest.mark.task("rnn_backward")
@pytest.mark.points(2)
def test_rnn_backward_numeric(sub, oracle, rng):
    """rnn_backward agrees with numerical gradients of your rnn_forward"""
    seq_backward_numeric_case(sub, oracle, rng, "rnn", (2, 3, 2, 3))


@pytest.mark.task("lstm_step_forward")
@pytest.mark.points(3)
def test_lstm_step_forward(sub, oracle, rng):
    """lstm_step_forward matches the reference (gates i, f, g, o)"""
    step_forward_case(sub, oracle, rng, "lstm", STEP)


@pytest.mark.task("lstm_step_backward")
@pytest.mark.points(4)
def test_lstm_step_backward(sub, oracle, rng):
    """lstm_step_backward matches the reference"""
    lstm_step_backward_case(sub, oracle, rng, STEP)


@pytest.mark.task("lstm_forward")
@pytest.mark.points(3)
def test_lstm_forward(sub, oracle, rng):
    """lstm_forward matches the reference (N=2, T=4, D=3, H=5)"""
    seq_forward_case(sub, oracle, rng, "lstm", SEQ)


@pytest.mark.task("lstm_backward")
@pytest.mark.points(4)
def test_lstm_backward(sub, oracle, rng):
    """lstm_backward matches the reference (N=2, T=4, D=3, H=5)"""
    seq_backward_case(sub, oracle, rng, "lstm", SEQ)


@pytest.mark.task("gru_step_forward")
@pytest.mark.points(3)
def test_gru_step_forward(sub, oracle, rng):
    """gru_step_forward matches the reference (blocks r, z, n)"""
    step_forward_case(sub, oracle, rng, "gru", STEP)
