"""Shared pieces of the bert checks (ships with the public checks; no solution code).

How a bert check works: the grader draws every input from the check's seed
(token ids with padding and special tokens, generator seeds, weights by
parameter name, upstream gradients) and sends them as arrays; the harness
`run_bert` (harness.py) runs inside the worker, builds the student's module,
runs one task in float64 and sends back plain arrays. The same harness runs on
the reference (and on the known mistakes) in the grader, and the results are
compared there.

mask_tokens must reproduce the reference exactly from a generator with the
same seed (the contract fixes the order of the draws); one check also reads
the shares of a large masked batch. fine_tune trains a small classifier the
harness brings, and the padding mask is also checked inside a BertEncoder
built with the harness's mixing blocks, so neither depends on the student's
Transformer block. A BertClassifier with blocks and a few checks of the
student's MultiHeadSelfAttention, FeedForward and TransformerBlock use the
transformer.py of the submission.

Bans (as in the transformer checks): every check that involves blocks reads
every submitted file for torch's attention APIs and every way to reach them
(`autograder.checkkit.scan`, the bert entry: the transformer's list), and the
worker removes torch's attention kernels before the submission's code runs, so
a call by any route fails the check it runs in
(`autograder/sandbox/inside/worker.py`). The harness only names a forbidden
module the student's model holds.
"""

import numpy as np

from autograder.checkkit import CheckFailure, compare_all, msg, scan
from autograder.checks.bert.harness import run_bert
from autograder.checks.bert.inputs import (
    PAD,
    block_shapes,
    embedding_shapes,
    head_shapes,
    linear_shapes,
    random_pairs,
    random_state,
)


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def refusal(what):
    """The message that refuses a forbidden attention API (`what` names what was found)."""
    return msg(
        "bert.refusal",
        "your blocks must be your own attention: the submission uses {what}, which is not "
        "allowed (no F.scaled_dot_product_attention, nn.MultiheadAttention or nn.Transformer*)",
        what=what,
    )


def refuse_forbidden_source(sub):
    """Fail the check when any submitted file could reach a forbidden API (a static scan)."""
    scan.refuse_forbidden_source(sub, "bert", refusal)


def _values(result):
    return result["values"] if isinstance(result, dict) else None


def check_task(sub, oracle, task, op, call, names, *, scan=False, **kw):
    """Compare every value of one harness run of the student's code with the reference's."""
    candidates = oracle.candidates(task, run_bert, op, **kw)

    def student():
        if scan:
            refuse_forbidden_source(sub)
        return sub.run(run_bert, op, **kw)

    # the reference runs while the worker does (both may train: each imports torch._dynamo)
    got, want = oracle.run_alongside(student, run_bert, op, **kw)
    if not isinstance(got, dict) or not isinstance(got.get("values"), list):
        reply = msg("bert.bad_reply", "the run returned {what}", what=type(got).__name__)
        raise CheckFailure([reply], kind="type", call=call)
    if got.get("findings"):
        what = ", ".join(map(str, got["findings"]))
        raise CheckFailure([refusal(what)], diagnosis="forbidden-api", kind="forbidden", call=call)
    compare_all(_values(got), _values(want), names, call=call, mistakes=candidates.map(_values))
    return got


def _grad_of(name):
    return msg("bert.grad_of", "grad of {name}", name=name)


def _grad_names(state):
    return [_grad_of(name) for name in sorted(state)]


def shape_text(array):
    return str(tuple(np.shape(array)))


def check_embeddings(sub, oracle, rng, B, L, V, max_len, D, n_segments=2, segments=True):
    """BertEmbeddings.forward: the output and every parameter gradient match the reference."""
    state = random_state(rng, embedding_shapes(V, max_len, D, n_segments))
    ids = rng.integers(0, V, size=(B, L)).astype(np.int64)
    segs = rng.integers(0, n_segments, size=(B, L)).astype(np.int64) if segments else None
    model = f"BertEmbeddings({V}, {max_len}, {D}, {n_segments})"
    if segs is None:
        call = msg(
            "bert.call_embeddings",
            "{model} in float64 with random weights loaded by parameter name, forward on ids of "
            "shape {shape} without segments, then backward",
            model=model,
            shape=shape_text(ids),
        )
    else:
        call = msg(
            "bert.call_embeddings_segments",
            "{model} in float64 with random weights loaded by parameter name, forward on ids and "
            "segments of shape {shape}, then backward",
            model=model,
            shape=shape_text(ids),
        )
    check_task(
        sub, oracle, "BertEmbeddings.forward", "BertEmbeddings", call,
        ["out", *_grad_names(state)], sizes=[V, max_len, D, n_segments], state=state, ids=ids,
        segments=segs, upstream=rng.standard_normal((B, L, D)),
    )  # fmt: skip


