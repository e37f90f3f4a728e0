"""The inputs of the bert checks, drawn by the grader (ships with the public checks).

Parameter shapes by name for the harness's models, weights drawn from the
check's rng, token ids with padding, special tokens and segment pairs.
"""

import numpy as np

PAD, CLS, SEP, MASK = 0, 1, 2, 3


def linear_shapes(prefix, fan_in, fan_out):
    return {f"{prefix}.weight": (fan_out, fan_in), f"{prefix}.bias": (fan_out,)}


def block_shapes(cls, D, F=None):
    """{name: shape} of the parameters of a transformer.py class (the contract's names)."""
    attn = {}
    for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
        attn.update(linear_shapes(name, D, D))
    if cls == "MultiHeadSelfAttention":
        return attn
    ff = {**linear_shapes("fc1", D, F), **linear_shapes("fc2", F, D)}
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
    return {
        **linear_shapes(f"{prefix}pooler", dim, dim),
        **linear_shapes(f"{prefix}head", dim, num_classes),
    }


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
