"""Check bodies shared by the public and hidden cnn checks (ships to students; no solution code).

How a cnn check works: the grader draws every input from the check's seed
(`inputs.py`: weights by parameter name, images, labels, batch sizes) and
sends them as arrays; the harness `run_cnn` (`harness.py`) runs inside the
worker, builds the models and loaders from those arrays, calls the student's
code and sends back plain numbers: logits, the weights after every optimizer
step, losses, accuracies, the model's mode. The same harness runs on the
reference (and on the known mistakes) in the grader, and the bodies below
compare the results there. Nothing is downloaded: the checks bring their own
data. train_epoch, evaluate and fit run on the harness's tiny conv +
batch-norm network, so a mistake in SmallCNN does not cost their points.

Each `check_*` function checks one case; the test modules choose the cases,
tasks and points.
"""

import numpy as np

from autograder.checkkit import compare, compare_all, msg
from autograder.checks.cnn.harness import run_cnn
from autograder.checks.cnn.inputs import (
    batches,
    smallcnn_init_state,
    smallcnn_shapes,
    smallcnn_state,
    synthetic_digits,
    tiny_state,
)
from autograder.checks.cnn.training import check_training

__all__ = [
    "batches",
    "check_evaluate",
    "check_fit",
    "check_lr_schedule",
    "check_smallcnn",
    "check_train_epoch",
    "check_training",
    "run_cnn",
    "smallcnn_init_state",
    "smallcnn_shapes",
    "smallcnn_state",
    "synthetic_digits",
    "tiny_state",
]


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def _both(sub, oracle, task, op, **kw):
    """(student's result, reference's result, known-mistake candidates) of one operation."""
    candidates = oracle.candidates(task, run_cnn, op, **kw)
    # the reference runs while the worker does (both may train: each imports torch._dynamo)
    got, want = oracle.run_alongside(lambda: sub.run(run_cnn, op, **kw), run_cnn, op, **kw)
    return got, want, candidates


def _as_tuple_candidates(candidates):
    """The candidates' values as lists, still evaluated only when a comparison fails."""
    return candidates.map(list)


def _mode(training):
    """The mode a model was given in, as a word of the reader's language."""
    return msg("cnn.mode_train", "train") if training else msg("cnn.mode_eval", "eval")


def _mean_loss():
    return msg("cnn.mean_loss", "mean loss (batch losses weighted by batch size)")


def check_smallcnn(sub, oracle, rng, n, num_classes, scale=1.0, input_scale=1.0):
    """Weights copied in by name: logits and the input's gradient match the reference."""
    state = smallcnn_state(rng, num_classes, scale)
    x = rng.random((n, 1, 8, 8)) * input_scale
    dout = rng.standard_normal((n, num_classes))
    got, want, candidates = _both(
        sub, oracle, "SmallCNN.forward", "SmallCNN",
        num_classes=num_classes, state=state, x=x, dout=dout,
    )  # fmt: skip
    call = msg(
        "cnn.call_smallcnn",
        "SmallCNN({classes}) in float64 with random weights loaded by parameter name, "
        "eval mode, forward on x of shape {shape}, then backward",
        classes=num_classes,
        shape=str(x.shape),
    )
    compare_all(
        got, list(want), ["logits", "dx"], call=call, mistakes=_as_tuple_candidates(candidates)
    )


def check_train_epoch(sub, oracle, rng, sizes, num_classes, optimizer, smoothing, start_training):
    """The weights after every step, the running statistics and the mean loss match."""
    state = tiny_state(rng, num_classes)
    pairs = batches(rng, sizes, num_classes)
    got, want, candidates = _both(
        sub, oracle, "train_epoch", "train_epoch",
        state=state, batches=pairs, optimizer=optimizer, smoothing=smoothing,
        start_training=start_training,
    )  # fmt: skip
    kind, lr, momentum, weight_decay = optimizer
    opt = (
        f"SGD(lr={lr}, momentum={momentum}, weight_decay={weight_decay})"
        if kind == "sgd"
        else f"AdamW(lr={lr}, weight_decay={weight_decay})"
    )
    call = msg(
        "cnn.call_train_epoch",
        "train_epoch on a small conv + batch-norm network (given to you in {mode} mode), "
        "batches of sizes {sizes}, {optimizer}, nn.CrossEntropyLoss(label_smoothing={smoothing})",
        mode=_mode(start_training),
        sizes=str(list(sizes)),
        optimizer=opt,
        smoothing=str(smoothing),
    )
    names = [
        _mean_loss(),
        msg("cnn.step_weights", "weights after each optimizer step (one row per step)"),
        msg(
            "cnn.running_stats",
            "batch-norm running statistics (only train-mode forward passes update them)",
        ),
    ]
    compare_all(got, list(want), names, call=call, mistakes=_as_tuple_candidates(candidates))


