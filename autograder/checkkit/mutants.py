"""Known mistakes, written once as edits of the reference solution.

A `Mistake` is a small, named edit of the reference source (exact string
replacements). The same spec serves two purposes:

- the project's tests build the mistaken module as a *submission* and prove that
  it loses points and that the feedback names the mistake;
- the checks build the same *mutant* in the trusted process and compare a
  student's output with the mutant's: a match names the mistake in feedback.

Mistake specs quote solution code, so `autograder/checks/<id>/mistakes.py`
never ships to students (release leaves it out; the public checks replay the
mutants' recorded outputs instead).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType

from autograder.paths import find_root


@dataclass(frozen=True)
class Mistake:
    """A named, common wrong answer.

    - name: short identifier, e.g. "adam_no_bias_correction"
    - task: the task (function or Class.method) it belongs to
    - message: what feedback tells the student (what is wrong, how to fix it)
    - replace: (old, new) exact replacements applied in order to the reference
      source; each `old` must occur in the source at least once.
    - module: the module stem it edits (default: the assignment id)
    - public: whether `dlcourse check` in the student bundle may name it; a
      private mistake is named only when grading (its name, message and the
      mutant's answers stay out of the bundle)
    """

    name: str
    task: str
    message: str
    replace: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    module: str | None = None
    public: bool = True


class MistakeSpecError(ValueError):
    """A mistake's replacement does not apply to the reference source."""


def mutant_source(source: str, mistake: Mistake) -> str:
    text = source
    for old, new in mistake.replace:
        if old not in text:
            raise MistakeSpecError(
                f"mistake {mistake.name!r}: text to replace not found in the reference: {old!r}"
            )
        text = text.replace(old, new)
    if text == source:
        raise MistakeSpecError(f"mistake {mistake.name!r} changes nothing")
    return text


def reference_path(assignment: str, mistake: Mistake, root: Path | None = None) -> Path:
    stem = mistake.module or assignment
    return (root or find_root()) / "solutions" / assignment / f"{stem}.py"


@cache
def _load(path: str, name: str, text: str) -> ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None, origin=path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[name] = module
    exec(compile(text, path, "exec"), module.__dict__)  # trusted: reference source, edited
    return module


def load_mutant(assignment: str, mistake: Mistake, root: Path | None = None) -> ModuleType:
    """Import the mutant in the trusted process (it is reference code with an edit)."""
    path = reference_path(assignment, mistake, root)
    text = mutant_source(path.read_text(encoding="utf-8"), mistake)
    return _load(str(path), f"dlcourse_mutant.{assignment}.{mistake.name}", text)
