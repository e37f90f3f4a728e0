"""Known mistakes of the basics assignment, as edits of solutions/basics/basics.py."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="affine_backward_no_reshape",
        task="affine_backward",
        message=(
            "affine_backward returns dx of shape (N, D): reshape it back to the shape of x "
            "(N, d1, ..., dk)."
        ),
        replace=(("dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"),),
    ),
    Mistake(
        name="affine_backward_db_mean",
        task="affine_backward",
        message=(
            "db averages dout over the batch: the bias is added to every example, so its "
            "gradient is the sum over N, not the mean."
        ),
        replace=(("db = dout.sum(axis=0)", "db = dout.mean(axis=0)"),),
    ),
    Mistake(
        name="relu_backward_no_mask",
        task="relu_backward",
        message=(
            "relu_backward passes the upstream gradient where x < 0: the ReLU is flat there, "
            "so dx must be 0 wherever x <= 0."
        ),
        replace=(("dx = np.where(x > 0, dout, 0.0)", "dx = dout.copy()"),),
    ),
    Mistake(
        name="relu_backward_grad_at_zero",
        task="relu_backward",
        message=(
            "relu_backward lets the gradient through at x == 0: like torch, use derivative 0 "
            "at exactly 0 (only x > 0 passes)."
        ),
        replace=(("dx = np.where(x > 0, dout, 0.0)", "dx = np.where(x >= 0, dout, 0.0)"),),
    ),
    Mistake(
        name="leaky_relu_backward_no_slope",
        task="leaky_relu_backward",
        message=(
            "leaky_relu_backward zeroes the gradient where x <= 0: the slope there is alpha, "
            "so dx = alpha * dout on that side."
        ),
        replace=(("dx = np.where(x > 0, dout, alpha * dout)", "dx = np.where(x > 0, dout, 0.0)"),),
    ),
    Mistake(
        name="elu_backward_uses_output",
        task="elu_backward",
        message=(
            "elu_backward uses alpha * (exp(x) - 1), the forward value, as the derivative for "
            "x <= 0: the derivative of alpha * (exp(x) - 1) is alpha * exp(x)."
        ),
        replace=(
            (
                "dx = np.where(x > 0, dout, dout * alpha * np.exp(np.minimum(x, 0.0)))",
                "dx = np.where(x > 0, dout, dout * alpha * np.expm1(np.minimum(x, 0.0)))",
            ),
        ),
    ),
    Mistake(
        name="softmax_no_max_subtraction",
        task="softmax_cross_entropy",
        message=(
            "softmax_cross_entropy overflows for large logits (exp(1000) is inf): subtract each "
            "row's maximum from the logits before exponentiating."
        ),
        replace=(
            (
                "shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C), row max is 0",
                "shifted = logits",
            ),
        ),
    ),
    Mistake(
        name="cross_entropy_summed",
        task="softmax_cross_entropy",
        message=(
            "softmax_cross_entropy sums the loss over the batch: the loss is the mean over the "
            "N examples, so both the loss and dlogits carry a factor 1/N."
        ),
        replace=(
            (
                "loss = -log_probs[np.arange(N), y].mean()",
                "loss = -log_probs[np.arange(N), y].sum()",
            ),
            ("    dlogits /= N\n", ""),
        ),
    ),
    Mistake(
        name="mse_summed",
        task="mse_loss",
        message=(
            "mse_loss sums the squared errors: take the mean over all elements, in the loss and "
            "in its gradient."
        ),
        replace=(
            ("loss = np.mean(diff**2)", "loss = np.sum(diff**2)"),
            ("dpred = 2.0 * diff / diff.size", "dpred = 2.0 * diff"),
        ),
    ),
    Mistake(
        name="mse_mean_over_batch",
        task="mse_loss",
        message=(
            "mse_loss divides by the batch size only: F.mse_loss averages over every element "
            "(divide by pred.size)."
        ),
        replace=(
            ("loss = np.mean(diff**2)", "loss = np.sum(diff**2) / diff.shape[0]"),
            ("dpred = 2.0 * diff / diff.size", "dpred = 2.0 * diff / diff.shape[0]"),
        ),
    ),
    Mistake(
        name="mse_grad_missing_two",
        task="mse_loss",
        message="mse_loss's gradient lacks the factor 2 that comes from differentiating a square.",
        replace=(("dpred = 2.0 * diff / diff.size", "dpred = diff / diff.size"),),
    ),
    Mistake(
        name="bce_naive_logs",
        task="bce_with_logits",
        message=(
            "bce_with_logits takes log(sigmoid(z)) directly, which gives inf or nan for large "
            "|z|: rewrite the loss as max(z, 0) - z * t + log(1 + exp(-|z|))."
        ),
        replace=(
            (
                "per_element = np.maximum(logits, 0.0) - logits * targets + np.log1p(e)",
                "s0 = 1.0 / (1.0 + np.exp(-logits))\n"
                "    per_element = -(targets * np.log(s0) + (1.0 - targets) * np.log(1.0 - s0))",
            ),
        ),
    ),
    Mistake(
        name="bce_summed",
        task="bce_with_logits",
        message=(
            "bce_with_logits sums over the elements: the loss is the mean over all elements, so "
            "the loss and dlogits carry a factor 1 / logits.size."
        ),
        replace=(
            ("loss = per_element.mean()", "loss = per_element.sum()"),
            ("dlogits = (s - targets) / logits.size", "dlogits = s - targets"),
        ),
    ),
    Mistake(
        name="xavier_normal",
        task="xavier_init",
        message=(
            "xavier_init draws from a normal distribution: Glorot uniform draws from "
            "U(-a, a) with a = sqrt(6 / (fan_in + fan_out))."
        ),
        replace=(
            (
                "w = rng.uniform(-a, a, size=(fan_in, fan_out))",
                "w = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))",
            ),
        ),
    ),
    Mistake(
        name="xavier_std_as_limit",
        task="xavier_init",
        message=(
            "xavier_init uses the standard deviation sqrt(2 / (fan_in + fan_out)) as the bound "
            "of the uniform: the bound is sqrt(6 / (fan_in + fan_out)), since U(-a, a) has "
            "variance a**2 / 3."
        ),
        replace=(
            ("a = np.sqrt(6.0 / (fan_in + fan_out))", "a = np.sqrt(2.0 / (fan_in + fan_out))"),
        ),
    ),
    Mistake(
        name="he_variance_as_std",
        task="he_init",
        message=(
            "he_init uses 2 / fan_in as the standard deviation: that is the variance; the "
            "standard deviation is its square root."
        ),
        replace=(("std = np.sqrt(2.0 / fan_in)", "std = 2.0 / fan_in"),),
    ),
    Mistake(
        name="he_fan_out",
        task="he_init",
        message=(
            "he_init scales by fan_out: Kaiming normal (mode fan_in) uses "
            "std = sqrt(2 / fan_in), the number of inputs of the layer."
        ),
        replace=(("std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(2.0 / fan_out)"),),
    ),
    Mistake(
        name="numerical_gradient_forward_difference",
        task="numerical_gradient",
        message=(
            "numerical_gradient uses a one-sided difference (f(x + h) - f(x)) / h, whose error "
            "is of order h: use central differences, (f(x + h) - f(x - h)) / (2h)."
        ),
        replace=(
            (
                "        x[index] = old - h\n"
                "        f_minus = float(f(x))\n"
                "        x[index] = old\n"
                "        grad[index] = (f_plus - f_minus) / (2.0 * h)\n",
                "        x[index] = old\n"
                "        f_minus = float(f(x))\n"
                "        grad[index] = (f_plus - f_minus) / h\n",
            ),
        ),
    ),
    Mistake(
        name="numerical_gradient_half_step",
        task="numerical_gradient",
        message=(
            "numerical_gradient divides the central difference by h: the two points are 2h "
            "apart, so divide by 2h."
        ),
        replace=(
            (
                "grad[index] = (f_plus - f_minus) / (2.0 * h)",
                "grad[index] = (f_plus - f_minus) / h",
            ),
        ),
    ),
    Mistake(
        name="numerical_gradient_not_restored",
        task="numerical_gradient",
        message=(
            "numerical_gradient leaves x nudged: put each entry back to its original value "
            "after evaluating f, or later entries (and the caller) see a changed x."
        ),
        replace=(("        x[index] = old\n", ""),),
    ),
]
