"""Shared pieces of the vit checks (ships with the public checks; no solution code).

How a vit check works: the grader draws every input from the check's seed
(images, weights by parameter name, upstream gradients, attention weights) and
sends them as arrays; the harness `run_vit` (harness.py) runs inside the
worker, builds the student's module, runs one task in float64 and sends back
plain arrays: outputs, the input's gradient and every parameter's gradient.
The same harness runs on the reference (and on the known mistakes) in the
grader, and the results are compared there.

patchify, the two patch embeddings, cls_attention and a ViT with depth 0 need
no Transformer block, so they are graded without the student's transformer.py.
A ViT with blocks, and the few checks of the student's MultiHeadSelfAttention,
FeedForward and TransformerBlock, use the transformer.py of the submission.

Bans (as in the transformer checks): every check that involves blocks reads
every submitted file for torch's attention APIs and every way to reach them
(`autograder.checkkit.scan`, the vit entry: the transformer's list), and the
worker removes torch's attention kernels before the submission's code runs, so
a call by any route fails the check it runs in
(`autograder/sandbox/inside/worker.py`). The harness only names a forbidden
module the student's model holds.
"""

import numpy as np

from autograder.checkkit import CheckFailure, compare_all, msg, scan
from autograder.checks.vit.harness import run_vit


# ---------------------------------------------------------------------------
# Inputs drawn by the grader
# ---------------------------------------------------------------------------
def _linear(prefix, fan_in, fan_out):
    return {f"{prefix}.weight": (fan_out, fan_in), f"{prefix}.bias": (fan_out,)}


def block_shapes(cls, D, F=None):
    """{name: shape} of the parameters of a transformer.py class (the contract's names)."""
    attn = {}
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        attn.update(_linear(name, D, D))
    if cls == "MultiHeadSelfAttention":
        return attn
    ff = {**_linear("fc1", D, F), **_linear("fc2", F, D)}
    if cls == "FeedForward":
        return ff
    block = {"ln1.weight": (D,), "ln1.bias": (D,), "ln2.weight": (D,), "ln2.bias": (D,)}
    block.update({f"attn.{k}": v for k, v in attn.items()})
    block.update({f"ff.{k}": v for k, v in ff.items()})
    return block


def vit_sizes(image, patch, in_ch, num_classes, dim, depth=0, heads=2, mlp_dim=8, dropout=0.0):
    """The ViT constructor's arguments as a dict (image: int or (H, W))."""
    return {
        "image_size": image if isinstance(image, int) else list(image),
        "patch": patch,
        "in_ch": in_ch,
        "num_classes": num_classes,
        "dim": dim,
        "depth": depth,
        "heads": heads,
        "mlp_dim": mlp_dim,
        "dropout": dropout,
    }


