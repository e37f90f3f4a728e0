"""The reference solutions' marked regions: the one place that reads them.

A reference module marks what students write between `### BEGIN SOLUTION`
and `### END SOLUTION` (nbgrader's markers). `clear_solutions` turns it into
the student's stub the way nbgrader's ClearSolutions does: every region
becomes `# YOUR CODE HERE` and a `raise NotImplementedError` naming the task
(the enclosing function), indentation kept; nested or unterminated markers are
an error naming file and line. `solution_lines` lists what a leak check looks
for; `module_cells` cuts a module into notebook cells, one answer cell per
function or class holding a region (the nbgrader export writes them, a
notebook submission is read back through them).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from autograder.errors import CourseError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
_DEF_RE = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)")


class MarkerError(CourseError, ValueError):
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


@dataclass
class ModuleCell:
    """A run of top-level statements: an answer cell (`name` set) or locked code."""

    source: str
    name: str = ""  # the grade id of an answer cell; "" for locked code


def _pieces(text: str) -> list[tuple[str, str]]:
    """(top-level name or "", source) per top-level statement; comments go with what follows."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    pieces: list[tuple[str, str]] = []
    start = 0
    for index, node in enumerate(tree.body):
        end = node.end_lineno or node.lineno
        if index == len(tree.body) - 1:
            end = len(lines)
        name = node.name if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else ""
        if isinstance(node, ast.AsyncFunctionDef):
            name = node.name
        pieces.append((name, "".join(lines[start:end])))
        start = end
    return pieces


def module_cells(solution_text: str, *, blanks: bool = True) -> list[ModuleCell]:
    """The reference module cut into notebook cells (see the module docstring).

    With `blanks=False` the answer cells hold the stub (`dlcourse release`'s
    cleared regions) instead of the reference: the template a notebook
    submission is put back into.
    """
    solution = _pieces(solution_text)
    stub = solution if blanks else _pieces(clear_solutions(solution_text))
    if [n for n, _ in stub] != [n for n, _ in solution]:
        raise MarkerError("the stub and the reference differ in their top-level names")
    cells: list[ModuleCell] = []
    for (name, reference), (_, text) in zip(solution, stub):
        if BEGIN in reference:
            if not name:
                raise MarkerError(
                    "a blank outside any function or class cannot become an answer cell"
                )
            cells.append(ModuleCell(text.strip("\n") + "\n", name))
        elif cells and not cells[-1].name:
            cells[-1].source += text
        else:
            cells.append(ModuleCell(text))
    for cell in cells:
        cell.source = cell.source.strip("\n")
    return [cell for cell in cells if cell.source or cell.name]


def answer_names(solution_text: str) -> list[str]:
    """The grade ids of the answer cells, in order."""
    return [cell.name for cell in module_cells(solution_text) if cell.name]
