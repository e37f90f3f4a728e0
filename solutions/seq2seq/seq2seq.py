"""Sequence to sequence with additive attention in PyTorch.

An encoder GRU reads the source tokens; a decoder GRU cell writes the target
one token at a time and, before every token, looks back at all the encoder's
states through additive (Bahdanau) attention. You write the pieces and the
three ways of running them: teacher forcing for training, greedy decoding and
beam search for inference.

Use nn.Embedding, nn.GRU / nn.GRUCell, nn.Linear, torch tensors and elementwise
functions (nn.utils.rnn's packing helpers included). Do not call
nn.MultiheadAttention, F.scaled_dot_product_attention or nn.Transformer*: the
graders refuse a module that does.

Dimension letters used in the docstrings:

- B: batch size
- S: source length (the longest source of the batch; shorter ones are padded)
- T: target length (decoder steps)
- V: vocabulary size
- E: embedding width
- H: hidden width of the GRUs and of the attention
- K: beam width

Token ids: PAD = 0 fills the positions after a sequence ends, SOS = 1 starts
every decoder input, EOS = 2 ends every target. Token tensors are int64. A
source of length n holds its tokens at positions 0 .. n-1 and PAD after them;
every source has at least one token.
"""

import torch
from torch import nn

PAD, SOS, EOS = 0, 1, 2


def length_mask(lengths, max_len):
    """Which positions of a padded batch hold real tokens.

    Inputs:
    - lengths: int64 tensor of shape (B,), each between 1 and max_len
    - max_len: int, the padded length (S)

    Returns:
    - mask: bool tensor of shape (B, max_len); mask[b, s] is True when s < lengths[b]
    """
    positions = torch.arange(max_len, device=lengths.device)
    return positions[None, :] < lengths[:, None]


class Encoder(nn.Module):
    """Embedding and a one-layer, one-directional GRU over the source.

    Submodules (the graders load weights by these names):
    - embed: nn.Embedding(vocab, emb, padding_idx=PAD)
    - gru: nn.GRU(emb, hidden, batch_first=True)
    """

    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.gru = nn.GRU(emb, hidden, batch_first=True)

    def forward(self, src, src_len):
        """
        Inputs:
        - src: int64 tensor of shape (B, S), padded with PAD
        - src_len: int64 tensor of shape (B,), the number of real tokens of each source

        Returns a tuple of:
        - outputs: tensor of shape (B, S, H), the GRU's state after each real token;
          exactly 0 at padded positions
        - h: tensor of shape (1, B, H), each source's state after its last real
          token (not after the padding that follows it)
        """
        B, S = src.shape
        x = self.embed(src)  # (B, S, E)
        # Fill `outputs` and `h`. The lengths are in no particular order, and
        # the GRU must not run over a source's padding.
        ### BEGIN SOLUTION
        packed = nn.utils.rnn.pack_padded_sequence(
            x, src_len.cpu(), batch_first=True, enforce_sorted=False
        )
        packed_out, h = self.gru(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(packed_out, batch_first=True, total_length=S)
        ### END SOLUTION
        return outputs, h


class AdditiveAttention(nn.Module):
    """Additive (Bahdanau) attention of one query over a padded set of keys.

    The score of key s is a small network of the query and the key,

        score[b, s] = v(tanh(W_q(query[b]) + W_k(keys[b, s])))

    the weights are the softmax of the scores over the real keys of each row,
    and the context is the weighted sum of the keys. Positions where the mask
    is False get a weight of exactly 0.

    Submodules: W_q, W_k = nn.Linear(hidden, hidden, bias=False);
    v = nn.Linear(hidden, 1, bias=False).
    """

    def __init__(self, hidden):
        super().__init__()
        self.W_q = nn.Linear(hidden, hidden, bias=False)
        self.W_k = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, query, keys, mask):
        """
        Inputs:
        - query: tensor of shape (B, H), the decoder's state
        - keys: tensor of shape (B, S, H), the encoder's outputs
        - mask: bool tensor of shape (B, S), True at real tokens; every row has one

        Returns a tuple of:
        - context: tensor of shape (B, H)
        - weights: tensor of shape (B, S); each row sums to 1 and is 0 where mask is False
        """
        # Fill `context` and `weights`.
        ### BEGIN SOLUTION
        hidden = torch.tanh(self.W_q(query)[:, None, :] + self.W_k(keys))  # (B, S, H)
        scores = self.v(hidden).squeeze(-1)  # (B, S)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, S)
        context = (weights[:, :, None] * keys).sum(dim=1)  # (B, H)
        ### END SOLUTION
        return context, weights


