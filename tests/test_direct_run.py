"""Do checks run without pytest's per-item protocol give exactly what the protocol gives?

A grading session runs the course's checks directly (`GraderPlugin.run_directly`)
when every one asks only for parametrize values and the plugin's fixtures.
These tests grade failing submissions of every sort both ways and compare
every result, and show that a check needing anything more takes pytest's way.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from graderkit import ROOT, grade_folder

from autograder.engine import runner
from autograder.engine.plugin import GraderPlugin, GradingContext

SAMPLES = ROOT / "course" / "samples" / "conv"
# a partial answer, a raised exception, wrong shapes, NaNs, a missing function,
# a syntax error, printed output
KINDS = [
    "bo_partial",
    "gus_exception",
    "eli_wrong_shape",
    "fay_nans",
    "dee_missing_function",
    "cy_syntax_error",
    "lea_print_flood",
]


def _digest(result: object) -> list[tuple]:
    return [
        (t.nodeid, t.name, t.score, t.max_score, t.status, t.output, t.diagnosis, t.kind, t.task)
        for t in result.tests  # type: ignore[attr-defined]
    ] + [(result.status, result.score, result.seed)]  # type: ignore[attr-defined]


@pytest.mark.slow
def test_direct_runs_match_the_pytest_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scores, messages, diagnoses, kinds and seeds: the same both ways, for every kind of failure."""
    runner.close_sessions()
    direct = [_digest(grade_folder("conv", SAMPLES / name, seed=5)) for name in KINDS]
    sessions = list(runner._SESSIONS.values())
    assert sessions and all(session.direct for session in sessions)
    runner.close_sessions()
    monkeypatch.setattr(GraderPlugin, "runs_directly", lambda self, item: False)
    protocol = [_digest(grade_folder("conv", SAMPLES / name, seed=5)) for name in KINDS]
    assert all(not session.direct for session in runner._SESSIONS.values())
    runner.close_sessions()
    for name, got, want in zip(KINDS, direct, protocol, strict=True):
        assert got == want, name
    statuses = {t[4] for digest in direct for t in digest[:-1]}
    assert statuses == {"passed", "failed"}  # the samples do fail: a real comparison


CHECKS = """
import pytest


def test_plain(sub, oracle, rng, seed, grading):
    pass


@pytest.mark.parametrize("case", ["a", "b"])
def test_parametrized(rng, case):
    pass


def test_tmp_path(tmp_path):
    pass


@pytest.mark.skip(reason="not now")
def test_skipped(rng):
    pass


def test_request(request):
    pass


class TestInClass:
    def test_method(self, rng):
        pass
"""

OVERRIDE = """
import pytest


@pytest.fixture
def rng():
    return 4


def test_overridden(rng):
    pass
"""


def _session(tmp_path: Path, name: str, source: str) -> runner.CheckSession:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    ctx = GradingContext(
        assignment="conv",
        submission=None,  # type: ignore[arg-type]
        oracle=None,  # type: ignore[arg-type]
        seed=1,
        include_hidden=True,
        timeout_s=5.0,
    )
    return runner.CheckSession([path], ctx)


def test_only_plain_checks_of_the_plugins_fixtures_run_directly(tmp_path: Path) -> None:
    """Does a check with another fixture, a mark pytest acts on, a class or an overridden
    fixture take pytest's protocol?"""
    session = _session(tmp_path, "test_kinds.py", CHECKS)
    try:
        verdicts = {item.name: session.plugin.runs_directly(item) for item in session.items}
        assert verdicts == {
            "test_plain": True,
            "test_parametrized[a]": True,
            "test_parametrized[b]": True,
            "test_tmp_path": False,
            "test_skipped": False,
            "test_request": False,
            "test_method": False,
        }
        assert not session.direct
    finally:
        session.close()
    session = _session(tmp_path, "test_override.py", OVERRIDE)
    try:
        assert [session.plugin.runs_directly(item) for item in session.items] == [False]
    finally:
        session.close()
