"""Does the bert reference agree with PyTorch and with the masking procedure of the notes?

The oracles: the contract's draw order replayed by hand (three draws of a
generator with the same seed, the 80/10/10 rule applied position by position)
and the procedure's statistics over many tokens for mask_tokens;
F.embedding sums and F.layer_norm for BertEmbeddings; F.cross_entropy and the
mean of -log softmax over labelled positions for mlm_loss;
nn.TransformerEncoderLayer with src_key_padding_mask for the encoder's
padding mask; F.linear and tanh for the CLS head; torch.optim.AdamW driven by
hand for fine_tune.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numerics import scaled_error
from torch import nn

from autograder.paths import load_reference

ROOT = Path(__file__).resolve().parents[1]
ref = load_reference("bert")
Block = load_reference("bert", "transformer").TransformerBlock

TOL = 1e-10
SPECIAL = (0, 1, 2, 3)


def random_ids(B, L, V, seed, special_share=0.2):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, V, (B, L), generator=g)
    special = torch.rand(B, L, generator=g) < special_share
    return torch.where(special, torch.randint(0, 4, (B, L), generator=g), ids)


def replay_masking(ids, V, mask_id, special_ids, seed, p):
    """The contract's procedure, position by position, from the same three draws."""
    g = torch.Generator().manual_seed(seed)
    select = torch.rand(ids.shape, generator=g)
    split = torch.rand(ids.shape, generator=g)
    allowed = [i for i in range(V) if i not in special_ids]
    pick = torch.randint(len(allowed), ids.shape, generator=g)
    inputs, labels = ids.clone(), torch.full_like(ids, -100)
    for b in range(ids.shape[0]):
        for t in range(ids.shape[1]):
            token = int(ids[b, t])
            if token in special_ids or not select[b, t] < p:
                continue
            labels[b, t] = token
            if split[b, t] < 0.8:
                inputs[b, t] = mask_id
            elif split[b, t] < 0.9:
                inputs[b, t] = allowed[int(pick[b, t])]
    return inputs, labels


@pytest.mark.parametrize(
    ("B", "L", "V", "special", "p"),
    [(3, 12, 30, SPECIAL, 0.15), (2, 20, 9, (0, 3), 0.5), (4, 7, 50, (0, 1, 2, 3, 10), 0.9)],
)
def test_mask_tokens_follows_the_contracts_draws(B, L, V, special, p):
    """Is mask_tokens the contract's procedure replayed from the same seed, ids left unchanged?"""
    ids = random_ids(B, L, V, seed=B * L)
    kept = ids.clone()
    got_inputs, got_labels = ref.mask_tokens(
        ids, V, 3, special, torch.Generator().manual_seed(11), p=p
    )
    want_inputs, want_labels = replay_masking(ids, V, 3, set(special), 11, p)
    assert torch.equal(ids, kept)
    assert got_inputs.dtype == got_labels.dtype == torch.int64
    assert torch.equal(got_inputs, want_inputs)
    assert torch.equal(got_labels, want_labels)


def test_mask_tokens_statistics_are_bert_s():
    """Over many tokens: 15% selected, then 80% masked, 10% random, 10% kept, specials never?"""
    V = 40
    ids = random_ids(200, 500, V, seed=3, special_share=0.25)
    inputs, labels = ref.mask_tokens(ids, V, 3, SPECIAL, torch.Generator().manual_seed(5))
    special = ids < 4
    selected = labels != -100
    assert not selected[special].any()
    assert torch.equal(inputs[special], ids[special])
    assert torch.equal(labels[selected], ids[selected])
    share = selected.sum().item() / (~special).sum().item()
    assert abs(share - 0.15) < 0.005
    masked = (inputs == 3) & selected
    changed = (inputs != ids) & selected & ~masked
    n = selected.sum().item()
    assert abs(masked.sum().item() / n - 0.8) < 0.01
    assert abs((selected & ~masked).sum().item() / n - 0.2) < 0.01  # random words + kept words
    # a random word differs from the original unless it draws that very word (1 in V - 4)
    assert abs(changed.sum().item() / n - 0.1 * (1 - 1 / (V - 4))) < 0.01
    assert (inputs[selected & ~masked] >= 4).all()  # a random word is never special
    assert torch.equal(inputs[~selected], ids[~selected])


def test_mask_tokens_is_reproducible_and_the_seed_matters():
    """Does the same generator seed give the same masking, and another seed another one?"""
    ids = random_ids(4, 30, 25, seed=9)
    one = ref.mask_tokens(ids, 25, 3, SPECIAL, torch.Generator().manual_seed(1))
    two = ref.mask_tokens(ids, 25, 3, SPECIAL, torch.Generator().manual_seed(1))
    other = ref.mask_tokens(ids, 25, 3, SPECIAL, torch.Generator().manual_seed(2))
    assert all(torch.equal(a, b) for a, b in zip(one, two))
    assert not torch.equal(one[1], other[1])


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, dtype=param.dtype, generator=g)
            if "norm" in name or "ln" in name:
                param.copy_((1.0 if name.endswith("weight") else 0.0) + 0.3 * noise)
            else:
                param.copy_(noise / max(1, param.shape[-1]) ** 0.5)


