"""Known mistakes of the attention assignment, as edits of solutions/attention/attention.py."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="softmax_not_stable",
        task="softmax",
        message=(
            "softmax overflows for large inputs (exp(1e4) is inf, and inf / inf is nan): "
            "subtract the maximum along the axis before exponentiating; it cancels out."
        ),
        replace=(("shifted = x - np.max(x, axis=axis, keepdims=True)", "shifted = x"),),
    ),
    Mistake(
        name="causal_mask_transposed",
        task="causal_mask",
        message=(
            "causal_mask is transposed: row i is the query, column j the key, and query i "
            "may look at keys j <= i only (the lower triangle, diagonal included)."
        ),
        replace=(("np.tril(np.ones((L, L), dtype=bool))", "np.triu(np.ones((L, L), dtype=bool))"),),
    ),
    Mistake(
        name="causal_mask_no_diagonal",
        task="causal_mask",
        message=(
            "causal_mask blocks the diagonal: a position may attend to itself (j <= i, "
            "not j < i), otherwise the first position has nothing to attend to."
        ),
        replace=(
            (
                "np.tril(np.ones((L, L), dtype=bool))",
                "np.tril(np.ones((L, L), dtype=bool), k=-1)",
            ),
        ),
    ),
    Mistake(
        name="attention_no_scaling",
        task="scaled_dot_product_attention",
        message=(
            "attention without the 1/sqrt(d) scaling: divide the scores q k^T by the square "
            "root of the query/key width d before the softmax (and remember it in backward)."
        ),
        replace=(
            (
                "scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)",
                "scores = q @ np.swapaxes(k, -1, -2)",
            ),
            ("dscores = dscores / np.sqrt(d)", "dscores = dscores"),
        ),
    ),
    Mistake(
        name="attention_scaled_by_d",
        task="scaled_dot_product_attention",
        message=(
            "the scores are divided by d: the scaling is 1/sqrt(d), the square root of the "
            "query/key width."
        ),
        replace=(("/ np.sqrt(d)", "/ d"),),
    ),
    Mistake(
        name="softmax_wrong_axis",
        task="scaled_dot_product_attention",
        message=(
            "the softmax runs over the wrong axis: each query's weights over the keys must "
            "sum to 1, so normalise along the last axis (Lk) of the (..., Lq, Lk) scores."
        ),
        replace=(("weights = softmax(scores, axis=-1)", "weights = softmax(scores, axis=-2)"),),
    ),
    Mistake(
        name="mask_with_zero",
        task="scaled_dot_product_attention",
        message=(
            "blocked scores are set to 0 instead of -inf: exp(0) = 1, so masked keys still "
            "get weight. Blocked positions need a score of -inf so their weight is exactly 0."
        ),
        replace=(("np.where(mask, scores, -np.inf)", "np.where(mask, scores, 0.0)"),),
    ),
    Mistake(
        name="softmax_backward_no_sum_term",
        task="scaled_dot_product_attention_backward",
        message=(
            "the softmax backward keeps only the diagonal of the Jacobian: each weight depends "
            "on every score of its row, so subtract the row sum of dweights * weights."
        ),
        replace=(
            (
                "dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, "
                "keepdims=True))",
                "dscores = weights * dweights",
            ),
        ),
    ),
    Mistake(
        name="attention_backward_no_scaling",
        task="scaled_dot_product_attention_backward",
        message=(
            "dq and dk miss the 1/sqrt(d) factor: the scores were scaled in the forward pass, "
            "so their gradient is scaled the same way on its way back to q and k."
        ),
        replace=(("dscores = dscores / np.sqrt(d)", "dscores = dscores"),),
    ),
    Mistake(
        name="heads_split_wrong_axis",
        task="multi_head_attention_forward",
        message=(
            "the heads are split from the wrong axis: reshaping (N, L, D) straight to "
            "(N, H, L, d) mixes positions and features. Cut D into H chunks of width d "
            "(N, L, H, d) and then move the head axis forward."
        ),
        replace=(
            (
                "q = (x_q @ Wq + bq).reshape(N, Lq, H, d).transpose(0, 2, 1, 3)",
                "q = (x_q @ Wq + bq).reshape(N, H, Lq, d)",
            ),
            (
                "k = (x_kv @ Wk + bk).reshape(N, Lk, H, d).transpose(0, 2, 1, 3)",
                "k = (x_kv @ Wk + bk).reshape(N, H, Lk, d)",
            ),
            (
                "v = (x_kv @ Wv + bv).reshape(N, Lk, H, d).transpose(0, 2, 1, 3)",
                "v = (x_kv @ Wv + bv).reshape(N, H, Lk, d)",
            ),
        ),
    ),
    Mistake(
        name="heads_merged_without_transpose",
        task="multi_head_attention_forward",
        message=(
            "the heads are merged without moving the head axis back: (N, H, Lq, d) must "
            "become (N, Lq, H, d) before it is flattened to (N, Lq, D)."
        ),
        replace=(
            (
                "heads = attn.transpose(0, 2, 1, 3).reshape(N, Lq, D)",
                "heads = attn.reshape(N, Lq, D)",
            ),
        ),
    ),
    Mistake(
        name="mha_backward_kv_one_path",
        task="multi_head_attention_backward",
        message=(
            "dx_kv misses a path: x_kv feeds both the keys and the values, so its gradient "
            "is the sum of what comes back through Wk and through Wv."
        ),
        replace=(("dx_kv = (dK @ Wk.T + dV @ Wv.T)", "dx_kv = (dV @ Wv.T)"),),
    ),
    Mistake(
        name="positional_sin_cos_swapped",
        task="sinusoidal_positional_encoding",
        message=(
            "sines and cosines are swapped: even columns (2i) hold the sine and odd columns "
            "(2i + 1) the cosine."
        ),
        replace=(
            ("pe[:, 0::2] = np.sin(angle)", "pe[:, 0::2] = np.cos(angle)"),
            ("pe[:, 1::2] = np.cos(", "pe[:, 1::2] = np.sin("),
        ),
    ),
    Mistake(
        name="positional_own_frequency_per_column",
        task="sinusoidal_positional_encoding",
        message=(
            "the odd columns use their own frequency: columns 2i and 2i + 1 share the "
            "exponent 2i / d_model; the cosine does not use 2i + 1."
        ),
        replace=(
            (
                "pe[:, 1::2] = np.cos(angle[:, : d_model // 2])",
                "pe[:, 1::2] = np.cos(position / np.power(10000.0, "
                "(two_i[: d_model // 2] + 1) / d_model))",
            ),
        ),
    ),
]
