"""Shared check bodies and input builders of the normalization checks.

The public and the hidden checks call the same bodies here; they differ only
in their cases (shapes, options, random inputs). This module ships with the
public checks, so it holds no reference code and no hidden cases.
"""

from autograder.checkkit import compare_all

STATE = ("out", "running_mean", "running_var")


def bn_state(module, x, gamma, beta, bn_param):
    """Harness: one batchnorm_forward call; returns out and the bn_param state after it."""
    out = module.batchnorm_forward(x, gamma, beta, bn_param)[0]
    return out, bn_param.get("running_mean"), bn_param.get("running_var")


def spatial_bn_state(module, x, gamma, beta, bn_param):
    """Harness: one spatial_batchnorm_forward call; returns out and the bn_param state after it."""
    out = module.spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]
    return out, bn_param.get("running_mean"), bn_param.get("running_var")


bn_state.describe = "batchnorm_forward"
spatial_bn_state.describe = "spatial_batchnorm_forward"


def check_state(sub, oracle, harness, task, x, gamma, beta, bn_param):
    """Compare out and the running statistics left in bn_param with the reference."""
    mistakes = oracle.candidates(task, harness, x, gamma, beta, bn_param)
    want = oracle.run(harness, x, gamma, beta, bn_param)
    got = sub.run(harness, x, gamma, beta, bn_param)
    call = f"{task}(x{tuple(x.shape)}, gamma, beta, bn_param with mode={bn_param['mode']!r})"
    compare_all(got, want, STATE, call=call, mistakes=mistakes)


def bn_inputs(rng, shape, mode, momentum=0.1):
    """x with per-feature offsets and scales, gamma, beta and a bn_param with running stats."""
    width = shape[1]
    stat_shape = (1, width) + (1,) * (len(shape) - 2)
    x = rng.normal(size=shape) * rng.uniform(0.5, 3.0, stat_shape) + rng.normal(0, 2, stat_shape)
    gamma = rng.normal(1.0, 0.5, width)
    beta = rng.normal(0.0, 0.5, width)
    bn_param = {
        "mode": mode,
        "momentum": momentum,
        "running_mean": rng.normal(size=width),
        "running_var": rng.uniform(0.5, 2.0, width),
    }
    return x, gamma, beta, bn_param


def affine(rng, width):
    return rng.normal(1.0, 0.5, width), rng.normal(0.0, 0.5, width)
