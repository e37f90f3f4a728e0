"""Does the optim reference follow torch.optim step for step?

Every optimizer runs many steps on random problems next to the torch.optim
class of the same name (float64), and the whole trajectory of the parameters
is compared, not only the end point. Two kinds of problems:

- open loop: a fixed random sequence of gradients (so the updates are
  compared without any feedback), with gradient scales that differ by orders
  of magnitude between arrays;
- closed loop: the gradients of a smooth non-quadratic loss at the current
  parameters, computed by torch.autograd for both sides.

Clipping is checked against torch.nn.utils.clip_grad_norm_, step_decay against
torch's StepLR, the cosine part of warmup_cosine against CosineAnnealingLR, and
the schedules' other pieces against their formulas.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch
from numerics import rel_error

from autograder.paths import load_reference

ref = load_reference("optim")

SHAPES = [(4, 3), (3,), (2, 2, 2), ()]
RTOL = 1e-8
ATOL = 1e-12


def make_params(rng):
    return [np.asarray(rng.standard_normal(shape)) for shape in SHAPES]


def grad_sequence(rng, steps):
    """Random gradients whose scale differs per array (1e-3 ... 1e2)."""
    scales = [1e-3, 1.0, 1e2, 0.1]
    return [
        [np.asarray(s * rng.standard_normal(shape)) for s, shape in zip(scales, SHAPES)]
        for _ in range(steps)
    ]


def torch_loss(tensors, data):
    """A smooth, non-quadratic loss of all four arrays."""
    W, b, c, d = tensors
    X, y, target = data
    logits = X @ W + b
    loss = torch.nn.functional.softplus(logits).sum() - (y * logits).sum()
    loss = (
        loss
        + 0.5 * ((c - target) ** 2 * torch.arange(1, 9, dtype=torch.float64).view(2, 2, 2)).sum()
    )
    loss = loss + 0.25 * (c**4).sum() + torch.cos(d) + 0.1 * d**2
    return loss


def make_data(rng):
    X = torch.from_numpy(rng.standard_normal((6, 4)))
    y = torch.from_numpy((rng.random((6, 3)) < 0.5).astype(np.float64))
    target = torch.from_numpy(rng.standard_normal((2, 2, 2)))
    return X, y, target


def numpy_grads(params, data):
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    torch_loss(tensors, data).backward()
    return [t.grad.numpy().copy() for t in tensors]


def run_open_loop(ref_cls, torch_cls, kwargs, steps=60, seed=0, lrs=None):
    """Apply one gradient sequence to both; return the two trajectories."""
    rng = np.random.default_rng(seed)
    params = make_params(rng)
    grads = grad_sequence(rng, steps)
    tparams = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = ref_cls(params, **kwargs)
    topt = torch_cls(tparams, **kwargs)
    ours, theirs = [], []
    for k, gs in enumerate(grads):
        if lrs is not None:
            opt.lr = lrs[k]
            for group in topt.param_groups:
                group["lr"] = lrs[k]
        for tp, g in zip(tparams, gs):
            tp.grad = torch.from_numpy(g.copy())
        opt.step(gs)
        topt.step()
        ours.append([p.copy() for p in params])
        theirs.append([tp.detach().numpy().copy() for tp in tparams])
    return ours, theirs


def run_closed_loop(ref_cls, torch_cls, kwargs, steps=60, seed=0):
    """Both sides descend the same loss from the same start; return the trajectories."""
    rng = np.random.default_rng(seed)
    params = make_params(rng)
    data = make_data(rng)
    tparams = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = ref_cls(params, **kwargs)
    topt = torch_cls(tparams, **kwargs)
    ours, theirs = [], []
    for _ in range(steps):
        opt.step(numpy_grads(params, data))
        topt.zero_grad()
        torch_loss(tparams, data).backward()
        topt.step()
        ours.append([p.copy() for p in params])
        theirs.append([tp.detach().numpy().copy() for tp in tparams])
    return ours, theirs


def assert_same_trajectory(ours, theirs):
    for k, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.shape == y.shape
            assert np.allclose(x, y, rtol=RTOL, atol=ATOL), (
                f"step {k + 1}, param {i}: rel error {rel_error(x, y):.2e}"
            )


SGD_CASES = [
    dict(lr=0.05),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.02, momentum=0.9),
    dict(lr=0.02, momentum=0.9, dampening=0.5),
    dict(lr=0.02, momentum=0.8, dampening=0.3, weight_decay=0.05),
    dict(lr=0.02, momentum=0.9, nesterov=True),
    dict(lr=0.01, momentum=0.7, nesterov=True, weight_decay=0.2),
]
ADAGRAD_CASES = [dict(), dict(lr=0.1), dict(lr=0.05, eps=1e-3, weight_decay=0.1)]
ADADELTA_CASES = [
    dict(),
    dict(lr=0.5, rho=0.8),
    dict(lr=2.0, rho=0.95, eps=1e-4, weight_decay=0.05),
]
RMSPROP_CASES = [
    dict(),
    dict(lr=0.001, alpha=0.9),
    dict(lr=0.003, alpha=0.95, eps=1e-3, momentum=0.9),
    dict(lr=0.002, momentum=0.5, weight_decay=0.1),
]
ADAM_CASES = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.02, betas=(0.5, 0.9), eps=1e-4, weight_decay=0.1),
    dict(lr=0.05, betas=(0.0, 0.999)),
]
ADAMW_CASES = [
    dict(),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.02, betas=(0.7, 0.95), eps=1e-5, weight_decay=0.5),
    dict(lr=0.01, weight_decay=0.0),
]

ALL_CASES = [
    (name, kwargs)
    for name, cases in [
        ("SGD", SGD_CASES),
        ("Adagrad", ADAGRAD_CASES),
        ("Adadelta", ADADELTA_CASES),
        ("RMSprop", RMSPROP_CASES),
        ("Adam", ADAM_CASES),
        ("AdamW", ADAMW_CASES),
    ]
    for kwargs in cases
]
IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in ALL_CASES
]


@pytest.mark.parametrize(("name", "kwargs"), ALL_CASES, ids=IDS)
def test_open_loop_trajectory_matches_torch(name, kwargs):
    """Does a fixed gradient sequence move the parameters as torch.optim does, every step?"""
    ours, theirs = run_open_loop(getattr(ref, name), getattr(torch.optim, name), kwargs, seed=1)
    assert_same_trajectory(ours, theirs)


@pytest.mark.parametrize(("name", "kwargs"), ALL_CASES, ids=IDS)
def test_closed_loop_trajectory_matches_torch(name, kwargs):
    """Does descending a real loss follow the same path as torch.optim for 60 steps?"""
    ours, theirs = run_closed_loop(getattr(ref, name), getattr(torch.optim, name), kwargs, seed=2)
    assert_same_trajectory(ours, theirs)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
        ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
        ("Adam", dict(lr=0.1, weight_decay=0.01)),
        ("AdamW", dict(lr=0.1, weight_decay=0.1)),
        ("Adadelta", dict(lr=1.0)),
    ],
)
def test_lr_changed_between_steps_matches_torch(name, kwargs):
    """When opt.lr follows warmup_cosine step by step, does the path still match torch's?"""
    steps = 50
    lrs = [ref.warmup_cosine(k, kwargs["lr"], 10, steps, min_lr=1e-3) for k in range(steps)]
    ours, theirs = run_open_loop(
        getattr(ref, name), getattr(torch.optim, name), kwargs, steps=steps, seed=3, lrs=lrs
    )
    assert_same_trajectory(ours, theirs)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"])
