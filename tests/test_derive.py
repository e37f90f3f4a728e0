"""Do the students derive the backward passes and update rules, or copy them?

For every backward, optimizer and update-rule task, FORMULAS lists the lines
that give the answer away (the final gradient, the update written as code).
None of them may appear in what a student reads before asking for the last
hint level: the task README (English and Korean), the module they edit
(docstrings and comments) and the released notebooks (English and Korean),
except in a notebook's hint cell of a task's last (formula) level. The maths
stays findable: in the hint ladder (`assignments/ID/hints.toml`).

A formula matches with every space removed, so `dx = dout @ w.T` also
catches `dx=dout@w.T`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# {assignment: {task: [formula lines that must not appear before the last hint level]}}
# Part one: basics, conv, optim, regularization, normalization.
_PART_ONE: dict[str, dict[str, list[str]]] = {}
# Part two: rnn, attention, transformer, classical, cnn.
_PART_TWO: dict[str, dict[str, list[str]]] = {}
FORMULAS: dict[str, dict[str, list[str]]] = {**_PART_ONE, **_PART_TWO}

_SPACE = re.compile(r"\s+")


def squeeze(text: str) -> str:
    """Text with every white-space character removed (formulas match spacing-blind)."""
    return _SPACE.sub("", text)


def _notebook_text(path: Path) -> str:
    """The text of a notebook's cells, without the hint cells of a last (formula) level."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in notebook.get("cells", []):
        hint = cell.get("metadata", {}).get("dlcourse", {}).get("hint")
        if isinstance(hint, dict) and hint.get("last"):
            continue
        source = cell.get("source", "")
        parts.append("".join(source) if isinstance(source, list) else source)
    return "\n".join(parts)


def student_texts(assignment: str) -> dict[str, str]:
    """{file name: text} of what a student of `assignment` reads before the hints."""
    folder = ROOT / "assignments" / assignment
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in {".md", ".py"}:
            texts[path.name] = path.read_text(encoding="utf-8")
        elif path.suffix == ".ipynb":
            texts[path.name] = _notebook_text(path)
    return texts


CASES = [
    (assignment, task, formula)
    for assignment, tasks in FORMULAS.items()
    for task, formulas in tasks.items()
    for formula in formulas
]


@pytest.mark.parametrize(("assignment", "task", "formula"), CASES)
def test_no_formula_before_the_last_hint(assignment: str, task: str, formula: str) -> None:
    """Is the formula of this task absent from the README, the stub and the notebooks?"""
    needle = squeeze(formula)
    leaks = [name for name, text in student_texts(assignment).items() if needle in squeeze(text)]
    assert not leaks, f"{assignment}/{task}: {formula!r} is given away in {leaks}"
