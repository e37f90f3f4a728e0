"""Does the seq2seq reference do what the contract says, checked with plain PyTorch and the notes' maths?

- Encoder: nn.GRU run on each source alone, without padding, gives the same
  states at the real positions and the same final state; padded outputs are 0;
- AdditiveAttention: the score v . tanh(W_q q + W_k k_s) and the softmax over
  the real keys of each row, written out per example; weights exactly 0 on
  padding;
- Decoder.step: the GRU cell's equations (torch's r, z, n gates) written out
  on [embedding; context], logits from [h_new; context];
- seq2seq_loss: F.cross_entropy with ignore_index=PAD, gradients included;
- teacher_forced_logits: a padded batch gives what each example gives alone;
- greedy_decode: a per-example argmax loop written here; beam search of width 1;
- beam_search: an exhaustive search over every output when the beam is wide
  enough to keep them all, for several alphas; its tie rule;
- the course links the assignment to quiz banks and tags that exist.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
import yaml
from numerics import scaled_error
from torch import nn

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder.paths import load_reference

ref = load_reference("seq2seq")
PAD, SOS, EOS = ref.PAD, ref.SOS, ref.EOS
TOL = 1e-10


def randomize(module: nn.Module, seed: int, scale: float = 1.0) -> nn.Module:
    """float64 copy of `module` with N(0, scale^2 / fan_in) weights and N(0, 0.3^2) biases."""
    module = module.double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(module.named_parameters()):
            if p.dim() == 2:
                p.copy_(
                    torch.randn(p.shape, generator=g, dtype=p.dtype) * scale / p.shape[1] ** 0.5
                )
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g, dtype=p.dtype))
            if name.endswith("embed.weight"):
                p[PAD] = 0.0
    return module


def padded_batch(lengths, vocab, seed):
    """(src (B, S), src_len (B,)) with real tokens drawn from 3 .. vocab-1, then PAD."""
    g = torch.Generator().manual_seed(seed)
    S = max(lengths)
    src = torch.zeros(len(lengths), S, dtype=torch.long)
    for b, n in enumerate(lengths):
        src[b, :n] = torch.randint(3, vocab, (n,), generator=g)
    return src, torch.tensor(lengths)


def test_contract_names_and_shapes():
    """Are the submodules and parameter shapes the ones the graders load weights into?"""
    V, E, H = 11, 5, 7
    enc = ref.Encoder(V, E, H)
    assert {n: tuple(p.shape) for n, p in enc.named_parameters()} == {
        "embed.weight": (V, E),
        "gru.weight_ih_l0": (3 * H, E),
        "gru.weight_hh_l0": (3 * H, H),
        "gru.bias_ih_l0": (3 * H,),
        "gru.bias_hh_l0": (3 * H,),
    }
    assert enc.gru.batch_first and not enc.gru.bidirectional and enc.gru.num_layers == 1
    dec = ref.Decoder(V, E, H)
    assert {n: tuple(p.shape) for n, p in dec.named_parameters()} == {
        "embed.weight": (V, E),
        "attn.W_q.weight": (H, H),
        "attn.W_k.weight": (H, H),
        "attn.v.weight": (1, H),
        "cell.weight_ih": (3 * H, E + H),
        "cell.weight_hh": (3 * H, H),
        "cell.bias_ih": (3 * H,),
        "cell.bias_hh": (3 * H,),
        "out.weight": (V, 2 * H),
        "out.bias": (V,),
    }
    assert (PAD, SOS, EOS) == (0, 1, 2)


@pytest.mark.parametrize("lengths", [[3, 5, 1, 4], [2, 2], [1], [6, 2, 6]])
def test_encoder_equals_gru_on_each_source_alone(lengths):
    """Real positions and the final state as nn.GRU on the unpadded source; zeros on padding?"""
    V, E, H = 9, 4, 6
    enc = randomize(ref.Encoder(V, E, H), seed=len(lengths))
    src, src_len = padded_batch(lengths, V, seed=sum(lengths))
    outputs, h = enc(src, src_len)
    assert outputs.shape == (len(lengths), max(lengths), H) and h.shape == (1, len(lengths), H)
    for b, n in enumerate(lengths):
        alone, h_alone = enc.gru(enc.embed(src[b : b + 1, :n]))
        assert scaled_error(outputs[b, :n], alone[0]) < TOL
        assert scaled_error(h[0, b], h_alone[0, 0]) < TOL
        assert torch.all(outputs[b, n:] == 0)


def notes_attention(att, query, keys, mask):
    """score_s = v . tanh(W_q q + W_k k_s), softmax over the real keys, weighted sum of keys."""
    B, S, H = keys.shape
    context = torch.zeros(B, H, dtype=keys.dtype)
    weights = torch.zeros(B, S, dtype=keys.dtype)
    w_q, w_k, v = att.W_q.weight, att.W_k.weight, att.v.weight[0]
    for b in range(B):
        real = [s for s in range(S) if mask[b, s]]
        scores = torch.stack([v @ torch.tanh(w_q @ query[b] + w_k @ keys[b, s]) for s in real])
        top = scores.max()
        exp = torch.exp(scores - top)
        for i, s in enumerate(real):
            weights[b, s] = exp[i] / exp.sum()
            context[b] += weights[b, s] * keys[b, s]
    return context, weights


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_additive_attention_is_the_notes_formula(scale):
    """Context and weights as the formula per example; 0 on padding, rows summing to 1?"""
    B, S, H = 4, 5, 6
    att = randomize(ref.AdditiveAttention(H), seed=3, scale=scale)
    g = torch.Generator().manual_seed(4)
    query = torch.randn(B, H, generator=g, dtype=torch.float64)
    keys = torch.randn(B, S, H, generator=g, dtype=torch.float64)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [1, 1, 0, 0, 0]]) > 0
    context, weights = att(query, keys, mask)
    want_c, want_w = notes_attention(att, query, keys, mask)
    assert scaled_error(context, want_c) < TOL
    assert scaled_error(weights, want_w) < TOL
    assert torch.all(weights[~mask] == 0)
    assert torch.allclose(weights.sum(-1), torch.ones(B, dtype=torch.float64), atol=1e-12)
    assert torch.all(weights[2, 0] == 1)  # one real key takes all the weight


def gru_cell_equations(cell, x, h):
    """torch.nn.GRUCell's equations: gates r, z, n in this order of the weight rows."""
    H = h.shape[-1]
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - z) * n + z * h


