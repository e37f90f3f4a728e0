"""Messages as data: what feedback says, as a message id, its English text and its values.

A `Message` is what a failing check, the sandbox or the summary of a result
says, before it is text: `id` names the message in the catalogs (gettext's
msgctxt), `text` is its English template (the msgid, `str.format` fields)
and `values` fill it. Values are plain data (str, int, float, bool, None,
lists) or other messages, rendered in the same language (a compared value's
name, a phrase, a known mistake's advice).

Text is made at display time: `render(message, translations)` with the
gettext translations of the reader's language (see
`autograder.feedback.catalogs`: `pgettext(id, english)`, and
`npgettext(id, english, english_plural, count)` for a message whose wording
follows a number); English needs no catalog. A failure's
feedback is a list of lines, each an indent and a message (`Lines`), so a
stored result can be rendered again in another language without grading.

`msg` is how code writes a message: `msg("compare.shape", "{what}: wrong
shape: expected {want}, got {got}", what=..., want=..., got=...)`; a message
about a number of things gives its plural and the number as `count`:
`msg("view.more", "... and {count} more failing check", plural="... and
{count} more failing checks", count=n)`, and each language's catalog says
how its forms follow the number (gettext's plural forms). The catalogs'
template is extracted from those calls (`autograder.release.extract`).
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class Translate(Protocol):
    """A language's catalogs, as gettext's translations offer them."""

    def pgettext(self, context: str, message: str) -> str: ...

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str: ...


ENGLISH: Translate = gettext.NullTranslations()  # the source texts themselves
VERBATIM = "verbatim"  # text that is data (a call, a student's exception), never translated


@dataclass(frozen=True)
class Message:
    """A message id, its English template and the values that fill it; `plural`: the
    template for a `count` other than one (empty: the wording has one form)."""

    id: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)
    plural: str = ""

    def english(self) -> str:
        return render(self)

    def __str__(self) -> str:
        return self.english()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.plural:
            data["plural"] = self.plural
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
            plural=str(data.get("plural", "")),
        )


def msg(message_id: str, text: str, /, *, plural: str = "", **values: Any) -> Message:
    """The message `message_id` with English template `text`, filled with `values`;
    with `plural`, `values["count"]` chooses the form."""
    if plural and not isinstance(values.get("count"), int):
        raise TypeError(f"message {message_id} has a plural form but no integer count")
    return Message(message_id, text, values, plural)


def verbatim(text: str) -> Message:
    """Text that stays as it is in every language (code, a call, the student's own words)."""
    return Message(VERBATIM, "{text}", {"text": text})


def as_message(value: str | Message) -> Message:
    return value if isinstance(value, Message) else verbatim(value)


def render(message: Message, translate: Translate = ENGLISH) -> str:
    """The message's text in the language of `translate` (English by default)."""
    values = {key: _render_value(value, translate) for key, value in message.values.items()}
    try:
        return _template(message, translate, values).format(**values)
    except (KeyError, IndexError, ValueError):  # a catalog's template that does not fit
        return _template(message, ENGLISH, values).format(**values)


def _template(message: Message, translate: Translate, values: dict[str, Any]) -> str:
    if message.id == VERBATIM:
        return message.text
    if message.plural:
        count = values.get("count")
        count = count if isinstance(count, int) else 0
        return translate.npgettext(message.id, message.text, message.plural, count)
    return translate.pgettext(message.id, message.text)


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


def render_lines(lines: Iterable[Line], translate: Translate = ENGLISH) -> str:
    return "\n".join(indent + render(message, translate) for indent, message in lines)


def lines_to_json(lines: Sequence[Line]) -> list[list[Any]]:
    return [[indent, message.to_json()] for indent, message in lines]


def lines_from_json(data: Any) -> Lines:
    out: Lines = []
    for item in data or []:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
            out.append((item[0], Message.from_json(item[1])))
    return out
