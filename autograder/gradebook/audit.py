"""What a recorded grade keeps for an audit: a hash of what graded it, a copy of what was graded.

`checks_fingerprint` hashes the checks of an assignment and its reference
solution (or a quiz's bank, which holds the questions and their keys), so a
grade says which version of the grader produced it. `pack`/`unpack` turn a
submission's files into one deterministic zip and back.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from autograder import __version__, paths

QUIZ_PREFIX = "quiz:"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no clock, so equal files pack equally


def package_version() -> str:
    return __version__


def is_quiz(item: str) -> bool:
    return item.startswith(QUIZ_PREFIX)


def _hash_tree(digest: hashlib._Hash, folder: Path, label: str) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        relative = path.relative_to(folder).as_posix()
        digest.update(f"{label}/{relative}".encode() + b"\0" + path.read_bytes() + b"\0")


def checks_fingerprint(item: str, root: Path | None) -> str:
    """sha256 over the checks and the reference of `item` ("" when neither is here)."""
    digest = hashlib.sha256()
    if is_quiz(item):
        if root is None:
            return ""
        bank = root / "course" / "quizzes" / f"{item[len(QUIZ_PREFIX) :]}.yaml"
        if not bank.is_file():
            return ""
        digest.update(b"bank\0" + bank.read_bytes())
        return digest.hexdigest()
    checks = paths.checks_dir(item)
    solutions = paths.solutions_dir(root) / item if root is not None else None
    if not checks.is_dir():
        return ""
    _hash_tree(digest, checks, "checks")
    if solutions is not None:
        _hash_tree(digest, solutions, "solutions")
    return digest.hexdigest()


def pack(files: dict[str, bytes]) -> bytes:
    """The files as one zip, the same bytes for the same files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def unpack(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}