def test_decoder_step_is_attention_then_cell_then_output():
    """Context from attention on the previous state, the cell on [embedding; context], logits
    from [h_new; context]?"""
    V, E, H, B, S = 8, 3, 5, 3, 4
    dec = randomize(ref.Decoder(V, E, H), seed=5)
    g = torch.Generator().manual_seed(6)
    y_prev = torch.tensor([SOS, 4, 7])
    h = torch.randn(B, H, generator=g, dtype=torch.float64)
    enc_out = torch.randn(B, S, H, generator=g, dtype=torch.float64)
    mask = ref.length_mask(torch.tensor([4, 2, 1]), S)
    enc_out = enc_out * mask[..., None]
    logits, h_new, weights = dec.step(y_prev, h, enc_out, mask)
    context, want_w = notes_attention(dec.attn, h, enc_out, mask)
    x = torch.cat([dec.embed.weight[y_prev], context], dim=1)
    want_h = gru_cell_equations(dec.cell, x, h)
    want_logits = torch.cat([want_h, context], dim=1) @ dec.out.weight.T + dec.out.bias
    assert scaled_error(weights, want_w) < TOL
    assert scaled_error(h_new, want_h) < TOL
    assert scaled_error(logits, want_logits) < TOL


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_loss_is_cross_entropy_ignoring_pad(scale):
    """Value and gradient of F.cross_entropy(ignore_index=PAD) over the flattened tokens?"""
    g = torch.Generator().manual_seed(7)
    B, T, V = 3, 5, 6
    logits = scale * torch.randn(B, T, V, generator=g, dtype=torch.float64)
    target = torch.randint(3, V, (B, T), generator=g)
    target[0, 3:] = PAD
    target[2, 1:] = PAD
    target[1, 2] = SOS  # any non-PAD id counts, special or not
    a = logits.clone().requires_grad_(True)
    b = logits.clone().requires_grad_(True)
    loss = ref.seq2seq_loss(a, target)
    want = F.cross_entropy(b.reshape(-1, V), target.reshape(-1), ignore_index=PAD)
    loss.backward()
    want.backward()
    assert loss.dim() == 0
    assert abs(loss.item() - want.item()) <= TOL * abs(want.item())
    assert scaled_error(a.grad, b.grad) < TOL
    assert torch.all(a.grad[target == PAD] == 0)


