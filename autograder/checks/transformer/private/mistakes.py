"""Known mistakes of the transformer assignment, as edits of its reference module."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="attention_no_scaling",
        task="MultiHeadSelfAttention.forward",
        message=(
            "attention without the 1/sqrt(d) scaling: divide the scores q k^T by the square "
            "root of the head width d = d_model // num_heads before the softmax."
        ),
        replace=(("q @ k.transpose(-2, -1) / math.sqrt(d)", "q @ k.transpose(-2, -1)"),),
    ),
    Mistake(
        name="attention_scaled_by_d_model",
        task="MultiHeadSelfAttention.forward",
        message=(
            "the scores are scaled by 1/sqrt(d_model): each head works in its own width "
            "d = d_model // num_heads, and that is the width to scale by."
        ),
        replace=(("/ math.sqrt(d)", "/ math.sqrt(D)"),),
    ),
    Mistake(
        name="mask_inverted",
        task="MultiHeadSelfAttention.forward",
        message=(
            "the mask is used the wrong way round: in this course True means 'may attend' "
            "(as in F.scaled_dot_product_attention), so block the positions where it is False."
        ),
        replace=(("masked_fill(~mask,", "masked_fill(mask,"),),
    ),
    Mistake(
        name="mask_with_zero",
        task="MultiHeadSelfAttention.forward",
        message=(
            "blocked scores are set to 0 instead of -inf: exp(0) = 1, so masked keys still "
            "get weight. Blocked positions need a score of -inf."
        ),
        replace=(('masked_fill(~mask, float("-inf"))', "masked_fill(~mask, 0.0)"),),
    ),
    Mistake(
        name="softmax_wrong_dim",
        task="MultiHeadSelfAttention.forward",
        message=(
            "the softmax runs over the wrong dimension: each query's weights over the keys "
            "must sum to 1, so normalise along the last dimension of the (B, H, L, L) scores."
        ),
        replace=(("torch.softmax(scores, dim=-1)", "torch.softmax(scores, dim=-2)"),),
    ),
    Mistake(
        name="heads_split_wrong_axis",
        task="MultiHeadSelfAttention.forward",
        message=(
            "the heads are split from the wrong axis: viewing (B, L, D) straight as "
            "(B, H, L, d) mixes positions and features. View it as (B, L, H, d) and then "
            "move the head axis forward."
        ),
        replace=((".view(B, L, H, d).transpose(1, 2)", ".view(B, H, L, d)"),),
    ),
    Mistake(
        name="heads_merged_without_transpose",
        task="MultiHeadSelfAttention.forward",
        message=(
            "the heads are merged without moving the head axis back: (B, H, L, d) must "
            "become (B, L, H, d) before it is flattened to (B, L, D)."
        ),
        replace=(
            ("(weights @ v).transpose(1, 2).reshape(B, L, D)", "(weights @ v).reshape(B, L, D)"),
        ),
    ),
    Mistake(
        name="gelu_tanh_approximation",
        task="FeedForward.forward",
        message=(
            "the feed-forward network uses the tanh approximation of GELU: use the exact one, "
            "0.5 * z * (1 + erf(z / sqrt(2)))."
        ),
        replace=(
            (
                "h = 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))",
                "h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * "
                "(h + 0.044715 * h**3)))",
            ),
        ),
    ),
    Mistake(
        name="relu_instead_of_gelu",
        task="FeedForward.forward",
        message="the feed-forward network uses ReLU: the activation between fc1 and fc2 is GELU.",
        replace=(("h = 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))", "h = torch.relu(h)"),),
    ),
    Mistake(
        name="post_norm",
        task="TransformerBlock.forward",
        message=(
            "the block is post-norm (normalising after each residual sum): this block is "
            "pre-norm, x = x + attn(ln1(x)), then x = x + ff(ln2(x))."
        ),
        replace=(
            (
                "x = x + self.attn(self.ln1(x), mask)",
                "x = self.ln1(x + self.attn(x, mask))",
            ),
            ("out = x + self.ff(self.ln2(x))", "out = self.ln2(x + self.ff(x))"),
        ),
    ),
    Mistake(
        name="attention_residual_missing",
        task="TransformerBlock.forward",
        message=(
            "the residual connection around attention is missing: add the block's input "
            "back to the attention output."
        ),
        replace=(("x = x + self.attn(self.ln1(x), mask)", "x = self.attn(self.ln1(x), mask)"),),
    ),
    Mistake(
        name="mask_not_passed",
        task="TransformerBlock.forward",
        message="the block ignores its mask: pass it on to the attention sublayer.",
        replace=(("self.attn(self.ln1(x), mask)", "self.attn(self.ln1(x))"),),
    ),
]
