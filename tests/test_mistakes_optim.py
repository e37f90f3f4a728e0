"""Are the known optim mistakes real, importable and specific?

Each mutant (the reference with one known mistake) must import, must give a
different answer from the reference on a small input for its own task, and
must give the reference's answer for every other task, so that a match with
a mutant names exactly one wrong blank.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.optim.mistakes import MISTAKES
from autograder.mistakes import load_mutant, mutant_source, reference_path
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


RUNNERS = {
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


def differs(a, b):
    return any(not np.allclose(x, y, rtol=1e-6, atol=1e-9) for x, y in zip(a, b))


def test_names_unique_and_tasks_known():
    """Is every mistake named once, and does it belong to a task of the contract?"""
    names = [m.name for m in MISTAKES]
    assert len(names) == len(set(names))
    assert {m.task for m in MISTAKES} <= set(RUNNERS)


def test_issue_mistakes_are_covered():
    """Are the mistakes the issue names all present?"""
    names = {m.name for m in MISTAKES}
    assert {
        "adam_no_bias_correction",
        "adamw_coupled_weight_decay",
        "sgd_nesterov_as_momentum",
        "rmsprop_eps_inside_sqrt",
        "adagrad_exponential_average",
    } <= names


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mutant_differs_on_its_task_only(mistake):
    """Does the mutant import, break its own task, and leave every other task as the reference?"""
    source = reference_path("optim", mistake).read_text(encoding="utf-8")
    for old, _ in mistake.replace:
        assert old in source
    assert mutant_source(source, mistake) != source
    mutant = load_mutant("optim", mistake)
    for task, run in RUNNERS.items():
        got, want = run(mutant), run(ref)
        if task == mistake.task:
            assert differs(got, want), f"{mistake.name} does not change {task}"
        else:
            assert not differs(got, want), f"{mistake.name} also changes {task}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_message_gives_no_code(mistake):
    """Does the feedback message explain the mistake without quoting solution lines?"""
    for old, new in mistake.replace:
        for line in (old + "\n" + new).splitlines():
            line = line.strip()
            if len(line) >= 20:
                assert line not in mistake.message
    assert len(mistake.message) > 40
