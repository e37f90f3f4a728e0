"""Probes for the rnn mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import numpy as np

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

PROBES = {task: (lambda module, run=run: run(module, _inputs())) for task, run in TASKS.items()}