class Decoder(nn.Module):
    """A GRU cell that writes one token per step, attending to the source first.

    One step, from the previous token y_prev and the previous state h:

    1. attend with h as the query over the encoder's outputs: context (B, H);
    2. the cell's input is the embedding of y_prev followed by the context (B, E + H);
    3. the cell turns that input and h into the new state h_new (B, H);
    4. the logits come from `out` applied to h_new followed by the context (B, 2H).

    Submodules: embed = nn.Embedding(vocab, emb, padding_idx=PAD);
    attn = AdditiveAttention(hidden); cell = nn.GRUCell(emb + hidden, hidden);
    out = nn.Linear(2 * hidden, vocab).
    """

    def __init__(self, vocab, emb, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.attn = AdditiveAttention(hidden)
        self.cell = nn.GRUCell(emb + hidden, hidden)
        self.out = nn.Linear(2 * hidden, vocab)

    def step(self, y_prev, h, enc_out, mask):
        """
        Inputs:
        - y_prev: int64 tensor of shape (B,), the previous token (SOS at the first step)
        - h: tensor of shape (B, H), the previous state
        - enc_out: tensor of shape (B, S, H), the encoder's outputs
        - mask: bool tensor of shape (B, S), True at real source tokens

        Returns a tuple of:
        - logits: tensor of shape (B, V), the scores of the next token
        - h_new: tensor of shape (B, H), the new state
        - weights: tensor of shape (B, S), the attention weights of this step
        """
        # Fill `logits`, `h_new` and `weights` (steps 1 to 4 above).
        ### BEGIN SOLUTION
        context, weights = self.attn(h, enc_out, mask)
        cell_input = torch.cat([self.embed(y_prev), context], dim=-1)  # (B, E + H)
        h_new = self.cell(cell_input, h)
        logits = self.out(torch.cat([h_new, context], dim=-1))  # (B, V)
        ### END SOLUTION
        return logits, h_new, weights


def seq2seq_loss(logits, target):
    """Mean cross-entropy over the real (non-PAD) target tokens of a batch.

    Every real token of every sequence counts once, so a long target weighs
    more than a short one; PAD positions add nothing, whatever their logits.

    Inputs:
    - logits: tensor of shape (B, T, V)
    - target: int64 tensor of shape (B, T), padded with PAD; at least one real token

    Returns:
    - loss: 0-d tensor
    """
    # Fill `loss`.
    ### BEGIN SOLUTION
    logp = torch.log_softmax(logits, dim=-1)  # (B, T, V)
    nll = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)  # (B, T)
    real = (target != PAD).to(nll.dtype)
    loss = (nll * real).sum() / real.sum()
    ### END SOLUTION
    return loss


def teacher_forced_logits(encoder, decoder, src, src_len, tgt_in):
    """Run the decoder over a whole target with teacher forcing.

    The encoder reads the source once; its final state starts the decoder.
    At step t the decoder is fed the true token tgt_in[:, t] (SOS, then the
    target shifted right by one), never its own prediction, and its state is
    carried from step to step. The attention sees only the real source tokens.

    Inputs:
    - encoder: an Encoder (or anything with its call signature)
    - decoder: a Decoder (or anything with its step method)
    - src: int64 tensor of shape (B, S); src_len: int64 tensor of shape (B,)
    - tgt_in: int64 tensor of shape (B, T), the decoder's inputs

    Returns:
    - logits: tensor of shape (B, T, V); logits[:, t] predicts the token after tgt_in[:, t]
    """
    B, T = tgt_in.shape
    logits = []  # one (B, V) tensor per step
    # Fill `logits`. Build the source mask with length_mask.
    ### BEGIN SOLUTION
    mask = length_mask(src_len, src.shape[1])  # (B, S)
    enc_out, h = encoder(src, src_len)  # h: (1, B, H)
    h = h[0]  # (B, H)
    for t in range(T):
        step_logits, h, _ = decoder.step(tgt_in[:, t], h, enc_out, mask)
        logits.append(step_logits)
    ### END SOLUTION
    return torch.stack(logits, dim=1)


