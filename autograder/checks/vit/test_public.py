"""Public checks of the vit assignment (they ship with the assignment).

Run them with `dlcourse check vit`. patchify and cls_attention are compared
with the reference; PatchEmbed, patch_embed_linear and ViT get random weights
loaded by parameter name and are compared in float64, gradients included. A ViT
without blocks needs no transformer.py; the checks with blocks use the
transformer.py next to your vit.py. The hidden checks do the same on other
sizes, patches, weight scales and depths.
"""

import pytest

from autograder.checks.vit.common import (
    check_block,
    check_cls_attention,
    check_patch_embed,
    check_patch_embed_linear,
    check_patchify,
    check_vit,
    vit_sizes,
)

# (B, C, H, W, p)
PATCHIFY_CASES = {"one-channel": (2, 1, 8, 8, 2), "rgb-wide": (2, 3, 4, 6, 2)}
# (B, C, H, W, p, D)
EMBED_CASES = {"one-channel": (2, 1, 8, 8, 2, 6), "two-channels": (1, 2, 6, 6, 3, 5)}


@pytest.mark.task("patchify")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(PATCHIFY_CASES))
def test_patchify(sub, oracle, rng, case):
    """patchify: the same patches, in the same order, as the reference"""
    check_patchify(sub, oracle, rng, *PATCHIFY_CASES[case])


@pytest.mark.task("PatchEmbed.forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(EMBED_CASES))
def test_patch_embed(sub, oracle, rng, case):
    """PatchEmbed: tokens and gradients match the reference"""
    check_patch_embed(sub, oracle, rng, *EMBED_CASES[case])


@pytest.mark.task("patch_embed_linear")
@pytest.mark.points(4)
def test_patch_embed_linear(sub, oracle, rng):
    """patch_embed_linear: tokens and gradients match the reference"""
    check_patch_embed_linear(sub, oracle, rng, 2, 3, 4, 6, 2, 5)


@pytest.mark.task("ViT.forward")
@pytest.mark.points(5)
def test_vit_without_blocks(sub, oracle, rng):
    """ViT with depth 0: logits, tokens and gradients match the reference"""
    check_vit(sub, oracle, rng, 3, vit_sizes(8, 2, 1, 5, 6))


@pytest.mark.task("ViT.forward")
@pytest.mark.points(3)
def test_vit_with_blocks(sub, oracle, rng):
    """ViT with two of your blocks: logits, tokens and gradients match the reference"""
    check_vit(sub, oracle, rng, 2, vit_sizes(4, 2, 1, 3, 8, depth=2, heads=2, mlp_dim=16))


@pytest.mark.task("cls_attention")
@pytest.mark.points(3)
def test_cls_attention(sub, oracle, rng):
    """cls_attention: the same maps as the reference"""
    check_cls_attention(sub, oracle, rng, 2, 3, 2, 3)


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3)
def test_your_block(sub, oracle, rng):
    """your TransformerBlock (transformer.py): output and gradients match the reference"""
    check_block(sub, oracle, rng, "TransformerBlock", 2, 5, 8, heads=2, F=16, mask_kind="causal")
