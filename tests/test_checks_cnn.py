"""Do the cnn checks accept a correct submission written differently from the reference?

The alternative below uses nn.Module pooling and activation layers, a view
instead of flatten, zero_grad after the step, torch.inference_mode, a
try/finally to restore the mode, its own scheduler object (the learning rate
set by hand before every update), parameter clones for early stopping and a
different summation order. It must score full marks.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from graderkit import failures, grade_folder

ALTERNATIVE = '''
import math

import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(128, 64)
        self.fc2 = nn.Linear(64, num_classes)
        self.pool = nn.MaxPool2d(2)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        return self.fc2(self.act(self.fc1(x.view(x.shape[0], -1))))


def train_epoch(model, loader, optimizer, loss_fn, scheduler=None):
    model.train()
    losses, sizes = [], []
    optimizer.zero_grad()
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if scheduler is not None:
            scheduler.step()
        losses.append(float(loss.detach()))
        sizes.append(y.shape[0])
    return sum(l * n for l, n in zip(losses, sizes)) / sum(sizes)


def evaluate(model, loader, loss_fn):
    mode = model.training
    model.eval()
    try:
        with torch.inference_mode():
            total, hits, n = 0.0, 0, 0
            for x, y in loader:
                out = model(x)
                total += float(loss_fn(out, y)) * y.numel()
                hits += int((out.max(dim=1).indices == y).sum())
                n += y.numel()
    finally:
        model.train(mode)
    return total / n, hits / n


def lr_schedule(step, warmup_steps, total_steps):
    t = min(step + 1, total_steps)
    if t > warmup_steps:
        return (1 + math.cos(math.pi * (t - warmup_steps) / (total_steps - warmup_steps))) / 2
    return t / warmup_steps


class _ByHand:
    """Sets the learning rate of the next update itself (no LambdaLR)."""

    def __init__(self, optimizer, lr, warmup, total):
        self.optimizer, self.lr, self.warmup, self.total, self.count = optimizer, lr, warmup, total, 0
        self._apply()

    def _apply(self):
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr * lr_schedule(self.count, self.warmup, self.total)

    def step(self):
        self.count += 1
        self._apply()


def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    loss_fn = nn.CrossEntropyLoss()
    per_epoch = len(train_loader)
    total = epochs * per_epoch
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = _ByHand(opt, lr, per_epoch, total)
    history = {key: [] for key in ("train_loss", "val_loss", "val_acc", "lr")}
    best, best_params, waited = None, None, 0
    for epoch in range(epochs):
        history["train_loss"].append(train_epoch(model, train_loader, opt, loss_fn, sched))
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        history["lr"].append(lr * lr_schedule(per_epoch * (epoch + 1) - 1, per_epoch, total))
        if patience is not None:
            if best is None or val_loss < best:
                best, waited = val_loss, 0
                best_params = [p.detach().clone() for p in model.parameters()]
            else:
                waited += 1
                if waited == patience:
                    break
    if patience is not None:
        with torch.no_grad():
            for p, saved in zip(model.parameters(), best_params):
                p.copy_(saved)
    return history
'''


@pytest.mark.slow
def test_alternative_correct_submission_scores_full_marks():
    """Is a correct submission in another style graded as correct, hidden checks included?"""
    folder = Path(tempfile.mkdtemp(prefix="cnn-alternative-")) / "student"
    folder.mkdir()
    (folder / "cnn.py").write_text(ALTERNATIVE)
    result = grade_folder("cnn", folder, seed=11)
    assert result.status == "graded", result.output
    assert math.isclose(result.score, result.max_score), failures(result)
