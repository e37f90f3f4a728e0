"""Does the transformer reference agree with PyTorch's own modules in float64?

The oracle for TransformerBlock is nn.TransformerEncoderLayer(d_model, H, d_ff,
dropout=0, activation="gelu", batch_first=True, norm_first=True) with the
reference's weights copied in; for MultiHeadSelfAttention it is
nn.MultiheadAttention. Their boolean masks mean True = blocked, so the
contract's mask (True = may attend) is inverted before it is passed on, and a
per-batch mask (B, L, L) is repeated per head to (B * H, L, L).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import scaled_error
from torch import nn

from autograder.paths import load_reference

ref = load_reference("transformer")

TOL = 1e-8


def make_mask(kind, B, L, generator):
    if kind is None:
        return None
    if kind == "causal":
        return torch.ones(L, L, dtype=torch.bool).tril()
    if kind == "random2d":
        mask = torch.rand(L, L, generator=generator) < 0.6
    else:  # "random3d": one mask per batch entry
        mask = torch.rand(B, L, L, generator=generator) < 0.6
    mask |= torch.eye(L, dtype=torch.bool)  # every query may attend to itself
    return mask


def blocked(mask, num_heads):
    """The contract's mask as nn.MultiheadAttention wants it (True = blocked)."""
    if mask is None:
        return None
    if mask.dim() == 3:
        return (~mask).repeat_interleave(num_heads, dim=0)
    return ~mask


def copy_attention(mhsa, mha):
    with torch.no_grad():
        mha.in_proj_weight.copy_(
            torch.cat([mhsa.q_proj.weight, mhsa.k_proj.weight, mhsa.v_proj.weight])
        )
        mha.in_proj_bias.copy_(torch.cat([mhsa.q_proj.bias, mhsa.k_proj.bias, mhsa.v_proj.bias]))
        mha.out_proj.weight.copy_(mhsa.out_proj.weight)
        mha.out_proj.bias.copy_(mhsa.out_proj.bias)


def make_pair(D, H, F_, seed):
    """A reference block with random weights and the torch layer with the same weights."""
    torch.manual_seed(seed)
    block = ref.TransformerBlock(D, H, F_).double()
    with torch.no_grad():  # make the layer norms non-trivial too
        for ln in (block.ln1, block.ln2):
            ln.weight.normal_(1.0, 0.2)
            ln.bias.normal_(0.0, 0.2)
    layer = nn.TransformerEncoderLayer(
        D, H, F_, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).double()
    copy_attention(block.attn, layer.self_attn)
    with torch.no_grad():
        for mine, theirs in (
            (block.ff.fc1, layer.linear1),
            (block.ff.fc2, layer.linear2),
            (block.ln1, layer.norm1),
            (block.ln2, layer.norm2),
        ):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
    return block, layer


def grads_of_layer(layer, D):
    """The torch layer's gradients, named like the reference block's parameters."""
    gw, gb = layer.self_attn.in_proj_weight.grad, layer.self_attn.in_proj_bias.grad
    out = {}
    for i, name in enumerate(("q_proj", "k_proj", "v_proj")):
        out[f"attn.{name}.weight"] = gw[i * D : (i + 1) * D]
        out[f"attn.{name}.bias"] = gb[i * D : (i + 1) * D]
    out["attn.out_proj.weight"] = layer.self_attn.out_proj.weight.grad
    out["attn.out_proj.bias"] = layer.self_attn.out_proj.bias.grad
    for mine, theirs in (
        ("ff.fc1", layer.linear1),
        ("ff.fc2", layer.linear2),
        ("ln1", layer.norm1),
        ("ln2", layer.norm2),
    ):
        out[f"{mine}.weight"] = theirs.weight.grad
        out[f"{mine}.bias"] = theirs.bias.grad
    return out


BLOCK_CASES = [
    # (B, L, D, H, d_ff, mask kind)
    (2, 5, 8, 2, 16, None),
    (2, 5, 8, 2, 16, "causal"),
    (1, 7, 12, 3, 20, "causal"),
    (3, 4, 16, 4, 32, "random2d"),
    (3, 6, 8, 4, 8, "random3d"),
    (2, 1, 4, 1, 8, "causal"),
    (4, 3, 6, 6, 12, None),
]


