"""What the similarity report compares: one text per student, and the starter code.

Submissions are read by the batch's own intake (`autograder.intake.collect`),
exactly as `dlcourse grade` reads them: folders, zips, notebooks and
nbgrader's submitted/ layout, student names escaped the same way, and the same
refusals with their reasons (symbolic links, FIFOs, unreadable, encrypted or
oversized zip members, two submissions for one student). A notebook
submission is the module that grading builds from it.

The starter code is boilerplate, never evidence of copying: the released stub
(`assignments/ID/*.py`) and, for notebook submissions, the module that grading
builds from the released notebook when nothing was filled in (in its two
spellings: our stub's blanks and nbgrader's `raise NotImplementedError()`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder import paths
from autograder.config import Assignment, Course
from autograder.intake.collect import collect
from autograder.solutions import module_cells

# nbgrader's generate_assignment writes this where our stub names the task.
_NBGRADER_BLANK = "raise NotImplementedError()"
_OUR_BLANK = re.compile(r'raise NotImplementedError\("[^"\n]*"\)')


@dataclass
class Document:
    """One student's submission as the text that is compared (and shown)."""

    student: str
    source: str
    text: str
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Refused:
    """A submission that could not be read, with intake's reason."""

    student: str
    source: str
    reason: str


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")


def joined_text(files: dict[str, bytes], modules: tuple[str, ...]) -> tuple[str, list[str]]:
    """(text, file order): the module files first, in the course's order, then helpers.

    With more than one file, each starts with a comment naming it (comments are
    not compared, so the headers never make two submissions alike).
    """
    order = [m for m in modules if m in files] + sorted(set(files) - set(modules))
    if len(order) == 1:
        return _decode(files[order[0]]), order
    parts = [f"# ===== {name} =====\n{_decode(files[name])}" for name in order]
    return "\n".join(parts), order


def read_submissions(
    assignment: Assignment, sources: list[Path], course: Course
) -> tuple[list[Document], list[Refused]]:
    """Every submission found in `sources`, read as `dlcourse grade` reads it."""
    documents: list[Document] = []
    refused: list[Refused] = []
    for entry in collect([Path(s) for s in sources], assignment, course, None):
        staged = entry.staged
        if entry.error:
            refused.append(Refused(staged.student, staged.source, entry.error))
            continue
        if not staged.files:
            reason = "; ".join(staged.problems) or "no module file was found"
            refused.append(Refused(staged.student, staged.source, reason))
            continue
        text, order = joined_text(staged.files, assignment.modules)
        notes = [*entry.notes, *staged.problems]
        documents.append(Document(staged.student, staged.source, text, order, notes))
    documents.sort(key=lambda d: d.student)
    refused.sort(key=lambda r: r.student)
    return documents, refused


def _released_notebook(solution_text: str, *, nbgrader_blanks: bool) -> bytes:
    """The notebook a student receives, nothing filled in, as nbgrader JSON."""
    cells = []
    for cell in module_cells(solution_text, blanks=False):
        source = cell.source
        if cell.name and nbgrader_blanks:
            source = _OUR_BLANK.sub(_NBGRADER_BLANK, source)
        metadata = {"nbgrader": {"solution": True, "grade_id": cell.name}} if cell.name else {}
        cells.append({"cell_type": "code", "metadata": metadata, "source": source})
    return json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5}).encode("utf-8")


def boilerplate(assignment: Assignment, root: Path) -> dict[str, str]:
    """{name: text} of the starter code every student received."""
    from autograder.intake.notebook import NotebookProblem, module_from_notebook

    found: dict[str, str] = {}
    stubs = paths.assignments_dir(root) / assignment.id
    for path in sorted(stubs.glob("*.py")):
        found[f"assignments/{assignment.id}/{path.name}"] = _decode(path.read_bytes())
    reference = paths.solutions_dir(root) / assignment.id / assignment.modules[0]
    if reference.is_file():
        solution = reference.read_text(encoding="utf-8")
        for nbgrader_blanks, label in ((False, "as released"), (True, "nbgrader's blanks")):
            notebook = _released_notebook(solution, nbgrader_blanks=nbgrader_blanks)
            try:
                module = module_from_notebook(notebook, assignment, root=root)
            except NotebookProblem:
                continue
            found[f"{assignment.id}.ipynb ({label}, nothing filled in)"] = module
    return found
