"""Does every known rnn mistake build a mutant that really differs on its task?

Each mistake of autograder/checks/rnn/mistakes.py is applied to the reference;
the mutant must import, and its task must give a different answer from the
reference's on a small input.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.rnn.mistakes import MISTAKES
from autograder.mistakes import load_mutant, reference_path
from autograder.paths import load_reference

ref = load_reference("rnn")
N, T, D, H = 3, 4, 5, 2


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(size=(N, T, D)),
        "h0": rng.normal(size=(N, H)),
        "c0": rng.normal(size=(N, H)),
        "W1": [0.5 * rng.normal(size=s) for s in ((D, H), (H, H), (H,))],
        "W4": [0.5 * rng.normal(size=s) for s in ((D, 4 * H), (H, 4 * H), (4 * H,))],
        "W3": [0.5 * rng.normal(size=s) for s in ((D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,))],
        "dh": rng.normal(size=(N, T, H)),
        "dc": rng.normal(size=(N, H)),
    }


def _rnn_step_backward(module, data):
    _, cache = ref.rnn_step_forward(data["x"][:, 0], data["h0"], *data["W1"])
    return list(module.rnn_step_backward(data["dh"][:, 0], cache))


def _rnn_backward(module, data):
    _, cache = ref.rnn_forward(data["x"], data["h0"], *data["W1"])
    return list(module.rnn_backward(data["dh"], cache))


def _lstm_step_forward(module, data):
    next_h, next_c, _ = module.lstm_step_forward(
        data["x"][:, 0], data["h0"], data["c0"], *data["W4"]
    )
    return [next_h, next_c]


def _lstm_step_backward(module, data):
    _, _, cache = ref.lstm_step_forward(data["x"][:, 0], data["h0"], data["c0"], *data["W4"])
    return list(module.lstm_step_backward(data["dh"][:, 0], data["dc"], cache))


def _lstm_backward(module, data):
    _, cache = ref.lstm_forward(data["x"], data["h0"], *data["W4"])
    return list(module.lstm_backward(data["dh"], cache))


def _gru_step_forward(module, data):
    return [module.gru_step_forward(data["x"][:, 0], data["h0"], *data["W3"])[0]]


TASKS = {
    "rnn_step_backward": _rnn_step_backward,
    "rnn_backward": _rnn_backward,
    "lstm_step_forward": _lstm_step_forward,
    "lstm_step_backward": _lstm_step_backward,
    "lstm_backward": _lstm_backward,
    "gru_step_forward": _gru_step_forward,
}

NAMES = [m.name for m in MISTAKES]


def test_mistake_names_are_unique_and_tasks_known():
    """Is every mistake name unique, and does every mistake name a task we can run?"""
    assert len(set(NAMES)) == len(NAMES)
    assert {m.task for m in MISTAKES} <= set(TASKS)


def test_issue_mistakes_are_covered():
    """Are the mistakes named in the assignment's issue all there?"""
    needed = {"lstm_gate_order_ifog", "lstm_no_tanh_on_cell", "lstm_cell_grad_not_carried"}
    assert needed <= set(NAMES)
    assert {"rnn_dh0_dropped", "lstm_dh0_dropped"} <= set(NAMES)


@pytest.mark.parametrize("mistake", MISTAKES, ids=NAMES)
def test_each_replacement_matches_exactly_once(mistake):
    """Does each edit hit exactly one place of the reference (no silent collateral edits)?"""
    source = reference_path("rnn", mistake).read_text(encoding="utf-8")
    for old, _ in mistake.replace:
        assert source.count(old) == 1, old


@pytest.mark.parametrize("mistake", MISTAKES, ids=NAMES)
def test_mutant_imports_and_differs_on_its_task(mistake):
    """Does the mutant import, and does its task answer differently from the reference?"""
    mutant = load_mutant("rnn", mistake)
    data = _inputs()
    want = TASKS[mistake.task](ref, data)
    got = TASKS[mistake.task](mutant, data)
    assert len(got) == len(want)
    assert any(
        g.shape != w.shape or not np.allclose(g, w, rtol=1e-6, atol=1e-9) for g, w in zip(got, want)
    )
