"""Does the vit reference agree with PyTorch's own operations in float64?

The oracles: F.unfold for patchify (both cut an image into patches in
row-major order, each flattened channel first), explicit slicing for the
order the contract states, F.conv2d against patchify followed by F.linear for
the two patch embeddings (values and gradients), and, for the whole ViT, the
same computation assembled from torch's parts: F.conv2d, a CLS row, the
position embeddings, nn.TransformerEncoderLayer(norm_first=True,
activation="gelu") with the blocks' weights copied in, F.layer_norm and
F.linear on position 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from numerics import scaled_error
from torch import nn

from autograder.paths import load_reference

ROOT = Path(__file__).resolve().parents[1]
ref = load_reference("vit")
block_module = load_reference("vit", "transformer")
Block = block_module.TransformerBlock

TOL = 1e-10


def randn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.float64, generator=g)


@pytest.mark.parametrize(("shape", "p"), [((2, 3, 8, 12), 2), ((1, 1, 8, 8), 4), ((3, 2, 6, 9), 3)])
def test_patchify_is_unfold(shape, p):
    """Does patchify equal F.unfold(x, p, stride=p) with the patch axis moved to the middle?"""
    x = randn(*shape)
    expected = F.unfold(x, p, stride=p).transpose(1, 2)
    got = ref.patchify(x, p)
    assert got.shape == expected.shape
    assert torch.equal(got, expected)


def test_patchify_follows_the_contracts_order():
    """Is patch r * (W // p) + s the slice of rows r*p.. and columns s*p.., flattened (C, p, p)?"""
    B, C, H, W, p = 2, 3, 6, 8, 2
    x = randn(B, C, H, W, seed=1)
    got = ref.patchify(x, p)
    for r in range(H // p):
        for s in range(W // p):
            piece = x[:, :, r * p : (r + 1) * p, s * p : (s + 1) * p].reshape(B, -1)
            assert torch.equal(got[:, r * (W // p) + s], piece)


def test_patchify_refuses_sizes_that_are_not_multiples():
    """Does patchify say so when the image does not split into whole patches?"""
    with pytest.raises(ValueError, match="multiple"):
        ref.patchify(randn(1, 1, 7, 8), 2)


@pytest.mark.parametrize(("B", "C", "H", "W", "p", "D"), [(2, 3, 8, 8, 2, 5), (1, 1, 6, 9, 3, 4)])
def test_patch_embeddings_agree_with_conv2d_both_ways(B, C, H, W, p, D):
    """Do PatchEmbed (a strided conv) and patch_embed_linear equal F.conv2d, gradients included?"""
    torch.manual_seed(B + D)
    embed = ref.PatchEmbed(C, p, D).double()
    x = randn(B, C, H, W, seed=2)
    dout = randn(B, (H // p) * (W // p), D, seed=3)
    conv = F.conv2d(x, embed.proj.weight, embed.proj.bias, stride=p).flatten(2).transpose(1, 2)
    via_linear = F.linear(ref.patchify(x, p), embed.proj.weight.reshape(D, -1), embed.proj.bias)
    assert scaled_error(conv, via_linear) < TOL

    x1 = x.clone().requires_grad_(True)
    out = embed(x1)
    (out * dout).sum().backward()
    assert scaled_error(out, conv) < TOL
    grads_conv = (x1.grad, embed.proj.weight.grad.clone(), embed.proj.bias.grad.clone())

    w = embed.proj.weight.detach().clone().requires_grad_(True)
    b = embed.proj.bias.detach().clone().requires_grad_(True)
    x2 = x.clone().requires_grad_(True)
    lin = ref.patch_embed_linear(x2, w, b, p)
    (lin * dout).sum().backward()
    assert scaled_error(lin, conv) < TOL
    for got, want in zip((x2.grad, w.grad, b.grad), grads_conv):
        assert scaled_error(got, want) < TOL


def encoder_layer_from(block, dim, heads, mlp_dim):
    """nn.TransformerEncoderLayer (pre-norm, exact GELU) with a reference block's weights."""
    layer = nn.TransformerEncoderLayer(
        dim, heads, mlp_dim, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).double()
    attn = block.attn
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(
            torch.cat([attn.q_proj.weight, attn.k_proj.weight, attn.v_proj.weight])
        )
        layer.self_attn.in_proj_bias.copy_(
            torch.cat([attn.q_proj.bias, attn.k_proj.bias, attn.v_proj.bias])
        )
        layer.self_attn.out_proj.weight.copy_(attn.out_proj.weight)
        layer.self_attn.out_proj.bias.copy_(attn.out_proj.bias)
        for mine, theirs in (
            (block.ff.fc1, layer.linear1),
            (block.ff.fc2, layer.linear2),
            (block.ln1, layer.norm1),
            (block.ln2, layer.norm2),
        ):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
    return layer.train()  # train mode with dropout 0: the plain (not the fused) code path


def randomise(model, seed):
    """Non-trivial values for every parameter (layer norms around 1, embeddings ~N(0, 1))."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, dtype=param.dtype, generator=g)
            base = 1.0 if ("ln" in name or "norm" in name) and name.endswith("weight") else 0.0
            param.copy_(base + 0.3 * noise if base else noise / max(1, param.shape[-1]) ** 0.5)


VIT_CASES = [
    # (B, image (H, W), patch, C, K, D, depth, heads, mlp_dim)
    (2, 8, 2, 1, 10, 8, 0, 2, 16),
    (2, 8, 2, 1, 10, 8, 2, 2, 16),
    (3, (6, 9), 3, 2, 4, 12, 1, 3, 24),
    (1, 8, 4, 3, 5, 16, 3, 4, 8),
]


@pytest.mark.parametrize("case", VIT_CASES, ids=[str(c) for c in VIT_CASES])
def test_vit_equals_the_same_model_built_from_torch_parts(case):
    """Do ViT's logits and every gradient equal conv2d + CLS + positions + torch encoder layers?"""
    B, size, p, C, K, D, depth, heads, mlp = case
    torch.manual_seed(7)
    model = ref.ViT(size, p, C, K, D, depth, heads, mlp, block=Block).double()
    randomise(model, seed=depth + D)
    H, W = (size, size) if isinstance(size, int) else size
    x = randn(B, C, H, W, seed=4)
    dout = randn(B, K, seed=5)

    x1 = x.clone().requires_grad_(True)
    logits = model(x1)
    (logits * dout).sum().backward()

    x2 = x.clone().requires_grad_(True)
    params = {n: q.detach().clone().requires_grad_(True) for n, q in model.named_parameters()}
    tokens = F.conv2d(
        x2, params["patch_embed.proj.weight"], params["patch_embed.proj.bias"], stride=p
    )
    tokens = tokens.flatten(2).transpose(1, 2)
    h = torch.cat([params["cls_token"].expand(B, 1, D), tokens], dim=1) + params["pos_embed"]
    layers = []
    for blk in model.blocks:
        layers.append(encoder_layer_from(blk, D, heads, mlp))
        h = layers[-1](h)
    h = F.layer_norm(h, (D,), params["norm.weight"], params["norm.bias"])
    expected = F.linear(h[:, 0], params["head.weight"], params["head.bias"])
    (expected * dout).sum().backward()

    assert logits.shape == (B, K)
    assert scaled_error(logits, expected) < TOL
    assert scaled_error(x1.grad, x2.grad) < TOL
    mine = dict(model.named_parameters())
    for name in ("cls_token", "pos_embed", "patch_embed.proj.weight", "norm.weight", "head.weight"):
        assert scaled_error(mine[name].grad, params[name].grad) < TOL, name
    for i, layer in enumerate(layers):  # the blocks' gradients are the torch layers'
        for ours, theirs in (("ln1", layer.norm1), ("ff.fc1", layer.linear1)):
            assert scaled_error(mine[f"blocks.{i}.{ours}.weight"].grad, theirs.weight.grad) < TOL
        q_grad = layer.self_attn.in_proj_weight.grad[:D]
        assert scaled_error(mine[f"blocks.{i}.attn.q_proj.weight"].grad, q_grad) < TOL
    assert len(model.blocks) == depth


def test_the_cls_row_of_pos_embed_belongs_to_the_cls_token():
    """With no blocks, do the logits depend on the CLS row of pos_embed and on no patch row?"""
    model = ref.ViT(8, 2, 1, 3, 8, 0, 2, 16).double()
    randomise(model, seed=3)
    x = randn(2, 1, 8, 8, seed=6)
    with torch.no_grad():
        before = model(x)
        model.pos_embed[:, 1:] += 5.0  # patch positions only: with no blocks, logits cannot move
        after = model(x)
        assert torch.equal(before, after)
        model.pos_embed[:, 0] += randn(8, seed=9)
        assert not torch.allclose(model(x), before)


def test_parameters_and_submodules_are_the_contracts():
    """Are the parameters named and shaped as the contract fixes them (graders load by name)?"""
    model = ref.ViT(8, 2, 1, 10, 16, 2, 4, 32, block=Block)
    shapes = {n: tuple(q.shape) for n, q in model.named_parameters()}
    assert shapes["cls_token"] == (1, 1, 16)
    assert shapes["pos_embed"] == (1, 17, 16)
    assert shapes["patch_embed.proj.weight"] == (16, 1, 2, 2)
    assert shapes["head.weight"] == (10, 16)
    assert shapes["norm.weight"] == (16,)
    assert {"blocks.0.ln1.weight", "blocks.1.attn.q_proj.weight", "blocks.1.ff.fc2.bias"} <= set(
        shapes
    )
    conv = model.patch_embed.proj
    assert (conv.kernel_size, conv.stride) == ((2, 2), (2, 2))


def test_cls_attention_reads_the_cls_row_in_patch_order():
    """Is the map the CLS query's weights to the patches, head-averaged, patch n at (n // gw, n % gw)?"""
    B, A, gh, gw = 2, 3, 2, 4
    N = gh * gw
    weights = torch.softmax(randn(B, A, N + 1, N + 1, seed=8), dim=-1)
    got = ref.cls_attention(weights, (gh, gw))
    assert got.shape == (B, gh, gw)
    for n in range(N):
        want = sum(weights[:, a, 0, 1 + n] for a in range(A)) / A
        assert scaled_error(got[:, n // gw, n % gw], want) < TOL


def test_the_block_is_the_transformer_reference_byte_for_byte():
    """Is solutions/vit/transformer.py the transformer assignment's reference, unchanged?"""
    mine = (ROOT / "solutions" / "vit" / "transformer.py").read_bytes()
    theirs = (ROOT / "solutions" / "transformer" / "transformer.py").read_bytes()
    assert mine == theirs


def test_depth_zero_needs_no_block_module():
    """Does a ViT without blocks build without importing transformer.py at all?"""
    import sys

    before = "transformer" in sys.modules
    model = ref.ViT(8, 4, 1, 2, 8, 0, 2, 8)
    assert len(model.blocks) == 0
    assert ("transformer" in sys.modules) == before
