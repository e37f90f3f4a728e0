"""Inputs the cnn checks draw in the grader (ships with the public checks; no case, no solution).

Weights by parameter name (SmallCNN's and the tiny network's of the harness),
batches of random images and labels, and digit-like 8x8 images for the short
training run. Every value comes from the check's `rng`.
"""

import numpy as np

SIZE = 4  # images of the tiny network are (1, SIZE, SIZE)


# ---------------------------------------------------------------------------
# Inputs drawn by the grader
# ---------------------------------------------------------------------------
def smallcnn_shapes(num_classes):
    """{name: shape} of every SmallCNN parameter (the contract's names, torch layout)."""
    return {
        "conv1.weight": (16, 1, 3, 3),
        "conv1.bias": (16,),
        "conv2.weight": (32, 16, 3, 3),
        "conv2.bias": (32,),
        "fc1.weight": (64, 128),
        "fc1.bias": (64,),
        "fc2.weight": (num_classes, 64),
        "fc2.bias": (num_classes,),
    }


def _fan_in(shapes, name):
    weight = shapes[name.replace(".bias", ".weight")]
    return int(np.prod(weight[1:]))


def smallcnn_state(rng, num_classes, scale=1.0):
    """Random SmallCNN weights by parameter name (He-scaled weights, small biases)."""
    shapes = smallcnn_shapes(num_classes)
    state = {}
    for name in sorted(shapes):
        if name.endswith("weight"):
            std = scale * np.sqrt(2.0 / _fan_in(shapes, name))
            state[name] = rng.standard_normal(shapes[name]) * std
        else:
            state[name] = 0.1 * rng.standard_normal(shapes[name])
    return state


def smallcnn_init_state(rng, num_classes):
    """SmallCNN weights drawn like torch's default init: uniform, bound 1/sqrt(fan_in)."""
    shapes = smallcnn_shapes(num_classes)
    state = {}
    for name in sorted(shapes):
        bound = 1.0 / np.sqrt(_fan_in(shapes, name))
        state[name] = rng.uniform(-bound, bound, size=shapes[name])
    return state


def tiny_state(rng, num_classes, channels=3):
    """Weights of the harness's tiny network by parameter name."""
    return {
        "conv.weight": rng.standard_normal((channels, 1, 3, 3)) * np.sqrt(2.0 / 9),
        "conv.bias": 0.1 * rng.standard_normal(channels),
        "bn.weight": 1.0 + 0.2 * rng.standard_normal(channels),
        "bn.bias": 0.1 * rng.standard_normal(channels),
        "fc.weight": rng.standard_normal((num_classes, channels * SIZE * SIZE))
        / np.sqrt(channels * SIZE * SIZE),
        "fc.bias": 0.1 * rng.standard_normal(num_classes),
    }


def batches(rng, sizes, num_classes, labels=None):
    """A list of (x, y) batches of the given sizes: x (n, 1, SIZE, SIZE), y (n,) int64."""
    out = []
    start = 0
    for n in sizes:
        x = rng.standard_normal((n, 1, SIZE, SIZE))
        y = (
            rng.integers(0, num_classes, size=n)
            if labels is None
            else np.asarray(labels[start : start + n])
        )
        out.append((x, y.astype(np.int64)))
        start += n
    return out


def synthetic_digits(rng, n, num_classes=10, templates=None):
    """Digit-like 8x8 images in [0, 1]: a blurred random template per class, shifted and noisy.

    Returns (x (n, 1, 8, 8) float32, y (n,) int64, templates). Pass the
    templates of a training set to draw a test set of the same classes.
    """
    if templates is None:
        raw = (rng.random((num_classes, 10, 10)) < 0.35).astype(float)
        blurred = sum(raw[:, i : i + 8, j : j + 8] for i in range(3) for j in range(3)) / 9.0
        templates = blurred / blurred.max(axis=(1, 2), keepdims=True)
    y = rng.integers(0, num_classes, size=n).astype(np.int64)
    x = np.empty((n, 8, 8))
    shifts = rng.integers(-1, 2, size=(n, 2))
    for i in range(n):
        x[i] = np.roll(templates[y[i]], tuple(shifts[i]), axis=(0, 1))
    x = x * rng.uniform(0.7, 1.0, size=(n, 1, 1)) + 0.15 * rng.standard_normal(x.shape)
    return np.clip(x, 0.0, 1.0)[:, None].astype(np.float32), y, templates
