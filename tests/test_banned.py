"""Are bans enforced from outside the student's process?

Everything in the worker is the student's: a guard or a hook there can be
switched off by the code it guards. Two submissions of the issue do exactly
that, and must still lose the tasks they used the banned APIs for:

- conv computed with torch after removing the worker's import guard: the
  sandbox does not mount torch for numpy assignments, so there is nothing to
  import;
- transformer attention through the fused F.scaled_dot_product_attention,
  looked up by a computed name under torch._C.DisableTorchFunction() (which
  blinds the in-process watcher): the grader's static scan of the source finds
  it, costs the attention tasks and writes an integrity note.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, grade_folder

from autograder.checkkit.scan import FORBIDDEN_APIS, scan_source
from autograder.sandbox.isolation import bwrap_path, package_paths

GUARD_REMOVED = """

# ---- the worker's import guard taken out, then torch does the work ----
import sys as _sys

_sys.meta_path[:] = [f for f in _sys.meta_path if type(f).__name__ != "_Forbidden"]
try:
    import torch as _torch
    import torch.nn.functional as _F
except Exception:  # noqa: BLE001
    _torch = _F = None


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    xt, wt, bt = (_torch.from_numpy(a) for a in (x, w, b))
    out = _F.conv2d(xt, wt, bt, stride=stride, padding=pad, dilation=dilation)
    return out.numpy(), (x, w, b, stride, pad, dilation)


def conv_backward(dout, cache):
    x, w, b, stride, pad, dilation = cache
    xt, wt, bt = (_torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    out = _F.conv2d(xt, wt, bt, stride=stride, padding=pad, dilation=dilation)
    out.backward(_torch.from_numpy(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()
"""

FUSED_UNHOOKED = """

# ---- fused attention, looked up by a computed name, with function hooks off ----
import torch.nn.functional as _F

_FUSED = "scaled_dot_" + "product_attention"


def _fused_forward(self, x, mask=None):
    B, L, _ = x.shape
    H, d = self.num_heads, self.head_dim
    q = self.q_proj(x).view(B, L, H, d).transpose(1, 2)
    k = self.k_proj(x).view(B, L, H, d).transpose(1, 2)
    v = self.v_proj(x).view(B, L, H, d).transpose(1, 2)
    keep = None if mask is None else (mask if mask.dim() == 4 else mask.unsqueeze(-3))
    with torch._C.DisableTorchFunction():
        out = getattr(_F, _FUSED)(q, k, v, attn_mask=keep)
    return self.out_proj(out.transpose(1, 2).reshape(B, L, H * d))


MultiHeadSelfAttention.forward = _fused_forward
"""


def folder_with(assignment: str, extra: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"banned-{assignment}-")) / "student"
    folder.mkdir()
    source = (ROOT / "solutions" / assignment / f"{assignment}.py").read_text(encoding="utf-8")
    (folder / f"{assignment}.py").write_text(source + extra, encoding="utf-8")
    return folder


def test_forbidden_packages_are_found_to_be_hidden():
    """Does the sandbox know where torch and scipy live (the folders it mounts empty)?"""
    paths = package_paths(["torch", "scipy", "no_such_package_here"])
    assert {p.name for p in paths} >= {"torch", "scipy"}
    assert all(p.exists() for p in paths)


@pytest.mark.skipif(not bwrap_path(), reason="needs bubblewrap: without it nothing is hidden")
def test_conv_with_the_import_guard_removed_loses_the_conv_tasks():
    """Does a conv module that removes the guard and computes with torch lose conv_*?"""
    result = grade_folder("conv", folder_with("conv", GUARD_REMOVED))
    assert result.status == "graded", result.output
    conv = [t for t in result.tests if t.task in {"conv_forward", "conv_backward"}]
    assert conv
    earned = [f"{t.name}: {t.score}" for t in conv if t.score > 0]
    assert not earned, f"torch still computes conv in the worker: {earned}"
    pools = [t for t in result.tests if "pool" in t.task]
    assert pools and all(t.score == t.max_score for t in pools)  # the rest is the reference
    notes = result.to_json()["extra_data"]["integrity_notes"]
    assert any("torch" in note for note in notes), notes


@pytest.mark.slow
def test_fused_attention_with_hooks_disabled_loses_the_attention_tasks():
    """Does fused attention under DisableTorchFunction lose the attention tasks, with a note?"""
    folder = folder_with("transformer", FUSED_UNHOOKED)
    result = grade_folder("transformer", folder)
    assert result.status == "graded", result.output
    attention = [t for t in result.tests if not t.task.startswith("FeedForward")]
    feed_forward = [t for t in result.tests if t.task.startswith("FeedForward")]
    assert attention and feed_forward
    earned = [f"{t.name}: {t.score}" for t in attention if t.score > 0]
    assert not earned, f"fused attention earns points: {earned}"
    assert all(t.kind == "forbidden" for t in attention)
    assert all(t.score == t.max_score for t in feed_forward)  # untouched: still paid
    data = json.loads(json.dumps(result.to_json()))
    notes = data["extra_data"]["integrity_notes"]
    assert any("forbidden API" in note and "computed name" in note for note in notes), notes
    assert any("torch._C" in note for note in notes), notes


# One line each: a way to reach the fused kernel, and whether the scan must flag it.
SOURCES = {
    "F.scaled_dot_product_attention(q, k, v)": True,
    "torch.nn.functional.scaled_dot_product_attention(q, k, v)": True,
    "from torch.nn.functional import scaled_dot_product_attention": True,
    "getattr(F, 'scaled_dot_product_attention')(q, k, v)": True,
    "getattr(F, name)(q, k, v)": True,
    "importlib.import_module('torch.nn').MultiheadAttention": True,
    "__import__('torch').nn": True,
    "torch.ops.aten._scaled_dot_product_attention_math(q, k, v)": True,
    "from torch import _C": True,
    "vars(F)['scaled_' + 'dot_product_attention']": True,
    "F.__dict__[name]": True,
    "nn.Transformer(8, 2)": True,
    "eval('F.softmax')": True,
    "x = torch.softmax(q @ k.transpose(-2, -1), dim=-1) @ v": False,
    "self.attn = MultiHeadSelfAttention(d_model, num_heads)": False,
    "getattr(self, 'weight')": False,
    "w = torch.nn.functional.gelu(x)": False,
}


@pytest.mark.parametrize("line", sorted(SOURCES))
def test_the_scan_flags_every_way_to_the_fused_kernel(line):
    """Does the static scan flag this line exactly when it can reach a forbidden API?"""
    found = scan_source(f"import torch\n{line}\n", FORBIDDEN_APIS["transformer"])
    assert bool(found) == SOURCES[line], found


def test_the_scan_passes_the_reference_and_ignores_docstrings():
    """Is the reference clean, though its docs name the forbidden APIs?"""
    source = (ROOT / "solutions" / "transformer" / "transformer.py").read_text(encoding="utf-8")
    assert scan_source(source, FORBIDDEN_APIS["transformer"]) == []
    documented = '"""Do not call F.scaled_dot_product_attention."""\nimport torch\n'
    assert scan_source(documented, FORBIDDEN_APIS["transformer"]) == []
