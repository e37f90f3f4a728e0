"""A Vision Transformer (ViT) in PyTorch: an image read as a sequence of patches.

The image is cut into square patches; each patch, flattened, becomes one token
through a linear map (the patch embedding). A learned CLS token is put in
front of the patch tokens, learned position embeddings are added, a stack of
pre-norm Transformer blocks mixes the tokens, and a linear head reads the
class from the CLS token after a final layer norm.

The blocks are the course's own: `TransformerBlock` of `transformer.py`, the
module of the transformer assignment, which sits next to this file. Put your
finished transformer.py there. It is imported only when a ViT with blocks is
built, so everything else (and a ViT with depth=0) works without it.

Use torch tensors and their operations, nn.Conv2d, nn.Linear, nn.LayerNorm,
nn.Dropout and F.unfold; the attention itself comes from your own block, so
F.scaled_dot_product_attention, nn.MultiheadAttention and nn.Transformer* stay
out (the graders refuse a submission that uses them).

Dimension letters used in the docstrings:

- B: batch size
- C: image channels (in_ch)
- H, W: image height and width, both multiples of P
- P: the side of a square patch (patch)
- N: number of patches, (H // P) * (W // P)
- D: token width (dim)
- K: number of classes
- A: number of attention heads
"""

import torch
from torch import nn


def default_block():
    """The TransformerBlock class of transformer.py, the module next to this one.

    ViT builds its blocks with it when no other block class is given. Blocks
    are called as block(dim, heads, mlp_dim, dropout) and map (B, L, D) to
    (B, L, D).
    """
    from transformer import TransformerBlock

    return TransformerBlock


def patchify(x, p):
    """Cut each image into non-overlapping p x p patches and flatten every patch.

    Patches are numbered in row-major order over the grid of patches: the
    top row of patches from left to right, then the next row down. Patch
    number r * (W // p) + s covers image rows r*p to (r+1)*p - 1 and columns
    s*p to (s+1)*p - 1. A patch is flattened channel first, then row, then
    column: entry c * p * p + i * p + j holds channel c, row i, column j of
    the patch.

    Inputs:
    - x: tensor of shape (B, C, H, W); H and W are multiples of p
    - p: int, the side of a patch

    Returns:
    - patches: tensor of shape (B, N, C * p * p), N = (H // p) * (W // p)
    """
    B, C, H, W = x.shape
    if H % p or W % p:
        raise ValueError(f"the image size {H}x{W} is not a multiple of the patch size {p}")
    gh, gw = H // p, W // p  # the grid of patches is gh x gw
    # Fill `patches` with reshapes and one permute (no loops).
    ### BEGIN SOLUTION
    patches = x.reshape(B, C, gh, p, gw, p)  # (B, C, gh, p, gw, p)
    patches = patches.permute(0, 2, 4, 1, 3, 5)  # (B, gh, gw, C, p, p)
    patches = patches.reshape(B, gh * gw, C * p * p)  # (B, N, C*p*p)
    ### END SOLUTION
    return patches


def patch_embed_linear(x, weight, bias, p):
    """The patch embedding as patchify followed by one linear map.

    A convolution with kernel p x p and stride p sees each patch exactly once,
    so it is a linear map applied to every flattened patch. This function
    computes that linear map with the convolution's own weights, reshaped to
    (D, C * p * p) so that their order matches patchify's flattening.

    Inputs:
    - x: tensor of shape (B, C, H, W)
    - weight: tensor of shape (D, C, p, p), the weight of nn.Conv2d(C, D, p, stride=p)
    - bias: tensor of shape (D,)
    - p: int, the side of a patch

    Returns:
    - tokens: tensor of shape (B, N, D), equal to PatchEmbed's convolution
      with these weights
    """
    D = weight.shape[0]
    patches = patchify(x, p)  # (B, N, C*p*p)
    # Fill `tokens`.
    ### BEGIN SOLUTION
    tokens = patches @ weight.reshape(D, -1).T + bias  # (B, N, D)
    ### END SOLUTION
    return tokens


