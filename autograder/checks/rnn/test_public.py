"""Public checks of the rnn assignment (they ship with the assignment).

Run them with `dlcourse check rnn`. The hidden checks test the same tasks on
other shapes, sequence lengths and random scales.
"""

import pytest

from autograder.checkkit import check_backward, check_backward_numeric, check_forward
from autograder.checks.rnn.common import (
    SEQ_GRADS,
    STEP_GRADS,
    check_lstm_step_backward,
    weights,
)


@pytest.mark.task("rnn_step_forward")
@pytest.mark.points(2)
def test_rnn_step_forward(sub, oracle, rng):
    """rnn_step_forward matches the reference"""
    x, prev_h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    check_forward(sub, oracle, "rnn_step_forward", x, prev_h, *weights(rng, "rnn", 4, 5))


@pytest.mark.task("rnn_step_backward")
@pytest.mark.points(3)
def test_rnn_step_backward(sub, oracle, rng):
    """rnn_step_backward matches the reference"""
    args = (rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), *weights(rng, "rnn", 4, 5))
    dnext_h = rng.normal(size=(3, 5))
    check_backward(
        sub, oracle, "rnn_step_forward", "rnn_step_backward", args, dnext_h, grads=STEP_GRADS
    )


@pytest.mark.task("rnn_forward")
@pytest.mark.points(3)
def test_rnn_forward(sub, oracle, rng):
    """rnn_forward matches the reference (N=2, T=4, D=3, H=5)"""
    x, h0 = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5))
    check_forward(sub, oracle, "rnn_forward", x, h0, *weights(rng, "rnn", 3, 5))


@pytest.mark.task("rnn_backward")
@pytest.mark.points(4)
def test_rnn_backward(sub, oracle, rng):
    """rnn_backward matches the reference (N=2, T=4, D=3, H=5)"""
    args = (rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5)), *weights(rng, "rnn", 3, 5))
    dh = rng.normal(size=(2, 4, 5))
    check_backward(sub, oracle, "rnn_forward", "rnn_backward", args, dh, grads=SEQ_GRADS)


@pytest.mark.task("rnn_backward")
@pytest.mark.points(2)
def test_rnn_backward_numeric(sub, oracle, rng):
    """rnn_backward agrees with numerical gradients of your rnn_forward"""
    args = (rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3)), *weights(rng, "rnn", 2, 3))
    dh = rng.normal(size=(2, 3, 3))
    check_backward_numeric(
        sub, "rnn_forward", "rnn_backward", args, dh,
        wrt={0: 0, 1: 1, 2: 2, 3: 3, 4: 4}, grads=SEQ_GRADS, directions=3, oracle=oracle,
    )  # fmt: skip


@pytest.mark.task("lstm_step_forward")
@pytest.mark.points(3)
def test_lstm_step_forward(sub, oracle, rng):
    """lstm_step_forward matches the reference (gates i, f, g, o)"""
    x, prev_h, prev_c = rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    check_forward(
        sub, oracle, "lstm_step_forward", x, prev_h, prev_c, *weights(rng, "lstm", 4, 5),
        outputs=("next_h", "next_c"),
    )  # fmt: skip


@pytest.mark.task("lstm_step_backward")
@pytest.mark.points(4)
def test_lstm_step_backward(sub, oracle, rng):
    """lstm_step_backward matches the reference"""
    args = (
        rng.normal(size=(3, 4)),
        rng.normal(size=(3, 5)),
        rng.normal(size=(3, 5)),
        *weights(rng, "lstm", 4, 5),
    )
    dnext_h, dnext_c = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    check_lstm_step_backward(sub, oracle, args, dnext_h, dnext_c)


@pytest.mark.task("lstm_forward")
@pytest.mark.points(3)
def test_lstm_forward(sub, oracle, rng):
    """lstm_forward matches the reference (N=2, T=4, D=3, H=5)"""
    x, h0 = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5))
    check_forward(sub, oracle, "lstm_forward", x, h0, *weights(rng, "lstm", 3, 5))


@pytest.mark.task("lstm_backward")
@pytest.mark.points(4)
def test_lstm_backward(sub, oracle, rng):
    """lstm_backward matches the reference (N=2, T=4, D=3, H=5)"""
    args = (rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5)), *weights(rng, "lstm", 3, 5))
    dh = rng.normal(size=(2, 4, 5))
    check_backward(sub, oracle, "lstm_forward", "lstm_backward", args, dh, grads=SEQ_GRADS)


@pytest.mark.task("gru_step_forward")
@pytest.mark.points(3)
def test_gru_step_forward(sub, oracle, rng):
    """gru_step_forward matches the reference (blocks r, z, n)"""
    x, prev_h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    check_forward(sub, oracle, "gru_step_forward", x, prev_h, *weights(rng, "gru", 4, 5))
