"""The cnn checks' harness: what runs inside the worker (ships with the public checks).

`run_cnn` is shipped to the worker as source and runs next to the student's
code (or the reference, or a known mistake, in the grader): it builds the
models and loaders from the arrays the grader drew, calls the task under
check and returns plain numbers and arrays. It is self-contained (it imports
what it needs in its body) and holds no reference maths and no check's case:
the grader compares what it returns (see `common.py`).

train_epoch, evaluate and fit run on a tiny network defined here (a
convolution, batch norm, ReLU and a linear layer on 4x4 images), so a mistake
in SmallCNN does not cost their points; batch norm makes train and eval mode
give different numbers, and the network notes whether autograd was on and
which mode it was in during each forward pass. "training" trains the
student's own SmallCNN (float64, the grader's weights and batches) with their
fit and returns the history and that model's parameters by name; the grader
classifies its held-out images and replays the run itself (`training.py`),
so nothing this function reports is taken on trust.
"""


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

    def run_fit(model, train, val, epochs, lr, **options):
        """The student's fit on `model`: the history's four curves and the learning rate
        of every AdamW update, in order."""
        lrs = []
        original = torch.optim.AdamW.step

        def step(self, *args, **kwargs):
            lrs.append(float(self.param_groups[0]["lr"]))
            return original(self, *args, **kwargs)

        torch.optim.AdamW.step = step
        try:
            history = module.fit(model, loader(train), loader(val), epochs, lr, **options)
        finally:
            torch.optim.AdamW.step = original
        if not isinstance(history, dict):
            raise TypeError(f"fit must return a dict of lists, got {type(history).__name__}")
        curves = []
        for key in ("train_loss", "val_loss", "val_acc", "lr"):
            if key not in history:
                raise KeyError(f"fit's history has no {key!r} (keys: {sorted(map(str, history))})")
            curves.append(np.array([number(v, f"history[{key!r}] entries") for v in history[key]]))
        return (*curves, np.array(lrs))

    if op == "fit":
        model = tiny(kw["state"])
        curves = run_fit(
            model, kw["train"], kw["val"], kw["epochs"], kw["lr"],
            weight_decay=kw["weight_decay"], patience=kw["patience"],
        )  # fmt: skip
        return (*curves, flat(model))

    if op == "training":
        # SmallCNN in float64, trained by the student's fit on the grader's batches; what
        # comes back is the history and the parameters of this very model by name (the
        # grader measures and replays them itself: nothing here is taken on trust).
        torch.default_generator.manual_seed(0)
        model = module.SmallCNN(10).double()
        load(model, kw["state"], "SmallCNN")
        curves = run_fit(model, kw["train"], kw["val"], kw["epochs"], kw["lr"])
        weights = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
        return (*curves, weights)

    raise ValueError(f"unknown operation {op!r}")
