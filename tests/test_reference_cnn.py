"""Does the cnn reference do what the contract says, checked with plain PyTorch?

- SmallCNN against the same network written as nn.Sequential from torch's own
  layers, with the weights copied over;
- train_epoch against a training loop written out here, step by step;
- evaluate against logits computed here, with the mode restored either way;
- lr_schedule against LambdaLR's learning rates and the formula's landmarks;
- fit: AdamW's learning rate at every update, the history, and early stopping
  that stops `patience` epochs after the best one and restores its weights;
- the digit-like data of the hidden training check are learnable well above
  its threshold, so a correct submission cannot fail it by bad luck;
- the course links the assignment to quiz banks and tags that exist.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import yaml
from torch import nn

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder.checks.cnn.common import (
    batches,
    run_cnn,
    smallcnn_init_state,
    synthetic_digits,
)
from autograder.paths import load_reference

ref = load_reference("cnn")


def sequential_twin(model: nn.Module, num_classes: int) -> nn.Sequential:
    twin = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, num_classes),
    ).double()  # fmt: skip
    for index, name in ((0, "conv1"), (3, "conv2"), (7, "fc1"), (9, "fc2")):
        twin[index].load_state_dict(getattr(model, name).state_dict())
    return twin


def pairs(seed: int, sizes, num_classes: int, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(n, 1, 8, 8, generator=g, dtype=dtype), torch.randint(0, num_classes, (n,), generator=g))
        for n in sizes
    ]  # fmt: skip


@pytest.mark.parametrize("num_classes", [10, 3])
def test_smallcnn_equals_torch_layers(num_classes):
    """Does SmallCNN compute what the contract's stack of torch layers computes?"""
    torch.manual_seed(num_classes)
    model = ref.SmallCNN(num_classes).double()
    assert sorted(n for n, _ in model.named_parameters()) == sorted(
        f"{m}.{p}" for m in ("conv1", "conv2", "fc1", "fc2") for p in ("weight", "bias")
    )
    x = torch.rand(5, 1, 8, 8, dtype=torch.float64)
    got = model(x)
    assert got.shape == (5, num_classes)
    torch.testing.assert_close(got, sequential_twin(model, num_classes)(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_train_epoch_equals_a_written_out_loop(momentum):
    """Same weights and same example-weighted mean loss as a loop written here?"""
    torch.manual_seed(1)
    ours = ref.SmallCNN(4).double()
    theirs = copy.deepcopy(ours)
    loader = pairs(2, (6, 6, 3), 4)
    loss_fn = nn.CrossEntropyLoss()
    ours.eval()  # train_epoch must switch to train mode itself
    mean = ref.train_epoch(ours, loader, torch.optim.SGD(ours.parameters(), 0.1, momentum), loss_fn)
    opt = torch.optim.SGD(theirs.parameters(), 0.1, momentum)
    losses = []
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(theirs(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item() * len(y))
    assert ours.training
    assert mean == pytest.approx(sum(losses) / 15, rel=1e-12)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_is_exact_and_restores_the_mode(training):
    """Loss and accuracy over all examples, no graph, and the caller's mode back?"""
    torch.manual_seed(3)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3), nn.Dropout(0.5)).double()
    model.train(training)
    loader = pairs(4, (5, 5, 2), 3)
    loss, acc = ref.evaluate(model, loader, nn.CrossEntropyLoss(reduction="mean"))
    assert model.training is training
    model.eval()
    with torch.no_grad():
        x = torch.cat([x for x, _ in loader])
        y = torch.cat([y for _, y in loader])
        logits = model(x)
    assert loss == pytest.approx(nn.functional.cross_entropy(logits, y).item(), rel=1e-12)
    assert acc == pytest.approx((logits.argmax(1) == y).double().mean().item(), rel=1e-12)
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize(("warmup", "total"), [(3, 9), (1, 5), (5, 5), (10, 40)])
def test_lr_schedule_landmarks_and_lambdalr(warmup, total):
    """Linear to 1 over the warmup, cosine down to 0 at the last update, as LambdaLR applies it?"""
    factors = np.array([ref.lr_schedule(s, warmup, total) for s in range(total)])
    np.testing.assert_allclose(factors[:warmup], np.arange(1, warmup + 1) / warmup, rtol=1e-15)
    assert factors[warmup - 1] == 1.0
    assert factors[-1] == pytest.approx(0.0 if total > warmup else 1.0, abs=1e-15)
    assert np.all(np.diff(factors[warmup - 1 :]) <= 1e-15)
    if total > warmup:
        middle = warmup + (total - warmup) / 2  # t at the cosine's half-way point
        if middle == int(middle):
            assert factors[int(middle) - 1] == pytest.approx(0.5, rel=1e-12)
    param = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: ref.lr_schedule(s, warmup, total))
    applied = []
    for _ in range(total):
        applied.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(applied, 0.2 * factors, rtol=1e-12)
    assert ref.lr_schedule(total, warmup, total) == factors[-1]  # LambdaLR's extra call


