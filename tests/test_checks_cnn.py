"""Do the cnn checks accept a correct submission written differently from the reference,
and refuse a training run that is not one?

The alternative below uses nn.Module pooling and activation layers, a view
instead of flatten, zero_grad after the step, torch.inference_mode, a
try/finally to restore the mode, its own scheduler object (the learning rate
set by hand before every update), parameter clones for early stopping and a
different summation order. It must score full marks.

The shortcuts further down are the reference with another `fit`, one that
classifies (or claims to) without training the model it is given with AdamW:
forward replaced by the nearest mean image of each class (on the instance or
on the class), a trained copy standing in for the given model, the last layer
written by least squares, hand-written sign-gradient steps, an invented history.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from graderkit import ROOT, failures, grade_folder

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


# Appended to the reference cnn.py: each shortcut redefines fit.
SHORTCUT_HELPERS = '''

_reference_fit = fit


def _history(model, val_loader, epochs, lr):
    """A history that looks like a run: the model's validation numbers, repeated."""
    loss, acc = evaluate(model, val_loader, nn.CrossEntropyLoss())
    return {"train_loss": [loss] * epochs, "val_loss": [loss] * epochs,
            "val_acc": [acc] * epochs, "lr": [lr] * epochs}


def _data(loader):
    return torch.cat([x for x, _ in loader]), torch.cat([y for _, y in loader])
