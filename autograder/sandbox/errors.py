"""What can go wrong on the worker's side, as exceptions with a `kind`.

The `kind` is the failure's structured name; it travels with the check's
result to the grade table (see `autograder.results.FAILURE_KINDS`), so nothing
downstream has to read it back out of the message.
"""

from __future__ import annotations

# The kinds a worker may report for an exception in the student's code; the
# host accepts no other (the worker is the student's, so its words are checked).
STUDENT_KINDS = frozenset(
    {
        "exception",
        "output_flood",
        "process_limit",
        "exit",
        "memory",
        "forbidden",
        "missing_function",
    }
)


class WorkerError(RuntimeError):
    """Base of everything that went wrong on the worker's side.

    With a `message_id`, `message` is an English template that `values` fill
    (the grader turns it into a message of its catalogs, so that it can be
    rendered in the reader's language); without one it is plain text. The
    sandbox imports nothing of the grader, so the message travels as these
    three plain attributes.
    """

    kind = "worker"

    def __init__(
        self,
        message: str = "",
        *,
        kind: str | None = None,
        message_id: str = "",
        values: dict[str, object] | None = None,
    ) -> None:
        self.template = message
        self.message_id = message_id
        self.values = dict(values or {})
        super().__init__(message.format(**self.values) if message_id else message)
        if kind is not None:
            self.kind = kind


class StudentError(WorkerError):
    """The student's code raised an exception (reported with their frames)."""

    kind = "exception"

    def __init__(
        self, type_name: str, message: str, where: list[str], *, kind: str | None = None
    ) -> None:
        self.type_name = type_name
        self.message = message
        self.where = where
        text = f"{type_name}: {message}"
        if where:
            text += "\n  " + "\n  ".join(where)
        super().__init__(text, kind=kind)


class WorkerTimeout(WorkerError):
    kind = "timeout"


class WorkerCrashed(WorkerError):
    kind = "crash"


class ProtocolError(WorkerError):
    """The worker answered with something that is not a valid reply."""

    kind = "protocol"


class ImportFailed(WorkerError):
    """The submission could not be imported (or not even staged)."""

    kind = "import"
