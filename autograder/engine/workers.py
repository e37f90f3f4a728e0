"""An assignment's sandboxed workers: their settings, and starting their sandbox early.

This module imports neither numpy nor pytest nor the checks, on purpose: a
self-check calls `start_sandbox_early` before the grader's own imports, so the
zygote (bubblewrap, a Python interpreter, numpy or torch imported and warmed
up) comes up on another core while this process imports pytest and collects
the checks, instead of after them. The sandbox is the one the first check
would have started (`autograder.sandbox.warm.prestart`): same isolation, same
limits, nothing of the submission in it.
"""

from __future__ import annotations

from typing import Any

from autograder.config import Assignment, Course
from autograder.sandbox import warm
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


def start_sandbox_early(course: Course, assignment: Assignment) -> None:
    """Start the zygote `assignment`'s workers fork from, in the background (see above)."""
    settings = worker_settings(course, assignment)
    warm.prestart(
        warm.Config.of(
            settings["preload"], settings["forbidden"], settings["limits"], settings["secrets"]
        )
    )


def let_sandboxes_go() -> None:
    """Tell this process's idle zygotes to exit now and return at once (a one-shot command
    that has graded all it will grade): they exit while it prints its results, so the
    clean-up at exit (`warm.close_all`: wait, remove the cgroups) finds them gone."""
    warm.shut_all()
