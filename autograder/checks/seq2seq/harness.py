"""The harness of the seq2seq checks: it runs inside the worker, next to the student's code.

`run_seq2seq` is shipped to the worker as source, so it is self-contained (its
imports are inside it). It builds the student's module (or the reference, or a
known mistake, when the grader runs it), loads the grader's weights by
parameter name, runs one task in float64 and returns plain arrays. For the
decoding tasks it brings a toy encoder and decoder of its own: the same call
signatures as the assignment's, simpler maths (no GRU, no additive attention),
and a clock in the decoder's state that makes sequences end at different steps.
It holds no solution code.
"""


def run_seq2seq(module, op, **kw):
    """Run one task of the student's module (or the reference) on arrays the grader sent.

    op is "Encoder", "AdditiveAttention", "Decoder.step", "seq2seq_loss",
    "teacher_forced_logits", "greedy_decode" or "beam_search". Returns
    {"values": [arrays], "findings": [forbidden modules the student's model holds]}.
    A forbidden kernel called on the way raises in the worker (it was removed
    before the student's code ran), which fails the call.
    """
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

    def tensors(result, count, what):
        if not isinstance(result, (tuple, list)) or len(result) != count:
            raise TypeError(f"{what} must return a tuple of {count} tensors")
        for value in result:
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"{what} must return tensors, got {type(value).__name__}")
        return list(result)

    def backward(outputs, upstream, leaves):
        """Gradients of sum(output * upstream) (what output.backward(upstream) gives)."""
        total = sum((o.to(f64) * floats(u)).sum() for o, u in zip(outputs, upstream))
        if not total.requires_grad:  # nothing reaches the parameters: all gradients are 0
            return [np.zeros(tuple(leaf.shape)) for leaf in leaves]
        total.backward()
        return [
            np.zeros(tuple(leaf.shape)) if leaf.grad is None else leaf.grad.detach().numpy()
            for leaf in leaves
        ]

    def token_rows(result, B, width, what):
        if not isinstance(result, (list, tuple)) or len(result) != B:
            raise TypeError(f"{what} must return a list of {B} token lists")
        rows = np.full((B, width), -1, dtype=np.int64)
        for b, row in enumerate(result):
            if isinstance(row, torch.Tensor):
                row = row.tolist()
            if not isinstance(row, (list, tuple)) or len(row) > width:
                raise TypeError(f"{what}: entry {b} must be a list of at most {width} token ids")
            for t, token in enumerate(row):
                if isinstance(token, torch.Tensor) and token.numel() == 1:
                    token = token.item()
                if isinstance(token, bool) or not isinstance(token, (int, np.integer)):
                    raise TypeError(f"{what}: token ids must be ints, got {type(token).__name__}")
                rows[b, t] = int(token)
        return rows

    class ToyEncoder(nn.Module):
        """Not a GRU: tanh of embeddings, zero on padding; h is their mean over real tokens."""

        def __init__(self, state):
            super().__init__()
            self.table = nn.Parameter(floats(state["enc.table"]))
            self.W = nn.Parameter(floats(state["enc.W"]))

        def forward(self, src, src_len):
            real = (torch.arange(src.shape[1])[None, :] < torch.as_tensor(src_len)[:, None]).to(f64)
            outputs = torch.tanh(self.table[src] @ self.W) * real[..., None]
            return outputs, (outputs.sum(1) / real.sum(1, keepdim=True))[None]

    class ToyDecoder(nn.Module):
        """Not additive attention: the context is the mean of the real encoder outputs; the
        state's first entry is a clock that moves the EOS logit."""

        def __init__(self, state):
            super().__init__()
            for name in ("table", "A", "C", "O", "bias", "tick"):
                setattr(self, name, nn.Parameter(floats(state[f"dec.{name}"])))

        def step(self, y_prev, h, enc_out, mask):
            weights = torch.as_tensor(mask).to(f64)
            weights = weights / weights.sum(-1, keepdim=True)
            context = (weights[..., None] * enc_out).sum(1)
            core = torch.tanh(self.table[y_prev] + h @ self.A + context @ self.C)
            running = (torch.as_tensor(y_prev) != 2).to(f64)[:, None]  # EOS restarts the clock
            h_new = torch.cat([(h[:, :1] + self.tick) * running, core[:, 1:]], dim=1)
            return h_new @ self.O + self.bias, h_new, weights

    torch.default_generator.manual_seed(0)  # the CPU generator alone: no accelerator seeds queued
    if op in ("Encoder", "AdditiveAttention", "Decoder.step"):
        cls = op.split(".")[0]
        model = getattr(module, cls)(*kw["sizes"])
        findings += [f"{type(m).__name__} ({n or cls})" for n, m in model.named_modules()
                     if isinstance(m, banned)]  # fmt: skip
        if findings:
            return {"values": [], "findings": findings}
        model = model.double()
        params = load(model, kw["state"], cls)
        leaves = [params[name] for name in sorted(kw["state"])]
        if op == "Encoder":
            outs = tensors(model(ints(kw["src"]), ints(kw["src_len"])), 2, "Encoder.forward")
            inputs = []
        elif op == "AdditiveAttention":
            inputs = [floats(kw["query"], True), floats(kw["keys"], True)]
            mask = torch.tensor(np.asarray(kw["mask"]), dtype=torch.bool)
            outs = tensors(model(*inputs, mask), 2, "AdditiveAttention.forward")
        else:
            inputs = [floats(kw["h"], True), floats(kw["enc_out"], True)]
            mask = torch.tensor(np.asarray(kw["mask"]), dtype=torch.bool)
            result = model.step(ints(kw["y_prev"]), inputs[0], inputs[1], mask)
            outs = tensors(result, 3, "Decoder.step")
        for out, upstream in zip(outs, kw["upstream"]):
            if tuple(out.shape) != tuple(np.shape(upstream)):
                raise ValueError(
                    f"{op} returned a tensor of shape {tuple(out.shape)}, "
                    f"expected {tuple(np.shape(upstream))}"
                )
        grads = backward(outs, kw["upstream"], inputs + leaves)
        values = [o.detach().numpy() for o in outs] + grads
        return {"values": values, "findings": findings}

    if op == "seq2seq_loss":
        logits = floats(kw["logits"], True)
        loss = module.seq2seq_loss(logits, ints(kw["target"]))
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise TypeError("seq2seq_loss must return a 0-d tensor")
        (dlogits,) = backward([loss.reshape(())], [np.ones(())], [logits])
        return {"values": [loss.detach().reshape(()).numpy(), dlogits], "findings": findings}

    encoder, decoder = ToyEncoder(kw["state"]), ToyDecoder(kw["state"])
    src, src_len = ints(kw["src"]), ints(kw["src_len"])
    if op == "teacher_forced_logits":
        logits = module.teacher_forced_logits(encoder, decoder, src, src_len, ints(kw["tgt_in"]))
    elif op == "greedy_decode":
        result = module.greedy_decode(encoder, decoder, src, src_len, kw["max_len"])
    else:
        result = module.beam_search(
            encoder, decoder, src, src_len, kw["beam"], kw["max_len"], alpha=kw["alpha"]
        )
    if op != "teacher_forced_logits":
        rows = token_rows(result, len(kw["src"]), kw["max_len"], op)
        return {"values": [rows], "findings": findings}
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != np.shape(kw["upstream"]):
        raise ValueError(
            f"teacher_forced_logits must return a tensor of shape {np.shape(kw['upstream'])}"
        )
    leaves = [
        p for _, p in sorted([*encoder.named_parameters("enc"), *decoder.named_parameters("dec")])
    ]
    grads = backward([logits], [kw["upstream"]], leaves)
    return {"values": [logits.detach().numpy(), *grads], "findings": findings}
