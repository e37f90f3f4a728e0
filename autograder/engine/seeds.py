"""Grading seeds: secret to the student until grades are published, recorded with every grade.

Every graded check draws its inputs from the grading seed, and the code that
turns a seed into inputs ships with the public checks. So the seed must not be
computable from anything a student holds (the bundle, course.toml, their own
name): it is an HMAC-SHA256 of "assignment/student" under a key no bundle holds:

- the course's grading secret, where the instructor set one on the grading host
  (the environment variable DLCOURSE_GRADING_SECRET, at least 16 characters;
  never in course.toml, which the bundle ships): a student's seed is then the
  same in every batch, in nbgrader's test cells and on Gradescope;
- otherwise a key drawn from `os.urandom` once per batch (one `dlcourse grade`,
  one Gradescope run, one nbgrader kernel), kept in memory only.

Either way each result records the seed it was graded with (results.json,
grades.csv, the gradebook): `dlcourse regrade` and `--seed` reproduce a grade
exactly, and a resumed batch reuses a result graded with its recorded seed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from autograder.config import ConfigError

SECRET_ENV = "DLCOURSE_GRADING_SECRET"
MIN_SECRET_CHARS = 16


@dataclass(frozen=True)
class SeedKey:
    """The key grading seeds are derived from, and whether it is the course's secret."""

    key: bytes
    secret: bool  # True: the course's secret (same seed every batch); False: drawn now

    def seed(self, assignment: str, student: str) -> int:
        """The grading seed of `student` on `assignment` (31 bits, like any `--seed`)."""
        digest = hmac.new(self.key, f"{assignment}/{student}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF

    def __repr__(self) -> str:  # never print the key
        return f"SeedKey(secret={self.secret})"


def course_secret() -> bytes | None:
    """The instructor's grading secret from the grading host's environment, if set."""
    text = os.environ.get(SECRET_ENV, "")
    if not text:
        return None
    if len(text) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"{SECRET_ENV} is set but shorter than {MIN_SECRET_CHARS} characters: "
            "a short secret can be guessed (use e.g. `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`)"
        )
    return text.encode("utf-8")


def draw_key() -> SeedKey:
    """The key of a new batch: the course's secret if set, else 32 random bytes."""
    secret = course_secret()
    if secret is not None:
        return SeedKey(secret, secret=True)
    return SeedKey(os.urandom(32), secret=False)


_PROCESS_KEY: SeedKey | None = None


def process_key() -> SeedKey:
    """One key for this process (a single grade, a Gradescope run, an nbgrader kernel)."""
    global _PROCESS_KEY
    secret = course_secret()
    if secret is not None:
        return SeedKey(secret, secret=True)
    if _PROCESS_KEY is None:
        _PROCESS_KEY = SeedKey(os.urandom(32), secret=False)
    return _PROCESS_KEY
