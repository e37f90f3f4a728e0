"""Probes for the normalization mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import numpy as np

from autograder.paths import load_reference

ref = load_reference("normalization")


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "x2": rng.normal(1.0, 0.05, size=(6, 4)),  # small variance: eps matters
        "x4": rng.normal(-0.5, 1.5, size=(3, 4, 2, 3)),
        "gamma": rng.normal(1.0, 0.3, size=4),
        "beta": rng.normal(0.0, 0.3, size=4),
        "running_mean": rng.normal(size=4),
        "running_var": rng.uniform(0.5, 2.0, size=4),
        "dout2": rng.normal(size=(6, 4)),
        "dout4": rng.normal(size=(3, 4, 2, 3)),
    }


def _bn_param(data, mode):
    return {
        "mode": mode,
        "momentum": 0.3,
        "running_mean": data["running_mean"].copy(),
        "running_var": data["running_var"].copy(),
    }


def _batchnorm_forward(module, data):
    outputs = []
    for mode in ("train", "eval"):
        bn_param = _bn_param(data, mode)
        out, _ = module.batchnorm_forward(data["x2"], data["gamma"], data["beta"], bn_param)
        outputs += [out, bn_param["running_mean"], bn_param["running_var"]]
    return outputs


def _batchnorm_backward(module, data):
    # the reference forward builds the cache, so only the backward under test differs
    _, cache = ref.batchnorm_forward(
        data["x2"], data["gamma"], data["beta"], _bn_param(data, "train")
    )
    return list(module.batchnorm_backward(data["dout2"], cache))


def _spatial_batchnorm_forward(module, data):
    bn_param = _bn_param(data, "train")
    out, _ = module.spatial_batchnorm_forward(data["x4"], data["gamma"], data["beta"], bn_param)
    return [out, bn_param["running_mean"], bn_param["running_var"]]


def _layernorm_forward(module, data):
    return [module.layernorm_forward(data["x2"], data["gamma"], data["beta"])[0]]


def _layernorm_backward(module, data):
    _, cache = ref.layernorm_forward(data["x2"], data["gamma"], data["beta"])
    return list(module.layernorm_backward(data["dout2"], cache))


def _groupnorm_forward(module, data):
    return [module.groupnorm_forward(data["x4"], data["gamma"], data["beta"], 2)[0]]


TASKS = {
    "batchnorm_forward": _batchnorm_forward,
    "batchnorm_backward": _batchnorm_backward,
    "spatial_batchnorm_forward": _spatial_batchnorm_forward,
    "layernorm_forward": _layernorm_forward,
    "layernorm_backward": _layernorm_backward,
    "groupnorm_forward": _groupnorm_forward,
}

PROBES = {task: (lambda module, run=run: run(module, _inputs())) for task, run in TASKS.items()}
