"""Public checks of the basics assignment (they ship with the assignment).

Run them with `dlcourse check basics`. The hidden checks test the same tasks on
other shapes, options and random inputs.
"""

import pytest

from autograder.checkkit import check_backward, check_backward_numeric, check_forward
from autograder.checks.basics.common import (
    ACTIVATIONS,
    activation_input,
    away_from_kinks,
    check_init_distribution,
    check_numerical_gradient,
    compare_loss,
)

# (x shape, M)
AFFINE_CASES = {"2d": ((4, 5), 3), "4d": ((3, 2, 2, 3), 4)}


def affine_inputs(rng, case):
    x_shape, M = AFFINE_CASES[case]
    D = 1
    for d in x_shape[1:]:
        D *= d
    return rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)


def per_activation(stage):
    """Parametrize over the five activations, each marked with its own task."""
    return pytest.mark.parametrize(
        "act",
        [pytest.param(a, marks=pytest.mark.task(f"{a}_{stage}"), id=a) for a in ACTIVATIONS],
    )


@pytest.mark.task("affine_forward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_forward(sub, oracle, rng, case):
    """affine_forward matches the reference"""
    check_forward(sub, oracle, "affine_forward", *affine_inputs(rng, case))


@pytest.mark.task("affine_backward")
@pytest.mark.points(2)
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
    args = affine_inputs(rng, "4d")
    dout = rng.standard_normal((3, 4))
    check_backward_numeric(
        sub, "affine_forward", "affine_backward", args, dout,
        wrt={0: 0, 1: 1, 2: 2}, grads=("dx", "dw", "db"), oracle=oracle,
    )  # fmt: skip


@per_activation("forward")
@pytest.mark.points(1)
def test_activation_forward(sub, oracle, rng, act):
    """activation forward matches the reference"""
    check_forward(sub, oracle, f"{act}_forward", activation_input(rng, (4, 6)))


@per_activation("backward")
@pytest.mark.points(1)
def test_activation_backward(sub, oracle, rng, act):
    """activation backward matches the reference (inputs include exact zeros)"""
    x = activation_input(rng, (4, 6))
    dout = rng.standard_normal(x.shape)
    check_backward(sub, oracle, f"{act}_forward", f"{act}_backward", (x,), dout, grads=("dx",))


@pytest.mark.task("softmax_cross_entropy")
@pytest.mark.points(2)
def test_softmax_cross_entropy(sub, oracle, rng):
    """softmax_cross_entropy matches the reference (loss and dlogits)"""
    logits = 2.0 * rng.standard_normal((6, 4))
    y = rng.integers(0, 4, size=6)
    compare_loss(sub, oracle, "softmax_cross_entropy", (logits, y), names=("loss", "dlogits"))


@pytest.mark.task("mse_loss")
@pytest.mark.points(1.5)
def test_mse_loss(sub, oracle, rng):
    """mse_loss matches the reference (loss and dpred)"""
    pred, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    compare_loss(sub, oracle, "mse_loss", (pred, target), names=("loss", "dpred"))


@pytest.mark.task("bce_with_logits")
@pytest.mark.points(1.5)
def test_bce_with_logits(sub, oracle, rng):
    """bce_with_logits matches the reference (loss and dlogits)"""
    logits = 3.0 * rng.standard_normal((4, 3))
    targets = rng.random((4, 3))
    compare_loss(sub, oracle, "bce_with_logits", (logits, targets), names=("loss", "dlogits"))


@pytest.mark.task("xavier_init")
@pytest.mark.points(2)
def test_xavier_init(sub, oracle, seed):
    """xavier_init draws from the Glorot uniform distribution (checked statistically)"""
    check_init_distribution(sub, oracle, "xavier_init", 200, 100, seed=seed % 100_000 + 11)


@pytest.mark.task("he_init")
@pytest.mark.points(2)
def test_he_init(sub, oracle, seed):
    """he_init draws from the Kaiming normal distribution (checked statistically)"""
    check_init_distribution(sub, oracle, "he_init", 256, 64, seed=seed % 100_000 + 12)


@pytest.mark.task("numerical_gradient")
@pytest.mark.points(2)
def test_numerical_gradient(sub, oracle, rng):
    """numerical_gradient matches central differences and restores x"""
    x = away_from_kinks(rng, (3, 4), scale=1.0)
    c = rng.standard_normal((3, 4))
    check_numerical_gradient(sub, oracle, x, c, None)
