"""The few private parts of pytest the grader leans on, behind one small adapter.

A grading process keeps one configured pytest session per set of check files
and runs its collected items again for every submission (`runner.CheckSession`),
and runs plain checks without pytest's per-item protocol (`plugin`). Both need
pytest internals with no public API: building a configuration from arguments,
configuring and unconfiguring it, making a session, and an item's fixture
closure. They are used only through these functions, and
`tests/test_pytest_api.py` pins the pytest versions they are known to work
with (SUPPORTED): a pytest outside it fails that test before it fails a grade.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autograder import paths

SUPPORTED = ((7, 4), (10, 0))  # pytest >= 7.4 and < 10


def version() -> tuple[int, int]:
    major, minor = pytest.__version__.split(".")[:2]
    return int(major), int(minor)


def supported() -> bool:
    low, high = SUPPORTED
    return low <= version() < high


def prepare_config(args: Sequence[str], plugins: Sequence[object]) -> pytest.Config:
    """A pytest configuration for `args` with `plugins`, as `pytest.main` would build it."""
    from _pytest.config import _prepareconfig

    return _prepareconfig(list(args), list(plugins))


def configure(config: pytest.Config) -> None:
    config._do_configure()


def unconfigure(config: pytest.Config) -> None:
    config._ensure_unconfigure()


def new_session(config: pytest.Config) -> pytest.Session:
    from _pytest.main import Session

    return Session.from_config(config)


@dataclass(frozen=True)
class FixtureClosure:
    """What an item asks of fixtures: its own arguments, everything they pull in, their defs."""

    argnames: tuple[str, ...]
    names_closure: tuple[str, ...]
    definitions: dict[str, Sequence[Any]]


def fixture_closure(item: pytest.Item) -> FixtureClosure:
    info = item._fixtureinfo  # type: ignore[attr-defined]
    return FixtureClosure(
        argnames=tuple(info.argnames),
        names_closure=tuple(info.names_closure),
        definitions=dict(info.name2fixturedefs),
    )


UNUSED_PLUGINS = (
    "cacheprovider", "terminal", "faulthandler", "logging", "stepwise",
    "unraisableexception", "threadexception", "unittest", "doctest", "junitxml",
    "pastebin", "setuponly", "setupplan", "debugging", "subtests",
    "capture",  # the checks print nothing of their own (and it imports readline, ~1.5 ms)
)  # fmt: skip


@contextlib.contextmanager
def quiet_pytest_env() -> Iterator[None]:
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def pytest_args(files: list[Path]) -> list[str]:
    blocked = [arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")]
    return [
        *map(str, files),
        "-c", str(paths.CHECKS_DIR / "pytest.ini"),
        "--rootdir", str(paths.CHECKS_DIR),
        "--import-mode=importlib",
        *blocked,
        "--assert=plain",
        "-W", "ignore",
    ]  # fmt: skip
