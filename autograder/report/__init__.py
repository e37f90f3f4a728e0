"""`dlcourse report`: one self-contained HTML page about a graded batch.

`build_report` reads what `dlcourse grade` or `dlcourse quiz grade` wrote
(GRADES_DIR/<student>/results.json) and writes the instructor's page (score
distribution, pass rates per task and check, named mistakes, late and error
counts, a sortable student table; charts as inline SVG) and, on request, one
feedback page per student that shows only what the student may see.
Modules: `data` (numbers), `charts` (matplotlib SVG), `render` (templates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.report.data import ReportError, load_batch, student_view, summarise
from autograder.results import atomic_write_text

__all__ = ["ReportError", "ReportWritten", "build_report", "student_page_name"]


@dataclass
class ReportWritten:
    """What `build_report` wrote."""

    report: Path
    students: int
    student_pages: list[Path] = field(default_factory=list)


def _write(path: Path, text: str) -> None:
    atomic_write_text(path, text)
    path.chmod(0o644)  # a page to share (the atomic writer's temporary file is private)


def student_page_name(student: str) -> str:
    """A file name for a student's page (student names are folder names already)."""
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", student).strip("._") or "student"


def build_report(
    grades_dir: Path,
    *,
    out: Path,
    students_dir: Path | None = None,
    published: bool = False,
) -> ReportWritten:
    """Write the batch report to `out` and, with `students_dir`, one page per student.

    `published`: the grades are published, so checks visible after publication
    (Gradescope's after_published / after_due_date, our hidden checks) are shown
    on the students' pages too; otherwise those pages show only visible checks.
    """
    from autograder.report.render import batch_page, student_page

    results = load_batch(Path(grades_dir))
    summary = summarise(results)
    out = Path(out)
    _write(out, batch_page(summary, source=str(grades_dir)))
    written = ReportWritten(report=out, students=len(results))
    if students_dir is not None:
        folder = Path(students_dir)
        for result in results:
            page = folder / f"{student_page_name(result.student)}.html"
            shown = student_view(result, published=published)
            _write(page, student_page(result, shown, published=published))
            written.student_pages.append(page)
    return written
