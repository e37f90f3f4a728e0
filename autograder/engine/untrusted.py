"""What the worker says, as the grader lets it into feedback.

Everything a worker sends back is the student's: an exception's type and
message, the frames it names, what the code printed, the strings and keys of
returned values that a check quotes. Before any of it becomes a check's
feedback, the grader filters every value of every message here: control and
format characters (terminal escapes, carriage returns, bidi overrides,
zero-width characters) are shown as escapes (`\\x1b`), and each value is
clipped, so that a submission can neither drive the reader's terminal nor
flood a page. The grader's own templates are left as they are.

Filtering keeps text from misleading a reader; it does not decide what a
student may see. That is decided by which worker a check talks to: hidden
checks have a worker of their own (see `autograder.engine.plugin.GradingContext`),
so nothing a hidden check sends can reach a public check's feedback.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from autograder.messages import Lines, Message
from autograder.results import clip_text

MAX_VALUE_CHARS = 4000
_KEPT = {"\n", "\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def untrusted_text(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """`text` with control and format characters escaped, clipped to `limit` characters."""
    text = clip_text(str(text), limit * 4)  # bounded work before the scan
    out = []
    for char in text:
        if char in _KEPT or char.isprintable() and unicodedata.category(char)[0] != "C":
            out.append(char)
        elif char == " " or unicodedata.category(char) == "Zs":
            out.append(" ")
        else:
            out.append(_escape(char))
    return clip_text("".join(out), limit)


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return untrusted_text(value)
    if isinstance(value, Message):
        return filtered(value)
    if isinstance(value, (list, tuple)):
        return [_value(item) for item in value[:64]]
    return value


def filtered(message: Message) -> Message:
    """`message` with every value (and every value of a nested message) filtered."""
    return Message(message.id, message.text, {key: _value(v) for key, v in message.values.items()})


def filtered_lines(lines: Lines) -> Lines:
    """A check's feedback lines, each message filtered."""
    return [(indent, filtered(message)) for indent, message in lines]
