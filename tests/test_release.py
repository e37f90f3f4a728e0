"""Are stubs generated correctly from solutions/, and does assignments/ stay in sync?"""

from __future__ import annotations

import json

import pytest
from graderkit import ROOT

from autograder.config import load_course
from autograder.release.stubs import clear_notebook, drift, plan_assignment
from autograder.solutions import MarkerError, clear_solutions, solution_lines

SOURCE = '''import numpy as np


def relu_forward(x):
    """Doc."""
    ### BEGIN SOLUTION
    out = np.maximum(0, x)
    ### END SOLUTION
    return out, x


class Adam:
    def step(self, grads):
        for p, g in zip(self.params, grads):
            ### BEGIN SOLUTION
            p -= self.lr * g
            ### END SOLUTION
'''


def test_regions_become_loud_blanks_with_indentation_kept():
    """Are solution regions replaced by '# YOUR CODE HERE' and a raise naming the task?"""
    stub = clear_solutions(SOURCE, "demo.py", "basics")
    assert "np.maximum" not in stub and "self.lr * g" not in stub
    assert '    # YOUR CODE HERE\n    raise NotImplementedError("basics/relu_forward:' in stub
    assert (
        '            # YOUR CODE HERE\n            raise NotImplementedError("basics/Adam.step:'
        in stub
    )
    assert "    return out, x\n" in stub
    compile(stub, "demo.py", "exec")


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("### BEGIN SOLUTION\nx = 1\n### BEGIN SOLUTION\n### END SOLUTION\n", "demo.py:3: nested"),
        ("x = 0\n### BEGIN SOLUTION\nx = 1\n", "demo.py:2: '### BEGIN SOLUTION' is never closed"),
        ("x = 0\n### END SOLUTION\n", "demo.py:2: '### END SOLUTION' without"),
    ],
)
def test_bad_markers_name_file_and_line(source, where):
    """Are nested, unterminated and stray markers errors that name the file and line?"""
    with pytest.raises(MarkerError, match=where):
        clear_solutions(source, "demo.py")


def test_notebook_regions_are_cleared_and_outputs_dropped():
    """Are code cells of a notebook cleared like modules, with outputs removed?"""
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 3,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "42"}],
                "source": [
                    "def f():\n",
                    "    ### BEGIN SOLUTION\n",
                    "    return 42\n",
                    "    ### END SOLUTION\n",
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    cleared = json.loads(clear_notebook(json.dumps(notebook), "nb.ipynb", "demo"))
    code = cleared["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert "return 42" not in code["source"] and "NotImplementedError" in code["source"]
    assert cleared["cells"][0]["source"] == "# Title"


def test_solution_lines_finds_region_contents():
    """Does the leak detector know every substantial line inside the regions?"""
    assert solution_lines(SOURCE) == []  # both lines are shorter than the threshold
    longer = SOURCE.replace("out = np.maximum(0, x)", "out = np.maximum(0.0, x) * np.ones_like(x)")
    assert "out = np.maximum(0.0, x) * np.ones_like(x)" in solution_lines(longer)


@pytest.mark.parametrize(
    "assignment", [a for a in load_course(ROOT).assignments if (ROOT / "solutions" / a).is_dir()]
)
def test_committed_assignments_match_release(assignment):
    """Is assignments/ID exactly what `dlcourse release` generates from solutions/ID?"""
    plan = plan_assignment(ROOT / "solutions", assignment)
    problems = drift(plan, ROOT / "assignments" / assignment)
    assert not problems, "run `dlcourse release`:\n" + "\n".join(problems)