def model(V=9, E=4, H=6, seed=0, eos_bias=0.0):
    enc = randomize(ref.Encoder(V, E, H), seed=seed)
    dec = randomize(ref.Decoder(V, E, H), seed=seed + 100, scale=2.0)
    with torch.no_grad():
        dec.out.bias[EOS] += eos_bias
    return enc, dec


def test_teacher_forcing_of_a_padded_batch_equals_each_example_alone():
    """Does padding change nothing, and is each step fed the true previous token?"""
    V = 9
    enc, dec = model(V)
    lengths = [4, 2, 5]
    src, src_len = padded_batch(lengths, V, seed=8)
    g = torch.Generator().manual_seed(9)
    tgt_in = torch.randint(3, V, (3, 4), generator=g)
    tgt_in[:, 0] = SOS
    logits = ref.teacher_forced_logits(enc, dec, src, src_len, tgt_in)
    assert logits.shape == (3, 4, V)
    for b, n in enumerate(lengths):
        enc_out, h = enc(src[b : b + 1, :n], src_len[b : b + 1])
        h = h[0]
        mask = torch.ones(1, n, dtype=torch.bool)
        for t in range(4):
            step, h, _ = dec.step(tgt_in[b : b + 1, t], h, enc_out, mask)
            assert scaled_error(logits[b, t], step[0]) < TOL


def greedy_alone(enc, dec, src, n, max_len):
    enc_out, h = enc(src[None, :n], torch.tensor([n]))
    h, y, out = h[0], torch.tensor([SOS]), []
    mask = torch.ones(1, n, dtype=torch.bool)
    for _ in range(max_len):
        logits, h, _ = dec.step(y, h, enc_out, mask)
        y = logits.argmax(-1)
        if y.item() == EOS:
            break
        out.append(y.item())
    return out


@pytest.mark.parametrize(("seed", "eos_bias"), [(0, 1.0), (1, 2.0), (2, 0.0), (3, 3.0)])
def test_greedy_decode_equals_a_loop_per_example_and_a_beam_of_one(seed, eos_bias):
    """Each example decoded alone gives the same tokens; a beam of width 1 is greedy?"""
    V, max_len = 9, 7
    enc, dec = model(V, seed=seed, eos_bias=eos_bias)
    lengths = [3, 5, 1, 4, 2, 5]
    src, src_len = padded_batch(lengths, V, seed=seed + 10)
    got = ref.greedy_decode(enc, dec, src, src_len, max_len)
    want = [greedy_alone(enc, dec, src[b], n, max_len) for b, n in enumerate(lengths)]
    assert got == want
    assert all(isinstance(t, int) for seq in got for t in seq)
    assert all(EOS not in seq and len(seq) <= max_len for seq in got)
    assert ref.beam_search(enc, dec, src, src_len, 1, max_len, alpha=0.7) == want


