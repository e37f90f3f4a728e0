"""Does the basics reference agree with PyTorch float64, forward and backward?

torch is the oracle: every layer, activation and loss is compared with its torch
counterpart (torch.autograd gives the gradients), the initialisers are checked
statistically, and numerical_gradient is compared with autograd.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import assert_close, tensor

from autograder.paths import load_reference

ref = load_reference("basics")

RTOL = 1e-8


def autograd(fn, arrays, dout):
    """Output of fn on torch copies of arrays, and the gradients of sum(out * dout)."""
    ts = [tensor(a) for a in arrays]
    out = fn(*ts)
    out.backward(torch.from_numpy(np.asarray(dout, dtype=np.float64)))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def with_zeros(x):
    """x with a few entries set to exactly 0 (where activations have kinks)."""
    x = x.copy()
    x.flat[:: max(1, x.size // 4)] = 0.0
    return x


# --------------------------------------------------------------------------- affine


@pytest.mark.parametrize(
    "x_shape, M",
    [((4, 5), 3), ((3, 2, 3, 4), 6), ((1, 7), 1), ((5, 3, 2), 4)],
)
def test_affine_matches_torch(x_shape, M):
    """Do affine_forward and affine_backward match x.flatten(1) @ w + b under autograd?"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    D = int(np.prod(x_shape[1:]))
    w = rng.standard_normal((D, M))
    b = rng.standard_normal(M)
    dout = rng.standard_normal((x_shape[0], M))
    out, cache = ref.affine_forward(x, w, b)
    dx, dw, db = ref.affine_backward(dout, cache)
    t_out, (t_dx, t_dw, t_db) = autograd(lambda x, w, b: x.flatten(1) @ w + b, [x, w, b], dout)
    assert_close(out, t_out)
    assert_close(dx, t_dx)
    assert_close(dw, t_dw)
    assert_close(db, t_db)
    assert dx.shape == x.shape


# ---------------------------------------------------------------------- activations

ACTIVATIONS = {
    "relu": (lambda x: ref.relu_forward(x), ref.relu_backward, F.relu),
    "sigmoid": (lambda x: ref.sigmoid_forward(x), ref.sigmoid_backward, torch.sigmoid),
    "tanh": (lambda x: ref.tanh_forward(x), ref.tanh_backward, torch.tanh),
    "leaky_relu": (lambda x: ref.leaky_relu_forward(x), ref.leaky_relu_backward, F.leaky_relu),
    "leaky_relu_0.2": (
        lambda x: ref.leaky_relu_forward(x, alpha=0.2),
        ref.leaky_relu_backward,
        lambda t: F.leaky_relu(t, negative_slope=0.2),
    ),
    "elu": (lambda x: ref.elu_forward(x), ref.elu_backward, F.elu),
    "elu_0.5": (
        lambda x: ref.elu_forward(x, alpha=0.5),
        ref.elu_backward,
        lambda t: F.elu(t, alpha=0.5),
    ),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(6,), (4, 5), (2, 3, 4, 5)])
def test_activation_matches_torch(name, shape):
    """Does each activation match torch forward and backward, with exact zeros in x?"""
    forward, backward, torch_fn = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    x = with_zeros(3.0 * rng.standard_normal(shape))
    dout = rng.standard_normal(shape)
    out, cache = forward(x)
    dx = backward(dout, cache)
    t_out, (t_dx,) = autograd(torch_fn, [x], dout)
    assert_close(out, t_out)
    assert_close(dx, t_dx)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_is_stable_for_large_inputs(name):
    """Do activations stay finite and warning-free for |x| up to 1e4, and match torch there?"""
    forward, backward, torch_fn = ACTIVATIONS[name]
    x = np.array([-1e4, -800.0, -40.0, -1e-12, 0.0, 1e-12, 40.0, 800.0, 1e4])
    dout = np.linspace(-1.0, 1.0, x.size)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, cache = forward(x)
        dx = backward(dout, cache)
    t_out, (t_dx,) = autograd(torch_fn, [x], dout)
    assert_close(out, t_out)
    assert_close(dx, t_dx)


