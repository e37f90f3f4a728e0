"""Public checks of the seq2seq assignment (they ship with the assignment).

Run them with `dlcourse check seq2seq`. Encoder, AdditiveAttention and
Decoder.step get random weights loaded by parameter name and are compared with
the reference in float64, gradients included. The loss is compared with its
gradient. Teacher forcing, greedy decoding and beam search run on a toy encoder
and decoder that the checks bring along. The hidden checks do the same on other
sizes, lengths, weight scales and options.
"""

import pytest

from autograder.checks.seq2seq.common import (
    check_attention,
    check_decoder_step,
    check_decoding,
    check_encoder,
    check_loss,
    check_teacher_forcing,
)

# (B, S, V, E, H)
ENCODER_CASES = {"unsorted-lengths": (3, 5, 9, 4, 6), "one-token-source": (4, 3, 7, 3, 4)}
# (B, S, H, every row padded)
ATTENTION_CASES = {"every-row-padded": (3, 5, 6, True), "a-full-row": (2, 4, 4, False)}


@pytest.mark.task("Encoder.forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(ENCODER_CASES))
def test_encoder(sub, oracle, rng, case):
    """Encoder: outputs, final state and gradients match the reference"""
    B, S, V, E, H = ENCODER_CASES[case]
    check_encoder(sub, oracle, rng, B, S, V, E, H)


@pytest.mark.task("AdditiveAttention.forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(ATTENTION_CASES))
def test_attention(sub, oracle, rng, case):
    """AdditiveAttention: context, weights and gradients match the reference"""
    B, S, H, padded = ATTENTION_CASES[case]
    check_attention(sub, oracle, rng, B, S, H, padded=padded)


@pytest.mark.task("Decoder.step")
@pytest.mark.points(4)
def test_decoder_step(sub, oracle, rng):
    """Decoder.step: logits, new state, weights and gradients match the reference"""
    check_decoder_step(sub, oracle, rng, B=3, S=5, V=8, E=3, H=4)


@pytest.mark.task("seq2seq_loss")
@pytest.mark.points(1.5)
@pytest.mark.parametrize("pads", ["all", "some"])
def test_loss(sub, oracle, rng, pads):
    """seq2seq_loss: the loss and its gradient match the reference"""
    check_loss(sub, oracle, rng, B=3, T=5, V=6, pads=pads)


@pytest.mark.task("teacher_forced_logits")
@pytest.mark.points(4)
def test_teacher_forcing(sub, oracle, rng):
    """teacher_forced_logits: logits and gradients of the toy model match the reference"""
    check_teacher_forcing(sub, oracle, rng, B=3, S=5, T=4, V=7)


@pytest.mark.task("greedy_decode")
@pytest.mark.points(4)
def test_greedy_decode(sub, oracle, rng):
    """greedy_decode: the same token lists as the reference"""
    check_decoding(sub, oracle, rng, "greedy_decode", B=5, S=4, V=7, max_len=7)


@pytest.mark.task("beam_search")
@pytest.mark.points(4)
def test_beam_search(sub, oracle, rng):
    """beam_search: the same token lists as the reference"""
    check_decoding(sub, oracle, rng, "beam_search", B=4, S=4, V=6, max_len=6, beam=3, alpha=0.7)
