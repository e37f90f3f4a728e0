"""Do the transformer checks accept other correct modules and refuse forbidden ones?

- Another correct module (a loop over heads, einsum, F.gelu, F.dropout with
  training=self.training, its own dropout placement) scores full marks.
- A module that calls F.scaled_dot_product_attention, wraps nn.MultiheadAttention,
  or reaches sdpa through getattr (invisible in the source) is refused on every
  check with a message that says why.
- A module whose dropout stays on in eval mode loses the eval-mode checks.
- Grading one submission stays cheap for the grader's own process.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from graderkit import ROOT, failures, grade_folder

HEADER = """
import math

import torch
import torch.nn.functional as F
from torch import nn
"""

FEED_FORWARD_AND_BLOCK = """
class FeedForward(nn.Module):
    def __init__(self, d_model, d_ff, dropout=0.0):
        super().__init__()
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)
        self.p = dropout

    def forward(self, x):
        h = F.dropout(F.gelu(self.fc1(x)), self.p, training=self.training)
        return self.fc2(h)


class TransformerBlock(nn.Module):
    def __init__(self, d_model, num_heads, d_ff, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, num_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)

    def forward(self, x, mask=None):
        h = x + self.attn(self.ln1(x), mask)
        return h + self.ff(self.ln2(h))
"""

LOOP_ATTENTION = """
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, dropout=0.0):
        super().__init__()
        self.h = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.p = dropout

    def forward(self, x, mask=None):
        D = x.shape[-1]
        d = D // self.h
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        outs = []
        for i in range(self.h):
            cols = slice(i * d, (i + 1) * d)
            s = torch.einsum("bid,bjd->bij", q[..., cols], k[..., cols]) * d**-0.5
            if mask is not None:
                s = torch.where(mask, s, torch.full_like(s, -1e30))
            w = F.dropout(s.softmax(-1), self.p, training=self.training)
            outs.append(torch.einsum("bij,bjd->bid", w, v[..., cols]))
        return self.out_proj(torch.cat(outs, dim=-1))
"""

SDPA_ATTENTION = """
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, dropout=0.0):
        super().__init__()
        self.h = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x, mask=None):
        B, L, D = x.shape
        split = lambda t: t.view(B, L, self.h, D // self.h).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        if mask is not None and mask.dim() == 3:
            mask = mask[:, None]
        y = ATTEND(q, k, v, attn_mask=mask)
        return self.out_proj(y.transpose(1, 2).reshape(B, L, D))
"""

WRAPPED_MHA = """
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, num_heads, dropout=0.0):
        super().__init__()
        self.h = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.inner = getattr(nn, "Multihead" + "Attention")(d_model, num_heads, batch_first=True)

    def forward(self, x, mask=None):
        y, _ = self.inner(x, x, x, attn_mask=None if mask is None else ~mask)
        return y
"""


def write(tmp_path: Path, *parts: str) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "transformer.py").write_text("".join(parts), encoding="utf-8")
    return folder


def test_another_correct_module_scores_full_marks(tmp_path):
    """Do a loop over heads, einsum, F.gelu and functional dropout score full marks?"""
    folder = write(tmp_path, HEADER, LOOP_ATTENTION, FEED_FORWARD_AND_BLOCK)
    result = grade_folder("transformer", folder)
    assert result.score == result.max_score, failures(result)


@pytest.mark.parametrize(
    "attend",
    ["F.scaled_dot_product_attention", 'getattr(F, "scaled_dot_" + "product_attention")'],
    ids=["plain", "hidden-by-getattr"],
)
def test_sdpa_is_refused_on_every_check(tmp_path, attend):
    """Is a module calling F.scaled_dot_product_attention (even via getattr) refused, saying why?"""
    source = SDPA_ATTENTION.replace("ATTEND", attend)
    folder = write(tmp_path, HEADER, source, FEED_FORWARD_AND_BLOCK)
    result = grade_folder("transformer", folder, hidden=False)
    attention_checks = [t for t in result.tests if t.task != "FeedForward.forward"]
    assert attention_checks
    for test in attention_checks:
        assert test.status == "failed", test.name
        assert "scaled_dot_product_attention" in test.output and "not allowed" in test.output


def test_wrapped_multihead_attention_is_refused(tmp_path):
    """Is a module that hides nn.MultiheadAttention behind getattr refused?"""
    folder = write(tmp_path, HEADER, WRAPPED_MHA, FEED_FORWARD_AND_BLOCK)
    result = grade_folder("transformer", folder, hidden=False)
    for test in result.tests:
        if test.task != "FeedForward.forward":
            assert test.status == "failed", test.name
            assert "MultiheadAttention" in test.output and "not allowed" in test.output


def test_dropout_left_on_in_eval_mode_loses_points(tmp_path):
    """Does dropout that ignores eval mode fail the eval-mode check with a clear message?"""
    source = FEED_FORWARD_AND_BLOCK.replace("training=self.training", "training=True")
    folder = write(tmp_path, HEADER, LOOP_ATTENTION, source)
    result = grade_folder("transformer", folder, hidden=False)
    lost = [t for t in result.tests if t.status != "passed"]
    assert lost and all("eval" in t.name for t in lost), failures(result)
    assert "dropout must be off in eval mode" in lost[0].output


def test_grader_side_of_one_grade_is_cheap():
    """Does one grade cost the grader's process under 2.5 s of CPU (torch already imported)?"""
    import torch  # noqa: F401 - a grading process imports it once for every submission

    def cpu():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    grade_folder("transformer", ROOT / "solutions" / "transformer")  # warm: mutants, harness
    before, start = cpu(), time.perf_counter()
    result = grade_folder("transformer", ROOT / "solutions" / "transformer", seed=11)
    spent = cpu() - before
    assert result.score == result.max_score
    assert spent < 2.5, f"{spent:.2f} s of grader CPU ({time.perf_counter() - start:.1f} s wall)"
