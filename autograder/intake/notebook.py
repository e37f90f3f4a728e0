"""A notebook submission (nbgrader's collected `<ID>.ipynb`) read as the module it holds.

The notebook is read as JSON and never executed. The module is rebuilt from
the trusted template (the reference module with its blanks cleared, cut into
the same cells as `dlcourse export nbgrader` cut it): every answer cell of the
template is replaced by the code of the notebook's cell with the same
`grade_id` (IPython magics in it become comments); the locked code
(imports, helpers) comes from the template, not from the notebook, as
nbgrader's own autograde restores locked cells. The result is graded in the sandbox like a `.py`
submission. Broken JSON, missing answer cells and changed grade ids give a
message that says what to fix.

A notebook is the student's bytes, read in the grader's own process, so it is
capped at every step before the next one can cost much: its size before it is
read (MAX_NOTEBOOK_BYTES, with outputs and images), the number of JSON arrays
and objects before it is parsed (MAX_JSON_CONTAINERS; nesting deeper than the
parser's recursion limit is refused too), its cells once parsed (MAX_CELLS),
and the code of its answer cells, hence the module built from them, before
anything parses that module: the cap of a `.py` submission (MAX_MODULE_BYTES).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.config import Assignment
from autograder.intake.helpers import MAX_MODULE_BYTES
from autograder.solutions import module_cells

MAX_NOTEBOOK_BYTES = 8 << 20  # a released notebook is ~40 KiB; outputs and plots add the rest
MAX_JSON_CONTAINERS = 100_000  # JSON arrays and objects; a released notebook has ~300
MAX_CELLS = 2_000  # a released notebook has ~90
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


class NotebookProblem(ValueError):
    """The notebook cannot be turned into the module (the message says why)."""


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise NotebookProblem("a cell's source is neither text nor a list of lines")


def _parse(data: bytes, filename: str) -> Any:
    """The notebook's JSON, after the caps that bound what parsing it costs."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookProblem(f"{filename} is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
    structure = _JSON_STRING.sub(b"", data)  # what is left outside strings
    containers = structure.count(b"[") + structure.count(b"{")
    del structure
    if containers > MAX_JSON_CONTAINERS:
        raise NotebookProblem(
            f"{filename} holds {containers} JSON arrays and objects; a notebook has a few "
            f"hundred, and at most {MAX_JSON_CONTAINERS} are read (clear its outputs?)"
        )
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookProblem(f"{filename} is not UTF-8 text") from None
    except RecursionError:
        raise NotebookProblem(f"{filename} is nested too deeply to be a notebook") from None
    except json.JSONDecodeError as exc:
        raise NotebookProblem(
            f"{filename} is not a readable notebook (broken JSON at line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg})"
        ) from None


def _too_much_code(filename: str, size: int) -> NotebookProblem:
    return NotebookProblem(
        f"the code of {filename} adds up to more than {MAX_MODULE_BYTES >> 10} KiB "
        f"({size >> 10} KiB so far), the most a module may hold; remove what the "
        "answer cells do not need"
    )


def answer_cells(data: bytes, filename: str = "notebook") -> dict[str, str]:
    """{grade_id: code} of the notebook's nbgrader answer cells (code cells with solution)."""
    notebook = _parse(data, filename)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookProblem(f"{filename} is not a Jupyter notebook (it has no list of cells)")
    if len(cells) > MAX_CELLS:
        raise NotebookProblem(
            f"{filename} has {len(cells)} cells; at most {MAX_CELLS} are read "
            "(start again from the released notebook?)"
        )
    found: dict[str, str] = {}
    size = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {})
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if not isinstance(nbgrader, dict) or not nbgrader.get("solution"):
            continue
        grade_id = nbgrader.get("grade_id")
        if not isinstance(grade_id, str):
            continue
        if grade_id in found:
            raise NotebookProblem(
                f"{filename} has two answer cells with grade_id {grade_id!r} "
                "(a copied cell? keep one of them)"
            )
        found[grade_id] = _source(cell)
        size += len(found[grade_id].encode("utf-8", "surrogatepass"))
        if size > MAX_MODULE_BYTES:
            raise _too_much_code(filename, size)
    return found


def without_magics(code: str) -> str:
    """IPython magics and shell escapes (`%timeit`, `!ls`) as comments: a module cannot run them."""
    return re.sub(r"(?m)^(\s*)([%!])", r"\1# \2", code)


def module_from_notebook(
    data: bytes, assignment: Assignment, filename: str = "", root: Path | None = None
) -> str:
    """The module source a notebook submission holds; raises NotebookProblem."""
    filename = filename or f"{assignment.id}.ipynb"
    stem = assignment.module_stems[0]
    reference = paths.solutions_dir(root) / assignment.id / f"{stem}.py"
    if not reference.is_file():
        raise NotebookProblem(
            f"grading a notebook needs the reference module of {assignment.id} ({reference})"
        )
    template = module_cells(reference.read_text(encoding="utf-8"), blanks=False)
    wanted = [cell.name for cell in template if cell.name]
    answers = answer_cells(data, filename)
    missing = [name for name in wanted if name not in answers]
    if missing:
        extra = sorted(set(answers) - set(wanted))
        hint = f"; it has answer cells {', '.join(map(repr, extra))} instead" if extra else ""
        raise NotebookProblem(
            f"{filename} lacks the answer cell(s) {', '.join(map(repr, missing))} "
            f"(deleted, or their grade_id changed{hint}); start again from the released "
            "notebook and copy your code into its cells"
        )
    parts = [without_magics(answers[cell.name]) if cell.name else cell.source for cell in template]
    module = "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
    size = len(module.encode("utf-8", "surrogatepass"))
    if size > MAX_MODULE_BYTES:  # the template's own code counts too: the module is what is parsed
        raise _too_much_code(filename, size)
    return module


def stage_notebook(path: Path, assignment: Assignment) -> tuple[dict[str, bytes], list[str]]:
    """({module file: bytes}, problems) for a notebook submission at `path`."""
    name = assignment.modules[0]
    if path.is_symlink():
        return {}, [f"{path.name} is a symbolic link; submit the notebook itself"]
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return {}, [f"{path.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB"]
    with open(path, "rb") as handle:
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)  # however it grew since
    try:
        source = module_from_notebook(data, assignment, path.name)
    except NotebookProblem as exc:
        return {}, [f"{exc} (there is no {name}, so the notebook was read for it)"]
    return {name: source.encode("utf-8")}, []