@pytest.mark.parametrize("case", BLOCK_CASES, ids=[str(c) for c in BLOCK_CASES])
def test_block_matches_transformer_encoder_layer(case):
    """Do outputs, input gradients and every parameter gradient match nn.TransformerEncoderLayer?"""
    B, L, D, H, F_, mask_kind = case
    block, layer = make_pair(D, H, F_, seed=L * 31 + D)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(B, L, D, dtype=torch.float64, generator=g)
    dout = torch.randn(B, L, D, dtype=torch.float64, generator=g)
    mask = make_mask(mask_kind, B, L, g)

    x1 = x.clone().requires_grad_(True)
    out = block(x1, mask)
    out.backward(dout)
    x2 = x.clone().requires_grad_(True)
    expected = layer(x2, src_mask=blocked(mask, H))
    expected.backward(dout)

    assert scaled_error(out, expected) < TOL
    assert scaled_error(x1.grad, x2.grad) < TOL
    theirs = grads_of_layer(layer, D)
    mine = dict(block.named_parameters())
    assert set(mine) == set(theirs)
    for name, param in mine.items():
        if name == "attn.k_proj.bias":
            # The key bias shifts a whole row of scores; softmax ignores that: gradient 0.
            assert param.grad.abs().max() < 1e-12 and theirs[name].abs().max() < 1e-12
        else:
            assert scaled_error(param.grad, theirs[name]) < TOL, name


@pytest.mark.parametrize("mask_kind", [None, "causal", "random3d"])
def test_self_attention_matches_multihead_attention(mask_kind):
    """Do MultiHeadSelfAttention's output, gradients and last_attn match nn.MultiheadAttention?"""
    B, L, D, H = 3, 6, 12, 3
    torch.manual_seed(5)
    mhsa = ref.MultiHeadSelfAttention(D, H).double()
    mha = nn.MultiheadAttention(D, H, batch_first=True, dtype=torch.float64)
    copy_attention(mhsa, mha)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(B, L, D, dtype=torch.float64, generator=g)
    dout = torch.randn(B, L, D, dtype=torch.float64, generator=g)
    mask = make_mask(mask_kind, B, L, g)

    x1 = x.clone().requires_grad_(True)
    out = mhsa(x1, mask)
    out.backward(dout)
    x2 = x.clone().requires_grad_(True)
    expected, weights = mha(
        x2, x2, x2, attn_mask=blocked(mask, H), need_weights=True, average_attn_weights=False
    )
    expected.backward(dout)

    assert scaled_error(out, expected) < TOL
    assert scaled_error(x1.grad, x2.grad) < TOL
    assert mhsa.last_attn.shape == (B, H, L, L)
    assert scaled_error(mhsa.last_attn, weights.detach()) < TOL
    if mask is not None:
        full = mask.expand(B, L, L) if mask.dim() == 2 else mask
        assert torch.all(mhsa.last_attn.masked_select(~full[:, None].expand(B, H, L, L)) == 0)
    got_w = torch.cat([mhsa.q_proj.weight.grad, mhsa.k_proj.weight.grad, mhsa.v_proj.weight.grad])
    assert scaled_error(got_w, mha.in_proj_weight.grad) < TOL
    assert scaled_error(mhsa.out_proj.weight.grad, mha.out_proj.weight.grad) < TOL


@pytest.mark.parametrize("shape", [(2, 3, 8), (1, 5, 4), (4, 1, 6)])
def test_feedforward_is_exact_gelu_mlp(shape):
    """Is FeedForward fc2(F.gelu(fc1(x))) with the exact (erf) GELU, gradients included?"""
    torch.manual_seed(3)
    D = shape[-1]
    ff = ref.FeedForward(D, 3 * D).double()
    x = (3 * torch.randn(*shape, dtype=torch.float64)).requires_grad_(True)
    out = ff(x)
    expected = ff.fc2(F.gelu(ff.fc1(x)))
    assert scaled_error(out, expected) < TOL
    approx = ff.fc2(F.gelu(ff.fc1(x), approximate="tanh"))
    assert (out - approx).abs().max() > 1e-6  # the tanh approximation is measurably different
    (gx,) = torch.autograd.grad(out.sum(), x)
    (ex,) = torch.autograd.grad(expected.sum(), x)
    assert scaled_error(gx, ex) < TOL


