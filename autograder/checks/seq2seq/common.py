"""Shared pieces of the seq2seq checks (ships with the public checks; no solution code).

How a seq2seq check works: the grader draws every input from the check's seed
(weights by parameter name, token ids, lengths, upstream gradients) and sends
them as arrays; the harness `run_seq2seq` runs inside the worker, builds the
student's module, runs one task in float64 and sends back plain arrays. The
same harness runs on the reference (and on the known mistakes) in the grader,
and the results are compared there.

Encoder, AdditiveAttention and Decoder.step are the student's own modules with
the grader's weights loaded by parameter name: outputs, input gradients and
every parameter's gradient are compared. teacher_forced_logits, greedy_decode
and beam_search get a small toy encoder and decoder defined in `harness.py`
(same call signatures, simpler maths), so a mistake in the student's Decoder
does not cost the decoding tasks, and the toy's weights make sequences end at
different steps. Decoded token lists come back as one row per source, padded
with -1.

What the assignment forbids (nn.MultiheadAttention, nn.Transformer*,
F.scaled_dot_product_attention) is kept out as in the transformer checks: the
grader's static scan of the source (`autograder.checkkit.scan`, the same list)
costs the tasks that compute attention, AdditiveAttention.forward and
Decoder.step, and nothing else; and the worker removes torch's attention
kernels before the student's code runs, so a banned call fails whichever check
it runs in (`autograder/sandbox/inside/worker.py`). The harness only names a
forbidden module the student's model holds.
"""

import numpy as np

from autograder.checkkit import CheckFailure, compare_all, msg, scan
from autograder.checks.seq2seq.harness import run_seq2seq

PAD, SOS, EOS = 0, 1, 2
# The tasks that compute attention: a finding of the static scan costs these checks only.
ATTENTION_TASKS = frozenset({"AdditiveAttention.forward", "Decoder.step"})


# ---------------------------------------------------------------------------
# Inputs drawn by the grader
# ---------------------------------------------------------------------------
def parameter_shapes(cls, V, E, H):
    """{name: shape} of every parameter of `cls` (the contract's names, torch layout)."""
    attention = {"W_q.weight": (H, H), "W_k.weight": (H, H), "v.weight": (1, H)}
    if cls == "AdditiveAttention":
        return attention
    if cls == "Encoder":
        return {
            "embed.weight": (V, E),
            "gru.weight_ih_l0": (3 * H, E),
            "gru.weight_hh_l0": (3 * H, H),
            "gru.bias_ih_l0": (3 * H,),
            "gru.bias_hh_l0": (3 * H,),
        }
    return {
        "embed.weight": (V, E),
        **{f"attn.{name}": shape for name, shape in attention.items()},
        "cell.weight_ih": (3 * H, E + H),
        "cell.weight_hh": (3 * H, H),
        "cell.bias_ih": (3 * H,),
        "cell.bias_hh": (3 * H,),
        "out.weight": (V, 2 * H),
        "out.bias": (V,),
    }


def random_state(rng, shapes, scale=1.0):
    """Embeddings ~ N(0, 1) with the PAD row 0, weights ~ N(0, scale^2 / fan_in), biases ~ N(0, 0.3^2)."""
    state = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if name.endswith("embed.weight"):
            value = rng.standard_normal(shape)
            value[PAD] = 0.0
        elif len(shape) == 2:
            value = rng.standard_normal(shape) * scale / np.sqrt(shape[1])
        else:
            value = 0.3 * rng.standard_normal(shape)
        state[name] = value
    return state


def random_lengths(rng, B, S, padded=False):
    """B lengths in 1..S in no particular order: the longest is S, or (padded) every row is padded."""
    top = S - 1 if padded else S
    lengths = rng.integers(1, top + 1, size=B)
    lengths[rng.integers(B)] = top
    return lengths.astype(np.int64)


def random_tokens(rng, lengths, S, V):
    """(B, S) int64 ids: real tokens drawn from 3 .. V-1, PAD after each row's length."""
    tokens = rng.integers(3, V, size=(len(lengths), S))
    tokens[np.arange(S)[None, :] >= np.asarray(lengths)[:, None]] = PAD
    return tokens.astype(np.int64)


def length_mask(lengths, S):
    return np.arange(S)[None, :] < np.asarray(lengths)[:, None]


def toy_state(rng, V, H, end=3.0):
    """Weights of the harness's toy encoder and decoder, by parameter name.

    The toy decoder's first state entry is a clock that grows by `dec.tick` per
    step and feeds only the EOS logit, so sequences end after about `end` steps,
    earlier or later with the source.
    """
    out = rng.standard_normal((H, V)) * 2.0 / np.sqrt(H)
    out[0] = 0.0
    out[0, EOS] = 2.0
    bias = 0.3 * rng.standard_normal(V)
    bias[EOS] -= 2.0 * 0.4 * end
    bias[[PAD, SOS]] = -10.0  # never written: a constant 0 or 1 answers nothing
    table = rng.standard_normal((V, H))
    table[:, 0] *= 2.0  # the clock starts at a different time for each source
    return {
        "enc.table": table,
        "enc.W": np.eye(H) + rng.standard_normal((H, H)) * 0.5 / np.sqrt(H),
        "dec.table": rng.standard_normal((V, H)),
        "dec.A": rng.standard_normal((H, H)) * 1.2 / np.sqrt(H),
        "dec.C": rng.standard_normal((H, H)) * 1.2 / np.sqrt(H),
        "dec.O": out,
        "dec.bias": bias,
        "dec.tick": np.full(1, 0.4),
    }


