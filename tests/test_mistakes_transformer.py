"""Does every known transformer mistake import, and give a wrong answer for its task?

Each mutant is the reference with one mistake edited in (autograder/checks/transformer/
mistakes.py). The mutant module and the reference get the same weights (state_dict),
then the mistake's task is run on a small float64 input with a causal mask.
"""

from __future__ import annotations

import pytest
import torch

from autograder.checks.transformer.mistakes import MISTAKES
from autograder.mistakes import load_mutant
from autograder.paths import load_reference

ref = load_reference("transformer")
BY_NAME = {m.name: m for m in MISTAKES}

B, L, D, H, F_ = 2, 5, 8, 2, 16


def _pair(ref_cls, mutant_cls, *args):
    torch.manual_seed(0)
    a = ref_cls(*args).double()
    b = mutant_cls(*args).double()
    b.load_state_dict(a.state_dict())
    return a, b


def _inputs():
    g = torch.Generator().manual_seed(1)
    x = 2 * torch.randn(B, L, D, dtype=torch.float64, generator=g)
    return x, torch.ones(L, L, dtype=torch.bool).tril()


def run_mhsa(mod):
    a, b = _pair(ref.MultiHeadSelfAttention, mod.MultiHeadSelfAttention, D, H)
    x, mask = _inputs()
    return a(x, mask), b(x, mask)


def run_ff(mod):
    a, b = _pair(ref.FeedForward, mod.FeedForward, D, F_)
    x, _ = _inputs()
    return a(x), b(x)


def run_block(mod):
    a, b = _pair(ref.TransformerBlock, mod.TransformerBlock, D, H, F_)
    x, mask = _inputs()
    return a(x, mask), b(x, mask)


RUNNERS = {
    "MultiHeadSelfAttention.forward": run_mhsa,
    "FeedForward.forward": run_ff,
    "TransformerBlock.forward": run_block,
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mutant_imports_and_differs_from_reference(mistake):
    """Does this mutant import, and does its task's output differ from the reference?"""
    mutant = load_mutant("transformer", mistake)
    assert mistake.task in RUNNERS, f"unknown task {mistake.task!r}"
    with torch.no_grad():
        expected, got = RUNNERS[mistake.task](mutant)
    assert got.shape != expected.shape or not torch.allclose(got, expected, rtol=1e-6, atol=1e-9), (
        f"{mistake.name} gives the reference's answer"
    )


def test_common_mistakes_are_covered():
    """Are the classics there: no scaling, inverted mask, wrong head split, tanh GELU, post-norm?"""
    for name in (
        "attention_no_scaling",
        "mask_inverted",
        "heads_split_wrong_axis",
        "gelu_tanh_approximation",
        "post_norm",
    ):
        assert name in BY_NAME


def test_mistake_names_are_unique_and_messages_useful():
    """Are mistake names unique, and does every message say something without quoting code?"""
    assert len(BY_NAME) == len(MISTAKES)
    for m in MISTAKES:
        assert len(m.message) > 40
        assert "torch." not in m.message and "self." not in m.message
