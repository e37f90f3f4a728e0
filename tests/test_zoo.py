"""A zoo of hostile and unlucky submissions graded in one batch beside honest ones.

Every honest submission keeps full marks, every bad one is recorded with its
reason, the batch finishes and writes grades.csv, and nothing outside the
output folder changes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import batchfaults
import pytest
from graderkit import ROOT, check_points

from autograder.engine.batch import grade_batch
from autograder.results import MAX_RESULTS_BYTES
from autograder.sandbox.isolation import bwrap_path

REFERENCE = (ROOT / "solutions" / "conv" / "conv.py").read_bytes()
DEPTH = 3000

# A reference whose conv_forward answers with a reply built to be too big to read.
OVERSIZED = REFERENCE.replace(
    b"def conv_forward(",
    b"def conv_forward(*args, **kwargs):\n"
    b"    return [[0.5] * 1000 for _ in range(1000)], None\n\n\n"
    b"def _unused_conv_forward(",
    1,
)
# ... and one whose errors and prints are megabytes long.
FLOODING = REFERENCE.replace(
    b"def conv_forward(",
    b"def conv_forward(*args, **kwargs):\n"
    b"    print('spam ' * 200_000)\n"
    b"    raise ValueError('x' * 5_000_000)\n\n\n"
    b"def _unused_conv_forward(",
    1,
)

# ... and one that tries to fill the disk: its own folder, then /tmp, 4 MB at a time.
DISK_FILLING = REFERENCE.replace(
    b"def conv_forward(",
    b"def conv_forward(*args, **kwargs):\n"
    b"    import os\n"
    b"    said = []\n"
    b"    for folder in ('.', '/tmp'):\n"
    b"        try:\n"
    b"            for i in range(100):\n"
    b"                with open(os.path.join(folder, f'fill{i}'), 'wb') as handle:\n"
    b"                    handle.write(b'x' * (4 << 20))\n"
    b"            said.append(f'{folder}: wrote 400 MB')\n"
    b"        except OSError as exc:\n"
    b"            said.append(f'{folder}: {exc.strerror}')\n"
    b"    raise RuntimeError('; '.join(said))\n\n\n"
    b"def _unused_conv_forward(",
    1,
)

# ... and one that prints what it is given (hidden inputs included) before failing.
PRINTING = REFERENCE.replace(
    b"def conv_forward(",
    b"def conv_forward(x, *args, **kwargs):\n"
    b"    print('LEAK', float(x.ravel()[0]))\n"
    b"    raise ValueError('wrong on purpose')\n\n\n"
    b"def _unused_conv_forward(",
    1,
)


def _deep(folder: Path, depth: int) -> None:
    """A folder `depth` levels deep, made one level at a time (paths grow past PATH_MAX)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def _snapshot(top: Path, skip: Path, max_depth: int = 64) -> dict[str, tuple]:
    """Every entry under `top` (not below `skip`): type, mode, size, mtime; no recursion.

    The deep trees are followed `max_depth` levels down (paths stay under PATH_MAX).
    """
    seen: dict[str, tuple] = {}
    stack = [str(top)]
    while stack:
        current = stack.pop()
        if len(Path(current).relative_to(top).parts) > max_depth:
            continue
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            seen[current] = ("unreadable", exc.errno)
            continue
        for entry in entries:
            if Path(entry.path) == skip:
                continue
            info = entry.stat(follow_symlinks=False)
            seen[os.path.relpath(entry.path, top)[-300:]] = (
                stat.S_IFMT(info.st_mode),
                info.st_mode,
                info.st_size,
                info.st_mtime_ns,
            )
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return seen