class PatchEmbed(nn.Module):
    """Patch embedding by a strided convolution.

    Submodule (the graders load weights by this name):
    - proj: nn.Conv2d(in_ch, dim, patch, stride=patch)
    """

    def __init__(self, in_ch, patch, dim):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(in_ch, dim, patch, stride=patch)

    def forward(self, x):
        """
        Inputs:
        - x: tensor of shape (B, C, H, W)

        Returns:
        - tokens: tensor of shape (B, N, D), one token per patch, the patches
          in patchify's row-major order
        """
        # Fill `tokens`: convolve, then turn the (B, D, H // P, W // P) grid of
        # outputs into a sequence of N tokens of width D.
        ### BEGIN SOLUTION
        grid = self.proj(x)  # (B, D, H // P, W // P)
        tokens = grid.flatten(2).transpose(1, 2)  # (B, N, D)
        ### END SOLUTION
        return tokens


class ViT(nn.Module):
    """A Vision Transformer for classification.

    The N patch tokens (B, N, D) get the CLS token in front, making N + 1
    tokens, and the position embeddings are added to all of them. The blocks
    map (B, N + 1, D) to (B, N + 1, D), one after the other; the final norm
    and the head then turn the CLS position alone into K logits.

    Submodules and parameters (the graders load weights by these names):
    - patch_embed: PatchEmbed(in_ch, patch, dim)
    - cls_token: nn.Parameter of shape (1, 1, D)
    - pos_embed: nn.Parameter of shape (1, N + 1, D); row 0 belongs to the CLS token
    - blocks: nn.ModuleList of `depth` blocks, block(dim, heads, mlp_dim, dropout)
    - norm: nn.LayerNorm(dim)
    - head: nn.Linear(dim, num_classes)
    - dropout: dropout on the embedded tokens

    Inputs of the constructor:
    - image_size: int (square images) or a pair (H, W)
    - patch, in_ch, num_classes, dim, depth, heads, mlp_dim: as named
    - dropout: dropout probability of the embeddings and of the blocks
    - block: the block class; by default TransformerBlock of transformer.py
    """

    def __init__(
        self,
        image_size,
        patch,
        in_ch,
        num_classes,
        dim,
        depth,
        heads,
        mlp_dim,
        dropout=0.0,
        block=None,
    ):
        super().__init__()
        H, W = (image_size, image_size) if isinstance(image_size, int) else image_size
        if H % patch or W % patch:
            raise ValueError(f"the image size {H}x{W} is not a multiple of the patch size {patch}")
        self.grid = (H // patch, W // patch)
        self.num_patches = self.grid[0] * self.grid[1]
        self.patch_embed = PatchEmbed(in_ch, patch, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_patches + 1, dim))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.dropout = nn.Dropout(dropout)
        if block is None and depth > 0:
            block = default_block()
        self.blocks = nn.ModuleList([block(dim, heads, mlp_dim, dropout) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        """
        Inputs:
        - x: tensor of shape (B, C, H, W)

        Returns:
        - logits: tensor of shape (B, K)
        """
        B = x.shape[0]
        # Fill `h` (B, N + 1, D): the patch tokens with the CLS token in front
        # (one copy per image), plus the position embeddings.
        ### BEGIN SOLUTION
        tokens = self.patch_embed(x)  # (B, N, D)
        cls = self.cls_token.expand(B, -1, -1)  # (B, 1, D)
        h = torch.cat([cls, tokens], dim=1) + self.pos_embed  # (B, N + 1, D)
        ### END SOLUTION
        h = self.dropout(h)
        # Fill `logits`: run the blocks in order, then the final norm, then the
        # head on the CLS position.
        ### BEGIN SOLUTION
        for blk in self.blocks:
            h = blk(h)
        h = self.norm(h)
        logits = self.head(h[:, 0])  # (B, K)
        ### END SOLUTION
        return logits


def cls_attention(weights, grid):
    """How much the CLS token attends to each patch, as a picture of the grid.

    Inputs:
    - weights: tensor of shape (B, A, N + 1, N + 1), attention weights of one
      block over the ViT's tokens (CLS first); row i holds what query i
      attends to
    - grid: pair (gh, gw) with gh * gw = N, the grid of patches

    Returns:
    - maps: tensor of shape (B, gh, gw): the weight from the CLS query to each
      patch, averaged over the heads, patch n at row n // gw, column n % gw
    """
    B = weights.shape[0]
    gh, gw = grid
    # Fill `maps`.
    ### BEGIN SOLUTION
    maps = weights[:, :, 0, 1:].mean(dim=1).reshape(B, gh, gw)
    ### END SOLUTION
    return maps
