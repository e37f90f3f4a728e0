"""Hidden checks of the vit assignment (never shipped to students).

Inputs and weights are drawn from the submission's seed, which results.json
records, so a grade can be reproduced exactly.
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

# (B, C, H, W, p): many channels, a tall image, 1x1 patches, a wide grid of large patches
# (one patch per image is left out: its answer is the flattened image, which an echo gives)
PATCHIFY_CASES = {
    "four-channels": (2, 4, 6, 6, 3),
    "tall": (1, 2, 8, 4, 2),
    "pixel-patches": (2, 3, 3, 2, 1),
    "wide-grid": (3, 1, 6, 12, 3),
}
# (B, C, H, W, p, D, weight scale)
EMBED_CASES = {
    "rgb-wide": (2, 3, 4, 8, 2, 7, 1.0),
    "one-patch": (3, 1, 3, 3, 3, 4, 1.0),
    "large-weights": (2, 2, 6, 4, 2, 6, 4.0),
}
# (B, C, H, W, p, D)
LINEAR_CASES = {
    "one-channel": (2, 1, 8, 8, 2, 6),
    "tall-rgb": (1, 3, 6, 3, 3, 4),
    "pixel-patches": (2, 2, 2, 3, 1, 5),
}
# (B, ViT arguments, weight scale)
NO_BLOCK_CASES = {
    "rgb-wide": (2, vit_sizes((4, 6), 2, 3, 4, 5), 1.0),
    "one-patch": (3, vit_sizes(4, 4, 2, 3, 6), 1.0),
    "large-weights": (2, vit_sizes(6, 3, 1, 7, 8), 3.0),
}
BLOCK_CASES = {
    "one-block": (2, vit_sizes(4, 2, 2, 3, 6, depth=1, heads=3, mlp_dim=12), 1.0),
    "three-blocks": (2, vit_sizes((6, 4), 2, 1, 4, 8, depth=3, heads=4, mlp_dim=8), 1.0),
}
# (B, heads, gh, gw)
CLS_CASES = {"square": (2, 4, 3, 3), "one-head-wide": (3, 1, 2, 5), "tall": (1, 2, 4, 2)}


@pytest.mark.task("patchify")
@pytest.mark.points(2.5)
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
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(LINEAR_CASES))
def test_patch_embed_linear(sub, oracle, rng, case):
    """patch_embed_linear: tokens and gradients match the reference"""
    check_patch_embed_linear(sub, oracle, rng, *LINEAR_CASES[case])


@pytest.mark.task("ViT.forward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(NO_BLOCK_CASES))
def test_vit_without_blocks(sub, oracle, rng, case):
    """ViT with depth 0: logits, tokens and gradients match the reference"""
    B, sizes, scale = NO_BLOCK_CASES[case]
    check_vit(sub, oracle, rng, B, sizes, scale=scale)


@pytest.mark.task("ViT.forward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(BLOCK_CASES))
def test_vit_with_blocks(sub, oracle, rng, case):
    """ViT with your blocks: logits, tokens and gradients match the reference"""
    B, sizes, scale = BLOCK_CASES[case]
    check_vit(sub, oracle, rng, B, sizes, scale=scale)


@pytest.mark.task("ViT.forward")
@pytest.mark.points(3)
def test_vit_eval_mode(sub, oracle, rng):
    """ViT with dropout=0.5 in eval mode: deterministic and equal to the reference"""
    sizes = vit_sizes(4, 2, 1, 3, 6, depth=1, heads=2, mlp_dim=8, dropout=0.5)
    check_vit(sub, oracle, rng, 2, sizes, repeats=2)


@pytest.mark.task("cls_attention")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(CLS_CASES))
def test_cls_attention(sub, oracle, rng, case):
    """cls_attention: the same maps as the reference"""
    check_cls_attention(sub, oracle, rng, *CLS_CASES[case])


# (class, B, L, D, heads, d_ff, mask kind): the parts the ViT's blocks are made of
BLOCK_PARTS = [
    pytest.param(
        ("MultiHeadSelfAttention", 2, 5, 8, 2, 16, "random3d"),
        marks=[pytest.mark.task("MultiHeadSelfAttention.forward")],
        id="attention-batch-mask",
    ),
    pytest.param(
        ("MultiHeadSelfAttention", 1, 4, 6, 3, 12, None),
        marks=[pytest.mark.task("MultiHeadSelfAttention.forward")],
        id="attention-no-mask",
    ),
    pytest.param(
        ("TransformerBlock", 2, 4, 12, 3, 24, "random2d"),
        marks=[pytest.mark.task("TransformerBlock.forward")],
        id="block-random-mask",
    ),
    pytest.param(
        ("TransformerBlock", 3, 3, 8, 4, 8, None),
        marks=[pytest.mark.task("TransformerBlock.forward")],
        id="block-no-mask",
    ),
]


@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", BLOCK_PARTS)
def test_your_transformer(sub, oracle, rng, case):
    """your transformer.py: output and gradients match the reference"""
    cls, B, L, D, heads, F, mask_kind = case
    check_block(sub, oracle, rng, cls, B, L, D, heads=heads, F=F, mask_kind=mask_kind)


@pytest.mark.task("FeedForward.forward")
@pytest.mark.points(3)
def test_your_feed_forward(sub, oracle, rng):
    """your FeedForward (transformer.py): output and gradients match the reference"""
    check_block(sub, oracle, rng, "FeedForward", 2, 3, 6, F=10)
