"""Probes for the seq2seq mistakes: each runs one task on a module and returns its outputs.

The modules' weights come from the reference's classes built with a fixed seed
and are copied into the module's own classes, so a probe compares like with
like; the decoding probes run the module's functions on the reference's
encoder and decoder, whose EOS logit is raised so that sequences end early.
"""

from __future__ import annotations

import numpy as np
import torch

from autograder.paths import load_reference

ref = load_reference("seq2seq")

V, E, H = 9, 4, 6
LENGTHS = [3, 5, 1, 4, 2, 5]


def _batch(lengths=LENGTHS, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for b, n in enumerate(lengths):
        src[b, :n] = torch.randint(3, V, (n,), generator=g)
    return src, torch.tensor(lengths)


def _pair(name, mod, *args, seed=0):
    torch.manual_seed(seed)
    reference = getattr(ref, name)(*args).double()
    with torch.no_grad():
        for p in reference.parameters():
            p.normal_(0.0, 0.8)
    theirs = getattr(mod, name)(*args).double()
    theirs.load_state_dict(reference.state_dict())
    return theirs


def _models(mod, eos_bias=1.5):
    enc, dec = _pair("Encoder", ref, V, E, H, seed=1), _pair("Decoder", ref, V, E, H, seed=2)
    with torch.no_grad():
        dec.out.bias[ref.EOS] += eos_bias
    return enc, dec


def _rows(lists, width=12):
    rows = np.full((len(lists), width), -1)
    for b, row in enumerate(lists):
        rows[b, : len(row)] = row
    return rows


def run_encoder(mod):
    src, src_len = _batch()
    outputs, h = _pair("Encoder", mod, V, E, H)(src, src_len)
    return [outputs, h]


def run_attention(mod):
    g = torch.Generator().manual_seed(3)
    query = torch.randn(4, H, generator=g, dtype=torch.float64)
    keys = torch.randn(4, 5, H, generator=g, dtype=torch.float64)
    mask = ref.length_mask(torch.tensor([2, 4, 1, 3]), 5)  # every row padded
    return list(_pair("AdditiveAttention", mod, H)(query, keys, mask))


def run_step(mod):
    g = torch.Generator().manual_seed(4)
    h = torch.randn(3, H, generator=g, dtype=torch.float64)
    enc_out = torch.randn(3, 4, H, generator=g, dtype=torch.float64)
    mask = ref.length_mask(torch.tensor([4, 2, 1]), 4)
    return list(_pair("Decoder", mod, V, E, H).step(torch.tensor([1, 5, 7]), h, enc_out, mask))


def run_loss(mod):
    g = torch.Generator().manual_seed(5)
    logits = torch.randn(3, 5, V, generator=g, dtype=torch.float64)
    target = torch.randint(3, V, (3, 5), generator=g)
    target[0, 2:] = ref.PAD
    target[2, 4:] = ref.PAD
    return [mod.seq2seq_loss(logits, target)]


def run_teacher_forcing(mod):
    enc, dec = _models(ref, eos_bias=0.0)
    src, src_len = _batch()
    tgt_in = torch.randint(3, V, (len(LENGTHS), 4), generator=torch.Generator().manual_seed(6))
    tgt_in[:, 0] = ref.SOS
    return [mod.teacher_forced_logits(enc, dec, src, src_len, tgt_in)]


def run_greedy(mod):
    enc, dec = _models(ref)
    src, src_len = _batch()
    return [_rows(mod.greedy_decode(enc, dec, src, src_len, 10))]


def run_beam(mod):
    enc, dec = _models(ref)
    src, src_len = _batch()
    return [_rows(mod.beam_search(enc, dec, src, src_len, 3, 10, alpha=a)) for a in (0.0, 1.0)]


PROBES = {
    "Encoder.forward": run_encoder,
    "AdditiveAttention.forward": run_attention,
    "Decoder.step": run_step,
    "seq2seq_loss": run_loss,
    "teacher_forced_logits": run_teacher_forcing,
    "greedy_decode": run_greedy,
    "beam_search": run_beam,
}
