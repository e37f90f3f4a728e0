"""A pre-norm Transformer block in PyTorch, built from its parts.

You write multi-head self-attention, the position-wise feed-forward network and
the block that joins them with layer norms and residual connections. Use torch
tensors, nn.Linear, nn.LayerNorm, nn.Dropout and elementwise functions; do not
call F.scaled_dot_product_attention, nn.MultiheadAttention or nn.Transformer*
(the graders refuse a module that does).

Dimension letters used in the docstrings:

- B: batch size
- L: sequence length
- D: model width (d_model)
- H: number of heads; d = D // H is the width of one head
- F: hidden width of the feed-forward network (d_ff)

Masks are boolean with True meaning "query i may attend to key j" (the meaning
of a boolean attn_mask in F.scaled_dot_product_attention, and the opposite of
nn.MultiheadAttention's). Every query row of a mask allows at least one key.
"""

import math

import torch
from torch import nn


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention: queries, keys and values all come from x.

    Submodules (the graders load weights by these names):
    - q_proj, k_proj, v_proj, out_proj: nn.Linear(d_model, d_model)
    - attn_dropout: dropout on the attention weights
    - resid_dropout: dropout on the output

    The D output features of each projection are cut into H contiguous chunks
    of width d: head h uses features h*d to (h+1)*d, as in nn.MultiheadAttention.

    After each forward pass the attention weights (before dropout, detached) are
    kept on `self.last_attn`, shape (B, H, L, L), for plots. The graders do not
    look at it.
    """

    def __init__(self, d_model, num_heads, dropout=0.0):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"num_heads={num_heads} does not divide d_model={d_model}")
        self.d_model = d_model
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        self.last_attn = None

    def forward(self, x, mask=None):
        """
        Inputs:
        - x: tensor of shape (B, L, D)
        - mask: optional bool tensor of shape (L, L) or (B, L, L); True = may attend

        Returns:
        - out: tensor of shape (B, L, D)
        """
        B, L, D = x.shape
        H, d = self.num_heads, self.head_dim
        if mask is not None and mask.dim() == 3:
            mask = mask.unsqueeze(1)  # (B, 1, L, L): the same mask for every head

        # Fill `v` (B, H, L, d) and the attention weights `weights` (B, H, L, L):
        # project x, split the heads, score with scaled dot products, mask
        # (blocked scores become -inf) and softmax over the keys.
        ### BEGIN SOLUTION
        q = self.q_proj(x).view(B, L, H, d).transpose(1, 2)  # (B, H, L, d)
        k = self.k_proj(x).view(B, L, H, d).transpose(1, 2)  # (B, H, L, d)
        v = self.v_proj(x).view(B, L, H, d).transpose(1, 2)  # (B, H, L, d)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (B, H, L, L)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        ### END SOLUTION
        self.last_attn = weights.detach()
        weights = self.attn_dropout(weights)

        # Fill `out` (B, L, D): mix the values with the weights, merge the heads
        # back into D features and apply the output projection.
        ### BEGIN SOLUTION
        heads = (weights @ v).transpose(1, 2).reshape(B, L, D)  # (B, L, D)
        out = self.out_proj(heads)
        ### END SOLUTION
        return self.resid_dropout(out)


class FeedForward(nn.Module):
    """Position-wise feed-forward network: fc2(GELU(fc1(x))), then dropout.

    GELU is the exact one, GELU(z) = z * Phi(z) = 0.5 * z * (1 + erf(z / sqrt(2))),
    not the tanh approximation.

    Submodules: fc1 = nn.Linear(d_model, d_ff), fc2 = nn.Linear(d_ff, d_model),
    dropout.
    """

    def __init__(self, d_model, d_ff, dropout=0.0):
        super().__init__()
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        """
        Inputs:
        - x: tensor of shape (B, L, D)

        Returns:
        - out: tensor of shape (B, L, D)
        """
        # Fill `out` (before dropout).
        ### BEGIN SOLUTION
        h = self.fc1(x)  # (B, L, F)
        h = 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))
        out = self.fc2(h)
        ### END SOLUTION
        return self.dropout(out)


class TransformerBlock(nn.Module):
    """Pre-norm Transformer encoder block.

        x = x + attn(ln1(x), mask)
        x = x + ff(ln2(x))

    Submodules: ln1, ln2 = nn.LayerNorm(d_model); attn = MultiHeadSelfAttention;
    ff = FeedForward. With dropout=0 it computes what
    nn.TransformerEncoderLayer(d_model, num_heads, d_ff, dropout=0,
    activation="gelu", batch_first=True, norm_first=True) computes.
    """

    def __init__(self, d_model, num_heads, d_ff, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)

    def forward(self, x, mask=None):
        """
        Inputs:
        - x: tensor of shape (B, L, D)
        - mask: optional bool tensor of shape (L, L) or (B, L, L); True = may attend

        Returns:
        - out: tensor of shape (B, L, D)
        """
        # Fill `out`.
        ### BEGIN SOLUTION
        x = x + self.attn(self.ln1(x), mask)
        out = x + self.ff(self.ln2(x))
        ### END SOLUTION
        return out
