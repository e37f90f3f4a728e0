"""What a student reads from `dlcourse check` (issue 27, item 7).

An untouched stub fails every check at a blank: does the terminal say "not
implemented yet" once per task, in English and Korean, while results.json
keeps every check's message and any other failure keeps its full message? A
wrong value where the expected one is 0 has no relative error: is it called
not defined, instead of a number like 1e+300?
"""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from graderkit import ROOT

from autograder.checkkit.compare import difference
from autograder.cli import main
from autograder.engine.catalog import collect
from autograder.feedback.catalogs import translator
from autograder.messages import render

STUB = ROOT / "assignments" / "conv"
NOT_IMPLEMENTED = {"en": "not implemented yet", "ko": "아직 구현하지 않았습니다"}


def check(*args, lang="en"):
    return CliRunner().invoke(
        main,
        ["check", "conv", *map(str, args), "--lang", lang],
        catch_exceptions=False,
        env={"COLUMNS": "200"},
    )


def public_tasks() -> set[str]:
    return {c.task for c in collect(["conv"]) if not c.hidden}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_untouched_stub_is_one_line_per_task(lang):
    """Is every task of the stub one "not implemented yet" line, with no NotImplementedError
    block, in both languages?"""
    done = check("--path", STUB, lang=lang)
    assert done.exit_code == 1
    lines = done.output.splitlines()
    collapsed = [line for line in lines if NOT_IMPLEMENTED[lang] in line]
    assert sorted(line.split(":")[0] for line in collapsed) == sorted(public_tasks())
    assert "NotImplementedError" not in done.output
    assert "conv_forward: " + {"en": "not implemented yet (3 checks)", "ko": "아직 구현하지 않았습니다 (검사 3개)"}[lang] in lines  # fmt: skip
    table = len(public_tasks()) * 2 + 10  # the table of checks, then a line per task
    assert len(lines) < table + len(public_tasks()) + 6


def test_results_json_keeps_every_blank_message():
    """Does --json (results.json) still hold each check's full NotImplementedError message?"""
    done = CliRunner().invoke(main, ["check", "conv", "--path", str(STUB), "--json"])
    tests = json.loads(done.output)["tests"]
    assert tests and all("fill in this blank" in t["output"] for t in tests)


def _function(source: str, name: str) -> tuple[int, int]:
    node = next(
        n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name
    )
    return node.lineno - 1, node.end_lineno or node.lineno


def test_other_failures_keep_their_full_message(tmp_path):
    """With a wrong conv_forward and a blank max_pool_forward, is conv_forward's failure shown
    in full and only the pooling tasks collapsed?"""
    reference = (ROOT / "solutions" / "conv" / "conv.py").read_text()
    stub = (STUB / "conv.py").read_text()
    wrong = reference.replace("    out += b[None, :, None, None]\n", "", 1)
    assert wrong != reference  # conv_forward forgets the bias
    lines = wrong.splitlines()
    start, end = _function(wrong, "max_pool_forward")
    s_start, s_end = _function(stub, "max_pool_forward")
    lines[start:end] = stub.splitlines()[s_start:s_end]
    (tmp_path / "conv.py").write_text("\n".join(lines) + "\n")
    done = check("--path", tmp_path)
    assert done.exit_code == 1
    collapsed = [line for line in done.output.splitlines() if "not implemented yet" in line]
    assert [line.split(":")[0] for line in collapsed] == ["max_pool_forward", "max_pool_backward"]
    assert "they stop at the blank of conv/max_pool_forward" in collapsed[1]
    assert re.search(r"FAIL conv_forward .*\n.*\n.*values differ", done.output)
    assert "max abs error" in done.output and "NotImplementedError" not in done.output


def _errors_line(got, want):
    kind, lines = difference(np.array(got), np.array(want), "dx", 1e-6, 1e-9)
    assert kind == "wrong"
    return lines[1]


def test_no_relative_error_against_an_expected_zero():
    """Where every differing entry expects 0, is the relative error called not defined (no
    1e+300), in both languages, the absolute error still given?"""
    line = _errors_line([1.0, 0.5, -0.25], [1.0, 0.0, 0.0])
    english = render(line)
    assert english == (
        "max abs error 0.5, max rel error not defined (every differing entry expects 0)"
    )
    korean = render(line, translator(None, "ko"))
    assert "0.5" in korean and "상대 오차는 정의되지 않습니다" in korean


def test_relative_error_counts_only_nonzero_expected_values():
    """With differing entries at 0 and elsewhere, is the relative error that of the others?"""
    line = _errors_line([3.0, 0.5], [2.0, 0.0])
    assert render(line) == "max abs error 1, max rel error 0.5"
    assert "e+" not in render(_errors_line([1e-3, 4.0], [0.0, 1.0]))
