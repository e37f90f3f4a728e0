"""Known mistakes of the regularization assignment, as edits of its reference."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="dropout_keeps_with_p",
        task="dropout_forward",
        message=(
            "dropout_forward keeps each entry with probability p: p is the probability of "
            "zeroing an entry (torch semantics), so an entry survives with probability 1 - p."
        ),
        replace=(
            (
                "keep = rng.random(x.shape) >= p  # True with probability 1 - p",
                "keep = rng.random(x.shape) < p",
            ),
            ("mask = keep / (1.0 - p)  # 0 or 1/(1-p), float64, shape of x", "mask = keep / p"),
        ),
    ),
    Mistake(
        name="dropout_no_rescale",
        task="dropout_forward",
        message=(
            "dropout_forward does not rescale the survivors: inverted dropout multiplies them "
            "by 1 / (1 - p) so that the expected output equals the input."
        ),
        replace=(
            (
                "mask = keep / (1.0 - p)  # 0 or 1/(1-p), float64, shape of x",
                "mask = keep.astype(np.float64)",
            ),
        ),
    ),
    Mistake(
        name="dropout_active_in_eval",
        task="dropout_forward",
        message=(
            "dropout_forward still drops entries in eval mode (train=False): at test time "
            "inverted dropout is the identity."
        ),
        replace=(
            (
                "        mask = None\n        out = x.copy()\n",
                "        mask = (rng.random(x.shape) >= p) / (1.0 - p)\n        out = x * mask\n",
            ),
        ),
    ),
    Mistake(
        name="dropout_eval_scaled",
        task="dropout_forward",
        message=(
            "dropout_forward scales the output by (1 - p) in eval mode: with inverted dropout "
            "the rescaling already happened in training, so eval mode returns x unchanged."
        ),
        replace=(("        out = x.copy()\n", "        out = x * (1.0 - p)\n"),),
    ),
    Mistake(
        name="dropout_backward_new_mask",
        task="dropout_backward",
        message=(
            "dropout_backward draws a new random mask: the gradient must flow through the "
            "entries that survived in the forward pass, so reuse the mask kept in the cache."
        ),
        replace=(
            (
                "dx = dout * mask\n",
                "dx = dout * ((np.random.default_rng().random(dout.shape) >= p) / (1.0 - p))\n",
            ),
        ),
    ),
    Mistake(
        name="dropout_backward_no_rescale",
        task="dropout_backward",
        message=(
            "dropout_backward passes the surviving gradients without the 1 / (1 - p) factor: "
            "the forward pass multiplied them by it, so the backward pass must too."
        ),
        replace=(("dx = dout * mask\n", "dx = dout * (mask != 0)\n"),),
    ),
    Mistake(
        name="l2_missing_half",
        task="l2_penalty",
        message=(
            "l2_penalty leaves out the factor 0.5: the penalty is 0.5 * weight_decay * sum of "
            "squares, so that its gradient is weight_decay * p."
        ),
        replace=(("loss = 0.5 * weight_decay * sum(", "loss = weight_decay * sum("),),
    ),
    Mistake(
        name="l2_grad_doubled",
        task="l2_penalty",
        message=(
            "l2_penalty's gradient is twice too large: the 0.5 in front of the penalty cancels "
            "the 2 from differentiating p**2, leaving weight_decay * p."
        ),
        replace=(
            (
                "grads = [weight_decay * p for p in params]",
                "grads = [2.0 * weight_decay * p for p in params]",
            ),
        ),
    ),
    Mistake(
        name="label_smoothing_c_minus_1",
        task="label_smoothing_cross_entropy",
        message=(
            "label smoothing spreads smoothing over the C - 1 wrong classes: torch gives every "
            "class (the true one too) smoothing / C, and the true class 1 - smoothing on top."
        ),
        replace=(
            (
                "    q = np.full((N, C), smoothing / C)  # (N, C)\n"
                "    q[np.arange(N), y] += 1.0 - smoothing\n",
                "    q = np.full((N, C), smoothing / (C - 1))\n"
                "    q[np.arange(N), y] = 1.0 - smoothing\n",
            ),
        ),
    ),
    Mistake(
        name="label_smoothing_summed",
        task="label_smoothing_cross_entropy",
        message=(
            "label_smoothing_cross_entropy sums over the batch: the loss is the mean over the "
            "N examples, so the loss and dlogits carry a factor 1/N."
        ),
        replace=(
            ("loss = -(q * log_probs).sum() / N", "loss = -(q * log_probs).sum()"),
            ("dlogits = (np.exp(log_probs) - q) / N", "dlogits = np.exp(log_probs) - q"),
        ),
    ),
    Mistake(
        name="mixup_lambda_swapped",
        task="mixup",
        message=(
            "mixup gives lam to the partner x[perm]: the example itself has weight lam and its "
            "partner 1 - lam."
        ),
        replace=(
            ("x_mix = lam * x + (1.0 - lam) * x[perm]", "x_mix = (1.0 - lam) * x + lam * x[perm]"),
            (
                "y_mix = lam * y_onehot + (1.0 - lam) * y_onehot[perm]",
                "y_mix = (1.0 - lam) * y_onehot + lam * y_onehot[perm]",
            ),
        ),
    ),
    Mistake(
        name="mixup_labels_not_mixed",
        task="mixup",
        message=(
            "mixup mixes the inputs but keeps the original labels: the labels are mixed with "
            "the same weights as the inputs."
        ),
        replace=(
            ("y_mix = lam * y_onehot + (1.0 - lam) * y_onehot[perm]", "y_mix = y_onehot.copy()"),
        ),
    ),
    Mistake(
        name="cutmix_label_weights_swapped",
        task="cutmix",
        message=(
            "cutmix gives the box's area fraction to the image's own label: the pasted box "
            "comes from x[perm], so y[perm] gets weight area / (H * W)."
        ),
        replace=(
            (
                "y_mix = (1.0 - frac) * y_onehot + frac * y_onehot[perm]",
                "y_mix = frac * y_onehot + (1.0 - frac) * y_onehot[perm]",
            ),
        ),
    ),
    Mistake(
        name="cutmix_box_transposed",
        task="cutmix",
        message=(
            "cutmix swaps rows and columns: top and height index axis 2 (H), left and width "
            "index axis 3 (W)."
        ),
        replace=(
            (
                "x_mix[:, :, rows, cols] = x[perm][:, :, rows, cols]",
                "x_mix[:, :, cols, rows] = x[perm][:, :, cols, rows]",
            ),
        ),
    ),
    Mistake(
        name="cutmix_modifies_input",
        task="cutmix",
        message=(
            "cutmix pastes the box into x itself: work on a copy, the caller's images must not "
            "change."
        ),
        replace=(("x_mix = x.copy()", "x_mix = x"),),
    ),
    Mistake(
        name="early_stopping_resets_on_any_change",
        task="EarlyStopping.step",
        message=(
            "EarlyStopping resets its patience whenever the loss changes: only a loss lower "
            "than the best by more than min_delta resets the count; a worse loss adds to it."
        ),
        replace=(
            (
                "        else:\n            self.num_bad += 1\n",
                '        elif val_loss != getattr(self, "_last_loss", None):\n'
                "            self.num_bad = 0\n"
                "        else:\n"
                "            self.num_bad += 1\n"
                "        self._last_loss = val_loss\n",
            ),
        ),
    ),
    Mistake(
        name="early_stopping_ignores_min_delta",
        task="EarlyStopping.step",
        message=(
            "EarlyStopping counts any decrease as an improvement: it must beat the best loss by "
            "more than min_delta."
        ),
        replace=(("if val_loss < self.best - self.min_delta:", "if val_loss < self.best:"),),
    ),
    Mistake(
        name="early_stopping_off_by_one",
        task="EarlyStopping.step",
        message=(
            "EarlyStopping stops one call late: return True as soon as `patience` consecutive "
            "calls failed to improve."
        ),
        replace=(("stop = self.num_bad >= self.patience", "stop = self.num_bad > self.patience"),),
    ),
]
