"""Does the regularization reference agree with PyTorch float64 and with its contract?

torch is the oracle where the contract names torch semantics (dropout,
label smoothing) and for the plain formulas (L2 penalty, mixup, cutmix) written
in torch; dropout is checked statistically and for mask consistency, early
stopping on hand-made loss curves.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import assert_close, tensor

from autograder.paths import load_reference

ref = load_reference("regularization")

RTOL = 1e-8


# -------------------------------------------------------------------------- dropout


def zero_fraction_bound(p, n):
    """Five standard deviations of the fraction of zeros among n Bernoulli(p) draws."""
    return 5 * np.sqrt(p * (1 - p) / n) + 1e-12


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_dropout_statistics_match_torch(p):
    """Does dropout zero a fraction p, scale survivors by 1/(1-p) and keep the mean, as torch?"""
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, size=(200, 300))
    n = x.size
    out, _ = ref.dropout_forward(x, p, train=True, seed=1)
    torch.manual_seed(0)
    t_out = F.dropout(torch.from_numpy(x), p=p, training=True).numpy()
    for o in (out, t_out):
        zeros = o == 0
        assert abs(zeros.mean() - p) < zero_fraction_bound(p, n)
        np.testing.assert_allclose(o[~zeros], x[~zeros] / (1 - p), rtol=1e-12)
    # E[out] = x: the mean ratio out/x is 1 up to sampling noise (std sqrt(p/((1-p) n)))
    assert abs(np.mean(out / x) - 1) < 5 * np.sqrt(p / ((1 - p) * n))


@pytest.mark.parametrize("p", [0.2, 0.6])
@pytest.mark.parametrize("shape", [(50,), (8, 30), (4, 3, 5, 5)])
def test_dropout_backward_uses_the_forward_mask(p, shape):
    """Does dropout_backward route dout through exactly the forward's survivors, like torch?"""
    rng = np.random.default_rng(2)
    x = rng.uniform(0.5, 2.0, size=shape)
    dout = rng.standard_normal(shape)
    out, cache = ref.dropout_forward(x, p, train=True, seed=3)
    dx = ref.dropout_backward(dout, cache)
    kept = out != 0
    np.testing.assert_array_equal(dx[~kept], 0.0)
    np.testing.assert_allclose(dx[kept], dout[kept] / (1 - p), rtol=1e-12)
    # torch's autograd applies the same rule to its own mask
    t = tensor(x)
    torch.manual_seed(4)
    t_out = F.dropout(t, p=p, training=True)
    t_out.backward(torch.from_numpy(dout))
    t_kept = t_out.detach().numpy() != 0
    t_dx = t.grad.numpy()
    np.testing.assert_array_equal(t_dx[~t_kept], 0.0)
    np.testing.assert_allclose(t_dx[t_kept], dout[t_kept] / (1 - p), rtol=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.5, 0.9])
def test_dropout_eval_mode_is_identity(p):
    """In eval mode, are the forward and backward passes the identity, as torch's?"""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 7))
    dout = rng.standard_normal((6, 7))
    out, cache = ref.dropout_forward(x, p, train=False)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(out, F.dropout(torch.from_numpy(x), p=p, training=False).numpy())
    np.testing.assert_array_equal(ref.dropout_backward(dout, cache), dout)


def test_dropout_p_zero_in_train_mode_is_identity():
    """With p = 0 in train mode, does nothing get dropped or scaled?"""
    x = np.random.default_rng(6).standard_normal((5, 5))
    out, cache = ref.dropout_forward(x, 0.0, train=True, seed=0)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(ref.dropout_backward(np.ones_like(x), cache), np.ones_like(x))


