"""What every LMS export of a quiz shares: one drawn question as an LMS sees it, and the
small writers of its text (HTML, numbers, XML elements, the language tag of identifiers)."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from autograder.quiz.bank import LANGS, format_number


@dataclass
class LmsQuestion:
    """One question in one language, ready for any of the formats."""

    id: str  # unique in the export: the bank id, plus -vN for a variant
    kind: str  # single | multiple | numeric
    text: str
    points: float
    feedback: str
    options: list[str] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)  # positions in `options`
    answer: float | None = None
    tolerance: float = 0.0  # absolute
    shuffle: bool = False  # let the LMS shuffle the options
    category: str = ""  # Moodle: the question's own category (variants)


def lang_tag(lang: str) -> str:
    """The suffix of a quiz's identifiers in `lang`: none in English (identifiers of
    earlier exports stay as they were), `-ko` in Korean."""
    return "" if lang == LANGS[0] else f"-{lang}"


def as_html(text: str) -> str:
    """Plain text as a paragraph of HTML (escaped, line breaks kept)."""
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"


def number_text(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else format_number(value)


def sub_element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node
