"""The harness of the vit checks: it runs inside the worker, next to the student's code.

`run_vit` is shipped to the worker as source, so it is self-contained (its
imports are inside it). It builds the student's modules (or the reference, or
a known mistake, when the grader runs it), loads the grader's weights by
parameter name, runs one task in float64, backpropagates `sum(out * upstream)`
and returns plain arrays. It holds no solution code.

The Transformer blocks are the student's own: the harness loads
`transformer.py` from the folder of the module it was given (the submission
in the worker, `solutions/vit/` in the grader) and hands its TransformerBlock
to ViT as `block=`. Only the operations that build blocks need that file.
"""


def run_vit(module, op, **kw):
    """Run one task of the student's module (or the reference) on arrays the grader sent.

    op is "patchify", "PatchEmbed", "patch_embed_linear", "ViT", "cls_attention"
    or "block" (a class of transformer.py next to the module). Returns
    {"values": [arrays], "findings": [forbidden modules the model holds]}.
    A forbidden kernel called on the way raises in the worker (removed before the
    student's code ran), which fails the call.
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

    torch.default_generator.manual_seed(0)  # the CPU generator alone (see AUTHORING)
    values = []
    if op == "patchify":
        x = floats(kw["x"])
        kept = x.clone()
        B, C, H, W = x.shape
        p = int(kw["p"])
        out = tensor_out(module.patchify(x, p), "patchify", (B, H * W // (p * p), C * p * p))
        values = [numbers(out), float(torch.equal(x, kept))]

    elif op == "PatchEmbed":
        in_ch, patch, dim = kw["sizes"]
        model = module.PatchEmbed(in_ch, patch, dim)
        model = model.double()
        params = load(model, kw["state"], "PatchEmbed")
        x = floats(kw["x"], grad=True)
        B, C, H, W = x.shape
        out = tensor_out(model(x), "PatchEmbed.forward", (B, H * W // patch**2, dim))
        leaves = [x] + [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), *backward(out, kw["upstream"], leaves)]

    elif op == "patch_embed_linear":
        x = floats(kw["x"], grad=True)
        weight = floats(kw["weight"], grad=True)
        bias = floats(kw["bias"], grad=True)
        p = int(kw["p"])
        B, C, H, W = x.shape
        D = weight.shape[0]
        out = tensor_out(
            module.patch_embed_linear(x, weight, bias, p),
            "patch_embed_linear",
            (B, H * W // (p * p), D),
        )
        values = [numbers(out), *backward(out, kw["upstream"], [x, weight, bias])]

    elif op == "ViT":
        sizes = dict(kw["sizes"])
        depth = int(sizes["depth"])
        block = sibling_transformer().TransformerBlock if depth > 0 else None
        model = module.ViT(**sizes, block=block)
        refuse_banned(model, "ViT")
        if findings:
            return {"values": [], "findings": findings}
        model = model.double()
        params = load(model, kw["state"], "ViT")
        model.train(not kw.get("eval_mode", True))
        seen = []
        model.norm.register_forward_pre_hook(lambda _, args: seen.append(args[0]))
        x = floats(kw["x"], grad=True)
        B = x.shape[0]
        outs = [model(x) for _ in range(int(kw.get("repeats", 1)))]
        out = tensor_out(outs[0], "ViT.forward", (B, sizes["num_classes"]))
        tokens = numbers(seen[0]) if seen else np.zeros(0)
        leaves = [x] + [params[n] for n in sorted(kw["state"])]
        values = [numbers(out), tokens, *backward(out, kw["upstream"], leaves)]
        values += [numbers(o) for o in outs[1:]]

    elif op == "cls_attention":
        weights = floats(kw["weights"])
        grid = tuple(int(g) for g in kw["grid"])
        out = module.cls_attention(weights, grid)
        values = [numbers(tensor_out(out, "cls_attention", (weights.shape[0], *grid)))]

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
