"""Shared pieces of the transformer checks (ships with the public checks; no solution code).

How a transformer check works: the grader draws random weights for every
parameter the contract names, the worker builds the student's module, loads
those weights, runs forward and backward in float64 and hands back the output,
the input's gradient and every parameter's gradient. The same harness runs on
the reference (and on the known mistakes) in the grader, and the results are
compared there.

What the assignment forbids (F.scaled_dot_product_attention,
nn.MultiheadAttention, nn.Transformer*) is kept out twice, and neither guard
depends on anything the student's code can switch off:

- the grader scans the submitted source (`autograder.checkkit.scan`, in the
  grader's process) for the forbidden names and for every generic way to reach
  an object without spelling its name; a finding costs the attention checks
  (never the feed-forward ones) and becomes an integrity note;
- the worker removes torch's attention kernels before the submission's first
  line runs (`autograder/sandbox/inside/worker.py`, `_ban_attention`): a call
  that gets to one by a route the scan missed raises there, so no value a
  banned kernel computed can reach the comparison made here, in the grader.

The harness only adds a clearer message for a module that holds an
nn.MultiheadAttention or nn.Transformer* (what it reports, like anything from
the worker, is the student's to forge: the verdict is the grader's comparison).
"""

import numpy as np

from autograder.checkkit import CheckFailure, compare, compare_all, msg, scan


# ---------------------------------------------------------------------------
# Parameters the contract names, and random values for them
# ---------------------------------------------------------------------------
def _linear(prefix, fan_in, fan_out):
    return {f"{prefix}.weight": (fan_out, fan_in), f"{prefix}.bias": (fan_out,)}


def parameter_shapes(cls, d_model, num_heads=None, d_ff=None):
    """{name: shape} of every parameter of `cls` (contract names, nn.Linear layout)."""
    attn = {}
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        attn.update(_linear(name, d_model, d_model))
    ff = {**_linear("fc1", d_model, d_ff), **_linear("fc2", d_ff, d_model)} if d_ff else {}
    if cls == "MultiHeadSelfAttention":
        return attn
    if cls == "FeedForward":
        return ff
    block = {}
    for ln in ("ln1", "ln2"):
        block[f"{ln}.weight"] = (d_model,)
        block[f"{ln}.bias"] = (d_model,)
    block.update({f"attn.{k}": v for k, v in attn.items()})
    block.update({f"ff.{k}": v for k, v in ff.items()})
    return block


def random_state(rng, shapes, scale=1.0):
    """Weights ~ N(0, scale^2 / fan_in), biases ~ N(0, 0.3^2), layer norms around (1, 0)."""
    state = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.startswith(("ln1", "ln2")):
            base = 1.0 if name.endswith("weight") else 0.0
            state[name] = base + 0.3 * rng.standard_normal(shape)
        elif name.endswith("weight"):
            state[name] = rng.standard_normal(shape) * scale / np.sqrt(shape[1])
        else:
            state[name] = 0.3 * rng.standard_normal(shape)
    return state


def random_mask(rng, shape):
    """A boolean mask (True = may attend) where each query sees itself and misses some key."""
    L = shape[-1]
    mask = rng.random(shape) < 0.5
    eye = np.eye(L, dtype=bool)
    mask |= eye
    if L > 1:  # make sure every row also blocks a key (so an inverted mask stays usable)
        rows = np.arange(L)
        other = (rows + 1 + rng.integers(0, L - 1, size=shape[:-1])) % L
        np.put_along_axis(mask, other[..., None], False, axis=-1)
    return mask


def causal_mask(L):
    return np.tril(np.ones((L, L), dtype=bool))


def make_mask(rng, kind, B, L):
    """No mask (None), a causal one, or a random one of shape (L, L) or (B, L, L)."""
    if kind is None:
        return None
    if kind == "causal":
        return causal_mask(L)
    return random_mask(rng, (L, L) if kind == "random2d" else (B, L, L))


