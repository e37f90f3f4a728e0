"""Does a submission that computes nothing score exactly 0 on classical?

Each degenerate submission is generated, not written by hand: the reference
module is wrapped so that every public function still runs (to learn the
shapes and dtypes of its outputs) but then returns something worthless of
exactly that structure: zeros, ones, another constant, random numbers, one
of its own inputs echoed back, or, for the iterative fits, the starting
point (a training loop that never steps). Points for any of them mean a
check pays for a property without the result.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, failures, grade_folder

from autograder.paths import load_reference

REFERENCE = ROOT / "solutions" / "classical" / "classical.py"
PUBLIC = sorted(
    name
    for name, obj in vars(load_reference("classical")).items()
    if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__.endswith("classical")
)

# Appended to the reference source: replaces each public function by a wrapper.
WRAPPER = """

import numpy as _np

_MODE = {mode!r}
_PUBLIC = {public!r}
_RNG = _np.random.default_rng(0)
_DEPTH = [0]
# the starting point of each iterative fit: no iteration at all
_NO_STEPS = {{"lasso_fit": 0, "logistic_regression_fit": 0, "kmeans": 0}}


def _arrays(args):
    return [a for a in args if isinstance(a, _np.ndarray)]


def _scalars(args):
    return [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]


def _fake(value, args):
    if _MODE == "none":
        return value
    if isinstance(value, tuple):
        return tuple(_fake(v, args) for v in value)
    if isinstance(value, list):
        return [_fake(v, args) for v in value]
    if isinstance(value, _np.ndarray):
        integer = value.dtype.kind in "iu"
        if _MODE == "zeros":
            return _np.zeros_like(value)
        if _MODE == "ones":
            return _np.ones_like(value)
        if _MODE == "constant":
            return _np.full_like(value, 2 if integer else 0.5)
        if _MODE == "random":
            if integer:
                return _RNG.integers(0, 3, value.shape).astype(value.dtype)
            return _RNG.standard_normal(value.shape)
        # echo: an input of the same shape, else an input's entries resized to it
        same = [a for a in _arrays(args) if a.shape == value.shape]
        source = same[0] if same else (_arrays(args) or [_np.zeros(1)])[0]
        return _np.resize(source, value.shape).astype(value.dtype)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _MODE == "zeros":
            number = 0
        elif _MODE == "ones":
            number = 1
        elif _MODE == "constant":
            number = 0.5
        elif _MODE == "random":
            number = float(_RNG.standard_normal())
        else:
            scalars = _scalars(args)
            arrays = _arrays(args)
            number = scalars[0] if scalars else (arrays[0].flat[0] if arrays else 0)
        return type(value)(number)
    return value


def _wrap(name, original):
    def wrapper(*args, **kwargs):
        if _DEPTH[0]:
            return original(*args, **kwargs)
        _DEPTH[0] += 1
        try:
            if _MODE == "no_steps":
                if name in _NO_STEPS:
                    kwargs["max_iter"] = _NO_STEPS[name]
                    return original(*args, **kwargs)
                return _fake_zeros(original(*args, **kwargs), args)
            return _fake(original(*args, **kwargs), args)
        finally:
            _DEPTH[0] -= 1

    wrapper.__name__ = name
    return wrapper


def _fake_zeros(value, args):
    global _MODE
    _MODE = "zeros"
    try:
        return _fake(value, args)
    finally:
        _MODE = "no_steps"


for _name in _PUBLIC:
    globals()[_name] = _wrap(_name, globals()[_name])
"""

MODES = ["zeros", "ones", "constant", "random", "echo", "no_steps"]


def degenerate_folder(mode: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"degenerate-classical-{mode}-")) / "student"
    folder.mkdir()
    source = REFERENCE.read_text(encoding="utf-8") + WRAPPER.format(mode=mode, public=PUBLIC)
    (folder / "classical.py").write_text(source, encoding="utf-8")
    return folder


def test_the_wrapper_covers_every_graded_function():
    """Is every public function of the module wrapped (so none keeps its real answer)?"""
    assert {"linear_regression_fit", "kmeans", "best_split", "kfold_indices"} <= set(PUBLIC)
    assert "soft_threshold" in PUBLIC and len(PUBLIC) == 12


def test_the_wrapper_alone_changes_nothing():
    """Control: wrapped but not faked, does the module still earn full marks?"""
    result = grade_folder("classical", degenerate_folder("none"))
    assert result.score == result.max_score > 0, failures(result)


@pytest.mark.parametrize("mode", MODES)
def test_degenerate_submission_scores_zero(mode):
    """Does a submission of this degenerate kind get exactly 0 points?"""
    result = grade_folder("classical", degenerate_folder(mode))
    assert result.status == "graded", result.output
    assert result.tests
    passed = [t.name for t in result.tests if t.status == "passed"]
    assert not passed, f"{mode}: these checks pay for nothing: {passed}"
    assert result.score == 0
    # the submission did run: checks fail on wrong values, not on a crash at import
    assert any("differ" in t.output or "expected" in t.output for t in result.tests), failures(
        result
    )