@pytest.mark.parametrize("with_segments", [True, False])
def test_embeddings_are_the_sum_of_three_lookups_then_layer_norm(with_segments):
    """Is BertEmbeddings layer_norm(tok[ids] + pos[0..L-1] + seg[segments]), gradients included?"""
    B, L, V, D = 3, 6, 20, 8
    emb = ref.BertEmbeddings(V, 10, D).double()
    randomise(emb, seed=1)
    ids = random_ids(B, L, V, seed=2)
    segments = (torch.arange(L) >= 3).long().expand(B, L) if with_segments else None
    dout = torch.randn(B, L, D, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    out = emb(ids, segments)
    (out * dout).sum().backward()

    params = {n: q.detach().clone().requires_grad_(True) for n, q in emb.named_parameters()}
    seg = segments if segments is not None else torch.zeros_like(ids)
    summed = (
        F.embedding(ids, params["tok.weight"])
        + F.embedding(torch.arange(L), params["pos.weight"])
        + F.embedding(seg, params["seg.weight"])
    )
    expected = F.layer_norm(summed, (D,), params["norm.weight"], params["norm.bias"])
    (expected * dout).sum().backward()
    assert scaled_error(out, expected) < TOL
    for name, param in emb.named_parameters():
        assert scaled_error(param.grad, params[name].grad) < TOL, name


def test_attention_mask_blocks_padded_keys_for_every_query():
    """Is mask[b, i, j] True exactly when token j of sequence b is not padding?"""
    ids = torch.tensor([[1, 5, 6, 2, 0, 0], [1, 7, 2, 8, 9, 2], [0, 1, 4, 0, 5, 0]])
    mask = ref.attention_mask(ids)
    assert mask.shape == (3, 6, 6) and mask.dtype == torch.bool
    for b in range(3):
        for i in range(6):
            for j in range(6):
                assert bool(mask[b, i, j]) == (int(ids[b, j]) != 0)


def encoder_layer_from(block, dim, heads, mlp_dim):
    layer = nn.TransformerEncoderLayer(
        dim, heads, mlp_dim, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    ).double()
    attn = block.attn
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(
            torch.cat([attn.q_proj.weight, attn.k_proj.weight, attn.v_proj.weight])
        )
        layer.self_attn.in_proj_bias.copy_(
            torch.cat([attn.q_proj.bias, attn.k_proj.bias, attn.v_proj.bias])
        )
        layer.self_attn.out_proj.weight.copy_(attn.out_proj.weight)
        layer.self_attn.out_proj.bias.copy_(attn.out_proj.bias)
        for mine, theirs in (
            (block.ff.fc1, layer.linear1),
            (block.ff.fc2, layer.linear2),
            (block.ln1, layer.norm1),
            (block.ln2, layer.norm2),
        ):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
    return layer.train()  # dropout 0; train mode keeps torch off its fused path


def test_encoder_equals_torch_layers_with_a_key_padding_mask():
    """Does BertEncoder equal torch encoder layers given src_key_padding_mask (pads ignored)?"""
    V, D, heads, mlp = 20, 8, 2, 16
    encoder = ref.BertEncoder(V, 12, D, 2, heads, mlp, block=Block).double()
    randomise(encoder, seed=4)
    ids = torch.tensor([[1, 5, 6, 2, 7, 2, 0, 0], [1, 9, 2, 4, 4, 8, 11, 2]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1, 1, 1]])
    got = encoder(ids, segments)
    h = encoder.embed(ids, segments)
    for blk in encoder.blocks:
        h = encoder_layer_from(blk, D, heads, mlp)(h, src_key_padding_mask=ids == 0)
    expected = F.layer_norm(h, (D,), encoder.norm.weight, encoder.norm.bias)
    assert scaled_error(got, expected) < TOL
    # what a padded position holds reaches no real position
    real = ids != 0
    with torch.no_grad():
        encoder.embed.tok.weight[0] += torch.randn(D, dtype=torch.float64)
        shifted = encoder(ids, segments)
    assert scaled_error(shifted[real], got[real].detach()) < TOL
    assert not torch.allclose(shifted[~real], got[~real].detach())


