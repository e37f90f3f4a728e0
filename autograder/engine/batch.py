"""Grading many submissions: one loop over one executor, one submission never harms another.

The executor is a local process pool (one worker per core), Dask's executor
for a cluster (`--dask ADDRESS`), or this process when there is one job or
one submission. Results are written as they come (results.json per student,
the gradebook), then grades.csv. A batch resumes: submissions already graded
with the same content, seed, submission time and late policy are reused.

Whatever a submission holds, the batch finishes and records every student
(reading the submissions is `autograder.intake.collect`; the pool's processes, `autograder.engine.pool`):

- staging (reading the files) runs per submission; anything it raises, or a
  symbolic link anywhere below the instructor's folder, becomes that student's
  recorded error;
- two submissions that map to the same student are an error naming both
  sources, never a silent overwrite; names with control characters or path
  separators are escaped (`%XX`) before they reach a folder, a terminal or the
  gradebook;
- a grading process that dies (memory, a signal) breaks the local pool: the
  pool is restarted, and every task it was running is graded again alone, so
  only the one that kills its own process is recorded as an error; a task
  Dask gives up on (KilledWorker) is that student's error;
- the grading processes of the pool run under their own memory limit
  (`DLCOURSE_GRADER_MEMORY_MB`, default 6144; 0 turns it off).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.config import Course, load_course
from autograder.engine.grading import default_seed, grade_submission
from autograder.engine.pool import (  # noqa: F401 - re-exported
    GRADER_MEMORY_MB,
    grader_memory_mb,
    limit_grader_memory,
    process_pool,
    start_grading_process,
    sweep_scratch,
)
from autograder.feedback import render_result
from autograder.intake.collect import (  # noqa: F401 - re-exported for callers and tests
    TIMESTAMP_FILE,
    Entry,
    collect,
    policy_fingerprint,
    read_submitted_at,
    stage_safely,
    submission_time,
)
from autograder.intake.staging import StagedSubmission
from autograder.results import (
    SubmissionResult,
    clip_text,
    read_results,
    write_grades_csv,
    write_results,
)
from autograder.sandbox.host import describe

Task = Callable[[StagedSubmission, Course, str, "int | None"], SubmissionResult]


def _error_result(
    staged: StagedSubmission, assignment_id: str, seed: int | None, message: str
) -> SubmissionResult:
    return SubmissionResult(
        assignment=assignment_id,
        student=staged.student,
        status="error",
        output=clip_text(message, 4000),
        submission_sha256=staged.sha256,
        seed=default_seed(assignment_id, staged.student) if seed is None else seed,
        isolation=describe(),
    )


def grade_task(
    staged: StagedSubmission,
    course: Course,
    assignment_id: str,
    seed: int | None,
    *,
    lang: str = "en",
) -> SubmissionResult:
    """A picklable unit of work for any executor; a broken grade never stops the batch.

    The result is in `lang` (a grader error's too).
    """
    result = _grade_or_error(staged, course, assignment_id, seed)
    return render_result(result, lang) if lang != "en" else result


def _grade_or_error(
    staged: StagedSubmission, course: Course, assignment_id: str, seed: int | None
) -> SubmissionResult:
    try:
        return grade_submission(staged, assignment_id, seed=seed, course=course)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return _error_result(
                staged,
                assignment_id,
                seed,
                "infrastructure error: the grading machine ran out of disk space "
                f"({exc}); nothing was held against the submission, and the next run "
                "grades it again",
            )
        return _error_result(
            staged, assignment_id, seed, f"grading failed: {type(exc).__name__}: {_describe(exc)}"
        )
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        return _error_result(
            staged, assignment_id, seed, f"grading failed: {type(exc).__name__}: {_describe(exc)}"
        )


class InProcessExecutor(Executor):
    """Runs each task here, when the loop asks for its result (one job, or one task)."""

    def map(  # type: ignore[override]
        self, fn: Callable[..., Any], *iterables: Iterable[Any], **_: Any
    ) -> Iterator[Any]:
        return map(fn, *iterables)


@contextlib.contextmanager
def open_executor(
    jobs: int, tasks: int, dask_scheduler: str | None, scratch: Path | None = None
) -> Iterator[Executor]:
    """Dask's executor for a cluster, a process pool for several jobs, else this process."""
    if dask_scheduler:
        from distributed import Client

        with Client(dask_scheduler) as client, client.get_executor(pure=False) as executor:
            yield executor
    elif jobs > 1 and tasks > 1:
        with process_pool(min(jobs, tasks), scratch) as pool:
            yield pool
    else:
        yield InProcessExecutor()


def _describe(exc: BaseException) -> str:
    """`str(exc)`, even for an exception whose __str__ fails."""
    try:
        return str(exc)
    except Exception:  # noqa: BLE001
        return repr(getattr(exc, "args", ()))[:500]


def _death_message(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return (
            "the grading process was lost while grading this submission (Dask KilledWorker: "
            f"its worker died every time it tried, e.g. out of memory): {_describe(exc)}"
        )
    if isinstance(exc, BrokenProcessPool):
        return (
            "the grading process died while grading this submission (killed by a signal, "
            "e.g. out of memory); it was graded alone in a fresh process and died again"
        )
    return f"the grading process failed: {name}: {_describe(exc)}"


def grade_all(
    todo: list[StagedSubmission],
    course: Course,
    assignment_id: str,
    seed: int | None,
    emit: Callable[[SubmissionResult], None],
    *,
    jobs: int,
    dask_scheduler: str | None = None,
    task: Task = grade_task,
    executor: Executor | None = None,
) -> None:
    """Grade every submission in `todo` and hand each result to `emit`, whatever happens.

    A broken process pool is replaced; the tasks it held are graded again, each
    alone in a fresh one-process pool, so that only a task that kills its own
    process is recorded as an error. Any other exception from a task's future
    (Dask's KilledWorker, a pickling error) is that task's error.
    """
    if executor is None and not dask_scheduler and (jobs <= 1 or len(todo) <= 1):
        for item in todo:
            emit(task(item, course, assignment_id, seed))
        return
    scratch = Path(tempfile.mkdtemp(prefix="dlcourse-batch-"))
    try:
        _grade_in_pools(
            todo, course, assignment_id, seed, emit, jobs, dask_scheduler, task, executor, scratch
        )
    finally:
        sweep_scratch(scratch)


def _grade_in_pools(
    todo: list[StagedSubmission],
    course: Course,
    assignment_id: str,
    seed: int | None,
    emit: Callable[[SubmissionResult], None],
    jobs: int,
    dask_scheduler: str | None,
    task: Task,
    executor: Executor | None,
    scratch: Path,
) -> None:
    suspects: list[StagedSubmission] = []
    with contextlib.ExitStack() as stack:
        if executor is None:
            executor = stack.enter_context(open_executor(jobs, len(todo), dask_scheduler, scratch))
        futures: dict[Future[SubmissionResult], StagedSubmission] = {
            executor.submit(task, item, course, assignment_id, seed): item for item in todo
        }
        for future in as_completed(futures):
            item = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                suspects.append(item)
                continue
            except BaseException as exc:  # noqa: BLE001 - KilledWorker and the like
                if isinstance(exc, KeyboardInterrupt):
                    raise
                result = _error_result(item, assignment_id, seed, _death_message(exc))
            emit(result)
    for item in suspects:  # each alone: the one that breaks its own pool is the culprit
        try:
            with process_pool(1, scratch) as pool:
                result = pool.submit(task, item, course, assignment_id, seed).result()
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            result = _error_result(item, assignment_id, seed, _death_message(exc))
        emit(result)


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


def _reusable(
    path: Path, staged: StagedSubmission, assignment: str, seed: int, timing: dict[str, Any]
) -> SubmissionResult | None:
    """The earlier result at `path` when it graded this very content, seed, time and policy."""
    if not path.is_file():
        return None
    with contextlib.suppress(Exception):
        old = read_results(path)
        if (
            old.submission_sha256 == staged.sha256
            and old.seed == seed
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
    entries = collect(sources, assignment, course, submitted_at)
    book = Gradebook(
        database or f"sqlite:///{(out_dir / 'gradebook.sqlite').resolve()}", root=course.root
    )
    by_student = {entry.staged.student: entry for entry in entries}
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
            result = _error_result(
                entry.staged if entry else StagedSubmission(student=result.student),
                assignment.id,
                seed,
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
            problems.append(f"{result.student}: the gradebook refused the grade: {_describe(exc)}")
        done.append(result)
        if progress:
            progress(result)

    todo: list[StagedSubmission] = []
    reused = 0
    errors: list[SubmissionResult] = []
    for entry in entries:
        item = entry.staged
        if entry.error:
            errors.append(_error_result(item, assignment.id, seed, entry.error))
            continue
        wanted_seed = default_seed(assignment.id, item.student) if seed is None else seed
        previous = out_dir / item.student / "results.json"
        old = None if force else _reusable(previous, item, assignment.id, wanted_seed, entry.timing)
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
            seed,
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
    )
