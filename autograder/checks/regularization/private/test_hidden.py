"""Hidden checks of the regularization assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checks.regularization.common import (
    check_call,
    check_dropout,
    check_dropout_seeds,
    check_early_stopping,
    check_keeps_input,
    check_l2_penalty,
    nonzero,
    onehot,
)

# (p, x shape): rare and frequent dropping, a 4-D activation map
DROPOUT_CASES = {
    "p=0.1": (0.1, (60, 100)),
    "p=0.4-4d": (0.4, (8, 6, 10, 12)),
    "p=0.85": (0.85, (50, 120)),
}


def dropout_inputs(rng, case):
    p, shape = DROPOUT_CASES[case]
    x = nonzero(rng, shape) * rng.uniform(0.5, 3.0)
    return x, nonzero(rng, shape), p


@pytest.mark.task("dropout_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(DROPOUT_CASES))
def test_dropout_forward_train(sub, oracle, rng, case):
    """dropout_forward in train mode zeroes a fraction p and scales the survivors"""
    x, dout, p = dropout_inputs(rng, case)
    check_dropout(sub, oracle, x, dout, p, True, stage="forward")


@pytest.mark.task("dropout_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("p", [0.2, 0.75])
def test_dropout_forward_eval(sub, oracle, rng, p):
    """dropout_forward in eval mode returns x unchanged"""
    x = nonzero(rng, (30, 70))
    check_dropout(sub, oracle, x, nonzero(rng, x.shape), p, False, stage="forward")


@pytest.mark.task("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_seed(sub, oracle, rng, seed):
    """dropout_forward is right, reproducible with a seed and fresh with seed=None"""
    big = nonzero(rng, (30, 40))
    check_dropout(sub, oracle, big, nonzero(rng, big.shape), 0.3, True, stage="forward")
    check_dropout_seeds(sub, nonzero(rng, (6, 5, 4)), 0.3, seed % 100_000)


@pytest.mark.task("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_keeps_input(sub, oracle, rng):
    """dropout_forward is right and leaves x unchanged, in train and in eval mode"""
    big = nonzero(rng, (30, 40))
    check_dropout(sub, oracle, big, nonzero(rng, big.shape), 0.5, True, stage="forward")
    x = nonzero(rng, (5, 6))
    for train in (True, False):
        check_keeps_input(sub, "dropout_forward", (x, 0.5, train, 3))


@pytest.mark.task("dropout_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(DROPOUT_CASES))
def test_dropout_backward_train(sub, oracle, rng, case):
    """dropout_backward uses the forward's mask and scale"""
    x, dout, p = dropout_inputs(rng, case)
    check_dropout(sub, oracle, x, dout, p, True, stage="backward")


@pytest.mark.task("dropout_backward")
@pytest.mark.points(2)
def test_dropout_backward_eval(sub, oracle, rng):
    """dropout_backward in eval mode passes dout through"""
    x = nonzero(rng, (3, 4, 5, 6))
    check_dropout(sub, oracle, x, nonzero(rng, x.shape), 0.6, False, stage="backward")


@pytest.mark.task("l2_penalty")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("count", [1, 4])
def test_l2_penalty(sub, oracle, rng, count):
    """l2_penalty matches the reference and leaves the parameters unchanged"""
    shapes = [(5, 4), (4,), (2, 3, 3, 3), (7, 1)][:count]
    params = [rng.uniform(0.3, 2.0) * rng.standard_normal(s) for s in shapes]
    check_l2_penalty(sub, oracle, params, float(rng.choice([1e-4, 0.01, 0.3])))


@pytest.mark.task("l2_penalty")
@pytest.mark.points(1)
def test_l2_penalty_zero_decay(sub, oracle, rng):
    """l2_penalty with weight_decay = 0 is 0 with zero gradients (and right with a decay)"""
    params = [rng.standard_normal((3, 3))]
    check_l2_penalty(sub, oracle, params, float(rng.uniform(0.05, 0.5)))
    check_l2_penalty(sub, oracle, params, 0.0)


