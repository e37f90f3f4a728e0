"""Hidden checks of the seq2seq assignment (never shipped to students).

Inputs and weights are drawn from the submission's seed, which results.json
records, so a grade can be reproduced exactly.
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

# (B, S, V, E, H, weight scale, every row padded)
ENCODER_CASES = {
    "batch-of-one": (1, 4, 6, 3, 5, 1.0, False),
    "every-row-padded": (4, 6, 9, 4, 6, 1.0, True),
    "long-and-wide": (3, 9, 12, 8, 10, 1.0, False),
    "large-weights": (3, 5, 8, 4, 6, 3.0, True),
}
# (B, S, H, weight scale, key scale, every row padded)
ATTENTION_CASES = {
    "one-position": (3, 1, 4, 1.0, 1.0, False),
    "one-real-key": (4, 2, 5, 1.0, 1.0, True),
    "large-scores": (3, 6, 6, 4.0, 3.0, True),
    "wide": (2, 9, 12, 1.0, 1.0, False),
}
# (B, S, V, E, H, weight scale)
DECODER_CASES = {
    "one-source-token": (2, 1, 6, 3, 4, 1.0),
    "wide": (4, 7, 11, 6, 8, 1.0),
    "large-weights": (3, 5, 7, 4, 5, 3.0),
}
# (B, T, V, logit scale, pads)
LOSS_CASES = {
    "no-padding": (3, 4, 5, 1.0, "none"),
    "every-row-padded": (5, 6, 7, 1.0, "all"),
    "large-logits": (3, 5, 6, 30.0, "some"),
}
# (B, S, T, V)
TEACHER_CASES = {
    "one-step": (3, 4, 1, 6),
    "long-target": (4, 6, 9, 8),
    "batch-of-one": (1, 5, 6, 7),
}
# (B, S, V, max_len, about how many steps the toy decoder runs before EOS)
GREEDY_CASES = {
    "one-step": (4, 3, 6, 1, 2.0),
    "long": (6, 5, 9, 12, 6.0),
    "early-ends": (7, 4, 6, 8, 2.0),
}
# (B, S, V, max_len, beam, alpha, steps before EOS)
BEAM_CASES = {
    "width-one": (4, 4, 7, 6, 1, 0.7, 3.0),
    "no-normalisation": (4, 5, 6, 7, 3, 0.0, 3.5),
    "mean-log-probability": (4, 4, 7, 7, 4, 1.0, 3.5),
    "wide-beam": (3, 3, 5, 5, 8, 1.5, 2.5),
}


@pytest.mark.task("Encoder.forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(ENCODER_CASES))
def test_encoder(sub, oracle, rng, case):
    """Encoder: outputs, final state and gradients match the reference"""
    B, S, V, E, H, scale, padded = ENCODER_CASES[case]
    check_encoder(sub, oracle, rng, B, S, V, E, H, scale=scale, padded=padded)


@pytest.mark.task("AdditiveAttention.forward")
@pytest.mark.points(2.5)
@pytest.mark.parametrize("case", sorted(ATTENTION_CASES))
def test_attention(sub, oracle, rng, case):
    """AdditiveAttention: context, weights and gradients match the reference"""
    B, S, H, scale, key_scale, padded = ATTENTION_CASES[case]
    check_attention(sub, oracle, rng, B, S, H, scale=scale, padded=padded, key_scale=key_scale)


@pytest.mark.task("Decoder.step")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(DECODER_CASES))
def test_decoder_step(sub, oracle, rng, case):
    """Decoder.step: logits, new state, weights and gradients match the reference"""
    B, S, V, E, H, scale = DECODER_CASES[case]
    check_decoder_step(sub, oracle, rng, B, S, V, E, H, scale=scale)


@pytest.mark.task("seq2seq_loss")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_loss(sub, oracle, rng, case):
    """seq2seq_loss: the loss and its gradient match the reference"""
    B, T, V, scale, pads = LOSS_CASES[case]
    check_loss(sub, oracle, rng, B, T, V, scale=scale, pads=pads)


@pytest.mark.task("teacher_forced_logits")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(TEACHER_CASES))
def test_teacher_forcing(sub, oracle, rng, case):
    """teacher_forced_logits: logits and gradients of the toy model match the reference"""
    B, S, T, V = TEACHER_CASES[case]
    check_teacher_forcing(sub, oracle, rng, B, S, T, V)


@pytest.mark.task("greedy_decode")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", sorted(GREEDY_CASES))
def test_greedy_decode(sub, oracle, rng, case):
    """greedy_decode: the same token lists as the reference"""
    B, S, V, max_len, end = GREEDY_CASES[case]
    check_decoding(sub, oracle, rng, "greedy_decode", B, S, V, max_len, end=end)


@pytest.mark.task("beam_search")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", sorted(BEAM_CASES))
def test_beam_search(sub, oracle, rng, case):
    """beam_search: the same token lists as the reference"""
    B, S, V, max_len, beam, alpha, end = BEAM_CASES[case]
    check_decoding(
        sub, oracle, rng, "beam_search", B, S, V, max_len, end=end, beam=beam, alpha=alpha
    )