def vit_shapes(sizes):
    """{name: shape} of every ViT parameter, blocks included."""
    image = sizes["image_size"]
    H, W = (image, image) if isinstance(image, int) else image
    P, C, D, K = sizes["patch"], sizes["in_ch"], sizes["dim"], sizes["num_classes"]
    N = (H // P) * (W // P)
    shapes = {
        "patch_embed.proj.weight": (D, C, P, P),
        "patch_embed.proj.bias": (D,),
        "cls_token": (1, 1, D),
        "pos_embed": (1, N + 1, D),
        "norm.weight": (D,),
        "norm.bias": (D,),
        "head.weight": (K, D),
        "head.bias": (K,),
    }
    for i in range(sizes["depth"]):
        for name, shape in block_shapes("TransformerBlock", D, sizes["mlp_dim"]).items():
            shapes[f"blocks.{i}.{name}"] = shape
    return shapes


def random_state(rng, shapes, scale=1.0):
    """Layer norms around (1, 0), embeddings ~ N(0, 1), weights ~ N(0, scale^2 / fan_in), biases ~ N(0, 0.3^2)."""
    state = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if "norm" in name or ".ln" in name or name.startswith("ln"):
            base = 1.0 if name.endswith("weight") else 0.0
            state[name] = base + 0.3 * rng.standard_normal(shape)
        elif name in ("cls_token", "pos_embed"):
            state[name] = rng.standard_normal(shape)
        elif name.endswith("weight"):
            fan_in = int(np.prod(shape[1:]))
            state[name] = rng.standard_normal(shape) * scale / np.sqrt(fan_in)
        else:
            state[name] = 0.3 * rng.standard_normal(shape)
    return state


def random_attention(rng, B, A, N):
    """Attention weights (B, A, N + 1, N + 1): rows of a softmax of random scores."""
    scores = 2.0 * rng.standard_normal((B, A, N + 1, N + 1))
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def random_mask(rng, shape):
    """A boolean mask (True = may attend) where every query sees itself and misses some key."""
    L = shape[-1]
    mask = (rng.random(shape) < 0.5) | np.eye(L, dtype=bool)
    if L > 1:
        rows = np.arange(L)
        other = (rows + 1 + rng.integers(0, L - 1, size=shape[:-1])) % L
        np.put_along_axis(mask, other[..., None], False, axis=-1)
    return mask


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def refusal(what):
    """The message that refuses a forbidden attention API (`what` names what was found)."""
    return msg(
        "vit.refusal",
        "your blocks must be your own attention: the submission uses {what}, which is not "
        "allowed (no F.scaled_dot_product_attention, nn.MultiheadAttention or nn.Transformer*)",
        what=what,
    )


def refuse_forbidden_source(sub):
    """Fail the check when any submitted file could reach a forbidden API (a static scan)."""
    scan.refuse_forbidden_source(sub, "vit", refusal)


def _values(result):
    return result["values"] if isinstance(result, dict) else None


def check_task(sub, oracle, task, op, call, names, *, scan=False, **kw):
    """Compare every value of one harness run of the student's code with the reference's."""
    candidates = oracle.candidates(task, run_vit, op, **kw)
    want = oracle.run(run_vit, op, **kw)
    if scan:
        refuse_forbidden_source(sub)
    got = sub.run(run_vit, op, **kw)
    if not isinstance(got, dict) or not isinstance(got.get("values"), list):
        reply = msg("vit.bad_reply", "the run returned {what}", what=type(got).__name__)
        raise CheckFailure([reply], kind="type", call=call)
    if got.get("findings"):
        what = ", ".join(map(str, got["findings"]))
        raise CheckFailure([refusal(what)], diagnosis="forbidden-api", kind="forbidden", call=call)
    compare_all(_values(got), _values(want), names, call=call, mistakes=candidates.map(_values))
    return got


def _grad_of(name):
    return msg("vit.grad_of", "grad of {name}", name=name)


def _grad_names(state):
    return [_grad_of(name) for name in sorted(state)]


def _shape(array):
    return str(tuple(np.shape(array)))


def check_patchify(sub, oracle, rng, B, C, H, W, p):
    """patchify: the same patches as the reference, the input left unchanged."""
    x = rng.standard_normal((B, C, H, W))
    call = msg("vit.call_patchify", "patchify(x of shape {shape}, p={p})", shape=_shape(x), p=p)
    names = ["patches", msg("vit.x_unchanged", "x unchanged")]
    check_task(sub, oracle, "patchify", "patchify", call, names, x=x, p=p)


def check_patch_embed(sub, oracle, rng, B, C, H, W, p, D, scale=1.0):
    """PatchEmbed.forward: tokens and the gradients of x, proj.weight and proj.bias."""
    shapes = {"proj.weight": (D, C, p, p), "proj.bias": (D,)}
    state = random_state(rng, shapes, scale)
    x = rng.standard_normal((B, C, H, W))
    upstream = rng.standard_normal((B, (H // p) * (W // p), D))
    call = msg(
        "vit.call_patch_embed",
        "{model} in float64 with random weights loaded by parameter name, forward on x of shape "
        "{shape}, then backward",
        model=f"PatchEmbed({C}, {p}, {D})",
        shape=_shape(x),
    )
    names = ["tokens", _grad_of("x"), *_grad_names(state)]
    check_task(
        sub, oracle, "PatchEmbed.forward", "PatchEmbed", call, names,
        sizes=[C, p, D], state=state, x=x, upstream=upstream,
    )  # fmt: skip


def check_patch_embed_linear(sub, oracle, rng, B, C, H, W, p, D):
    """patch_embed_linear: tokens and the gradients of x, weight and bias."""
    x = rng.standard_normal((B, C, H, W))
    weight = rng.standard_normal((D, C, p, p)) / np.sqrt(C * p * p)
    bias = 0.3 * rng.standard_normal(D)
    upstream = rng.standard_normal((B, (H // p) * (W // p), D))
    call = msg(
        "vit.call_linear",
        "patch_embed_linear(x of shape {x}, weight of shape {weight}, bias of shape {bias}, "
        "p={p}) in float64, then backward",
        x=_shape(x),
        weight=_shape(weight),
        bias=_shape(bias),
        p=p,
    )
    names = ["tokens", _grad_of("x"), _grad_of("weight"), _grad_of("bias")]
    check_task(
        sub, oracle, "patch_embed_linear", "patch_embed_linear", call, names,
        x=x, weight=weight, bias=bias, p=p, upstream=upstream,
    )  # fmt: skip


def check_vit(sub, oracle, rng, B, sizes, scale=1.0, eval_mode=True, repeats=1):
    """ViT.forward: logits, the tokens the final norm receives, and every gradient."""
    state = random_state(rng, vit_shapes(sizes), scale)
    image = sizes["image_size"]
    H, W = (image, image) if isinstance(image, int) else image
    x = rng.standard_normal((B, sizes["in_ch"], H, W))
    upstream = rng.standard_normal((B, sizes["num_classes"]))
    model = "ViT(" + ", ".join(f"{k}={v}" for k, v in sizes.items()) + ")"
    if sizes["depth"]:
        call = msg(
            "vit.call_vit_blocks",
            "{model} in float64 (eval mode, built with your TransformerBlock) with random "
            "weights loaded by parameter name, forward on x of shape {shape} ({count} times), "
            "then backward",
            model=model,
            shape=_shape(x),
            count=repeats,
        )
    else:
        call = msg(
            "vit.call_vit",
            "{model} in float64 (eval mode, no blocks) with random weights loaded by parameter "
            "name, forward on x of shape {shape}, then backward",
            model=model,
            shape=_shape(x),
        )
    names = ["logits", msg("vit.pre_norm_tokens", "tokens that reach the final norm")]
    names += [_grad_of("x"), *_grad_names(state)]
    names += [
        msg("vit.logits_again", "logits of forward pass {number}", number=i + 2)
        for i in range(repeats - 1)
    ]
    check_task(
        sub, oracle, "ViT.forward", "ViT", call, names, scan=sizes["depth"] > 0,
        sizes=sizes, state=state, x=x, upstream=upstream, eval_mode=eval_mode, repeats=repeats,
    )  # fmt: skip


def check_cls_attention(sub, oracle, rng, B, A, gh, gw):
    """cls_attention: the CLS row of random attention weights as maps of the patch grid."""
    weights = random_attention(rng, B, A, gh * gw)
    call = msg(
        "vit.call_cls_attention",
        "cls_attention(weights of shape {shape}, grid=({gh}, {gw}))",
        shape=_shape(weights),
        gh=gh,
        gw=gw,
    )
    check_task(
        sub, oracle, "cls_attention", "cls_attention", call, ["maps"],
        weights=weights, grid=[gh, gw],
    )  # fmt: skip


def check_block(sub, oracle, rng, cls, B, L, D, heads=2, F=16, mask_kind=None, scale=1.0):
    """A class of the submission's transformer.py: output and every gradient match."""
    task = f"{cls}.forward"
    state = random_state(rng, block_shapes(cls, D, F), scale)
    x = rng.standard_normal((B, L, D))
    mask = None
    if mask_kind == "causal":
        mask = np.arange(L)[:, None] >= np.arange(L)[None, :]  # causal
    elif mask_kind is not None:
        mask = random_mask(rng, (L, L) if mask_kind == "random2d" else (B, L, L))
    init = {"MultiHeadSelfAttention": [D, heads], "FeedForward": [D, F]}.get(cls, [D, heads, F])
    model = f"{cls}({', '.join(map(str, init))})"
    if mask is None:
        call = msg(
            "vit.call_block",
            "{model} of your transformer.py in float64 with random weights loaded by parameter "
            "name, forward on x of shape {shape} with no mask, then backward (`dlcourse check "
            "transformer` explains a failure here in detail)",
            model=model,
            shape=_shape(x),
        )
    else:
        call = msg(
            "vit.call_block_masked",
            "{model} of your transformer.py in float64 with random weights loaded by parameter "
            "name, forward on x of shape {shape} with a bool mask of shape {mask}, then backward "
            "(`dlcourse check transformer` explains a failure here in detail)",
            model=model,
            shape=_shape(x),
            mask=_shape(mask),
        )
    names = ["out", _grad_of("x"), *_grad_names(state)]
    check_task(
        sub, oracle, task, "block", call, names, scan=cls != "FeedForward",
        cls=cls, init=init, state=state, x=x, mask=mask, upstream=rng.standard_normal(x.shape),
    )  # fmt: skip
