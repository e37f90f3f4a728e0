"""Authoring and release: solutions/ is the source of truth.

`clear_solutions` turns a reference module into the student's stub the way
nbgrader's ClearSolutions does: every region between `### BEGIN SOLUTION` and
`### END SOLUTION` becomes `# YOUR CODE HERE` and a `raise NotImplementedError`
that names the task (the enclosing function), indentation kept. Nested or
unterminated markers are an error naming file and line.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder.release.notebooks import language_versions

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
_DEF_RE = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)")

# Files of solutions/ID that never reach students as they are.
_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints"}


class MarkerError(ValueError):
    """A solution region is nested, unterminated or stray."""


def _task_of(lines: list[str], index: int, indent: int) -> str:
    """The dotted name of the function (or class) enclosing line `index`."""
    names: list[str] = []
    limit = indent
    for line in reversed(lines[:index]):
        match = _DEF_RE.match(line)
        if match and len(match.group(1)) < limit:
            names.append(match.group(3))
            limit = len(match.group(1))
            if limit == 0:
                break
    return ".".join(reversed(names)) or "module"


def clear_solutions(text: str, filename: str = "<string>", assignment: str | None = None) -> str:
    """Replace every solution region of `text` by a stub that fails loudly."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    begin_at: int | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if begin_at is not None:
                raise MarkerError(
                    f"{filename}:{number}: nested '{BEGIN}' (region opened at line {begin_at})"
                )
            begin_at = number
            indent = line[: len(line) - len(line.lstrip())]
            task = _task_of(lines, number - 1, len(indent))
            label = f"{assignment}/{task}" if assignment else task
            out.append(f"{indent}# YOUR CODE HERE\n")
            out.append(
                f'{indent}raise NotImplementedError("{label}: fill in this blank (see its docstring)")\n'
            )
        elif stripped.startswith(END):
            if begin_at is None:
                raise MarkerError(f"{filename}:{number}: '{END}' without a matching '{BEGIN}'")
            begin_at = None
        elif begin_at is None:
            out.append(line)
    if begin_at is not None:
        raise MarkerError(f"{filename}:{begin_at}: '{BEGIN}' is never closed by '{END}'")
    return "".join(out)


def solution_lines(text: str) -> list[str]:
    """The stripped, non-trivial lines inside solution regions (for leak checks)."""
    found: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            inside = True
        elif stripped.startswith(END):
            inside = False
        elif inside and len(stripped) >= 24 and not stripped.startswith("#"):
            found.append(stripped)
    return found


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


def plan_assignment(solutions_root: Path, assignment: str) -> ReleasePlan:
    """What `assignments/<assignment>/` must hold, generated from `solutions/<assignment>/`."""
    source = solutions_root / assignment
    if not source.is_dir():
        raise FileNotFoundError(f"no solutions/{assignment} folder")
    plan = ReleasePlan(assignment)
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
            # one source notebook, one released notebook per language (notebook_lang)
            cleared = clear_notebook(path.read_text(encoding="utf-8"), name, assignment)
            for relpath, text in language_versions(rel.as_posix(), cleared):
                plan.files.append(GeneratedFile(relpath, text.encode("utf-8")))
            continue
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
