"""Hidden checks of the basics assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import CheckFailure, check_backward_numeric, describe_call, msg
from autograder.checks.basics.common import (
    _init_sample,
    activation_backward_case,
    activation_forward_case,
    activation_input,
    activation_kwargs,
    affine_backward_case,
    affine_backward_numeric_case,
    affine_forward_case,
    affine_inputs,
    away_from_kinks,
    bce_with_logits_case,
    check_init_distribution,
    check_keeps_inputs,
    compare_loss,
    mse_loss_case,
    numerical_gradient_case,
    per_activation,
    softmax_cross_entropy_case,
)

# (x shape, M): a single example, a single output, five axes, a wide layer
AFFINE_CASES = {
    "single-example": ((1, 7), 3),
    "one-output": ((6, 4), 1),
    "5d": ((2, 3, 2, 2, 2), 5),
    "wide": ((3, 2, 10), 12),
}
LARGE = np.array([-1e4, -900.0, -60.0, -1e-8, 0.0, 1e-8, 60.0, 900.0, 1e4])


def input_scale(rng):
    return rng.uniform(0.5, 3.0)


# --------------------------------------------------------------------------- affine


@pytest.mark.task("affine_forward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_forward(sub, oracle, rng, case):
    """affine_forward matches the reference"""
    affine_forward_case(sub, oracle, rng, AFFINE_CASES[case], scale=input_scale(rng))


@pytest.mark.task("affine_forward")
@pytest.mark.points(1)
def test_affine_forward_keeps_inputs(sub, oracle, rng):
    """affine_forward is right and leaves x, w and b unchanged"""
    args = affine_inputs(rng, AFFINE_CASES["5d"], scale=input_scale(rng))
    check_keeps_inputs(sub, oracle, "affine_forward", args)


@pytest.mark.task("affine_backward")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", sorted(AFFINE_CASES))
def test_affine_backward(sub, oracle, rng, case):
    """affine_backward matches the reference"""
    affine_backward_case(sub, oracle, rng, AFFINE_CASES[case], scale=input_scale(rng))


@pytest.mark.task("affine_backward")
@pytest.mark.points(2)
def test_affine_backward_numeric(sub, oracle, rng):
    """affine_backward agrees with numerical gradients of your affine_forward"""
    affine_backward_numeric_case(sub, oracle, rng, AFFINE_CASES["5d"], scale=input_scale(rng))


# ---------------------------------------------------------------------- activations


@per_activation("forward")
@pytest.mark.points(1)
def test_activation_forward(sub, oracle, rng, act):
    """activation forward matches the reference (random shape, scale and alpha)"""
    x = activation_input(rng, (3, 2, 5), scale=rng.uniform(0.5, 5.0))
    activation_forward_case(sub, oracle, rng, act, x, with_alpha=True)


@per_activation("forward")
@pytest.mark.points(1)
def test_activation_forward_large_inputs(sub, oracle, rng, act):
    """activation forward stays finite and right for |x| up to 1e4"""
    activation_forward_case(sub, oracle, rng, act, LARGE.copy(), with_alpha=True)


@per_activation("backward")
@pytest.mark.points(1.5)
def test_activation_backward(sub, oracle, rng, act):
    """activation backward matches the reference (inputs include exact zeros and |x| = 1e4)"""
    x = np.concatenate([activation_input(rng, (20,)), LARGE])
    activation_backward_case(sub, oracle, rng, act, x, with_alpha=True)


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
    softmax_cross_entropy_case(sub, oracle, rng, N, C, scale=rng.uniform(0.5, 4.0))


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
    mse_loss_case(sub, oracle, rng, shape)


@pytest.mark.task("bce_with_logits")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("shape, hard", [((10,), True), ((3, 2, 4), False)])
def test_bce_with_logits(sub, oracle, rng, shape, hard):
    """bce_with_logits matches the reference (loss and dlogits)"""
    bce_with_logits_case(sub, oracle, rng, shape, scale=rng.uniform(0.5, 5.0), hard=hard)


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
            msg(
                "basics.same_seed_differs",
                "two generators with the same seed gave different weights: draw only from the "
                "rng argument, not from np.random.* or a new generator",
            ),
            call=call,
        )
    if np.array_equal(np.asarray(a), np.asarray(c)):
        raise CheckFailure(
            msg(
                "basics.other_seed_same",
                "generators with different seeds gave the same weights",
            ),
            call=call,
        )


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
    numerical_gradient_case(sub, oracle, rng, shape, h)
