"""The `nbgrader_config.py` that `dlcourse export nbgrader` writes into the course.

nbgrader reads it for every command run in the course directory:

- `Execute.timeout`: one test cell may run every check of a task;
- `IgnorePattern`: warnings on stderr are not failures (nbgrader counts any
  stderr output of a test cell as an error);
- `Autograde.exclude_overwriting`: autograde replaces every non-notebook file
  of a submission with the source folder's version; a helper module the
  student finishes (vit's and bert's transformer.py) must stay theirs;
- `GenerateFeedback.preprocessors`: nbgrader's default feedback converter
  (GetGrades, then the HTML header) shows every cell as `autograde` restored
  it, hidden test regions included. ClearHiddenTests, the preprocessor that
  `generate_assignment` uses to release the notebook, does the same to the
  feedback: it comes after GetGrades, which needs the grade cells intact to
  find their scores, and before the page is rendered.
"""

from __future__ import annotations

# warnings (numpy, matplotlib...) go to stderr, which nbgrader counts as a failure
WARNING_PATTERN = r"\w*Warning: "
MIN_CELL_TIMEOUT_S = 120
MAX_CELL_TIMEOUT_S = 1800
FEEDBACK_PREPROCESSORS = (
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
)


def config_source(
    course_id: str, timeout_s: int, students_files: dict[str, list[str]] | None = None
) -> str:
    """The text of the course's nbgrader_config.py; `students_files`: {assignment: files
    of its source folder that autograde must take from the student, not the source}."""
    imports = {}
    for dotted in FEEDBACK_PREPROCESSORS:
        module, _, name = dotted.rpartition(".")
        imports.setdefault(module, []).append(name)
    return "\n".join(
        [
            "# nbgrader configuration written by `dlcourse export nbgrader`.",
            *[
                f"from {module} import {', '.join(sorted(names))}"
                for module, names in imports.items()
            ],
            "",
            "c = get_config()  # noqa: F821 - provided by nbgrader when it reads this file",
            "",
            f"c.CourseDirectory.course_id = {course_id!r}",
            "# one cell may run every check of a task (or a training loop of the walkthrough)",
            f"c.Execute.timeout = {timeout_s}",
            "# warnings printed on stderr are not failures (nbgrader counts stderr as an error)",
            "c.IgnorePattern.enabled = True",
            f"c.IgnorePattern.pattern = {WARNING_PATTERN!r}",
            "# the helper modules students finish and hand in (autograde would put the",
            "# source folder's stub back in their place)",
            f"c.Autograde.exclude_overwriting = {dict(sorted((students_files or {}).items()))!r}",
            "# feedback shows the scores but not the hidden checks: ClearHiddenTests (as in",
            "# generate_assignment) after GetGrades, which reads the grade cells, before the HTML",
            "c.GenerateFeedback.preprocessors = ["
            + ", ".join(d.rpartition(".")[2] for d in FEEDBACK_PREPROCESSORS)
            + "]",
            "",
        ]
    )
