"""Public checks of the basics assignment (they ship with the assignment).

Run them with `dlcourse check basics`. The hidden checks test the same tasks on
other shapes, options and random inputs.
"""

import pytest

from autograder.checks.basics.common import (
    activation_backward_case,
    activation_forward_case,
    activation_input,
    affine_backward_case,
    affine_backward_numeric_case,
    affine_forward_case,
    bce_with_logits_case,
    check_init_distribution,
    mse_loss_case,
    numerical_gradient_case,
    per_activation,
    softmax_cross_entropy_case,
)

# (x shape, M)
AFFINE_CASES = {"2d": ((4, 5), 3), "4d": ((3, 2, 2, 3), 4)}


@pytest.mark.task("affine_forward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_forward(sub, oracle, rng, case):
    """affine_forward matches the reference"""
    affine_forward_case(sub, oracle, rng, AFFINE_CASES[case])


@pytest.mark.task("affine_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_backward(sub, oracle, rng, case):
    """affine_backward matches the reference"""
    affine_backward_case(sub, oracle, rng, AFFINE_CASES[case])


@pytest.mark.task("affine_backward")
@pytest.mark.points(2)
def test_affine_backward_numeric(sub, oracle, rng):
    """affine_backward agrees with numerical gradients of your affine_forward"""
    affine_backward_numeric_case(sub, oracle, rng, AFFINE_CASES["4d"])


@per_activation("forward")
@pytest.mark.points(1)
def test_activation_forward(sub, oracle, rng, act):
    """activation forward matches the reference"""
    activation_forward_case(sub, oracle, rng, act, activation_input(rng, (4, 6)))


@per_activation("backward")
@pytest.mark.points(1)
def test_activation_backward(sub, oracle, rng, act):
    """activation backward matches the reference (inputs include exact zeros)"""
    activation_backward_case(sub, oracle, rng, act, activation_input(rng, (4, 6)))


@pytest.mark.task("softmax_cross_entropy")
@pytest.mark.points(2)
def test_softmax_cross_entropy(sub, oracle, rng):
    """softmax_cross_entropy matches the reference (loss and dlogits)"""
    softmax_cross_entropy_case(sub, oracle, rng, 6, 4, scale=2.0)


@pytest.mark.task("mse_loss")
@pytest.mark.points(1.5)
def test_mse_loss(sub, oracle, rng):
    """mse_loss matches the reference (loss and dpred)"""
    mse_loss_case(sub, oracle, rng, (5, 3))


@pytest.mark.task("bce_with_logits")
@pytest.mark.points(1.5)
def test_bce_with_logits(sub, oracle, rng):
    """bce_with_logits matches the reference (loss and dlogits)"""
    bce_with_logits_case(sub, oracle, rng, (4, 3), scale=3.0)


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
    numerical_gradient_case(sub, oracle, rng, (3, 4))
