"""Public checks of the cnn assignment (they ship with the assignment).

Run them with `dlcourse check cnn`. SmallCNN gets random weights copied in by
parameter name; train_epoch, evaluate and fit run on a tiny conv + batch-norm
network the checks build, with small fixed loaders (lists of batches), and are
compared with the reference step by step. The hidden checks do the same on
other shapes, optimizers and options, and train your SmallCNN briefly.
"""

import pytest

from autograder.checks.cnn.common import (
    check_evaluate,
    check_fit,
    check_lr_schedule,
    check_smallcnn,
    check_train_epoch,
)

# (batch size, num_classes)
SMALLCNN_CASES = {"10-classes": (3, 10), "4-classes": (2, 4)}


@pytest.mark.task("SmallCNN.forward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(SMALLCNN_CASES))
def test_smallcnn(sub, oracle, rng, case):
    """SmallCNN: logits and input gradient match the reference"""
    n, num_classes = SMALLCNN_CASES[case]
    check_smallcnn(sub, oracle, rng, n, num_classes)


@pytest.mark.task("train_epoch")
@pytest.mark.points(6)
def test_train_epoch(sub, oracle, rng):
    """train_epoch: the same weights after every step and the same mean loss"""
    check_train_epoch(
        sub, oracle, rng, sizes=(5, 5, 3), num_classes=3, optimizer=("sgd", 0.1, 0.9, 0.0),
        smoothing=0.0, start_training=False,
    )  # fmt: skip


@pytest.mark.task("evaluate")
@pytest.mark.points(5)
def test_evaluate(sub, oracle, rng):
    """evaluate: loss and accuracy match; eval mode, no_grad, mode restored"""
    check_evaluate(
        sub, oracle, rng, sizes=(4, 4, 2), num_classes=3, smoothing=0.0, start_training=True
    )


@pytest.mark.task("lr_schedule")
@pytest.mark.points(4)
def test_lr_schedule(sub, oracle, grading):
    """lr_schedule: linear warmup, then cosine decay to 0"""
    check_lr_schedule(sub, oracle, warmup_steps=3, total_steps=9 + (8 if grading else 0))


@pytest.mark.task("fit")
@pytest.mark.points(7)
def test_fit(sub, oracle, rng):
    """fit: history, per-update learning rates and final weights match the reference"""
    check_fit(
        sub, oracle, rng, train_sizes=(5, 5, 3), val_sizes=(4, 4), epochs=3, lr=0.05,
        weight_decay=0.1, patience=None,
    )  # fmt: skip
