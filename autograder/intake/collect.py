"""Reading a batch's submissions safely: names, staging and submission times.

`collect` turns the SUBMISSION arguments into one entry per student, and never
raises for one submission: a name is escaped (`%XX`) where it would reach a
folder, a terminal or the gradebook unsafely; names that collide are an error
for the colliding submissions only, naming every source; a symbolic link anywhere below the
instructor's folder, or anything staging raises, is that student's error; and
the submission time is the best record there is, with its source and whether
the collection itself kept it (`autograder.intake.times`).
"""

from __future__ import annotations

import contextlib
import errno
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from autograder.config import Assignment, Course
from autograder.intake.staging import StagedSubmission, discover, stage
from autograder.intake.times import (
    TIMESTAMP_FILE,
    judge_time,
    policy_fingerprint,
    submission_time,
)
from autograder.results import safe_student_name

# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------
COLLISION_MARK = "%~"  # never made by escaping (an escape is '%' and two hex digits)


def _collision_key(name: str) -> str:
    """Names equal under this key are one name to a case-insensitive file system or database."""
    return unicodedata.normalize("NFC", name).casefold()


def _owner(group: list[tuple[str, Path, str]], graded: Collection[str]) -> str | None:
    """The name in a group of colliding names that keeps its grade, if any: the one graded
    before (its results are there), else the one already in its normal form (`alice`
    beside `ALICE`). Two submissions under that very name are two for one student: neither."""
    names = [name for name, _, _ in group]
    there = sorted({n for n in names if n in graded})
    if len(there) != 1:
        normal = sorted({n for n in names if n == _collision_key(n)})
        there = normal if len(normal) == 1 and not there else []
    if len(there) == 1 and names.count(there[0]) == 1:
        return there[0]
    return None


def _colliding(
    group: list[tuple[str, Path, str]], owner: str | None
) -> list[tuple[str, list[tuple[str, Path, str]]]]:
    """(recorded name, its submissions) of each name in the group but the owner's: a name of
    its own that collides with no other (the name, COLLISION_MARK, a number)."""
    others = sorted({name for name, _, _ in group if name != owner})
    out = []
    for number, name in enumerate(others, start=1):
        mine = [entry for entry in group if entry[0] == name]
        single = owner is None and len(others) == 1
        out.append((name if single else f"{name}{COLLISION_MARK}{number}", mine))
    return out


# ---------------------------------------------------------------------------
# Staging, safely
# ---------------------------------------------------------------------------
def _links_below(path: Path, sources: list[Path]) -> Path | None:
    """The first symbolic link on `path` below the instructor's SUBMISSION argument, if any."""
    for source in sources:
        with contextlib.suppress(ValueError):
            relative = path.relative_to(source)
            current = source
            for part in relative.parts:
                current = current / part
                if current.is_symlink():
                    return current
            return None
    return path if path.is_symlink() else None


def stage_safely(
    student: str, path: Path, assignment: Assignment, sources: list[Path]
) -> tuple[StagedSubmission, str]:
    """Stage one submission; returns (staged, error) with error "" when it could be read."""
    staged = StagedSubmission(student=student, source=str(path))
    try:
        link = _links_below(path, sources)
        if link is not None:
            return staged, (
                f"{link} is a symbolic link; submissions must be plain files and folders "
                "(nothing outside the submission is read)"
            )
        if path.exists() and not (path.is_dir() or path.is_file()):
            return staged, f"{path} is not a regular file or folder (a FIFO or a device?)"
        staged = stage(student, path, assignment)
        stamp = path / TIMESTAMP_FILE
        if stamp.is_symlink():
            return staged, f"{stamp} is a symbolic link; refused"
        return staged, ""
    except RecursionError:
        return staged, f"{path} could not be read: its folders are nested too deeply"
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return staged, f"infrastructure error while reading {path}: {exc}; it is retried"
        return staged, f"{path} could not be read: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - one unreadable submission never stops a batch
        return staged, f"{path} could not be read: {type(exc).__name__}: {exc}"


@dataclass
class Entry:
    staged: StagedSubmission
    error: str
    timing: dict[str, Any]
    notes: list[str]
    flags: list[str] = field(default_factory=list)  # for the instructor to look at (in notes)


def _collision_entries(
    group: list[tuple[str, Path, str]], owner: str | None
) -> tuple[list[Entry], list[str]]:
    """The errors of a group's colliding names, and the notes for the owner's grade."""
    entries, owner_notes = [], []
    sources = " and ".join(f"{str(path)!r}" for _, path, _ in group)
    for recorded, mine in _colliding(group, owner):
        name, path, raw = mine[0]
        notes = [f"the student's name {raw!r} was escaped to {name!r}"] if name != raw else []
        if recorded != name:
            notes.append(f"recorded as {recorded!r}, a name no other submission has")
        if len(mine) > 1:
            error = (
                f"two or more submissions map to the student {name!r}: {sources}; "
                "none was graded (rename one so that each student has one submission)"
            )
        else:
            others = sorted({n for n, _, _ in group if n != name})
            error = (
                f"the name {raw!r} collides with {', '.join(map(repr, others))} once letter "
                f"case and Unicode form are ignored ({sources}); {str(path)!r} was not "
                "graded: rename it so that each student has one name"
            )
        if owner is not None:
            error += f" (the grade of {owner!r} stands)"
            owner_notes.append(
                f"another submission's name, {raw!r} ({str(path)!r}), collides with this "
                f"one; it was not graded and is recorded as {recorded!r}"
            )
        staged = StagedSubmission(student=recorded, source=str(path))
        entries.append(Entry(staged, error, {}, notes))
    return entries, owner_notes


def collect(
    sources: list[Path],
    assignment: Assignment,
    course: Course,
    submitted_at: dict[str, str] | None,
    *,
    graded: Collection[str] = (),
    now: datetime | None = None,
) -> list[Entry]:
    """Discover, name and stage every submission; never raises for one submission.

    Names that collide once case and Unicode form are ignored (`ALICE` beside
    `alice`) are an error for the colliding submissions only: the one that was
    there keeps its grade (the one with results in `graded`, the names a batch's
    output holds already, else the one whose name is in normal form), and each
    other is recorded under a name of its own (`ALICE%~1`), never in its place.
    """
    found = discover(sources, assignment, rename_duplicates=False)
    by_key: dict[str, list[tuple[str, Path, str]]] = {}
    for raw, path in found:
        name = safe_student_name(raw)
        by_key.setdefault(_collision_key(name), []).append((name, path, raw))
    policy = policy_fingerprint(course, assignment)
    entries = []
    for group in by_key.values():
        owner_notes: list[str] = []
        if len(group) > 1:
            owner = _owner(group, graded)
            errors, owner_notes = _collision_entries(group, owner)
            entries += errors
            if owner is None:
                continue
            group = [entry for entry in group if entry[0] == owner]
        name, path, raw = group[0]
        notes = list(owner_notes)
        if name != raw:
            notes.insert(0, f"the student's name {raw!r} was escaped to {name!r}")
        staged, error = stage_safely(name, path, assignment, sources)
        staged.student = name
        stamp, source, note = (None, "none", "")
        if not error:
            try:
                stamp, source, note = submission_time(staged, path, raw, submitted_at)
            except Exception as exc:  # noqa: BLE001
                note = f"the submission time could not be read: {exc}"
        when = judge_time(
            stamp, source, note, assignment, csv_given=submitted_at is not None, now=now
        )
        staged.timestamp = when.stamp
        notes += when.notes
        entries.append(Entry(staged, error, when.timing(policy), notes, when.flags))
    return entries
