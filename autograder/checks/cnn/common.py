"""Shared pieces of the cnn checks (ships with the public checks; no solution code).

How a cnn check works: the grader draws every input from the check's seed
(weights by parameter name, images, labels, batch sizes) and sends them as
arrays; the harness `run_cnn` runs inside the worker, builds the models and
loaders from those arrays, calls the student's code and sends back plain
numbers: logits, the weights after every optimizer step, losses, accuracies,
the model's mode. The same harness runs on the reference (and on the known
mistakes) in the grader, and the results are compared there. Nothing is
downloaded: the checks bring their own data.

train_epoch, evaluate and fit are checked on a tiny network defined by the
harness (a convolution, batch norm, ReLU and a linear layer on 4x4 images),
so a mistake in SmallCNN does not cost their points; batch norm makes train
and eval mode give different numbers, and the network notes whether autograd
was on and which mode it was in during each forward pass.
"""

import numpy as np

from autograder.checkkit import CheckFailure, compare, compare_all

SIZE = 4  # images of the tiny network are (1, SIZE, SIZE)


# ---------------------------------------------------------------------------
# Inputs drawn by the grader
# ---------------------------------------------------------------------------
def smallcnn_shapes(num_classes):
    """{name: shape} of every SmallCNN parameter (the contract's names, torch layout)."""
    return {
        "conv1.weight": (16, 1, 3, 3),
        "conv1.bias": (16,),
        "conv2.weight": (32, 16, 3, 3),
        "conv2.bias": (32,),
        "fc1.weight": (64, 128),
        "fc1.bias": (64,),
        "fc2.weight": (num_classes, 64),
        "fc2.bias": (num_classes,),
    }


def _fan_in(shapes, name):
    weight = shapes[name.replace(".bias", ".weight")]
    return int(np.prod(weight[1:]))


def smallcnn_state(rng, num_classes, scale=1.0):
    """Random SmallCNN weights by parameter name (He-scaled weights, small biases)."""
    shapes = smallcnn_shapes(num_classes)
    state = {}
    for name in sorted(shapes):
        if name.endswith("weight"):
            std = scale * np.sqrt(2.0 / _fan_in(shapes, name))
            state[name] = rng.standard_normal(shapes[name]) * std
        else:
            state[name] = 0.1 * rng.standard_normal(shapes[name])
    return state


def smallcnn_init_state(rng, num_classes):
    """SmallCNN weights drawn like torch's default init: uniform, bound 1/sqrt(fan_in)."""
    shapes = smallcnn_shapes(num_classes)
    state = {}
    for name in sorted(shapes):
        bound = 1.0 / np.sqrt(_fan_in(shapes, name))
        state[name] = rng.uniform(-bound, bound, size=shapes[name])
    return state


def tiny_state(rng, num_classes, channels=3):
    """Weights of the harness's tiny network by parameter name."""
    return {
        "conv.weight": rng.standard_normal((channels, 1, 3, 3)) * np.sqrt(2.0 / 9),
        "conv.bias": 0.1 * rng.standard_normal(channels),
        "bn.weight": 1.0 + 0.2 * rng.standard_normal(channels),
        "bn.bias": 0.1 * rng.standard_normal(channels),
        "fc.weight": rng.standard_normal((num_classes, channels * SIZE * SIZE))
        / np.sqrt(channels * SIZE * SIZE),
        "fc.bias": 0.1 * rng.standard_normal(num_classes),
    }


def batches(rng, sizes, num_classes, labels=None):
    """A list of (x, y) batches of the given sizes: x (n, 1, SIZE, SIZE), y (n,) int64."""
    out = []
    start = 0
    for n in sizes:
        x = rng.standard_normal((n, 1, SIZE, SIZE))
        y = (
            rng.integers(0, num_classes, size=n)
            if labels is None
            else np.asarray(labels[start : start + n])
        )
        out.append((x, y.astype(np.int64)))
        start += n
    return out


def synthetic_digits(rng, n, num_classes=10, templates=None):
    """Digit-like 8x8 images in [0, 1]: a blurred random template per class, shifted and noisy.

    Returns (x (n, 1, 8, 8) float32, y (n,) int64, templates). Pass the
    templates of a training set to draw a test set of the same classes.
    """
    if templates is None:
        raw = (rng.random((num_classes, 10, 10)) < 0.35).astype(float)
        blurred = sum(raw[:, i : i + 8, j : j + 8] for i in range(3) for j in range(3)) / 9.0
        templates = blurred / blurred.max(axis=(1, 2), keepdims=True)
    y = rng.integers(0, num_classes, size=n).astype(np.int64)
    x = np.empty((n, 8, 8))
    shifts = rng.integers(-1, 2, size=(n, 2))
    for i in range(n):
        x[i] = np.roll(templates[y[i]], tuple(shifts[i]), axis=(0, 1))
    x = x * rng.uniform(0.7, 1.0, size=(n, 1, 1)) + 0.15 * rng.standard_normal(x.shape)
    return np.clip(x, 0.0, 1.0)[:, None].astype(np.float32), y, templates


