"""Known mistakes of the seq2seq assignment, as edits of its reference module."""

from autograder.checkkit import Mistake

_UNPACK = (
    "outputs, _ = nn.utils.rnn.pad_packed_sequence(packed_out, batch_first=True, total_length=S)"
)
_EOS_BRANCH = """                if y[b].item() == EOS:
                    done[b] = True
                else:
                    tokens[b].append(y[b].item())"""
_BEAM_KEEP = """                    if tokens[-1] == EOS:
                        finished.append((tokens, score))
                    else:
                        beams.append((tokens, score, state[k : k + 1]))"""
_CHOICE = "key=lambda f: (-f[1] / len(f[0]) ** alpha, f[0])"

MISTAKES = [
    # ------------------------------------------------------------------ Encoder.forward
    Mistake(
        name="encoder_runs_over_padding",
        task="Encoder.forward",
        message=(
            "the encoder's GRU runs over the padding: its final state is the state after the PAD "
            "tokens, not after each source's last real token, and the padded outputs are not 0. "
            "Pack the batch with its lengths (they are not sorted), or pick each row's state at "
            "its last real position and zero the rest."
        ),
        replace=(
            ("packed_out, h = self.gru(packed)\n        " + _UNPACK, "outputs, h = self.gru(x)"),
        ),
    ),
    Mistake(
        name="encoder_padding_not_zeroed",
        task="Encoder.forward",
        message=(
            "the final state is right, but the outputs at padded positions are not 0: they are "
            "states computed over the PAD tokens. Every position at or after a source's length "
            "must hold exactly 0."
        ),
        replace=((_UNPACK, "outputs = self.gru(x)[0]"),),
    ),
    # ------------------------------------------------------------------ AdditiveAttention.forward
    Mistake(
        name="attention_without_mask",
        task="AdditiveAttention.forward",
        message=(
            "the attention ignores the mask: padded keys get weight like real ones. Give the "
            "blocked positions a score of minus infinity before the softmax."
        ),
        replace=(('scores = scores.masked_fill(~mask, float("-inf"))', "scores = scores + 0.0"),),
    ),
    Mistake(
        name="attention_mask_with_zero",
        task="AdditiveAttention.forward",
        message=(
            "blocked scores are set to 0 instead of minus infinity: exp(0) = 1, so padded keys "
            "still get weight. Their weight must be exactly 0, which only a score of minus "
            "infinity gives."
        ),
        replace=(('masked_fill(~mask, float("-inf"))', "masked_fill(~mask, 0.0)"),),
    ),
    Mistake(
        name="attention_mask_inverted",
        task="AdditiveAttention.forward",
        message=(
            "the mask is used the wrong way round: True marks the real tokens, so block the "
            "positions where it is False."
        ),
        replace=(('masked_fill(~mask, float("-inf"))', 'masked_fill(mask, float("-inf"))'),),
    ),
    Mistake(
        name="attention_softmax_over_batch",
        task="AdditiveAttention.forward",
        message=(
            "the softmax runs over the batch axis: each row's weights over its source positions "
            "must sum to 1, so normalise along the last axis of the (B, S) scores."
        ),
        replace=(("torch.softmax(scores, dim=-1)", "torch.softmax(scores, dim=0)"),),
    ),
    Mistake(
        name="attention_without_tanh",
        task="AdditiveAttention.forward",
        message=(
            "the score has no tanh: additive attention passes the sum of the projected query and "
            "key through tanh before the vector v turns it into one number."
        ),
        replace=(("hidden = torch.tanh(", "hidden = ("),),
    ),
    # ------------------------------------------------------------------ Decoder.step
    Mistake(
        name="decoder_output_without_new_state",
        task="Decoder.step",
        message=(
            "the logits are computed from the previous state: the output layer reads the new "
            "state the cell just produced, followed by the context."
        ),
        replace=(("torch.cat([h_new, context], dim=-1)", "torch.cat([h, context], dim=-1)"),),
    ),
    Mistake(
        name="decoder_output_concat_swapped",
        task="Decoder.step",
        message=(
            "the output layer's input is concatenated in the other order: it is the new state "
            "first, then the context, and the weights that are loaded expect that order."
        ),
        replace=(("torch.cat([h_new, context], dim=-1)", "torch.cat([context, h_new], dim=-1)"),),
    ),
    Mistake(
        name="decoder_context_from_new_state",
        task="Decoder.step",
        message=(
            "the context of the output layer is recomputed with the new state as the query: in "
            "this decoder the attention runs once per step, with the previous state as the query, "
            "and that context feeds both the cell and the output layer."
        ),
        replace=(
            (
                "self.out(torch.cat([h_new, context], dim=-1))",
                "self.out(torch.cat([h_new, self.attn(h_new, enc_out, mask)[0]], dim=-1))",
            ),
        ),
    ),
    # ------------------------------------------------------------------ seq2seq_loss
    Mistake(
        name="loss_averaged_over_pads",
        task="seq2seq_loss",
        message=(
            "the loss counts the padding: PAD positions are scored as if PAD were the token to "
            "predict. Only real target tokens count, and the mean is over them alone."
        ),
        replace=(("loss = (nll * real).sum() / real.sum()", "loss = nll.mean()"),),
    ),
    Mistake(
        name="loss_divided_by_all_positions",
        task="seq2seq_loss",
        message=(
            "the padded positions are left out of the sum but not out of the count: divide by "
            "the number of real target tokens, not by B * T."
        ),
        replace=(("/ real.sum()", "/ real.numel()"),),
    ),
    Mistake(
        name="loss_mean_of_sequence_means",
        task="seq2seq_loss",
        message=(
            "the loss averages each sequence first and then the sequences: every real token "
            "must count once, so a long target weighs more than a short one. Sum over all real "
            "tokens of the batch and divide by their number."
        ),
        replace=(
            (
                "loss = (nll * real).sum() / real.sum()",
                "loss = ((nll * real).sum(dim=1) / real.sum(dim=1)).mean()",
            ),
        ),
    ),
    Mistake(
        name="loss_divided_by_batch_size",
        task="seq2seq_loss",
        message=(
            "the summed loss is divided by the batch size: the contract's loss is the mean over "
            "the real target tokens, so divide by their number."
        ),
        replace=(("/ real.sum()", "/ nll.shape[0]"),),
    ),
    # ------------------------------------------------------------------ teacher_forced_logits
    Mistake(
        name="teacher_forcing_feeds_predictions",
        task="teacher_forced_logits",
        message=(
            "the decoder is fed its own predictions: with teacher forcing every step gets the "
            "true previous token from the target, whatever the decoder predicted."
        ),
        replace=(
            (
                "decoder.step(tgt_in[:, t], h, enc_out, mask)",
                "decoder.step(tgt_in[:, 0] if t == 0 else step_logits.argmax(-1), h, enc_out, mask)",
            ),
        ),
    ),
    Mistake(
        name="teacher_forcing_state_not_carried",
        task="teacher_forced_logits",
        message=(
            "every step starts again from the encoder's final state: the decoder's new state "
            "must be carried on to the next step."
        ),
        replace=(
            (
                "step_logits, h, _ = decoder.step(tgt_in[:, t]",
                "step_logits, _, _ = decoder.step(tgt_in[:, t]",
            ),
        ),
    ),
    Mistake(
        name="teacher_forcing_zero_initial_state",
        task="teacher_forced_logits",
        message=(
            "the decoder starts from a state of zeros: its first state is the encoder's final "
            "state, which is how the source reaches it besides the attention."
        ),
        replace=(
            ("h = h[0]  # (B, H)\n    for t in range(T):", "h = 0 * h[0]\n    for t in range(T):"),
        ),
    ),
    Mistake(
        name="teacher_forcing_attends_to_padding",
        task="teacher_forced_logits",
        message=(
            "the mask lets the decoder attend to the source's padding: build it from the source "
            "lengths, True only at the real tokens of each row."
        ),
        replace=(
            (
                "mask = length_mask(src_len, src.shape[1])  # (B, S)",
                "mask = torch.ones_like(src, dtype=torch.bool)",
            ),
        ),
    ),
    # ------------------------------------------------------------------ greedy_decode
    Mistake(
        name="greedy_includes_eos",
        task="greedy_decode",
        message=(
            "the end-of-sequence token is included in the output: a sequence ends at its first "
            "EOS, and EOS itself is not part of the result."
        ),
        replace=(
            (
                _EOS_BRANCH,
                "                tokens[b].append(y[b].item())\n"
                "                if y[b].item() == EOS:\n"
                "                    done[b] = True",
            ),
        ),
    ),
    Mistake(
        name="greedy_continues_after_eos",
        task="greedy_decode",
        message=(
            "a sequence that has produced EOS keeps taking tokens while the others go on: once "
            "a row is finished, it takes nothing more."
        ),
        replace=(("                if done[b]:\n                    continue\n", ""),),
    ),
    Mistake(
        name="greedy_input_not_fed_back",
        task="greedy_decode",
        message=(
            "the decoder's input never changes: each step's chosen token is the next step's "
            "input (greedy decoding is auto-regressive), not start-of-sequence again."
        ),
        replace=(
            ("y = logits.argmax(dim=-1)  # (B,)", "chosen = logits.argmax(dim=-1)"),
            ("y[b].item()", "chosen[b].item()"),
        ),
    ),
    # ------------------------------------------------------------------ beam_search
    Mistake(
        name="beam_no_length_normalisation",
        task="beam_search",
        message=(
            "beam search without length normalisation: the final choice compares raw "
            "log-probabilities, which favour short outputs. Divide each finished hypothesis's "
            "log-probability by its length to the power alpha."
        ),
        replace=((_CHOICE, "key=lambda f: (-f[1], f[0])"),),
    ),
    Mistake(
        name="beam_length_without_eos",
        task="beam_search",
        message=(
            "the length of a hypothesis leaves its EOS out: length counts every token the "
            "hypothesis generated, the end-of-sequence token included."
        ),
        replace=(
            (
                _CHOICE,
                "key=lambda f: (-f[1] / max(1, len(f[0]) - (f[0][-1] == EOS)) ** alpha, f[0])",
            ),
        ),
    ),
    Mistake(
        name="beam_state_not_advanced",
        task="beam_search",
        message=(
            "every hypothesis keeps its parent's old decoder state: after a step, a kept "
            "candidate carries the new state that the step computed for the hypothesis it extends."
        ),
        replace=(
            (
                "logits, state, _ = decoder.step(y, state, keys, rows)",
                "logits, _, _ = decoder.step(y, state, keys, rows)",
            ),
        ),
    ),
    Mistake(
        name="beam_eos_does_not_finish",
        task="beam_search",
        message=(
            "a hypothesis that produces EOS stays in the beam and keeps growing: EOS finishes it, "
            "and it leaves the beam for the list of finished hypotheses."
        ),
        replace=(
            (_BEAM_KEEP, "                    beams.append((tokens, score, state[k : k + 1]))"),
        ),
    ),
    Mistake(
        name="beam_eos_in_result",
        task="beam_search",
        message=(
            "the chosen hypothesis is returned with its end-of-sequence token: EOS counts in its "
            "length but is not part of the result."
        ),
        replace=(("best = tokens[:-1] if tokens[-1] == EOS else tokens", "best = tokens"),),
    ),
]
