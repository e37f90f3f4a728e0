"""Feedback text from results' data: the summary, each check's title and message, per language.

A result is graded once, in messages (ids and values, `autograder.messages`);
its text is rendered here in the reader's language from the catalogs
(`autograder.feedback.catalogs`): `render_result(result, "ko")` turns a
result, fresh or read back from results.json, into Korean without grading it
again. In a language other than English each failure opens with its kind
(the English feedback, written first, never had that line).
"""

from __future__ import annotations

from autograder.feedback.catalogs import SOURCE_LANG, translator
from autograder.messages import (
    Lines,
    Message,
    lines_from_json,
    lines_of_text,
    lines_to_json,
    msg,
    render,
    render_lines,
    verbatim,
)
from autograder.results import FAILURE_KINDS, CheckResult, SubmissionResult

# The failure kinds worth a note in the grade table (plain wrong values are not).
NOTED_KINDS = {
    "import", "missing_files", "timeout", "crash", "exit", "memory", "process_limit",
    "output_flood", "forbidden", "nan", "shape", "missing_function",
}  # fmt: skip


# ---------------------------------------------------------------------------
# The summary stored with a result
# ---------------------------------------------------------------------------
def summary_lines(result: SubmissionResult, problems: list[str]) -> Lines:
    """The submission-level message of results.json, as data."""
    passed = sum(1 for t in result.tests if t.status == "passed")
    lines: Lines = [
        (
            "",
            msg(
                "summary.score",
                "{assignment}: {score} / {max_score} points; {passed} of {total} checks passed.",
                assignment=result.assignment,
                score=f"{result.score:g}",
                max_score=f"{result.max_score:g}",
                passed=passed,
                total=len(result.tests),
            ),
        )
    ]
    if problems:
        lines.append(
            (
                "",
                msg(
                    "summary.problems",
                    "Problems with the submission: {problems}",
                    problems="; ".join(problems),
                ),
            )
        )
    if result.late_days:
        lines.append(
            (
                "",
                msg(
                    "summary.late",
                    "Submitted {days} day(s) late: {penalty} deducted.",
                    days=result.late_days,
                    penalty=f"{result.penalty:.0%}",
                ),
            )
        )
    seed = msg(
        "summary.seed", "Seed {seed} (re-grading with it reproduces this grade).", seed=result.seed
    )
    lines.append(("", seed))
    isolation = msg("summary.isolation", "Isolation: {isolation}.", isolation=result.isolation)
    lines.append(("", isolation))
    return lines


def summary_text(result: SubmissionResult, problems: list[str]) -> str:
    """The submission-level message of results.json, in English."""
    return render_lines(summary_lines(result, problems))


def error_lines(text: str) -> Lines:
    """The summary of a submission that could not be graded: what went wrong."""
    return [("", msg("summary.error", "{output}", output=verbatim(text)))]


def problem_message(problems: list[str]) -> Message | None:
    """What every check says when the submission could not be staged as it is."""
    if not problems:
        return None
    return msg(
        "summary.not_staged",
        "your submission could not be graded as it is: {problems}",
        problems="; ".join(problems),
    )


def staging_problem(problems: list[str]) -> str:
    message = problem_message(problems)
    return render(message) if message is not None else ""


def failure_notes(result: SubmissionResult) -> str:
    """The grade table's notes: errors, named mistakes, the two most telling failure kinds."""
    notes = []
    if result.status != "graded":
        notes.append("ERROR: " + result.output.splitlines()[0][:80] if result.output else "ERROR")
    mistakes = {t.diagnosis for t in result.tests if t.diagnosis}
    if mistakes:
        notes.append("mistakes: " + ", ".join(sorted(mistakes)))
    failed = {t.kind for t in result.tests if t.status != "passed"}
    # FAILURE_KINDS is ordered most telling first
    labels = [label for kind, label in FAILURE_KINDS.items() if kind in failed & NOTED_KINDS]
    notes.extend(labels[:2])
    if result.extra.get("integrity_notes"):
        notes.append(f"{len(result.extra['integrity_notes'])} integrity note(s)")
    if result.late_days:
        notes.append(f"{result.late_days} day(s) late")
    return "; ".join(notes)


# ---------------------------------------------------------------------------
# Rendering a result in a language
# ---------------------------------------------------------------------------
def kind_message(kind: str) -> Message:
    return msg(f"kind.{kind}", FAILURE_KINDS.get(kind, kind))


def render_check(test: CheckResult, assignment: str, lang: str) -> None:
    """Rewrite one check's name and message in `lang` from its data."""
    translate = translator(assignment, lang)
    if test.title is not None:
        test.name = render(test.title, translate)
    if test.status == "passed":
        return
    lines = test.lines or lines_of_text(test.output)
    if lang != SOURCE_LANG and test.kind:
        kind_line = msg("failure.kind", "Kind of failure: {kind}", kind=kind_message(test.kind))
        lines = [("", kind_line), *lines]
    test.output = render_lines(lines, translate)


def render_result(result: SubmissionResult, lang: str) -> SubmissionResult:
    """`result` rendered in `lang` (in place, and returned): check titles, messages, summary."""
    for test in result.tests:
        render_check(test, result.assignment, lang)
    summary = lines_from_json(result.extra.get("summary"))
    if not summary and result.output:
        summary = error_lines(result.output) if result.status != "graded" else []
    if summary:
        result.extra["summary"] = lines_to_json(summary)
        result.output = render_lines(summary, translator(result.assignment, lang))
    result.extra["lang"] = lang
    return result
