"""Grading a batch: read every submission, reuse what is graded, grade the rest, record all.

Results are written as they come (results.json per student, the gradebook),
then grades.csv. A batch resumes: submissions already graded with the same
content, submission time and late policy (and the same seed, where one was
asked for or the course keys seeds by its secret) are reused.

Whatever a submission holds, the batch finishes and records every student
(reading the submissions is `autograder.intake.collect`; the loop over the
executor, `autograder.engine.executor`; the pool's processes, `autograder.engine.pool`):

- staging (reading the files) runs per submission; anything it raises, or a
  symbolic link anywhere below the instructor's folder, becomes that student's
  recorded error;
- names that collide once case and Unicode form are ignored are an error for
  the colliding submissions only (each recorded under a name of its own, never
  in another's place; the one graded before, or in normal form, keeps its
  grade); names with control characters, path separators or spaces at either
  end are escaped (`%XX`) before they reach a folder, a terminal or the
  gradebook;
- a grading process that dies costs only its own student (see the executor);
- the grading processes of the pool run under their own memory limit
  (`DLCOURSE_GRADER_MEMORY_MB`, default 6144; 0 turns it off).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.config import load_course
from autograder.engine.executor import (
    Seeds,
    Task,
    describe_exc,
    error_result,
    grade_all,
    grade_task,
    seed_of,
)
from autograder.engine.seeds import draw_key
from autograder.intake.collect import collect
from autograder.intake.staging import StagedSubmission
from autograder.intake.times import read_submitted_at
from autograder.results import (
    SubmissionResult,
    read_results,
    results_folder,
    write_grades_csv,
    write_results,
)
from autograder.sandbox.host import describe


# ---------------------------------------------------------------------------
# The batch
# ---------------------------------------------------------------------------
@dataclass
class BatchReport:
    results: list[SubmissionResult]
    graded: int
    reused: int
    seconds: float
    isolation: str = ""  # how the workers were isolated on the machine that ran the batch
    problems: list[str] = field(default_factory=list)  # what went wrong outside any grade
    # "student: why" for what an instructor should look at (implausible or unknown times)
    flags: list[str] = field(default_factory=list)


def _reusable(
    path: Path,
    staged: StagedSubmission,
    assignment: str,
    seed: int | None,
    timing: dict[str, Any],
) -> SubmissionResult | None:
    """The earlier result at `path` when it graded this very content, time and policy, with
    `seed` (None: with the seed it recorded, whichever that was)."""
    if not path.is_file():
        return None
    with contextlib.suppress(Exception):
        old = read_results(path)
        if (
            old.submission_sha256 == staged.sha256
            and (seed is None or old.seed == seed)
            and old.assignment == assignment
            and old.status == "graded"
            and all(old.extra.get(key) == value for key, value in timing.items())
        ):
            return old
    return None


def grade_batch(
    assignment_id: str,
    sources: list[Path],
    out_dir: Path,
    *,
    jobs: int | None = None,
    seed: int | None = None,
    force: bool = False,
    dask_scheduler: str | None = None,
    database: str | None = None,
    root: Path | None = None,
    progress: Callable[[SubmissionResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    submitted_at: dict[str, str] | Path | None = None,
    task: Task = grade_task,
) -> BatchReport:
    """Grade every submission found in `sources`; write results, grades.csv and the gradebook.

    `submitted_at` is the collection's record of submission times (a CSV path
    or {student: ISO time}); `task` grades one submission (any picklable function).
    Without `seed`, each student's seed is keyed by the course's grading secret or
    by a key drawn for this batch (`autograder.engine.seeds`), and a result already
    graded with its recorded seed is reused.
    """
    from autograder.gradebook import Gradebook

    started = time.perf_counter()
    course = load_course(root)  # once per batch; every task gets this copy
    assignment = course.assignment(assignment_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(submitted_at, (str, Path)):
        submitted_at = read_submitted_at(Path(submitted_at))
    sources = [Path(s) for s in sources]
    graded = {path.parent.name for path in out_dir.glob("*/results.json")}
    entries = collect(sources, assignment, course, submitted_at, graded=graded)
    book = Gradebook(
        database or f"sqlite:///{(out_dir / 'gradebook.sqlite').resolve()}", root=course.root
    )
    by_student = {entry.staged.student: entry for entry in entries}
    key = draw_key() if seed is None else None
    seeds: Seeds = seed if key is None else {s: key.seed(assignment.id, s) for s in by_student}
    done: list[SubmissionResult] = []
    problems: list[str] = []

    def finish(result: SubmissionResult) -> None:
        """Annotate, write and record one result; a failure here is that student's error."""
        entry = by_student.get(result.student)
        if entry is not None:
            result.extra.update(entry.timing)
            if entry.notes:
                result.extra["batch_notes"] = entry.notes
        try:
            write_results(out_dir, result)
        except Exception as exc:  # noqa: BLE001
            result = error_result(
                entry.staged if entry else StagedSubmission(student=result.student),
                assignment.id,
                seeds,
                f"its results could not be written: {exc}",
            )
            with contextlib.suppress(Exception):
                write_results(out_dir, result)
        try:
            if entry is None:
                book.record(result)
            else:
                staged = entry.staged
                book.record(
                    result, files=staged.files, problems=staged.problems, source=staged.source
                )
        except Exception as exc:  # noqa: BLE001 - results.json and grades.csv still hold it
            problems.append(
                f"{result.student}: the gradebook refused the grade: {describe_exc(exc)}"
            )
        done.append(result)
        if progress:
            progress(result)

    todo: list[StagedSubmission] = []
    reused = 0
    errors: list[SubmissionResult] = []
    for entry in entries:
        item = entry.staged
        if entry.error:
            errors.append(error_result(item, assignment.id, seeds, entry.error))
            continue
        # a drawn key cannot give the seed of an earlier batch: its recorded one stands
        wanted = None if key is not None and not key.secret else seed_of(seeds, item.student)
        previous = out_dir / results_folder(item.student) / "results.json"
        old = None if force else _reusable(previous, item, assignment.id, wanted, entry.timing)
        if old is not None:
            reused += 1
            finish(old)
        else:
            todo.append(item)
    if on_start:
        on_start(len(todo) + len(errors))
    try:
        for error in errors:
            finish(error)
        grade_all(
            todo,
            course,
            assignment.id,
            seeds,
            finish,
            jobs=max(1, jobs or os.cpu_count() or 1),
            dask_scheduler=dask_scheduler,
            task=task,
        )
    finally:
        write_grades_csv(out_dir / "grades.csv", done)
        book.close()
    return BatchReport(
        results=sorted(done, key=lambda r: r.student),
        graded=len(todo),
        reused=reused,
        seconds=time.perf_counter() - started,
        isolation=describe(),
        problems=problems,
        flags=[f"{e.staged.student}: {flag}" for e in entries for flag in e.flags],
    )
