"""Does a banned call cost the check whatever the route? (issue 26, item 2)

Each route below reaches F.scaled_dot_product_attention (or the Python
implementation behind nn.MultiheadAttention) without spelling a forbidden name
where a reader of the source would look for it: a star import read back through
globals(), a pickle global, a format-field lookup, a module written to /tmp at
run time and imported, a file in UTF-7 (read as UTF-8 it shows no forbidden
name), the builtins' own table, nn.Module.__subclasses__(), the garbage
collector's view of a module, torch's table of overridable functions, a timeit
statement built at run time and a class pattern of a match statement.

Every one of them scored full marks on the attention checks before this test
was written. Now each must lose every attention check twice over:

- with the grader's static scan, which names the route in the integrity note;
- without it (the scan switched off in the grader), because the worker removes
  the banned kernels before the student's first line runs, at torch's
  dispatcher and in torch's own Python code, where nothing the student does can
  put them back.

The feed-forward checks, which no route touches, keep their points.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, failures, grade_folder

# Every route calls what it reached in a thread of its own: torch's function modes are
# per thread, so an in-process watch of that kind never sees the call.
UNWATCHED = """

from concurrent.futures import ThreadPoolExecutor as _Pool


def _unwatched(fn, *args, **kwargs):
    with _Pool(1) as pool:
        return pool.submit(fn, *args, **kwargs).result()
"""

# The attention the routes plug in: heads from the student's own projections, then the
# kernel (`_ATTEND`, the fused sdpa) or nn.MultiheadAttention's Python function (`_MHA_FN`).
SDPA_FORWARD = (
    UNWATCHED
    + """

def _routed_forward(self, x, mask=None):
    B, L, D = x.shape
    H, d = self.num_heads, self.head_dim
    q = self.q_proj(x).view(B, L, H, d).transpose(1, 2)
    k = self.k_proj(x).view(B, L, H, d).transpose(1, 2)
    v = self.v_proj(x).view(B, L, H, d).transpose(1, 2)
    keep = None if mask is None else (mask if mask.dim() == 4 else mask.unsqueeze(-3))
    out = _unwatched(_ATTEND, q, k, v, attn_mask=keep)
    return self.out_proj(out.transpose(1, 2).reshape(B, L, D))


MultiHeadSelfAttention.forward = _routed_forward
"""
)

MHA_FN_FORWARD = (
    UNWATCHED
    + """

def _routed_forward(self, x, mask=None):
    B, L, D = x.shape
    H = self.num_heads
    blocked = None
    if mask is not None:
        blocked = ~mask if mask.dim() == 2 else (~mask).repeat_interleave(H, dim=0)
    t = x.transpose(0, 1)
    weight = torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight])
    bias = torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias])
    out, _ = _unwatched(
        _MHA_FN, t, t, t, D, H, weight, bias, None, None, False, 0.0,
        self.out_proj.weight, self.out_proj.bias, training=False, need_weights=True,
        attn_mask=blocked,
    )
    return out.transpose(0, 1)


MultiHeadSelfAttention.forward = _routed_forward
"""
)

MHA_CLASS_FORWARD = (
    UNWATCHED
    + """

def _routed_forward(self, x, mask=None):
    B, L, D = x.shape
    H = self.num_heads
    inner = _MHA(D, H, batch_first=True).to(x.dtype)
    del inner.in_proj_weight, inner.in_proj_bias, inner.out_proj.weight, inner.out_proj.bias
    inner.in_proj_weight = torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight])
    inner.in_proj_bias = torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias])
    inner.out_proj.weight, inner.out_proj.bias = self.out_proj.weight, self.out_proj.bias
    blocked = None
    if mask is not None:
        blocked = ~mask if mask.dim() == 2 else (~mask).repeat_interleave(H, dim=0)
    out, _ = _unwatched(inner, x, x, x, attn_mask=blocked, need_weights=True)
    return out


