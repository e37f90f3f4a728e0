"""An assignment's sandboxed workers: their settings, and a self-check's worker started early.

This module imports neither numpy nor pytest nor the checks, on purpose: a
self-check calls `start_worker_early` as soon as it has read the submission,
before the grader's own imports (numpy, pytest, torch for the reference) and
the checks' collection, so the submission's worker comes up and imports it on
another core meanwhile (`autograder.sandbox.early`: the same cold worker the
first check would start, with the same isolation and limits).
"""

from __future__ import annotations

from typing import Any

from autograder.config import Assignment, Course
from autograder.intake.staging import StagedSubmission
from autograder.sandbox import early, warm
from autograder.sandbox.host import Worker
from autograder.sandbox.limits import Limits


def worker_settings(course: Course, assignment: Assignment) -> dict[str, Any]:
    """What every worker of `assignment` is given (a `SubmissionSpec` less its folder)."""
    return {
        "modules": assignment.module_stems,
        "forbidden": assignment.forbidden,
        "timeout_s": assignment.timeout_s,
        "import_timeout_s": assignment.import_timeout_s,
        "limits": Limits(memory_mb=assignment.memory_mb),
        "secrets": (course.root,),
        "preload": assignment.preload,
    }


def start_worker_early(course: Course, assignment: Assignment, staged: StagedSubmission) -> None:
    """Start the worker of `staged` for its first check now (see above); nothing where staging
    found a problem (its checks then start no worker)."""
    if staged.problems or not staged.files:
        return
    settings = worker_settings(course, assignment)
    with staged.materialised() as folder:  # the worker copies it, as the checks' worker would
        worker = Worker(
            folder,
            limits=settings["limits"],
            forbidden=settings["forbidden"],
            secrets=settings["secrets"],
            preload=settings["preload"],
        )
        early.start(worker, settings["modules"])


def let_sandboxes_go() -> None:
    """A one-shot command that has graded all it will grade: stop the early workers nothing
    took over, and tell this process's idle zygotes to exit now without waiting, so they go
    while it prints its results (the clean-up at exit, `warm.close_all`, finds them gone)."""
    early.close_all()
    warm.shut_all()