def test_dropout_seed_semantics():
    """Is a seeded mask reproducible, do unseeded calls differ, and is global state untouched?"""
    x = np.ones((40, 50))
    state = np.random.get_state()[1].copy()
    a, _ = ref.dropout_forward(x, 0.5, seed=123)
    b, _ = ref.dropout_forward(x, 0.5, seed=123)
    c, _ = ref.dropout_forward(x, 0.5, seed=124)
    d, _ = ref.dropout_forward(x, 0.5)
    e, _ = ref.dropout_forward(x, 0.5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(d, e)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_p(p):
    """Is a dropout probability outside [0, 1) refused with a ValueError?"""
    with pytest.raises(ValueError):
        ref.dropout_forward(np.ones(3), p)


# ----------------------------------------------------------------------- L2 penalty


@pytest.mark.parametrize("weight_decay", [0.0, 1e-3, 0.5])
def test_l2_penalty_matches_torch(weight_decay):
    """Does l2_penalty give 0.5 * wd * sum of squares and autograd's gradients?"""
    rng = np.random.default_rng(7)
    params = [rng.standard_normal(s) for s in [(3, 4), (4,), (2, 3, 2, 2)]]
    loss, grads = ref.l2_penalty(params, weight_decay)
    ts = [tensor(p) for p in params]
    t_loss = 0.5 * weight_decay * sum((t**2).sum() for t in ts)
    t_loss.backward()
    assert isinstance(loss, float)
    assert_close(loss, t_loss.item())
    assert len(grads) == len(params)
    for g, t in zip(grads, ts):
        assert_close(g, t.grad.numpy())


def test_l2_penalty_of_no_params():
    """Is the penalty of an empty parameter list 0 with no gradients?"""
    assert ref.l2_penalty([], 0.1) == (0.0, [])


# ------------------------------------------------------------------ label smoothing


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("N, C, scale", [(5, 3, 1.0), (8, 10, 4.0), (1, 2, 1.0), (6, 4, 1e4)])
def test_label_smoothing_matches_torch(smoothing, N, C, scale):
    """Does it match F.cross_entropy(label_smoothing=...), gradient included, even at 1e4?"""
    rng = np.random.default_rng(N + C)
    logits = scale * rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = ref.label_smoothing_cross_entropy(logits, y, smoothing)
    t = tensor(logits)
    t_loss = F.cross_entropy(t, torch.from_numpy(y), label_smoothing=smoothing)
    t_loss.backward()
    assert isinstance(loss, float)
    assert_close(loss, t_loss.item())
    assert_close(dlogits, t.grad.numpy())


# ----------------------------------------------------------------- mixup and cutmix


def onehot(y, C):
    return np.eye(C)[y]


@pytest.mark.parametrize("x_shape", [(6, 4), (5, 3, 4, 4)])
@pytest.mark.parametrize("lam", [0.0, 0.3, 0.75, 1.0])
def test_mixup_matches_torch(x_shape, lam):
    """Does mixup equal lam * x + (1 - lam) * x[perm] (and the same for labels), in torch?"""
    rng = np.random.default_rng(8)
    N = x_shape[0]
    x = rng.standard_normal(x_shape)
    y = onehot(rng.integers(0, 3, size=N), 3)
    perm = rng.permutation(N)
    x_mix, y_mix = ref.mixup(x, y, lam, perm)
    tp = torch.from_numpy(perm)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    assert_close(x_mix, (lam * tx + (1 - lam) * tx[tp]).numpy())
    assert_close(y_mix, (lam * ty + (1 - lam) * ty[tp]).numpy())
    np.testing.assert_allclose(y_mix.sum(axis=1), 1.0)


def torch_cutmix(x, y, box, perm):
    top, left, height, width = box
    tx, ty, tp = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(perm)
    out = tx.clone()
    out[:, :, top : top + height, left : left + width] = tx[tp][
        :, :, top : top + height, left : left + width
    ]
    frac = height * width / (x.shape[2] * x.shape[3])
    return out.numpy(), ((1 - frac) * ty + frac * ty[tp]).numpy()


@pytest.mark.parametrize(
    "shape, box",
    [
        ((4, 3, 8, 8), (2, 1, 3, 5)),
        ((3, 1, 6, 10), (0, 4, 6, 2)),
        ((5, 2, 7, 5), (6, 4, 1, 1)),
        ((2, 3, 4, 4), (0, 0, 4, 4)),
        ((3, 2, 5, 5), (1, 2, 0, 3)),
    ],
)
def test_cutmix_matches_torch(shape, box):
    """Does cutmix paste x[perm]'s box (rows from top, columns from left) and mix labels by area?"""
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape)
    y = onehot(rng.integers(0, 4, size=shape[0]), 4)
    perm = rng.permutation(shape[0])
    x_mix, y_mix = ref.cutmix(x, y, box, perm)
    t_x, t_y = torch_cutmix(x, y, box, perm)
    np.testing.assert_array_equal(x_mix, t_x)
    assert_close(y_mix, t_y)


