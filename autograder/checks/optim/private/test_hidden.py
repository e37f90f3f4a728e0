"""Hidden checks of the optim assignment (never shipped to students).

Hyper-parameters, shapes and gradient scales are drawn from the submission's
seed (recorded in results.json), so any grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import msg
from autograder.checks.optim.common import (
    check_clip,
    check_descent,
    check_schedule,
    check_side_effects,
    check_trajectory,
    make_grads,
    make_params,
)

STEPS = 40
OPTIMIZERS = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"]


def log_uniform(rng, low, high):
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def random_problem(rng, count=3):
    """Random shapes and per-array gradient scales between 1e-4 and 1e2."""
    pool = [(2, 3), (5,), (2, 2, 2), (1,), (3, 1), (4, 2)]
    picks = rng.choice(len(pool), size=count, replace=False)
    shapes = [pool[int(i)] for i in picks]
    scales = [log_uniform(rng, 1e-4, 1e2) for _ in shapes]
    scales[0] = log_uniform(rng, 1e-4, 1e-3)  # eps must matter somewhere
    return shapes, scales


def away_from_one(rng, low, high):
    """A learning rate in [low, high] that is not close to 1 (so an ignored lr shows)."""
    while True:
        value = log_uniform(rng, low, high)
        if abs(value - 1.0) > 0.2:
            return value


# Each config draws its hyper-parameters from rng. "defaults" passes only what
# the class requires, so the defaults are graded too.
def sgd_config(rng, kind):
    lr = log_uniform(rng, 0.005, 0.05)
    if kind == "defaults":
        return dict(lr=lr)
    if kind == "weight-decay":
        return dict(lr=lr, weight_decay=rng.uniform(0.01, 0.3))
    if kind == "momentum":
        return dict(lr=lr, momentum=rng.uniform(0.5, 0.95))
    if kind == "dampening":
        return dict(
            lr=lr,
            momentum=rng.uniform(0.5, 0.95),
            dampening=rng.uniform(0.1, 0.9),
            weight_decay=rng.uniform(0.01, 0.3),
        )
    if kind == "nesterov":
        return dict(
            lr=lr, momentum=rng.uniform(0.5, 0.95), nesterov=True, weight_decay=rng.uniform(0, 0.2)
        )
    raise ValueError(kind)


def adagrad_config(rng, kind):
    if kind == "defaults":
        return {}
    return dict(
        lr=log_uniform(rng, 0.01, 0.3),
        eps=log_uniform(rng, 1e-10, 1e-6),
        weight_decay=rng.uniform(0.01, 0.3),
    )


def adadelta_config(rng, kind):
    if kind == "defaults":
        return {}
    return dict(
        lr=away_from_one(rng, 0.1, 5.0),
        rho=rng.uniform(0.6, 0.95),
        eps=log_uniform(rng, 1e-7, 1e-4),
        weight_decay=rng.uniform(0.0, 0.3),
    )


def rmsprop_config(rng, kind):
    if kind == "defaults":
        return {}
    config = dict(lr=log_uniform(rng, 1e-3, 2e-2), alpha=rng.uniform(0.8, 0.999))
    if kind == "momentum":
        config.update(momentum=rng.uniform(0.5, 0.95), weight_decay=rng.uniform(0.01, 0.3))
    return config


def adam_config(rng, kind):
    if kind == "defaults":
        return {}
    config = dict(
        lr=log_uniform(rng, 1e-3, 5e-2),
        betas=(float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.9999))),
    )
    if kind == "weight-decay":
        config["weight_decay"] = rng.uniform(0.05, 0.5)
    return config


CONFIGS = {
    "SGD": (sgd_config, ["defaults", "weight-decay", "momentum", "dampening", "nesterov"], 2),
    "Adagrad": (adagrad_config, ["defaults", "random"], 2),
    "Adadelta": (adadelta_config, ["defaults", "random"], 2),
    "RMSprop": (rmsprop_config, ["defaults", "random", "momentum"], 2),
    "Adam": (adam_config, ["defaults", "random", "weight-decay"], 2.5),
    "AdamW": (adam_config, ["defaults", "random", "weight-decay"], 2.5),
}


def config_params():
    return [
        pytest.param(
            name,
            kind,
            marks=[pytest.mark.task(f"{name}.step"), pytest.mark.points(points)],
            id=f"{name}-{kind}",
        )
        for name, (_, kinds, points) in CONFIGS.items()
        for kind in kinds
    ]


def draw_config(rng, name, kind):
    make, _, _ = CONFIGS[name]
    config = make(rng, kind)
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in config.items()}


def per_optimizer(points):
    return pytest.mark.parametrize(
        "name",
        [
            pytest.param(n, marks=[pytest.mark.task(f"{n}.step"), pytest.mark.points(points)], id=n)
            for n in OPTIMIZERS
        ],
    )


@pytest.mark.parametrize(("name", "kind"), config_params())
def test_trajectory(sub, oracle, rng, name, kind):
    """the optimizer follows the reference's trajectory for random hyper-parameters"""
    kwargs = draw_config(rng, name, kind)
    shapes, scales = random_problem(rng)
    params = make_params(rng, shapes)
    grads = make_grads(rng, shapes, scales, STEPS)
    check_trajectory(sub, oracle, name, kwargs, params, grads)


@per_optimizer(1.5)
def test_descent(sub, oracle, rng, name):
    """the optimizer descends a badly scaled bowl exactly as the reference does"""
    kind = CONFIGS[name][1][-1]
    kwargs = draw_config(rng, name, kind)
    if name == "SGD":
        kwargs["lr"] = log_uniform(rng, 0.005, 0.02)  # stable for curvatures up to 30
    shapes = [(3,), (2, 2)]
    params = make_params(rng, shapes)
    centers = make_params(rng, shapes)
    curvatures = [log_uniform(rng, 0.1, 1.0), log_uniform(rng, 5.0, 30.0)]
    check_descent(sub, oracle, name, kwargs, params, centers, curvatures, 30)


