"""Grading a recorded submission again, from the gradebook's own copy of it.

`regrade` reads the stored files of (item, student), grades them with the
recorded seed (assignments in the sandbox as `dlcourse grade` does; quizzes
against the course's bank), and applies the recorded late penalty, since the
copy has no submission time. With `verify` it only compares; otherwise it
records the new grade, and the gradebook keeps the old one in its history.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.config import ConfigError, load_course
from autograder.gradebook.audit import QUIZ_PREFIX, is_quiz, package_version
from autograder.gradebook.book import Gradebook
from autograder.results import SubmissionResult

TOLERANCE = 1e-9


@dataclass
class RegradeOutcome:
    item: str
    student: str
    recorded: dict[str, Any]
    result: SubmissionResult
    checks_sha256: str  # the checks and reference graded with now
    recorded_now: bool = False
    differences: list[str] = field(default_factory=list)  # checks whose points changed

    @property
    def same(self) -> bool:
        return (
            abs(self.result.score - float(self.recorded["score"])) <= TOLERANCE
            and self.result.status == self.recorded["status"]
        )

    @property
    def checks_changed(self) -> bool:
        return bool(self.recorded["checks_sha256"]) and (
            self.recorded["checks_sha256"] != self.checks_sha256
        )

    @property
    def version_changed(self) -> bool:
        return bool(self.recorded["package_version"]) and (
            self.recorded["package_version"] != package_version()
        )


def _differences(recorded: dict[str, Any], result: SubmissionResult) -> list[str]:
    """'name: old -> new' for each check whose points differ from the recorded grade."""
    try:
        old_tests = json.loads(recorded["results_json"]).get("tests", [])
    except (TypeError, ValueError):
        old_tests = []
    before = {str(t.get("name")): float(t.get("score", 0.0)) for t in old_tests}
    after = {t.name: t.score for t in result.tests}
    changed = []
    for name in list(before) + [n for n in after if n not in before]:
        old, new = before.get(name), after.get(name)
        if old is None or new is None or abs(old - new) > TOLERANCE:
            show = "absent" if old is None else f"{old:g}"
            changed.append(f"{name}: {show} -> {'absent' if new is None else f'{new:g}'}")
    return changed


def _grade_quiz_again(item: str, files: dict[str, bytes], root: Path) -> SubmissionResult:
    from autograder.quiz.engine import grade_file
    from autograder.quiz.take import get_quiz

    quiz = get_quiz(item[len(QUIZ_PREFIX) :], root)
    if len(files) != 1:
        raise ConfigError(f"the stored copy of {item} should be one answer file, not {len(files)}")
    ((name, data),) = files.items()
    with tempfile.TemporaryDirectory(prefix="dlcourse-regrade-") as folder:
        path = Path(folder) / Path(name).name  # the file's name says its format (.yaml, .json)
        path.write_bytes(data)
        return grade_file(quiz, path)


def _recorded_lang(recorded: dict[str, Any]) -> str:
    """The language the recorded grade's feedback was written in."""
    try:
        extra = json.loads(recorded["results_json"]).get("extra_data") or {}
    except (TypeError, ValueError, AttributeError):
        return "en"
    lang = extra.get("lang", "en")
    return lang if isinstance(lang, str) else "en"


def _grade_assignment_again(
    item: str,
    student: str,
    stored: tuple[dict[str, bytes], list[str], str],
    recorded: dict[str, Any],
    root: Path,
) -> SubmissionResult:
    """Grade the stored copy with the recorded seed, penalty and language.

    The copy has no submission time: the late penalty is the one recorded with
    the grade, applied where the late policy would be, so the summary says it.
    """
    from autograder.engine.grading import (
        STEPS,
        apply_late_policy,
        grade_submission,
        recorded_late_policy,
        replacing,
    )
    from autograder.intake.staging import StagedSubmission

    files, problems, source = stored
    staged = StagedSubmission(student=student, files=files, problems=problems, source=source)
    penalty = recorded_late_policy(
        int(recorded["late_days"] or 0), float(recorded["penalty"] or 0.0)
    )
    return grade_submission(
        staged,
        item,
        seed=int(recorded["seed"]),
        course=load_course(root),
        steps=replacing(STEPS, apply_late_policy, penalty),
        lang=_recorded_lang(recorded),
    )


def regrade(
    item: str,
    student: str,
    *,
    database: str,
    root: Path | None = None,
    verify: bool = False,
) -> RegradeOutcome:
    """Grade the stored submission of `student` on `item` again with the recorded seed."""
    from autograder.paths import find_root

    root = Path(root) if root is not None else find_root()
    book = Gradebook(database, root=root)
    try:
        recorded = book.row(item, student)
        if recorded is None:
            raise ConfigError(f"the gradebook has no grade of {student!r} for {item!r}")
        stored = book.submission(recorded["submission_sha256"])
        if stored is None:
            raise ConfigError(
                f"the gradebook keeps no copy of what {student!r} submitted for {item!r} "
                "(graded before copies were kept?): grade the submission again instead"
            )
        if is_quiz(item):
            result = _grade_quiz_again(item, stored[0], root)
            # the copy has no submission time: the penalty is the one recorded with the grade
            result.late_days = int(recorded["late_days"] or 0)
            result.penalty = float(recorded["penalty"] or 0.0)
        else:
            result = _grade_assignment_again(item, student, stored, recorded, root)
        outcome = RegradeOutcome(
            item=item,
            student=student,
            recorded=recorded,
            result=result,
            checks_sha256=str(result.extra.get("bank_sha256") or "") or book.fingerprint(item),
            differences=_differences(recorded, result),
        )
        if not verify:
            outcome.recorded_now = book.record(
                result, files=stored[0], problems=stored[1], source=stored[2]
            )
        return outcome
    finally:
        book.close()
