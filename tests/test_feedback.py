"""Is the text people read built from the results' data, in one place?"""

from __future__ import annotations

from autograder.feedback import failure_notes, staging_problem, summary_text
from autograder.results import FAILURE_KINDS, CheckResult, SubmissionResult


def result_with(*kinds: str, **extra: object) -> SubmissionResult:
    tests = [CheckResult(name=f"c{i}", score=0.0, max_score=1.0, status="failed", kind=k)
             for i, k in enumerate(kinds)]  # fmt: skip
    tests.append(CheckResult(name="ok", score=1.0, max_score=1.0, status="passed"))
    return SubmissionResult(assignment="conv", student="s", tests=tests, seed=3, **extra)


def test_notes_name_the_two_most_telling_kinds():
    """Does the grade table note the two most telling failure kinds, in FAILURE_KINDS order?"""
    notes = failure_notes(result_with("shape", "wrong", "timeout", "import"))
    assert notes == "does not import; time-out"
    assert list(FAILURE_KINDS).index("import") < list(FAILURE_KINDS).index("timeout")


def test_plain_wrong_values_get_no_note():
    """Do ordinary wrong answers stay out of the notes (the score already says so)?"""
    assert failure_notes(result_with("wrong", "exception")) == ""


def test_notes_add_mistakes_lateness_and_integrity():
    """Are named mistakes, late days and integrity notes counted in the notes?"""
    result = result_with("nan", late_days=2, extra={"integrity_notes": ["a", "b"]})
    result.tests[0].diagnosis = "adam_no_bias_correction"
    assert failure_notes(result) == (
        "mistakes: adam_no_bias_correction; NaN; 2 integrity note(s); 2 day(s) late"
    )


def test_summary_says_score_seed_and_problems():
    """Does results.json's summary give the score, the problems and the seed to reproduce it?"""
    result = result_with("wrong")
    text = summary_text(result, ["the submission has no conv.py"])
    assert text.startswith("conv: 1 / 2 points; 1 of 2 checks passed.")
    assert "Problems with the submission: the submission has no conv.py" in text
    assert "Seed 3" in text
    assert staging_problem([]) == ""
    assert staging_problem(["x", "y"]) == "your submission could not be graded as it is: x; y"
