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
        name="convt_weight_axes_swapped",
        task="conv_transpose_forward",
        message=(
            "the kernel's channel axes are read the wrong way round. A transposed convolution's "
            "w has shape (C, F, KH, KW), input channels first (torch's conv_transpose2d), the "
            "opposite of conv_forward's (F, C, KH, KW): input channel c reaches filter f through "
            "w[c, f]."
        ),
        replace=(
            (
                'stamp = np.einsum("nchw,cf->nfhw", x, w[:, :, p, q])',
                'stamp = np.einsum("nchw,fc->nfhw", x, w[:, :, p, q])',
            ),
        ),
    ),
    Mistake(
        name="convt_flipped_kernel",
        task="conv_transpose_forward",
        message=(
            "your transposed convolution flips the kernel. Each input pixel stamps the kernel "
            "onto the output as it is: tap (p, q) lands p rows and q columns after the pixel's "
            "corner (i*stride - pad, j*stride - pad)."
        ),
        replace=(
            (
                'stamp = np.einsum("nchw,cf->nfhw", x, w[:, :, p, q])',
                'stamp = np.einsum("nchw,cf->nfhw", x, w[:, :, KH - 1 - p, KW - 1 - q])',
            ),
        ),
    ),
    Mistake(
        name="convt_output_not_cropped",
        task="conv_transpose_forward",
        message=(
            "the output has (H - 1)*stride + KH rows, the size without the - 2*pad. In a "
            "transposed convolution pad does not add zeros to the input: it removes pad rows "
            "and columns from every border of the output, so Ho = (H - 1)*stride - 2*pad + KH."
        ),
        replace=(
            (
                "out = canvas[:, :, pad : pad + Ho, pad : pad + Wo] + b[None, :, None, None]",
                "out = canvas + b[None, :, None, None]",
            ),
        ),
    ),
    Mistake(
        name="convt_db_wrong_axes",
        task="conv_transpose_backward",
        message=(
            "db is summed over the wrong axes. Each bias b[f] was added at every position of "
            "output channel f in every example: keep the channel axis of dout and sum over the "
            "batch and both spatial axes."
        ),
        replace=(("db = np.sum(dout, axis=(0, 2, 3))", "db = np.sum(dout, axis=(1, 2, 3))"),),
    ),
    Mistake(
        name="convt_dw_axes_swapped",
        task="conv_transpose_backward",
        message=(
            "dw has its channel axes the wrong way round: like w it is (C, F, KH, KW), input "
            "channels first, so entry [c, f] pairs input channel c with output channel f."
        ),
        replace=(
            (
                'dw[:, :, p, q] = np.einsum("nchw,nfhw->cf", x, block)',
                'dw[:, :, p, q] = np.einsum("nchw,nfhw->fc", x, block)',
            ),
        ),
    ),
    Mistake(
        name="convt_dx_flipped_kernel",
        task="conv_transpose_backward",
        message=(
            "dx uses a flipped kernel. The flip belongs to the gradient of conv_forward; here "
            "the roles are exchanged: ask which outputs each input pixel wrote to in the forward "
            "pass, and through which tap."
        ),
        replace=(
            (
                'dx += np.einsum("nfhw,cf->nchw", block, w[:, :, p, q])',
                'dx += np.einsum("nfhw,cf->nchw", block, w[:, :, KH - 1 - p, KW - 1 - q])',
            ),
        ),
    ),
    Mistake(
        name="convt_dx_channels_swapped",
        task="conv_transpose_backward",
        message=(
            "dx contracts the wrong channel axis of w. In the forward pass input channel c "
            "reached output channel f through w[c, f], so the gradient flows back from f to c "
            "through that same entry: the channel axes need no transposing here."
        ),
        replace=(
            (
                'dx += np.einsum("nfhw,cf->nchw", block, w[:, :, p, q])',
                'dx += np.einsum("nfhw,fc->nchw", block, w[:, :, p, q])',
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
