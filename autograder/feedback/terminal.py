"""A small terminal writer for `dlcourse check`: styled lines and one table, without rich.

`dlcourse check` is a short process whose time is mostly imports, and it
prints one table and a few lines. rich cost it ~12 ms to import and ~10 ms
to lay out a 20-row table, a tenth of the whole command; this writer does
the same job in well under a millisecond. It draws the table as rich draws
its default one (heavy head, the title centred above it, a bold header, the
widest column wrapped first when the table does not fit), wraps long lines at
word boundaries to the terminal's width, counts East Asian wide characters
(Korean) as two cells, and styles text only where rich would: on a terminal
(or with FORCE_COLOR), not under TERM=dumb, without colours under NO_COLOR.
Where the output's encoding is not UTF-8 the table is drawn in ASCII.

The other views (`dlcourse list`, `grade`, the quizzes) keep rich.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

# SGR codes of the styles the views use
_CODES = {"bold": "1", "italic": "3", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_COLOURS = {"red", "green", "yellow", "cyan"}
# box-drawing characters: top row, header row, under the header, body rows, bottom row;
# each as (left, horizontal or padding, divider, right), as rich's HEAVY_HEAD and ASCII
_HEAVY_HEAD = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "└─┴┘")
_ASCII = ("+--+", "| ||", "|-+|", "| ||", "+--+")
_WORDS = re.compile(r"\s*\S+\s*")


def cell_width(text: str) -> int:
    """How many terminal cells `text` takes (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def _fold(word: str, width: int) -> list[str]:
    """A word wider than `width`, cut into pieces that fit."""
    pieces, piece = [], ""
    for char in word:
        if piece and cell_width(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def _cut(word: str, width: int) -> str:
    """A word wider than `width`, cut to fit with an ellipsis (as rich cuts a table cell's)."""
    kept = ""
    for char in word:
        if cell_width(kept + char) > width - 1:
            break
        kept += char
    return kept + "…"


def _trimmed(line: str, width: int) -> str:
    """`line` less the trailing spaces that do not fit in `width` cells (rich keeps the rest)."""
    kept = line.rstrip()
    return kept + line[len(kept) :][: max(0, width - cell_width(kept))]


def wrap(line: str, width: int, *, cut: bool = False) -> list[str]:
    """`line` broken at word boundaries into lines of at most `width` cells, as rich breaks
    it: the first keeps its leading spaces, a line ends with the spaces that still fit. A
    word wider than a line is folded onto the next lines, or with `cut` (table cells) cut
    short with an ellipsis."""
    if cell_width(line) <= width:
        return [line]
    lines: list[str] = []
    current = ""
    for word in _WORDS.findall(line):
        if current and cell_width((current + word).rstrip()) > width:
            lines.append(_trimmed(current, width))
            current = word.lstrip()
        else:
            current += word
        kept = current.rstrip()
        if cell_width(kept) > width:  # a word wider than a line
            if cut:
                lines.append(_cut(kept, width))
                current = ""
                continue
            *full, last = _fold(kept, width)
            lines += full
            current = last + current[len(kept) :]
    if current.strip() or not lines:
        lines.append(_trimmed(current, width))
    return lines


def terminal_width() -> int:
    """The width rich would take: COLUMNS, else the first of stdin, stdout and stderr that is
    a terminal, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if os.environ.get("TERM", "") not in ("dumb", "unknown"):
        for descriptor in (0, 1, 2):
            try:
                return os.get_terminal_size(descriptor).columns or 80
            except (AttributeError, ValueError, OSError):
                continue
    return 80


def _pad(text: str, width: int, justify: str) -> str:
    """`text` justified in `width` cells (centred or right-justified without trailing spaces)."""
    if justify != "left":
        text = text.rstrip()
    room = max(0, width - cell_width(text))
    if justify == "right":
        return " " * room + text
    if justify == "center":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def _reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """`values` less `total` shared in proportion to `ratios`, each share at most its maximum
    (rich's `ratio_reduce`, whose rounding this keeps)."""
    ratios = [ratio if most else 0 for ratio, most in zip(ratios, maximums)]
    left_ratio, left = sum(ratios), total
    result = []
    for ratio, most, value in zip(ratios, maximums, values):
        if ratio and left_ratio > 0:
            share = min(most, round(ratio * left / left_ratio))
            result.append(value - share)
            left -= share
            left_ratio -= ratio
        else:
            result.append(value)
    return result


def _narrowed(widths: list[int], room: int) -> list[int]:
    """Column widths (padding included) that fit in `room` cells, as rich narrows a table's:
    the widest column gives way first, down to the next widest, then those together, and
    so on; if that is not enough, every column gives way evenly."""
    while sum(widths) > room:
        widest = max(widths)
        second = max((w for w in widths if w != widest), default=0)
        excess = sum(widths) - room
        if widest == second or not widest - second:
            break
        ratios = [1 if w == widest else 0 for w in widths]
        widths = _reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
    if sum(widths) > room:
        widths = _reduce(sum(widths) - room, [1] * len(widths), widths, widths)
    return widths


@dataclass(frozen=True)
class Column:
    header: str
    justify: str = "left"  # "left" or "right"
    style: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    style: str = ""


class Terminal:
    """Where `dlcourse check` prints: a stream, its width and whether it takes styles."""

    def __init__(self, stream: TextIO | None = None, width: int | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.width = width or terminal_width()
        forced = bool(os.environ.get("FORCE_COLOR"))
        isatty = getattr(self.stream, "isatty", None)
        on_terminal = forced or bool(isatty and isatty())
        self.styled = on_terminal and os.environ.get("TERM", "") not in ("dumb", "unknown")
        self.colours = self.styled and not os.environ.get("NO_COLOR")
        encoding = (getattr(self.stream, "encoding", None) or "utf-8").lower()
        self.box = _HEAVY_HEAD if encoding.replace("-", "").startswith("utf") else _ASCII

    def styled_text(self, text: str, style: str) -> str:
        """`text` in `style` (words of _CODES: "bold green"), where the terminal takes it."""
        if not self.styled or not style or not text:
            return text
        codes = [
            _CODES[word]
            for word in style.split()
            if word in _CODES and (self.colours or word not in _COLOURS)
        ]
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes else text

    def print(self, text: str = "", style: str = "") -> None:
        """`text`, each of its lines wrapped to the width, in `style`."""
        lines = [part for line in text.split("\n") for part in wrap(line, self.width)]
        self.stream.write("".join(self.styled_text(line, style) + "\n" for line in lines))

    def print_parts(self, parts: Sequence[tuple[str, str]]) -> None:
        """One line made of (text, style) parts, wrapped as `print` wraps; where it wraps, the
        styled parts keep their styles if they all fit on its first line."""
        plain = "".join(text for text, _ in parts)
        lines = wrap(plain, self.width)
        last = max((i for i, (_, style) in enumerate(parts) if style), default=-1)
        head = "".join(text for text, _ in parts[: last + 1])
        if head and lines[0].startswith(head):
            styled = "".join(self.styled_text(text, style) for text, style in parts[: last + 1])
            lines[0] = styled + lines[0][len(head) :]
        self.stream.write("".join(line + "\n" for line in lines))

    def table(self, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> None:
        """A table with a centred title, a bold header and a row per entry of `rows`."""
        count = len(columns)
        texts = [[column.header for column in columns]] + [[c.text for c in r] for r in rows]
        natural = [max(cell_width(row[i]) for row in texts) + 2 for i in range(count)]
        padded = _narrowed(natural, self.width - (count + 1))  # less the borders
        widths = [max(1, width - 2) for width in padded]  # less the padding
        top, head, under, body, bottom = self.box
        full = sum(widths) + 3 * count + 1
        out = [
            self.styled_text(_pad(line, full, "center"), "italic")
            for line in (wrap(title, full) if title else [])
        ]
        out.append(top[0] + top[2].join(top[1] * (w + 2) for w in widths) + top[3])
        out += self._row([Cell(c.header, "bold") for c in columns], columns, widths, head, True)
        out.append(under[0] + under[2].join(under[1] * (w + 2) for w in widths) + under[3])
        for row in rows:
            out += self._row(row, columns, widths, body)
        out.append(bottom[0] + bottom[2].join(bottom[1] * (w + 2) for w in widths) + bottom[3])
        self.stream.write("".join(line + "\n" for line in out))

    def _row(
        self,
        cells: Sequence[Cell],
        columns: Sequence[Column],
        widths: list[int],
        box: str,
        header: bool = False,
    ) -> list[str]:
        """One table row, as many lines as its tallest wrapped cell."""
        wrapped = [wrap(cell.text, width, cut=True) for cell, width in zip(cells, widths)]
        height = max(len(lines) for lines in wrapped)
        lines = []
        for index in range(height):
            parts = []
            for cell, column, width, cell_lines in zip(cells, columns, widths, wrapped):
                text = cell_lines[index] if index < len(cell_lines) else ""
                style = cell.style if header else f"{column.style} {cell.style}".strip()
                padded = _pad(text, width, column.justify)
                if text and style:
                    start = len(padded) - len(padded.lstrip(" "))
                    end = len(padded.rstrip(" "))
                    padded = (
                        padded[:start] + self.styled_text(padded[start:end], style) + padded[end:]
                    )
                parts.append(f" {padded} ")
            lines.append(box[0] + box[2].join(parts) + box[3])
        return lines
