"""Data generators of the classical checks (ships to students with common.py).

Every draw comes from the check's `rng`, so the public checks are
deterministic and the hidden ones follow the grading seed.
"""

import numpy as np


def regression_data(rng, n, d, noise=0.3):
    """Features with mixed scales and offsets; y linear in X with an intercept and noise."""
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d) + rng.uniform(-2, 2, d)
    w = rng.standard_normal(d)
    y = X @ w + rng.uniform(-3, 3) + noise * rng.standard_normal(n)
    return X, y


def classification_data(rng, n, d, scale=1.0):
    """int64 labels 0/1 drawn from a logistic model; both classes present."""
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) * scale
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ w + 0.3)))).astype(np.int64)
    y[:2] = [0, 1]
    return X, y


def blobs(rng, n_per, k, d=2, spread=0.5):
    """k Gaussian blobs of n_per points each, centers in [-6, 6]^d."""
    means = rng.uniform(-6, 6, (k, d))
    return np.concatenate([m + spread * rng.standard_normal((n_per, d)) for m in means])


def split_data(rng, n, d, classes):
    """Distinct values on a 1/8 grid per feature (exact in any float type) and int labels."""
    X = np.stack([rng.permutation(n) / 8.0 for _ in range(d)], axis=1)
    y = rng.integers(0, classes, n).astype(np.int64)
    y[:classes] = np.arange(classes)
    return X, y
