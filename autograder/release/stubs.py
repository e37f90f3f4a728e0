"""Release: assignments/ID generated from solutions/ID, the source of truth.

Modules become stubs (`autograder.solutions.clear_solutions`), notebooks lose
their solutions and outputs and are written once per language, every other
file is copied; `drift` says how assignments/ differs from what release writes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import HintPolicy
from autograder.release.hints import (
    HINTS_FILE,
    allowed,
    parse_ladders,
    released_file,
    with_hint_cells,
)
from autograder.release.notebooks import language_versions
from autograder.solutions import BEGIN, MarkerError, clear_solutions

GIVE_ALL = HintPolicy()  # every level of every ladder
# Files of solutions/ID that never reach students as they are.
_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints"}


def clear_notebook(text: str, filename: str = "<notebook>", assignment: str | None = None) -> str:
    """Clear solution regions in the code cells of a notebook and drop all outputs."""
    notebook = json.loads(text)
    for index, cell in enumerate(notebook.get("cells", [])):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if cell.get("cell_type") == "code":
            cleared = clear_solutions(source, f"{filename} (cell {index})", assignment)
            cell["source"] = cleared
            cell["outputs"] = []
            cell["execution_count"] = None
        elif BEGIN in source:
            raise MarkerError(f"{filename} (cell {index}): solution markers in a markdown cell")
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


@dataclass
class GeneratedFile:
    relpath: str
    content: bytes


@dataclass
class ReleasePlan:
    assignment: str
    files: list[GeneratedFile] = field(default_factory=list)


def plan_assignment(
    solutions_root: Path, assignment: str, hints: HintPolicy = GIVE_ALL
) -> ReleasePlan:
    """What `assignments/<assignment>/` must hold, generated from `solutions/<assignment>/`.

    `hints` says which levels of the hint ladders the course gives: only those
    reach hints.toml and the notebooks' hint cells.
    """
    source = solutions_root / assignment
    if not source.is_dir():
        raise FileNotFoundError(f"no solutions/{assignment} folder")
    plan = ReleasePlan(assignment)
    ladders_file = source / HINTS_FILE
    ladders = (
        allowed(parse_ladders(ladders_file.read_text(encoding="utf-8"), str(ladders_file)), hints)
        if ladders_file.is_file()
        else {}
    )
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or any(part in _SKIP_NAMES for part in rel.parts):
            continue
        if path.suffix == ".pyc":
            continue
        name = f"solutions/{assignment}/{rel.as_posix()}"
        if path.suffix == ".py":
            text = clear_solutions(path.read_text(encoding="utf-8"), name, assignment)
            data = text.encode("utf-8")
        elif path.suffix == ".ipynb":
            # one source notebook, one released notebook per language, hint cells at the end
            cleared = clear_notebook(path.read_text(encoding="utf-8"), name, assignment)
            cleared = with_hint_cells(cleared, assignment, ladders)
            for relpath, text in language_versions(rel.as_posix(), cleared):
                plan.files.append(GeneratedFile(relpath, text.encode("utf-8")))
            continue
        elif rel.as_posix() == HINTS_FILE:
            data = released_file(path, hints)
        else:
            data = path.read_bytes()
        plan.files.append(GeneratedFile(rel.as_posix(), data))
    return plan


def write_plan(plan: ReleasePlan, target: Path) -> list[str]:
    """Write a plan into `target` (replacing its contents); return the files written."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for item in plan.files:
        dest = target / item.relpath
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(item.content)
    return [item.relpath for item in plan.files]


def drift(plan: ReleasePlan, target: Path) -> list[str]:
    """Differences between a plan and what is on disk (empty when in sync)."""
    problems: list[str] = []
    expected = {item.relpath: item.content for item in plan.files}
    present = (
        {
            p.relative_to(target).as_posix()
            for p in target.rglob("*")
            if p.is_file() and not any(part in _SKIP_NAMES for part in p.relative_to(target).parts)
        }
        if target.is_dir()
        else set()
    )
    for rel in sorted(set(expected) - present):
        problems.append(f"missing: {target.name}/{rel}")
    for rel in sorted(present - set(expected)):
        problems.append(f"not generated from solutions/: {target.name}/{rel}")
    for rel in sorted(set(expected) & present):
        if (target / rel).read_bytes() != expected[rel]:
            problems.append(f"differs from what release generates: {target.name}/{rel}")
    return problems
