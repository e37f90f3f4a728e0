"""What `dlcourse check` prints: a line per check, styled with click, without rich.

The self-check is the student's loop (issue 24): it prints lines as test
runners do and leaves rich's tables to the instructor's views, which spared it
~26 ms of a ~0.26 s command (rich's import and its table's layout).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from graderkit import ROOT

from autograder.cli import main
from autograder.feedback.selfcheck import check_lines, show_self_check
from autograder.messages import msg
from autograder.results import CheckResult, SubmissionResult


def _result() -> SubmissionResult:
    tests = [
        CheckResult(name="conv_forward matches the reference [basic]", task="conv_forward",
                    score=3, max_score=3, status="passed", output=""),
        CheckResult(name="pooling backward matches [2x2]", task="max_pool_backward",
                    score=0, max_score=1.5, status="failed", output="out: wrong shape",
                    lines=[("", msg("compare.shape", "out: wrong shape"))]),
    ]  # fmt: skip
    return SubmissionResult(assignment="conv", student="eli", tests=tests)


class _Check:
    def __init__(self) -> None:
        self.result = _result()
        self.folder = Path("eli")
        self.problems: list[str] = []


def test_a_line_per_check_in_columns():
    """Are result, points and task padded to columns, the check's name last?"""
    rows = check_lines(_result(), "en")
    assert rows == [
        ("pass", "  3/3", "conv_forward     ", "conv_forward matches the reference [basic]"),
        ("FAIL", "0/1.5", "max_pool_backward", "pooling backward matches [2x2]"),
    ]
    korean = check_lines(_result(), "ko")
    assert [r[0] for r in korean] == ["통과", "실패"]


def _shown(env: dict[str, str], color: bool | None = None) -> str:
    runner = CliRunner(env=env)
    import click

    @click.command()
    def show() -> None:
        show_self_check(_Check(), lang="en", hints={"max_pool_backward": 3})

    return runner.invoke(show, [], color=bool(color)).output


def test_colour_only_where_asked():
    """Plain text off a terminal, none under NO_COLOR, styles under FORCE_COLOR."""
    plain = _shown({"NO_COLOR": "", "FORCE_COLOR": ""})
    assert "\x1b[" not in plain
    assert "  pass    3/3  conv_forward       conv_forward matches the reference [basic]" in plain
    assert "FAIL max_pool_backward pooling backward matches [2x2]\nout: wrong shape" in plain
    assert "3 / 4.5 points: 1 of 2 public checks pass (eli)." in plain
    assert "dlcourse hint conv TASK" in plain
    assert "\x1b[" not in _shown({"NO_COLOR": "1"}, color=True)
    assert "\x1b[32mpass" in _shown({"NO_COLOR": "", "FORCE_COLOR": "1"})


def test_a_check_imports_no_rich():
    """Does `dlcourse check` run without importing rich (its tables are the instructor's)?"""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "autograder.cli", "check", "conv",
         "--path", str(ROOT / "solutions" / "conv")],
        capture_output=True, text=True, timeout=300, env={**os.environ, "DLCOURSE_ROOT": str(ROOT)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "public checks pass" in out.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()}
    assert "rich" not in imported and "rich.console" not in imported


def test_a_failing_check_in_the_terminal(tmp_path):
    """Does a failing self-check name the check, its call and the error, and exit 1?"""
    (tmp_path / "conv.py").write_text(
        (ROOT / "course" / "samples" / "conv" / "eli_wrong_shape" / "conv.py").read_text()
    )
    result = CliRunner().invoke(main, ["check", "conv", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert "  FAIL    0/3  conv_forward " in result.output
    assert "\nFAIL conv_forward conv_forward matches the reference [basic]\n" in result.output


def test_the_same_failure_is_shown_once(tmp_path):
    """Does a submission that does not import show its error once, naming the other checks
    that failed alike, instead of once per check?"""
    (tmp_path / "conv.py").write_text("def conv_forward(x\n")
    result = CliRunner().invoke(main, ["check", "conv", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("could not be imported") == 1
    assert "(the same for 19 more checks: conv_forward, conv_backward," in result.output
    two = _result()
    two.tests.append(
        CheckResult(name="pooling backward matches [3x3]", task="max_pool_backward",
                    score=0, max_score=1.5, status="failed", output="out: wrong shape")
    )  # fmt: skip

    class Two(_Check):
        def __init__(self) -> None:
            super().__init__()
            self.result = two

    import click

    @click.command()
    def show() -> None:
        show_self_check(Two(), lang="en")

    out = CliRunner(env={"NO_COLOR": "1"}).invoke(show, []).output
    assert out.count("out: wrong shape") == 1
    assert "(the same for 1 more check: max_pool_backward)" in out