def check_evaluate(sub, oracle, rng, sizes, num_classes, smoothing, start_training):
    """Mean loss and accuracy match; eval mode, no autograd, and the mode restored."""
    state = tiny_state(rng, num_classes)
    pairs = batches(rng, sizes, num_classes)
    channels = np.shape(state["conv.weight"])[0]
    running_mean = 0.3 * rng.standard_normal(channels)
    running_var = rng.uniform(0.5, 2.0, size=channels)
    got, want, candidates = _both(
        sub, oracle, "evaluate", "evaluate",
        state=state, batches=pairs, smoothing=smoothing, start_training=start_training,
        running_mean=running_mean, running_var=running_var,
    )  # fmt: skip
    call = msg(
        "cnn.call_evaluate",
        "evaluate on a small conv + batch-norm network given in {mode} mode, batches of "
        "sizes {sizes}, nn.CrossEntropyLoss(label_smoothing={smoothing})",
        mode=_mode(start_training),
        sizes=str(list(sizes)),
        smoothing=str(smoothing),
    )
    names = [
        _mean_loss(),
        msg("cnn.accuracy", "accuracy (fraction of all examples)"),
        msg(
            "cnn.mode_afterwards",
            "mode afterwards (1 = train; it was {mode} before the call)",
            mode=_mode(start_training),
        ),
        msg(
            "cnn.autograd_on",
            "autograd on during a forward pass (1 = yes; evaluate runs under torch.no_grad())",
        ),
        msg(
            "cnn.train_mode_on",
            "train mode during a forward pass (1 = yes; evaluate runs in eval mode)",
        ),
        msg(
            "cnn.unchanged",
            "running statistics and weights unchanged (last entry 1 = unchanged)",
        ),
    ]
    compare_all(got, list(want), names, call=call, mistakes=_as_tuple_candidates(candidates))


def check_lr_schedule(sub, oracle, warmup_steps, total_steps):
    """Every step's factor matches the reference."""
    steps = list(range(total_steps))
    got, want, candidates = _both(
        sub, oracle, "lr_schedule", "lr_schedule",
        steps=steps, warmup_steps=warmup_steps, total_steps=total_steps,
    )  # fmt: skip
    call = msg(
        "cnn.call_lr_schedule",
        "lr_schedule(step, warmup_steps={warmup_steps}, total_steps={total_steps}) "
        "for step = 0..{last}",
        warmup_steps=warmup_steps,
        total_steps=total_steps,
        last=total_steps - 1,
    )
    what = msg("cnn.factors", "factors")
    compare(got, want, what=what, call=call, mistakes=candidates)


def check_fit(
    sub,
    oracle,
    rng,
    train_sizes,
    val_sizes,
    epochs,
    lr,
    weight_decay,
    patience,
    val="random",
    num_classes=3,
):
    """History, the learning rate of every update and the final weights match the reference."""
    state = tiny_state(rng, num_classes)
    train = batches(rng, train_sizes, num_classes)
    if val == "train":  # validation on the training data: the loss keeps falling
        val_pairs = train[: len(val_sizes)]
    elif val == "shifted":  # the same images with other labels: fitting them hurts
        val_pairs = [(x, (y + 1) % num_classes) for x, y in train[: len(val_sizes)]]
    else:
        val_pairs = batches(rng, val_sizes, num_classes)
    got, want, candidates = _both(
        sub, oracle, "fit", "fit",
        state=state, train=train, val=val_pairs, epochs=epochs, lr=lr,
        weight_decay=weight_decay, patience=patience,
    )  # fmt: skip
    call = msg(
        "cnn.call_fit",
        "{call} on a small conv + batch-norm network, {count} training batches per epoch",
        call=(
            f"fit(model, train_loader, val_loader, epochs={epochs}, lr={lr}, "
            f"weight_decay={weight_decay}, patience={patience})"
        ),
        count=len(train_sizes),
    )
    names = [
        'history["train_loss"]',
        'history["val_loss"]',
        'history["val_acc"]',
        msg("cnn.history_lr", 'history["lr"] (the learning rate of each epoch\'s last update)'),
        msg("cnn.update_lrs", "the learning rate of every AdamW update, in order"),
        msg("cnn.final_weights", "the weights when fit returns"),
    ]
    compare_all(
        got, list(want), names, call=call, rtol=1e-5, atol=1e-8,
        mistakes=_as_tuple_candidates(candidates),
    )  # fmt: skip
