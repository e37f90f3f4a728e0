"""Grading one submission, as an ordered list of small steps.

`grade_submission` grades one staged submission in this process (the checks
run here, the student's code in its sandboxed worker). It creates the result,
then hands it through `STEPS`, each a function of one `Grading`; the order and
why it matters is commented where the list is declared. Finding and reading
submissions is `autograder.intake.staging`; running the checks, `autograder.engine.runner`;
grading many at once, `autograder.engine.batch`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.config import Assignment, Course, load_course
from autograder.engine.redact import redact_hidden_feedback
from autograder.engine.runner import run_checks
from autograder.engine.seeds import process_key
from autograder.engine.untrusted import filtered_lines
from autograder.feedback import problem_message, render_result, summary_lines
from autograder.feedback.render import error_lines
from autograder.intake.staging import (
    StagedSubmission,
    integrity_notes,
)
from autograder.messages import lines_to_json, render_lines
from autograder.results import SubmissionResult
from autograder.sandbox.host import describe


def default_seed(assignment: str, student: str) -> int:
    """The grading seed when none is given: keyed by the course's grading secret, else by a
    key drawn for this process (`autograder.engine.seeds`); no student can compute it."""
    return process_key().seed(assignment, student)


def late_days(stamp: datetime | None, assignment: Assignment) -> int:
    if stamp is None or assignment.deadline is None or stamp <= assignment.deadline:
        return 0
    return math.ceil((stamp - assignment.deadline).total_seconds() / 86400)


Step = Callable[["Grading"], None]


@dataclass
class Grading:
    """One submission on its way through the steps: what they read and what they fill in."""

    course: Course
    assignment: Assignment
    staged: StagedSubmission
    include_hidden: bool
    result: SubmissionResult
    started: float


def note_integrity(job: Grading) -> None:
    """Things in the source an instructor may want to look at, and what the static scan of
    forbidden APIs found (the checks that scan charge for it; the note says why)."""
    from autograder.checkkit import scan

    notes = integrity_notes(job.staged, job.assignment)
    notes += scan.integrity_notes(job.staged.files, job.assignment.id)
    job.result.extra["integrity_notes"] = notes


def run_the_checks(job: Grading) -> None:
    """Run the checks; a submission that could not be staged fails each with the reason."""
    problem = problem_message(job.staged.problems)
    with job.staged.materialised() as folder:
        tests, code, log = run_checks(
            job.course,
            job.assignment,
            folder,
            seed=job.result.seed,
            include_hidden=job.include_hidden,
            import_problem=problem,
        )
    job.result.tests = tests
    if code not in (0, 1) or not tests:
        job.result.status = "error"
        job.result.output = f"the checks did not run (pytest exit {code}):\n{log[-3000:]}"


def apply_late_policy(job: Grading) -> None:
    job.result.late_days = late_days(job.staged.timestamp, job.assignment)
    job.result.penalty = job.course.late_policy.penalty(job.result.late_days)


def keep_hidden_prints_private(job: Grading) -> None:
    """Hidden checks' feedback without the student's prints (they may hold hidden inputs)."""
    redact_hidden_feedback(job.result)


def write_summary(job: Grading) -> None:
    job.result.execution_time = time.perf_counter() - job.started
    if job.result.output:  # the checks did not run: what went wrong is the summary
        lines = error_lines(job.result.output)
    else:
        lines = summary_lines(job.result, job.staged.problems)
    lines = filtered_lines(lines)  # staging's problems quote names from the submission
    job.result.extra["summary"] = lines_to_json(lines)
    job.result.output = render_lines(lines)


def recorded_late_policy(late_days: int, penalty: float) -> Step:
    """A step for `apply_late_policy`'s place: a penalty decided before (a regrade's)."""

    def apply_recorded_penalty(job: Grading) -> None:
        job.result.late_days = late_days
        job.result.penalty = penalty

    return apply_recorded_penalty


def in_language(lang: str) -> Step:
    """A last step: the result's text in `lang` (the data stays the same)."""

    def render_in_language(job: Grading) -> None:
        render_result(job.result, lang)

    return render_in_language


def replacing(steps: Sequence[Step], old: Step, new: Step) -> tuple[Step, ...]:
    """`steps` with `new` where `old` was."""
    return tuple(new if step is old else step for step in steps)


STEPS: tuple[Step, ...] = (
    note_integrity,  # reads the source only, so it holds even when nothing imports
    run_the_checks,  # the student's code runs here (in its worker); fills in the tests
    apply_late_policy,  # after the checks: the penalty scales the points they earned
    keep_hidden_prints_private,  # before the summary: it may quote the checks' feedback
    write_summary,  # last: it quotes the final score, the penalty and the time taken
)


def grade_submission(
    staged: StagedSubmission,
    assignment_id: str,
    *,
    seed: int | None = None,
    include_hidden: bool = True,
    root: Path | None = None,
    course: Course | None = None,
    steps: Sequence[Step] = STEPS,
    lang: str = "en",
) -> SubmissionResult:
    """Grade one staged submission; never raises for anything the submission does.

    `course` saves reading the course configuration again (a batch reads it once).
    `steps` replaces the usual ones (a regrade passes the penalty it recorded);
    `lang` other than English adds a last step that renders the result in it.
    """
    started = time.perf_counter()
    course = course or load_course(root)
    assignment = course.assignment(assignment_id)
    seed = default_seed(assignment.id, staged.student) if seed is None else int(seed)
    result = SubmissionResult(
        assignment=assignment.id,
        student=staged.student,
        seed=seed,
        isolation=describe(),
        submission_sha256=staged.sha256,
    )
    job = Grading(course, assignment, staged, include_hidden, result, started)
    if lang != "en":
        steps = (*steps, in_language(lang))
    for step in steps:
        step(job)
    return result