def test_defaults_are_torchs(name):
    """Are the constructor defaults those of the torch.optim class of the same name?"""
    ours = inspect.signature(getattr(ref, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    for arg, param in ours.items():
        if arg == "params":
            continue
        assert arg in theirs, arg
        if param.default is not inspect.Parameter.empty:
            assert theirs[arg].default == param.default, (arg, param.default, theirs[arg].default)


@pytest.mark.parametrize(("name", "kwargs"), ALL_CASES[::3], ids=IDS[::3])
def test_updates_in_place_and_leaves_grads_alone(name, kwargs):
    """Does step change the caller's parameter arrays themselves, and never the gradients?"""
    rng = np.random.default_rng(4)
    params = make_params(rng)
    ids_before = [id(p) for p in params]
    start = [p.copy() for p in params]
    opt = getattr(ref, name)(params, **kwargs)
    for gs in grad_sequence(rng, 3):
        kept = [g.copy() for g in gs]
        opt.step(gs)
        for g, k in zip(gs, kept):
            np.testing.assert_array_equal(g, k)
    assert [id(p) for p in params] == ids_before
    assert all(p is q for p, q in zip(params, opt.params))
    assert any(not np.array_equal(p, s) for p, s in zip(params, start))
    assert opt.t == 3


def test_momentum_buffer_starts_at_first_gradient():
    """Is SGD's momentum buffer the first gradient itself (no dampening on step one), like torch?"""
    p = np.array([1.0, -2.0])
    opt = ref.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    opt.step([np.array([0.5, 1.0])])
    np.testing.assert_allclose(opt.momentum_buffers[0], [0.5, 1.0])
    np.testing.assert_allclose(p, [0.95, -2.1])


def test_adam_first_step_is_lr_sized():
    """After bias correction, does Adam's first step move each coordinate by about lr?"""
    rng = np.random.default_rng(5)
    p = rng.standard_normal(10)
    start = p.copy()
    opt = ref.Adam([p], lr=0.01)
    g = rng.standard_normal(10)
    opt.step([g])
    np.testing.assert_allclose(start - p, 0.01 * np.sign(g), rtol=1e-6)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (ref.SGD, dict(lr=-1.0)),
        (ref.SGD, dict(lr=0.1, nesterov=True)),
        (ref.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
        (ref.Adam, dict(betas=(1.0, 0.999))),
        (ref.AdamW, dict(eps=-1.0)),
        (ref.Adadelta, dict(rho=1.5)),
    ],
)
def test_bad_arguments_raise(cls, kwargs):
    """Are invalid hyper-parameters refused with ValueError, as torch refuses them?"""
    with pytest.raises(ValueError):
        cls([np.zeros(3)], **kwargs)


def test_mismatched_grads_raise():
    """Does step refuse a gradient list of the wrong length or shape?"""
    opt = ref.Adam([np.zeros(3), np.zeros((2, 2))])
    with pytest.raises(ValueError):
        opt.step([np.zeros(3)])
    with pytest.raises(ValueError):
        opt.step([np.zeros(3), np.zeros(4)])


@pytest.mark.parametrize("scale", [1e-4, 0.3, 1.0, 10.0, 1e4])
@pytest.mark.parametrize("max_norm", [0.5, 2.0, 100.0])
def test_clip_grad_norm_matches_torch(scale, max_norm):
    """Does clip_grad_norm rescale in place and return the same total norm as clip_grad_norm_?"""
    rng = np.random.default_rng(6)
    grads = [np.asarray(scale * rng.standard_normal(shape)) for shape in SHAPES]
    tparams = [torch.zeros(shape, dtype=torch.float64, requires_grad=True) for shape in SHAPES]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.from_numpy(g.copy())
    ids_before = [id(g) for g in grads]
    total = ref.clip_grad_norm(grads, max_norm)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm)
    assert isinstance(total, float)
    assert rel_error(total, ttotal.item()) < 1e-12
    assert [id(g) for g in grads] == ids_before
    for g, tp in zip(grads, tparams):
        assert rel_error(g, tp.grad.numpy()) < 1e-12


