"""Probes for the regularization mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import numpy as np

from autograder.paths import load_reference

ref = load_reference("regularization")

X = np.random.default_rng(0).uniform(0.5, 1.5, size=(6, 8))


def probe_dropout_forward(m):
    train, _ = m.dropout_forward(X, 0.3, train=True, seed=1)
    evaluation, _ = m.dropout_forward(X, 0.3, train=False, seed=1)
    return [train, evaluation]


def probe_dropout_backward(m):
    _, cache = m.dropout_forward(X, 0.3, train=True, seed=2)
    return [m.dropout_backward(np.ones_like(X), cache)]


def probe_l2(m):
    rng = np.random.default_rng(3)
    loss, grads = m.l2_penalty([rng.standard_normal((2, 3)), rng.standard_normal(4)], 0.2)
    return [loss, *grads]


def probe_label_smoothing(m):
    logits = np.random.default_rng(4).standard_normal((3, 4))
    return list(m.label_smoothing_cross_entropy(logits, np.array([0, 3, 1]), 0.2))


def probe_mixup(m):
    rng = np.random.default_rng(5)
    return list(m.mixup(rng.standard_normal((4, 3)), np.eye(4), 0.3, np.array([1, 2, 3, 0])))


def probe_cutmix(m):
    x = np.random.default_rng(6).standard_normal((3, 2, 5, 6))
    x_arg = x.copy()
    x_mix, y_mix = m.cutmix(x_arg, np.eye(3), (0, 1, 2, 4), np.array([2, 0, 1]))
    return [x_mix, y_mix, x_arg - x]


def probe_early_stopping(m):
    stopper = m.EarlyStopping(2, min_delta=0.05)
    flags = [stopper.step(v) for v in [1.0, 0.98, 1.1, 1.2, 1.3, 0.9, 0.89, 0.88, 0.87]]
    return [np.array(flags, dtype=np.float64), stopper.best, stopper.best_step]


PROBES = {
    "dropout_forward": probe_dropout_forward,
    "dropout_backward": probe_dropout_backward,
    "l2_penalty": probe_l2,
    "label_smoothing_cross_entropy": probe_label_smoothing,
    "mixup": probe_mixup,
    "cutmix": probe_cutmix,
    "EarlyStopping.step": probe_early_stopping,
}