def test_cls_head_is_tanh_pooler_then_linear_on_position_zero():
    """Is ClsHead head(tanh(pooler(h[:, 0]))), with no other position reaching the logits?"""
    B, L, D, K = 3, 5, 8, 4
    head = ref.ClsHead(D, K).double()
    randomise(head, seed=6)
    h = torch.randn(B, L, D, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    h.requires_grad_(True)
    logits = head(h)
    expected = F.linear(
        torch.tanh(F.linear(h[:, 0], head.pooler.weight, head.pooler.bias)),
        head.head.weight,
        head.head.bias,
    )
    assert logits.shape == (B, K)
    assert scaled_error(logits, expected) < TOL
    logits.sum().backward()
    assert h.grad[:, 1:].abs().max() == 0 and h.grad[:, 0].abs().max() > 0


def test_mlm_loss_is_cross_entropy_over_labelled_positions():
    """Is mlm_loss the mean of -log softmax at the labelled positions, gradient included?"""
    B, L, V = 3, 7, 11
    g = torch.Generator().manual_seed(8)
    logits = (3 * torch.randn(B, L, V, dtype=torch.float64, generator=g)).requires_grad_(True)
    labels = torch.randint(0, V, (B, L), generator=g)
    labels[torch.rand(B, L, generator=g) < 0.6] = -100
    loss = ref.mlm_loss(logits, labels)
    (grad,) = torch.autograd.grad(loss, logits)
    picked = labels != -100
    logp = torch.log_softmax(logits, dim=-1)
    manual = -logp[picked].gather(1, labels[picked][:, None]).mean()
    torch_loss = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100)
    (want,) = torch.autograd.grad(torch_loss, logits)
    assert loss.dim() == 0
    assert abs(loss.item() - manual.item()) < TOL
    assert scaled_error(grad, want) < TOL
    assert grad[~picked].abs().max() == 0


def test_mlm_loss_without_labels_is_zero_with_zero_gradient():
    """With no labelled position, is the loss 0 and its gradient all zeros (no NaN)?"""
    logits = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    loss = ref.mlm_loss(logits, torch.full((2, 3), -100))
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(logits.grad, torch.zeros_like(logits))


class TinyClassifier(nn.Module):
    """A bag-of-embeddings classifier with the (ids, segments) call of BertClassifier."""

    def __init__(self, V, K):
        super().__init__()
        self.tok = nn.Embedding(V, 6)
        self.out = nn.Linear(6, K)

    def forward(self, ids, segments=None):
        return self.out(torch.tanh(self.tok(ids).mean(dim=1)))


def batches(seed, sizes, V=12, L=5, K=3):
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.randint(0, V, (n, L), generator=g), torch.zeros(n, L, dtype=torch.long),
         torch.randint(0, K, (n,), generator=g))
        for n in sizes
    ]  # fmt: skip


def test_fine_tune_is_adamw_at_a_constant_rate():
    """Are fine_tune's weights and history those of AdamW driven by hand, one step per batch?"""
    torch.manual_seed(0)
    model = TinyClassifier(12, 3).double()
    twin = copy.deepcopy(model)
    loader, val = batches(1, [4, 4, 3]), batches(2, [5, 2])
    history = ref.fine_tune(model, loader, epochs=3, lr=0.05, weight_decay=0.1, val_loader=val)

    opt = torch.optim.AdamW(twin.parameters(), lr=0.05, weight_decay=0.1)
    expected = {"train_loss": [], "val_loss": [], "val_acc": []}
    for _ in range(3):
        total = 0.0
        for ids, seg, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(twin(ids, seg), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
        expected["train_loss"].append(total / 11)
        with torch.no_grad():
            losses = [F.cross_entropy(twin(i, s), y).item() * len(y) for i, s, y in val]
            right = [(twin(i, s).argmax(1) == y).sum().item() for i, s, y in val]
        expected["val_loss"].append(sum(losses) / 7)
        expected["val_acc"].append(sum(right) / 7)
    for key in expected:
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-10, atol=1e-12)
    for a, b in zip(model.parameters(), twin.parameters()):
        assert scaled_error(a, b) < TOL


def test_fine_tune_without_validation_keeps_empty_lists():
    """Without a val_loader, is history['train_loss'] one float per epoch and the rest empty?"""
    model = TinyClassifier(12, 3)
    history = ref.fine_tune(model, batches(3, [4, 2]), epochs=2, lr=0.01)
    assert len(history["train_loss"]) == 2 and history["val_loss"] == history["val_acc"] == []


def test_evaluate_restores_the_mode():
    """Does evaluate leave the model in the mode it found it in?"""
    model = TinyClassifier(12, 3)
    for mode in (True, False):
        model.train(mode)
        ref.evaluate(model, batches(4, [3]), nn.CrossEntropyLoss())
        assert model.training is mode


def test_classifier_and_pretraining_heads_share_the_encoder():
    """Do BertClassifier and BertPreTraining put their heads on the encoder's output?"""
    encoder = ref.BertEncoder(20, 10, 8, 1, 2, 16, block=Block).double()
    ids = torch.tensor([[1, 5, 6, 2, 7, 2, 0]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 0]])
    h = encoder(ids, segments)
    clf = ref.BertClassifier(encoder, 3).double()
    assert scaled_error(clf(ids, segments), clf.cls_head(h)) < TOL
    pre = ref.BertPreTraining(encoder, 20).double()
    mlm, nsp = pre(ids, segments)
    assert mlm.shape == (1, 7, 20) and nsp.shape == (1, 2)
    assert scaled_error(mlm, pre.mlm_head(h)) < TOL


def test_the_block_is_the_transformer_reference_byte_for_byte():
    """Is solutions/bert/transformer.py the transformer assignment's reference, unchanged?"""
    mine = (ROOT / "solutions" / "bert" / "transformer.py").read_bytes()
    theirs = (ROOT / "solutions" / "transformer" / "transformer.py").read_bytes()
    assert mine == theirs