def test_relu_gradient_at_zero_is_zero():
    """Is the ReLU gradient exactly 0 at x == 0 (torch's convention)?"""
    _, cache = ref.relu_forward(np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(ref.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


# --------------------------------------------------------------------------- losses


@pytest.mark.parametrize("N, C, scale", [(5, 3, 1.0), (8, 10, 5.0), (1, 2, 1.0), (6, 4, 1e4)])
def test_softmax_cross_entropy_matches_torch(N, C, scale):
    """Does softmax_cross_entropy match F.cross_entropy (mean), also for |logits| = 1e4?"""
    rng = np.random.default_rng(N * C)
    logits = scale * rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N)
    with np.errstate(over="raise", invalid="raise"):
        loss, dlogits = ref.softmax_cross_entropy(logits, y)
    t = tensor(logits)
    t_loss = F.cross_entropy(t, torch.from_numpy(y))
    t_loss.backward()
    assert isinstance(loss, float)
    assert_close(loss, t_loss.item())
    assert_close(dlogits, t.grad.numpy())


@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 3, 4, 4)])
def test_mse_matches_torch(shape):
    """Does mse_loss match F.mse_loss (mean over all elements) and its gradient?"""
    rng = np.random.default_rng(2)
    pred = rng.standard_normal(shape)
    target = rng.standard_normal(shape)
    loss, dpred = ref.mse_loss(pred, target)
    t = tensor(pred)
    t_loss = F.mse_loss(t, torch.from_numpy(target))
    t_loss.backward()
    assert_close(loss, t_loss.item())
    assert_close(dpred, t.grad.numpy())


@pytest.mark.parametrize(
    "shape, scale, hard",
    [((8,), 1.0, True), ((4, 3), 3.0, False), ((2, 3, 5), 10.0, True), ((50,), 1e4, True)],
)
def test_bce_with_logits_matches_torch(shape, scale, hard):
    """Does bce_with_logits match F.binary_cross_entropy_with_logits, also at |logits| = 1e4?"""
    rng = np.random.default_rng(3)
    logits = scale * rng.standard_normal(shape)
    targets = (rng.random(shape) < 0.5).astype(np.float64) if hard else rng.random(shape)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = ref.bce_with_logits(logits, targets)
    t = tensor(logits)
    t_loss = F.binary_cross_entropy_with_logits(t, torch.from_numpy(targets))
    t_loss.backward()
    assert np.isfinite(loss)
    assert_close(loss, t_loss.item())
    assert_close(dlogits, t.grad.numpy())


def test_bce_with_logits_extreme_values_exact():
    """At |logits| = 1e4, is the loss 0 for right answers and |z| for wrong ones?"""
    logits = np.array([1e4, -1e4, 1e4, -1e4])
    loss, dlogits = ref.bce_with_logits(logits, np.array([1.0, 0.0, 1.0, 0.0]))
    assert loss == 0.0
    loss, dlogits = ref.bce_with_logits(logits, np.array([0.0, 1.0, 0.0, 1.0]))
    assert loss == pytest.approx(1e4, rel=1e-12)
    np.testing.assert_allclose(dlogits, [0.25, -0.25, 0.25, -0.25])


# ------------------------------------------------------------------- initialisation


def test_xavier_uniform_statistics():
    """Is xavier_init uniform on [-a, a] with a = sqrt(6 / (fan_in + fan_out)), like torch's?"""
    fan_in, fan_out = 300, 200
    w = ref.xavier_init(fan_in, fan_out, np.random.default_rng(4))
    a = np.sqrt(6.0 / (fan_in + fan_out))
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert np.all(np.abs(w) <= a) and np.max(np.abs(w)) > 0.999 * a
    n = w.size
    assert abs(w.mean()) < 4 * a / np.sqrt(3 * n)
    # variance of U(-a, a) is a^2/3; the sample variance has std ~ a^2 * sqrt(4 / (45 n))
    assert abs(w.var() - a * a / 3) < 4 * a * a * np.sqrt(4 / (45 * n))
    # uniform: each tenth of the interval holds about a tenth of the entries
    counts, _ = np.histogram(w, bins=10, range=(-a, a))
    assert np.all(np.abs(counts / n - 0.1) < 4 * np.sqrt(0.09 / n))
    # torch's xavier_uniform_ (weight of shape (fan_out, fan_in)) has the same bound
    t = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(0)
    torch.nn.init.xavier_uniform_(t)
    assert t.abs().max().item() <= a and t.abs().max().item() > 0.999 * a


