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

Bans: the harness watches for torch's attention functions and modules, and
every check that involves blocks reads every submitted file for them (the
transformer assignment's list, `autograder.checkkit.scan`).
"""

import ast

import numpy as np

from autograder.checkkit import CheckFailure, compare_all, scan_files
from autograder.checks.bert.harness import run_bert

PAD, CLS, SEP, MASK = 0, 1, 2, 3
REFUSAL = (
    "your blocks must be your own attention: the submission uses {what}, which is not "
    "allowed (no F.scaled_dot_product_attention, nn.MultiheadAttention or nn.Transformer*)"
)


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


def embedding_shapes(vocab, max_len, dim, n_segments, prefix=""):
    return {
        f"{prefix}tok.weight": (vocab, dim),
        f"{prefix}pos.weight": (max_len, dim),
        f"{prefix}seg.weight": (n_segments, dim),
        f"{prefix}norm.weight": (dim,),
        f"{prefix}norm.bias": (dim,),
    }


def head_shapes(dim, num_classes, prefix=""):
    return {**_linear(f"{prefix}pooler", dim, dim), **_linear(f"{prefix}head", dim, num_classes)}


def random_state(rng, shapes, scale=1.0):
    """Layer norms around (1, 0), embeddings ~ N(0, 1), weights ~ N(0, scale^2 / fan_in), biases ~ N(0, 0.3^2)."""
    state = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if "norm" in name or ".ln" in name or name.startswith("ln"):
            base = 1.0 if name.endswith("weight") else 0.0
            state[name] = base + 0.3 * rng.standard_normal(shape)
        elif name.endswith(("tok.weight", "pos.weight", "seg.weight")):
            state[name] = rng.standard_normal(shape)
        elif name.endswith("weight"):
            state[name] = rng.standard_normal(shape) * scale / np.sqrt(shape[1])
        else:
            state[name] = 0.3 * rng.standard_normal(shape)
    return state


def random_pairs(rng, B, L, V, padded=True):
    """(ids, segments) of B sentence pairs [CLS] A [SEP] B [SEP], padded to L.

    Every row has at least one word in each sentence; with `padded`, every row
    but one ends in padding (lengths differ), otherwise no row is padded.
    """
    ids = np.full((B, L), PAD, dtype=np.int64)
    segments = np.zeros((B, L), dtype=np.int64)
    full = rng.integers(B)
    for b in range(B):  # L >= 5: [CLS] a [SEP] b [SEP] with one word each at least
        length = int(rng.integers(5, L)) if padded and b != full and L > 5 else L
        a = int(rng.integers(1, length - 3))  # words of sentence A: positions 1 .. a
        words = rng.integers(4, V, size=length)
        ids[b, :length] = words
        ids[b, 0], ids[b, a + 1], ids[b, length - 1] = CLS, SEP, SEP
        segments[b, a + 2 : length] = 1
    return ids, segments


def random_ids(rng, B, L, V, special_ids, special_share=0.2):
    """Token ids with special ids scattered among the words (and padding at the ends)."""
    words = [i for i in range(V) if i not in special_ids]
    ids = rng.choice(words, size=(B, L))
    spots = rng.random((B, L)) < special_share
    ids[spots] = rng.choice(sorted(special_ids), size=int(spots.sum()))
    return ids.astype(np.int64)


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def _module_mode_calls(data):
    """Lines that call a method `.eval()` without arguments (a module's eval mode)."""
    try:
        tree = ast.parse(data.decode("utf-8", errors="replace"))
    except SyntaxError:
        return set()
    return {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "eval"
        and not node.args
        and not node.keywords
    }


def refuse_forbidden_source(sub):
    """Fail the check when any submitted file could reach a forbidden API (a static scan).

    The scan reads `x.eval()` as the builtin eval; a call of a method named eval
    without arguments (`model.eval()`) cannot build code from a string, so it is
    not held against the submission.
    """
    files = {}
    for path in sorted(sub.spec.folder.glob("*.py")):
        try:
            files[path.name] = path.read_bytes()
        except OSError:
            continue
    found = [
        finding
        for finding in scan_files(files, "transformer")  # the transformer assignment's bans
        if not (
            finding.what.endswith("(eval)")
            and finding.line in _module_mode_calls(files.get(finding.file, b""))
        )
    ]
    if found:
        shown = "; ".join(str(f) for f in found[:3]) + (" ..." if len(found) > 3 else "")
        raise CheckFailure(REFUSAL.format(what=shown), diagnosis="forbidden-api", kind="forbidden")


def _values(result):
    return result["values"] if isinstance(result, dict) else None


def check_task(sub, oracle, task, op, call, names, *, scan=False, **kw):
    """Compare every value of one harness run of the student's code with the reference's."""
    candidates = oracle.candidates(task, run_bert, op, **kw)
    want = oracle.run(run_bert, op, **kw)
    if scan:
        refuse_forbidden_source(sub)
    got = sub.run(run_bert, op, **kw)
    if not isinstance(got, dict) or not isinstance(got.get("values"), list):
        raise CheckFailure(f"{call}\n  the run returned {type(got).__name__}", kind="type")
    if got.get("findings"):
        what = ", ".join(map(str, got["findings"]))
        raise CheckFailure(
            f"{call}\n  " + REFUSAL.format(what=what), diagnosis="forbidden-api", kind="forbidden"
        )
    compare_all(_values(got), _values(want), names, call=call, mistakes=candidates.map(_values))
    return got


def _grad_names(state):
    return [f"grad of {name}" for name in sorted(state)]


def check_mask_tokens(sub, oracle, rng, B, L, V, special_ids, p=0.15, special_share=0.2):
    """mask_tokens: the same input ids and labels as the reference, from the same seed."""
    ids = random_ids(rng, B, L, V, special_ids, special_share)
    seed = int(rng.integers(2**31))
    call = (
        f"mask_tokens(ids of shape {ids.shape}, vocab_size={V}, mask_id={MASK}, special_ids="
        f"{sorted(special_ids)}, torch.Generator().manual_seed({seed}), p={p})"
    )
    names = ["input_ids", "labels", "ids unchanged"]
    check_task(
        sub, oracle, "mask_tokens", "mask_tokens", call, names,
        ids=ids, vocab_size=V, mask_id=MASK, special_ids=sorted(special_ids), seed=seed, p=p,
    )  # fmt: skip


def check_mask_shares(sub, rng, B=100, L=200, V=50):
    """mask_tokens on many tokens: BERT's shares, whatever the order of the draws.

    About p of the non-special tokens are selected (never a special one); of the
    selected, about 80% become the mask, 10% a random word (never special) and
    10% stay; labels are the original ids where selected, -100 elsewhere.
    """
    special = [PAD, CLS, SEP, MASK]
    ids = random_ids(rng, B, L, V, set(special), 0.25)
    seed = int(rng.integers(2**31))
    call = (
        f"mask_tokens(ids of shape {ids.shape}, vocab_size={V}, mask_id={MASK}, special_ids="
        f"{special}, torch.Generator().manual_seed({seed}), p=0.15)"
    )
    kw = {"ids": ids, "vocab_size": V, "mask_id": MASK, "special_ids": special, "seed": seed,
          "p": 0.15}  # fmt: skip
    got = sub.run(run_bert, "mask_tokens", **kw)
    inputs, labels = (np.asarray(v) for v in got["values"][:2])
    is_special = np.isin(ids, special)
    selected = labels != -100
    problems = []
    if inputs.shape != ids.shape or labels.shape != ids.shape:
        raise CheckFailure(f"{call}\n  outputs of shape {inputs.shape}, {labels.shape}, "
                           f"expected {ids.shape}", kind="shape")  # fmt: skip
    if (selected & is_special).any():
        problems.append(f"{int((selected & is_special).sum())} special tokens were selected")
    if not np.array_equal(labels[selected], ids[selected]):
        problems.append("a label is not the original id of its position")
    if not np.array_equal(inputs[~selected], ids[~selected]):
        problems.append("a position that was not selected changed")
    n_words, n = int((~is_special).sum()), int(selected.sum())
    share = n / n_words

    def off(value, expected, count):  # more than 5 standard deviations away
        return abs(value - expected) > 5 * np.sqrt(expected * (1 - expected) / max(count, 1))

    if off(share, 0.15, n_words):
        problems.append(f"{share:.1%} of the words were selected, expected about 15%")
    if n:
        masked = float(np.mean(inputs[selected] == MASK))
        kept = float(np.mean(inputs[selected] == ids[selected]))
        other = selected & (inputs != MASK) & (inputs != ids)
        if np.isin(inputs[other], special).any():
            problems.append("a random word is a special id")
        if off(masked, 0.8, n):
            problems.append(f"{masked:.1%} of the selected became the mask, expected about 80%")
        if off(kept, 0.1 + 0.1 / (V - 4), n):
            problems.append(f"{kept:.1%} of the selected kept their token, expected about 10%")
    if problems:
        raise CheckFailure(f"{call}\n  " + "\n  ".join(problems))


def check_embeddings(sub, oracle, rng, B, L, V, max_len, D, n_segments=2, segments=True):
    """BertEmbeddings.forward: the output and every parameter gradient match the reference."""
    state = random_state(rng, embedding_shapes(V, max_len, D, n_segments))
    ids = rng.integers(0, V, size=(B, L)).astype(np.int64)
    segs = rng.integers(0, n_segments, size=(B, L)).astype(np.int64) if segments else None
    shown = "no segments" if segs is None else f"segments of shape {segs.shape}"
    call = (
        f"BertEmbeddings({V}, {max_len}, {D}, {n_segments}) in float64 with random weights "
        f"loaded by parameter name, forward on ids of shape {ids.shape} and {shown}, then backward"
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
    call = f"attention_mask(ids of shape {ids.shape} with padding id {pad_id}, pad_id={pad_id})"
    check_task(sub, oracle, "attention_mask", "attention_mask", call, ["mask"], ids=ids,
               pad_id=pad_id)  # fmt: skip


def check_mask_in_encoder(sub, oracle, rng, B, L, V, D, depth):
    """BertEncoder with the checks' mixing blocks: padding reaches no real token."""
    shapes = embedding_shapes(V, L, D, 2, prefix="embed.")
    shapes.update({"norm.weight": (D,), "norm.bias": (D,)})
    for i in range(depth):
        shapes.update(_linear(f"blocks.{i}.mix", D, D))
    state = random_state(rng, shapes)
    ids, segments = random_pairs(rng, B, L, V)
    call = (
        f"BertEncoder({V}, {L}, {D}, depth={depth}) with the checks' mixing blocks (each token "
        f"adds the mean of the tokens its mask row allows) on padded ids of shape {ids.shape}, "
        "then backward"
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
    call = (
        f"mlm_loss(logits of shape {logits.shape}, labels with {int(chosen.sum())} labelled "
        "positions and -100 elsewhere), then backward"
    )
    check_task(
        sub, oracle, "mlm_loss", "mlm_loss", call, ["loss", "grad of logits"],
        logits=logits, labels=labels, upstream=float(rng.uniform(0.5, 2.0)),
    )  # fmt: skip


def check_cls_head(sub, oracle, rng, B, L, D, K, scale=1.0, dropout=0.0, repeats=1):
    """ClsHead.forward: logits, the gradient of h and every parameter gradient match."""
    state = random_state(rng, head_shapes(D, K), scale)
    h = rng.standard_normal((B, L, D))
    call = (
        f"ClsHead({D}, {K}, dropout={dropout}) in float64 (eval mode) with random weights loaded "
        f"by parameter name, forward on h of shape {h.shape}"
        f"{f' ({repeats} times)' if repeats > 1 else ''}, then backward"
    )
    names = ["logits", "grad of h", *_grad_names(state)]
    names += [f"logits of forward pass {i + 2}" for i in range(repeats - 1)]
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
    call = (
        f"fine_tune(the checks' classifier (embeddings, batch norm, linear; handed over in "
        f"{'eval' if start_in_eval else 'train'} mode), {len(train_sizes)} batches of sizes "
        f"{list(train_sizes)}, epochs={epochs}, lr={lr}, weight_decay={weight_decay}, "
        f"val_loader={'None' if val is None else f'{len(val_sizes)} batches'})"
    )
    names = ['history["train_loss"]', 'history["val_loss"]', 'history["val_acc"]']
    names += [f"{name} after training" for name in sorted(state)]
    names += ["bn.running_mean after training", "bn.running_var after training"]
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
    shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
    call = (
        f"BertClassifier(BertEncoder({shown}) with your TransformerBlock) in float64 with random "
        f"weights loaded by parameter name, forward on padded sentence pairs of shape "
        f"{ids.shape}, then backward"
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
    mask_text = "no mask" if mask is None else f"a padding mask of shape {mask.shape}"
    call = (
        f"{cls}({', '.join(map(str, init))}) of your transformer.py in float64 with random "
        f"weights loaded by parameter name, forward on x of shape {x.shape} with {mask_text}, "
        "then backward (`dlcourse check transformer` explains a failure here in detail)"
    )
    check_task(
        sub, oracle, f"{cls}.forward", "block", call, ["out", "grad of x", *_grad_names(state)],
        scan=cls != "FeedForward", cls=cls, init=init, state=state, x=x, mask=mask,
        upstream=rng.standard_normal(x.shape),
    )  # fmt: skip
