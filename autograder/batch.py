"""Grading many submissions: one loop over one executor.

The executor is a local process pool (one worker per core), Dask's executor
for a cluster (`--dask ADDRESS`), or this process when there is one job or
one submission; the loop is the same for all three. Results are written as
they come (results.json per student, the gradebook), then grades.csv. A batch
resumes: submissions already graded with the same content and seed are reused.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.config import Course, load_course
from autograder.grading import default_seed, grade_submission
from autograder.results import SubmissionResult, read_results, write_grades_csv, write_results
from autograder.sandbox.host import describe
from autograder.staging import StagedSubmission, discover, stage


def grade_task(
    staged: StagedSubmission, course: Course, assignment_id: str, seed: int | None
) -> SubmissionResult:
    """A picklable unit of work for any executor; a broken grade never stops the batch."""
    try:
        return grade_submission(staged, assignment_id, seed=seed, course=course)
    except Exception as exc:  # noqa: BLE001
        return SubmissionResult(
            assignment=assignment_id,
            student=staged.student,
            status="error",
            output=f"grading failed: {type(exc).__name__}: {exc}",
            submission_sha256=staged.sha256,
            seed=seed or 0,
        )


class InProcessExecutor(Executor):
    """Runs each task here, when the loop asks for its result (one job, or one task)."""

    def map(  # type: ignore[override]
        self, fn: Callable[..., Any], *iterables: Iterable[Any], **_: Any
    ) -> Iterator[Any]:
        return map(fn, *iterables)


@contextlib.contextmanager
def open_executor(jobs: int, tasks: int, dask_scheduler: str | None) -> Iterator[Executor]:
    """Dask's executor for a cluster, a process pool for several jobs, else this process."""
    if dask_scheduler:
        from distributed import Client

        with Client(dask_scheduler) as client, client.get_executor(pure=False) as executor:
            yield executor
    elif jobs > 1 and tasks > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=min(jobs, tasks), mp_context=context) as pool:
            yield pool
    else:
        yield InProcessExecutor()


@dataclass
class BatchReport:
    results: list[SubmissionResult]
    graded: int
    reused: int
    seconds: float
    isolation: str = ""  # how the workers were isolated on the machine that ran the batch


def _reusable(
    path: Path, staged: StagedSubmission, assignment: str, seed: int
) -> SubmissionResult | None:
    """The earlier result at `path` when it graded this very content with this seed."""
    if not path.is_file():
        return None
    with contextlib.suppress(Exception):
        old = read_results(path)
        if (
            old.submission_sha256 == staged.sha256
            and old.seed == seed
            and old.assignment == assignment
            and old.status == "graded"
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
) -> BatchReport:
    """Grade every submission found in `sources`; write results, grades.csv and the gradebook."""
    from autograder.gradebook import Gradebook

    started = time.perf_counter()
    course = load_course(root)  # once per batch; every task gets this copy
    assignment = course.assignment(assignment_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = [stage(student, path, assignment) for student, path in discover(sources, assignment)]
    book = Gradebook(
        database or f"sqlite:///{(out_dir / 'gradebook.sqlite').resolve()}", root=course.root
    )
    by_student = {item.student: item for item in staged}  # the gradebook keeps what was graded

    def record(result: SubmissionResult) -> None:
        item = by_student.get(result.student)
        if item is None:
            book.record(result)
        else:
            book.record(result, files=item.files, problems=item.problems, source=item.source)

    done: list[SubmissionResult] = []
    todo: list[StagedSubmission] = []
    for item in staged:
        wanted_seed = default_seed(assignment.id, item.student) if seed is None else seed
        previous = out_dir / item.student / "results.json"
        old = None if force else _reusable(previous, item, assignment.id, wanted_seed)
        if old is not None:
            done.append(old)
            record(old)
        else:
            todo.append(item)
    reused = len(done)
    if on_start:
        on_start(len(todo))
    jobs = max(1, jobs or os.cpu_count() or 1)
    with open_executor(jobs, len(todo), dask_scheduler) as executor:
        count = len(todo)  # Dask's map wants sized arguments, not itertools.repeat
        for result in executor.map(
            grade_task, todo, [course] * count, [assignment.id] * count, [seed] * count
        ):
            write_results(out_dir, result)
            record(result)
            done.append(result)
            if progress:
                progress(result)
    write_grades_csv(out_dir / "grades.csv", done)
    book.close()
    return BatchReport(
        results=sorted(done, key=lambda r: r.student),
        graded=len(todo),
        reused=reused,
        seconds=time.perf_counter() - started,
        isolation=describe(),
    )