def test_submodule_names_are_the_contracts():
    """Are the parameters named as the contract fixes them (graders load weights by name)?"""
    block = ref.TransformerBlock(8, 2, 16)
    names = set(dict(block.named_parameters()))
    expected = {
        f"{prefix}.{kind}"
        for prefix in (
            "ln1",
            "ln2",
            "attn.q_proj",
            "attn.k_proj",
            "attn.v_proj",
            "attn.out_proj",
            "ff.fc1",
            "ff.fc2",
        )
        for kind in ("weight", "bias")
    }
    assert names == expected
    assert block.attn.q_proj.weight.shape == (8, 8)
    assert block.ff.fc1.weight.shape == (16, 8) and block.ff.fc2.weight.shape == (8, 16)


def test_dropout_is_off_in_eval_mode_and_on_in_train_mode():
    """Is dropout off in eval mode (output equal to dropout=0) and on in train mode?"""
    torch.manual_seed(0)
    block = ref.TransformerBlock(16, 4, 32, dropout=0.5).double()
    plain = ref.TransformerBlock(16, 4, 32, dropout=0.0).double()
    plain.load_state_dict(block.state_dict())
    x = torch.randn(2, 6, 16, dtype=torch.float64)
    mask = torch.ones(6, 6, dtype=torch.bool).tril()
    block.eval()
    with torch.no_grad():
        a, b, c = block(x, mask), block(x, mask), plain(x, mask)
    assert torch.equal(a, b)
    assert scaled_error(a, c) < 1e-12
    block.train()
    with torch.no_grad():
        d, e = block(x, mask), block(x, mask)
    assert not torch.equal(d, e)
    assert (d - a).abs().max() > 1e-3


def test_feedforward_dropout_rate_and_scaling():
    """In train mode, does FeedForward's dropout zero about p of the outputs and keep the mean?"""
    torch.manual_seed(1)
    ff = ref.FeedForward(32, 64, dropout=0.3).double().train()
    x = torch.randn(64, 16, 32, dtype=torch.float64)
    with torch.no_grad():
        clean = ff.eval()(x)
        noisy = ff.train()(x)
    zeros = (noisy == 0).double().mean().item()
    assert abs(zeros - 0.3) < 0.02
    kept = noisy != 0
    assert torch.allclose(noisy[kept], clean[kept] / 0.7, rtol=1e-12, atol=1e-12)


def test_causal_block_ignores_the_future():
    """With a causal mask, does changing a later token leave earlier outputs unchanged?"""
    torch.manual_seed(2)
    block = ref.TransformerBlock(8, 2, 16).double()
    x = torch.randn(2, 7, 8, dtype=torch.float64)
    y = x.clone()
    y[:, 4:] += torch.randn(2, 3, 8, dtype=torch.float64)
    mask = torch.ones(7, 7, dtype=torch.bool).tril()
    with torch.no_grad():
        a, b = block(x, mask), block(y, mask)
    assert torch.equal(a[:, :4], b[:, :4])
    assert not torch.allclose(a[:, 4:], b[:, 4:])


def test_forward_does_not_modify_inputs():
    """Does a forward pass leave x and the mask untouched?"""
    torch.manual_seed(4)
    block = ref.TransformerBlock(8, 2, 16).double()
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    mask = torch.rand(3, 5, 5) < 0.5
    mask |= torch.eye(5, dtype=torch.bool)
    x0, m0 = x.clone(), mask.clone()
    block(x, mask)
    assert torch.equal(x, x0) and torch.equal(mask, m0)


def test_module_uses_no_forbidden_torch_attention():
    """Does the reference's code (docstrings aside) avoid what students may not use?"""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(ref.__file__).read_text(encoding="utf-8"))
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    used |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert "scaled_dot_product_attention" not in used
    assert "MultiheadAttention" not in used
    assert not any(name.startswith("Transformer") and name != "TransformerBlock" for name in used)


def test_float32_default_and_rejects_bad_heads():
    """Does the block work in float32, and refuse num_heads that do not divide d_model?"""
    block = ref.TransformerBlock(8, 2, 16)
    out = block(torch.randn(2, 3, 8))
    assert out.dtype == torch.float32 and out.shape == (2, 3, 8)
    with pytest.raises(ValueError):
        ref.MultiHeadSelfAttention(10, 4)
    assert np.isfinite(out.detach().numpy()).all()
