"""Where things live: the course root, solutions, assignments and checks.

The course root is the folder that holds `course/course.toml`. It is found from
the environment variable DLCOURSE_ROOT, then from the current directory and its
parents, then from the package's own location (an editable install).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from autograder.errors import CourseError

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKS_DIR = PACKAGE_DIR / "checks"


class CourseNotFound(CourseError, RuntimeError):
    """No folder with course/course.toml was found."""


def find_root(start: Path | None = None) -> Path:
    env = os.environ.get("DLCOURSE_ROOT")
    if env:
        root = Path(env).resolve()
        if (root / "course" / "course.toml").is_file():
            return root
        raise CourseNotFound(f"DLCOURSE_ROOT={env} holds no course/course.toml")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "course" / "course.toml").is_file():
            return folder
    if (PACKAGE_DIR.parent / "course" / "course.toml").is_file():
        return PACKAGE_DIR.parent
    raise CourseNotFound(
        "no course found: run dlcourse inside the course folder (the one holding "
        "course/course.toml) or set DLCOURSE_ROOT"
    )


def solutions_dir(root: Path | None = None) -> Path:
    return (root or find_root()) / "solutions"


def assignments_dir(root: Path | None = None) -> Path:
    return (root or find_root()) / "assignments"


def checks_dir(assignment: str) -> Path:
    return CHECKS_DIR / assignment


PRIVATE = "private"  # an assignment's hidden checks, mistake specs and their texts: never shipped


def private_dir(assignment: str) -> Path:
    return CHECKS_DIR / assignment / PRIVATE


def has_solutions(assignment: str, root: Path | None = None) -> bool:
    return (solutions_dir(root) / assignment).is_dir()


@cache
def _load_module_file(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_reference(
    assignment: str, module: str | None = None, root: Path | None = None
) -> ModuleType:
    """Import the reference solution of an assignment (trusted code only).

    `module` is the file stem (default: the assignment id). The module is
    registered as `dlcourse_reference.<assignment>.<module>` so it never clashes
    with a student's module of the same name.
    """
    stem = module or assignment
    path = solutions_dir(root) / assignment / f"{stem}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no reference solution at {path}")
    return _load_module_file(str(path), f"dlcourse_reference.{assignment}.{stem}")
