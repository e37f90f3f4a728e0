"""Known mistakes of the conv assignment (private: never shipped to students)."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="flipped_kernel",
        task="conv_forward",
        message=(
            "your forward flips the kernel (a textbook convolution). Convolution layers, "
            "like torch's conv2d, compute a cross-correlation: use w[f, c, p, q] as it is."
        ),
        replace=(
            (
                'out += np.einsum("nchw,fc->nfhw", patch, w[:, :, p, q])',
                'out += np.einsum("nchw,fc->nfhw", patch, w[:, :, KH - 1 - p, KW - 1 - q])',
            ),
        ),
    ),
    Mistake(
        name="bias_missing",
        task="conv_forward",
        message="the bias is not added: every output channel f gets + b[f] at every position.",
        replace=(("    out += b[None, :, None, None]\n", ""),),
    ),
    Mistake(
        name="padding_not_removed",
        task="conv_backward",
        message=(
            "dx still contains the padding: the gradient of the padded input has shape "
            "(N, C, H + 2*pad, W + 2*pad); slice the border off to get dx of shape (N, C, H, W)."
        ),
        replace=(("dx = dxp[:, :, pad : pad + H, pad : pad + W]", "dx = dxp"),),
    ),
    Mistake(
        name="db_not_summed_over_batch_and_space",
        task="conv_backward",
        message=(
            "db must sum dout over the batch and over every output position: each filter's "
            "bias was added at all N * Ho * Wo outputs."
        ),
        replace=(("db = dout.sum(axis=(0, 2, 3))", "db = dout[0].sum(axis=(1, 2))"),),
    ),
    Mistake(
        name="db_averaged",
        task="conv_backward",
        message="db is averaged instead of summed over the batch and the output positions.",
        replace=(("db = dout.sum(axis=(0, 2, 3))", "db = dout.mean(axis=(0, 2, 3))"),),
    ),
    Mistake(
        name="dx_unflipped_kernel",
        task="conv_backward",
        message=(
            "dx uses the kernel the wrong way round: the input gradient is the full "
            "convolution of dout with the FLIPPED kernel (equivalently: send each output's "
            "gradient back through exactly the tap that produced it)."
        ),
        replace=(
            (
                "tap = w[:, :, p, q]  # (F, C)",
                "tap = w[:, :, KH - 1 - p, KW - 1 - q]  # (F, C)",
            ),
        ),
    ),
    Mistake(
        name="max_pool_gradient_to_whole_window",
        task="max_pool_backward",
        message=(
            "the gradient goes to every element of the window; only the element that was "
            "the maximum in the forward pass receives it."
        ),
        replace=(
            (
                "grad = mask * dout[:, :, i, j][:, :, None]",
                "grad = np.ones_like(mask) * dout[:, :, i, j][:, :, None]",
            ),
        ),
    ),
    Mistake(
        name="avg_pool_not_divided",
        task="avg_pool_backward",
        message="each element of a window gets 1/(pool*pool) of its gradient, not all of it.",
        replace=(("share = dout / (pool * pool)", "share = dout"),),
    ),
]