def test_cutmix_box_geometry():
    """Does exactly the box change, with rows on axis 2 and columns on axis 3?"""
    x = np.zeros((2, 1, 5, 7))
    x[1] = 1.0
    y = onehot(np.array([0, 1]), 2)
    x_mix, y_mix = ref.cutmix(x, y, (1, 2, 2, 4), np.array([1, 0]))
    expected = np.zeros((5, 7))
    expected[1:3, 2:6] = 1.0
    np.testing.assert_array_equal(x_mix[0, 0], expected)
    np.testing.assert_allclose(y_mix[0], [1 - 8 / 35, 8 / 35])


@pytest.mark.parametrize("box", [(-1, 0, 2, 2), (0, 0, 6, 2), (3, 4, 3, 1), (0, 0, -1, 2)])
def test_cutmix_rejects_boxes_outside_the_image(box):
    """Is a box that does not lie inside the image refused with a ValueError?"""
    with pytest.raises(ValueError):
        ref.cutmix(np.zeros((2, 1, 5, 5)), np.eye(2), box, np.array([1, 0]))


# ------------------------------------------------------------------- early stopping

# (patience, min_delta, losses, expected stop flags, best, best_step)
CURVES = [
    (2, 0.0, [1.0, 0.8, 0.9, 0.85, 0.7], [False, False, False, True, False], 0.7, 4),
    (1, 0.0, [1.0, 1.0], [False, True], 1.0, 0),
    (3, 0.0, [3.0, 2.0, 1.0, 0.5], [False] * 4, 0.5, 3),
    (2, 0.1, [1.0, 0.95, 0.92, 0.85], [False, False, True, False], 0.85, 3),
    (2, 0.1, [1.0, 0.95, 0.95, 0.95], [False, False, True, True], 1.0, 0),
    (3, 0.0, [1.0, 2.0, 1.5, 1.2, 1.1], [False, False, False, True, True], 1.0, 0),
]


@pytest.mark.parametrize("patience, min_delta, losses, flags, best, best_step", CURVES)
def test_early_stopping_curves(patience, min_delta, losses, flags, best, best_step):
    """Does step() stop after `patience` calls without beating best by min_delta, and track best?"""
    stopper = ref.EarlyStopping(patience, min_delta=min_delta)
    got = [stopper.step(v) for v in losses]
    assert got == flags
    assert all(isinstance(v, bool) for v in got)
    assert stopper.best == pytest.approx(best)
    assert stopper.best_step == best_step


def test_early_stopping_initial_state_and_validation():
    """Does a fresh stopper have best = inf, and are bad arguments refused?"""
    stopper = ref.EarlyStopping(3)
    assert stopper.best == float("inf") and stopper.best_step is None
    with pytest.raises(ValueError):
        ref.EarlyStopping(0)
    with pytest.raises(ValueError):
        ref.EarlyStopping(2, min_delta=-1.0)


# ------------------------------------------------------------ inputs are not modified


def test_no_function_modifies_its_inputs():
    """Do dropout, l2_penalty, label smoothing, mixup and cutmix leave their arguments alone?"""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 2, 3, 3))
    y = onehot(np.array([0, 1, 2, 1]), 3)
    labels = np.array([0, 1, 2, 1])
    logits = rng.standard_normal((4, 3))
    perm = np.array([2, 3, 0, 1])
    params = [rng.standard_normal((2, 2)), rng.standard_normal(3)]
    dout = rng.standard_normal(x.shape)
    arrays = [x, y, labels, logits, perm, dout, *params]
    before = [a.copy() for a in arrays]
    for train in (True, False):
        _, cache = ref.dropout_forward(x, 0.4, train=train, seed=0)
        ref.dropout_backward(dout, cache)
    ref.l2_penalty(params, 0.1)
    ref.label_smoothing_cross_entropy(logits, labels, 0.2)
    ref.mixup(x, y, 0.3, perm)
    ref.cutmix(x, y, (0, 1, 2, 2), perm)
    for a, a0 in zip(arrays, before):
        np.testing.assert_array_equal(a, a0)
