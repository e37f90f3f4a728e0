"""Public checks of the optim assignment (they ship with the assignment).

Run them with `dlcourse check optim`. Every optimizer runs many steps on a
random gradient sequence and the whole trajectory of the parameters is
compared with the reference. The hidden checks do the same with other
hyper-parameters, shapes and gradient scales, on closed-loop problems, with a
learning rate that changes between steps, and check the in-place rules.
"""

import pytest

from autograder.checks.optim.common import (
    check_clip,
    check_schedule,
    check_trajectory,
    make_grads,
    make_params,
)

SHAPES = [(3, 2), (4,), (1,)]
# gradient sizes per array: tiny (eps matters), ordinary, large
SCALES = [1e-4, 1.0, 30.0]
STEPS = 25

CASES = {
    "SGD-plain": ("SGD", dict(lr=0.05)),
    "SGD-momentum-dampening-wd": (
        "SGD",
        dict(lr=0.02, momentum=0.9, dampening=0.3, weight_decay=0.1),
    ),
    "SGD-nesterov": ("SGD", dict(lr=0.02, momentum=0.8, nesterov=True)),
    "Adagrad": ("Adagrad", dict(lr=0.1, weight_decay=0.05)),
    "Adadelta": ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05)),
    "RMSprop": ("RMSprop", dict(lr=0.01, alpha=0.9)),
    "RMSprop-momentum": ("RMSprop", dict(lr=0.005, momentum=0.9, weight_decay=0.05)),
    "Adam": ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    "AdamW": ("AdamW", dict(lr=0.01, weight_decay=0.1)),
}
POINTS = {"SGD": 2, "Adagrad": 2, "Adadelta": 2, "RMSprop": 2, "Adam": 3, "AdamW": 3}


def optimizer_cases():
    return pytest.mark.parametrize(
        "case",
        [
            pytest.param(
                case,
                marks=[pytest.mark.task(f"{name}.step"), pytest.mark.points(POINTS[name])],
                id=case,
            )
            for case, (name, _) in CASES.items()
        ],
    )


@optimizer_cases()
def test_optimizer_trajectory(sub, oracle, rng, case):
    """the optimizer follows the reference's trajectory, step by step"""
    name, kwargs = CASES[case]
    params = make_params(rng, SHAPES)
    grads = make_grads(rng, SHAPES, SCALES, STEPS)
    check_trajectory(sub, oracle, name, kwargs, params, grads)


@pytest.mark.task("clip_grad_norm")
@pytest.mark.points(1.5)
@pytest.mark.parametrize(("scale", "max_norm"), [(10.0, 1.0), (0.01, 1.0)], ids=["above", "below"])
def test_clip_grad_norm(sub, oracle, rng, scale, max_norm):
    """clip_grad_norm returns the total norm and rescales the grads in place"""
    grads = make_params(rng, SHAPES)
    grads = [scale * g * s for g, s in zip(grads, (1.0, 3.0, 0.5))]
    check_clip(sub, oracle, grads, max_norm)


@pytest.mark.task("warmup_cosine")
@pytest.mark.points(2)
def test_warmup_cosine(sub, oracle, rng):
    """warmup_cosine follows its formula through warmup, decay and the floor"""
    kwargs = dict(
        base_lr=float(rng.uniform(0.05, 0.2)), warmup_steps=5, total_steps=30, min_lr=0.001
    )
    check_schedule(sub, oracle, "warmup_cosine", range(36), kwargs)


@pytest.mark.task("warmup_inverse_sqrt")
@pytest.mark.points(2)
def test_warmup_inverse_sqrt(sub, oracle, rng):
    """warmup_inverse_sqrt rises linearly, then decays like 1/sqrt(step)"""
    kwargs = dict(base_lr=float(rng.uniform(0.005, 0.02)), warmup_steps=4)
    check_schedule(sub, oracle, "warmup_inverse_sqrt", range(30), kwargs)


@pytest.mark.task("step_decay")
@pytest.mark.points(2)
def test_step_decay(sub, oracle, rng):
    """step_decay multiplies by gamma once every step_size steps"""
    kwargs = dict(base_lr=float(rng.uniform(0.05, 0.2)), step_size=3, gamma=0.5)
    check_schedule(sub, oracle, "step_decay", range(20), kwargs)
