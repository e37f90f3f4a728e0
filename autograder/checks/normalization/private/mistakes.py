"""Known mistakes of the normalization assignment, as edits of the reference."""

from autograder.checkkit import Mistake

_BN_NORMALISE = "        std = np.sqrt(var + eps)\n        xhat = xc / std\n"
_BN_RUNNING_MEAN = "running_mean = (1 - momentum) * running_mean + momentum * mu"
_BN_RUNNING_VAR = "running_var = (1 - momentum) * running_var + momentum * var_unbiased"

MISTAKES = [
    Mistake(
        name="bn_eval_uses_batch_statistics",
        task="batchnorm_forward",
        message=(
            "In eval mode the output was normalised with the statistics of the batch it was "
            "given. At test time batchnorm must use the running mean and running variance "
            "collected during training, so one example's output does not depend on the others."
        ),
        replace=(
            (
                "std = np.sqrt(running_var + eps)\n        xhat = (x - running_mean) / std\n",
                "std = np.sqrt(x.var(axis=0) + eps)\n        xhat = (x - x.mean(axis=0)) / std\n",
            ),
        ),
    ),
    Mistake(
        name="bn_unbiased_variance_in_normalisation",
        task="batchnorm_forward",
        message=(
            "Train mode normalised x with the unbiased batch variance (divided by N - 1). "
            "Normalise with the biased variance (divided by N); the unbiased one only feeds "
            "the running variance."
        ),
        replace=(
            (
                _BN_NORMALISE,
                _BN_NORMALISE.replace("np.sqrt(var + eps)", "np.sqrt(var_unbiased + eps)"),
            ),
        ),
    ),
    Mistake(
        name="bn_running_statistics_not_updated",
        task="batchnorm_forward",
        message=(
            "Train mode left running_mean and running_var in bn_param unchanged. Every training "
            "step must move them towards the batch statistics, "
            "running = (1 - momentum) * running + momentum * batch, and store them in bn_param."
        ),
        replace=((f"        {_BN_RUNNING_MEAN}\n        {_BN_RUNNING_VAR}\n", ""),),
    ),
    Mistake(
        name="bn_momentum_reversed",
        task="batchnorm_forward",
        message=(
            "The running statistics used momentum the other way round (Keras' convention). In "
            "torch, momentum is the weight of the NEW batch statistic: "
            "running = (1 - momentum) * running + momentum * batch."
        ),
        replace=(
            (_BN_RUNNING_MEAN, "running_mean = momentum * running_mean + (1 - momentum) * mu"),
            (
                _BN_RUNNING_VAR,
                "running_var = momentum * running_var + (1 - momentum) * var_unbiased",
            ),
        ),
    ),
    Mistake(
        name="bn_running_variance_biased",
        task="batchnorm_forward",
        message=(
            "The running variance was fed the biased batch variance (divided by N). torch "
            "updates it with the unbiased variance, divided by N - 1, while still normalising "
            "the batch with the biased one."
        ),
        replace=((_BN_RUNNING_VAR, _BN_RUNNING_VAR.replace("var_unbiased", "var")),),
    ),
    Mistake(
        name="bn_eps_outside_sqrt",
        task="batchnorm_forward",
        message=(
            "eps was added to the standard deviation instead of the variance. Divide by "
            "sqrt(var + eps); the difference is large when the variance is small."
        ),
        replace=(
            (_BN_NORMALISE, _BN_NORMALISE.replace("np.sqrt(var + eps)", "np.sqrt(var) + eps")),
        ),
    ),
    Mistake(
        name="bn_backward_ignores_mean",
        task="batchnorm_backward",
        message=(
            "dx misses the path through the batch mean: the mean depends on every x, so each "
            "dx also carries minus the average of the upstream gradient over the batch (after "
            "scaling by gamma), divided by the standard deviation."
        ),
        replace=(
            (
                "dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / std",
                "dx = (dxhat - xhat * (dxhat * xhat).mean(axis=0)) / std",
            ),
        ),
    ),
    Mistake(
        name="bn_backward_statistics_constant",
        task="batchnorm_backward",
        message=(
            "In train mode dx treated the batch mean and variance as constants (the eval-mode "
            "gradient). Both are functions of x; back-propagate through them as well."
        ),
        replace=(
            (
                "dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / std",
                "dx = dxhat / std",
            ),
        ),
    ),
    Mistake(
        name="spatial_bn_reshape_without_transpose",
        task="spatial_batchnorm_forward",
        message=(
            "x of shape (N, C, H, W) was reshaped straight to (N*H*W, C), which mixes channels "
            "and positions. Move the channel axis last first, then flatten, and undo both steps "
            "on the way back."
        ),
        replace=(
            (
                "x.transpose(0, 2, 3, 1).reshape(N * H * W, C)  # (N*H*W, C)",
                "x.reshape(N * H * W, C)",
            ),
            (
                "out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
                "out = out_flat.reshape(N, C, H, W)",
            ),
        ),
    ),
    Mistake(
        name="layernorm_over_batch_axis",
        task="layernorm_forward",
        message=(
            "Layer norm took its mean and variance over the batch axis, as batch norm does. It "
            "normalises each example on its own, over the feature (last) axis."
        ),
        replace=(
            ("mu = x.mean(axis=-1, keepdims=True)", "mu = x.mean(axis=0, keepdims=True)"),
            (
                "var = (xc**2).mean(axis=-1, keepdims=True)",
                "var = (xc**2).mean(axis=0, keepdims=True)",
            ),
        ),
    ),
    Mistake(
        name="layernorm_backward_ignores_mean",
        task="layernorm_backward",
        message=(
            "dx misses the path through the mean: every feature of an example moves that "
            "example's mean, so subtract the feature-average of the (gamma-scaled) upstream "
            "gradient as well."
        ),
        replace=(
            (
                "dx = (dxhat - mean_dxhat - xhat * mean_dxhat_xhat) / std",
                "dx = (dxhat - xhat * mean_dxhat_xhat) / std",
            ),
        ),
    ),
    Mistake(
        name="groupnorm_interleaved_groups",
        task="groupnorm_forward",
        message=(
            "The groups were formed from every G-th channel. torch's group norm cuts the "
            "channels into G contiguous blocks: channels 0 .. C/G - 1 form the first group."
        ),
        replace=(
            (
                "xg = x.reshape(N, groups, -1)",
                "xg = x.reshape(N, C // groups, groups, -1)"
                ".transpose(0, 2, 1, 3).reshape(N, groups, -1)",
            ),
            (
                "xhat = (xc / std).reshape(x.shape)",
                "xhat = (xc / std).reshape(N, groups, C // groups, -1)"
                ".transpose(0, 2, 1, 3).reshape(x.shape)",
            ),
        ),
    ),
]