def exhaustive_best(enc, dec, src, n, max_len, alpha):
    """Every output the model can write in at most max_len steps, scored as the contract says."""
    enc_out, h0 = enc(src[None, :n], torch.tensor([n]))
    mask = torch.ones(1, n, dtype=torch.bool)
    V = dec.out.bias.shape[0]
    best = None
    for length in range(1, max_len + 1):
        for tokens in itertools.product(range(V), repeat=length):
            ended = tokens[-1] == EOS
            if EOS in tokens[:-1] or (length < max_len and not ended):
                continue
            h, y, logp = h0[0], torch.tensor([SOS]), 0.0
            for token in tokens:
                logits, h, _ = dec.step(y, h, enc_out, mask)
                logp += torch.log_softmax(logits, -1)[0, token].item()
                y = torch.tensor([token])
            key = (-logp / length**alpha, list(tokens))
            best = key if best is None or key < best else best
    tokens = best[1]
    return tokens[:-1] if tokens[-1] == EOS else tokens


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0])
def test_a_beam_wide_enough_to_keep_everything_is_exhaustive_search(alpha):
    """With beam >= V ** max_len nothing is pruned: the best output over all of them?"""
    V, max_len = 4, 3
    enc, dec = model(V, E=3, H=4, seed=4, eos_bias=0.5)
    lengths = [2, 3, 1]
    src, src_len = padded_batch(lengths, V, seed=12)
    got = ref.beam_search(enc, dec, src, src_len, V**max_len, max_len, alpha=alpha)
    want = [exhaustive_best(enc, dec, src[b], n, max_len, alpha) for b, n in enumerate(lengths)]
    assert got == want


def test_length_normalisation_changes_the_choice():
    """Do alpha = 0 and alpha = 1 pick different outputs on some example (the test has teeth)?"""
    V = 7
    enc, dec = model(V, seed=6, eos_bias=1.0)
    src, src_len = padded_batch([3, 4, 2, 5, 1, 3, 4, 2], V, seed=13)
    short = ref.beam_search(enc, dec, src, src_len, 4, 6, alpha=0.0)
    fair = ref.beam_search(enc, dec, src, src_len, 4, 6, alpha=1.0)
    assert short != fair
    assert sum(map(len, short)) <= sum(map(len, fair))


def test_ties_go_to_the_lower_token_list():
    """With every token equally likely, does the lowest token list win, at every alpha?"""
    V, max_len = 5, 4
    enc, dec = model(V, seed=7)
    with torch.no_grad():
        dec.out.weight.zero_()
        dec.out.bias.zero_()
    src, src_len = padded_batch([2, 3], V, seed=14)
    # alpha = 1: every output scores -log V per token, so all tie: [0, 0, 0, 0] is lowest.
    assert ref.beam_search(enc, dec, src, src_len, 3, max_len, alpha=1.0) == [[0] * max_len] * 2
    # alpha = 0: the shortest output, EOS alone, has the highest log-probability.
    assert ref.beam_search(enc, dec, src, src_len, 3, max_len, alpha=0.0) == [[], []]
    assert ref.greedy_decode(enc, dec, src, src_len, max_len) == [[0] * max_len] * 2
    assert math.isclose(
        torch.log_softmax(dec.step(torch.tensor([SOS]), torch.zeros(1, 6, dtype=torch.float64),
                                   torch.zeros(1, 2, 6, dtype=torch.float64),
                                   torch.ones(1, 2, dtype=torch.bool))[0], -1)[0, 0].item(),
        -math.log(V),
    )  # fmt: skip


def test_course_links_seq2seq_to_existing_quiz_banks_and_tags(root):
    """Do the quiz banks and tags that course.toml links to the seq2seq assignment exist?"""
    entry = tomllib.loads((root / "course" / "course.toml").read_text())["assignments"]["seq2seq"]
    assert entry["quizzes"] and entry["quiz_tags"]
    tags = set()
    for bank in entry["quizzes"]:
        path = root / "course" / "quizzes" / f"{bank}.yaml"
        assert path.is_file(), f"course.toml links seq2seq to a missing quiz bank {bank!r}"
        for question in yaml.safe_load(path.read_text())["questions"]:
            tags.update(question.get("tags", []))
    missing = sorted(set(entry["quiz_tags"]) - tags)
    assert not missing, f"no linked quiz question carries the tags {missing}"
