"""Known mistakes of the bert assignment, as edits of its reference module."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="special_tokens_selected",
        task="mask_tokens",
        message=(
            "special tokens can be selected: [CLS], [SEP], padding and the mask itself are never "
            "predicted, so a position is selected only when its number is below p and its token "
            "is not special."
        ),
        replace=(("< p) & ~special", "< p)"),),
    ),
    Mistake(
        name="split_order_random_first",
        task="mask_tokens",
        message=(
            "the 80/10/10 split is taken in another order (the random words from the bottom of "
            "the second draw): the contract fixes it, u < 0.8 gets the mask, 0.8 <= u < 0.9 a "
            "random word, and the rest keep their token."
        ),
        replace=(
            ("to_mask = selected & (u < 0.8)", "to_mask = selected & (u >= 0.2)"),
            ("to_random = selected & (u >= 0.8) & (u < 0.9)", "to_random = selected & (u < 0.1)"),
        ),
    ),
    Mistake(
        name="random_and_kept_swapped",
        task="mask_tokens",
        message=(
            "the random words and the kept tokens are swapped: with u from the second draw, "
            "0.8 <= u < 0.9 gets a random word and u >= 0.9 keeps its token."
        ),
        replace=(
            (
                "to_random = selected & (u >= 0.8) & (u < 0.9)",
                "to_random = selected & (u >= 0.9)",
            ),
        ),
    ),
    Mistake(
        name="all_selected_masked",
        task="mask_tokens",
        message=(
            "every selected token becomes the mask: BERT masks 80% of them, replaces 10% by a "
            "random word and leaves 10% as they are, so that the model also learns about tokens "
            "it can see (no mask appears when it is fine-tuned)."
        ),
        replace=(
            ("to_mask = selected & (u < 0.8)", "to_mask = selected"),
            ("to_random = selected & (u >= 0.8) & (u < 0.9)", "to_random = selected & (u < 0)"),
        ),
    ),
    Mistake(
        name="random_from_whole_vocabulary",
        task="mask_tokens",
        message=(
            "the random words are drawn from the whole vocabulary, special ids included: draw an "
            "index into the non-special ids (the given allowed list) instead."
        ),
        replace=(
            (
                "allowed[torch.randint(len(allowed), shape, generator=generator)]",
                "torch.randint(vocab_size, shape, generator=generator)",
            ),
        ),
    ),
    Mistake(
        name="labels_everywhere",
        task="mask_tokens",
        message=(
            "every position carries a label: only the selected positions are predicted, every "
            "other label is -100 so that the loss skips it."
        ),
        replace=(
            (
                "labels = torch.where(selected, ids, torch.full_like(ids, IGNORE_INDEX))",
                "labels = ids.clone()",
            ),
        ),
    ),
    Mistake(
        name="labels_of_corrupted_input",
        task="mask_tokens",
        message=(
            "the labels hold the corrupted input (the mask id, the random word): they must hold "
            "the original token of every selected position, the one the model has to recover."
        ),
        replace=(
            (
                "torch.where(selected, ids, torch.full_like",
                "torch.where(selected, input_ids, torch.full_like",
            ),
        ),
    ),
    Mistake(
        name="labels_only_where_masked",
        task="mask_tokens",
        message=(
            "only the positions that got the mask carry a label: the random and the unchanged "
            "10% are selected too and must be predicted as well."
        ),
        replace=(
            (
                "torch.where(selected, ids, torch.full_like",
                "torch.where(to_mask, ids, torch.full_like",
            ),
        ),
    ),
    Mistake(
        name="segment_embedding_missing",
        task="BertEmbeddings.forward",
        message=(
            "the segment embedding is missing: each token's input is the sum of three embeddings, "
            "its token, its position and its sentence (segment)."
        ),
        replace=((" + self.seg(segments)  # (B, L, D)", "  # (B, L, D)"),),
    ),
    Mistake(
        name="norm_before_sum",
        task="BertEmbeddings.forward",
        message=(
            "the layer norm is applied to the token embedding before the sum: add the three "
            "embeddings first, then normalise the sum."
        ),
        replace=(
            ("summed = self.tok(ids) + self.pos", "summed = self.norm(self.tok(ids)) + self.pos"),
            ("out = self.norm(summed)", "out = summed"),
        ),
    ),
    Mistake(
        name="embeddings_without_norm",
        task="BertEmbeddings.forward",
        message=(
            "the sum of the embeddings is not normalised: BERT applies the layer norm to the sum "
            "of the token, position and segment embeddings."
        ),
        replace=(("out = self.norm(summed)", "out = summed"),),
    ),
    Mistake(
        name="positions_start_at_one",
        task="BertEmbeddings.forward",
        message=(
            "the positions start at 1: the first token ([CLS]) is position 0, the last of L "
            "tokens is position L - 1."
        ),
        replace=(
            ("torch.arange(L, device=ids.device)", "torch.arange(1, L + 1, device=ids.device)"),
        ),
    ),
    Mistake(
        name="mask_blocks_padded_queries",
        task="attention_mask",
        message=(
            "the mask blocks padded queries instead of padded keys: a padded query's whole row is "
            "blocked (softmax of nothing but minus infinity is NaN) while real tokens still "
            "attend to padding. The key j decides: True where token j is real, in every row."
        ),
        replace=(("keys[:, None, :].expand(B, L, L)", "keys[:, :, None].expand(B, L, L)"),),
    ),
    Mistake(
        name="mask_true_at_padding",
        task="attention_mask",
        message=(
            "the mask is True at padding: True means 'may attend', so it must be True where the "
            "key is a real token and False where it is padding."
        ),
        replace=(("keys = ids != pad_id", "keys = ids == pad_id"),),
    ),
    Mistake(
        name="mask_blocks_padded_rows",
        task="attention_mask",
        message=(
            "padded queries may attend to nothing: a row without any allowed key makes the "
            "softmax divide by zero (NaN). Block padded keys only and let every query, padded or "
            "not, attend to the real tokens."
        ),
        replace=(("keys[:, None, :].expand(B, L, L)", "keys[:, None, :] & keys[:, :, None]"),),
    ),
    Mistake(
        name="mlm_loss_over_all_positions",
        task="mlm_loss",
        message=(
            "the loss is averaged over every position, padding and unselected tokens included: "
            "divide by the number of labelled positions only, so that the loss does not shrink "
            "with the share of unlabelled ones."
        ),
        replace=(
            (
                "ignore_index=IGNORE_INDEX)",
                "ignore_index=IGNORE_INDEX, reduction='sum') / labels.numel()",
            ),
        ),
    ),
    Mistake(
        name="mlm_loss_summed",
        task="mlm_loss",
        message=(
            "the loss is summed over the labelled positions: take their mean, so that its size "
            "does not depend on how many tokens were selected."
        ),
        replace=(("ignore_index=IGNORE_INDEX)", "ignore_index=IGNORE_INDEX, reduction='sum')"),),
    ),
    Mistake(
        name="pooler_without_tanh",
        task="ClsHead.forward",
        message=(
            "the pooler has no tanh: BERT's pooled vector is tanh of a linear layer applied to "
            "the [CLS] hidden state."
        ),
        replace=(("pooled = torch.tanh(self.pooler(h[:, 0]))", "pooled = self.pooler(h[:, 0])"),),
    ),
    Mistake(
        name="pooler_skipped",
        task="ClsHead.forward",
        message=(
            "the pooler is skipped: the head reads the pooled vector, tanh of the pooler applied "
            "to the [CLS] hidden state, not the raw hidden state."
        ),
        replace=(("pooled = torch.tanh(self.pooler(h[:, 0]))", "pooled = h[:, 0]"),),
    ),
    Mistake(
        name="cls_head_on_mean_of_tokens",
        task="ClsHead.forward",
        message=(
            "the head reads the mean of all positions: BERT's head reads the [CLS] position, "
            "position 0, whose hidden state gathers the sequence through attention."
        ),
        replace=(("self.pooler(h[:, 0])", "self.pooler(h.mean(dim=1))"),),
    ),
    Mistake(
        name="cls_head_on_last_token",
        task="ClsHead.forward",
        message=(
            "the head reads the last position (often padding): [CLS] is position 0 of every "
            "sequence."
        ),
        replace=(("self.pooler(h[:, 0])", "self.pooler(h[:, -1])"),),
    ),
    Mistake(
        name="fine_tune_without_zero_grad",
        task="fine_tune",
        message=(
            "the gradients are never cleared: backward adds to what is already there, so every "
            "update uses the sum of all gradients so far. Clear them before each backward pass."
        ),
        replace=(("            optimizer.zero_grad()\n", ""),),
    ),
    Mistake(
        name="fine_tune_with_adam",
        task="fine_tune",
        message=(
            "the optimizer is Adam, whose weight decay is added to the gradient: fine_tune uses "
            "AdamW, which decays the weights directly (decoupled weight decay)."
        ),
        replace=(("optimizer = torch.optim.AdamW(", "optimizer = torch.optim.Adam("),),
    ),
    Mistake(
        name="fine_tune_mean_of_batch_means",
        task="fine_tune",
        message=(
            "the epoch's loss is the mean of the batch means: weight each batch's loss by its "
            "size, so that a small last batch counts as much as its examples, no more."
        ),
        replace=(
            (
                "epoch_loss += loss.item() * len(y)\n            seen += len(y)",
                "epoch_loss += loss.item()\n            seen += 1",
            ),
        ),
    ),
    Mistake(
        name="fine_tune_without_train_mode",
        task="fine_tune",
        message=(
            "the model is not put in train mode: a model handed over in eval mode then trains "
            "with dropout off and batch norm on its running statistics. Switch to train mode at "
            "the start of every epoch."
        ),
        replace=(
            (
                "        model.train()\n        epoch_loss, seen = 0.0, 0\n",
                "        epoch_loss, seen = 0.0, 0\n",
            ),
        ),
    ),
]
