"""Messages as data: what feedback says, as a message id, its English text and its values.

A `Message` is what a failing check, the sandbox or the summary of a result
says, before it is text: `id` names the message in the catalogs (gettext's
msgctxt), `text` is its English template (the msgid, `str.format` fields)
and `values` fill it. Values are plain data (str, int, float, bool, None,
lists) or other messages, rendered in the same language (a compared value's
name, a phrase, a known mistake's advice).

Text is made at display time: `render(message, translate)` with a
`translate(id, english) -> template` of the reader's language (see
`autograder.feedback.catalogs`); `english` needs no catalog. A failure's
feedback is a list of lines, each an indent and a message (`Lines`), so a
stored result can be rendered again in another language without grading.

`msg` is how code writes a message: `msg("compare.shape", "{what}: wrong
shape: expected {want}, got {got}", what=..., want=..., got=...)`; the
catalogs' template is extracted from those calls (`autograder.release.extract`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Translate = Callable[[str, str], str]
VERBATIM = "verbatim"  # text that is data (a call, a student's exception), never translated


@dataclass(frozen=True)
class Message:
    """A message id, its English template and the values that fill it."""

    id: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return render(self, _identity)

    def __str__(self) -> str:
        return self.english()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.values:
            data["values"] = {key: _value_json(value) for key, value in self.values.items()}
        return data

    @classmethod
    def from_json(cls, data: Any) -> Message:
        if not isinstance(data, dict):
            return verbatim(str(data))
        values = data.get("values") or {}
        return cls(
            id=str(data.get("id", VERBATIM)),
            text=str(data.get("text", "{text}")),
            values={str(key): _value_from_json(value) for key, value in values.items()},
        )


def msg(message_id: str, text: str, /, **values: Any) -> Message:
    """The message `message_id` with English template `text`, filled with `values`."""
    return Message(message_id, text, values)


def verbatim(text: str) -> Message:
    """Text that stays as it is in every language (code, a call, the student's own words)."""
    return Message(VERBATIM, "{text}", {"text": text})


def as_message(value: str | Message) -> Message:
    return value if isinstance(value, Message) else verbatim(value)


def _identity(_: str, text: str) -> str:
    return text


def render(message: Message, translate: Translate = _identity) -> str:
    """The message's text in the language of `translate` (English by default)."""
    values = {key: _render_value(value, translate) for key, value in message.values.items()}
    template = translate(message.id, message.text) if message.id != VERBATIM else message.text
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a catalog's template that does not fit
        return message.text.format(**values)


def _render_value(value: Any, translate: Translate) -> Any:
    """A value as its template shows it: a message in the same language, a list as its
    items joined by commas (names of compared values, each perhaps a message)."""
    if isinstance(value, Message):
        return render(value, translate)
    if isinstance(value, list):
        return ", ".join(str(_render_value(item, translate)) for item in value)
    return value


def _value_json(value: Any) -> Any:
    if isinstance(value, Message):
        return {"message": value.to_json()}
    if isinstance(value, (list, tuple)):
        return [_value_json(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "message" in value:
        return Message.from_json(value["message"])
    if isinstance(value, list):
        return [_value_from_json(item) for item in value]
    return value


# ---------------------------------------------------------------------------
# Lines: a failure's feedback, one indented message per line
# ---------------------------------------------------------------------------
Line = tuple[str, Message]  # (indent, message)
Lines = list[Line]


def lines_of_text(text: str, indent: str = "") -> Lines:
    """Plain text as verbatim lines (each line keeps its own indent)."""
    out: Lines = []
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        out.append((indent + line[: len(line) - len(stripped)], verbatim(stripped)))
    return out


def render_lines(lines: Iterable[Line], translate: Translate = _identity) -> str:
    return "\n".join(indent + render(message, translate) for indent, message in lines)


def lines_to_json(lines: Sequence[Line]) -> list[list[Any]]:
    return [[indent, message.to_json()] for indent, message in lines]


def lines_from_json(data: Any) -> Lines:
    out: Lines = []
    for item in data or []:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
            out.append((item[0], Message.from_json(item[1])))
    return out
