"""Does every task have a hint ladder, and does `dlcourse hint` give it one level at a time?"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from graderkit import ROOT, grade_folder

from autograder.cli import main
from autograder.config import HintPolicy, load_course
from autograder.engine.catalog import collect
from autograder.release import hints
from autograder.release.stubs import plan_assignment

COURSE = load_course(ROOT)
ASSIGNMENTS = [a for a in COURSE.assignments if (ROOT / "solutions" / a / "hints.toml").is_file()]
BLANK = re.compile(r'NotImplementedError\("(\w+)/([\w.]+): fill in this blank')


def _ladders(assignment: str) -> hints.Ladders:
    path = ROOT / "solutions" / assignment / "hints.toml"
    return hints.parse_ladders(path.read_text(encoding="utf-8"), str(path))


def _tasks(assignment: str) -> set[str]:
    """Every task of the assignment: each check's task marker and each blank of the stub."""
    tasks = {check.task for check in collect([assignment]) if check.task}
    for stub in (ROOT / "assignments" / assignment).glob("*.py"):
        tasks |= {
            m[1] for m in BLANK.finditer(stub.read_text(encoding="utf-8")) if m[0] == assignment
        }
    return tasks


def test_every_assignment_has_a_ladder_file():
    """Does every assignment with a reference ship hints.toml?"""
    missing = [a for a in COURSE.assignments if (ROOT / "solutions" / a).is_dir()
               and a not in ASSIGNMENTS]  # fmt: skip
    assert not missing


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_has_three_levels_in_both_languages(assignment):
    """Has every task at least 3 levels, each in English and Korean, a formula only last?"""
    ladders = _ladders(assignment)  # parse_ladders refuses a formula level that is not last
    short = {task: len(ladders.get(task, [])) for task in _tasks(assignment)}
    assert not {t: n for t, n in short.items() if n < 3}, short
    for task, levels in ladders.items():
        for level in levels:
            en, ko = level.text["en"], level.text["ko"]
            # a level of code alone reads the same in both languages
            assert re.search("[가-힣]", ko) or ko == en, (task, level.number)


def test_a_formula_level_anywhere_but_last_is_refused():
    """Is a ladder whose formula comes before its last level an error?"""
    text = '[[t]]\nformula = true\nen = "a"\nko = "가"\n\n[[t]]\nen = "b"\nko = "나"\n'
    with pytest.raises(ValueError, match="only the last level"):
        hints.parse_ladders(text)


def test_the_course_decides_how_much_of_a_ladder_ships():
    """Do max_level and formula=false cut the released hints.toml and notebook cells?"""
    full = plan_assignment(ROOT / "solutions", "conv")
    cut = plan_assignment(ROOT / "solutions", "conv", HintPolicy(max_level=2, formula=False))
    shipped = {f.relpath: f.content for f in cut.files}
    ladders = hints.parse_ladders(shipped["hints.toml"].decode())
    assert ladders and all(len(levels) <= 2 for levels in ladders.values())
    assert not any(level.formula for levels in ladders.values() for level in levels)
    notebook = json.loads(shipped["conv.ipynb"])
    levels = [c["metadata"]["dlcourse"]["hint"]["level"] for c in notebook["cells"]
              if "dlcourse" in c.get("metadata", {})]  # fmt: skip
    assert levels and max(levels) == 2
    whole = {f.relpath: f.content for f in full.files}
    assert whole["hints.toml"] == (ROOT / "solutions" / "conv" / "hints.toml").read_bytes()
    off = plan_assignment(ROOT / "solutions", "conv", HintPolicy(max_level=0))
    assert (
        hints.parse_ladders({f.relpath: f.content for f in off.files}["hints.toml"].decode()) == {}
    )


@pytest.fixture
def course(tmp_path):
    """A copy of the course's configuration and conv folder, with no hint seen yet."""
    root = tmp_path / "course"
    shutil.copytree(ROOT / "course", root / "course", ignore=shutil.ignore_patterns("samples"))
    shutil.copytree(ROOT / "assignments" / "conv", root / "assignments" / "conv")
    return root


def _hint(root: Path, *args: str):
    return CliRunner().invoke(main, ["hint", *args], env={"DLCOURSE_ROOT": str(root)})


def test_each_call_shows_the_next_level_and_remembers_it(course):
    """Does `dlcourse hint` walk up the ladder, keep what was seen, and obey --level?"""
    ladder = _ladders("conv")["conv_backward"]
    first = _hint(course, "conv", "conv_backward")
    assert first.exit_code == 0, first.output
    assert "hint 1 of 4" in first.output and ladder[0].text["en"].split()[0] in first.output
    second = _hint(course, "conv", "conv_backward")
    assert "hint 2 of 4" in second.output
    assert hints.seen_levels(course, "conv") == {"conv_backward": 2}
    again = _hint(course, "conv", "conv_backward", "--level", "1", "--lang", "ko")
    assert "힌트 1/4" in again.output
    assert hints.seen_levels(course, "conv") == {
        "conv_backward": 2
    }  # seeing 1 again forgets nothing
    listing = _hint(course, "conv")
    assert re.search(r"conv_backward\W+4\W+2", listing.output)


def test_unknown_tasks_and_levels_are_one_line_errors(course):
    """Are a task without hints and a level beyond the ladder errors with exit status 2?"""
    unknown = _hint(course, "conv", "no_such_task")
    assert unknown.exit_code == 2 and "tasks with hints: conv_forward" in unknown.output
    beyond = _hint(course, "conv", "conv_forward", "--level", "9")
    assert beyond.exit_code == 2 and "3 hint level(s)" in beyond.output


def test_a_course_that_turns_levels_off_shows_only_the_rest(course):
    """With [hints] max_level = 2 in course.toml, is level 3 refused and level 2 the last?"""
    toml = course / "course" / "course.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[hints]\nmax_level = 2\n", encoding="utf-8"
    )
    _hint(course, "conv", "conv_backward")
    second = _hint(course, "conv", "conv_backward")
    assert "hint 2 of 2" in second.output and "last level" in second.output
    assert _hint(course, "conv", "conv_backward", "--level", "3").exit_code == 2


def test_check_points_a_failing_task_to_its_hints():
    """Does a failing self-check name the failing tasks that have a hint ladder?"""
    result = CliRunner().invoke(main, ["check", "conv"])
    assert result.exit_code == 1
    assert "dlcourse hint conv TASK" in " ".join(result.output.split())
    assert "conv_backward" in result.output


def test_grading_records_nothing_about_hints(course, monkeypatch):
    """Does grading neither read the hints seen nor mention them in the results?"""
    _hint(course, "conv", "conv_backward")

    def forbidden(*_args, **_kwargs):
        raise AssertionError("grading read the learner's hints")

    monkeypatch.setattr(hints, "seen_levels", forbidden)
    monkeypatch.setattr(hints, "remember", forbidden)
    result = grade_folder("conv", ROOT / "solutions" / "conv")
    assert result.score == result.max_score
    assert "hint" not in json.dumps(result.to_json()).lower()
