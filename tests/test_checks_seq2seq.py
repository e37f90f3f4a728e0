"""Do the seq2seq checks accept other correct modules, and only correct ones?

- Another correct module (no packing but masking and gathering, a batched
  product for the context, F.cross_entropy with ignore_index, a boolean mask
  built from the PAD ids, torch.topk beams) scores full marks at two seeds.
- A module whose attention also calls F.scaled_dot_product_attention is refused
  on every attention and decoder-step check, with a message that says why.
- An attention whose weights on padding are tiny but not 0 loses the attention
  checks although every number is within the comparison's tolerance.
- A mistake in Decoder costs nothing on teacher forcing and decoding: those
  run on the checks' own toy model.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from graderkit import ROOT, failures, grade_folder, mutant_folder

ANOTHER_CORRECT = """
import torch
import torch.nn.functional as F
from torch import nn

PAD, SOS, EOS = 0, 1, 2


def length_mask(lengths, max_len):
    return torch.arange(max_len)[None, :] < lengths[:, None]


class Encoder(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.gru = nn.GRU(emb, hidden, batch_first=True)

    def forward(self, src, src_len):
        states, _ = self.gru(self.embed(src))
        states = states * length_mask(src_len, src.shape[1])[..., None].to(states.dtype)
        last = states[torch.arange(src.shape[0]), src_len - 1]
        return states, last.unsqueeze(0)


class AdditiveAttention(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.W_q = nn.Linear(hidden, hidden, bias=False)
        self.W_k = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, query, keys, mask):
        e = self.v(torch.tanh(self.W_q(query).unsqueeze(1) + self.W_k(keys)))[..., 0]
        w = F.softmax(torch.where(mask, e, torch.full_like(e, -1e30)), dim=1)
        return torch.bmm(w.unsqueeze(1), keys).squeeze(1), w


class Decoder(nn.Module):
    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.attn = AdditiveAttention(hidden)
        self.cell = nn.GRUCell(emb + hidden, hidden)
        self.out = nn.Linear(2 * hidden, vocab)

    def step(self, y_prev, h, enc_out, mask):
        c, w = self.attn(h, enc_out, mask)
        h_new = self.cell(torch.cat((self.embed(y_prev), c), 1), h)
        return self.out(torch.cat((h_new, c), 1)), h_new, w


def seq2seq_loss(logits, target):
    return F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=PAD)


def teacher_forced_logits(encoder, decoder, src, src_len, tgt_in):
    enc_out, h = encoder(src, src_len)
    h, steps = h.squeeze(0), []
    for t in range(tgt_in.shape[1]):
        logits, h, _ = decoder.step(tgt_in[:, t], h, enc_out, src != PAD)
        steps.append(logits)
    return torch.stack(steps, 1)


def greedy_decode(encoder, decoder, src, src_len, max_len):
    with torch.no_grad():
        enc_out, h = encoder(src, src_len)
        h, mask = h[0], length_mask(src_len, src.shape[1])
        y = torch.full((src.shape[0],), SOS)
        alive = torch.ones(src.shape[0], dtype=torch.bool)
        out = [[] for _ in range(src.shape[0])]
        for _ in range(max_len):
            logits, h, _ = decoder.step(y, h, enc_out, mask)
            y = logits.argmax(1)
            for b in torch.nonzero(alive & (y != EOS)).flatten().tolist():
                out[b].append(int(y[b]))
            alive &= y != EOS
            if not alive.any():
                break
    return out


