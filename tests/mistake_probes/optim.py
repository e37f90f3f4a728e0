"""Probes for the optim mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import numpy as np

from autograder.paths import load_reference

ref = load_reference("optim")

SHAPES = [(3, 2), (4,)]

# Settings under which every known mistake of a task shows (eps large enough to
# tell sqrt(v) + eps from sqrt(v + eps), dampening != 0, weight decay != 0, ...).
OPTIMIZER_CONFIGS = {
    "SGD.step": [
        ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)),
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ],
    "Adagrad.step": [("Adagrad", dict(lr=0.1, weight_decay=0.05))],
    "Adadelta.step": [("Adadelta", dict(lr=0.5, weight_decay=0.05))],
    "RMSprop.step": [
        ("RMSprop", dict(lr=0.01, eps=0.1)),
        ("RMSprop", dict(lr=0.01, eps=0.1, momentum=0.9, weight_decay=0.1)),
    ],
    "Adam.step": [("Adam", dict(lr=0.01, eps=0.1, weight_decay=0.1))],
    "AdamW.step": [("AdamW", dict(lr=0.01, weight_decay=0.1))],
}


def run_optimizer(module, cls_name, kwargs, steps=5):
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(shape) for shape in SHAPES]
    opt = getattr(module, cls_name)(params, **kwargs)
    out = []
    for _ in range(steps):
        opt.step([rng.standard_normal(shape) for shape in SHAPES])
        out.extend(p.copy() for p in params)
    return out


def run_clip(module):
    rng = np.random.default_rng(1)
    out = []
    for scale in (10.0, 0.01):  # above and below max_norm
        grads = [scale * rng.standard_normal(shape) for shape in SHAPES]
        grads[1] *= 5.0  # unequal norms per array
        total = module.clip_grad_norm(grads, 1.0)
        out.extend([np.array(total), *grads])
    return out


PROBES = {
    **{
        task: (
            lambda module, configs=configs: [
                a for cls_name, kwargs in configs for a in run_optimizer(module, cls_name, kwargs)
            ]
        )
        for task, configs in OPTIMIZER_CONFIGS.items()
    },
    "clip_grad_norm": run_clip,
    "warmup_cosine": lambda m: [
        np.array([m.warmup_cosine(s, 0.1, 5, 30, 1e-3) for s in range(40)])
    ],
    "warmup_inverse_sqrt": lambda m: [
        np.array([m.warmup_inverse_sqrt(s, 0.1, 4) for s in range(30)])
    ],
    "step_decay": lambda m: [np.array([m.step_decay(s, 0.1, 3, 0.5) for s in range(20)])],
}
