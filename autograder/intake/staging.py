"""Finding submissions and reading them into memory, ready to grade anywhere.

`discover` expands the SUBMISSION arguments into (student, path) pairs;
`stage` reads one submission's module files (from a folder or a .zip) into a
`StagedSubmission`, refusing links and oversized files, so that what is graded
is what was read, wherever the grading then runs. `integrity_notes` lists
things in the source an instructor may want to look at.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from autograder.config import Assignment
from autograder.errors import CourseError
from autograder.intake.helpers import MAX_MODULE_BYTES, stage_folder_helpers, stage_zip_helpers

SUSPICIOUS = {
    "meta_path": "changes the import system (sys.meta_path)",
    "_getframe": "inspects the caller's frames",
    "f_back": "inspects the caller's frames",
    "f_globals": "inspects the caller's frames",
    "gc.get_objects": "walks the interpreter's objects",
    "builtins": "patches builtins",
    "os._exit": "ends the process",
    "sys.exit": "ends the process",
    "ctypes": "uses ctypes",
    "subprocess": "starts programs",
    "socket": "opens network sockets",
}


class SubmissionError(CourseError, ValueError):
    """A submission path that cannot be read at all."""


@dataclass
class StagedSubmission:
    """The files of one submission, read and validated, ready to grade anywhere."""

    student: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    timestamp: datetime | None = None
    source: str = ""

    @contextlib.contextmanager
    def materialised(self) -> Iterator[Path]:
        """A temporary folder holding the submission's files (removed afterwards)."""
        folder = Path(tempfile.mkdtemp(prefix="dlcourse-sub-"))
        try:
            for name, data in self.files.items():
                (folder / name).write_bytes(data)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name] + b"\0")
        return digest.hexdigest()


# ---------------------------------------------------------------------------
# Finding and reading submissions
# ---------------------------------------------------------------------------
def _holds_module(folder: Path, assignment: Assignment) -> bool:
    if (folder / f"{assignment.id}.ipynb").is_file():  # a notebook submission (nbgrader)
        return True
    return any((folder / m).is_file() for m in assignment.modules)


def discover(
    sources: Iterable[Path], assignment: Assignment, *, rename_duplicates: bool = True
) -> list[tuple[str, Path]]:
    """Expand SUBMISSION arguments into (student, path) pairs.

    A path is a .zip (student = its stem), a folder holding the module file(s)
    (student = the folder's name, or its parent's when the folder is named after
    the assignment, as in nbgrader's submitted/<student>/<id>/), a student folder
    holding <id>/, or a folder of any of these. Given as an argument, the module
    file itself or the assignment's notebook is a submission too (student = its
    folder's name, or its parent's in nbgrader's layout).
    """
    found: list[tuple[str, Path]] = []
    for source in sources:
        source = Path(source)
        single = _single(source, assignment) or _single_file(source, assignment)
        if single is not None:
            found.append(single)
            continue
        if source.is_file() or source.is_symlink():
            wanted = ", ".join([*assignment.modules, f"{assignment.id}.ipynb"])
            raise SubmissionError(
                f"{source}: a submission given as a file must be named {wanted} "
                "or be a .zip (or give the folder that holds it)"
            )
        if not source.is_dir():
            raise SubmissionError(f"{source}: no such file or folder")
        children = sorted(p for p in source.iterdir() if not p.name.startswith("."))
        for child in children:
            try:
                entry = _single(child, assignment)
            except OSError:  # unreadable: staging says so, as this student's error
                entry = (child.name, child)
            if entry is not None:
                found.append(entry)
            elif child.is_dir() or child.is_symlink() or not child.is_file():
                found.append((child.name, child))  # graded or refused with its reason
        if not children:
            found.append((source.name, source))
    if not rename_duplicates:  # the batch reports collisions as errors instead
        return found
    seen: dict[str, int] = {}
    unique = []
    for student, path in found:
        count = seen.get(student, 0)
        seen[student] = count + 1
        unique.append((student if count == 0 else f"{student}-{count + 1}", path))
    return unique


def _single(path: Path, assignment: Assignment) -> tuple[str, Path] | None:
    if path.is_file() and path.suffix == ".zip":
        return path.stem, path
    if path.is_dir() and _holds_module(path, assignment):
        name = path.parent.name if path.name == assignment.id else path.name
        return name, path
    if path.is_dir() and _holds_module(path / assignment.id, assignment):
        return path.name, path / assignment.id
    return None


def _single_file(path: Path, assignment: Assignment) -> tuple[str, Path] | None:
    """A module file or the assignment's notebook given as a SUBMISSION argument."""
    if path.name not in (*assignment.modules, f"{assignment.id}.ipynb"):
        return None
    if not (path.is_file() or path.is_symlink()):  # a link is refused when it is staged
        return None
    folder = path.absolute().parent
    return (folder.parent.name if folder.name == assignment.id else folder.name), path


