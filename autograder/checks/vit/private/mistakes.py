"""Known mistakes of the vit assignment, as edits of its reference module."""

from autograder.checkkit import Mistake

MISTAKES = [
    Mistake(
        name="patchify_reshape_only",
        task="patchify",
        message=(
            "the image is reshaped straight to (B, N, C*p*p) without moving any axis: the shape "
            "is right but every 'patch' is a run of consecutive pixels of one row, not a p x p "
            "block. Split H and W into (grid, pixel) pairs and bring the two grid axes in front "
            "of the channel axis before flattening."
        ),
        replace=(("patches.permute(0, 2, 4, 1, 3, 5)", "patches"),),
    ),
    Mistake(
        name="patches_column_major",
        task="patchify",
        message=(
            "the patches are numbered column by column: patch n must sit in grid row n // (W/p) "
            "and grid column n % (W/p) (row-major order, as F.unfold numbers them), so the grid "
            "row axis comes before the grid column axis."
        ),
        replace=(("permute(0, 2, 4, 1, 3, 5)", "permute(0, 4, 2, 1, 3, 5)"),),
    ),
    Mistake(
        name="patch_channels_last",
        task="patchify",
        message=(
            "each patch is flattened with the channel last (row, column, channel): flatten it "
            "channel first, then row, then column, the (C, p, p) order of the convolution's "
            "kernel."
        ),
        replace=(("permute(0, 2, 4, 1, 3, 5)", "permute(0, 2, 4, 3, 5, 1)"),),
    ),
    Mistake(
        name="tokens_reshaped_not_transposed",
        task="PatchEmbed.forward",
        message=(
            "the convolution's output (B, D, N) is reshaped to (B, N, D) instead of transposed: "
            "the shape is right but each token mixes numbers of different features and patches. "
            "Swap the feature and patch axes with a transpose."
        ),
        replace=(
            (
                "grid.flatten(2).transpose(1, 2)",
                "grid.reshape(grid.shape[0], -1, grid.shape[1])",
            ),
        ),
    ),
    Mistake(
        name="tokens_column_major",
        task="PatchEmbed.forward",
        message=(
            "the tokens come out column by column of the patch grid: flatten the grid of the "
            "convolution's output row by row, the order patchify uses."
        ),
        replace=(
            ("grid.flatten(2).transpose(1, 2)", "grid.transpose(2, 3).flatten(2).transpose(1, 2)"),
        ),
    ),
    Mistake(
        name="linear_weight_channels_last",
        task="patch_embed_linear",
        message=(
            "the kernel is flattened in (row, column, channel) order while patchify flattens a "
            "patch channel first: flatten the weight (D, C, p, p) in its own order so that its "
            "entries line up with the patch's."
        ),
        replace=(("weight.reshape(D, -1).T", "weight.permute(0, 2, 3, 1).reshape(D, -1).T"),),
    ),
    Mistake(
        name="linear_without_bias",
        task="patch_embed_linear",
        message=(
            "the bias is missing: the convolution adds its bias to every output position, so "
            "every token gets the bias too."
        ),
        replace=(("weight.reshape(D, -1).T + bias", "weight.reshape(D, -1).T"),),
    ),
    Mistake(
        name="cls_token_missing",
        task="ViT.forward",
        message=(
            "there is no CLS token: the sequence holds only the N patch tokens, so the head reads "
            "the first patch instead of a token that gathers the whole image. Put the learned CLS "
            "token in front of the patch tokens (N + 1 tokens) before adding the position "
            "embeddings."
        ),
        replace=(
            (
                "h = torch.cat([cls, tokens], dim=1) + self.pos_embed",
                "h = tokens + self.pos_embed[:, 1:]",
            ),
        ),
    ),
    Mistake(
        name="cls_token_last",
        task="ViT.forward",
        message=(
            "the CLS token is appended after the patch tokens: it goes in front, at position 0, "
            "where the head reads it and where row 0 of the position embeddings belongs."
        ),
        replace=(("torch.cat([cls, tokens], dim=1)", "torch.cat([tokens, cls], dim=1)"),),
    ),
    Mistake(
        name="cls_without_position",
        task="ViT.forward",
        message=(
            "the position embeddings are added to the patch tokens only: the CLS token gets row 0 "
            "of them too. Add all N + 1 rows after joining the CLS token to the patches."
        ),
        replace=(
            (
                "h = torch.cat([cls, tokens], dim=1) + self.pos_embed",
                "h = torch.cat([cls, tokens + self.pos_embed[:, 1:]], dim=1)",
            ),
        ),
    ),
    Mistake(
        name="head_on_mean_of_tokens",
        task="ViT.forward",
        message=(
            "the head reads the mean of all tokens: in this ViT it reads the CLS position only, "
            "position 0 of the normalised sequence."
        ),
        replace=(("logits = self.head(h[:, 0])", "logits = self.head(h.mean(dim=1))"),),
    ),
    Mistake(
        name="head_on_last_token",
        task="ViT.forward",
        message=(
            "the head reads the last token, a patch: the CLS token is at position 0 of the "
            "sequence, and that is the position to classify from."
        ),
        replace=(("logits = self.head(h[:, 0])", "logits = self.head(h[:, -1])"),),
    ),
    Mistake(
        name="no_final_norm",
        task="ViT.forward",
        message=(
            "the final layer norm is skipped: in a pre-norm stack nothing normalises the last "
            "block's residual sum, so apply the model's norm to the sequence before the head."
        ),
        replace=(("        h = self.norm(h)\n", ""),),
    ),
    Mistake(
        name="attention_to_cls",
        task="cls_attention",
        message=(
            "the map reads column 0 of the weights, how much each patch takes from the CLS token: "
            "what the CLS token takes from each patch is row 0 (query = CLS), without its own "
            "column 0."
        ),
        replace=(("weights[:, :, 0, 1:]", "weights[:, :, 1:, 0]"),),
    ),
    Mistake(
        name="cls_map_column_major",
        task="cls_attention",
        message=(
            "the N values are laid out column by column: patch n belongs at row n // gw, column "
            "n % gw of the grid, the row-major order of patchify."
        ),
        replace=(
            (".mean(dim=1).reshape(B, gh, gw)", ".mean(dim=1).reshape(B, gw, gh).transpose(1, 2)"),
        ),
    ),
    Mistake(
        name="cls_map_summed_over_heads",
        task="cls_attention",
        message=(
            "the heads are summed: average them, so that the map stays a share of the CLS "
            "token's attention whatever the number of heads."
        ),
        replace=((".mean(dim=1).reshape(B, gh, gw)", ".sum(dim=1).reshape(B, gh, gw)"),),
    ),
]
