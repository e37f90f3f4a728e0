"""BERT's pre-training pieces in PyTorch: masking, embeddings, the masked-LM loss, a CLS head.

BERT reads a pair of sentences, [CLS] A [SEP] B [SEP], with three embeddings
per token: which token it is, where it stands, and which sentence (segment)
it belongs to. It is pre-trained on unlabelled text by two tasks: predicting
tokens that were hidden (the masked language model, MLM) and telling whether
B really follows A (next-sentence prediction, NSP, a classification of the
[CLS] position). The same encoder, with a fresh head on [CLS], is then
fine-tuned on a small labelled task.

The encoder's blocks are the course's own: `TransformerBlock` of
`transformer.py`, the module of the transformer assignment, which sits next to
this file. Put your finished transformer.py there. It is imported only when an
encoder with blocks is built, so everything else (and an encoder with depth=0)
works without it. Do not call F.scaled_dot_product_attention,
nn.MultiheadAttention or nn.Transformer* (the graders refuse a submission that
uses them).

Token ids: PAD_ID = 0 pads a sequence, CLS_ID = 1 starts it, SEP_ID = 2 ends
each sentence, MASK_ID = 3 hides a token; ids from 4 up are words.

Dimension letters used in the docstrings:

- B: batch size
- L: sequence length in tokens ([CLS], [SEP] and padding included)
- V: vocabulary size (special tokens included)
- D: model width (dim)
- S: number of segments (2: sentence A and sentence B)
- K: number of classes of a classification head
"""

import torch
import torch.nn.functional as F
from torch import nn

PAD_ID, CLS_ID, SEP_ID, MASK_ID = 0, 1, 2, 3
SPECIAL_IDS = (PAD_ID, CLS_ID, SEP_ID, MASK_ID)
IGNORE_INDEX = -100  # the label of a position the MLM loss skips


def default_block():
    """The TransformerBlock class of transformer.py, the module next to this one.

    BertEncoder builds its blocks with it when no other block class is given.
    Blocks are called as block(dim, heads, mlp_dim, dropout) and map (B, L, D)
    and a mask (B, L, L) to (B, L, D).
    """
    from transformer import TransformerBlock

    return TransformerBlock


def mask_tokens(ids, vocab_size, mask_id, special_ids, generator, p=0.15):
    """BERT's masking: choose tokens to predict and corrupt the input there.

    Each token that is not special is selected with probability p. Of the
    selected tokens, 80% are replaced by mask_id, 10% by a random word (drawn
    uniformly from the ids that are not special) and 10% are left as they
    are. The labels hold the original id at every selected position and
    IGNORE_INDEX (-100) everywhere else. Special tokens are never selected.

    The random numbers come from `generator` only, in this order, each draw
    covering the whole (B, L) shape whatever was selected before:
    1. torch.rand((B, L)): position (b, l) is selected when its number is < p
       (and the token is not special);
    2. torch.rand((B, L)): a selected position whose number u is < 0.8 gets
       the mask, 0.8 <= u < 0.9 a random word, u >= 0.9 keeps its token;
    3. torch.randint(len(allowed), (B, L)): the index into `allowed` (the
       non-special ids, in increasing order) of the random word of each
       position that gets one.
    Draw with torch's default dtypes (float32 for rand, int64 for randint).

    Inputs:
    - ids: int64 tensor of shape (B, L)
    - vocab_size: int, V
    - mask_id: int, the id of the mask token
    - special_ids: iterable of ints, the ids that are never selected
    - generator: torch.Generator
    - p: float, the selection probability

    Returns a tuple of:
    - input_ids: int64 tensor of shape (B, L), ids with the corruptions
    - labels: int64 tensor of shape (B, L), the original id where selected,
      -100 elsewhere

    `ids` itself is not changed.
    """
    special_ids = sorted(set(int(s) for s in special_ids))
    special = torch.isin(ids, torch.tensor(special_ids, dtype=ids.dtype))  # (B, L) bool
    # the ids a random word is drawn from, in increasing order
    allowed = torch.tensor([i for i in range(vocab_size) if i not in special_ids])
    shape = ids.shape
    # Fill `input_ids` and `labels`, drawing exactly as described above.
    # YOUR CODE HERE
    raise NotImplementedError("bert/mask_tokens: fill in this blank (see its docstring)")
    return input_ids, labels