# ---------------------------------------------------------------------------
# Harness functions (self-contained: shipped to the worker as source)
# ---------------------------------------------------------------------------
def run_layer(module, cls, init_args, state, x, mask, dout, eval_mode=True, repeats=1):
    """Build module.<cls>(*init_args) in float64 with `state` loaded; forward and backward.

    Returns (outputs, dx, grads, findings): `outputs` holds the output of each of
    `repeats` forward passes of x, dx and grads (one per parameter, in sorted
    name order) come from the backward pass of the first with upstream `dout`,
    and `findings` lists forbidden torch attention modules the layer holds. A
    forbidden kernel called on the way raises in the worker (it was removed
    before the student's code ran), which fails the call.
    """
    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(1)
    findings = []

    # The CPU generator alone (the same state as torch.manual_seed(0)): torch.manual_seed
    # also queues a seed, with a formatted stack trace, for every accelerator backend.
    torch.default_generator.manual_seed(0)
    layer = getattr(module, cls)(*init_args)
    banned = tuple(
        getattr(nn, n)
        for n in (
            "MultiheadAttention",
            "Transformer",
            "TransformerEncoder",
            "TransformerEncoderLayer",
            "TransformerDecoder",
            "TransformerDecoderLayer",
        )
    )
    for sub_name, sub_module in layer.named_modules():
        if isinstance(sub_module, banned):
            findings.append(f"{type(sub_module).__name__} ({sub_name or cls})")
    if findings:
        return [], np.zeros(0), [], findings
    layer = layer.double()
    params = dict(layer.named_parameters())
    if sorted(params) != sorted(state):
        missing = sorted(set(state) - set(params))
        extra = sorted(set(params) - set(state))
        raise AttributeError(
            f"{cls} must have exactly the parameters {sorted(state)}; "
            f"missing: {missing or 'none'}, unexpected: {extra or 'none'} "
            "(keep the submodule names of the assignment)"
        )
    with torch.no_grad():
        for name, value in state.items():
            target = params[name]
            if tuple(target.shape) != tuple(np.shape(value)):
                raise ValueError(
                    f"{cls}.{name} has shape {tuple(target.shape)}, expected {tuple(np.shape(value))}"
                )
            target.copy_(torch.as_tensor(np.asarray(value), dtype=torch.float64))
    layer.train(not eval_mode)
    xt = torch.tensor(np.asarray(x), dtype=torch.float64, requires_grad=True)
    mt = None if mask is None else torch.tensor(np.asarray(mask), dtype=torch.bool)
    outputs = []
    for _ in range(repeats):
        out = layer(xt) if mt is None else layer(xt, mt)
        outputs.append(out)
    first = outputs[0]
    if not isinstance(first, torch.Tensor):
        raise TypeError(f"{cls}.forward must return a tensor, got {type(first).__name__}")
    if tuple(first.shape) != tuple(np.shape(dout)):
        raise ValueError(
            f"{cls}.forward returned shape {tuple(first.shape)}, expected {tuple(np.shape(dout))}"
        )
    # The same gradients as first.backward(dout) (d(sum(out * dout))/d(out) is dout
    # exactly), without backward's shape check, whose first use imports sympy.
    (first * torch.as_tensor(np.asarray(dout), dtype=torch.float64)).sum().backward()
    grads = []
    for name in sorted(state):
        grad = params[name].grad
        grads.append(np.zeros(np.shape(state[name])) if grad is None else grad.detach().numpy())
    dx = np.zeros(np.shape(x)) if xt.grad is None else xt.grad.detach().numpy()
    return (
        [o.detach().numpy() if isinstance(o, torch.Tensor) else o for o in outputs],
        dx,
        grads,
        findings,
    )


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def refusal(what):
    """The message that refuses a forbidden attention API (`what` names what was found)."""
    return msg(
        "transformer.refusal",
        "this assignment asks you to write attention yourself: your module uses {what}, which "
        "is not allowed (no F.scaled_dot_product_attention, nn.MultiheadAttention or "
        "nn.Transformer*; use matrix products, masked_fill and softmax)",
        what=what,
    )


def refuse_forbidden_source(sub):
    """Fail the check when any submitted file could reach a forbidden API (a static scan)."""
    scan.refuse_forbidden_source(sub, "transformer", refusal)


def refuse_findings(findings, call):
    """Fail the check when the run saw a forbidden torch attention module or function."""
    if findings:
        raise CheckFailure(
            [refusal(", ".join(map(str, findings)))],
            diagnosis="forbidden-api",
            kind="forbidden",
            call=call,
        )


def _describe(cls, init_args, x, mask):
    """What a check called: the layer in eval mode, forward on x (and a mask), then backward."""
    model = f"{cls}({', '.join(repr(a) for a in init_args)})"
    shape = str(tuple(np.shape(x)))
    if mask is None:
        return msg(
            "transformer.call",
            "{model} in float64 (eval mode) with random weights loaded by parameter name, "
            "forward on x of shape {shape} with no mask, then backward",
            model=model,
            shape=shape,
        )
    return msg(
        "transformer.call_masked",
        "{model} in float64 (eval mode) with random weights loaded by parameter name, "
        "forward on x of shape {shape} with a bool mask of shape {mask}, then backward",
        model=model,
        shape=shape,
        mask=str(tuple(np.shape(mask))),
    )


def _grad_of(name):
    return msg("transformer.grad_of", "grad of {name}", name=name)


def _values(result):
    outputs, dx, grads, _ = result
    return [outputs[0], dx, *grads]