# ---------------------------------------------------------------------------
# The grader's side
# ---------------------------------------------------------------------------
def refusal(what):
    return msg(
        "seq2seq.refusal",
        "this assignment asks you to write attention yourself: your module uses {what}, which "
        "is not allowed (no F.scaled_dot_product_attention, nn.MultiheadAttention or "
        "nn.Transformer*; use matrix products, masked_fill and softmax)",
        what=what,
    )


def refuse_forbidden_source(sub, call):
    """Fail the check when the submitted source could reach a forbidden API (a static scan)."""
    scan.refuse_forbidden_source(sub, "seq2seq", refusal, call)


def _values(result):
    return result["values"] if isinstance(result, dict) else None


def check_task(sub, oracle, task, op, call, names, **kw):
    """Compare every value of one harness run of the student's code with the reference's."""
    candidates = oracle.candidates(task, run_seq2seq, op, **kw)
    want = oracle.run(run_seq2seq, op, **kw)
    if task in ATTENTION_TASKS:
        refuse_forbidden_source(sub, call)
    got = sub.run(run_seq2seq, op, **kw)
    if not isinstance(got, dict) or not isinstance(got.get("values"), list):
        returned = msg("seq2seq.not_a_run", "the run returned {type}", type=type(got).__name__)
        raise CheckFailure([returned], kind="type", call=call)
    if got.get("findings"):
        what = ", ".join(map(str, got["findings"]))
        raise CheckFailure([refusal(what)], diagnosis="forbidden-api", kind="forbidden", call=call)
    compare_all(_values(got), _values(want), names, call=call, mistakes=candidates.map(_values))
    return got


def _grad(name):
    return msg("seq2seq.grad_of", "grad of {name}", name=name)


def _grad_names(state):
    return [_grad(name) for name in sorted(state)]


def _loaded(model, scale):
    """What a check of the student's own module says it called."""
    return msg(
        "seq2seq.loaded",
        "{model} in float64 with random weights (scale {scale}) loaded by parameter name",
        model=model,
        scale=scale,
    )


def check_encoder(sub, oracle, rng, B, S, V, E, H, scale=1.0, padded=False):
    """Encoder: outputs, final state and every parameter gradient match the reference."""
    state = random_state(rng, parameter_shapes("Encoder", V, E, H), scale)
    lengths = random_lengths(rng, B, S, padded)
    src = random_tokens(rng, lengths, S, V)
    upstream = [rng.standard_normal((B, S, H)), rng.standard_normal((1, B, H))]
    call = msg(
        "seq2seq.call_encoder",
        "{loaded}: forward on src of shape {shape} with src_len {lengths}, then backward",
        loaded=_loaded(f"Encoder({V}, {E}, {H})", scale),
        shape=str(src.shape),
        lengths=str(lengths.tolist()),
    )
    names = [
        msg("seq2seq.outputs", "outputs (0 at padded positions)"),
        msg("seq2seq.final_state", "h (the state after each last real token)"),
    ]
    check_task(
        sub, oracle, "Encoder.forward", "Encoder", call, names + _grad_names(state),
        sizes=[V, E, H], state=state, src=src, src_len=lengths, upstream=upstream,
    )  # fmt: skip


def check_attention(sub, oracle, rng, B, S, H, scale=1.0, padded=False, key_scale=1.0):
    """AdditiveAttention: context, weights (exactly 0 on padding) and gradients match."""
    state = random_state(rng, parameter_shapes("AdditiveAttention", 0, 0, H), scale)
    lengths = random_lengths(rng, B, S, padded)
    mask = length_mask(lengths, S)
    query = rng.standard_normal((B, H))
    keys = rng.standard_normal((B, S, H)) * key_scale
    upstream = [rng.standard_normal((B, H)), rng.standard_normal((B, S))]
    call = msg(
        "seq2seq.call_attention",
        "{loaded}: forward on query {query}, keys {keys} and a mask with {lengths} real keys "
        "per row, then backward",
        loaded=_loaded(f"AdditiveAttention({H})", scale),
        query=str(query.shape),
        keys=str(keys.shape),
        lengths=str(lengths.tolist()),
    )
    names = ["context", "weights", _grad("query"), _grad("keys"), *_grad_names(state)]
    got = check_task(
        sub, oracle, "AdditiveAttention.forward", "AdditiveAttention", call, names,
        sizes=[H], state=state, query=query, keys=keys, mask=mask, upstream=upstream,
    )  # fmt: skip
    leak = np.abs(np.asarray(got["values"][1], dtype=float)[~mask])
    if leak.size and leak.max() > 0:
        problem = msg(
            "seq2seq.padding_weight",
            "weights: the largest weight on a padded key is {value}, expected exactly 0 (a "
            "finite score for a blocked key still leaks)",
            value=f"{leak.max():.3g}",
        )
        raise CheckFailure([problem], call=call)


