"""Known mistakes of the optim assignment, as edits of solutions/optim/optim.py."""

from autograder.checkkit import Mistake

MISTAKES = [
    # --- SGD.step ---------------------------------------------------------
    Mistake(
        name="sgd_nesterov_as_momentum",
        task="SGD.step",
        message=(
            "With nesterov=True your update is plain momentum. Nesterov steps along the "
            "gradient plus momentum times the (already updated) buffer, not along the buffer alone."
        ),
        replace=(("g = g + self.momentum * buf", "g = buf"),),
    ),
    Mistake(
        name="sgd_dampening_on_first_step",
        task="SGD.step",
        message=(
            "Your momentum buffer is damped on the first step. torch starts the buffer as an "
            "exact copy of the first gradient; dampening only applies from the second step on."
        ),
        replace=(("buf = g.copy()", "buf = (1.0 - self.dampening) * g"),),
    ),
    # --- Adagrad.step -----------------------------------------------------
    Mistake(
        name="adagrad_exponential_average",
        task="Adagrad.step",
        message=(
            "Your Adagrad keeps an exponential moving average of squared gradients (that is "
            "RMSprop). Adagrad accumulates a plain running sum that never decays."
        ),
        replace=(
            (
                "self.sums[i] = self.sums[i] + g * g",
                "self.sums[i] = 0.9 * self.sums[i] + 0.1 * g * g",
            ),
        ),
    ),
    Mistake(
        name="adagrad_exponential_average_099",
        task="Adagrad.step",
        message=(
            "Your Adagrad keeps an exponential moving average of squared gradients (that is "
            "RMSprop). Adagrad accumulates a plain running sum that never decays."
        ),
        replace=(
            (
                "self.sums[i] = self.sums[i] + g * g",
                "self.sums[i] = 0.99 * self.sums[i] + 0.01 * g * g",
            ),
        ),
    ),
    # --- Adadelta.step ----------------------------------------------------
    Mistake(
        name="adadelta_ignores_lr",
        task="Adadelta.step",
        message=(
            "Your Adadelta ignores the learning rate. In torch, lr multiplies the computed "
            "delta before it is subtracted (lr=1.0 gives the paper's rule)."
        ),
        replace=(("p -= self.lr * delta", "p -= delta"),),
    ),
    # --- RMSprop.step -----------------------------------------------------
    Mistake(
        name="rmsprop_eps_inside_sqrt",
        task="RMSprop.step",
        message=(
            "Your RMSprop adds eps inside the square root. torch adds eps after taking the "
            "root of the squared-gradient average."
        ),
        replace=(
            (
                "avg = np.sqrt(self.square_avgs[i]) + self.eps",
                "avg = np.sqrt(self.square_avgs[i] + self.eps)",
            ),
        ),
    ),
    # --- Adam.step --------------------------------------------------------
    Mistake(
        name="adam_no_bias_correction",
        task="Adam.step",
        message=(
            "Adam without bias correction: divide the first moment by (1 - beta1**t) and the "
            "second by (1 - beta2**t), t being the 1-based step count."
        ),
        replace=(
            ("m_hat = self.exp_avgs[i] / (1.0 - beta1**t)", "m_hat = self.exp_avgs[i]"),
            ("v_hat = self.exp_avg_sqs[i] / (1.0 - beta2**t)", "v_hat = self.exp_avg_sqs[i]"),
        ),
    ),
    Mistake(
        name="adam_eps_inside_sqrt",
        task="Adam.step",
        message=(
            "Your Adam adds eps inside the square root. torch divides by sqrt(v_hat) + eps, "
            "eps added after the root of the bias-corrected second moment."
        ),
        replace=(
            (
                "p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)",
                "p -= self.lr * m_hat / np.sqrt(v_hat + self.eps)",
            ),
        ),
    ),
    Mistake(
        name="adam_decoupled_weight_decay",
        task="Adam.step",
        message=(
            "Your Adam decays the weights directly (that is AdamW). torch.optim.Adam couples "
            "weight decay: it adds weight_decay * p to the gradient before the moments."
        ),
        replace=(
            (
                "g = g + self.weight_decay * p\n            self.exp_avgs[i] = beta1",
                "p *= 1.0 - self.lr * self.weight_decay\n            self.exp_avgs[i] = beta1",
            ),
        ),
    ),
    # --- AdamW.step -------------------------------------------------------
    Mistake(
        name="adamw_coupled_weight_decay",
        task="AdamW.step",
        message=(
            "Your AdamW adds weight decay to the gradient (that is Adam with L2). AdamW "
            "decouples it: shrink p by a factor (1 - lr * weight_decay) and keep the gradient "
            "and both moments free of the decay term."
        ),
        replace=(
            (
                "p *= 1.0 - self.lr * self.weight_decay\n            self.exp_avgs[i] = beta1",
                "g = g + self.weight_decay * p\n            self.exp_avgs[i] = beta1",
            ),
        ),
    ),
    Mistake(
        name="adamw_decay_without_lr",
        task="AdamW.step",
        message=(
            "Your AdamW shrinks p by weight_decay alone. torch multiplies p by "
            "(1 - lr * weight_decay): the decay is scaled by the learning rate."
        ),
        replace=(("p *= 1.0 - self.lr * self.weight_decay", "p *= 1.0 - self.weight_decay"),),
    ),
    Mistake(
        name="adamw_no_bias_correction",
        task="AdamW.step",
        message=(
            "AdamW without bias correction: divide the first moment by (1 - beta1**t) and the "
            "second by (1 - beta2**t), t being the 1-based step count."
        ),
        replace=(
            ("bias_correction1 = 1.0 - beta1**t", "bias_correction1 = 1.0"),
            ("bias_correction2 = 1.0 - beta2**t", "bias_correction2 = 1.0"),
        ),
    ),
    # --- clip_grad_norm ---------------------------------------------------
    Mistake(
        name="clip_per_array",
        task="clip_grad_norm",
        message=(
            "You clip each gradient array by its own norm. clip_grad_norm uses ONE norm over "
            "all arrays together and scales them all by the same factor."
        ),
        replace=(
            (
                "coef = min(max_norm / (total_norm + 1e-6), 1.0)\n    for g in grads:\n"
                "        g *= coef",
                "for g in grads:\n"
                "        g *= min(max_norm / (math.sqrt(float(np.sum(g * g))) + 1e-6), 1.0)",
            ),
        ),
    ),
    Mistake(
        name="clip_scales_up",
        task="clip_grad_norm",
        message=(
            "You rescale gradients whose norm is already below max_norm (scaling them up). "
            "The scale factor is capped at 1: small gradients stay as they are."
        ),
        replace=(
            (
                "coef = min(max_norm / (total_norm + 1e-6), 1.0)",
                "coef = max_norm / (total_norm + 1e-6)",
            ),
        ),
    ),
    Mistake(
        name="clip_returns_clipped_norm",
        task="clip_grad_norm",
        message=(
            "You return the norm after clipping. clip_grad_norm returns the total norm of the "
            "gradients as they were before scaling."
        ),
        replace=(
            (
                "        g *= coef\n",
                "        g *= coef\n"
                "    total_norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))\n",
            ),
        ),
    ),
    # --- schedules --------------------------------------------------------
    Mistake(
        name="cosine_ignores_warmup_offset",
        task="warmup_cosine",
        message=(
            "Your cosine phase measures its progress from step 0 over total_steps. The cosine "
            "starts where the warmup ends and spans only the steps left after the warmup."
        ),
        replace=(
            (
                "progress = (step - warmup_steps) / (total_steps - warmup_steps)",
                "progress = step / total_steps",
            ),
        ),
    ),
    Mistake(
        name="inverse_sqrt_not_rescaled",
        task="warmup_inverse_sqrt",
        message=(
            "After the warmup your learning rate is base_lr / sqrt(step), which jumps down at "
            "the end of the warmup. Scale it so that it equals base_lr at step == warmup_steps."
        ),
        replace=(
            ("lr = base_lr * math.sqrt(warmup_steps / step)", "lr = base_lr / math.sqrt(step)"),
        ),
    ),
    Mistake(
        name="step_decay_without_floor",
        task="step_decay",
        message=(
            "Your step decay is a smooth exponential. The exponent is the number of COMPLETED "
            "periods: an integer division of step by step_size."
        ),
        replace=(("gamma ** (step // step_size)", "gamma ** (step / step_size)"),),
    ),
]
