"""Grading tasks that fail on purpose, for the batch's isolation tests.

They live in a module of their own (not a test file) so that the process
pool's forkserver children can import them by name.
"""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

from autograder.results import CheckResult, SubmissionResult

LEAK_PREFIX = "dlcourse-test-left-by-a-dead-grader-"


def _full_marks(staged, assignment_id: str) -> SubmissionResult:
    return SubmissionResult(
        assignment=assignment_id,
        student=staged.student,
        tests=[CheckResult(name="ok", score=1.0, max_score=1.0, status="passed")],
    )


def dies_for_mallory(staged, course, assignment_id, seed) -> SubmissionResult:
    """Mallory's grading process is killed (as the kernel's OOM killer would); others pass."""
    if staged.student == "mallory":
        import tempfile

        left = tempfile.mkdtemp(prefix=LEAK_PREFIX)  # as a worker's would be, then
        Path(left, "conv.py").write_text("pass")  # the process dies before removing it
        os.kill(os.getpid(), signal.SIGKILL)
    return _full_marks(staged, assignment_id)


def hogs_memory_for_mallory(staged, course, assignment_id, seed) -> SubmissionResult:
    """Mallory's grade makes its grading process ask for 3 GiB, touched page by page."""
    if staged.student == "mallory":
        block = bytearray(3 << 30)
        block[:: 1 << 12] = b"x" * len(range(0, len(block), 1 << 12))
    return _full_marks(staged, assignment_id)


def _patch_zip(data: bytes, local_at: int, central_at: int, value: int) -> bytes:
    out = bytearray(data)
    for marker, offset in ((b"PK\x03\x04", local_at), (b"PK\x01\x02", central_at)):
        where = out.index(marker) + offset
        out[where : where + 2] = value.to_bytes(2, "little")
    return bytes(out)


def make_bad_zips(folder: Path, module: bytes) -> dict[str, str]:
    """Zips that cannot be read, each with the words its student's record must hold."""
    import zipfile

    def plain(method: int = zipfile.ZIP_STORED) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=method) as archive:
            archive.writestr("conv.py", module)
        return buffer.getvalue()

    (folder / "enc_zip.zip").write_bytes(_patch_zip(plain(), 6, 8, 0x1))
    (folder / "ppmd_zip.zip").write_bytes(_patch_zip(plain(), 8, 10, 98))
    damaged = bytearray(plain(zipfile.ZIP_DEFLATED))
    start = damaged.index(b"PK\x03\x04") + 30 + len("conv.py")
    damaged[start + 40 : start + 400] = b"\xff" * 360
    (folder / "crc_zip.zip").write_bytes(bytes(damaged))
    link = zipfile.ZipInfo("conv.py")
    link.external_attr = (0o120777 << 16) | 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(link, "/etc/passwd")
    (folder / "link_zip.zip").write_bytes(buffer.getvalue())
    (folder / "junk_zip.zip").write_bytes(b"PK\x05\x06 not a zip at all")
    return {
        "enc_zip": "encrypted",
        "ppmd_zip": "compression method",
        "crc_zip": "damaged",
        "link_zip": "symbolic link",
        "junk_zip": "not a readable zip",
    }