def check_decoder_step(sub, oracle, rng, B, S, V, E, H, scale=1.0):
    """Decoder.step: logits, new state, weights and every gradient match the reference."""
    state = random_state(rng, parameter_shapes("Decoder", V, E, H), scale)
    lengths = random_lengths(rng, B, S)
    y_prev = rng.integers(SOS, V, size=B).astype(np.int64)
    h = np.tanh(rng.standard_normal((B, H)))
    enc_out = np.tanh(rng.standard_normal((B, S, H)))
    upstream = [
        rng.standard_normal((B, V)),
        rng.standard_normal((B, H)),
        rng.standard_normal((B, S)),
    ]
    call = msg(
        "seq2seq.call_step",
        "{loaded}: step on y_prev {tokens}, h {h}, enc_out {enc_out} and a mask with {lengths} "
        "real tokens per row, then backward",
        loaded=_loaded(f"Decoder({V}, {E}, {H})", scale),
        tokens=str(y_prev.tolist()),
        h=str(h.shape),
        enc_out=str(enc_out.shape),
        lengths=str(lengths.tolist()),
    )
    names = ["logits", "h_new", "weights", _grad("h"), _grad("enc_out"), *_grad_names(state)]
    check_task(
        sub, oracle, "Decoder.step", "Decoder.step", call, names, sizes=[V, E, H], state=state,
        y_prev=y_prev, h=h, enc_out=enc_out, mask=length_mask(lengths, S), upstream=upstream,
    )  # fmt: skip


def check_loss(sub, oracle, rng, B, T, V, scale=1.0, pads="some"):
    """seq2seq_loss: the loss and its gradient with respect to the logits match."""
    logits = rng.standard_normal((B, T, V)) * scale
    lengths = np.full(B, T) if pads == "none" else random_lengths(rng, B, T, pads == "all")
    target = random_tokens(rng, lengths, T, V)
    target[:, 0] = rng.integers(1, V, size=B)  # special ids count like any other real token
    call = msg(
        "seq2seq.call_loss",
        "seq2seq_loss(logits of shape {shape}, target with {lengths} real tokens per row), "
        "then backward",
        shape=str(logits.shape),
        lengths=str(lengths.tolist()),
    )
    check_task(
        sub, oracle, "seq2seq_loss", "seq2seq_loss", call, ["loss", _grad("logits")],
        logits=logits, target=target,
    )  # fmt: skip


def _toy_inputs(rng, B, S, V, H, end):
    lengths = random_lengths(rng, B, S, padded=B > 1)
    return toy_state(rng, V, H, end), lengths, random_tokens(rng, lengths, S, V)


def check_teacher_forcing(sub, oracle, rng, B, S, T, V, H=5):
    """teacher_forced_logits on the checks' toy model: logits and its gradients match."""
    state, lengths, src = _toy_inputs(rng, B, S, V, H, T / 2)
    tgt_in = rng.integers(3, V, size=(B, T)).astype(np.int64)
    tgt_in[:, 0] = SOS
    call = msg(
        "seq2seq.call_teacher_forcing",
        "teacher_forced_logits with the checks' toy encoder and decoder (V={V}, H={H}) on src "
        "{src} with src_len {lengths} and tgt_in {tgt_in}, then backward",
        V=V,
        H=H,
        src=str(src.shape),
        lengths=str(lengths.tolist()),
        tgt_in=str(tgt_in.shape),
    )
    names = ["logits", *_grad_names(state)]
    check_task(
        sub, oracle, "teacher_forced_logits", "teacher_forced_logits", call, names,
        state=state, src=src, src_len=lengths, tgt_in=tgt_in, upstream=rng.standard_normal((B, T, V)),
    )  # fmt: skip


def check_decoding(sub, oracle, rng, op, B, S, V, max_len, H=5, end=None, **options):
    """greedy_decode or beam_search on the checks' toy model: the same token lists."""
    end = max_len / 2 if end is None else end
    state, lengths, src = _toy_inputs(rng, B, S, V, H, end)
    shown = "".join(f", {k}={v}" for k, v in options.items())
    call = msg(
        "seq2seq.call_decoding",
        "{op}(toy encoder, toy decoder, src of shape {src}, src_len {lengths}{options}, "
        "max_len={max_len}) with the checks' toy model (V={V}, EOS = 2)",
        op=op,
        src=str(src.shape),
        lengths=str(lengths.tolist()),
        options=shown,
        max_len=max_len,
        V=V,
    )
    names = [msg("seq2seq.tokens", "tokens (one row per source, -1 after its end)")]
    check_task(
        sub, oracle, op, op, call, names, state=state, src=src, src_len=lengths,
        max_len=max_len, **options,
    )  # fmt: skip
