"""Public checks of the bert assignment (they ship with the assignment).

Run them with `dlcourse check bert`. mask_tokens must reproduce the reference
exactly from a generator with the same seed; BertEmbeddings, ClsHead and a
BertClassifier with your blocks get random weights loaded by parameter name and
are compared in float64, gradients included; attention_mask and mlm_loss are
compared on random padded batches; fine_tune trains a small classifier the
checks bring along. The hidden checks do the same on other sizes, seeds and
options, and read the shares of a large masked batch.
"""

import pytest

from autograder.checks.bert.common import (
    check_attention_mask,
    check_block,
    check_classifier,
    check_cls_head,
    check_embeddings,
    check_fine_tune,
    check_mlm_loss,
    classifier_sizes,
)
from autograder.checks.bert.masking import check_mask_tokens

# (B, L, V, special ids)
MASK_CASES = {"bert-specials": (4, 12, 20, {0, 1, 2, 3}), "few-specials": (3, 10, 9, {0, 3})}


@pytest.mark.task("mask_tokens")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(MASK_CASES))
def test_mask_tokens(sub, oracle, rng, case):
    """mask_tokens: the same input ids and labels as the reference, from the same seed"""
    B, L, V, special = MASK_CASES[case]
    check_mask_tokens(sub, oracle, rng, B, L, V, special, p=0.3)


@pytest.mark.task("BertEmbeddings.forward")
@pytest.mark.points(4)
def test_embeddings(sub, oracle, rng):
    """BertEmbeddings: output and gradients match the reference"""
    check_embeddings(sub, oracle, rng, 2, 5, 11, 8, 6)


@pytest.mark.task("attention_mask")
@pytest.mark.points(3)
def test_attention_mask(sub, oracle, rng):
    """attention_mask: the same padding mask as the reference"""
    check_attention_mask(sub, oracle, rng, 3, 9, 12)


@pytest.mark.task("mlm_loss")
@pytest.mark.points(3)
def test_mlm_loss(sub, oracle, rng):
    """mlm_loss: the loss and its gradient match the reference"""
    check_mlm_loss(sub, oracle, rng, 3, 6, 7)


@pytest.mark.task("ClsHead.forward")
@pytest.mark.points(3)
def test_cls_head(sub, oracle, rng):
    """ClsHead: logits and gradients match the reference"""
    check_cls_head(sub, oracle, rng, 3, 4, 6, 3)


@pytest.mark.task("fine_tune")
@pytest.mark.points(4)
def test_fine_tune(sub, oracle, rng):
    """fine_tune: the history and the trained weights match the reference"""
    check_fine_tune(sub, oracle, rng, [4, 4, 3], [5, 2], epochs=2, lr=0.05, weight_decay=0.1)


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(3)
def test_your_block(sub, oracle, rng):
    """your TransformerBlock (transformer.py) with a padding mask: output and gradients match"""
    check_block(sub, oracle, rng, "TransformerBlock", 3, 5, 8, heads=2, F=16, padded=True)


@pytest.mark.task("TransformerBlock.forward")
@pytest.mark.points(2)
def test_classifier_with_blocks(sub, oracle, rng):
    """BertClassifier with your blocks: logits and gradients match the reference"""
    check_classifier(sub, oracle, rng, 2, 8, classifier_sizes(15, 8, 8, 1, 2, 16, 3))
