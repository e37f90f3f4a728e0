"""A small CNN trained end to end in PyTorch: the model, one epoch, evaluation, fit.

This is the capstone: no new maths, but every piece of a real training run,
written so that it can be checked step by step. Everything of torch is allowed.

Dimension letters used in the docstrings:

- N: batch size (number of images in a batch)
- C: number of classes (num_classes)
- H, W: image height and width (8 x 8 for the digits)

The data are scikit-learn's bundled 8x8 digits as float32 tensors of shape
(N, 1, 8, 8) with values in [0, 1] and int64 labels of shape (N,). A "loader"
is anything that yields (x, y) batches and has a length: a torch DataLoader,
or simply a list of (x, y) pairs (the graders use lists, so every run is
reproducible).
"""

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn


class SmallCNN(nn.Module):
    """Two convolution blocks and a two-layer classifier.

        conv1: Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2)    (N, 16, 4, 4)
        conv2: Conv2d(16, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)   (N, 32, 2, 2)
        flatten                                                       (N, 128)
        fc1: Linear(128, 64) -> ReLU                                  (N, 64)
        fc2: Linear(64, num_classes)                                  (N, C)

    The graders copy weights in by these submodule names. forward returns
    logits (no softmax: nn.CrossEntropyLoss applies log-softmax itself).
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        """
        Inputs:
        - x: tensor of shape (N, 1, 8, 8)

        Returns:
        - logits: tensor of shape (N, C)
        """
        # Fill `logits`. Flatten in torch's (channel, row, column) order, the
        # order of x.flatten(1), so that fc1's weights line up with the graders'.
        ### BEGIN SOLUTION
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (N, 16, 4, 4)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (N, 32, 2, 2)
        x = x.flatten(1)  # (N, 128)
        x = F.relu(self.fc1(x))  # (N, 64)
        logits = self.fc2(x)  # (N, C)
        ### END SOLUTION
        return logits


def train_epoch(model, loader, optimizer, loss_fn, scheduler=None):
    """One pass over `loader` in train mode, one optimizer step per batch.

    For each batch (x, y): clear the gradients, compute the logits and the
    loss, backpropagate, step the optimizer; then, when a scheduler is given,
    step it too (the learning-rate schedule of `fit` moves once per batch).

    Inputs:
    - model: an nn.Module mapping x to logits
    - loader: yields (x, y) batches; the last batch may be smaller
    - optimizer: a torch.optim optimizer over the model's parameters
    - loss_fn: loss_fn(logits, y) -> the mean loss of the batch (a 0-d tensor)
    - scheduler: optional learning-rate scheduler, stepped after every update

    Returns:
    - mean_loss: float, the mean loss over all examples of the epoch: each
      batch's loss (measured before its update) weighted by its batch size.
    """
    total_loss, count = 0.0, 0
    # Put the model in train mode (the caller may hand it over in eval mode).
    ### BEGIN SOLUTION
    model.train()
    ### END SOLUTION
    for x, y in loader:
        # Fill in one training step and add the batch's share to
        # `total_loss` and `count`.
        ### BEGIN SOLUTION
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(y)
        count += len(y)
        ### END SOLUTION
        if scheduler is not None:
            scheduler.step()
    return total_loss / count


def evaluate(model, loader, loss_fn):
    """Mean loss and accuracy of `model` over `loader`, without training it.

    The model runs in eval mode (dropout off, batch norm on its running
    statistics) under torch.no_grad() (no graph is built); afterwards it is
    back in the mode it was in before the call, train or eval.

    Inputs:
    - model: an nn.Module mapping x to logits (N, C)
    - loader: yields (x, y) batches
    - loss_fn: loss_fn(logits, y) -> the mean loss of the batch

    Returns a tuple of:
    - mean_loss: float, batch losses weighted by batch size, over all examples
    - accuracy: float in [0, 1], the fraction of examples whose largest logit
      is at their label
    """
    total_loss, correct, count = 0.0, 0, 0
    # Fill `total_loss`, `correct` and `count`, and leave the model in the
    # mode you found it in.
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    model.train(was_training)
    ### END SOLUTION
    return total_loss / count, correct / count


def lr_schedule(step, warmup_steps, total_steps):
    """The learning-rate factor of update number `step` (0-based): warmup, then cosine.

    With t = step + 1 (the 1-based count of updates so far, this one included),
    W = warmup_steps and T = total_steps:

        t <= W:  factor = t / W
        t >  W:  factor = (1 + cos(pi * (t - W) / (T - W))) / 2

    The factor climbs linearly to 1 over the first warmup_steps updates, then
    follows half a cosine down to 0 at the last update (t = total_steps).
    The learning rate of the update is base_lr * factor, which is what
    torch.optim.lr_scheduler.LambdaLR computes when given this function.

    This is the warmup + cosine of the optim assignment counted one step later:
    for warmup_steps < total_steps, lr_schedule(step, W, T) equals
    optim.warmup_cosine(step + 1, 1.0, W, T). warmup_cosine (and the quiz)
    count the steps already taken, so its step 0 has rate 0; here LambdaLR
    hands the factor of `step` to update number `step`, and counting that update
    itself keeps the first update from being wasted (the last one gets 0 instead).

    Inputs:
    - step: int >= 0, the index of the update (steps past the last update get
      the last update's factor)
    - warmup_steps: int >= 1
    - total_steps: int >= warmup_steps, the number of updates of the whole run

    Returns:
    - factor: float in [0, 1]
    """
    if not 1 <= warmup_steps <= total_steps:
        raise ValueError("need 1 <= warmup_steps <= total_steps")
    # LambdaLR asks once more after the last update: past the end, keep the last factor.
    t = min(step + 1, total_steps)
    # Fill `factor`.
    ### BEGIN SOLUTION
    if t <= warmup_steps:
        factor = t / warmup_steps
    else:
        progress = (t - warmup_steps) / (total_steps - warmup_steps)
        factor = 0.5 * (1.0 + math.cos(math.pi * progress))
    ### END SOLUTION
    return factor


def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None, loss_fn=None):
    """Train `model` with AdamW, warmup and cosine decay, and optional early stopping.

    - Optimizer: torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
      (torch's default betas and eps).
    - Schedule: per update (not per epoch), factor lr_schedule(step, warmup_steps,
      total_steps) with warmup_steps = len(train_loader) (the whole first epoch)
      and total_steps = epochs * len(train_loader); a LambdaLR stepped by
      train_epoch after every update.
    - After each epoch: train_epoch, then evaluate on val_loader, then append to
      history["train_loss"], ["val_loss"], ["val_acc"] and ["lr"] (the learning
      rate of the epoch's last update).
    - Early stopping (only when patience is not None): an epoch improves when its
      val_loss is strictly below the best so far; keep a copy of the weights of
      the best epoch; stop after `patience` epochs in a row without improvement;
      at the end (stopped early or not) load the best weights back.

    Inputs:
    - model: an nn.Module mapping x to logits
    - train_loader, val_loader: yield (x, y) batches; both have a length
    - epochs: int >= 1, the most epochs to train
    - lr: the peak learning rate
    - weight_decay: AdamW's decoupled weight decay
    - patience: None (no early stopping) or int >= 1
    - loss_fn: defaults to nn.CrossEntropyLoss()

    Returns:
    - history: dict of lists, one entry per epoch run, under the keys
      "train_loss", "val_loss", "val_acc" and "lr" (floats)
    """
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss()
    warmup_steps = len(train_loader)
    total_steps = epochs * warmup_steps
    history = {"train_loss": [], "val_loss": [], "val_acc": [], "lr": []}
    best_loss, best_state, bad_epochs = math.inf, None, 0

    # Fill `optimizer` (AdamW) and `scheduler` (a LambdaLR whose factor for
    # update `step` is lr_schedule(step, warmup_steps, total_steps)).
    ### BEGIN SOLUTION
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_schedule(step, warmup_steps, total_steps)
    )
    ### END SOLUTION

    for epoch in range(epochs):
        # Train one epoch (the scheduler steps after every update), evaluate,
        # and append this epoch's four numbers to `history`.
        ### BEGIN SOLUTION
        train_loss = train_epoch(model, train_loader, optimizer, loss_fn, scheduler=scheduler)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        last_step = (epoch + 1) * warmup_steps - 1
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        history["lr"].append(lr * lr_schedule(last_step, warmup_steps, total_steps))
        ### END SOLUTION
        if patience is None:
            continue
        # Early stopping: update `best_loss`, `best_state` (a copy of the
        # weights, not a view of them) and `bad_epochs`; break once
        # `patience` epochs in a row brought no improvement.
        ### BEGIN SOLUTION
        if val_loss < best_loss:
            best_loss, bad_epochs = val_loss, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                break
        ### END SOLUTION

    if patience is not None:
        # Load the weights of the best epoch back into the model.
        ### BEGIN SOLUTION
        model.load_state_dict(best_state)
        ### END SOLUTION
    return history