class BertEmbeddings(nn.Module):
    """Token + position + segment embeddings, then a layer norm (and dropout).

    Submodules (the graders load weights by these names):
    - tok: nn.Embedding(vocab, dim)
    - pos: nn.Embedding(max_len, dim), learned positions 0 .. max_len - 1
    - seg: nn.Embedding(n_segments, dim)
    - norm: nn.LayerNorm(dim)
    - dropout: nn.Dropout(dropout)
    """

    def __init__(self, vocab, max_len, dim, n_segments=2, dropout=0.0):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_len, dim)
        self.seg = nn.Embedding(n_segments, dim)
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids, segments=None):
        """
        Inputs:
        - ids: int64 tensor of shape (B, L), L <= max_len
        - segments: int64 tensor of shape (B, L) with values in [0, S), or
          None for all zeros (a single sentence)

        Returns:
        - out: tensor of shape (B, L, D); position l of every sequence uses
          position embedding l (the first token is position 0)
        """
        B, L = ids.shape
        if segments is None:
            segments = torch.zeros_like(ids)
        # Fill `out` (before dropout).
        # YOUR CODE HERE
        raise NotImplementedError("bert/BertEmbeddings.forward: fill in this blank (see its docstring)")
        return self.dropout(out)


def attention_mask(ids, pad_id=PAD_ID):
    """The self-attention mask of a padded batch: nobody attends to padding.

    Query i of sequence b may attend to key j when token j of sequence b is
    not padding, whatever token i is (the outputs at padded positions are
    never used, but their rows must still allow some key).

    Inputs:
    - ids: int64 tensor of shape (B, L); every sequence has a token that is
      not padding
    - pad_id: int

    Returns:
    - mask: bool tensor of shape (B, L, L), True = may attend (the blocks'
      convention)
    """
    B, L = ids.shape
    # Fill `mask`.
    # YOUR CODE HERE
    raise NotImplementedError("bert/attention_mask: fill in this blank (see its docstring)")
    return mask


class BertEncoder(nn.Module):
    """Embeddings, a stack of pre-norm blocks with the padding mask, a final norm.

    Submodules: embed (BertEmbeddings), blocks (nn.ModuleList of `depth`
    blocks), norm (nn.LayerNorm(dim)). A pre-norm stack ends in a layer norm
    of its own, because nothing normalises the last block's residual sum.

    forward(ids, segments=None) -> hidden states (B, L, D).
    """

    def __init__(
        self,
        vocab,
        max_len,
        dim,
        depth,
        heads,
        mlp_dim,
        n_segments=2,
        dropout=0.0,
        pad_id=PAD_ID,
        block=None,
    ):
        super().__init__()
        self.dim = dim
        self.pad_id = pad_id
        self.embed = BertEmbeddings(vocab, max_len, dim, n_segments, dropout)
        if block is None and depth > 0:
            block = default_block()
        self.blocks = nn.ModuleList([block(dim, heads, mlp_dim, dropout) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids, segments=None):
        mask = attention_mask(ids, self.pad_id)  # (B, L, L)
        h = self.embed(ids, segments)  # (B, L, D)
        for blk in self.blocks:
            h = blk(h, mask)
        return self.norm(h)


class ClsHead(nn.Module):
    """BERT's classification head on the [CLS] position.

    The hidden state of position 0 (the [CLS] token) goes through the pooler,
    a linear layer D -> D followed by tanh, and then through a linear layer
    D -> K that gives the logits. Next-sentence prediction is this head with
    K = 2; fine-tuning puts a fresh one on the pre-trained encoder.

    Submodules (the graders load weights by these names):
    - pooler: nn.Linear(dim, dim)
    - head: nn.Linear(dim, num_classes)
    - dropout: nn.Dropout(dropout), on the pooled vector
    """

    def __init__(self, dim, num_classes, dropout=0.0):
        super().__init__()
        self.pooler = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, h):
        """
        Inputs:
        - h: tensor of shape (B, L, D), the encoder's output

        Returns:
        - logits: tensor of shape (B, K)
        """
        # Fill `logits` (apply self.dropout to the pooled vector before the head).
        # YOUR CODE HERE
        raise NotImplementedError("bert/ClsHead.forward: fill in this blank (see its docstring)")
        return logits


