"""Helper modules of a submission: every .py file next to the assignment's module.

A student may split a correct answer into files (`conv.py` importing
`im2col.py` from the same folder). The worker puts the submission folder first
on `sys.path`, so every top-level .py file of the folder (or of the zip's
folder that holds the module) is staged with it, within limits. A file whose
name would hide a library the grading needs (numpy, torch, anything of the
standard library, the grader itself) is refused with a message that says so
when a submitted file imports it; one that nothing imports is left out.
"""

from __future__ import annotations

import ast
import sys
import zipfile
from pathlib import Path, PurePosixPath
from typing import Protocol

MAX_MODULE_BYTES = 1 << 20
MAX_HELPERS = 20
MAX_HELPER_BYTES = 1 << 20
MAX_TOTAL_BYTES = 4 << 20
# besides the standard library: what the worker, the checks or the assignments import
PROTECTED = {
    "numpy", "torch", "scipy", "sklearn", "pandas", "matplotlib", "autograder",
    "functorch", "torchgen", "typing_extensions", "sympy", "jax", "tensorflow",
}  # fmt: skip


class Staged(Protocol):
    files: dict[str, bytes]
    problems: list[str]


def shadows(stem: str) -> str:
    """What a module of this name would hide, or ""."""
    if stem in sys.stdlib_module_names or stem in sys.builtin_module_names:
        return "a module of Python's standard library"
    if stem in PROTECTED:
        return f"the {stem} package"
    if stem.startswith("_dlcourse"):
        return "the grader's worker"
    return ""


def _imported(files: dict[str, bytes]) -> set[str]:
    names: set[str] = set()
    for data in files.values():
        try:
            tree = ast.parse(data.decode("utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value.split(".")[0])
    return names


def _add(staged: Staged, found: dict[str, bytes], problems: list[str]) -> None:
    """Stage the helpers in `found` after the limits and the shadowing rule."""
    staged.problems += problems
    if len(found) > MAX_HELPERS:
        staged.problems.append(
            f"the submission has {len(found)} extra .py files; at most {MAX_HELPERS} are graded"
        )
        return
    total = sum(len(d) for d in staged.files.values()) + sum(len(d) for d in found.values())
    if total > MAX_TOTAL_BYTES:
        staged.problems.append(
            f"the submission's .py files add up to {total >> 10} KiB; "
            f"at most {MAX_TOTAL_BYTES >> 10} KiB are graded"
        )
        return
    imported = _imported({**staged.files, **found})
    for name, data in sorted(found.items()):
        stem = name[:-3]
        hidden = shadows(stem)
        if not hidden:
            staged.files[name] = data
        elif stem in imported:
            staged.problems.append(
                f"{name} would hide {hidden} ({stem}) from the grader and from your own code: "
                "rename it (and the imports of it)"
            )


def _wanted_name(name: str) -> bool:
    return name.endswith(".py") and name.isascii() and name[:-3].isidentifier()


def stage_folder_helpers(folder: Path, staged: Staged, modules: tuple[str, ...]) -> None:
    """Every top-level .py file of `folder` besides the assignment's modules."""
    found: dict[str, bytes] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.py")):
        name = path.name
        if name in modules or not _wanted_name(name):
            continue
        if path.is_symlink():
            problems.append(f"{name} is a symbolic link; submit the file itself")
        elif not path.is_file():
            problems.append(f"{name} is not a regular file")
        elif path.stat().st_size > MAX_HELPER_BYTES:
            problems.append(f"{name} is larger than {MAX_HELPER_BYTES >> 10} KiB")
        else:
            found[name] = path.read_bytes()
    _add(staged, found, problems)


def stage_zip_helpers(archive_path: Path, staged: Staged, modules: tuple[str, ...]) -> None:
    """The .py files in the zip's folder that holds the assignment's first module."""
    found: dict[str, bytes] = {}
    problems: list[str] = []
    try:
        with zipfile.ZipFile(archive_path) as archive:
            infos = [i for i in archive.infolist() if "__MACOSX" not in i.filename]
            homes = sorted(
                (PurePosixPath(i.filename).parent for i in infos if PurePosixPath(i.filename).name == modules[0]),
                key=lambda p: len(p.parts),
            )  # fmt: skip
            if not homes:
                return
            for info in infos:
                path = PurePosixPath(info.filename)
                if path.parent != homes[0] or info.is_dir() or path.name in modules:
                    continue
                if not _wanted_name(path.name):
                    continue
                if (info.external_attr >> 16) & 0o170000 == 0o120000 or info.flag_bits & 0x1:
                    problems.append(f"{path.name} in the zip is a link or encrypted; refused")
                    continue
                if info.file_size > MAX_HELPER_BYTES:
                    problems.append(f"{path.name} in the zip is larger than allowed")
                    continue
                try:
                    with archive.open(info) as handle:
                        data = handle.read(MAX_HELPER_BYTES + 1)
                except Exception as exc:  # noqa: BLE001 - damaged or exotic member
                    problems.append(f"{path.name} in the zip cannot be read ({exc})")
                    continue
                if len(data) > MAX_HELPER_BYTES:
                    problems.append(f"{path.name} in the zip is larger than allowed")
                    continue
                found[path.name] = data
    except (zipfile.BadZipFile, OSError):
        return  # the module's own staging reports an unreadable zip
    _add(staged, found, problems)
