"""Hidden checks of the bert assignment (never shipped to students).

Inputs and weights are drawn from the submission's seed, which results.json
records, so a grade can be reproduced exactly.
"""

import pytest

from autograder.checks.bert.common import (
    check_attention_mask,
    check_block,
    check_classifier,
    check_cls_head,
    check_embeddings,
    check_fine_tune,
    check_mask_in_encoder,
    check_mlm_loss,
    classifier_sizes,
)
from autograder.checks.bert.masking import check_mask_shares, check_mask_tokens

# (B, L, V, special ids, p, share of special tokens): BERT's p, a high p, a word id
# that is special, a tiny vocabulary, a long sequence
MASK_CASES = {
    "bert-p": (6, 30, 40, {0, 1, 2, 3}, 0.15, 0.2),
    "high-p": (3, 12, 15, {0, 1, 2, 3}, 0.8, 0.3),
    "extra-special": (4, 10, 25, {0, 1, 2, 3, 17}, 0.5, 0.3),
    "tiny-vocabulary": (5, 8, 6, {0, 3}, 0.6, 0.2),
}
# (B, L, V, max_len, D, segments, with segments)
EMBED_CASES = {
    "single-sentence": (3, 4, 10, 6, 5, 2, False),
    "three-segments": (2, 6, 9, 6, 4, 3, True),
    "full-length": (1, 7, 13, 7, 6, 2, True),
}


@pytest.mark.task("mask_tokens")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(MASK_CASES))
def test_mask_tokens(sub, oracle, rng, case):
    """mask_tokens: the same input ids and labels as the reference, from the same seed"""
    B, L, V, special, p, share = MASK_CASES[case]
    check_mask_tokens(sub, oracle, rng, B, L, V, special, p=p, special_share=share)


@pytest.mark.task("mask_tokens")
@pytest.mark.points(4)
def test_mask_shares(sub, rng):
    """mask_tokens on 20000 tokens: 15% selected, then 80% masked, 10% random, 10% kept"""
    check_mask_shares(sub, rng)


@pytest.mark.task("BertEmbeddings.forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(EMBED_CASES))
def test_embeddings(sub, oracle, rng, case):
    """BertEmbeddings: output and gradients match the reference"""
    B, L, V, max_len, D, n_segments, with_segments = EMBED_CASES[case]
    check_embeddings(sub, oracle, rng, B, L, V, max_len, D, n_segments, segments=with_segments)


@pytest.mark.task("attention_mask")
@pytest.mark.points(2)
@pytest.mark.parametrize("pad_id", [0, 5])
def test_attention_mask(sub, oracle, rng, pad_id):
    """attention_mask: the same padding mask as the reference"""
    check_attention_mask(sub, oracle, rng, 4, 7, 10, pad_id=pad_id)


@pytest.mark.task("attention_mask")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("depth", [1, 2])
def test_mask_in_encoder(sub, oracle, rng, depth):
    """BertEncoder with the checks' mixing blocks: padding reaches no real token"""
    check_mask_in_encoder(sub, oracle, rng, 3, 8, 11, 6, depth)


@pytest.mark.task("mlm_loss")
@pytest.mark.points(2.5)
@pytest.mark.parametrize(
    ("labelled", "scale"), [(0.15, 1.0), (0.0, 2.0), (0.6, 8.0)], ids=["bert", "one-label", "large"]
)
def test_mlm_loss(sub, oracle, rng, labelled, scale):
    """mlm_loss: the loss and its gradient match the reference"""
    check_mlm_loss(sub, oracle, rng, 4, 7, 9, labelled=labelled, scale=scale)


@pytest.mark.task("ClsHead.forward")
@pytest.mark.points(3)
@pytest.mark.parametrize(("K", "scale"), [(2, 1.0), (5, 3.0)], ids=["next-sentence", "large"])
def test_cls_head(sub, oracle, rng, K, scale):
    """ClsHead: logits and gradients match the reference"""
    check_cls_head(sub, oracle, rng, 4, 5, 7, K, scale=scale)


@pytest.mark.task("ClsHead.forward")
@pytest.mark.points(1.5)
def test_cls_head_eval_mode(sub, oracle, rng):
    """ClsHead with dropout=0.5 in eval mode: deterministic and equal to the reference"""
    check_cls_head(sub, oracle, rng, 3, 4, 6, 3, dropout=0.5, repeats=2)


@pytest.mark.task("fine_tune")
@pytest.mark.points(3.5)
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(([5, 3], None, 3, 0.1, 0.0, True), id="eval-mode-model-no-validation"),
        pytest.param(([2, 6, 4], [3, 4], 2, 0.03, 0.5, False), id="weight-decay"),
    ],
)
def test_fine_tune(sub, oracle, rng, case):
    """fine_tune: the history and the trained weights match the reference"""
    train, val, epochs, lr, weight_decay, start_in_eval = case
    check_fine_tune(
        sub, oracle, rng, train, val, epochs, lr, weight_decay=weight_decay,
        start_in_eval=start_in_eval,
    )  # fmt: skip


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3)
def test_classifier_with_blocks(sub, oracle, rng):
    """BertClassifier with your blocks: logits and gradients match the reference"""
    check_classifier(sub, oracle, rng, 3, 9, classifier_sizes(14, 10, 8, 2, 4, 8, 4))


# (class, B, L, D, heads, d_ff, padding mask): the parts the encoder's blocks are made of
BLOCK_PARTS = [
    pytest.param(
        ("MultiHeadSelfAttention", 3, 5, 8, 2, 16, True),
        marks=[pytest.mark.task("MultiHeadSelfAttention.forward")],
        id="attention-padding-mask",
    ),
    pytest.param(
        ("MultiHeadSelfAttention", 2, 4, 6, 3, 12, False),
        marks=[pytest.mark.task("MultiHeadSelfAttention.forward")],
        id="attention-no-mask",
    ),
    pytest.param(
        ("TransformerBlock", 2, 6, 8, 4, 8, True),
        marks=[pytest.mark.task("TransformerBlock.forward")],
        id="block-padding-mask",
    ),
]


@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", BLOCK_PARTS)
def test_your_transformer(sub, oracle, rng, case):
    """your transformer.py: output and gradients match the reference"""
    cls, B, L, D, heads, F, padded = case
    check_block(sub, oracle, rng, cls, B, L, D, heads=heads, F=F, padded=padded)


@pytest.mark.task("FeedForward.forward")
@pytest.mark.points(2.5)
def test_your_feed_forward(sub, oracle, rng):
    """your FeedForward (transformer.py): output and gradients match the reference"""
    check_block(sub, oracle, rng, "FeedForward", 2, 3, 6, F=10)