def check_attention_mask(sub, oracle, rng, B, L, V, pad_id=PAD):
    """attention_mask: the same (B, L, L) mask as the reference."""
    ids, _ = random_pairs(rng, B, L, V)
    if pad_id != PAD:
        ids = np.where(ids == PAD, pad_id, np.where(ids == pad_id, PAD, ids))
    call = msg(
        "bert.call_attention_mask",
        "attention_mask(padded ids of shape {shape}, pad_id={pad})",
        shape=shape_text(ids),
        pad=pad_id,
    )
    check_task(sub, oracle, "attention_mask", "attention_mask", call, ["mask"], ids=ids,
               pad_id=pad_id)  # fmt: skip


def check_mask_in_encoder(sub, oracle, rng, B, L, V, D, depth):
    """BertEncoder with the checks' mixing blocks: padding reaches no real token."""
    shapes = embedding_shapes(V, L, D, 2, prefix="embed.")
    shapes.update({"norm.weight": (D,), "norm.bias": (D,)})
    for i in range(depth):
        shapes.update(linear_shapes(f"blocks.{i}.mix", D, D))
    state = random_state(rng, shapes)
    ids, segments = random_pairs(rng, B, L, V)
    call = msg(
        "bert.call_mixing_encoder",
        "{model} with the checks' mixing blocks (each token adds the mean of the tokens its mask "
        "row allows) on padded ids of shape {shape}, then backward",
        model=f"BertEncoder({V}, {L}, {D}, depth={depth})",
        shape=shape_text(ids),
    )
    check_task(
        sub, oracle, "attention_mask", "mask_in_encoder", call, ["out", *_grad_names(state)],
        sizes=[V, L, D, depth], state=state, ids=ids, segments=segments, pad_id=PAD,
        upstream=rng.standard_normal((B, L, D)),
    )  # fmt: skip


def check_mlm_loss(sub, oracle, rng, B, L, V, labelled=0.3, scale=1.0):
    """mlm_loss: the loss and its gradient with respect to the logits match the reference."""
    logits = rng.standard_normal((B, L, V)) * scale
    labels = rng.integers(0, V, size=(B, L)).astype(np.int64)
    chosen = rng.random((B, L)) < labelled
    chosen.flat[rng.integers(B * L)] = True
    labels[~chosen] = -100
    call = msg(
        "bert.call_mlm_loss",
        "mlm_loss(logits of shape {shape}, labels with {count} labelled positions and -100 "
        "elsewhere), then backward",
        shape=shape_text(logits),
        count=int(chosen.sum()),
    )
    check_task(
        sub, oracle, "mlm_loss", "mlm_loss", call, ["loss", _grad_of("logits")],
        logits=logits, labels=labels, upstream=float(rng.uniform(0.5, 2.0)),
    )  # fmt: skip


def check_cls_head(sub, oracle, rng, B, L, D, K, scale=1.0, dropout=0.0, repeats=1):
    """ClsHead.forward: logits, the gradient of h and every parameter gradient match."""
    state = random_state(rng, head_shapes(D, K), scale)
    h = rng.standard_normal((B, L, D))
    call = msg(
        "bert.call_cls_head",
        "{model} in float64 (eval mode) with random weights loaded by parameter name, forward "
        "on h of shape {shape} ({count} times), then backward",
        model=f"ClsHead({D}, {K}, dropout={dropout})",
        shape=shape_text(h),
        count=repeats,
    )
    names = ["logits", _grad_of("h"), *_grad_names(state)]
    names += [
        msg("bert.logits_again", "logits of forward pass {number}", number=i + 2)
        for i in range(repeats - 1)
    ]
    check_task(
        sub, oracle, "ClsHead.forward", "ClsHead", call, names, sizes=[D, K, dropout],
        state=state, h=h, upstream=rng.standard_normal((B, K)), repeats=repeats,
    )  # fmt: skip


def _tiny_data(rng, sizes, V, L, K):
    out = []
    for n in sizes:
        ids = rng.integers(0, V, size=(n, L)).astype(np.int64)
        segments = (rng.random((n, L)) < 0.5).astype(np.int64)
        out.append([ids, segments, rng.integers(0, K, size=n).astype(np.int64)])
    return out


