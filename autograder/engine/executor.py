"""Grading many submissions: one loop over one executor, one submission never harms another.

The executor is a local process pool (one worker per core, `autograder.engine.pool`),
Dask's executor for a cluster (`--dask ADDRESS`), or this process when there is
one job or one submission. Every task's result reaches `emit`, whatever happens:

- a grading process that dies (memory, a signal) breaks the local pool: the
  pool is restarted, and every task it was running is graded again alone, so
  only the one that kills its own process is recorded as an error;
- a task Dask gives up on (KilledWorker), or any other exception from a
  task's future, is that student's error.

The batch around this loop (reading submissions, reusing results, writing
them) is `autograder.engine.batch`.
"""

from __future__ import annotations

import contextlib
import errno
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from autograder.config import Course
from autograder.engine.grading import default_seed, grade_submission
from autograder.engine.pool import preload_for, process_pool, sweep_scratch
from autograder.engine.untrusted import untrusted_text
from autograder.feedback import render_result
from autograder.intake.staging import StagedSubmission
from autograder.results import SubmissionResult
from autograder.sandbox.host import describe

Task = Callable[[StagedSubmission, Course, str, "int | None"], SubmissionResult]


# A batch's seeds: one for every submission (`--seed`), one per student (drawn for
# the batch, or keyed by the course's secret), or None (each grade draws its own).
Seeds = int | None | Mapping[str, int]


def seed_of(seeds: Seeds, student: str) -> int | None:
    """The seed `seeds` gives `student` (None: the grade draws one)."""
    if isinstance(seeds, Mapping):
        return seeds.get(student)
    return seeds


def error_result(
    staged: StagedSubmission,
    assignment_id: str,
    seeds: Seeds,
    message: str,
) -> SubmissionResult:
    seed = seed_of(seeds, staged.student)
    return SubmissionResult(
        assignment=assignment_id,
        student=staged.student,
        status="error",
        output=untrusted_text(message, 4000),  # it may quote a file name of the student's
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
            return error_result(
                staged,
                assignment_id,
                seed,
                "infrastructure error: the grading machine ran out of disk space "
                f"({exc}); nothing was held against the submission, and the next run "
                "grades it again",
            )
        return error_result(
            staged,
            assignment_id,
            seed,
            f"grading failed: {type(exc).__name__}: {describe_exc(exc)}",
        )
    except (Exception, RecursionError) as exc:  # noqa: BLE001
        return error_result(
            staged,
            assignment_id,
            seed,
            f"grading failed: {type(exc).__name__}: {describe_exc(exc)}",
        )


class InProcessExecutor(Executor):
    """Runs each task here, when the loop asks for its result (one job, or one task)."""

    def map(  # type: ignore[override]
        self, fn: Callable[..., Any], *iterables: Iterable[Any], **_: Any
    ) -> Iterator[Any]:
        return map(fn, *iterables)


@contextlib.contextmanager
def open_executor(
    jobs: int,
    tasks: int,
    dask_scheduler: str | None,
    scratch: Path | None = None,
    preload: tuple[str, ...] = (),
) -> Iterator[Executor]:
    """Dask's executor for a cluster, a process pool for several jobs, else this process."""
    if dask_scheduler:
        from distributed import Client

        with Client(dask_scheduler) as client, client.get_executor(pure=False) as executor:
            yield executor
    elif jobs > 1 and tasks > 1:
        with process_pool(min(jobs, tasks), scratch, preload) as pool:
            yield pool
    else:
        yield InProcessExecutor()


def describe_exc(exc: BaseException) -> str:
    """`str(exc)`, even for an exception whose __str__ fails."""
    try:
        return str(exc)
    except Exception:  # noqa: BLE001
        return repr(getattr(exc, "args", ()))[:500]


def death_message(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return (
            "the grading process was lost while grading this submission (Dask KilledWorker: "
            f"its worker died every time it tried, e.g. out of memory): {describe_exc(exc)}"
        )
    if isinstance(exc, BrokenProcessPool):
        return (
            "the grading process died while grading this submission (killed by a signal, "
            "e.g. out of memory); it was graded alone in a fresh process and died again"
        )
    return f"the grading process failed: {name}: {describe_exc(exc)}"


def grade_all(
    todo: list[StagedSubmission],
    course: Course,
    assignment_id: str,
    seeds: Seeds,
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
    (Dask's KilledWorker, a pickling error) is that task's error. `seeds` gives each
    task its seed (see `Seeds`).
    """
    if executor is None and not dask_scheduler and (jobs <= 1 or len(todo) <= 1):
        for item in todo:
            emit(task(item, course, assignment_id, seed_of(seeds, item.student)))
        return
    scratch = Path(tempfile.mkdtemp(prefix="dlcourse-batch-"))
    try:
        _grade_in_pools(
            todo, course, assignment_id, seeds, emit, jobs, dask_scheduler, task, executor, scratch
        )
    finally:
        sweep_scratch(scratch)


def _grade_in_pools(
    todo: list[StagedSubmission],
    course: Course,
    assignment_id: str,
    seeds: Seeds,
    emit: Callable[[SubmissionResult], None],
    jobs: int,
    dask_scheduler: str | None,
    task: Task,
    executor: Executor | None,
    scratch: Path,
) -> None:
    suspects: list[StagedSubmission] = []
    preload = preload_for(course.assignment(assignment_id).torch)
    with contextlib.ExitStack() as stack:
        if executor is None:
            executor = stack.enter_context(
                open_executor(jobs, len(todo), dask_scheduler, scratch, preload)
            )
        futures: dict[Future[SubmissionResult], StagedSubmission] = {
            executor.submit(task, item, course, assignment_id, seed_of(seeds, item.student)): item
            for item in todo
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
                result = error_result(item, assignment_id, seeds, death_message(exc))
            emit(result)
    for item in suspects:  # each alone: the one that breaks its own pool is the culprit
        try:
            with process_pool(1, scratch, preload) as pool:
                seed = seed_of(seeds, item.student)
                result = pool.submit(task, item, course, assignment_id, seed).result()
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            result = error_result(item, assignment_id, seeds, death_message(exc))
        emit(result)