SCHEDULED = {
    "SGD": dict(momentum=0.9, nesterov=True, weight_decay=0.05),
    "Adagrad": dict(weight_decay=0.05),
    "Adadelta": dict(rho=0.9),
    "RMSprop": dict(momentum=0.8, weight_decay=0.05),
    "Adam": dict(weight_decay=0.1),
    "AdamW": dict(weight_decay=0.2),
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=[pytest.mark.task(f"{n}.step"), pytest.mark.points(1)], id=n)
        for n in SCHEDULED
    ],
)
def test_learning_rate_changes_between_steps(sub, oracle, rng, name):
    """a new opt.lr set between steps is used by the next step (as a schedule does)"""
    base = {"SGD": 0.05, "Adagrad": 0.1, "Adadelta": 2.0, "RMSprop": 0.01, "Adam": 0.05}.get(
        name, 0.05
    )
    kwargs = dict(lr=base, **SCHEDULED[name])
    shapes, scales = random_problem(rng)
    params = make_params(rng, shapes)
    grads = make_grads(rng, shapes, scales, STEPS)
    lrs = [
        base * (0.5 + 0.5 * np.cos(np.pi * k / STEPS)) * min(1.0, (k + 1) / 5) for k in range(STEPS)
    ]
    lrs = [float(v) for v in lrs]
    how = msg("optim.lr_between_steps", "setting opt.lr to a new value before every step")
    check_trajectory(sub, oracle, name, kwargs, params, grads, lrs=lrs, extra=how)


@per_optimizer(1)
def test_updates_in_place(sub, oracle, rng, name):
    """step changes the caller's parameter arrays in place and never the gradients"""
    kind = CONFIGS[name][1][-1]
    kwargs = draw_config(rng, name, kind)
    shapes = [(2, 3), (4,)]
    params = make_params(rng, shapes)
    grads = make_grads(rng, shapes, [1.0, 0.1], 3)
    check_side_effects(sub, oracle, name, kwargs, params, grads)


@per_optimizer(0.5)
def test_scalar_parameter(sub, oracle, rng, name):
    """a 0-d (scalar) parameter array is updated like any other"""
    kind = CONFIGS[name][1][-1]
    kwargs = draw_config(rng, name, kind)
    params = [np.array(rng.standard_normal()), rng.standard_normal(3)]
    grads = make_grads(rng, [(), (3,)], [1.0, 1.0], 10)
    check_trajectory(sub, oracle, name, kwargs, params, grads)


@pytest.mark.task("clip_grad_norm")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("regime", ["far-above", "just-above", "below", "many-arrays"])
def test_clip_grad_norm(sub, oracle, rng, regime):
    """clip_grad_norm returns the total norm and rescales the grads in place"""
    count = 6 if regime == "many-arrays" else 3
    shapes = [
        tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(1, 3))) for _ in range(count)
    ]
    grads = [g * log_uniform(rng, 0.1, 10.0) for g in make_params(rng, shapes)]
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    factor = {"far-above": 50.0, "just-above": 1.2, "below": 0.5, "many-arrays": 3.0}[regime]
    max_norm = float(norm / factor)
    check_clip(sub, oracle, grads, max_norm)


@pytest.mark.task("warmup_cosine")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("regime", ["random", "no-warmup", "min-lr"])
def test_warmup_cosine(sub, oracle, rng, regime):
    """warmup_cosine follows its formula through warmup, decay and the floor"""
    warmup = 0 if regime == "no-warmup" else int(rng.integers(1, 20))
    total = warmup + int(rng.integers(5, 60))
    min_lr = log_uniform(rng, 1e-5, 1e-3) if regime == "min-lr" else 0.0
    kwargs = dict(base_lr=log_uniform(rng, 1e-4, 1.0), warmup_steps=warmup, total_steps=total)
    if regime == "min-lr":
        kwargs["min_lr"] = min_lr
    steps = sorted(set(range(0, total + 5)) | {total + 100})
    check_schedule(sub, oracle, "warmup_cosine", steps, kwargs)


@pytest.mark.task("warmup_inverse_sqrt")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("regime", ["short-warmup", "long-warmup"])
def test_warmup_inverse_sqrt(sub, oracle, rng, regime):
    """warmup_inverse_sqrt rises linearly, then decays like 1/sqrt(step)"""
    warmup = int(rng.integers(1, 4)) if regime == "short-warmup" else int(rng.integers(50, 400))
    kwargs = dict(base_lr=log_uniform(rng, 1e-4, 1e-1), warmup_steps=warmup)
    steps = sorted({0, 1, warmup - 1, warmup, warmup + 1, 4 * warmup, 10_000} | set(
        int(s) for s in rng.integers(0, 5 * warmup + 10, size=30)
    ))  # fmt: skip
    check_schedule(sub, oracle, "warmup_inverse_sqrt", steps, kwargs)


@pytest.mark.task("step_decay")
@pytest.mark.points(1)
@pytest.mark.parametrize("regime", ["decay", "step-size-one"])
def test_step_decay(sub, oracle, rng, regime):
    """step_decay multiplies by gamma once every step_size steps"""
    step_size = 1 if regime == "step-size-one" else int(rng.integers(2, 12))
    kwargs = dict(
        base_lr=log_uniform(rng, 1e-3, 1.0), step_size=step_size, gamma=rng.uniform(0.1, 0.95)
    )
    kwargs["gamma"] = float(kwargs["gamma"])
    check_schedule(sub, oracle, "step_decay", range(0, 6 * step_size + 3), kwargs)