# ---------------------------------------------------------------------------
# The harness (self-contained: shipped to the worker as source)
# ---------------------------------------------------------------------------
def run_cnn(module, op, **kw):
    """Run one task of the student's module (or the reference) on arrays the grader sent.

    op is one of "SmallCNN", "train_epoch", "evaluate", "lr_schedule", "fit",
    "training"; the keyword arguments are that operation's inputs. Returns
    plain numbers and arrays.
    """
    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(1)
    size = 4
    grad_seen, train_seen = [], []

    class TinyNet(nn.Module):
        def __init__(self, num_classes, channels):
            super().__init__()
            self.conv = nn.Conv2d(1, channels, 3, padding=1)
            self.bn = nn.BatchNorm2d(channels)
            self.fc = nn.Linear(channels * size * size, num_classes)

        def forward(self, x):
            grad_seen.append(torch.is_grad_enabled())
            train_seen.append(self.training)
            h = torch.relu(self.bn(self.conv(x)))
            return self.fc(h.flatten(1))

    def load(model, state, what):
        params = dict(model.named_parameters())
        if sorted(params) != sorted(state):
            missing = sorted(set(state) - set(params))
            extra = sorted(set(params) - set(state))
            raise AttributeError(
                f"{what} must have exactly the parameters {sorted(state)}; "
                f"missing: {missing or 'none'}, unexpected: {extra or 'none'} "
                "(keep the submodule names of the assignment)"
            )
        with torch.no_grad():
            for name, value in state.items():
                target = params[name]
                if tuple(target.shape) != tuple(np.shape(value)):
                    raise ValueError(
                        f"{what}.{name} has shape {tuple(target.shape)}, "
                        f"expected {tuple(np.shape(value))}"
                    )
                target.copy_(torch.as_tensor(np.asarray(value), dtype=target.dtype))

    def tiny(state):
        channels = int(np.shape(state["conv.weight"])[0])
        model = TinyNet(int(np.shape(state["fc.weight"])[0]), channels).double()
        load(model, state, "the checks' network")
        return model

    def loader(pairs, dtype=torch.float64):
        return [
            (torch.as_tensor(np.asarray(x), dtype=dtype), torch.as_tensor(np.asarray(y)))
            for x, y in pairs
        ]

    def flat(model):
        return np.concatenate(
            [p.detach().reshape(-1).numpy().copy() for _, p in sorted(model.named_parameters())]
        )

    def buffers(model):
        return np.concatenate(
            [model.bn.running_mean.numpy().copy(), model.bn.running_var.numpy().copy()]
        )

    def number(value, what):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"{what} must be a float, got {type(value).__name__}")
        return float(value)

    if op == "SmallCNN":
        torch.default_generator.manual_seed(0)  # the CPU generator: no accelerator seeds queued
        model = module.SmallCNN(kw["num_classes"]).double()
        load(model, kw["state"], "SmallCNN")
        model.eval()
        x = torch.tensor(np.asarray(kw["x"]), dtype=torch.float64, requires_grad=True)
        logits = model(x)
        if not isinstance(logits, torch.Tensor):
            raise TypeError(f"SmallCNN.forward must return a tensor, got {type(logits).__name__}")
        want = tuple(np.shape(kw["dout"]))
        if tuple(logits.shape) != want:
            raise ValueError(
                f"SmallCNN.forward returned shape {tuple(logits.shape)}, expected {want}"
            )
        # The same gradient as logits.backward(dout), without backward's shape check,
        # whose first use imports sympy (a third of a second in every fresh worker).
        (logits * torch.as_tensor(np.asarray(kw["dout"]), dtype=torch.float64)).sum().backward()
        dx = np.zeros(np.shape(kw["x"])) if x.grad is None else x.grad.numpy()
        return logits.detach().numpy(), dx

    if op == "train_epoch":
        model = tiny(kw["state"])
        model.train(kw["start_training"])
        kind, lr, momentum, weight_decay = kw["optimizer"]
        base = torch.optim.SGD if kind == "sgd" else torch.optim.AdamW
        snapshots = []

        class Recording(base):
            def step(self, closure=None):
                out = super().step(closure)
                snapshots.append(flat(model))
                return out

        if kind == "sgd":
            opt = Recording(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
        else:
            opt = Recording(model.parameters(), lr=lr, weight_decay=weight_decay)
        loss_fn = nn.CrossEntropyLoss(label_smoothing=kw["smoothing"])
        mean_loss = number(
            module.train_epoch(model, loader(kw["batches"]), opt, loss_fn), "train_epoch's result"
        )
        steps = np.array(snapshots) if snapshots else np.zeros((0, flat(model).size))
        return mean_loss, steps, buffers(model)

    if op == "evaluate":
        model = tiny(kw["state"])
        with torch.no_grad():
            model.bn.running_mean.copy_(torch.as_tensor(np.asarray(kw["running_mean"])))
            model.bn.running_var.copy_(torch.as_tensor(np.asarray(kw["running_var"])))
        model.train(kw["start_training"])
        before = flat(model)
        loss_fn = nn.CrossEntropyLoss(label_smoothing=kw["smoothing"])
        result = module.evaluate(model, loader(kw["batches"]), loss_fn)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError("evaluate must return a tuple (mean_loss, accuracy)")
        mean_loss = number(result[0], "evaluate's mean_loss")
        accuracy = number(result[1], "evaluate's accuracy")
        unchanged = bool(np.array_equal(before, flat(model)))
        return (
            mean_loss,
            accuracy,
            float(model.training),
            float(any(grad_seen)),
            float(any(train_seen)),
            np.concatenate([buffers(model), [float(unchanged)]]),
        )

    if op == "lr_schedule":
        return np.array(
            [
                number(
                    module.lr_schedule(int(s), kw["warmup_steps"], kw["total_steps"]), "lr_schedule"
                )
                for s in kw["steps"]
            ]
        )

    if op == "fit":
        model = tiny(kw["state"])
        lrs = []
        original = torch.optim.AdamW.step

        def step(self, *args, **kwargs):
            lrs.append(float(self.param_groups[0]["lr"]))
            return original(self, *args, **kwargs)

        torch.optim.AdamW.step = step
        try:
            history = module.fit(
                model, loader(kw["train"]), loader(kw["val"]), kw["epochs"], kw["lr"],
                weight_decay=kw["weight_decay"], patience=kw["patience"],
            )  # fmt: skip
        finally:
            torch.optim.AdamW.step = original
        if not isinstance(history, dict):
            raise TypeError(f"fit must return a dict of lists, got {type(history).__name__}")
        curves = []
        for key in ("train_loss", "val_loss", "val_acc", "lr"):
            if key not in history:
                raise KeyError(f"fit's history has no {key!r} (keys: {sorted(map(str, history))})")
            curves.append(np.array([number(v, f"history[{key!r}] entries") for v in history[key]]))
        return (*curves, np.array(lrs), flat(model))

    if op == "training":
        torch.default_generator.manual_seed(0)
        model = module.SmallCNN(10)
        load(model, kw["state"], "SmallCNN")
        x = np.asarray(kw["x_train"], dtype=np.float32)
        y = np.asarray(kw["y_train"])
        n, b = len(y), kw["batch_size"]
        train = [(x[i : i + b], y[i : i + b]) for i in range(0, n, b)]
        val = [(x[: 2 * b], y[: 2 * b])]
        history = module.fit(
            model, loader(train, torch.float32), loader(val, torch.float32), kw["epochs"], kw["lr"]
        )
        model.eval()
        with torch.no_grad():
            logits = model(torch.as_tensor(np.asarray(kw["x_test"], dtype=np.float32)))
        epochs_run = (
            len(history["val_loss"]) if isinstance(history, dict) and "val_loss" in history else -1
        )
        return logits.argmax(dim=1).numpy().astype(np.int64), epochs_run

    raise ValueError(f"unknown operation {op!r}")


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def _both(sub, oracle, task, op, **kw):
    """(student's result, reference's result, known-mistake candidates) of one operation."""
    candidates = oracle.candidates(task, run_cnn, op, **kw)
    want = oracle.run(run_cnn, op, **kw)
    got = sub.run(run_cnn, op, **kw)
    return got, want, candidates


def _as_tuple_candidates(candidates):
    """The candidates' values as lists, still evaluated only when a comparison fails."""
    return candidates.map(list)


def check_smallcnn(sub, oracle, rng, n, num_classes, scale=1.0, input_scale=1.0):
    """Weights copied in by name: logits and the input's gradient match the reference."""
    state = smallcnn_state(rng, num_classes, scale)
    x = rng.random((n, 1, 8, 8)) * input_scale
    dout = rng.standard_normal((n, num_classes))
    got, want, candidates = _both(
        sub, oracle, "SmallCNN.forward", "SmallCNN",
        num_classes=num_classes, state=state, x=x, dout=dout,
    )  # fmt: skip
    call = (
        f"SmallCNN({num_classes}) in float64 with random weights loaded by parameter name, "
        f"eval mode, forward on x of shape {x.shape}, then backward"
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
    call = (
        f"train_epoch on a small conv + batch-norm network (given to you in "
        f"{'train' if start_training else 'eval'} mode), batches of sizes {list(sizes)}, "
        f"{opt}, nn.CrossEntropyLoss(label_smoothing={smoothing})"
    )
    names = [
        "mean loss (batch losses weighted by batch size)",
        "weights after each optimizer step (one row per step)",
        "batch-norm running statistics (only train-mode forward passes update them)",
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
    mode = "train" if start_training else "eval"
    call = (
        f"evaluate on a small conv + batch-norm network given in {mode} mode, batches of "
        f"sizes {list(sizes)}, nn.CrossEntropyLoss(label_smoothing={smoothing})"
    )
    names = [
        "mean loss (batch losses weighted by batch size)",
        "accuracy (fraction of all examples)",
        f"mode afterwards (1 = train; it was {mode} before the call)",
        "autograd on during a forward pass (1 = yes; evaluate runs under torch.no_grad())",
        "train mode during a forward pass (1 = yes; evaluate runs in eval mode)",
        "running statistics and weights unchanged (last entry 1 = unchanged)",
    ]
    compare_all(got, list(want), names, call=call, mistakes=_as_tuple_candidates(candidates))


def check_lr_schedule(sub, oracle, warmup_steps, total_steps):
    """Every step's factor matches the reference."""
    steps = list(range(total_steps))
    got, want, candidates = _both(
        sub, oracle, "lr_schedule", "lr_schedule",
        steps=steps, warmup_steps=warmup_steps, total_steps=total_steps,
    )  # fmt: skip
    call = f"lr_schedule(step, warmup_steps={warmup_steps}, total_steps={total_steps}) for step = 0..{total_steps - 1}"
    compare(got, want, what="factors", call=call, mistakes=candidates)


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
    call = (
        f"fit(model, train_loader, val_loader, epochs={epochs}, lr={lr}, "
        f"weight_decay={weight_decay}, patience={patience}) on a small conv + batch-norm "
        f"network, {len(train_sizes)} training batches per epoch"
    )
    names = [
        'history["train_loss"]',
        'history["val_loss"]',
        'history["val_acc"]',
        'history["lr"] (the learning rate of each epoch\'s last update)',
        "the learning rate of every AdamW update, in order",
        "the weights when fit returns",
    ]
    compare_all(
        got, list(want), names, call=call, rtol=1e-5, atol=1e-8,
        mistakes=_as_tuple_candidates(candidates),
    )  # fmt: skip


def check_training(
    sub, oracle, rng, n_train=400, n_test=200, epochs=5, batch_size=20, lr=1e-2, threshold=0.4
):
    """SmallCNN trained briefly with fit on digit-like images classifies held-out ones well.

    The verdict needs no reference: the student's predictions are scored
    against the true labels, and without patience every epoch runs. The
    reference trains the same network (as long again as the student's run)
    only when the accuracy falls short, to say what it reaches.
    """
    x_train, y_train, templates = synthetic_digits(rng, n_train)
    x_test, y_test, _ = synthetic_digits(rng, n_test, templates=templates)
    state = smallcnn_init_state(rng, 10)
    kw = dict(
        state=state, x_train=x_train, y_train=y_train, x_test=x_test,
        epochs=epochs, batch_size=batch_size, lr=lr,
    )  # fmt: skip
    got = sub.run(run_cnn, "training", **kw)
    call = (
        f"SmallCNN() trained with your fit on {n_train} digit-like 8x8 images for {epochs} "
        f"epochs (batch {batch_size}, lr={lr}), then its predictions on {n_test} new ones"
    )
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise CheckFailure(
            f"{call}\n  the run returned {type(got).__name__}, not (predictions, epochs)"
        )
    predictions, epochs_run = got
    predictions = np.asarray(predictions)
    if predictions.shape != y_test.shape or predictions.dtype.kind not in "iu":
        raise CheckFailure(
            f"{call}\n  expected {y_test.shape} predictions, got {predictions.shape}"
        )
    if epochs_run != epochs:
        raise CheckFailure(
            f"{call}\n  history records {epochs_run} epochs, expected {epochs} (no patience: every epoch runs)"
        )
    accuracy = float(np.mean(predictions == y_test))
    if accuracy < threshold:
        want = oracle.run(run_cnn, "training", **kw)
        reference = float(np.mean(np.asarray(want[0]) == y_test))
        raise CheckFailure(
            f"{call}\n  test accuracy {accuracy:.1%}, expected at least {threshold:.0%} "
            f"(chance is 10%; the reference reaches {reference:.1%})"
        )
