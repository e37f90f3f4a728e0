"""The catalog of checks: what each check's markers and docstring say, read in one place.

`dlcourse list` (points per assignment), the grading plugin (points, task,
visibility, budget and rng seed of each check it runs) and the nbgrader export
(one test cell per task) all read checks through `describe`; `collect` runs
pytest's collection alone over assignments' check files.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.intake.staging import SubmissionError
from autograder.messages import Message, msg, render

MARKERS = (
    "points(n): points the check is worth",
    "task(name): the task (function or Class.method) the check grades",
    "timeout_s(seconds): the check's wall-clock budget, when not the assignment's",
    "hidden: a hidden check (also implied by a test_hidden*.py file or the private/ folder)",
)


@dataclass(frozen=True)
class CheckInfo:
    """One check (one collected test item) as its markers and docstring describe it."""

    assignment: str
    check_id: str  # the node id results record, the same wherever the file sits
    function: str  # the test function's name, without parameters
    title: Message  # the docstring's first line (a message of the catalogs), with the parameter id
    task: str
    points: float
    hidden: bool
    timeout_s: float | None  # None: the assignment's budget

    @property
    def name(self) -> str:
        """The check's name in English."""
        return render(self.title)

    @property
    def crc(self) -> int:
        """What seeds the check's rng together with the grading seed."""
        return zlib.crc32(self.check_id.encode())


def is_hidden(item: Any) -> bool:
    return (
        item.get_closest_marker("hidden") is not None
        or item.path.name.startswith("test_hidden")
        or item.path.parent.name == paths.PRIVATE
    )


def check_id(item: Any) -> str:
    """The check's node id as results record it and its rng is seeded from, wherever its
    file sits: `conv/test_hidden.py::test_x[case]` for `conv/private/test_hidden.py` too."""
    return str(item.nodeid).replace(f"/{paths.PRIVATE}/", "/", 1)


def check_title(item: Any) -> Message:
    """The check's name: its docstring's first line (`check.FILE.FUNCTION` in the catalogs),
    then the parameter id of a parametrized case."""
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip().splitlines()
    name = str(getattr(item, "originalname", item.name))
    title = msg(f"check.{item.path.stem}.{name}", doc[0].strip() if doc else name)
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return title
    return msg("check.with_case", "{title} [{case}]", title=title, case=str(callspec.id))


def describe(item: Any) -> CheckInfo:
    """What one collected item's markers and docstring say."""
    points = item.get_closest_marker("points")
    task = item.get_closest_marker("task")
    timeout = item.get_closest_marker("timeout_s")
    return CheckInfo(
        assignment=check_id(item).split("/", 1)[0],
        check_id=check_id(item),
        function=str(getattr(item, "originalname", item.name)),
        title=check_title(item),
        task=str(task.args[0]) if task else "",
        points=float(points.args[0]) if points else 1.0,
        hidden=is_hidden(item),
        timeout_s=float(timeout.args[0]) if timeout else None,
    )


def check_files(assignment: str, include_hidden: bool) -> list[Path]:
    folder = paths.checks_dir(assignment)
    if not folder.is_dir():
        raise SubmissionError(
            f"assignment {assignment} has no checks (autograder/checks/{assignment})"
        )
    found = list(folder.glob("test_*.py"))
    if include_hidden:
        found += paths.private_dir(assignment).glob("test_*.py")
    return sorted(found, key=lambda path: path.name)


class _Collector:
    def __init__(self) -> None:
        self.checks: list[CheckInfo] = []

    def pytest_configure(self, config: Any) -> None:
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        self.checks.extend(describe(item) for item in items)


def collect(assignments: Iterable[str]) -> list[CheckInfo]:
    """Every check (public and hidden, where the hidden ones are here) of `assignments`."""
    import pytest

    from autograder.engine.pytest_api import quiet_pytest_env

    files = [
        str(path)
        for assignment in assignments
        if paths.checks_dir(assignment).is_dir()
        for path in check_files(assignment, include_hidden=True)
    ]
    if not files:
        return []
    collector = _Collector()
    args = [*files, "--collect-only", "-q", "-c", str(paths.CHECKS_DIR / "pytest.ini"),
            "--rootdir", str(paths.CHECKS_DIR), "--import-mode=importlib", "-p", "no:cacheprovider"]  # fmt: skip
    with quiet_pytest_env(), contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[collector])
    return collector.checks