def tiny_state(seed: int):
    rng = np.random.default_rng(seed)
    from autograder.checks.cnn.common import tiny_state as draw

    return draw(rng, 3)


def test_fit_without_patience_runs_every_epoch_with_per_update_lrs():
    """Every epoch recorded, AdamW's lr at each update = lr * lr_schedule(step, ...)?"""
    rng = np.random.default_rng(0)
    train = batches(rng, (5, 5, 3), 3)
    val = batches(rng, (4, 4), 3)
    out = run_cnn(
        ref, "fit", state=tiny_state(1), train=train, val=val, epochs=4, lr=0.05,
        weight_decay=0.1, patience=None,
    )  # fmt: skip
    train_loss, val_loss, val_acc, lr, lrs, _ = out
    assert len(train_loss) == len(val_loss) == len(val_acc) == len(lr) == 4
    expected = [0.05 * ref.lr_schedule(s, 3, 12) for s in range(12)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    np.testing.assert_allclose(lr, np.array(expected)[2::3], rtol=1e-12)
    assert np.all((0 <= val_acc) & (val_acc <= 1))


def test_fit_early_stopping_restores_the_best_weights():
    """Stops `patience` epochs after the best val loss, and the model is that epoch's?"""
    rng = np.random.default_rng(5)
    train = batches(rng, (5, 5, 3), 3)
    val = [(x, (y + 1) % 3) for x, y in train[:2]]  # fitting train makes val worse
    state = tiny_state(6)
    out = run_cnn(
        ref, "fit", state=state, train=train, val=val, epochs=10, lr=0.05,
        weight_decay=0.0, patience=2,
    )  # fmt: skip
    val_loss, final = out[1], out[5]
    best = int(np.argmin(val_loss))
    assert len(val_loss) == best + 2 + 1 < 10
    again = run_cnn(
        ref, "fit", state=state, train=train, val=val, epochs=10, lr=0.05,
        weight_decay=0.0, patience=best + 10,
    )  # fmt: skip
    assert len(again[1]) == 10  # never stops
    # With a long patience the best epoch is the same, and its weights are restored.
    assert int(np.argmin(again[1])) == best
    np.testing.assert_allclose(final, again[5], rtol=1e-12, atol=1e-12)
    assert not np.allclose(final, run_cnn(
        ref, "fit", state=state, train=train, val=val, epochs=10, lr=0.05,
        weight_decay=0.0, patience=None,
    )[5])  # fmt: skip


@pytest.mark.slow
def test_hidden_training_data_are_learnable_well_above_the_threshold():
    """Does the reference clear the hidden training check's 40% with a wide margin, seed after seed?"""
    from autograder.checks.cnn.private.replay import loss_and_accuracy

    accuracies = []
    for seed in range(6):
        rng = np.random.default_rng(1000 + seed)
        x_train, y_train, templates = synthetic_digits(rng, 400)
        x_test, y_test, _ = synthetic_digits(rng, 200, templates=templates)
        x_train = x_train.astype(np.float64)
        train = [(x_train[i : i + 20], y_train[i : i + 20]) for i in range(0, 400, 20)]
        *curves, weights = run_cnn(
            ref, "training", state=smallcnn_init_state(rng, 10), train=train,
            val=train[:2], epochs=5, lr=1e-2,
        )  # fmt: skip
        assert all(len(curve) == 5 for curve in curves[:3])  # one entry per epoch
        held_out = [(x_test.astype(np.float64), y_test)]
        accuracies.append(loss_and_accuracy(weights, held_out)[1])
    assert min(accuracies) >= 0.6, accuracies


def test_course_links_cnn_to_existing_quiz_banks_and_tags(root):
    """Do the quiz banks and tags that course.toml links to the cnn assignment exist?"""
    entry = tomllib.loads((root / "course" / "course.toml").read_text())["assignments"]["cnn"]
    banks = entry["quizzes"]
    assert banks and entry["quiz_tags"]
    tags = set()
    for bank in banks:
        path = root / "course" / "quizzes" / f"{bank}.yaml"
        assert path.is_file(), f"course.toml links cnn to a missing quiz bank {bank!r}"
        for question in yaml.safe_load(path.read_text())["questions"]:
            tags.update(question.get("tags", []))
    missing = sorted(set(entry["quiz_tags"]) - tags)
    assert not missing, f"no linked quiz question carries the tags {missing}"


def test_smallcnn_parameters_match_the_contract_shapes():
    """1 -> 16 -> 32 channels, 128 -> 64 -> num_classes features, as the contract fixes?"""
    model = ref.SmallCNN(7)
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    assert shapes["conv1.weight"] == (16, 1, 3, 3)
    assert shapes["conv2.weight"] == (32, 16, 3, 3)
    assert shapes["fc1.weight"] == (64, 128)
    assert shapes["fc2.weight"] == (7, 64)
    assert math.prod(shapes["fc2.bias"]) == 7