MultiHeadSelfAttention.forward = _routed_forward
"""
)

WRITTEN_AT_RUN_TIME = """
import sys as _sys
import tempfile as _tempfile

_folder = _tempfile.mkdtemp()
with open(_folder + "/_routed_helper.py", "w") as _handle:
    _handle.write("import torch.nn.functional as F\\nattend = getattr(F, 'scaled_dot_' + 'product_attention')\\n")
_sys.path.insert(0, _folder)
import _routed_helper

_ATTEND = _routed_helper.attend
"""

# route -> (code that defines the callable, the forward that uses it, what the note names)


def _no_refusal(*_args, **_kwargs):
    """The checks' scan switched off (the integrity notes still read the source)."""


ROUTES = {
    "star-import-globals": (
        'from torch.nn.functional import *\n_ATTEND = globals()["scaled_" + "dot_product_attention"]\n',
        SDPA_FORWARD,
        "globals()",
    ),
    "pickle-global": (
        'import pickle\n_ATTEND = pickle.loads(b"ctorch.nn.functional\\nscaled_dot_product_attention\\n.")\n',
        SDPA_FORWARD,
        "pickle",
    ),
    "format-field": (
        "import string\n_ATTEND = string.Formatter().get_field("
        '"0.nn.functional.scaled_" + "dot_product_attention", [torch], {})[0]\n',
        SDPA_FORWARD,
        "Formatter",
    ),
    "module-written-at-run-time": (WRITTEN_AT_RUN_TIME, SDPA_FORWARD, "sys.path"),
    "builtins-table": (
        'import torch.nn.functional as _F\n_ATTEND = __builtins__["get" + "attr"](_F, "scaled_" + "dot_product_attention")\n',
        SDPA_FORWARD,
        "__builtins__",
    ),
    "module-subclasses": (
        'from torch import nn as _nn\n_MHA = next(c for c in _nn.Module.__subclasses__() if c.__name__ == "Multihead" + "Attention")\n',
        MHA_CLASS_FORWARD,
        "__subclasses__",
    ),
    "gc-referents": (
        "import gc\nimport torch.nn.functional as _F\n"
        "_MHA_FN = next(v for t in gc.get_referents(_F) if isinstance(t, dict) "
        'for n, v in t.items() if n == "multi_head_" + "attention_forward")\n',
        MHA_FN_FORWARD,
        "gc",
    ),
    "overridable-functions-table": (
        "import torch.nn.functional as _F\n_ATTEND = next(f for f in torch.overrides.get_overridable_functions()[_F] "
        'if f.__name__ == "scaled_" + "dot_product_attention")\n',
        SDPA_FORWARD,
        "torch.overrides",
    ),
    "timeit-statement": (
        "import timeit\nimport torch.nn.functional as _F\n_box = []\n"
        'timeit.Timer("_box.append(_F.scaled_" + "dot_product_attention)", globals=globals()).timeit(1)\n'
        "_ATTEND = _box[0]\n",
        SDPA_FORWARD,
        "timeit",
    ),
    "match-class-pattern": (
        "import torch.nn.functional as _F\n"
        "match _F:\n    case object(scaled_dot_product_attention=_ATTEND):\n        pass\n",
        SDPA_FORWARD,
        "scaled_dot_product_attention",
    ),
}
UTF7 = "utf-7-source"
ALL_ROUTES = [*sorted(ROUTES), UTF7]


def _reference() -> str:
    return (ROOT / "solutions" / "transformer" / "transformer.py").read_text(encoding="utf-8")


