"""Can a classical submission lean on scikit-learn or scipy? It must not.

The course forbids `sklearn` and `scipy` in classical.py (course.toml), as it
forbids torch in the numpy assignments: the import fails inside the sandbox,
however it is spelled, and the checks that needed it score nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from graderkit import ROOT, grade_folder

from autograder.config import load_course

REFERENCE = (ROOT / "solutions" / "classical" / "classical.py").read_text(encoding="utf-8")


def submission(source: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="forbidden-classical-")) / "student"
    folder.mkdir()
    (folder / "classical.py").write_text(source, encoding="utf-8")
    return folder


def test_sklearn_and_scipy_are_forbidden_in_course_toml():
    forbidden = load_course(ROOT).assignment("classical").forbidden
    assert {"sklearn", "scipy", "torch"} <= set(forbidden)


def test_importing_sklearn_at_module_level_scores_zero():
    source = REFERENCE.replace(
        "import numpy as np\n", "import numpy as np\nfrom sklearn.linear_model import Ridge\n", 1
    )
    result = grade_folder("classical", submission(source))
    assert result.score == 0
    assert "not allowed" in result.output + "".join(t.output for t in result.tests)


@pytest.mark.parametrize(
    "statement",
    [
        "from scipy.linalg import lstsq",
        "import importlib; importlib.import_module('sk' + 'learn.linear_model')",
    ],
    ids=["scipy", "importlib-sklearn"],
)
def test_a_function_that_imports_it_at_call_time_fails_its_checks(statement):
    # only linear_regression_fit reaches for the library; everything else is the reference
    source = REFERENCE.replace(
        "    x_mean = X.mean(axis=0)  # (D,)\n",
        f"    {statement}\n    x_mean = X.mean(axis=0)  # (D,)\n",
        1,
    )
    assert source != REFERENCE
    result = grade_folder("classical", submission(source), hidden=False)
    linreg = [t for t in result.tests if t.task == "linear_regression_fit"]
    assert linreg and all(t.status != "passed" for t in linreg)
    assert all("not allowed" in t.output for t in linreg), linreg[0].output
    others = [t for t in result.tests if t.task != "linear_regression_fit"]
    assert all(t.status == "passed" for t in others)
