"""Comparing a student's answer with the expected one, and saying how they differ.

A failed comparison raises `CheckFailure`, whose message is what the student
reads: what was called, expected versus got (shape, dtype, largest absolute
and relative error, first differing index) and, when the answer matches a
known mistake, that mistake's name and advice. Its `kind` says what sort of
difference it was (see `autograder.results.FAILURE_KINDS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograder.messages import (
    Line,
    Lines,
    Message,
    as_message,
    lines_of_text,
    msg,
    render_lines,
)
from autograder.sandbox.inside.wire import Handle


class CheckFailure(AssertionError):
    """A check failed; its lines (messages as data) are what the student reads.

    `message` is plain text (kept as it is in every language), one message, a
    list of messages (the first line, then the others indented under it) or
    lines with their own indents. `call`, what was called, becomes the first
    line and every unindented line is indented under it.
    """

    def __init__(
        self,
        message: str | Message | Sequence[Message] | Sequence[Line],
        diagnosis: str = "",
        kind: str = "wrong",
        *,
        call: str | Message | None = None,
    ) -> None:
        lines = as_lines(message)
        if call:
            lines = under(as_message(call), lines)
        self.lines: Lines = lines
        self.message = render_lines(lines)
        super().__init__(self.message)
        self.diagnosis = diagnosis
        self.kind = kind

    def naming(self, name: str, advice: str | Message) -> CheckFailure:
        """This failure with the known mistake `name` named (its advice on a line of its own)."""
        return CheckFailure(
            [*self.lines, ("  ", mistake_line(name, advice))], diagnosis=name, kind=self.kind
        )


def under(call: Message, lines: Lines) -> Lines:
    """`lines` under the line saying what was called: its first line indented to match the
    lines after it (which keep their own indents)."""
    if not lines:
        return [("", call)]
    (indent, first), rest = lines[0], lines[1:]
    return [("", call), ("  " + indent, first), *rest]


def call_after(call: str | Message, before: str | Message) -> Message:
    """What was called, after the call that made its input (a backward after its forward)."""
    return msg(
        "compare.call_after",
        "{call} after {before}",
        call=as_message(call),
        before=as_message(before),
    )


def as_lines(message: str | Message | Sequence[Message] | Sequence[Line]) -> Lines:
    """Feedback lines from text, a message, problem lines (indented after the first) or lines."""
    if isinstance(message, str):
        return lines_of_text(message)
    if isinstance(message, Message):
        return [("", message)]
    lines: Lines = []
    for index, item in enumerate(message):
        if isinstance(item, Message):
            lines.append(("" if index == 0 else "  ", item))
        else:
            lines.append(item)
    return lines


def mistake_advice(name: str, advice: str | Message) -> Message:
    """A known mistake's advice as a message of the catalogs (`mistake.NAME`)."""
    return advice if isinstance(advice, Message) else msg(f"mistake.{name}", advice)


def mistake_line(name: str, advice: str | Message) -> Message:
    """The line that names a known mistake and gives its advice."""
    return msg(
        "compare.likely_mistake",
        "Likely mistake ({name}): {message}",
        name=name,
        title=msg(f"mistake.{name}.title", name),
        message=mistake_advice(name, advice),
    )


def _format_number(value: Any) -> str:
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return repr(value)


def _matches(got: Any, want: Any, rtol: float, atol: float) -> bool:
    try:
        g = np.asarray(got, dtype=float)
        w = np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    if g.shape != w.shape:
        return False
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    return bool(
        np.all(np.abs(g - w) <= atol + 1e-9 * scale + rtol * np.abs(w))
        and np.all(np.isfinite(g) == np.isfinite(w))
    )


def compare(
    got: Any,
    want: Any,
    *,
    what: str | Message = "output",
    call: str | Message = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, tuple[str | Message, Any]] | None = None,
) -> None:
    """Raise CheckFailure unless `got` matches `want` (arrays or numbers).

    The message says what was called, expected versus got shape and dtype, the
    largest absolute and relative error and the first differing index; when
    `got` matches one of `mistakes` ({name: (message, value)}), it names it.
    """
    found = difference(got, want, what, rtol, atol)
    if found is None:
        return
    kind, problem = found
    failure = CheckFailure(problem, kind=kind, call=call or None)
    for name, (message, value) in (mistakes or {}).items():
        if (
            value is not None
            and not _matches(want, value, rtol, atol)
            and _matches(got, value, rtol, atol)
        ):
            raise failure.naming(name, message)
    raise failure