def _utf7_module() -> bytes:
    """The reference plus sdpa spelled in UTF-7: `F.sc+AGE-led_...` reads as `F.sc + AGE - led_...`
    in UTF-8, and as `F.scaled_dot_product_attention` to Python, which honours the declaration."""
    text = "# -*- coding: utf-7 -*-\n" + _reference() + "\nimport torch.nn.functional as _F\n"
    text += "_ATTEND = _F.HIDDEN\n" + SDPA_FORWARD
    data = text.encode("utf-7")
    assert b"HIDDEN" in data and b"_F.scaled" not in data
    return data.replace(b"HIDDEN", b"sc+AGE-led_dot_product_attention")


def route_folder(route: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"route-{route}-")) / "student"
    folder.mkdir()
    if route == UTF7:
        data = _utf7_module()
    else:
        setup, forward, _ = ROUTES[route]
        data = (_reference() + "\n\n" + setup + forward).encode("utf-8")
    (folder / "transformer.py").write_bytes(data)
    return folder


def _split(result):
    attention = [t for t in result.tests if not t.task.startswith("FeedForward")]
    feed_forward = [t for t in result.tests if t.task.startswith("FeedForward")]
    assert attention and feed_forward
    return attention, feed_forward


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_the_route_loses_every_attention_check_and_is_named(route):
    """Does this route to the fused kernel lose every attention check, with a note naming it?"""
    result = grade_folder("transformer", route_folder(route), hidden=False)
    assert result.status == "graded", result.output
    attention, feed_forward = _split(result)
    earned = [f"{t.name}: {t.score}" for t in attention if t.score > 0]
    assert not earned, f"the {route} route earns points: {earned}"
    assert all(t.kind == "forbidden" for t in attention), [t.kind for t in attention]
    assert all(t.score == t.max_score for t in feed_forward), failures(result)
    notes = result.to_json()["extra_data"]["integrity_notes"]
    named = "encoding" if route == UTF7 else ROUTES[route][2]
    assert any("forbidden API" in note and named in note for note in notes), notes


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_the_route_fails_in_the_worker_even_without_the_scan(route, monkeypatch):
    """With the grader's scan switched off, does the worker itself keep the kernel from running?"""
    monkeypatch.setattr("autograder.checkkit.scan.refuse_forbidden_source", _no_refusal)
    result = grade_folder("transformer", route_folder(route), hidden=False)
    assert result.status == "graded", result.output
    attention, feed_forward = _split(result)
    earned = [f"{t.name}: {t.score}" for t in attention if t.score > 0]
    assert not earned, f"the {route} route earns points in the worker: {earned}"
    assert all(t.kind == "forbidden" for t in attention), failures(result)
    assert all("not allowed" in t.output for t in attention), failures(result)
    assert all(t.score == t.max_score for t in feed_forward), failures(result)


def test_the_reference_declared_utf8_keeps_full_marks():
    """Is an honest module with a UTF-8 coding line (and non-ASCII comments) still graded in full?"""
    folder = Path(tempfile.mkdtemp(prefix="route-honest-")) / "student"
    folder.mkdir()
    text = "# -*- coding: utf-8 -*-\n# 어텐션을 직접 구현합니다.\n" + _reference()
    (folder / "transformer.py").write_bytes(text.encode("utf-8"))
    result = grade_folder("transformer", folder)
    assert result.score == result.max_score, failures(result)
    assert result.to_json()["extra_data"]["integrity_notes"] == []


# seq2seq: the additive attention's weighted sum through the fused kernel (scores as its bias).
SEQ2SEQ_FORWARD = (
    UNWATCHED
    + """

def _routed_forward(self, query, keys, mask):
    scores = self.v(torch.tanh(self.W_q(query).unsqueeze(1) + self.W_k(keys)))[..., 0]
    bias = scores.masked_fill(~mask, float("-inf"))[:, None, :]
    blank_q, blank_k = torch.zeros_like(query)[:, None, :1], torch.zeros_like(keys)[..., :1]
    context = _unwatched(_ATTEND, blank_q, blank_k, keys, attn_mask=bias)[:, 0]
    return context, torch.softmax(bias[:, 0], dim=-1)


AdditiveAttention.forward = _routed_forward
"""
)
SEQ2SEQ_ROUTES = ["builtins-table", "format-field", "pickle-global"]
ATTENTION_TASKS = {"AdditiveAttention.forward", "Decoder.step"}


