"""Fingerprints and pairwise comparison, done by copydetect (winnowing, as MOSS does).

copydetect tokenizes Python with pygments and replaces every identifier by
one letter (variables and attributes V, functions F, classes O), every
string by S, and drops comments and whitespace; renamed variables, edited
comments or docstrings and a new layout therefore change nothing. The
fingerprints are hashed k-grams of that token text, so the order of the
functions does not matter either: only the few k-grams that straddle two
moved functions change.

Choices made here, measured on the planted set of tests/data/similarity:
- k (copydetect's noise threshold) = 25 characters of token text, its default:
  of four independent correct conv solutions, no pair scores above 32% (the
  loops and plumbing every solution writes), and every disguised copy scores
  at least 92%, with at least 84% of each side matched (k from 12 to 50 keeps
  a gap of at least 0.5; at 20-25 it is widest, 0.6).
- the window is 1 (guarantee threshold = noise threshold): every k-gram is a
  fingerprint. Winnowing with a larger window picks the minimal hash per
  window, and Python's string hash changes with every process, so the
  scores would change from run to run; the submissions are small enough to
  keep every k-gram.
- boilerplate is removed here from the fingerprints copydetect computed, hash
  by hash: copydetect's own removal (numpy's intersect1d with assume_unique on
  hashes that repeat) also drops repeated fingerprints that are not
  boilerplate.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KGRAM = 25


@dataclass
class Fingerprint:
    """One text's fingerprints, boilerplate removed (copydetect's CodeFingerprint inside)."""

    code: Any  # copydetect.CodeFingerprint
    coverage: int  # token characters that carry a fingerprint after boilerplate removal


@dataclass
class Pair:
    """Two submissions and how much of each the other matches."""

    a: str
    b: str
    share_a: float  # fraction of a's fingerprinted tokens also found in b
    share_b: float
    tokens: int  # matched token characters (in a)
    regions_a: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in a's text
    regions_b: list[tuple[int, int]] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The larger share: how much of the more copied-from-looking side is matched."""
        return max(self.share_a, self.share_b)


def _copydetect() -> tuple[Any, Any, Any]:
    logging.getLogger("copydetect").setLevel(logging.ERROR)
    from copydetect import CodeFingerprint, compare_files
    from copydetect.utils import get_token_coverage

    return CodeFingerprint, compare_files, get_token_coverage


def fingerprint(text: str, kgram: int = KGRAM, boilerplate: Iterable[int] = ()) -> Fingerprint:
    """The fingerprints of `text` (Python) without the hashes in `boilerplate`."""
    code_fingerprint, _, token_coverage = _copydetect()
    code = code_fingerprint(
        "submission.py", kgram, 1, fp=io.StringIO(text), language="python"
    )  # window 1: every k-gram (see the module docstring)
    drop = code.hashes & set(boilerplate)
    if drop:
        code.hashes = code.hashes - drop
        code.hash_idx = {h: i for h, i in code.hash_idx.items() if h not in drop}
    coverage = int(token_coverage(code.hash_idx, kgram, len(code.filtered_code)))
    code.token_coverage = coverage
    return Fingerprint(code, coverage)


def boilerplate_hashes(texts: Iterable[str], kgram: int = KGRAM) -> set[int]:
    """Every fingerprint of the starter code."""
    found: set[int] = set()
    for text in texts:
        found |= fingerprint(text, kgram).code.hashes
    return found


def _regions(slices: np.ndarray) -> list[tuple[int, int]]:
    if slices.size == 0:
        return []
    return [(int(s), int(e)) for s, e in zip(slices[0], slices[1]) if e > s]


def compare(a: Fingerprint, b: Fingerprint, names: tuple[str, str] = ("a", "b")) -> Pair:
    """How much of `a` and of `b` the other matches, with the matched regions of each."""
    if not a.coverage or not b.coverage or not (a.code.hashes & b.code.hashes):
        return Pair(*names, 0.0, 0.0, 0)
    _, compare_files, _ = _copydetect()
    tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(a.code, b.code)
    return Pair(
        *names, float(share_a), float(share_b), int(tokens), _regions(slices_a), _regions(slices_b)
    )


def flagged(pair: Pair, threshold: float) -> bool:
    """At or above the threshold (a pair with nothing in common never is)."""
    return pair.score >= threshold and pair.tokens > 0


def compare_all(
    fingerprints: dict[str, Fingerprint], *, threshold: float, max_regions: int
) -> list[Pair]:
    """Every pair, most similar first; matched regions for the first `max_regions` flagged."""
    pairs = []
    for a, b in itertools.combinations(sorted(fingerprints), 2):
        pair = compare(fingerprints[a], fingerprints[b], (a, b))
        if not flagged(pair, threshold):
            pair.regions_a, pair.regions_b = [], []  # kept only where a side-by-side is shown
        pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, -p.tokens, p.a, p.b))
    for pair in pairs[max_regions:]:
        pair.regions_a, pair.regions_b = [], []
    return pairs