def greedy_decode(encoder, decoder, src, src_len, max_len):
    """Decode each source by always taking the most likely next token.

    The first input is SOS; afterwards each step's input is the previous
    step's argmax (the lower token id on ties, as torch.argmax). A sequence
    ends when it produces EOS (which is not part of the result) or after
    max_len tokens. Sequences of a batch end independently: a finished one
    takes nothing more, even while the others go on.

    Inputs:
    - encoder, decoder: as in teacher_forced_logits
    - src: int64 tensor of shape (B, S); src_len: int64 tensor of shape (B,)
    - max_len: int >= 1, the most decoder steps

    Returns:
    - tokens: list of B lists of ints, each without SOS and EOS
    """
    B, S = src.shape
    mask = length_mask(src_len, S)  # (B, S)
    tokens = [[] for _ in range(B)]
    done = [False] * B
    with torch.no_grad():
        enc_out, h = encoder(src, src_len)
        h = h[0]  # (B, H)
        y = torch.full((B,), SOS, dtype=torch.long)
        for _ in range(max_len):
            # One step for the whole batch: update `h` and `y`, append each
            # unfinished sequence's token to its list or mark it done.
            ### BEGIN SOLUTION
            logits, h, _ = decoder.step(y, h, enc_out, mask)
            y = logits.argmax(dim=-1)  # (B,)
            for b in range(B):
                if done[b]:
                    continue
                if y[b].item() == EOS:
                    done[b] = True
                else:
                    tokens[b].append(y[b].item())
            ### END SOLUTION
            if all(done):
                break
    return tokens


def beam_search(encoder, decoder, src, src_len, beam, max_len, alpha=0.7):
    """Decode each source with beam search and length normalisation.

    For one source, a hypothesis is a list of generated tokens (without SOS)
    with its log-probability, the sum of the log-softmax of every token it
    chose. It starts from one empty hypothesis of log-probability 0. At each
    of at most max_len steps:

    1. every unfinished hypothesis is extended by every token of the
       vocabulary (its last token, or SOS when it is empty, is the decoder's
       input, its own state the decoder's state);
    2. of all those extensions, the `beam` with the highest log-probability
       are kept (on equal log-probabilities, the lower token list first);
    3. a kept extension that ends in EOS is finished and leaves the beam;
       the others form the next step's beam, which can be smaller than `beam`;
       when it is empty the search stops.

    Unfinished hypotheses left after max_len steps are finished as they are.
    Among all finished hypotheses the result is the one with the highest

        log-probability / length ** alpha

    where length counts the hypothesis's tokens, its EOS included (on equal
    values, the lower token list). alpha = 0 compares raw log-probabilities,
    which favour short outputs; alpha = 1 the mean log-probability per token.
    The result is returned without EOS. "Lower token list" compares lists of
    token ids as Python compares lists.

    Inputs:
    - encoder, decoder: as in teacher_forced_logits
    - src: int64 tensor of shape (B, S); src_len: int64 tensor of shape (B,)
    - beam: int >= 1 (K); max_len: int >= 1; alpha: float >= 0

    Returns:
    - tokens: list of B lists of ints, each without SOS and EOS
    """
    B, S = src.shape
    mask = length_mask(src_len, S)  # (B, S)
    results = []
    with torch.no_grad():
        enc_out, h = encoder(src, src_len)
        for b in range(B):
            # One source at a time. A hypothesis is (tokens, log_prob, state),
            # the state of shape (1, H); `finished` holds (tokens, log_prob).
            beams = [([], 0.0, h[0, b : b + 1])]
            finished = []
            for _ in range(max_len):
                K = len(beams)
                keys = enc_out[b : b + 1].expand(K, -1, -1)  # (K, S, H)
                rows = mask[b : b + 1].expand(K, -1)  # (K, S)
                # Extend every hypothesis of `beams`, keep the best `beam`
                # extensions, move the finished ones to `finished` and the
                # others (each with its own new state) into the next `beams`.
                ### BEGIN SOLUTION
                y = torch.tensor([tokens[-1] if tokens else SOS for tokens, _, _ in beams])
                state = torch.cat([s for _, _, s in beams])  # (K, H)
                logits, state, _ = decoder.step(y, state, keys, rows)
                logp = torch.log_softmax(logits, dim=-1)  # (K, V)
                extensions = []
                for k, (tokens, score, _) in enumerate(beams):
                    for token, token_logp in enumerate(logp[k].tolist()):
                        extensions.append((score + token_logp, tokens + [token], k))
                extensions.sort(key=lambda e: (-e[0], e[1]))
                beams = []
                for score, tokens, k in extensions[:beam]:
                    if tokens[-1] == EOS:
                        finished.append((tokens, score))
                    else:
                        beams.append((tokens, score, state[k : k + 1]))
                ### END SOLUTION
                if not beams:
                    break
            finished += [(tokens, score) for tokens, score, _ in beams]
            # Fill `best`, the token list of the chosen hypothesis, EOS removed.
            ### BEGIN SOLUTION
            tokens, _ = min(finished, key=lambda f: (-f[1] / len(f[0]) ** alpha, f[0]))
            best = tokens[:-1] if tokens[-1] == EOS else tokens
            ### END SOLUTION
            results.append(best)
    return results