def seq2seq_folder(route: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"route-seq2seq-{route}-")) / "student"
    folder.mkdir()
    source = (ROOT / "solutions" / "seq2seq" / "seq2seq.py").read_text(encoding="utf-8")
    (folder / "seq2seq.py").write_text(
        source + "\n\nimport torch\n" + ROUTES[route][0] + SEQ2SEQ_FORWARD, encoding="utf-8"
    )
    return folder


@pytest.mark.parametrize("scan", [True, False], ids=["scanned", "scan-off"])
@pytest.mark.parametrize("route", SEQ2SEQ_ROUTES)
def test_seq2seq_loses_exactly_its_attention_checks(route, scan, monkeypatch):
    """Does a seq2seq module reaching the fused kernel lose its attention and decoder-step checks,
    and only those, with the scan and (the worker's guard alone) without it?"""
    if not scan:
        monkeypatch.setattr("autograder.checkkit.scan.refuse_forbidden_source", _no_refusal)
    result = grade_folder("seq2seq", seq2seq_folder(route))
    assert result.status == "graded", result.output
    attention = [t for t in result.tests if t.task in ATTENTION_TASKS]
    others = [t for t in result.tests if t.task not in ATTENTION_TASKS]
    assert attention and others
    assert all(t.score == 0 and t.kind == "forbidden" for t in attention), failures(result)
    assert all(t.score == t.max_score for t in others), failures(result)
    notes = result.to_json()["extra_data"]["integrity_notes"]
    assert any("forbidden API" in note and ROUTES[route][2] in note for note in notes), notes


# vit and bert: the same routes in the transformer.py their blocks come from.
BLOCK_TASKS = {"MultiHeadSelfAttention.forward", "TransformerBlock.forward"}
BLOCK_FREE = {
    "vit": {"patchify", "PatchEmbed.forward", "patch_embed_linear", "cls_attention"},
    "bert": {"mask_tokens", "BertEmbeddings.forward", "attention_mask", "mlm_loss"},
}


def blocks_folder(assignment: str, route: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"route-{assignment}-{route}-")) / "student"
    folder.mkdir()
    for module in sorted((ROOT / "solutions" / assignment).glob("*.py")):
        source = module.read_text(encoding="utf-8")
        if module.name == "transformer.py":
            setup, forward, _ = ROUTES[route]
            source += "\n\n" + setup + forward
        (folder / module.name).write_text(source, encoding="utf-8")
    return folder


@pytest.mark.parametrize("scan", [True, False], ids=["scanned", "scan-off"])
@pytest.mark.parametrize(
    ("assignment", "route"), [("vit", "pickle-global"), ("bert", "module-subclasses")]
)
def test_vit_and_bert_blocks_lose_their_attention_checks(assignment, route, scan, monkeypatch):
    """Do vit and bert blocks that reach torch's attention lose the checks of the student's
    attention and blocks (the checks without blocks keep theirs), with and without the scan?"""
    if not scan:
        monkeypatch.setattr("autograder.checkkit.scan.refuse_forbidden_source", _no_refusal)
    result = grade_folder(assignment, blocks_folder(assignment, route))
    assert result.status == "graded", result.output
    blocks = [t for t in result.tests if t.task in BLOCK_TASKS]
    free = [t for t in result.tests if t.task in BLOCK_FREE[assignment]]
    assert blocks and free
    assert all(t.score == 0 and t.kind == "forbidden" for t in blocks), failures(result)
    assert all(t.score == t.max_score for t in free), failures(result)
    notes = result.to_json()["extra_data"]["integrity_notes"]
    assert any("forbidden API" in note and ROUTES[route][2] in note for note in notes), notes
