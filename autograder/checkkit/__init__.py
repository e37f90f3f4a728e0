"""The check authors' kit: everything a check module imports (see checks/AUTHORING.md).

Checks are pytest tests running in the trusted grader process. They reach the
student's code only through `Submission` (the `sub` fixture), which marshals
calls to the sandboxed worker, and they get expected values only from an
`Oracle` (the `oracle` fixture), which runs the reference solution in this
process (or, in the student bundle, replays its recorded answers).

    def test_forward(sub, oracle, rng):
        x = rng.standard_normal((2, 3, 5, 5))
        check_forward(sub, oracle, "conv_forward", x, w, b, stride=2)

- `compare`: `compare`, `compare_all` and `CheckFailure` (what the student reads);
- `msg`: a message as data (`autograder.messages`): an id, its English text, its values;
- `oracle`: `Oracle` and its live / recording / replay forms;
- `gradients`: numerical derivatives of the student's own forward;
- `patterns`: `check_forward`, `check_backward`;
- `mutants`: `Mistake`, known mistakes as edits of the reference;
- `scan_files`: the static scan of submitted source for forbidden APIs (`autograder.checkkit.scan`).
"""

from autograder.checkkit.compare import (
    CheckFailure,
    call_after,
    compare,
    compare_all,
    mistake_line,
    under,
)
from autograder.checkkit.gradients import (
    check_backward_numeric,
    directional_derivatives_of_student,
    eval_many,
)
from autograder.checkkit.mutants import Mistake
from autograder.checkkit.oracle import (
    LazyCandidates,
    LiveOracle,
    Oracle,
    OracleMissing,
    RecordingOracle,
    ReplayOracle,
)
from autograder.checkkit.patterns import check_backward, check_forward
from autograder.checkkit.scan import scan_files
from autograder.messages import Message, msg, verbatim
from autograder.sandbox.submission import Handle, Submission, describe_call, describe_value

__all__ = [
    "CheckFailure",
    "Handle",
    "LazyCandidates",
    "LiveOracle",
    "Message",
    "Mistake",
    "Oracle",
    "OracleMissing",
    "RecordingOracle",
    "ReplayOracle",
    "Submission",
    "call_after",
    "check_backward",
    "check_backward_numeric",
    "check_forward",
    "compare",
    "compare_all",
    "describe_call",
    "describe_value",
    "directional_derivatives_of_student",
    "eval_many",
    "mistake_line",
    "msg",
    "scan_files",
    "under",
    "verbatim",
]