def difference(
    got: Any, want: Any, what: str | Message, rtol: float, atol: float
) -> tuple[str, list[Message]] | None:
    """(kind, lines) saying how `got` differs from `want`; None when it matches."""
    want_arr = np.asarray(want)
    shape = str(want_arr.shape)
    if isinstance(got, Handle):
        return "type", [
            msg(
                "compare.ungradable",
                "{what}: expected an array of shape {shape}, got an object that cannot be graded",
                what=what,
                shape=shape,
            )
        ]
    if isinstance(got, (list, tuple)) and not isinstance(want, (list, tuple)):
        return "type", [
            msg(
                "compare.sequence",
                "{what}: expected an array of shape {shape}, got a {type}",
                what=what,
                shape=shape,
                type=type(got).__name__,
            )
        ]
    try:
        got_arr = np.asarray(got)
    except Exception:  # noqa: BLE001
        return "type", [
            msg(
                "compare.not_array",
                "{what}: expected an array, got {type}",
                what=what,
                type=type(got).__name__,
            )
        ]
    if got is None:
        return "type", [
            msg(
                "compare.none",
                "{what}: expected an array of shape {shape}, got None (a missing return?)",
                what=what,
                shape=shape,
            )
        ]
    if got_arr.dtype.kind not in "biuf" and got_arr.dtype != np.bool_:
        return "type", [
            msg(
                "compare.dtype",
                "{what}: expected numbers, got dtype {dtype}",
                what=what,
                dtype=str(got_arr.dtype),
            )
        ]
    if got_arr.shape != want_arr.shape:
        return "shape", [
            msg(
                "compare.shape",
                "{what}: wrong shape: expected {want}, got {got}",
                what=what,
                want=shape,
                got=str(got_arr.shape),
            )
        ]
    if want_arr.size == 0:
        return None
    g = got_arr.astype(float)
    w = want_arr.astype(float)
    # The common case first: every value finite on both sides and every entry
    # within tolerance is exactly the verdict of the full comparison below, in
    # a third of its array operations.
    abs_w = np.abs(w)
    top = abs_w.max()
    error = np.abs(g - w)
    if (
        np.isfinite(top)
        and np.isfinite(error.max())
        and bool(np.all(error <= atol + 1e-9 * top + rtol * abs_w))
    ):
        return None
    bad_nan = np.isnan(g) & ~np.isnan(w)
    if bad_nan.any():
        index = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        return "nan", [
            msg(
                "compare.nan",
                "{what}: contains NaN ({count} of {size} entries), first at index {index} "
                "(expected {want}); overflow, 0/0 or log of 0?",
                what=what,
                count=int(bad_nan.sum()),
                size=int(g.size),
                index=str(index),
                want=_format_number(w[index]),
            )
        ]
    bad_inf = np.isinf(g) & ~np.isinf(w)
    if bad_inf.any():
        index = tuple(int(i) for i in np.argwhere(bad_inf)[0])
        return "inf", [
            msg(
                "compare.inf",
                "{what}: contains inf ({count} entry), first at index {index} "
                "(expected {want}); an overflow?",
                plural="{what}: contains inf ({count} entries), first at index {index} "
                "(expected {want}); an overflow?",
                what=what,
                count=int(bad_inf.sum()),
                index=str(index),
                want=_format_number(w[index]),
            )
        ]
    finite = np.isfinite(w)
    diff = np.where(finite, np.abs(g - w), np.where(g == w, 0.0, np.inf))
    scale = float(np.max(np.abs(w[finite]))) if finite.any() else 0.0
    tolerance = atol + 1e-9 * scale + rtol * np.abs(np.where(finite, w, 0.0))
    bad = diff > tolerance
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    max_abs = float(np.max(diff))
    # relative to the expected value, so only where it is neither 0 nor inf
    scaled = finite & (w != 0)
    rel = diff[scaled] / np.abs(w[scaled])
    counts = {"what": what, "count": int(bad.sum()), "size": int(g.size), "shape": shape}
    if got_arr.dtype == want_arr.dtype:
        head = msg(
            "compare.values",
            "{what}: values differ in {count} of {size} entries (shape {shape})",
            **counts,
        )
    else:
        head = msg(
            "compare.values_dtype",
            "{what}: values differ in {count} of {size} entries (shape {shape}, "
            "dtype {got} (expected {want}))",
            got=str(got_arr.dtype),
            want=str(want_arr.dtype),
            **counts,
        )
    if (bad & scaled).any():
        errors = msg(
            "compare.errors",
            "max abs error {abs}, max rel error {rel}",
            abs=f"{max_abs:.3g}",
            rel=f"{float(rel.max()):.3g}",
        )
    else:  # every differing entry expects 0: only the absolute error means anything
        errors = msg(
            "compare.errors_rel_undefined",
            "max abs error {abs}, max rel error not defined (every differing entry expects 0)",
            abs=f"{max_abs:.3g}",
        )
    return "wrong", [
        head,
        errors,
        msg(
            "compare.first",
            "first at index {index}: expected {want}, got {got}",
            index=str(index),
            want=_format_number(w[index]),
            got=_format_number(g[index]),
        ),
    ]


def compare_all(
    got: Any,
    want: Sequence[Any],
    names: Sequence[str | Message],
    *,
    call: str | Message = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, tuple[str | Message, Any]] | None = None,
) -> None:
    """Compare a tuple of outputs (e.g. (dx, dw, db)) part by part."""
    if not isinstance(got, (tuple, list)) or len(got) != len(want):
        count = len(got) if isinstance(got, (tuple, list)) else type(got).__name__
        raise CheckFailure(
            [
                msg(
                    "compare.tuple",
                    "expected a tuple of {count} values ({names}), got {got}",
                    count=len(want),
                    names=list(names),
                    got=str(count),
                )
            ],
            kind="type",
            call=call or None,
        )
    failures = [
        found
        for index, name in enumerate(names)
        if (found := difference(got[index], want[index], name, rtol, atol)) is not None
    ]
    if not failures:
        return
    kind = failures[0][0]  # the first output that differs says what kind of failure it is
    failure = CheckFailure(
        [line for _, lines in failures for line in lines], kind=kind, call=call or None
    )
    for key, (text, value) in (mistakes or {}).items():
        if value is None or not isinstance(value, (tuple, list)) or len(value) != len(want):
            continue
        if all(_matches(g, v, rtol, atol) for g, v in zip(got, value)):
            raise failure.naming(key, text)
    raise failure