class BertClassifier(nn.Module):
    """An encoder with a classification head on [CLS].

    Submodules: encoder (a BertEncoder, possibly pre-trained), cls_head (ClsHead).
    forward(ids, segments=None) -> logits (B, K).
    """

    def __init__(self, encoder, num_classes, dropout=0.0):
        super().__init__()
        self.encoder = encoder
        self.cls_head = ClsHead(encoder.dim, num_classes, dropout)

    def forward(self, ids, segments=None):
        return self.cls_head(self.encoder(ids, segments))


class BertPreTraining(nn.Module):
    """The encoder with BERT's two pre-training heads.

    Submodules: encoder (BertEncoder), mlm_head (nn.Linear(dim, vocab)), the
    masked-LM head applied at every position, and nsp_head (ClsHead(dim, 2)),
    next-sentence prediction on [CLS].

    forward(ids, segments=None) -> (mlm_logits (B, L, V), nsp_logits (B, 2)).
    """

    def __init__(self, encoder, vocab):
        super().__init__()
        self.encoder = encoder
        self.mlm_head = nn.Linear(encoder.dim, vocab)
        self.nsp_head = ClsHead(encoder.dim, 2)

    def forward(self, ids, segments=None):
        h = self.encoder(ids, segments)  # (B, L, D)
        return self.mlm_head(h), self.nsp_head(h)


def mlm_loss(logits, labels):
    """The masked-LM loss: mean cross-entropy over the positions that carry a label.

    Inputs:
    - logits: tensor of shape (B, L, V)
    - labels: int64 tensor of shape (B, L), a token id where the position was
      selected by mask_tokens, IGNORE_INDEX (-100) elsewhere

    Returns:
    - loss: 0-d tensor, the mean over the labelled positions only (every
      labelled position of the batch weighs the same); 0 when no position
      carries a label (with a gradient of zeros, so that a training step
      still works)
    """
    if not bool((labels != IGNORE_INDEX).any()):
        return logits.sum() * 0.0
    # Fill `loss`.
    # YOUR CODE HERE
    raise NotImplementedError("bert/mlm_loss: fill in this blank (see its docstring)")
    return loss


def evaluate(model, loader, loss_fn):
    """Mean loss and accuracy of a classifier over `loader`, in eval mode, without gradients.

    Batches are (ids, segments, y). The model's train/eval mode is restored afterwards.
    Returns (mean_loss, accuracy), both floats, each batch weighted by its size.
    """
    mode_before = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for ids, segments, target in loader:
            logits = model(ids, segments)
            total_loss += loss_fn(logits, target).item() * len(target)
            correct += (logits.argmax(dim=1) == target).sum().item()
            count += len(target)
    model.train(mode_before)
    return total_loss / count, correct / count


def fine_tune(model, loader, epochs, lr, weight_decay=0.0, val_loader=None, loss_fn=None):
    """Train a classifier with AdamW at a constant learning rate.

    - Optimizer: torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
      with torch's default betas and eps; one update per batch, no schedule.
    - Each epoch: the model in train mode, for every batch (ids, segments, y)
      of `loader`: clear the gradients, logits = model(ids, segments), the
      loss, backpropagate, step. Then append to history["train_loss"] the
      epoch's mean loss over examples (each batch's loss, measured before its
      update, weighted by its batch size) and, when val_loader is given,
      append evaluate(model, val_loader, loss_fn) to history["val_loss"] and
      history["val_acc"].

    Inputs:
    - model: an nn.Module, model(ids, segments) -> logits (B, K)
    - loader: yields (ids (B, L), segments (B, L), y (B,)) batches; has a length
    - epochs: int >= 1
    - lr: float, the learning rate
    - weight_decay: AdamW's decoupled weight decay
    - val_loader: optional, batches like loader's
    - loss_fn: loss_fn(logits, y) -> the mean loss of a batch; defaults to
      nn.CrossEntropyLoss()

    Returns:
    - history: dict of lists with one float per epoch: "train_loss", and
      "val_loss" and "val_acc" (empty lists without a val_loader)
    """
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss()
    history = {"train_loss": [], "val_loss": [], "val_acc": []}
    # Fill in the optimizer and the epochs.
    # YOUR CODE HERE
    raise NotImplementedError("bert/fine_tune: fill in this blank (see its docstring)")
    return history