def _zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def build_zoo(top: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """(submissions folder, honest {student: folder name}, bad {student: reason words})."""
    subs = top / "subs"
    outside = top / "outside"
    subs.mkdir()
    outside.mkdir()
    (outside / "conv.py").write_bytes(REFERENCE)
    (outside / "secret.txt").write_text("2020-01-01 00:00:00 UTC")
    _zip(outside / "outside.zip", {"conv.py": REFERENCE})
    honest: dict[str, str] = {}

    def folder(name: str, data: bytes = REFERENCE) -> Path:
        path = subs / name
        path.mkdir()
        (path / "conv.py").write_bytes(data)
        return path

    for name in ("ada", '=HYPERLINK("evil.example","x")', "+cmd", "@SUM(A1)", "-2+3", "김민준"):
        folder(name)
        honest[name] = name
    for name, safe in (
        ("mal\x1b[31mory", "mal%1B[31mory"),
        ("new\nline", "new%0Aline"),
        ("back\\slash", "back%5Cslash"),
    ):
        folder(name)
        honest[safe] = name
    _zip(subs / "bo.zip", {"bo/conv.py": REFERENCE})
    honest["bo"] = "bo.zip"
    # nbgrader's layout, with the exchange's timestamp: on time, late and unreadable.
    for name, stamp in (
        ("cy", "2027-03-20 10:00:00.000000 UTC"),
        ("lee", "2027-04-01 10:00:00.000000 UTC"),
        ("tim", "the day before yesterday"),
    ):
        (subs / name / "conv").mkdir(parents=True)
        (subs / name / "conv" / "conv.py").write_bytes(REFERENCE)
        (subs / name / "conv" / "timestamp.txt").write_text(stamp)
        honest[name] = name
    # A forged timestamp inside the student's own zip is not the collection's record.
    _zip(subs / "fay.zip", {"conv.py": REFERENCE, "timestamp.txt": b"2000-01-01 00:00:00 UTC"})
    honest["fay"] = "fay.zip"
    # An honest module beside a 3000-deep tree of folders.
    _deep(folder("deb"), DEPTH)
    honest["deb"] = "deb"

    bad: dict[str, str] = {}
    for stem, words in batchfaults.make_bad_zips(subs, REFERENCE).items():
        bad[stem] = words
    (subs / "deep").mkdir()
    _deep(subs / "deep", DEPTH)
    bad["deep"] = "no conv.py"
    (subs / "fifo").mkdir()
    os.mkfifo(subs / "fifo" / "conv.py")
    bad["fifo"] = "not a regular file"
    os.mkfifo(subs / "pipe.zip")
    bad["pipe.zip"] = "not a regular file"
    if os.geteuid() == 0:
        (subs / "dev").mkdir()
        os.mknod(subs / "dev" / "conv.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
        bad["dev"] = "not a regular file"
    else:
        locked = folder("locked")
        locked.chmod(0)
        bad["locked"] = "could not be read"
    (folder("modlink") / "conv.py").unlink()
    (subs / "modlink" / "conv.py").symlink_to(outside / "conv.py")
    bad["modlink"] = "symbolic link"
    (subs / "dirlink").symlink_to(outside)
    bad["dirlink"] = "symbolic link"
    (subs / "nbg").mkdir()
    (subs / "nbg" / "conv").symlink_to(outside)
    bad["nbg"] = "symbolic link"
    (subs / "ziplink.zip").symlink_to(outside / "outside.zip")
    bad["ziplink"] = "symbolic link"
    (folder("tsl") / "timestamp.txt").symlink_to(outside / "secret.txt")
    bad["tsl"] = "symbolic link"
    folder("kim")
    honest["kim"] = "kim"  # the name in normal form keeps its grade (issue 26.8)
    _zip(subs / "Kim.zip", {"conv.py": REFERENCE})
    bad["Kim%~1"] = "Kim.zip"  # both sources are named; only the colliding one is refused
    folder("ozzy", OVERSIZED)
    bad["ozzy"] = "invalid reply"
    folder("pat", FLOODING)
    bad["pat"] = "ValueError"
    folder("dan", DISK_FILLING)
    bad["dan"] = "RuntimeError"
    folder("hugo", PRINTING)
    bad["hugo"] = "wrong on purpose"
    return subs, honest, bad


@pytest.fixture
def zoo(tmp_path):
    """tmp_path/zoo, removed by `rm -rf` afterwards: shutil.rmtree (and so pytest's
    clean-up of old runs) recurses once per level and fails on a 3000-deep tree."""
    folder = tmp_path / "zoo"
    folder.mkdir()
    yield folder
    for locked in folder.glob("subs/locked"):
        locked.chmod(0o755)
    subprocess.run(["rm", "-rf", str(folder)], check=False)


@pytest.mark.slow
def test_the_zoo_batch_records_everyone_and_touches_nothing_else(tmp_path, zoo):
    subs, honest, bad = build_zoo(zoo)
    out = tmp_path / "out"
    before = _snapshot(zoo, out)
    started = time.perf_counter()
    try:
        report = grade_batch("conv", [subs], out, jobs=2, root=ROOT)
    finally:
        after = _snapshot(zoo, out)
    seconds = time.perf_counter() - started
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"\nzoo: {len(report.results)} submissions in {seconds:.1f} s; peak RSS: "
        f"grader {peak_self / 1024:.0f} MiB, largest child {peak_children / 1024:.0f} MiB"
    )

    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert not changed, f"the batch changed {sorted(changed)[:5]} outside its output folder"
    by = {r.student: r for r in report.results}
    assert set(by) == set(honest) | set(bad), set(by) ^ (set(honest) | set(bad))
    for student in honest:
        result = by[student]
        assert result.status == "graded" and result.raw_score == result.max_score == sum(
            check_points("conv")
        ), (
            student,
            result.output[:500],
        )
    for student, words in bad.items():
        result = by[student]
        if student in {
            "ozzy",
            "pat",
            "dan",
            "hugo",
        }:  # only conv_forward is hostile: its checks fail
            assert result.raw_score < result.max_score, student
        else:
            assert result.score == 0, student
        text = json.dumps(json.loads((out / student / "results.json").read_text()))
        assert words in text, (student, words, result.output[:300])
    for results_json in out.glob("*/results.json"):
        assert results_json.stat().st_size < MAX_RESULTS_BYTES
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(by)

    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert len(rows) == len(by)
    for row in rows:
        assert not any(
            str(cell).startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()
        )
        assert "\x1b" not in row["student"] and "\n" not in row["student"]

    assert "subs/kim'" in by["Kim%~1"].output and "was not graded" in by["Kim%~1"].output
    assert any("'Kim'" in note for note in by["kim"].extra["batch_notes"])
    # Lateness: the collection's record decides, and the results say which record it was.
    assert by["cy"].extra["submitted_at_source"] == "timestamp.txt" and by["cy"].late_days == 0
    assert by["lee"].late_days == 3 and by["lee"].score < by["lee"].raw_score
    assert by["fay"].extra["submitted_at_source"] == "file time" and by["fay"].late_days == 0
    assert by["tim"].extra["submitted_at"] is None
    assert any("cannot be parsed" in note for note in by["tim"].extra["batch_notes"])
    # Unreadable replies and floods cost those checks, and are cut to size.
    assert "over the limit" in json.dumps(by["ozzy"].to_json())
    assert len((out / "pat" / "results.json").read_bytes()) < 200_000
    # What a student printed during hidden checks stays in the instructor's copy.
    hidden = [t for t in by["hugo"].tests if t.visibility != "visible" and t.status == "failed"]
    public = [t for t in by["hugo"].tests if t.visibility == "visible" and t.status == "failed"]
    assert hidden and public
    assert all("LEAK" not in t.output and "LEAK" in t.instructor_output for t in hidden)
    assert any("LEAK" in t.output for t in public)
    # The submission is read-only, and the worker's /tmp a small private tmpfs.
    if bwrap_path():
        said = json.dumps(by["dan"].to_json())
        assert ".: Read-only file system" in said and "/tmp: No space left on device" in said
