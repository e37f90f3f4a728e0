"""Feedback for people: text rendered from results' data, per language, and the terminal views.

- `catalogs`: the message catalogs (gettext .po/.mo) and the languages they give;
- `render`: a result's summary, titles and messages in a language (`render_result`),
  the grade table's notes;
- `views`: what the commands print in a terminal.

The catalogs are kept in step with the code by `autograder.release.extract`.
"""

from autograder.feedback.render import (
    failure_notes,
    problem_message,
    render_result,
    staging_problem,
    summary_lines,
    summary_text,
)

__all__ = [
    "failure_notes",
    "problem_message",
    "render_result",
    "staging_problem",
    "summary_lines",
    "summary_text",
]
