"""When a submission was handed in, which record says so, and whether that record is trusted.

The trusted record is the collection's own: the instructor's `--submitted-at`
CSV (the LMS's or the exchange's log). When a CSV is given it is the only
record: a student it does not list (or lists under another spelling, `Alice`
for `alice`) has no submission time and is flagged, never judged by a file they
wrote. Without a CSV, the time is nbgrader's `timestamp.txt`, which `nbgrader
submit` writes on the student's own machine, else the file time of what was
collected; neither is the collection's record, and the results say so
(`submitted_at_trusted: false` beside `submitted_at_source`). Such a time is
flagged when it is implausible: before the assignment's release (course.toml
`release`), later than the grading itself, or unreadable. A flagged time is
kept as the student wrote it (a missing one counts as on time, as before):
lateness it would decide is for the instructor to check, with `--submitted-at`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder.config import Assignment, Course
from autograder.intake.staging import StagedSubmission
from autograder.results import safe_student_name

TIMESTAMP_FILE = "timestamp.txt"
CSV_SOURCE = "submitted-at csv"
FUTURE_SLACK = timedelta(minutes=10)  # clocks disagree a little


def _parse_time(text: str) -> datetime | None:
    text = text.strip().replace(" UTC", "+00:00")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    for candidate in (text, text.replace(" ", "T", 1)):
        with contextlib.suppress(ValueError):
            stamp = datetime.fromisoformat(candidate)
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    return None


def read_submitted_at(path: Path) -> dict[str, str]:
    """A `--submitted-at` CSV: columns student and submitted_at (ISO 8601); raw text per student."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {
            str(row.get("student", "")).strip(): str(row.get("submitted_at", ""))
            for row in rows
            if row.get("student")
        }


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def _from_csv(student: str, submitted_at: dict[str, str]) -> tuple[datetime | None, str, str]:
    """The CSV's time for `student` (as collected, or escaped as in the results)."""
    for name in (student, safe_student_name(student)):
        if name in submitted_at:
            raw = submitted_at[name]
            stamp = _parse_time(raw)
            if stamp is None:
                return None, CSV_SOURCE, f"the submitted-at CSV has no valid time ({raw!r})"
            return stamp, CSV_SOURCE, ""
    near = sorted(name for name in submitted_at if _same_name(name, student))
    hint = f" (it lists {near[0]!r}: the same student? correct the CSV)" if near else ""
    return (
        None,
        "none",
        (
            f"the submitted-at CSV does not list {student!r}{hint}; with a CSV no other record "
            "is used, so no submission time is known"
        ),
    )


def stamp_folder(path: Path) -> Path | None:
    """The folder whose timestamp.txt belongs to the submission at `path`, if any."""
    if path.is_dir():
        return path
    if path.is_file() and path.suffix in {".py", ".ipynb"}:  # a single file: its own folder
        return path.parent
    return None  # a zip: what sits beside it is not the student's


def submission_time(
    staged: StagedSubmission, path: Path, student: str, submitted_at: dict[str, str] | None
) -> tuple[datetime | None, str, str]:
    """(time, source, note): when this was submitted, by the best record there is.

    With `submitted_at` (the instructor's CSV), that record only. Otherwise
    nbgrader's timestamp.txt next to the submission, else the file time of what
    was collected. A time that is missing or cannot be parsed is a note, never "on time".
    """
    if submitted_at is not None:
        return _from_csv(student, submitted_at)
    folder = stamp_folder(path)
    stamp_file = folder / TIMESTAMP_FILE if folder is not None else None
    if stamp_file is not None and stamp_file.is_file() and not stamp_file.is_symlink():
        raw = stamp_file.read_bytes()[:200].decode("utf-8", errors="replace")
        stamp = _parse_time(raw)
        if stamp is None:
            return None, TIMESTAMP_FILE, f"{TIMESTAMP_FILE} cannot be parsed ({raw.strip()!r})"
        return stamp, TIMESTAMP_FILE, ""
    with contextlib.suppress(OSError, ValueError):
        if path.is_file():
            mtime = path.stat().st_mtime
        else:
            mtime = max(
                (path / name).stat().st_mtime
                for name in staged.files
                if (path / name).is_file() and not (path / name).is_symlink()
            )
        return datetime.fromtimestamp(mtime, tz=timezone.utc), "file time", ""
    return None, "none", "no submission time is known (no timestamp, no file time)"


@dataclass
class SubmissionTime:
    """A submission's time with its record, and what an instructor should look at."""

    stamp: datetime | None
    source: str
    trusted: bool  # the collection's own record (the CSV), not something the student wrote
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # implausible or missing: also in notes

    def timing(self, policy: str) -> dict[str, object]:
        """What results.json records (and what a reused grade must match)."""
        return {
            "submitted_at": self.stamp.isoformat() if self.stamp else None,
            "submitted_at_source": self.source,
            "submitted_at_trusted": self.trusted,
            "late_policy": policy,
        }


def judge_time(
    stamp: datetime | None,
    source: str,
    note: str,
    assignment: Assignment,
    *,
    csv_given: bool,
    now: datetime | None = None,
) -> SubmissionTime:
    """`stamp` from `source`, said to be trusted or not, with its implausibilities flagged."""
    now = now or datetime.now(timezone.utc)
    judged = SubmissionTime(stamp, source, trusted=source == CSV_SOURCE and stamp is not None)
    if note:
        judged.notes.append(note)
    if csv_given and stamp is None:
        judged.flags.append(note)
    if source == TIMESTAMP_FILE:
        judged.notes.append(
            f"the submission time comes from {TIMESTAMP_FILE}, which nbgrader submit writes "
            "on the student's side: not the collection's own record (--submitted-at is)"
        )
    if source in (TIMESTAMP_FILE, "file time"):  # both come with what the student handed in
        if stamp is None:
            judged.flags.append(note)
        elif assignment.release is not None and stamp < assignment.release:
            judged.flags.append(
                f"implausible submission time: {source} says {stamp.isoformat()}, before "
                f"the assignment's release ({assignment.release.isoformat()})"
            )
        elif stamp > now + FUTURE_SLACK:
            judged.flags.append(
                f"implausible submission time: {source} says {stamp.isoformat()}, later "
                f"than the grading ({now.isoformat(timespec='seconds')})"
            )
    judged.notes += [flag for flag in judged.flags if flag not in judged.notes]
    return judged


def policy_fingerprint(course: Course, assignment: Assignment) -> str:
    """What lateness depends on besides the time: the deadline and the late policy."""
    text = f"{assignment.deadline!r}|{course.late_policy!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
