"""Probes for the vit mistakes: each runs one task on a module and returns its outputs.

Models get the weights of the reference's classes built with a fixed seed (and
made non-trivial), so a probe compares like with like. The ViT probe has no
blocks: every vit mistake shows without a transformer.py.
"""

from __future__ import annotations

import torch

from autograder.paths import load_reference

ref = load_reference("vit")


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
    return theirs


def run_patchify(mod):
    return [mod.patchify(_randn(2, 3, 4, 6), 2)]


def run_patch_embed(mod):
    return [_pair("PatchEmbed", mod, 3, 2, 5)(_randn(2, 3, 4, 6, seed=1))]


def run_patch_embed_linear(mod):
    x, weight, bias = _randn(2, 3, 4, 6, seed=2), _randn(5, 3, 2, 2, seed=3), _randn(5, seed=4)
    return [mod.patch_embed_linear(x, weight, bias, 2)]


def run_vit(mod):
    model = _pair("ViT", mod, (4, 6), 2, 2, 3, 6, 0, 2, 8)
    return [model(_randn(3, 2, 4, 6, seed=5))]


def run_cls_attention(mod):
    weights = torch.softmax(2 * _randn(2, 3, 7, 7, seed=6), dim=-1)
    return [mod.cls_attention(weights, (2, 3))]


PROBES = {
    "patchify": run_patchify,
    "PatchEmbed.forward": run_patch_embed,
    "patch_embed_linear": run_patch_embed_linear,
    "ViT.forward": run_vit,
    "cls_attention": run_cls_attention,
}