'''

SHORTCUTS = {
    "mean_images": """
def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    xs, ys = _data(train_loader)
    means = torch.stack([xs[ys == c].mean(dim=0) for c in range(model.fc2.out_features)])
    model.forward = lambda x: -((x[:, None] - means[None]) ** 2).flatten(2).sum(dim=2)
    return _history(model, val_loader, epochs, lr)
""",
    "class_patched": """
def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    xs, ys = _data(train_loader)
    means = torch.stack([xs[ys == c].mean(dim=0) for c in range(model.fc2.out_features)])
    type(model).forward = lambda self, x: -((x[:, None] - means[None]) ** 2).flatten(2).sum(2)
    return _history(model, val_loader, epochs, lr)
""",
    "another_model": """
def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    twin = copy.deepcopy(model)
    history = _reference_fit(twin, train_loader, val_loader, epochs, lr, weight_decay, patience)
    model.forward = twin.forward
    return history
""",
    "weights_written": """
def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    xs, ys = _data(train_loader)
    with torch.no_grad():
        h = F.max_pool2d(F.relu(model.conv1(xs)), 2)
        h = F.max_pool2d(F.relu(model.conv2(h)), 2)
        h = F.relu(model.fc1(h.flatten(1)))
        h = torch.cat([h, torch.ones(len(h), 1, dtype=h.dtype)], dim=1)
        t = F.one_hot(ys, model.fc2.out_features).to(h.dtype)
        w = torch.linalg.solve(h.T @ h + 1e-3 * torch.eye(h.shape[1], dtype=h.dtype), h.T @ t)
        model.fc2.weight.copy_(w[:-1].T)
        model.fc2.bias.copy_(w[-1])
    return _history(model, val_loader, epochs, lr)
""",
    "steps_by_hand": """
def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for x, y in train_loader:
            model.zero_grad()
            loss_fn(model(x), y).backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad.sign()
    return _history(model, val_loader, epochs, lr)
""",
    "invented_history": """
def fit(model, train_loader, val_loader, epochs, lr, weight_decay=0.0, patience=None):
    _reference_fit(model, train_loader, val_loader, epochs, lr, weight_decay, patience)
    return {"train_loss": [0.5] * epochs, "val_loss": [0.5] * epochs,
            "val_acc": [0.9] * epochs, "lr": [lr] * epochs}
""",
}
SHORTCUT_SEED = 1  # the training check's rng for the shortcuts


def shortcut_folder(name):
    folder = Path(tempfile.mkdtemp(prefix=f"cnn-{name}-")) / "student"
    folder.mkdir()
    source = (ROOT / "solutions" / "cnn" / "cnn.py").read_text(encoding="utf-8")
    (folder / "cnn.py").write_text(source + SHORTCUT_HELPERS + SHORTCUTS[name], encoding="utf-8")
    return folder


def training_check(folder, seed=SHORTCUT_SEED):
    """The hidden training check alone on the cnn.py in `folder`, in a sandboxed worker as when
    grading; returns its CheckFailure, or None when it passes."""
    from autograder.checkkit import CheckFailure, LiveOracle
    from autograder.checks.cnn.common import check_training
    from autograder.config import load_course
    from autograder.sandbox.host import Limits
    from autograder.sandbox.submission import Submission, SubmissionSpec

    course = load_course(ROOT)
    spec = course.assignment("cnn")
    sub = Submission(
        SubmissionSpec(
            folder=folder, modules=spec.module_stems, forbidden=spec.forbidden,
            timeout_s=spec.timeout_s, import_timeout_s=spec.import_timeout_s,
            limits=Limits(memory_mb=spec.memory_mb), secrets=(course.root,), preload=spec.preload,
        )
    )  # fmt: skip
    try:
        sub.begin_check()
        check_training(sub, LiveOracle("cnn"), np.random.default_rng(seed))
    except CheckFailure as failure:
        return failure
    finally:
        sub.close()
    return None


# The message each shortcut is told (the id of the line that says why) and its Korean.
VERDICTS = {
    "mean_images": ("cnn.weights_unchanged", "모델의 가중치가 처음 받은 값 그대로입니다"),
    "class_patched": ("cnn.weights_unchanged", "모델의 가중치가 처음 받은 값 그대로입니다"),
    "another_model": ("cnn.weights_unchanged", "모델의 가중치가 처음 받은 값 그대로입니다"),
    "weights_written": ("cnn.replay_differs", "채점기가 과제가 요구하는 실행을 직접 다시"),
    "steps_by_hand": ("cnn.replay_differs", "채점기가 과제가 요구하는 실행을 직접 다시"),
    "invented_history": ("cnn.history_not_of_weights", "history의 마지막 항목이"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHORTCUTS))
def test_a_shortcut_fit_fails_the_training_check_and_is_told_why(name):
    """Does a fit that does not train the given model with AdamW fail the training check,
    with a line that says why, in English and in Korean?"""
    from autograder.feedback.catalogs import translator
    from autograder.messages import render_lines

    failure = training_check(shortcut_folder(name))
    assert failure is not None, f"{name} passes the training check"
    message_id, korean = VERDICTS[name]
    why = [m for _, m in failure.lines if m.id == message_id]
    assert len(why) == 1, failure.message
    assert why[0].english() in failure.message
    rendered = render_lines(failure.lines, translator("cnn", "ko"))
    assert korean in rendered, rendered
    assert why[0].english() not in rendered


@pytest.mark.slow
def test_the_reference_passes_the_training_check_alone():
    """Control for the shortcuts: is the reference, run the same way, passed?"""
    assert training_check(ROOT / "solutions" / "cnn") is None


@pytest.mark.slow
def test_a_graded_shortcut_scores_zero_on_the_training_check_and_reads_in_korean():
    """Graded in full, does the mean-image fit get 0 on the training check, told why in both
    languages, while the checks of what it did not touch (SmallCNN, lr_schedule) still pay?"""
    import copy

    from autograder.feedback import render_result

    result = grade_folder("cnn", shortcut_folder("mean_images"), seed=5)
    assert result.status == "graded", result.output
    (check,) = [t for t in result.tests if t.nodeid.endswith("test_training")]
    assert check.status == "failed" and check.score == 0
    assert "the model's weights are exactly those it was given" in check.output
    assert "the reference reaches" in check.output
    kept = [t for t in result.tests if t.task in {"SmallCNN.forward", "lr_schedule"}]
    assert kept and all(t.score > 0 for t in kept), failures(result)
    korean = render_result(copy.deepcopy(result), "ko")
    (check,) = [t for t in korean.tests if t.nodeid.endswith("test_training")]
    assert "모델의 가중치가 처음 받은 값 그대로입니다" in check.output
    assert "참조 구현은" in check.output


class _Reply:
    """A stand-in for `sub`: the reference run in this process (trusted), its reply edited."""

    def __init__(self, edit):
        from autograder.paths import load_reference

        self.module = load_reference("cnn", "cnn")
        self.edit = edit
        self.sent = []

    def run(self, fn, *args, **kwargs):
        self.sent.append(kwargs)
        return self.edit(fn(self.module, *args, **kwargs))


def _judged(edit, seed=SHORTCUT_SEED):
    """The training check's failure on the edited reply (None when it passes), and the stand-in."""
    from autograder.checkkit import CheckFailure, LiveOracle
    from autograder.checks.cnn.common import check_training

    sub = _Reply(edit)
    try:  # the stand-in runs in this process: the reference must not run beside it
        check_training(sub, LiveOracle("cnn", overlap=False), np.random.default_rng(seed))
    except CheckFailure as failure:
        return failure, sub
    return None, sub


def _nudged(reply):
    weights = dict(reply[5])
    weights["fc1.weight"] = weights["fc1.weight"].copy()
    weights["fc1.weight"][3, 7] += 1e-4
    return (*reply[:5], weights)


REPLIES = {
    # (edit of the reference's reply, the id of the line that says why)
    "untouched": (lambda reply: reply, None),
    # 1e-4 on one weight already moves the last validation loss by about 1e-6
    "one-weight-nudged": (_nudged, "cnn.history_not_of_weights"),
    "history-lr-constant": (
        lambda reply: (*reply[:3], np.full(5, 1e-2), *reply[4:]),
        "cnn.replay_differs",
    ),
    "no-adamw-update-seen": (
        lambda reply: (*reply[:4], np.zeros(0), reply[5]),
        "cnn.replay_differs",
    ),
    "an-epoch-short": (lambda reply: tuple(c[:4] for c in reply[:4]) + reply[4:], "cnn.epochs_run"),
    "not-a-tuple": (lambda reply: "done", "cnn.training_returned"),
    "text-for-a-curve": (lambda reply: ("loss", *reply[1:]), "cnn.training_returned"),
    "a-parameter-missing": (
        lambda reply: (*reply[:5], {k: v for k, v in reply[5].items() if k != "fc2.bias"}),
        "cnn.training_weights",
    ),
    "a-parameter-reshaped": (
        lambda reply: (*reply[:5], {**reply[5], "fc1.weight": reply[5]["fc1.weight"].T}),
        "cnn.training_weights",
    ),
}


@pytest.mark.parametrize("case", sorted(REPLIES))
def test_the_training_check_judges_the_reply_not_the_worker(case):
    """Is the reference's reply passed as it is, and failed, with the reason, once edited
    (a weight nudged by 1e-4, the history's lr, no AdamW update seen, a malformed reply)?"""
    edit, message_id = REPLIES[case]
    failure, _ = _judged(edit)
    if message_id is None:
        assert failure is None, failure.message
    else:
        assert failure is not None, f"{case} passes"
        assert message_id in [m.id for _, m in failure.lines], failure.message


def test_the_held_out_images_never_reach_the_worker():
    """Are the images the grader classifies absent from everything sent to the worker?"""
    from autograder.checks.cnn.inputs import synthetic_digits

    _, sub = _judged(lambda reply: reply)
    rng = np.random.default_rng(SHORTCUT_SEED)
    _, _, templates = synthetic_digits(rng, 400)
    x_test, _, _ = synthetic_digits(rng, 200, templates=templates)
    (sent,) = sub.sent
    images = np.concatenate([x for x, _ in sent["train"] + sent["val"]]).astype(np.float32)
    seen = {image.tobytes() for image in images}
    assert not any(image.tobytes() in seen for image in x_test)
    assert len(seen) > 100  # the training images are there