@pytest.mark.task("label_smoothing_cross_entropy")
@pytest.mark.points(2)
@pytest.mark.parametrize(
    "N, C, smoothing, scale",
    [(1, 2, 0.2, 1.0), (7, 6, 0.0, 2.0), (5, 3, 1.0, 2.0), (6, 4, 0.15, 1e4)],
    ids=["N1-C2", "no-smoothing", "full-smoothing", "large-logits"],
)
def test_label_smoothing(sub, oracle, rng, N, C, smoothing, scale):
    """label_smoothing_cross_entropy matches the reference and leaves logits unchanged"""
    logits = scale * rng.standard_normal((N, C))
    y = rng.integers(0, C, size=N)
    check_call(
        sub, oracle, "label_smoothing_cross_entropy", "label_smoothing_cross_entropy",
        (logits, y, smoothing), ("loss", "dlogits"), inputs=(0,),
    )  # fmt: skip


@pytest.mark.task("mixup")
@pytest.mark.points(2)
@pytest.mark.parametrize("x_shape, lam", [((6, 5), 0.8), ((4, 3, 4, 4), 0.45), ((3, 2), 1.0)])
def test_mixup(sub, oracle, rng, x_shape, lam):
    """mixup matches the reference and leaves its inputs unchanged"""
    N = x_shape[0]
    x = rng.standard_normal(x_shape)
    y = onehot(rng.integers(0, 4, size=N), 4)
    if lam == 1.0:  # the input itself: right only together with a real mix
        check_call(
            sub, oracle, "mixup", "mixup", (x, y, 0.3, np.roll(np.arange(N), 1)), ("x_mix", "y_mix")
        )
    check_call(
        sub, oracle, "mixup", "mixup", (x, y, lam, rng.permutation(N)), ("x_mix", "y_mix"),
        inputs=(0, 1),
    )  # fmt: skip


# (x shape, box)
CUTMIX_CASES = {
    "tall-box": ((3, 3, 10, 8), (0, 5, 9, 2)),
    "corner": ((4, 1, 7, 7), (4, 4, 3, 3)),
    "empty-box": ((2, 2, 5, 6), (2, 3, 0, 2)),
}


@pytest.mark.task("cutmix")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(CUTMIX_CASES))
def test_cutmix(sub, oracle, rng, case):
    """cutmix matches the reference and leaves its inputs unchanged"""
    shape, box = CUTMIX_CASES[case]
    x = rng.standard_normal(shape)
    y = onehot(rng.integers(0, 5, size=shape[0]), 5)
    if case == "empty-box":  # the input itself: right only together with a real box
        check_call(
            sub, oracle, "cutmix", "cutmix", (x, y, (1, 1, 3, 4), np.roll(np.arange(shape[0]), 1)),
            ("x_mix", "y_mix"),
        )  # fmt: skip
    check_call(
        sub, oracle, "cutmix", "cutmix", (x, y, box, rng.permutation(shape[0])),
        ("x_mix", "y_mix"), inputs=(0, 1),
    )  # fmt: skip


# (patience, min_delta, losses); min_delta None uses the default. No gain equals
# min_delta exactly: at such a tie, correct implementations may round either way.
CURVES = {
    "keeps-improving": (2, None, [5.0, 4.0, 3.5, 3.2, 3.1, 3.05]),
    "plateau": (3, 0.0, [1.0, 0.9, 0.9, 0.9, 0.9, 0.9]),
    "rising": (2, None, [1.0, 1.1, 1.2, 1.3, 1.4]),
    "small-gains": (2, 0.1, [2.0, 1.95, 1.88, 1.85, 1.79, 1.75, 1.7]),
    "recovers": (1, 0.0, [1.0, 1.2, 0.8, 0.9, 0.7, 0.7, 0.6]),
    "zigzag": (3, 0.02, [1.0, 0.9, 1.1, 0.89, 1.2, 0.85, 0.86, 0.87, 0.88, 0.84]),
}


@pytest.mark.task("EarlyStopping.step")
@pytest.mark.points(2)
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_early_stopping(sub, oracle, curve):
    """EarlyStopping.step stops after `patience` calls without improvement and tracks the best"""
    check_early_stopping(sub, oracle, *CURVES[curve])


@pytest.mark.task("EarlyStopping.step")
@pytest.mark.points(2)
@pytest.mark.parametrize("patience", [2, 5])
def test_early_stopping_random_curve(sub, oracle, rng, patience):
    """EarlyStopping.step follows a noisy validation curve correctly"""
    steps = np.arange(40)
    curve = 1.0 / (1 + 0.3 * steps) + 0.004 * steps + 0.03 * rng.standard_normal(40)
    min_delta = float(rng.choice([0.0, 0.005, 0.02]))
    check_early_stopping(sub, oracle, patience, min_delta, [float(v) for v in curve])