def test_clip_grad_norm_is_one_global_norm():
    """Is the norm taken over all gradients together (direction kept), not per array?"""
    grads = [np.array([3.0, 0.0]), np.array([0.0, 4.0])]
    total = ref.clip_grad_norm(grads, 1.0)
    assert total == pytest.approx(5.0)
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(grads[0], [3.0 * scale, 0.0])
    np.testing.assert_allclose(grads[1], [0.0, 4.0 * scale])


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.9), (3, 0.5), (7, 0.1), (10, 1.3)])
def test_step_decay_matches_steplr(step_size, gamma):
    """Does step_decay(step) equal StepLR's get_last_lr() after `step` scheduler steps?"""
    base_lr = 0.3
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
    for step in range(40):
        assert (
            rel_error(ref.step_decay(step, base_lr, step_size, gamma), sched.get_last_lr()[0])
            < 1e-12
        )
        opt.step()
        sched.step()


@pytest.mark.parametrize(
    ("warmup", "total", "min_lr"), [(0, 30, 0.0), (5, 40, 0.0), (10, 25, 1e-3), (1, 2, 0.05)]
)
def test_warmup_cosine_formula(warmup, total, min_lr):
    """Does warmup_cosine follow its formula, its cosine part equal to CosineAnnealingLR?"""
    base_lr = 0.2
    steps = np.arange(total + 10)
    got = np.array([ref.warmup_cosine(int(s), base_lr, warmup, total, min_lr) for s in steps])
    progress = np.clip((steps - warmup) / (total - warmup), 0.0, 1.0)
    cosine = min_lr + (base_lr - min_lr) * 0.5 * (1.0 + np.cos(np.pi * progress))
    want = np.where(steps < warmup, base_lr * steps / max(warmup, 1), cosine)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert got[0] == (0.0 if warmup > 0 else base_lr)
    assert got[warmup] == pytest.approx(base_lr)
    assert np.all(got[total:] == min_lr)
    assert np.all(np.diff(got[: warmup + 1]) >= 0) and np.all(np.diff(got[warmup:]) <= 1e-15)

    # torch's CosineAnnealingLR (T_max = total - warmup) is the oracle for the cosine part
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=min_lr)
    for s in range(warmup, total + 1):
        assert abs(got[s] - sched.get_last_lr()[0]) <= 1e-10 * base_lr
        opt.step()
        sched.step()


