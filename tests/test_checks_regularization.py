"""Do the regularization checks accept every correct implementation, whatever its seed?

Dropout is graded statistically, so the bounds must hold for any seed and any
correct way of drawing the mask. The reference is graded under other seeds, and
so is a *variant*: a correct implementation written differently (a binomial
draw instead of a uniform one, a boolean mask scaled in the backward pass,
another form of the smoothed loss, the early-stopping test written as a gap).
Both must score full marks.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, failures, grade_folder

from autograder.checkkit.mutants import Mistake, mutant_source

VARIANT = Mistake(
    name="correct_variant",
    task="",
    message="",
    replace=(
        (
            "        keep = rng.random(x.shape) >= p  # True with probability 1 - p\n"
            "        mask = keep / (1.0 - p)  # 0 or 1/(1-p), float64, shape of x\n"
            "        out = x * mask\n",
            "        mask = rng.binomial(1, 1.0 - p, size=x.shape).astype(bool)\n"
            "        out = np.where(mask, x / (1.0 - p), 0.0)\n",
        ),
        ("        dx = dout * mask\n", "        dx = np.where(mask, dout / (1.0 - p), 0.0)\n"),
        ("        out = x.copy()\n", "        out = np.array(x)\n"),
        (
            "loss = 0.5 * weight_decay * sum(float(np.sum(p * p)) for p in params)",
            "loss = sum(0.5 * weight_decay * float(np.vdot(p, p)) for p in params)",
        ),
        (
            "    loss = -(q * log_probs).sum() / N\n",
            "    nll = -log_probs[np.arange(N), y]\n"
            "    loss = np.mean((1.0 - smoothing) * nll - smoothing * log_probs.mean(axis=1))\n",
        ),
        ("x_mix = lam * x + (1.0 - lam) * x[perm]", "x_mix = x[perm] + lam * (x - x[perm])"),
        (
            "    x_mix = x.copy()\n",
            "    x_mix = np.empty_like(x)\n    x_mix[...] = x\n",
        ),
        (
            "if val_loss < self.best - self.min_delta:",
            "if self.best - val_loss > self.min_delta:",
        ),
    ),
)


@pytest.fixture(scope="module")
def variant_folder():
    source = (ROOT / "solutions" / "regularization" / "regularization.py").read_text("utf-8")
    folder = Path(tempfile.mkdtemp(prefix="variant-regularization-")) / "student"
    folder.mkdir()
    (folder / "regularization.py").write_text(mutant_source(source, VARIANT), encoding="utf-8")
    yield folder
    shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.mark.parametrize("seed", [1, 2024])
def test_reference_scores_full_marks_under_other_seeds(seed):
    """Does the reference keep full marks when the hidden inputs come from other seeds?"""
    result = grade_folder("regularization", ROOT / "solutions" / "regularization", seed=seed)
    assert result.score == result.max_score, failures(result)


@pytest.mark.parametrize("seed", [3, 99])
def test_a_different_correct_implementation_scores_full_marks(variant_folder, seed):
    """Does a correct implementation with another random stream and mask format pass?"""
    result = grade_folder("regularization", variant_folder, seed=seed)
    assert result.score == result.max_score, failures(result)
