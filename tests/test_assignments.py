"""Is every assignment really graded?

For each assignment with checks: does the reference score full marks, does the
released stub score zero on every single check, does every known mistake lose
points and get named in the feedback, and do the checks carry points and tasks?
"""

from __future__ import annotations

import importlib

import pytest
from graderkit import ROOT, failures, grade_folder, mutant_folder, reference_result, stub_result

from autograder.config import load_course

COURSE = load_course(ROOT)
GRADED = [
    a
    for a in COURSE.assignments
    if (ROOT / "autograder" / "checks" / a / "private" / "test_hidden.py").is_file()
]


def mistakes_of(assignment: str) -> list:
    try:
        module = importlib.import_module(f"autograder.checks.{assignment}.private.mistakes")
    except ModuleNotFoundError:
        return []
    return list(module.MISTAKES)


MUTANTS = [(a, m) for a in GRADED for m in mistakes_of(a)]


@pytest.mark.parametrize("assignment", GRADED)
def test_reference_scores_full_marks(assignment):
    """Does the reference solution pass every public and hidden check?"""
    result = reference_result(assignment)
    assert result.status == "graded", result.output
    assert result.tests, "no checks ran"
    assert result.score == result.max_score, failures(result)
    assert {t.visibility for t in result.tests} == {"visible", "after_published"}


@pytest.mark.parametrize("assignment", GRADED)
def test_stub_scores_zero_on_every_check(assignment):
    """Does the released stub fail every check, each with a message naming a blank?"""
    result = stub_result(assignment)
    assert result.status == "graded", result.output
    passed = [t.name for t in result.tests if t.status == "passed"]
    assert not passed, f"the stub passes: {passed}"
    assert result.score == 0
    for test in result.tests:
        assert "NotImplementedError" in test.output or "fill in" in test.output, test.output


@pytest.mark.parametrize("assignment", GRADED)
def test_checks_carry_points_and_tasks(assignment):
    """Does every check say what it is worth and which task it grades?"""
    result = reference_result(assignment)
    for test in result.tests:
        assert test.max_score > 0, test.name
        assert test.task, f"{test.name} has no task marker"


@pytest.mark.parametrize("assignment", GRADED)
def test_every_task_of_the_stub_is_checked(assignment):
    """Is every blank (every task named by a stub's NotImplementedError) graded by some check?"""
    import re

    tasks = {t.task for t in reference_result(assignment).tests}
    blanks = set()
    for module in (ROOT / "assignments" / assignment).glob("*.py"):
        blanks |= set(
            re.findall(rf'NotImplementedError\("{assignment}/([\w.]+):', module.read_text())
        )
    assert blanks, "the stub has no blanks"
    missing = {b for b in blanks if b not in tasks and b.split(".")[0] not in tasks}
    assert not missing, f"blanks no check grades: {sorted(missing)}"


@pytest.mark.parametrize(
    ("assignment", "mistake"), MUTANTS, ids=[f"{a}-{m.name}" for a, m in MUTANTS]
)
def test_known_mistake_loses_points_and_is_named(assignment, mistake):
    """Does a submission with this known mistake lose points, with the mistake named?"""
    result = grade_folder(assignment, mutant_folder(assignment, mistake))
    assert result.score < result.max_score, f"{mistake.name} scores full marks"
    named = [t for t in result.tests if t.diagnosis == mistake.name]
    assert named, f"{mistake.name} is never named; failures:\n{failures(result)}"
    assert mistake.message in named[0].output
