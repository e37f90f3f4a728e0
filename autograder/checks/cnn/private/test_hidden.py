"""Hidden checks of the cnn assignment (never shipped to students).

Inputs and weights are drawn from the submission's seed, which results.json
records, so a grade can be reproduced exactly.
"""

import pytest

from autograder.checks.cnn.common import (
    check_evaluate,
    check_fit,
    check_lr_schedule,
    check_smallcnn,
    check_train_epoch,
    check_training,
)

# (batch size, num_classes, weight scale, input scale)
SMALLCNN_CASES = {
    "one-image": (1, 10, 1.0, 1.0),
    "three-classes-large-weights": (5, 3, 2.0, 1.0),
    "bright-inputs": (4, 10, 0.5, 3.0),
}
# (batch sizes, num_classes, optimizer, label smoothing, given in train mode)
TRAIN_CASES = {
    "adamw-smoothing": ((6, 6, 6, 2), 4, ("adamw", 0.02, 0.0, 0.1), 0.1, True),
    "one-batch-eval-mode": ((7,), 3, ("sgd", 0.2, 0.0, 0.0), 0.0, False),
    "sgd-decay-uneven": ((3, 4, 5), 2, ("sgd", 0.1, 0.5, 0.01), 0.0, True),
}
# (batch sizes, num_classes, label smoothing, given in train mode)
EVAL_CASES = {
    "given-in-eval-mode": ((5, 3), 3, 0.0, False),
    "smoothing-uneven": ((6, 6, 1), 4, 0.2, True),
    "many-batches": ((2, 2, 2, 2, 1), 2, 0.0, False),
}
# (warmup_steps, total_steps)
SCHEDULE_CASES = {"4-12": (4, 12), "warmup-1": (1, 5), "warmup-only": (5, 5)}
# (train sizes, val sizes, epochs, lr, weight_decay, patience, validation data)
FIT_CASES = [
    pytest.param(
        ((4, 4, 4, 2), (5,), 3, 0.03, 0.0, None, "random"),
        marks=pytest.mark.points(6),
        id="no-patience-no-decay",
    ),
    pytest.param(
        ((5, 5, 3), (5, 5), 8, 0.05, 0.05, 2, "shifted"),
        marks=pytest.mark.points(7),
        id="early-stop",
    ),
    pytest.param(
        ((6, 6), (6, 6), 4, 0.05, 0.01, 2, "train"),
        marks=pytest.mark.points(5),
        id="patience-never-runs-out",
    ),
]


@pytest.mark.task("SmallCNN.forward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(SMALLCNN_CASES))
def test_smallcnn(sub, oracle, rng, case):
    """SmallCNN: logits and input gradient match the reference"""
    n, num_classes, scale, input_scale = SMALLCNN_CASES[case]
    check_smallcnn(sub, oracle, rng, n, num_classes, scale=scale, input_scale=input_scale)


@pytest.mark.task("train_epoch")
@pytest.mark.points(5)
@pytest.mark.parametrize("case", sorted(TRAIN_CASES))
def test_train_epoch(sub, oracle, rng, case):
    """train_epoch: the same weights after every step and the same mean loss"""
    sizes, num_classes, optimizer, smoothing, start_training = TRAIN_CASES[case]
    check_train_epoch(sub, oracle, rng, sizes, num_classes, optimizer, smoothing, start_training)


@pytest.mark.task("evaluate")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(EVAL_CASES))
def test_evaluate(sub, oracle, rng, case):
    """evaluate: loss and accuracy match; eval mode, no_grad, mode restored"""
    sizes, num_classes, smoothing, start_training = EVAL_CASES[case]
    check_evaluate(sub, oracle, rng, sizes, num_classes, smoothing, start_training)


@pytest.mark.task("lr_schedule")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(SCHEDULE_CASES))
def test_lr_schedule(sub, oracle, case):
    """lr_schedule: linear warmup, then cosine decay to 0"""
    warmup_steps, total_steps = SCHEDULE_CASES[case]
    check_lr_schedule(sub, oracle, warmup_steps, total_steps)


@pytest.mark.task("fit")
@pytest.mark.parametrize("case", FIT_CASES)
def test_fit(sub, oracle, rng, case):
    """fit: history, per-update learning rates and final weights match the reference"""
    train_sizes, val_sizes, epochs, lr, weight_decay, patience, val = case
    check_fit(sub, oracle, rng, train_sizes, val_sizes, epochs, lr, weight_decay, patience, val=val)


@pytest.mark.task("fit")
@pytest.mark.points(7)
def test_training(sub, oracle, rng):
    """SmallCNN trained briefly with your fit classifies new digit-like images well above chance"""
    check_training(sub, oracle, rng)
