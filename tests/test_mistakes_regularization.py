"""Is every known regularization mistake a real, detectable mistake?

Each mutant (the reference with one mistake written in) must import, and must
differ from the reference on a small input for its task. Dropout is random, so
its probes fix the seed: the reference and the mutant then draw the same numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.regularization.mistakes import MISTAKES
from autograder.mistakes import load_mutant
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


def same(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mutant_imports_and_differs_from_reference(mistake):
    """Does the mutant import, and does its output differ from the reference's for its task?"""
    mutant = load_mutant("regularization", mistake)
    probe = PROBES[mistake.task]
    with np.errstate(all="ignore"):
        expected = probe(ref)
        got = probe(mutant)
    assert len(got) == len(expected)
    assert not all(same(g, e) for g, e in zip(got, expected)), mistake.name


def test_dropout_mutants_are_caught_statistically():
    """Are the dropout mutants also visible without a fixed seed (as graders see them)?"""
    x = np.ones((100, 100))
    p = 0.2
    for name in ("dropout_keeps_with_p", "dropout_no_rescale"):
        mutant = load_mutant("regularization", next(m for m in MISTAKES if m.name == name))
        out, _ = mutant.dropout_forward(x, p)
        ref_out, _ = ref.dropout_forward(x, p)
        assert abs(ref_out.mean() - 1.0) < 0.05
        assert abs(out.mean() - 1.0) > 0.1 or abs(np.mean(out == 0) - p) > 0.1, name


def test_mistake_specs_are_well_formed():
    """Are names unique, tasks real, messages present, and the issue's mistakes covered?"""
    names = [m.name for m in MISTAKES]
    assert len(names) == len(set(names))
    for m in MISTAKES:
        owner = getattr(ref, m.task.split(".")[0])
        if "." in m.task:
            assert callable(getattr(owner, m.task.split(".")[1])), m.task
        assert m.message and m.message.endswith(".")
    for required in (
        "dropout_keeps_with_p",
        "dropout_no_rescale",
        "dropout_active_in_eval",
        "dropout_backward_new_mask",
        "early_stopping_resets_on_any_change",
    ):
        assert required in names
