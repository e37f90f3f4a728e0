"""Probes for the basics mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import numpy as np

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