def _stage_file(path: Path, assignment: Assignment, staged: StagedSubmission) -> None:
    """One file as the whole submission: the module itself, or the notebook that holds it."""
    if path.is_symlink():
        staged.problems.append(f"{path.name} is a symbolic link; submit the file itself")
    elif not path.is_file():
        staged.problems.append(f"{path.name} is not a regular file (a FIFO or a device?)")
    elif path.name == f"{assignment.id}.ipynb":
        from autograder.intake.notebook import stage_notebook

        files, problems = stage_notebook(path, assignment)
        staged.files.update(files)
        staged.problems += problems
    elif path.stat().st_size > MAX_MODULE_BYTES:
        staged.problems.append(f"{path.name} is larger than {MAX_MODULE_BYTES >> 10} KiB")
    else:
        with open(path, "rb") as handle:
            data = handle.read(MAX_MODULE_BYTES + 1)
        if len(data) > MAX_MODULE_BYTES:
            staged.problems.append(f"{path.name} is larger than {MAX_MODULE_BYTES >> 10} KiB")
        else:
            staged.files[path.name] = data


def _parse_timestamp(text: str) -> datetime | None:
    text = text.strip().replace(" UTC", "+00:00")
    for candidate in (text, text.replace(" ", "T", 1)):
        with contextlib.suppress(ValueError):
            stamp = datetime.fromisoformat(candidate)
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    return None


def stage(student: str, path: Path, assignment: Assignment) -> StagedSubmission:
    """Read a submission's module files (and nbgrader's timestamp.txt) into memory."""
    staged = StagedSubmission(student=student, source=str(path))
    wanted = set(assignment.modules)
    if path.is_file() and path.suffix == ".zip":
        _stage_zip(path, wanted, staged)
        if staged.files:  # helper modules next to the module (autograder.intake.helpers)
            stage_zip_helpers(path, staged, assignment.modules)
    elif path.name in (*wanted, f"{assignment.id}.ipynb") and not path.is_dir():
        _stage_file(path, assignment, staged)  # the one file is the submission
    elif path.is_dir():
        for name in sorted(wanted):
            file = path / name
            if file.is_symlink():
                staged.problems.append(f"{name} is a symbolic link; submit the file itself")
            elif file.is_file():
                if file.stat().st_size > MAX_MODULE_BYTES:
                    staged.problems.append(f"{name} is larger than {MAX_MODULE_BYTES >> 10} KiB")
                else:
                    staged.files[name] = file.read_bytes()
            elif file.exists():
                staged.problems.append(f"{name} is not a regular file (a FIFO, device or folder)")
        notebook = path / f"{assignment.id}.ipynb"
        if (
            assignment.modules[0] not in staged.files
            and notebook.is_file()
            and not notebook.is_symlink()
        ):
            from autograder.intake.notebook import stage_notebook

            files, problems = stage_notebook(notebook, assignment)
            staged.files.update(files)
            staged.problems += problems
        if staged.files:
            stage_folder_helpers(path, staged, assignment.modules)
        stamp = path / "timestamp.txt"
        if stamp.is_file() and not stamp.is_symlink():
            staged.timestamp = _parse_timestamp(stamp.read_text(errors="replace"))
    else:
        staged.problems.append(f"{path} is neither a folder nor a .zip file")
    for name in sorted(wanted - set(staged.files)):
        if not any(name in p for p in staged.problems):
            staged.problems.append(f"the submission has no {name}")
    return staged


def _stage_zip(path: Path, wanted: set[str], staged: StagedSubmission) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(archive.infolist(), key=lambda i: i.filename.count("/"))
            for info in members:
                name = Path(info.filename).name
                if name not in wanted or name in staged.files or info.is_dir():
                    continue
                if "__MACOSX" in info.filename:
                    continue
                if info.file_size > MAX_MODULE_BYTES:
                    staged.problems.append(
                        f"{name} in the zip is larger than {MAX_MODULE_BYTES >> 10} KiB"
                    )
                    continue
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    staged.problems.append(f"{name} in the zip is a symbolic link; refused")
                    continue
                if info.flag_bits & 0x1:
                    staged.problems.append(
                        f"{name} in the zip is encrypted; submit a zip without a password"
                    )
                    continue
                try:
                    with archive.open(info) as handle:
                        data = handle.read(MAX_MODULE_BYTES + 1)
                except NotImplementedError:
                    staged.problems.append(
                        f"{name} in the zip uses a compression method the grader cannot read "
                        f"(method {info.compress_type}); zip it with the ordinary (deflate) method"
                    )
                    continue
                except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError) as exc:
                    staged.problems.append(f"{name} in the zip is damaged ({exc})")
                    continue
                if len(data) > MAX_MODULE_BYTES:
                    staged.problems.append(f"{name} in the zip is larger than allowed")
                    continue
                staged.files[name] = data
    except (zipfile.BadZipFile, OSError) as exc:
        staged.problems.append(f"{path.name} is not a readable zip file ({exc})")


def integrity_notes(staged: StagedSubmission, assignment: Assignment) -> list[str]:
    """Things in the source an instructor may want to look at (they do not change scores)."""
    notes: list[str] = []
    for name, data in sorted(staged.files.items()):
        text = data.decode("utf-8", errors="replace")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.split(".")[0] in assignment.forbidden:
                    imported.add(node.value.split(".")[0])
        for module in sorted(imported & set(assignment.forbidden)):
            notes.append(f"{name}: uses {module}, which this assignment forbids")
        for needle, meaning in SUSPICIOUS.items():
            if needle in text:
                notes.append(f"{name}: {meaning} ({needle})")
    return notes
