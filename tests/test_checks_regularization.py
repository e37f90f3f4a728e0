"""Do the regularization checks accept every correct implementation, whatever its seed?

Dropout is graded statistically, so the bounds must hold for any seed and any
correct way of drawing the mask. The reference is graded under other seeds, and
so is a *variant*: a correct implementation written differently (a binomial
draw instead of a uniform one, a boolean mask scaled in the backward pass,
another form of the smoothed loss, the early-stopping test written as a gap).
Both must score full marks.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, failures, grade_folder

from autograder.checkkit.mutants import Mistake, mutant_source
from autograder.feedback import render_result

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


# Wrong implementations that no known mistake describes: (old, new) edits of the
# reference, the check whose message must explain them, an English phrase of
# that message, its id in the catalogs and a phrase of its Korean.
WRONG = {
    "fixed-seed": (
        [("rng = np.random.default_rng(seed)", "rng = np.random.default_rng(0)")],
        "dropout_forward is right, reproducible with a seed",
        "gave the same output",
        "regularization.seeds_same_output",
        "같은 출력이 나왔습니다",
    ),
    "writes-into-x": (
        [("        out = x * mask\n", "        x *= mask\n        out = x\n")],
        "dropout_forward is right and leaves x unchanged",
        "argument 0 was modified in place",
        "regularization.argument_modified",
        "입력에 쓰지 말고 새 배열을 만드세요",
    ),
    "writes-into-params": (
        [
            (
                "    grads = [weight_decay * p for p in params]\n",
                "    grads = params\n    for p in grads:\n        p *= weight_decay\n",
            )
        ],
        "l2_penalty matches the reference and leaves the parameters unchanged",
        "params[0] was modified in place",
        "regularization.modified",
        "제자리에서 바뀌었습니다",
    ),
    "step-returns-int": (
        [("        return bool(stop)\n", "        return int(stop)\n")],
        "EarlyStopping.step stops after",
        "must return a bool",
        "regularization.step_not_bool",
        "bool을 돌려줘야 하는데",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_wrong_implementation_is_caught_and_explained(tmp_path, case):
    """Does a wrong implementation outside the known mistakes lose points, with a reason in
    English and in Korean?"""
    edits, check, phrase, message_id, korean = WRONG[case]
    source = (ROOT / "solutions" / "regularization" / "regularization.py").read_text("utf-8")
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "regularization.py").write_text(source, encoding="utf-8")
    result = grade_folder("regularization", folder)
    assert result.score < result.max_score
    explained = [t for t in result.tests if t.status == "failed" and t.name.startswith(check)]
    assert explained, failures(result)
    said = [t for t in explained if message_id in {m.id for _, m in t.lines} and phrase in t.output]
    assert said, [(t.output, [m.id for _, m in t.lines]) for t in explained]
    in_korean = render_result(copy.deepcopy(result), "ko")
    output = next(t.output for t in in_korean.tests if t.nodeid == said[0].nodeid)
    assert korean in output and phrase not in output, output
