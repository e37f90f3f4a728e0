"""Shared check bodies and input builders of the normalization checks.

The public and the hidden checks call the same bodies here; they differ only
in their cases (shapes, options, random inputs). This module ships with the
public checks, so it holds no reference code and no hidden cases.
"""

import numpy as np

from autograder.checkkit import check_backward, check_backward_numeric, compare_all, msg

STATE = ("out", "running_mean", "running_var")
GRADS = ("dx", "dgamma", "dbeta")


def bn_state(module, x, gamma, beta, bn_param):
    """Harness: one batchnorm_forward call; returns out and the bn_param state after it."""
    out = module.batchnorm_forward(x, gamma, beta, bn_param)[0]
    return out, bn_param.get("running_mean"), bn_param.get("running_var")


def spatial_bn_state(module, x, gamma, beta, bn_param):
    """Harness: one spatial_batchnorm_forward call; returns out and the bn_param state after it."""
    out = module.spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]
    return out, bn_param.get("running_mean"), bn_param.get("running_var")


def check_state(sub, oracle, harness, task, x, gamma, beta, bn_param):
    """Compare out and the running statistics left in bn_param with the reference."""
    mistakes = oracle.candidates(task, harness, x, gamma, beta, bn_param)
    want = oracle.run(harness, x, gamma, beta, bn_param)
    got = sub.run(harness, x, gamma, beta, bn_param)
    call = msg(
        "normalization.state_call",
        "{task}(x{shape}, gamma, beta, bn_param with mode={mode})",
        task=task,
        shape=str(tuple(x.shape)),
        mode=repr(bn_param["mode"]),
    )
    compare_all(got, want, STATE, call=call, mistakes=mistakes)


def backward_case(sub, oracle, rng, name, args, kwargs=None, dout_scale=None):
    """`name`_backward on the student's own cache of `name`_forward(*args, **kwargs).

    dout is drawn here, shaped like x; `dout_scale(rng)`, when given, scales it.
    """
    dout = rng.normal(size=np.shape(args[0]))
    if dout_scale is not None:
        dout = dout * dout_scale(rng)
    check_backward(
        sub, oracle, f"{name}_forward", f"{name}_backward", args, dout, kwargs=kwargs, grads=GRADS
    )


def backward_numeric_case(sub, oracle, rng, name, args):
    """`name`_backward against numerical gradients of the student's own `name`_forward."""
    dout = rng.normal(size=np.shape(args[0]))
    check_backward_numeric(
        sub, f"{name}_forward", f"{name}_backward", args, dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=GRADS, oracle=oracle,
    )  # fmt: skip


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
