"""Probes for the transformer mistakes: each runs one task on a module and returns its outputs."""

from __future__ import annotations

import torch

from autograder.paths import load_reference

ref = load_reference("transformer")

B, L, D, H, F_ = 2, 5, 8, 2, 16


def _pair(ref_cls, mutant_cls, *args):
    torch.manual_seed(0)
    a = ref_cls(*args).double()
    b = mutant_cls(*args).double()
    b.load_state_dict(a.state_dict())
    return a, b


def _inputs():
    g = torch.Generator().manual_seed(1)
    x = 2 * torch.randn(B, L, D, dtype=torch.float64, generator=g)
    return x, torch.ones(L, L, dtype=torch.bool).tril()


def run_mhsa(mod):
    a, b = _pair(ref.MultiHeadSelfAttention, mod.MultiHeadSelfAttention, D, H)
    x, mask = _inputs()
    return a(x, mask), b(x, mask)


def run_ff(mod):
    a, b = _pair(ref.FeedForward, mod.FeedForward, D, F_)
    x, _ = _inputs()
    return a(x), b(x)


def run_block(mod):
    a, b = _pair(ref.TransformerBlock, mod.TransformerBlock, D, H, F_)
    x, mask = _inputs()
    return a(x, mask), b(x, mask)


RUNNERS = {
    "MultiHeadSelfAttention.forward": run_mhsa,
    "FeedForward.forward": run_ff,
    "TransformerBlock.forward": run_block,
}

# Each runner builds the reference's layer and the module's with the same
# weights; the module's output is the probe's answer.
PROBES = {
    task: (lambda module, run=run: [run(module)[1].detach().numpy()])
    for task, run in RUNNERS.items()
}
