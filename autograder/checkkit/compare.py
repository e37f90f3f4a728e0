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

from autograder.sandbox.inside.wire import Handle


class CheckFailure(AssertionError):
    """A check failed; the message is what the student reads."""

    def __init__(self, message: str, diagnosis: str = "", kind: str = "wrong") -> None:
        super().__init__(message)
        self.message = message
        self.diagnosis = diagnosis
        self.kind = kind


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
    what: str = "output",
    call: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, tuple[str, Any]] | None = None,
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
    diagnosis = ""
    for name, (message, value) in (mistakes or {}).items():
        if (
            value is not None
            and not _matches(want, value, rtol, atol)
            and _matches(got, value, rtol, atol)
        ):
            diagnosis = name
            problem += f"\n  Likely mistake ({name}): {message}"
            break
    prefix = f"{call}\n  " if call else ""
    raise CheckFailure(prefix + problem, diagnosis=diagnosis, kind=kind)


def difference(got: Any, want: Any, what: str, rtol: float, atol: float) -> tuple[str, str] | None:
    """(kind, text) saying how `got` differs from `want`; None when it matches."""
    want_arr = np.asarray(want)
    if isinstance(got, Handle):
        return (
            "type",
            f"{what}: expected an array of shape {want_arr.shape}, got an object that cannot be graded",
        )
    if isinstance(got, (list, tuple)) and not isinstance(want, (list, tuple)):
        return (
            "type",
            f"{what}: expected an array of shape {want_arr.shape}, got a {type(got).__name__}",
        )
    try:
        got_arr = np.asarray(got)
    except Exception:  # noqa: BLE001
        return "type", f"{what}: expected an array, got {type(got).__name__}"
    if got is None:
        return (
            "type",
            f"{what}: expected an array of shape {want_arr.shape}, got None (a missing return?)",
        )
    if got_arr.dtype.kind not in "biuf" and got_arr.dtype != np.bool_:
        return "type", f"{what}: expected numbers, got dtype {got_arr.dtype}"
    if got_arr.shape != want_arr.shape:
        return "shape", f"{what}: wrong shape: expected {want_arr.shape}, got {got_arr.shape}"
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
        return "nan", (
            f"{what}: contains NaN ({int(bad_nan.sum())} of {g.size} entries), first at index "
            f"{index} (expected {_format_number(w[index])}); overflow, 0/0 or log of 0?"
        )
    bad_inf = np.isinf(g) & ~np.isinf(w)
    if bad_inf.any():
        index = tuple(int(i) for i in np.argwhere(bad_inf)[0])
        return "inf", (
            f"{what}: contains inf ({int(bad_inf.sum())} entries), first at index {index} "
            f"(expected {_format_number(w[index])}); an overflow?"
        )
    finite = np.isfinite(w)
    diff = np.where(finite, np.abs(g - w), np.where(g == w, 0.0, np.inf))
    scale = float(np.max(np.abs(w[finite]))) if finite.any() else 0.0
    tolerance = atol + 1e-9 * scale + rtol * np.abs(np.where(finite, w, 0.0))
    bad = diff > tolerance
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    max_abs = float(np.max(diff))
    rel = diff / np.maximum(np.abs(w), 1e-300)
    max_rel = float(np.max(np.where(finite, rel, 0.0)))
    dtype_note = (
        ""
        if got_arr.dtype == want_arr.dtype
        else f", dtype {got_arr.dtype} (expected {want_arr.dtype})"
    )
    return "wrong", (
        f"{what}: values differ in {int(bad.sum())} of {g.size} entries (shape {want_arr.shape}{dtype_note})\n"
        f"  max abs error {max_abs:.3g}, max rel error {max_rel:.3g}\n"
        f"  first at index {index}: expected {_format_number(w[index])}, got {_format_number(g[index])}"
    )


def compare_all(
    got: Any,
    want: Sequence[Any],
    names: Sequence[str],
    *,
    call: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, tuple[str, Any]] | None = None,
) -> None:
    """Compare a tuple of outputs (e.g. (dx, dw, db)) part by part."""
    if not isinstance(got, (tuple, list)) or len(got) != len(want):
        count = len(got) if isinstance(got, (tuple, list)) else type(got).__name__
        raise CheckFailure(
            f"{call}\n  expected a tuple of {len(want)} values ({', '.join(names)}), got {count}",
            kind="type",
        )
    failures = [
        found
        for index, name in enumerate(names)
        if (found := difference(got[index], want[index], name, rtol, atol)) is not None
    ]
    if not failures:
        return
    diagnosis = ""
    kind = failures[0][0]  # the first output that differs says what kind of failure it is
    message = "\n  ".join(text for _, text in failures)
    for key, (text, value) in (mistakes or {}).items():
        if value is None or not isinstance(value, (tuple, list)) or len(value) != len(want):
            continue
        if all(_matches(g, v, rtol, atol) for g, v in zip(got, value)):
            diagnosis = key
            message += f"\n  Likely mistake ({key}): {text}"
            break
    raise CheckFailure((f"{call}\n  " if call else "") + message, diagnosis=diagnosis, kind=kind)