def beam_search(encoder, decoder, src, src_len, beam, max_len, alpha=0.7):
    results = []
    with torch.no_grad():
        enc_all, h_all = encoder(src, src_len)
        mask_all = length_mask(src_len, src.shape[1])
        for b in range(src.shape[0]):
            seqs, scores, h, done = [[]], torch.zeros(1, dtype=enc_all.dtype), h_all[0, b : b + 1], []
            for _ in range(max_len):
                K = len(seqs)
                y = torch.tensor([s[-1] if s else SOS for s in seqs])
                keys, rows = enc_all[b : b + 1].expand(K, -1, -1), mask_all[b : b + 1].expand(K, -1)
                logits, h, _ = decoder.step(y, h, keys, rows)
                total = (scores[:, None] + F.log_softmax(logits, -1)).flatten()
                alive = []
                for i in torch.topk(total, min(beam, total.numel())).indices.tolist():
                    k, v = divmod(i, logits.shape[1])
                    if v == EOS:
                        done.append((seqs[k] + [v], total[i].item()))
                    else:
                        alive.append((seqs[k] + [v], total[i], h[k]))
                if not alive:
                    break
                seqs = [a[0] for a in alive]
                scores = torch.stack([a[1] for a in alive])
                h = torch.stack([a[2] for a in alive])
            else:
                done += [(s, sc.item()) for s, sc in zip(seqs, scores)]
            best = max(done, key=lambda d: d[1] / len(d[0]) ** alpha)[0]
            results.append(best[:-1] if best[-1] == EOS else best)
    return results
"""

# Appended to the reference: the result is the reference's, but sdpa is called on the way.
CALLS_SDPA = """

# ---- the reference's attention, with a call of the fused kernel on the way ----
_reference_forward = AdditiveAttention.forward


def _forward(self, query, keys, mask):
    import torch.nn.functional as _F

    _F.scaled_dot_product_attention(query[:, None], keys, keys)
    return _reference_forward(self, query, keys, mask)


AdditiveAttention.forward = _forward
"""

SOFT_MASK = ('masked_fill(~mask, float("-inf"))', "masked_fill(~mask, -30.0)")


def _write(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "seq2seq.py").write_text(source, encoding="utf-8")
    return folder


def _reference() -> str:
    return (ROOT / "solutions" / "seq2seq" / "seq2seq.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", [7, 11])
def test_another_correct_module_scores_full_marks(tmp_path, seed):
    """Does a differently written but correct module earn every point?"""
    result = grade_folder("seq2seq", _write(tmp_path, ANOTHER_CORRECT), seed=seed)
    assert result.status == "graded", result.output
    assert result.score == result.max_score == 100, failures(result)


def test_fused_attention_is_refused(tmp_path):
    """Is a module that calls F.scaled_dot_product_attention refused where attention runs?"""
    result = grade_folder("seq2seq", _write(tmp_path, _reference() + CALLS_SDPA))
    attention = [t for t in result.tests if t.task in {"AdditiveAttention.forward", "Decoder.step"}]
    assert attention and all(t.score == 0 and t.kind == "forbidden" for t in attention)
    assert "write attention yourself" in attention[0].output
    others = [t for t in result.tests if t not in attention]
    assert all(t.score == t.max_score for t in others), failures(result)


def test_weights_on_padding_must_be_exactly_zero(tmp_path):
    """Does a score of -30 for blocked keys (weights ~1e-13, within tolerance) lose the attention checks?"""
    old, new = SOFT_MASK
    assert old in _reference()
    result = grade_folder("seq2seq", _write(tmp_path, _reference().replace(old, new)))
    attention = [t for t in result.tests if t.task == "AdditiveAttention.forward"]
    padded = [t for t in attention if "expected exactly 0" in t.output]
    assert padded and all(t.score == 0 for t in padded), failures(result)


def test_a_wrong_decoder_costs_nothing_on_decoding():
    """Do teacher forcing, greedy decoding and beam search keep their points when Decoder is wrong?"""
    mistakes = importlib.import_module("autograder.checks.seq2seq.private.mistakes").MISTAKES
    swapped = next(m for m in mistakes if m.name == "decoder_output_concat_swapped")
    result = grade_folder("seq2seq", mutant_folder("seq2seq", swapped))
    decoding = {"teacher_forced_logits", "greedy_decode", "beam_search"}
    assert all(t.score == t.max_score for t in result.tests if t.task in decoding)
    assert any(t.score == 0 for t in result.tests if t.task == "Decoder.step")
