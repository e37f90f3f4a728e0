"""Compatibility shim: new code imports autograder.checkkit.

The check authors' kit moved to `autograder.checkkit` and the worker proxy
(`Submission`, `SubmissionSpec`) to `autograder.sandbox.submission`; this
module re-exports their names for check modules written before the split.
"""

from autograder.checkkit import (
    CheckFailure,
    Handle,
    LazyCandidates,
    LiveOracle,
    Oracle,
    OracleMissing,
    RecordingOracle,
    ReplayOracle,
    check_backward,
    check_backward_numeric,
    check_forward,
    compare,
    compare_all,
    describe_call,
    describe_value,
    directional_derivatives_of_student,
    eval_many,
)
from autograder.sandbox.errors import ImportFailed
from autograder.sandbox.submission import Submission, SubmissionSpec

__all__ = [
    "CheckFailure",
    "Handle",
    "ImportFailed",
    "LazyCandidates",
    "LiveOracle",
    "Oracle",
    "OracleMissing",
    "RecordingOracle",
    "ReplayOracle",
    "Submission",
    "SubmissionSpec",
    "check_backward",
    "check_backward_numeric",
    "check_forward",
    "compare",
    "compare_all",
    "describe_call",
    "describe_value",
    "directional_derivatives_of_student",
    "eval_many",
]
