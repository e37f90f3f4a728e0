"""Probes for the bert mistakes: each runs one task on a module and returns its outputs.

Models get the weights of the reference's classes built with a fixed seed (and
made non-trivial), so a probe compares like with like; mask_tokens runs from a
seeded generator; fine_tune trains a small classifier with batch norm, handed
over in eval mode, on uneven batches with weight decay and a validation set.
"""

from __future__ import annotations

import torch
from torch import nn

from autograder.paths import load_reference

ref = load_reference("bert")

IDS = torch.tensor(
    [[1, 7, 8, 2, 9, 3, 2, 0, 0], [1, 5, 6, 5, 2, 4, 11, 10, 2], [1, 4, 2, 8, 2, 0, 0, 0, 0]]
)
SEGMENTS = torch.tensor(
    [[0, 0, 0, 0, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 0, 0, 0, 0]]
)


def _randn(*shape, seed=0):
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def _pair(name, mod, *args, seed=0):
    torch.manual_seed(seed)
    reference = getattr(ref, name)(*args).double()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in reference.parameters():
            p.copy_(torch.randn(p.shape, dtype=p.dtype, generator=g))
    theirs = getattr(mod, name)(*args).double()
    theirs.load_state_dict(reference.state_dict())
    return theirs.eval()


def run_mask_tokens(mod):
    ids = IDS.repeat(20, 1)
    return list(mod.mask_tokens(ids, 12, 3, [0, 1, 2, 3], torch.Generator().manual_seed(0), p=0.5))


def run_embeddings(mod):
    return [_pair("BertEmbeddings", mod, 12, 12, 6)(IDS, SEGMENTS)]  # L = 9 < max_len


def run_attention_mask(mod):
    return [mod.attention_mask(IDS, 0)]


def run_mlm_loss(mod):
    labels = torch.where(IDS > 5, IDS, torch.full_like(IDS, -100))
    return [mod.mlm_loss(_randn(3, 9, 12), labels)]


def run_cls_head(mod):
    return [_pair("ClsHead", mod, 6, 3)(_randn(3, 9, 6, seed=2))]


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(12, 4)
        self.bn = nn.BatchNorm1d(4)
        self.out = nn.Linear(4, 3)

    def forward(self, ids, segments=None):
        return self.out(torch.tanh(self.bn(self.tok(ids).mean(dim=1))))


def run_fine_tune(mod):
    torch.manual_seed(0)
    model = _Tiny().double().eval()
    y = torch.tensor([0, 2, 1])
    loader = [(IDS, SEGMENTS, y), (IDS[:2], SEGMENTS[:2], y[:2])]
    with torch.enable_grad():  # the mistakes test runs probes under no_grad; training needs grad
        history = mod.fine_tune(model, loader, 3, 0.1, weight_decay=0.5, val_loader=loader[:1])
    weights = [p.detach().clone() for p in model.parameters()]
    return [torch.tensor(history["train_loss"]), torch.tensor(history["val_loss"]), *weights]


PROBES = {
    "mask_tokens": run_mask_tokens,
    "BertEmbeddings.forward": run_embeddings,
    "attention_mask": run_attention_mask,
    "mlm_loss": run_mlm_loss,
    "ClsHead.forward": run_cls_head,
    "fine_tune": run_fine_tune,
}