def check_fine_tune(sub, oracle, rng, train_sizes, val_sizes, epochs, lr, weight_decay=0.0,
                    start_in_eval=False, V=12, E=5, K=3, L=4):  # fmt: skip
    """fine_tune on the checks' classifier: the history and the trained weights match."""
    state = {
        "tok.weight": rng.standard_normal((V, E)),
        "seg.weight": rng.standard_normal((2, E)),
        "bn.weight": 1.0 + 0.2 * rng.standard_normal(E),
        "bn.bias": 0.1 * rng.standard_normal(E),
        "out.weight": rng.standard_normal((K, E)) / np.sqrt(E),
        "out.bias": 0.1 * rng.standard_normal(K),
    }
    train = _tiny_data(rng, train_sizes, V, L, K)
    val = _tiny_data(rng, val_sizes, V, L, K) if val_sizes else None
    mode = "eval" if start_in_eval else "train"
    options = f"epochs={epochs}, lr={lr}, weight_decay={weight_decay}"
    if val is None:
        call = msg(
            "bert.call_fine_tune",
            "fine_tune(the checks' classifier (embeddings, batch norm, a linear layer) handed "
            "over in {mode} mode, batches of sizes {sizes}, {options}, no val_loader)",
            mode=mode,
            sizes=str(list(train_sizes)),
            options=options,
        )
    else:
        call = msg(
            "bert.call_fine_tune_val",
            "fine_tune(the checks' classifier (embeddings, batch norm, a linear layer) handed "
            "over in {mode} mode, batches of sizes {sizes}, {options}, a val_loader of batches "
            "of sizes {val})",
            mode=mode,
            sizes=str(list(train_sizes)),
            options=options,
            val=str(list(val_sizes)),
        )
    names = ['history["train_loss"]', 'history["val_loss"]', 'history["val_acc"]']
    after = [*sorted(state), "bn.running_mean", "bn.running_var"]
    names += [msg("bert.after_training", "{name} after training", name=name) for name in after]
    check_task(
        sub, oracle, "fine_tune", "fine_tune", call, names, sizes=[V, E, K], state=state,
        train=train, val=val, epochs=epochs, lr=lr, weight_decay=weight_decay,
        start_in_eval=start_in_eval,
    )  # fmt: skip


def classifier_sizes(vocab, max_len, dim, depth, heads, mlp_dim, num_classes):
    return {"vocab": vocab, "max_len": max_len, "dim": dim, "depth": depth, "heads": heads,
            "mlp_dim": mlp_dim, "num_classes": num_classes}  # fmt: skip


def check_classifier(sub, oracle, rng, B, L, sizes):
    """BertClassifier with your blocks: logits and every parameter gradient match."""
    D = sizes["dim"]
    shapes = embedding_shapes(sizes["vocab"], sizes["max_len"], D, 2, prefix="encoder.embed.")
    shapes.update({"encoder.norm.weight": (D,), "encoder.norm.bias": (D,)})
    for i in range(sizes["depth"]):
        for name, shape in block_shapes("TransformerBlock", D, sizes["mlp_dim"]).items():
            shapes[f"encoder.blocks.{i}.{name}"] = shape
    shapes.update(head_shapes(D, sizes["num_classes"], prefix="cls_head."))
    state = random_state(rng, shapes)
    ids, segments = random_pairs(rng, B, L, sizes["vocab"])
    call = msg(
        "bert.call_classifier",
        "BertClassifier({encoder}, {classes}) with your TransformerBlock, in float64 with random "
        "weights loaded by parameter name, forward on padded sentence pairs of shape {shape}, "
        "then backward",
        encoder="BertEncoder("
        + ", ".join(f"{k}={v}" for k, v in sizes.items() if k != "num_classes")
        + ")",
        classes=sizes["num_classes"],
        shape=shape_text(ids),
    )
    check_task(
        sub, oracle, "TransformerBlock.forward", "classifier", call,
        ["logits", *_grad_names(state)], scan=True, sizes=sizes, state=state, ids=ids,
        segments=segments, upstream=rng.standard_normal((B, sizes["num_classes"])),
    )  # fmt: skip


def check_block(sub, oracle, rng, cls, B, L, D, heads=2, F=16, padded=False):
    """A class of the submission's transformer.py: output and every gradient match."""
    state = random_state(rng, block_shapes(cls, D, F))
    x = rng.standard_normal((B, L, D))
    mask = None
    if padded:  # a padding mask, as BERT's encoder passes it: (B, L, L)
        lengths = rng.integers(1, L + 1, size=B)
        lengths[rng.integers(B)] = L
        keys = np.arange(L)[None, :] < lengths[:, None]
        mask = np.repeat(keys[:, None, :], L, axis=1)
    init = {"MultiHeadSelfAttention": [D, heads], "FeedForward": [D, F]}.get(cls, [D, heads, F])
    model = f"{cls}({', '.join(map(str, init))})"
    if mask is None:
        call = msg(
            "bert.call_block",
            "{model} of your transformer.py in float64 with random weights loaded by parameter "
            "name, forward on x of shape {shape} with no mask, then backward (`dlcourse check "
            "transformer` explains a failure here in detail)",
            model=model,
            shape=shape_text(x),
        )
    else:
        call = msg(
            "bert.call_block_padded",
            "{model} of your transformer.py in float64 with random weights loaded by parameter "
            "name, forward on x of shape {shape} with a padding mask of shape {mask}, then "
            "backward (`dlcourse check transformer` explains a failure here in detail)",
            model=model,
            shape=shape_text(x),
            mask=shape_text(mask),
        )
    check_task(
        sub, oracle, f"{cls}.forward", "block", call, ["out", _grad_of("x"), *_grad_names(state)],
        scan=cls != "FeedForward", cls=cls, init=init, state=state, x=x, mask=mask,
        upstream=rng.standard_normal(x.shape),
    )  # fmt: skip
