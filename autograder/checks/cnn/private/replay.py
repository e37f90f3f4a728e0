"""The grader's own SmallCNN and its own run of fit (hidden: never shipped, it holds the contract).

The training check believes nothing the worker says about its run. It takes
the weights the student's fit left in the model it was given and the history
fit returned, and recomputes here, in the grader's process and in float64,
what they must be:

- `logits`: the SmallCNN of the contract applied with given weights (by
  parameter name), so that a test accuracy is the grader's measurement of
  those weights, whatever forward the student's model ran;
- `replay_fit`: the whole run the task asks for, from the weights the grader
  drew, over the same batches in the same order: torch's AdamW with its
  defaults, the learning rate of update s being lr * factor(s) (linear warmup
  over the first epoch, then half a cosine, one step per update), and after
  each epoch the history entries the contract defines.

A run that is not that one (another model, weights written by hand, other
updates, an invented history) cannot land on the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

Batches = Sequence[tuple[np.ndarray, np.ndarray]]


def tensors(state: Mapping[str, np.ndarray], grad: bool = False) -> dict[str, torch.Tensor]:
    """The weights as float64 tensors by parameter name (leaves that track gradients with `grad`)."""
    return {
        name: torch.tensor(np.asarray(value, dtype=np.float64), requires_grad=grad)
        for name, value in state.items()
    }


def logits(weights: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """SmallCNN's logits (N, C) of images x (N, 1, 8, 8) under `weights`."""
    w = weights
    h = F.max_pool2d(F.relu(F.conv2d(x, w["conv1.weight"], w["conv1.bias"], padding=1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w["conv2.weight"], w["conv2.bias"], padding=1)), 2)
    h = F.relu(F.linear(h.flatten(1), w["fc1.weight"], w["fc1.bias"]))  # (N, 64)
    return F.linear(h, w["fc2.weight"], w["fc2.bias"])


def loss_and_accuracy(state: Mapping[str, np.ndarray], batches: Batches) -> tuple[float, float]:
    """Mean cross-entropy (batch losses weighted by batch size) and accuracy of `state`."""
    weights = tensors(state)
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in batches:
            out = logits(weights, torch.as_tensor(np.asarray(x, dtype=np.float64)))
            labels = torch.as_tensor(np.asarray(y))
            total += F.cross_entropy(out, labels).item() * len(labels)
            correct += int((out.argmax(dim=1) == labels).sum())
            count += len(labels)
    return total / count, correct / count


def factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """The learning-rate factor of update `step` (0-based): linear warmup, then cosine to 0."""
    t = min(step + 1, total_steps)
    if t <= warmup_steps:
        return t / warmup_steps
    return 0.5 * (1.0 + math.cos(math.pi * (t - warmup_steps) / (total_steps - warmup_steps)))


@dataclass(frozen=True)
class Run:
    """What the task's run gives: the history's four curves, every update's learning rate,
    and the weights at the end (by parameter name)."""

    train_loss: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    lr: np.ndarray
    update_lrs: np.ndarray
    state: dict[str, np.ndarray]


def replay_fit(
    state: Mapping[str, np.ndarray], train: Batches, val: Batches, epochs: int, lr: float
) -> Run:
    """fit(model, train, val, epochs, lr) without weight decay or patience, from `state`."""
    torch.set_num_threads(1)
    weights = tensors(state, grad=True)
    optimizer = torch.optim.AdamW(list(weights.values()), lr=lr, weight_decay=0.0)
    batches = [
        (torch.as_tensor(np.asarray(x, dtype=np.float64)), torch.as_tensor(np.asarray(y)))
        for x, y in train
    ]
    per_epoch = len(batches)
    total = epochs * per_epoch
    curves: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_acc": [], "lr": []}
    update_lrs: list[float] = []
    step = 0
    for _ in range(epochs):
        summed, count = 0.0, 0
        for x, y in batches:
            rate = lr * factor(step, per_epoch, total)
            for group in optimizer.param_groups:
                group["lr"] = rate
            optimizer.zero_grad()
            loss = F.cross_entropy(logits(weights, x), y)
            loss.backward()
            optimizer.step()
            update_lrs.append(rate)
            summed += loss.item() * len(y)
            count += len(y)
            step += 1
        current = {name: w.detach().numpy() for name, w in weights.items()}
        val_loss, val_acc = loss_and_accuracy(current, val)
        curves["train_loss"].append(summed / count)
        curves["val_loss"].append(val_loss)
        curves["val_acc"].append(val_acc)
        curves["lr"].append(update_lrs[-1])
    return Run(
        **{key: np.array(values) for key, values in curves.items()},
        update_lrs=np.array(update_lrs),
        state={name: w.detach().numpy().copy() for name, w in weights.items()},
    )