@pytest.mark.parametrize("warmup", [1, 4, 100])
def test_warmup_inverse_sqrt_formula(warmup):
    """Does warmup_inverse_sqrt rise linearly to base_lr and then fall like 1/sqrt(step)?"""
    base_lr = 5e-4
    for step in range(0, 4 * warmup + 20):
        got = ref.warmup_inverse_sqrt(step, base_lr, warmup)
        if step < warmup:
            want = base_lr * step / warmup
        else:
            want = base_lr * math.sqrt(warmup / step)
        assert isinstance(got, float)
        assert got == pytest.approx(want, rel=1e-12, abs=0.0)
    assert ref.warmup_inverse_sqrt(warmup, base_lr, warmup) == pytest.approx(base_lr)
    assert ref.warmup_inverse_sqrt(4 * warmup, base_lr, warmup) == pytest.approx(base_lr / 2)


def test_schedules_refuse_bad_arguments():
    """Do the schedules raise ValueError on a negative step or an impossible configuration?"""
    with pytest.raises(ValueError):
        ref.warmup_cosine(-1, 0.1, 5, 10)
    with pytest.raises(ValueError):
        ref.warmup_cosine(0, 0.1, 10, 10)
    with pytest.raises(ValueError):
        ref.warmup_inverse_sqrt(0, 0.1, 0)
    with pytest.raises(ValueError):
        ref.step_decay(0, 0.1, 0, 0.5)
