"""Public checks of the regularization assignment (they ship with the assignment).

Run them with `dlcourse check regularization`. Dropout is checked statistically
(fraction of zeros, scale of the survivors, the same mask in the backward pass),
never against one particular random stream. The hidden checks test the same
tasks on other shapes, probabilities and loss curves.
"""

import pytest

from autograder.checks.regularization.common import (
    check_call,
    check_dropout,
    check_dropout_seeds,
    check_early_stopping,
    check_l2_penalty,
    nonzero,
    onehot,
)

DROPOUT_P = [0.25, 0.7]


@pytest.mark.task("dropout_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("p", DROPOUT_P)
def test_dropout_forward_train(sub, oracle, rng, p):
    """dropout_forward in train mode zeroes a fraction p and scales the survivors"""
    x = nonzero(rng, (40, 50))
    check_dropout(sub, oracle, x, nonzero(rng, x.shape), p, True, stage="forward")


@pytest.mark.task("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_eval(sub, oracle, rng):
    """dropout_forward in eval mode returns x unchanged"""
    x = nonzero(rng, (40, 50))
    check_dropout(sub, oracle, x, nonzero(rng, x.shape), 0.3, False, stage="forward")


@pytest.mark.task("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_seed(sub, oracle, rng):
    """dropout_forward is right, reproducible with a seed and fresh with seed=None"""
    big = nonzero(rng, (30, 40))
    check_dropout(sub, oracle, big, nonzero(rng, big.shape), 0.5, True, stage="forward")
    check_dropout_seeds(sub, nonzero(rng, (10, 20)), 0.5, 1234)


@pytest.mark.task("dropout_backward")
@pytest.mark.points(2)
@pytest.mark.parametrize("p", DROPOUT_P)
def test_dropout_backward_train(sub, oracle, rng, p):
    """dropout_backward uses the forward's mask and scale"""
    x = nonzero(rng, (40, 50))
    check_dropout(sub, oracle, x, nonzero(rng, x.shape), p, True, stage="backward")


@pytest.mark.task("dropout_backward")
@pytest.mark.points(1)
def test_dropout_backward_eval(sub, oracle, rng):
    """dropout_backward in eval mode passes dout through"""
    x = nonzero(rng, (20, 30))
    check_dropout(sub, oracle, x, nonzero(rng, x.shape), 0.3, False, stage="backward")


@pytest.mark.task("l2_penalty")
@pytest.mark.points(3)
def test_l2_penalty(sub, oracle, rng):
    """l2_penalty matches the reference (loss and one gradient per array)"""
    params = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    check_l2_penalty(sub, oracle, params, 0.05)


@pytest.mark.task("label_smoothing_cross_entropy")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("smoothing", [0.1, 0.3])
def test_label_smoothing(sub, oracle, rng, smoothing):
    """label_smoothing_cross_entropy matches the reference (loss and dlogits)"""
    logits = 2.0 * rng.standard_normal((6, 5))
    y = rng.integers(0, 5, size=6)
    check_call(
        sub, oracle, "label_smoothing_cross_entropy", "label_smoothing_cross_entropy",
        (logits, y, smoothing), ("loss", "dlogits"),
    )  # fmt: skip


@pytest.mark.task("mixup")
@pytest.mark.points(3)
def test_mixup(sub, oracle, rng):
    """mixup matches the reference and leaves its inputs unchanged"""
    x = rng.standard_normal((5, 2, 3))
    y = onehot(rng.integers(0, 3, size=5), 3)
    check_call(
        sub, oracle, "mixup", "mixup", (x, y, 0.3, rng.permutation(5)), ("x_mix", "y_mix"),
        inputs=(0, 1),
    )  # fmt: skip


@pytest.mark.task("cutmix")
@pytest.mark.points(3)
def test_cutmix(sub, oracle, rng):
    """cutmix matches the reference and leaves its inputs unchanged"""
    x = rng.standard_normal((4, 2, 6, 8))
    y = onehot(rng.integers(0, 3, size=4), 3)
    check_call(
        sub, oracle, "cutmix", "cutmix", (x, y, (1, 2, 3, 5), rng.permutation(4)),
        ("x_mix", "y_mix"), inputs=(0, 1),
    )  # fmt: skip


# (patience, min_delta, losses)
CURVES = {
    "overfitting": (2, 0.0, [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9, 0.6, 0.65]),
    "min_delta": (2, 0.05, [1.0, 0.97, 0.93, 0.96, 0.9, 0.885, 0.87, 0.8]),
}


@pytest.mark.task("EarlyStopping.step")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_early_stopping(sub, oracle, rng, curve):
    """EarlyStopping.step stops after `patience` calls without improvement and tracks the best"""
    patience, min_delta, losses = CURVES[curve]
    shift = float(rng.uniform(0.0, 5.0))  # the gains stay the same
    check_early_stopping(sub, oracle, patience, min_delta, [loss + shift for loss in losses])
