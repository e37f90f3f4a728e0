"""The harness of the bert checks: it runs inside the worker, next to the student's code.

`run_bert` is shipped to the worker as source, so it is self-contained (its
imports are inside it). It builds the student's modules (or the reference, or
a known mistake, when the grader runs it), loads the grader's weights by
parameter name, runs one task in float64 and returns plain arrays. It holds
no solution code.

It brings two small models of its own: a classifier for fine_tune (a bag of
embeddings with batch norm, so that train and eval mode give different
numbers, called as model(ids, segments)), and a mixing block for the
encoder's padding mask (not attention: each token adds the mean of the tokens
its mask row allows). The Transformer blocks are the student's own: the
harness loads `transformer.py` from the folder of the module it was given (the
submission in the worker, `solutions/bert/` in the grader).
"""


def run_bert(module, op, **kw):
    """Run one task of the student's module (or the reference) on arrays the grader sent.

    op is "mask_tokens", "BertEmbeddings", "attention_mask", "mask_in_encoder",
    "mlm_loss", "ClsHead", "fine_tune", "classifier" or "block" (a class of
    transformer.py next to the module). Returns {"values": [arrays], "findings":
    [forbidden modules the model holds]}. A forbidden kernel called on the way
    raises in the worker (removed before the student's code ran).
    """
    import importlib.util
    import os
    import sys

    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(1)
    f64 = torch.float64
    findings = []

    banned = (nn.MultiheadAttention, nn.Transformer, nn.TransformerEncoder,
              nn.TransformerEncoderLayer, nn.TransformerDecoder, nn.TransformerDecoderLayer)  # fmt: skip

    def floats(x, grad=False):
        return torch.tensor(np.asarray(x), dtype=f64, requires_grad=grad)

    def ints(x):
        return torch.tensor(np.asarray(x), dtype=torch.long)

    def sibling_transformer():
        """transformer.py from the folder of `module`, loaded once per path.

        A module without a file (nbgrader's test cells build one from the
        notebook's names) looks in the working folder, the notebook's.
        """
        where = getattr(module, "__file__", None)
        folder = os.path.dirname(os.path.abspath(where)) if where else os.getcwd()
        path = os.path.join(folder, "transformer.py")
        if not os.path.isfile(path):
            raise FileNotFoundError(
                "transformer.py is missing: put your finished transformer.py (from the "
                "transformer assignment) next to your module and submit both"
            )
        name = "_dlcourse_blocks_" + "".join(c if c.isalnum() else "_" for c in path)
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, path)
            loaded = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaded)
            sys.modules[name] = loaded
        return sys.modules[name]

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
                if tuple(params[name].shape) != tuple(np.shape(value)):
                    raise ValueError(
                        f"{what}.{name} has shape {tuple(params[name].shape)}, "
                        f"expected {tuple(np.shape(value))}"
                    )
                params[name].copy_(floats(value))
        return params

    def tensor_out(value, what, shape):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{what} must return a tensor, got {type(value).__name__}")
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"{what} returned shape {tuple(value.shape)}, expected {tuple(shape)}")
        return value

    def backward(out, upstream, leaves):
        """Gradients of sum(out * upstream), what out.backward(upstream) gives."""
        total = (out.to(f64) * floats(upstream)).sum()
        if total.requires_grad:
            total.backward()
        return [
            np.zeros(tuple(leaf.shape)) if leaf.grad is None else leaf.grad.detach().numpy()
            for leaf in leaves
        ]

    def refuse_banned(model, what):
        for sub_name, sub_module in model.named_modules():
            if isinstance(sub_module, banned):
                findings.append(f"{type(sub_module).__name__} ({sub_name or what})")

    def numbers(t):
        return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)

    class TinyClassifier(nn.Module):
        """The checks' classifier: mean of token embeddings, batch norm, tanh, a linear layer."""

        def __init__(self, V, E, K):
            super().__init__()
            self.tok = nn.Embedding(V, E)
            self.seg = nn.Embedding(2, E)
            self.bn = nn.BatchNorm1d(E)
            self.out = nn.Linear(E, K)

        def forward(self, ids, segments=None):
            h = self.tok(ids) + (0.0 if segments is None else self.seg(segments))
            return self.out(torch.tanh(self.bn(h.mean(dim=1))))

    class MixingBlock(nn.Module):
        """Not attention: x + tanh(W (mean of the tokens the mask row allows))."""

        def __init__(self, dim, heads, mlp_dim, dropout=0.0):
            super().__init__()
            self.mix = nn.Linear(dim, dim)

        def forward(self, x, mask=None):
            if mask is None:
                raise TypeError("the encoder must pass its padding mask to every block")
            allowed = torch.as_tensor(mask).to(x.dtype)  # (B, L, L), 1 = may attend
            mean = allowed @ x / allowed.sum(dim=-1, keepdim=True)
            return x + torch.tanh(self.mix(mean))

    torch.default_generator.manual_seed(0)  # the CPU generator alone (see AUTHORING)
    values = []
    if op == "mask_tokens":
        ids = ints(kw["ids"])
        kept = ids.clone()
        generator = torch.Generator().manual_seed(int(kw["seed"]))
        result = module.mask_tokens(
            ids, kw["vocab_size"], kw["mask_id"], list(kw["special_ids"]), generator,
            p=kw["p"],
        )  # fmt: skip
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError("mask_tokens must return a tuple (input_ids, labels)")
        input_ids = tensor_out(result[0], "mask_tokens (input_ids)", tuple(ids.shape))
        labels = tensor_out(result[1], "mask_tokens (labels)", tuple(ids.shape))
        values = [numbers(input_ids).astype(np.int64), numbers(labels).astype(np.int64),
                  float(torch.equal(ids, kept))]  # fmt: skip

    elif op == "BertEmbeddings":
        vocab, max_len, dim, n_segments = kw["sizes"]
        model = module.BertEmbeddings(vocab, max_len, dim, n_segments).double()
        params = load(model, kw["state"], "BertEmbeddings")
        model.eval()
        ids = ints(kw["ids"])
        segments = None if kw.get("segments") is None else ints(kw["segments"])
        out = model(ids) if segments is None else model(ids, segments)
        out = tensor_out(out, "BertEmbeddings.forward", (*ids.shape, dim))
        leaves = [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), *backward(out, kw["upstream"], leaves)]

    elif op == "attention_mask":
        ids = ints(kw["ids"])
        B, L = ids.shape
        mask = tensor_out(module.attention_mask(ids, kw["pad_id"]), "attention_mask", (B, L, L))
        values = [numbers(mask).astype(bool)]

    elif op == "mask_in_encoder":
        vocab, max_len, dim, depth = kw["sizes"]
        encoder = module.BertEncoder(
            vocab, max_len, dim, depth, 1, dim, pad_id=kw["pad_id"], block=MixingBlock
        ).double()
        params = load(encoder, kw["state"], "BertEncoder (with the checks' mixing blocks)")
        encoder.eval()
        ids = ints(kw["ids"])
        out = tensor_out(encoder(ids, ints(kw["segments"])), "BertEncoder", (*ids.shape, dim))
        leaves = [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), *backward(out, kw["upstream"], leaves)]

    elif op == "mlm_loss":
        logits = floats(kw["logits"], grad=True)
        loss = tensor_out(module.mlm_loss(logits, ints(kw["labels"])), "mlm_loss", ())
        values = [numbers(loss), *backward(loss, kw["upstream"], [logits])]

    elif op == "ClsHead":
        dim, num_classes, dropout = kw["sizes"]
        model = module.ClsHead(dim, num_classes, dropout).double()
        params = load(model, kw["state"], "ClsHead")
        model.eval()
        h = floats(kw["h"], grad=True)
        outs = [model(h) for _ in range(int(kw.get("repeats", 1)))]
        out = tensor_out(outs[0], "ClsHead.forward", (h.shape[0], num_classes))
        leaves = [h] + [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), *backward(out, kw["upstream"], leaves)]
        values += [numbers(o) for o in outs[1:]]

    elif op == "fine_tune":
        V, E, K = kw["sizes"]
        model = TinyClassifier(V, E, K).double()
        params = load(model, kw["state"], "the checks' classifier")
        model.train(not kw.get("start_in_eval", False))

        def batches(data):
            return [(ints(i), ints(s), ints(y)) for i, s, y in data]

        val = None if kw.get("val") is None else batches(kw["val"])
        history = module.fine_tune(
            model, batches(kw["train"]), kw["epochs"], kw["lr"],
            weight_decay=kw["weight_decay"], val_loader=val,
        )  # fmt: skip
        if not isinstance(history, dict):
            raise TypeError(f"fine_tune must return a dict, got {type(history).__name__}")
        curves = [
            np.asarray([float(v) for v in history.get(key, [])], dtype=np.float64)
            for key in ("train_loss", "val_loss", "val_acc")
        ]
        buffers = [model.bn.running_mean, model.bn.running_var]
        values = [*curves, *(numbers(params[n]) for n in sorted(params)),
                  *(numbers(b) for b in buffers)]  # fmt: skip

    elif op == "classifier":
        sizes = dict(kw["sizes"])
        block = sibling_transformer().TransformerBlock
        encoder = module.BertEncoder(
            sizes["vocab"], sizes["max_len"], sizes["dim"], sizes["depth"], sizes["heads"],
            sizes["mlp_dim"], block=block,
        )  # fmt: skip
        model = module.BertClassifier(encoder, sizes["num_classes"])
        refuse_banned(model, "BertClassifier")
        if findings:
            return {"values": [], "findings": findings}
        model = model.double()
        params = load(model, kw["state"], "BertClassifier")
        model.eval()
        ids = ints(kw["ids"])
        out = model(ids, ints(kw["segments"]))
        out = tensor_out(out, "BertClassifier", (ids.shape[0], sizes["num_classes"]))
        leaves = [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), *backward(out, kw["upstream"], leaves)]

    elif op == "block":
        cls = kw["cls"]
        layer = getattr(sibling_transformer(), cls)(*kw["init"])
        refuse_banned(layer, cls)
        if findings:
            return {"values": [], "findings": findings}
        layer = layer.double()
        params = load(layer, kw["state"], cls)
        layer.eval()
        x = floats(kw["x"], grad=True)
        mask = kw.get("mask")
        mask = None if mask is None else torch.tensor(np.asarray(mask), dtype=torch.bool)
        out = layer(x) if mask is None else layer(x, mask)
        out = tensor_out(out, f"{cls}.forward", tuple(x.shape))
        leaves = [x] + [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), *backward(out, kw["upstream"], leaves)]

    else:
        raise ValueError(f"unknown operation {op!r}")
    return {"values": values, "findings": findings}
