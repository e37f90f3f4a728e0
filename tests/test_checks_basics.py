"""Do the basics checks accept every correct implementation, whatever its seed?

The generic tests (test_assignments.py) grade the reference with one seed. Here
the reference is graded under other seeds (the initialisers are checked
statistically, so a bound that is too tight would fail some seeds), and so is a
*variant*: a correct implementation written differently (other numpy calls,
another random stream, copies instead of in-place nudges). Both must score full
marks, or the checks are tied to one implementation. An initialiser that draws
from a generator of its own instead of its rng argument must be told so, in
English and in Korean.
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
        ("out = x_flat @ w + b  # (N, M)", "out = np.dot(x_flat, w) + b[None, :]"),
        ("dx = (dout @ w.T).reshape(x.shape)", "dx = np.dot(dout, w.T).reshape(*x.shape)"),
        ("db = dout.sum(axis=0)", "db = np.ones(N) @ dout"),
        ("dx = np.where(x > 0, dout, 0.0)", "dx = dout * (x > 0)"),
        (
            "    e = np.exp(-np.abs(x))  # in (0, 1], never overflows\n"
            "    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
            "    out = 0.5 * (1.0 + np.tanh(0.5 * x))\n",
        ),
        ("dx = dout * (1.0 - t * t)", "dx = dout - dout * t**2"),
        (
            "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)\n"
            "    loss = -log_probs[np.arange(N), y].mean()\n",
            "    lse = np.log(np.sum(np.exp(shifted), axis=1))  # (N,)\n"
            "    loss = float(np.sum(lse - shifted[np.arange(N), y]) / N)\n"
            "    log_probs = shifted - lse[:, None]\n",
        ),
        ("loss = np.mean(diff**2)", "loss = np.sum(diff * diff) / diff.size"),
        (
            "w = rng.uniform(-a, a, size=(fan_in, fan_out))",
            "w = a * (2.0 * rng.random((fan_in, fan_out)) - 1.0)",
        ),
        (
            "w = rng.normal(0.0, std, size=(fan_in, fan_out))",
            "w = std * rng.standard_normal((fan_in, fan_out))",
        ),
        (
            "        x[index] = old + h\n"
            "        f_plus = float(f(x))\n"
            "        x[index] = old - h\n"
            "        f_minus = float(f(x))\n"
            "        x[index] = old\n",
            "        probe = x.copy()\n"
            "        probe[index] = old + h\n"
            "        f_plus = float(f(probe))\n"
            "        probe[index] = old - h\n"
            "        f_minus = float(f(probe))\n",
        ),
    ),
)


@pytest.fixture(scope="module")
def variant_folder():
    source = (ROOT / "solutions" / "basics" / "basics.py").read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix="variant-basics-")) / "student"
    folder.mkdir()
    (folder / "basics.py").write_text(mutant_source(source, VARIANT), encoding="utf-8")
    yield folder
    shutil.rmtree(folder.parent, ignore_errors=True)


@pytest.mark.parametrize("seed", [1, 2024])
def test_reference_scores_full_marks_under_other_seeds(seed):
    """Does the reference keep full marks when the hidden inputs come from other seeds?"""
    result = grade_folder("basics", ROOT / "solutions" / "basics", seed=seed)
    assert result.score == result.max_score, failures(result)


@pytest.mark.parametrize("seed", [3, 99])
def test_a_different_correct_implementation_scores_full_marks(variant_folder, seed):
    """Does a correct implementation using other numpy calls and another random stream pass?"""
    result = grade_folder("basics", variant_folder, seed=seed)
    assert result.score == result.max_score, failures(result)


def test_an_initialiser_ignoring_its_rng_is_told_so_in_both_languages(tmp_path):
    """Does xavier_init drawing from a fresh generator lose the rng check, with words in en and ko?"""
    source = (ROOT / "solutions" / "basics" / "basics.py").read_text(encoding="utf-8")
    own_stream = Mistake(
        name="own_stream",
        task="xavier_init",
        message="",
        replace=(
            (
                "w = rng.uniform(-a, a, size=(fan_in, fan_out))",
                "w = np.random.default_rng().uniform(-a, a, size=(fan_in, fan_out))",
            ),
        ),
    )
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "basics.py").write_text(mutant_source(source, own_stream), encoding="utf-8")
    result = grade_folder("basics", folder)
    lost = {t.nodeid.rsplit("::", 1)[-1]: t for t in result.tests if t.status != "passed"}
    assert set(lost) == {"test_init_uses_its_rng[xavier_init]"}, failures(result)
    english = lost["test_init_uses_its_rng[xavier_init]"].output
    assert english.startswith("xavier_init(30, 20, 'rng')\n  two generators with the same seed")
    korean = render_result(copy.deepcopy(result), "ko")
    text = next(t.output for t in korean.tests if t.nodeid.endswith("[xavier_init]"))
    assert "같은 시드로 만든 두 생성기에서 서로 다른 가중치가 나왔습니다" in text, text
    assert "two generators" not in text