def check_layer(sub, oracle, task, cls, init_args, state, x, mask, dout):
    """Compare output, input gradient and every parameter gradient with the reference."""
    args = (cls, list(init_args), state, x, mask, dout)
    candidates = oracle.candidates(task, run_layer, *args)
    want = oracle.run(run_layer, *args)
    if cls != "FeedForward":  # the attention tasks: the scan costs them
        refuse_forbidden_source(sub)
    got = sub.run(run_layer, *args)
    call = _describe(cls, init_args, x, mask)
    findings = got[3] if isinstance(got, (tuple, list)) and len(got) == 4 else []
    refuse_findings(findings, call)
    names = ["out", "dx", *(_grad_of(name) for name in sorted(state))]
    mistakes = candidates.map(_values)  # lazy: mutants run only when a comparison fails
    compare_all(_values(got), _values(want), names, call=call, mistakes=mistakes)


def check_eval_mode(sub, oracle, cls, init_args, state, x, mask, dout):
    """With dropout > 0, eval mode must be deterministic and equal to the reference."""
    args = (cls, list(init_args), state, x, mask, dout)
    want = oracle.run(run_layer, *args, repeats=2)
    if cls != "FeedForward":
        refuse_forbidden_source(sub)
    got = sub.run(run_layer, *args, repeats=2)
    call = msg("transformer.twice", "{call} (twice)", call=_describe(cls, init_args, x, mask))
    outputs, _, _, findings = got
    refuse_findings(findings, call)
    first, second = (np.asarray(o, dtype=float) for o in outputs)
    if first.shape != second.shape or not np.array_equal(first, second):
        problem = msg(
            "transformer.eval_differs",
            "two forward passes of the same input in eval mode differ: dropout must be off in "
            "eval mode (use nn.Dropout modules, or pass training=self.training)",
        )
        raise CheckFailure([problem], call=call)
    compare(first, want[0][0], what="out", call=call)


# ---------------------------------------------------------------------------
# Check bodies: the test modules choose the cases
# ---------------------------------------------------------------------------
def self_attention_case(sub, oracle, rng, case, scale=1.0):
    """MultiHeadSelfAttention on case (B, L, d_model, num_heads, mask kind)."""
    B, L, D, H, kind = case
    state = random_state(rng, parameter_shapes("MultiHeadSelfAttention", D), scale=scale)
    x = rng.standard_normal((B, L, D))
    mask = make_mask(rng, kind, B, L)
    dout = rng.standard_normal((B, L, D))
    check_layer(
        sub, oracle, "MultiHeadSelfAttention.forward", "MultiHeadSelfAttention", (D, H),
        state, x, mask, dout,
    )  # fmt: skip


def feed_forward_case(sub, oracle, rng, case, weight_scale=1.0, input_scale=1.0):
    """FeedForward on case (B, L, d_model, d_ff)."""
    B, L, D, F = case
    state = random_state(rng, parameter_shapes("FeedForward", D, d_ff=F), scale=weight_scale)
    x = rng.standard_normal((B, L, D)) * input_scale
    dout = rng.standard_normal((B, L, D))
    check_layer(sub, oracle, "FeedForward.forward", "FeedForward", (D, F), state, x, None, dout)


def block_case(sub, oracle, rng, case, random_scale=False):
    """TransformerBlock on case (B, L, d_model, num_heads, d_ff, mask kind); x scaled by a
    random factor in [0.5, 3) if asked."""
    B, L, D, H, F, kind = case
    state = random_state(rng, parameter_shapes("TransformerBlock", D, H, F))
    x = rng.standard_normal((B, L, D))
    if random_scale:
        x = x * rng.uniform(0.5, 3.0)
    mask = make_mask(rng, kind, B, L)
    dout = rng.standard_normal((B, L, D))
    check_layer(
        sub, oracle, "TransformerBlock.forward", "TransformerBlock", (D, H, F),
        state, x, mask, dout,
    )  # fmt: skip


def eval_mode_case(sub, oracle, rng, cls, case, dropout):
    """`cls` built with dropout `dropout` on case (B, L, d_model, num_heads, d_ff), in eval
    mode twice; the attention layers get a causal mask."""
    B, L, D, H, F = case
    init = {"MultiHeadSelfAttention": (D, H, dropout), "FeedForward": (D, F, dropout)}.get(
        cls, (D, H, F, dropout)
    )
    state = random_state(rng, parameter_shapes(cls, D, H, F))
    x = rng.standard_normal((B, L, D))
    mask = None if cls == "FeedForward" else causal_mask(L)
    dout = rng.standard_normal((B, L, D))
    check_eval_mode(sub, oracle, cls, init, state, x, mask, dout)
