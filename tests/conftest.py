"""Shared fixtures of the project's own tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DLCOURSE_ROOT", str(ROOT))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
