"""What a hidden check's feedback may not show the student (an engine step's work).

Hidden checks run on inputs the student must not learn before grades are
published: what their code printed while it held those inputs, and pytest's
own words about a check's source line, go to the instructor's copy only.
"""

from __future__ import annotations

from autograder.messages import lines_of_text, msg, render, render_lines
from autograder.results import GRADESCOPE_VISIBILITY, SubmissionResult

# What a hidden check's feedback may not show the student: what their code
# printed while the hidden inputs were in its hands (it may print them), and
# pytest's own words about a check's source line.
_PRIVATE_MARKERS = ("your code printed:", "last output:")
_ASSERT_WORDS = ("assert ", "AssertionError", "where ", "+  where", "E ")
HIDDEN_ASSERT_NOTE = "a hidden check failed (its details stay with the instructor)"


def redact_hidden_feedback(result: SubmissionResult) -> None:
    """Move the student's prints out of hidden checks' feedback into the instructor's copy.

    A failed hidden check keeps what failed, the call's shapes and the named
    mistake; what the code printed (or the last output of a crashed worker)
    goes to `instructor_output`, and a bare assertion's text (a check's source
    line, the values it compared) is replaced by a plain sentence.
    """
    for test in result.tests:
        if test.visibility == GRADESCOPE_VISIBILITY["public"] or not test.output:
            continue
        lines = test.lines or lines_of_text(test.output)
        texts = [indent + render(message) for indent, message in lines]
        cut = next(
            (
                index
                for index, (indent, message) in enumerate(lines)
                if index > 0 and indent == "  " and render(message).startswith(_PRIVATE_MARKERS)
            ),
            -1,
        )
        if cut >= 0:
            private = "\n".join(texts[cut:]).strip()
            test.instructor_output = "\n".join(filter(None, [test.instructor_output, private]))
            kept = msg(
                "results.prints_kept", "(what your code printed is kept for your instructor)"
            )
            lines, texts = [*lines[:cut], ("  ", kept)], texts[:cut]
        for index, text in enumerate(texts):
            if text.strip().startswith(_ASSERT_WORDS):
                test.instructor_output = "\n".join(filter(None, [test.instructor_output, text]))
                note = msg(
                    "results.hidden_assert",
                    "a hidden check failed (its details stay with the instructor)",
                )
                lines[index] = (lines[index][0], note)
        test.lines = lines
        test.output = render_lines(lines)