def test_he_normal_statistics():
    """Is he_init normal with mean 0 and std sqrt(2 / fan_in), like torch's kaiming_normal_?"""
    fan_in, fan_out = 400, 150
    w = ref.he_init(fan_in, fan_out, np.random.default_rng(5))
    std = np.sqrt(2.0 / fan_in)
    n = w.size
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert abs(w.mean()) < 4 * std / np.sqrt(n)
    assert abs(w.std() / std - 1) < 4 / np.sqrt(2 * n)
    # normal, not uniform: about 68.3% within one std, and kurtosis about 3
    inside = np.mean(np.abs(w) < std)
    assert abs(inside - 0.682689) < 4 * np.sqrt(0.2167 / n)
    kurtosis = np.mean((w / w.std()) ** 4)
    assert abs(kurtosis - 3.0) < 4 * np.sqrt(24 / n)
    t = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(0)
    torch.nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert abs(t.std().item() / std - 1) < 4 / np.sqrt(2 * n)


@pytest.mark.parametrize("init", ["xavier_init", "he_init"])
def test_init_uses_only_its_rng(init):
    """Does an initialiser draw only from its rng (same seed, same weights; global state kept)?"""
    fn = getattr(ref, init)
    state = np.random.get_state()[1].copy()
    a = fn(20, 30, np.random.default_rng(7))
    b = fn(20, 30, np.random.default_rng(7))
    c = fn(20, 30, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ------------------------------------------------------------------ gradient checks


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 2, 3)])
def test_numerical_gradient_matches_autograd(shape):
    """Does numerical_gradient agree with torch autograd and leave x exactly as it was?"""
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape)
    x_before = x.copy()
    c = rng.standard_normal(shape)

    def f(z):
        return float(np.sum(np.sin(z) * z**2 + c * z) + np.sum(z) ** 2)

    grad = ref.numerical_gradient(f, x)
    t = tensor(x)
    (torch.sum(torch.sin(t) * t**2 + torch.from_numpy(c) * t) + torch.sum(t) ** 2).backward()
    np.testing.assert_array_equal(x, x_before)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-7, atol=1e-7)


def test_numerical_gradient_checks_a_layer():
    """Used as a student will, does it confirm affine_backward with an upstream gradient?"""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 2, 2))
    w = rng.standard_normal((4, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((3, 5))
    _, cache = ref.affine_forward(x, w, b)
    dx, dw, db = ref.affine_backward(dout, cache)
    for arr, analytic in ((x, dx), (w, dw), (b, db)):
        numeric = ref.numerical_gradient(
            lambda _: np.sum(ref.affine_forward(x, w, b)[0] * dout), arr
        )
        np.testing.assert_allclose(numeric, analytic, rtol=1e-7, atol=1e-8)


# ------------------------------------------------------------ inputs are not modified


def _calls(rng):
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal((3, 2))
    b = rng.standard_normal(2)
    y = rng.integers(0, 3, size=4)
    t = rng.random((4, 3))
    yield ref.affine_forward, (x, w, b)
    for name in ("relu", "sigmoid", "tanh", "leaky_relu", "elu"):
        yield getattr(ref, f"{name}_forward"), (x,)
    yield ref.softmax_cross_entropy, (x, y)
    yield ref.mse_loss, (x, t)
    yield ref.bce_with_logits, (x, t)


def test_no_function_modifies_its_inputs():
    """Do forward, backward and loss functions leave every argument array unchanged?"""
    rng = np.random.default_rng(11)
    for fn, args in _calls(rng):
        before = [a.copy() for a in args]
        result = fn(*args)
        if fn.__name__.endswith("_forward"):
            out, cache = result
            dout = rng.standard_normal(out.shape)
            dout_before = dout.copy()
            getattr(ref, fn.__name__.replace("_forward", "_backward"))(dout, cache)
            np.testing.assert_array_equal(dout, dout_before, err_msg=fn.__name__)
        for a, a0 in zip(args, before):
            np.testing.assert_array_equal(a, a0, err_msg=fn.__name__)
