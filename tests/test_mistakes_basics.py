"""Is every known basics mistake a real, detectable mistake?

Each mutant (the reference with one mistake written in) must import, and must
differ from the reference on a small input for its task: otherwise a check could
never tell it apart and its feedback could never fire.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.basics.mistakes import MISTAKES
from autograder.mistakes import load_mutant
from autograder.paths import load_reference

ref = load_reference("basics")


def _activation(name, x, **kw):
    def probe(m):
        out, cache = getattr(m, f"{name}_forward")(x, **kw)
        return [
            out,
            getattr(m, f"{name}_backward")(np.linspace(-1, 1, x.size).reshape(x.shape), cache),
        ]

    return probe


def probe_affine(m):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 2))
    w = rng.standard_normal((6, 4))
    b = rng.standard_normal(4)
    out, cache = m.affine_forward(x, w, b)
    return [out, *m.affine_backward(rng.standard_normal((2, 4)), cache)]


def probe_softmax(m):
    rng = np.random.default_rng(1)
    y = np.array([0, 2, 1])
    results = []
    for scale in (1.0, 1e4):
        results.extend(m.softmax_cross_entropy(scale * rng.standard_normal((3, 4)), y))
    return results


def probe_mse(m):
    rng = np.random.default_rng(2)
    return list(m.mse_loss(rng.standard_normal((3, 4)), rng.standard_normal((3, 4))))


def probe_bce(m):
    targets = np.array([1.0, 0.0, 1.0, 0.3, 0.0])
    results = []
    for scale in (1.0, 1e4):
        results.extend(m.bce_with_logits(scale * np.array([0.5, -1.0, -2.0, 0.1, 3.0]), targets))
    return results


def probe_init(name):
    return lambda m: [getattr(m, name)(40, 10, np.random.default_rng(3))]


def probe_numerical_gradient(m):
    x = np.array([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]])

    def f(z):
        return float(np.sum(z**3) + np.prod(z))

    grad = m.numerical_gradient(f, x)
    return [grad, x]


X_ACT = np.array([[-2.0, -0.5, 0.0], [0.0, 0.5, 2.0]])

PROBES = {
    "affine_forward": probe_affine,
    "affine_backward": probe_affine,
    "relu_backward": _activation("relu", X_ACT),
    "leaky_relu_backward": _activation("leaky_relu", X_ACT, alpha=0.1),
    "elu_backward": _activation("elu", X_ACT, alpha=0.7),
    "softmax_cross_entropy": probe_softmax,
    "mse_loss": probe_mse,
    "bce_with_logits": probe_bce,
    "xavier_init": probe_init("xavier_init"),
    "he_init": probe_init("he_init"),
    "numerical_gradient": probe_numerical_gradient,
}


def same(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mutant_imports_and_differs_from_reference(mistake):
    """Does the mutant import, and does its output differ from the reference's for its task?"""
    mutant = load_mutant("basics", mistake)
    probe = PROBES[mistake.task]
    with np.errstate(all="ignore"):
        expected = probe(ref)
        got = probe(mutant)
    assert len(got) == len(expected)
    assert not all(same(g, e) for g, e in zip(got, expected)), mistake.name


def test_mistake_specs_are_well_formed():
    """Are names unique, tasks real, messages present, and the issue's mistakes covered?"""
    names = [m.name for m in MISTAKES]
    assert len(names) == len(set(names))
    for m in MISTAKES:
        assert callable(getattr(ref, m.task.split(".")[0])), m.task
        assert m.message and m.message.endswith(".")
    for required in (
        "softmax_no_max_subtraction",
        "relu_backward_no_mask",
        "cross_entropy_summed",
        "affine_backward_no_reshape",
    ):
        assert required in names
