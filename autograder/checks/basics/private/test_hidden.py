"""Hidden checks of the basics assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import (
    CheckFailure,
    check_backward,
    check_backward_numeric,
    check_forward,
    describe_call,
)
from autograder.checks.basics.common import (
    ACTIVATIONS,
    _init_sample,
    activation_input,
    activation_kwargs,
    away_from_kinks,
    check_init_distribution,
    check_keeps_inputs,
    check_numerical_gradient,
    compare_loss,
)

# (x shape, M): a single example, a single output, five axes, a wide layer
AFFINE_CASES = {
    "single-example": ((1, 7), 3),
    "one-output": ((6, 4), 1),
    "5d": ((2, 3, 2, 2, 2), 5),
    "wide": ((3, 2, 10), 12),
}
LARGE = np.array([-1e4, -900.0, -60.0, -1e-8, 0.0, 1e-8, 60.0, 900.0, 1e4])


def affine_inputs(rng, case):
    x_shape, M = AFFINE_CASES[case]
    D = int(np.prod(x_shape[1:]))
    scale = rng.uniform(0.5, 3.0)
    return scale * rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)


def per_activation(stage):
    return pytest.mark.parametrize(
        "act",
        [pytest.param(a, marks=pytest.mark.task(f"{a}_{stage}"), id=a) for a in ACTIVATIONS],
    )


# --------------------------------------------------------------------------- affine


@pytest.mark.task("affine_forward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_forward(sub, oracle, rng, case):
    """affine_forward matches the reference"""
    check_forward(sub, oracle, "affine_forward", *affine_inputs(rng, case))


@pytest.mark.task("affine_forward")
@pytest.mark.points(1)
def test_affine_forward_keeps_inputs(sub, oracle, rng):
    """affine_forward is right and leaves x, w and b unchanged"""
    check_keeps_inputs(sub, oracle, "affine_forward", affine_inputs(rng, "5d"))


@pytest.mark.task("affine_backward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_backward(sub, oracle, rng, case):
    """affine_backward matches the reference"""
    args = affine_inputs(rng, case)
    dout = rng.standard_normal((args[0].shape[0], args[1].shape[1]))
    check_backward(
        sub, oracle, "affine_forward", "affine_backward", args, dout, grads=("dx", "dw", "db")
    )


@pytest.mark.task("affine_backward")
@pytest.mark.points(2)
def test_affine_backward_numeric(sub, oracle, rng):
    """affine_backward agrees with numerical gradients of your affine_forward"""
    args = affine_inputs(rng, "5d")
    dout = rng.standard_normal((2, 5))
    check_backward_numeric(
        sub, "affine_forward", "affine_backward", args, dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dw", "db"), oracle=oracle,
    )  # fmt: skip


# ---------------------------------------------------------------------- activations


@per_activation("forward")
@pytest.mark.points(1)
def test_activation_forward(sub, oracle, rng, act):
    """activation forward matches the reference (random shape, scale and alpha)"""
    x = activation_input(rng, (3, 2, 5), scale=rng.uniform(0.5, 5.0))
    check_forward(sub, oracle, f"{act}_forward", x, **activation_kwargs(act, rng))


@per_activation("forward")
@pytest.mark.points(1)
def test_activation_forward_large_inputs(sub, oracle, rng, act):
    """activation forward stays finite and right for |x| up to 1e4"""
    check_forward(sub, oracle, f"{act}_forward", LARGE.copy(), **activation_kwargs(act, rng))


@per_activation("backward")
@pytest.mark.points(1.5)
def test_activation_backward(sub, oracle, rng, act):
    """activation backward matches the reference (inputs include exact zeros and |x| = 1e4)"""
    x = np.concatenate([activation_input(rng, (20,)), LARGE])
    dout = rng.standard_normal(x.shape)
    kwargs = activation_kwargs(act, rng)
    check_backward(
        sub, oracle, f"{act}_forward", f"{act}_backward", (x,), dout, kwargs=kwargs, grads=("dx",)
    )


@per_activation("backward")
@pytest.mark.points(1)
def test_activation_backward_numeric(sub, oracle, rng, act):
    """activation backward agrees with numerical gradients of your forward"""
    x = away_from_kinks(rng, (4, 5))
    dout = rng.standard_normal(x.shape)
    check_backward_numeric(
        sub, f"{act}_forward", f"{act}_backward", (x,), dout,
        kwargs=activation_kwargs(act, rng), wrt={0: 0}, grads=("dx",), oracle=oracle,
    )  # fmt: skip


# --------------------------------------------------------------------------- losses


@pytest.mark.task("softmax_cross_entropy")
@pytest.mark.points(2)
@pytest.mark.parametrize("N, C", [(1, 2), (9, 7)])
def test_softmax_cross_entropy(sub, oracle, rng, N, C):
    """softmax_cross_entropy matches the reference (loss and dlogits)"""
    logits = rng.uniform(0.5, 4.0) * rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N)
    compare_loss(sub, oracle, "softmax_cross_entropy", (logits, y), names=("loss", "dlogits"))


@pytest.mark.task("softmax_cross_entropy")
@pytest.mark.points(3)
def test_softmax_cross_entropy_large_logits(sub, oracle, rng):
    """softmax_cross_entropy stays finite and right for |logits| up to 1e4"""
    logits = 1e4 * rng.standard_normal((5, 4))
    logits[0] = [1e4, -1e4, 0.0, 1e4]
    y = rng.integers(0, 4, size=5)
    compare_loss(
        sub, oracle, "softmax_cross_entropy", (logits, y),
        names=("loss", "dlogits"), with_overflow=True,
    )  # fmt: skip


@pytest.mark.task("mse_loss")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("shape", [(8,), (2, 3, 4)])
def test_mse_loss(sub, oracle, rng, shape):
    """mse_loss matches the reference (loss and dpred)"""
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    compare_loss(sub, oracle, "mse_loss", (pred, target), names=("loss", "dpred"))


@pytest.mark.task("bce_with_logits")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("shape, hard", [((10,), True), ((3, 2, 4), False)])
def test_bce_with_logits(sub, oracle, rng, shape, hard):
    """bce_with_logits matches the reference (loss and dlogits)"""
    logits = rng.uniform(0.5, 5.0) * rng.standard_normal(shape)
    targets = (rng.random(shape) < 0.5).astype(np.float64) if hard else rng.random(shape)
    compare_loss(sub, oracle, "bce_with_logits", (logits, targets), names=("loss", "dlogits"))


@pytest.mark.task("bce_with_logits")
@pytest.mark.points(2.5)
def test_bce_with_logits_large_logits(sub, oracle, rng):
    """bce_with_logits stays finite and right for |logits| up to 1e4"""
    logits = np.concatenate([LARGE, 1e4 * rng.standard_normal(6)])
    targets = np.concatenate([rng.random(LARGE.size), (rng.random(6) < 0.5).astype(np.float64)])
    compare_loss(
        sub, oracle, "bce_with_logits", (logits, targets),
        names=("loss", "dlogits"), with_overflow=True,
    )  # fmt: skip


@pytest.mark.task("softmax_cross_entropy")
@pytest.mark.points(1)
def test_losses_keep_inputs(sub, oracle, rng):
    """the losses are right and leave their arguments unchanged"""
    logits = rng.standard_normal((4, 3))
    check_keeps_inputs(sub, oracle, "softmax_cross_entropy", (logits, rng.integers(0, 3, size=4)))
    check_keeps_inputs(sub, oracle, "mse_loss", (logits, rng.standard_normal((4, 3))))
    check_keeps_inputs(sub, oracle, "bce_with_logits", (logits, rng.random((4, 3))))


# ------------------------------------------------------------------- initialisation


@pytest.mark.task("xavier_init")
@pytest.mark.points(2)
@pytest.mark.parametrize("fan_in, fan_out", [(64, 300), (300, 150)])
def test_xavier_init(sub, oracle, seed, fan_in, fan_out):
    """xavier_init draws from the Glorot uniform distribution (checked statistically)"""
    check_init_distribution(sub, oracle, "xavier_init", fan_in, fan_out, seed=seed % 100_000)


@pytest.mark.task("he_init")
@pytest.mark.points(2)
@pytest.mark.parametrize("fan_in, fan_out", [(100, 300), (400, 50)])
def test_he_init(sub, oracle, seed, fan_in, fan_out):
    """he_init draws from the Kaiming normal distribution (checked statistically)"""
    check_init_distribution(sub, oracle, "he_init", fan_in, fan_out, seed=seed % 100_000 + 7)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.task(n), id=n) for n in ("xavier_init", "he_init")]
)
@pytest.mark.points(1)
def test_init_uses_its_rng(sub, seed, name):
    """the initialiser draws from its rng: same seed, same weights; another seed, other weights"""
    a = sub.run(_init_sample, name, 30, 20, seed)
    b = sub.run(_init_sample, name, 30, 20, seed)
    c = sub.run(_init_sample, name, 30, 20, seed + 1)
    call = describe_call(name, (30, 20, "rng"), {})
    if not np.array_equal(np.asarray(a), np.asarray(b)):
        raise CheckFailure(
            f"{call}\n  two generators with the same seed gave different weights: draw only "
            "from the rng argument, not from np.random.* or a new generator"
        )
    if np.array_equal(np.asarray(a), np.asarray(c)):
        raise CheckFailure(f"{call}\n  generators with different seeds gave the same weights")


# ------------------------------------------------------------------ gradient checks


@pytest.mark.task("numerical_gradient")
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "shape, h",
    [((7,), None), ((2, 3, 2), 1e-4), ((4, 3), 1e-3)],
    ids=["default-h", "h=1e-4", "h=1e-3"],
)
def test_numerical_gradient(sub, oracle, rng, shape, h):
    """numerical_gradient matches central differences and restores x"""
    x = away_from_kinks(rng, shape, scale=1.0)
    c = rng.standard_normal(shape)
    check_numerical_gradient(sub, oracle, x, c, h)
