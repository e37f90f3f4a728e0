"""`dlcourse report`: one self-contained HTML page about a graded batch.

`build_report` reads what `dlcourse grade` or `dlcourse quiz grade` wrote
(GRADES_DIR/<student>/results.json) and writes the instructor's page (score
distribution, pass rates per task and check, named mistakes, late and error
counts, a sortable student table; charts as inline SVG) and, on request, one
feedback page per student that shows only what the student may see.
Modules: `data` (numbers), `charts` (matplotlib SVG), `render` (templates).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from autograder.report.data import ReportError, load_batch_folders, student_view, summarise
from autograder.results import atomic_write_text, results_folder

__all__ = ["ReportError", "ReportWritten", "build_report", "page_name", "student_page_name"]


@dataclass
class ReportWritten:
    """What `build_report` wrote."""

    report: Path
    students: int
    student_pages: list[Path] = field(default_factory=list)


def _write(path: Path, text: str) -> None:
    atomic_write_text(path, text)
    path.chmod(0o644)  # a page to share (the atomic writer's temporary file is private)


# Characters some file systems or a URL cannot hold in a page's name; escaping never
# makes them (it escapes controls, separators, '%', a leading '.' and edge spaces).
_PAGE_UNSAFE = re.compile(r'[<>:"|?*#]')


def page_name(folder: str) -> str:
    """A page's file name from a results folder's name, one to one: the characters in
    _PAGE_UNSAFE as %XX (no escaped name holds such an escape, so none collides)."""
    return _PAGE_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", folder)


def student_page_name(student: str) -> str:
    """The file name (without .html) of `student`'s page: their results folder's name."""
    return page_name(results_folder(student))


def _link(page: Path, report: Path) -> str:
    """The address of `page` from the report's folder (a relative URL, %-escaped)."""
    relative = os.path.relpath(page.resolve(), report.resolve().parent)
    return urllib.parse.quote(Path(relative).as_posix())


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

    pairs = load_batch_folders(Path(grades_dir))
    summary = summarise([result for _, result in pairs])
    out = Path(out)
    pages: list[Path] = []
    if students_dir is not None:
        taken: set[str] = set()
        for name, _ in pairs:
            # the results folder's own name: as escaped and collision-free as the results
            stem = page_name(name)
            if stem.casefold() in taken:  # folders that differ in case only (an older batch)
                stem = f"{stem}%~{len(taken)}"
            taken.add(stem.casefold())
            pages.append(Path(students_dir) / f"{stem}.html")
    # the student table links each row (summary.rows is in the order of pairs) to its page
    links = [_link(page, out) for page in pages] or None
    _write(out, batch_page(summary, source=str(grades_dir), links=links))
    written = ReportWritten(report=out, students=len(pairs))
    if students_dir is not None:
        for (_, result), page in zip(pairs, pages):
            shown = student_view(result, published=published)
            _write(page, student_page(result, shown, published=published))
            written.student_pages.append(page)
    return written
