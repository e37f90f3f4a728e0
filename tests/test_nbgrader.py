"""The course inside a real nbgrader course: export, release, autograde, and the sandbox's grades.

The slow tests run the real `nbgrader` commands in a temporary course
directory (one export and one `generate_assignment` for the whole module):
for conv and basics, three students (the source notebook's code, the released
notebook unchanged, one known mistake) go through `nbgrader autograde` and
through `dlcourse grade`, and must score the same both ways; `--nbgrader`
must leave the sandbox's scores in nbgrader's gradebook.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.checkkit.mutants import Mistake
from autograder.cli import main
from autograder.config import load_course
from autograder.engine.catalog import collect
from autograder.engine.commands import collect_points
from autograder.intake.notebook import module_from_notebook
from autograder.intake.staging import discover, stage
from autograder.paths import solutions_dir
from autograder.platforms.nbgrader.export import export_nbgrader, task_cell_id
from autograder.results import read_results
from autograder.solutions import module_cells

ASSIGNMENTS = ("conv", "basics")
EVERY = tuple(a for a in load_course().assignments if (solutions_dir() / a).is_dir())
MISTAKES = {"conv": "dx_unflipped_kernel", "basics": "mse_summed"}
BIN = Path(sys.executable).parent


def load_mistake(assignment: str, name: str) -> Mistake:
    import importlib

    module = importlib.import_module(f"autograder.checks.{assignment}.private.mistakes")
    return next(m for m in module.MISTAKES if m.name == name)


def with_mistake(notebook: dict, mistake: Mistake) -> dict:
    """The notebook with the mistake's edits made in the answer cells that hold them."""
    notebook = copy.deepcopy(notebook)
    for old, new in mistake.replace:
        cells = [c for c in notebook["cells"] if c["cell_type"] == "code" and old in c["source"]]
        assert cells and all(c["metadata"]["nbgrader"]["solution"] for c in cells), old
        for cell in cells:
            cell["source"] = cell["source"].replace(old, new)
    return notebook


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done


def notebook_scores(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """{student: {grade cell: score}} as nbgrader's gradebook holds them."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            submission.student.id: {g.name: g.score for g in submission.notebooks[0].grades}
            for submission in gradebook.assignment_submissions(assignment)
        }


def task_totals(result_path: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for test in read_results(result_path).tests:
        key = task_cell_id(test.task)
        totals[key] = totals.get(key, 0.0) + test.score
    return totals


# ---------------------------------------------------------------------------
# Fast: the export's structure and reading notebook submissions
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = tmp_path_factory.mktemp("nbgrader-course")
    export_nbgrader(out=course)  # every assignment
    return course


def source_notebook(course: Path, assignment: str) -> dict:
    return json.loads((course / "source" / assignment / f"{assignment}.ipynb").read_text())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_are_worth_the_points_of_dlcourse_list(exported: Path, assignment: str) -> None:
    """Is there one test cell per task, worth that task's points, hidden checks marked?"""
    notebook = source_notebook(exported, assignment)
    graded = {
        c["metadata"]["nbgrader"]["grade_id"]: c
        for c in notebook["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    }
    tasks = collect_points([assignment])[assignment]["tasks"]
    assert {task_cell_id(t): p for t, p in tasks.items()} == {
        k: c["metadata"]["nbgrader"]["points"] for k, c in graded.items()
    }
    for cell in graded.values():
        meta = cell["metadata"]["nbgrader"]
        assert meta["schema_version"] == 3 and meta["locked"] and not meta["solution"]
        assert "### BEGIN HIDDEN TESTS" in cell["source"] and "checks.hidden(" in cell["source"]
        assert cell["source"].index("checks.public(") < cell["source"].index("BEGIN HIDDEN")
    answers = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert answers and all("### BEGIN SOLUTION" in c["source"] for c in answers)
    readme = [c for c in notebook["cells"] if c["cell_type"] == "markdown"][0]
    assert readme["metadata"]["nbgrader"]["locked"]
    first_line = (solutions_dir() / assignment / "README.md").read_text().splitlines()[0]
    assert readme["source"].startswith(first_line)
    config = (exported / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = " in config and "c.IgnorePattern.enabled = True" in config


@pytest.mark.parametrize("assignment", EVERY)
def test_source_notebook_reads_back_as_the_reference(exported: Path, assignment: str) -> None:
    """Does the code of the answer cells, put into the template, make the reference module?"""
    data = (exported / "source" / assignment / f"{assignment}.ipynb").read_bytes()
    module = module_from_notebook(data, load_course().assignment(assignment))
    reference = (solutions_dir() / assignment / f"{assignment}.py").read_text()
    assert ast.dump(ast.parse(module)) == ast.dump(ast.parse(reference))
    names = [c.name for c in module_cells(reference) if c.name]
    assert len(names) >= 3
    assert all(re.search(rf"^(def|class) {n}\b", module, re.M) for n in names)


@pytest.mark.parametrize("assignment", ["vit", "bert"])
def test_helper_modules_lie_beside_the_notebook_as_released(
    exported: Path, assignment: str
) -> None:
    """Does the export put the released transformer.py (the stub students replace with their
    finished one) next to vit's and bert's notebooks, and no solution with it?"""
    shipped = exported / "source" / assignment / "transformer.py"
    released = solutions_dir().parent / "assignments" / assignment / "transformer.py"
    assert shipped.read_bytes() == released.read_bytes()
    assert "NotImplementedError" in shipped.read_text()
    assert not (exported / "source" / "conv" / "transformer.py").exists()


def test_autograde_keeps_the_students_helper_modules(tmp_path: Path) -> None:
    """Does nbgrader_config.py tell autograde to keep the transformer.py a student hands in
    (autograde puts the source folder's version of every other file back), for every
    assignment exported into the folder, an earlier export's too?"""
    import runpy

    export_nbgrader(["vit"], out=tmp_path)
    export_nbgrader(["conv"], out=tmp_path)  # a later export into the same course folder

    class Config(dict):
        def __getattr__(self, name):
            return self.setdefault(name, Config())

        def __setattr__(self, name, value):
            self[name] = value

    config = Config()
    runpy.run_path(str(tmp_path / "nbgrader_config.py"), {"get_config": lambda: config})
    assert config["Autograde"]["exclude_overwriting"] == {"vit": ["transformer.py"]}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", EVERY)
def test_test_cells_give_the_reference_full_marks(
    exported: Path, assignment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does every test cell, run on the reference's names, earn exactly its points? The
    notebook's folder holds finished helper modules, as a student's handed-in folder does."""
    from autograder.paths import load_reference

    for helper in (exported / "source" / assignment).glob("*.py"):
        shutil.copy(solutions_dir() / assignment / helper.name, tmp_path / helper.name)
    monkeypatch.chdir(tmp_path)  # autograde runs a notebook in its own folder

    notebook = source_notebook(exported, assignment)
    reference = load_reference(assignment)
    cells = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert cells
    for cell in cells:
        body, last = cell["source"].rsplit("\n", 1)
        assert last.startswith("checks.score(")
        namespace = dict(vars(reference))  # the cell's globals(): the reference's names
        exec(body, namespace)
        earned = eval(last, namespace)
        assert earned == cell["metadata"]["nbgrader"]["points"], cell["id"]


def test_korean_export_has_the_korean_texts_and_the_same_cells(
    exported: Path, tmp_path: Path
) -> None:
    """Does --lang ko give the Korean README and walkthrough with the same graded cells?"""
    done = CliRunner().invoke(
        main, ["export", "nbgrader", "conv", "--lang", "ko", "--out", str(tmp_path)]
    )
    assert done.exit_code == 0, done.output
    korean = source_notebook(tmp_path, "conv")
    english = source_notebook(exported, "conv")
    first_line = (solutions_dir() / "conv" / "README.ko.md").read_text().splitlines()[0]
    assert korean["cells"][0]["source"].startswith(first_line)

    def graded(notebook: dict) -> list[tuple[str, str]]:
        return [
            (c["id"], c["source"])
            for c in notebook["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade")
            or c["metadata"].get("nbgrader", {}).get("solution")
        ]

    assert graded(korean) == graded(english)
    assert any("숨은 검사" in c["source"] for c in korean["cells"] if c["cell_type"] == "markdown")


def test_broken_notebooks_get_clear_messages(exported: Path, tmp_path: Path) -> None:
    """Are broken JSON, a deleted answer cell and a changed grade_id reported, not graded?"""
    spec = load_course().assignment("conv")
    notebook = source_notebook(exported, "conv")
    cases = {"broken": "{ not json", "plain": json.dumps({"cells": [], "nbformat": 4})}
    deleted = copy.deepcopy(notebook)
    deleted["cells"] = [
        c
        for c in deleted["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") != "conv_backward"
    ]
    cases["deleted"] = json.dumps(deleted)
    renamed = copy.deepcopy(notebook)
    for cell in renamed["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "max_pool_forward":
            cell["metadata"]["nbgrader"]["grade_id"] = "my_pool"
    cases["renamed"] = json.dumps(renamed)
    for student, text in cases.items():
        (tmp_path / student / "conv").mkdir(parents=True)
        (tmp_path / student / "conv" / "conv.ipynb").write_text(text)
    found = dict(discover([tmp_path], spec))
    assert sorted(found) == sorted(cases)
    problems = {s: " ".join(stage(s, p, spec).problems) for s, p in found.items()}
    assert "broken JSON at line 1" in problems["broken"]
    assert "'conv_forward'" in problems["plain"] and "'avg_pool_backward'" in problems["plain"]
    assert "'conv_backward'" in problems["deleted"] and "'conv_forward'" not in problems["deleted"]
    assert (
        "'max_pool_forward'" in problems["renamed"] and "'my_pool' instead" in problems["renamed"]
    )
    for staged in map(lambda s: stage(s, found[s], spec), found):
        assert "conv.py" not in staged.files


def test_a_module_file_wins_over_the_notebook_and_magics_are_comments(
    exported: Path, tmp_path: Path
) -> None:
    """Is a folder with conv.py graded from conv.py; do magics in answer cells not break imports?"""
    spec = load_course().assignment("conv")
    notebook = source_notebook(exported, "conv")
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "conv_forward":
            cell["source"] = "%load_ext autoreload\n" + cell["source"].replace(
                "    ### BEGIN SOLUTION", "    !echo hi\n    ### BEGIN SOLUTION", 1
            )
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "conv.ipynb").write_text(json.dumps(notebook))
    module = stage("nb", tmp_path / "nb", spec).files["conv.py"].decode()
    compile(module, "conv.py", "exec")
    assert "# %load_ext autoreload" in module and "    # !echo hi" in module
    (tmp_path / "nb" / "conv.py").write_text("# my own module\n")
    assert stage("nb", tmp_path / "nb", spec).files["conv.py"] == b"# my own module\n"


# ---------------------------------------------------------------------------
# Slow: the real nbgrader
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Exported, released, and three students' notebooks autograded by nbgrader."""
    pytest.importorskip("nbgrader")
    course = tmp_path_factory.mktemp("nbgrader-real")
    runner = CliRunner()
    done = runner.invoke(main, ["export", "nbgrader", *ASSIGNMENTS, "--out", str(course)])
    assert done.exit_code == 0, done.output
    nbgrader(course, "generate_assignment", "*")
    for assignment in ASSIGNMENTS:
        source = source_notebook(course, assignment)
        released = (course / "release" / assignment / f"{assignment}.ipynb").read_text()
        mistaken = with_mistake(source, load_mistake(assignment, MISTAKES[assignment]))
        for student, text in {
            "source": json.dumps(source),
            "released": released,
            "mistaken": json.dumps(mistaken),
        }.items():
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True)
            (folder / f"{assignment}.ipynb").write_text(text)
    nbgrader(course, "autograde", "*")
    return course


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_holds_no_solution_and_no_hidden_check(
    course: Path, assignment: str
) -> None:
    """Does nbgrader's release keep the blanks and drop the hidden checks?"""
    text = (course / "release" / assignment / f"{assignment}.ipynb").read_text()
    assert "### BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "checks.hidden(" not in text and "checks.public(" in text
    assert "raise NotImplementedError()" in text


STUDENT_SIDE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import autograder
assert autograder.__file__.startswith(sys.argv[1]), autograder.__file__
notebook = json.load(open(sys.argv[2]))
module = json.loads(sys.argv[3])
for cell in notebook["cells"]:
    meta = cell["metadata"].get("nbgrader", {})
    if meta.get("grade"):
        body, last = "".join(cell["source"]).rsplit("\\n", 1)
        namespace = {"__name__": "__main__"}
        exec(module, namespace)
        exec(body, namespace)
        print(meta["grade_id"], eval(last, namespace), meta["points"])
"""


@pytest.mark.slow
def test_released_notebook_checks_run_in_the_student_bundle(course: Path, tmp_path: Path) -> None:
    """In a student bundle (no solutions: replayed answers), do the released notebook's public
    checks give a correct module full marks?"""
    done = CliRunner().invoke(main, ["release", "conv", "--out", str(tmp_path / "bundle")])
    assert done.exit_code == 0, done.output
    assert not (tmp_path / "bundle" / "solutions").exists()
    reference = (solutions_dir() / "conv" / "conv.py").read_text()
    env = {**os.environ, "DLCOURSE_ROOT": str(tmp_path / "bundle")}
    run = subprocess.run(
        [sys.executable, "-I", "-c", STUDENT_SIDE, str(tmp_path / "bundle"),
         str(course / "release" / "conv" / "conv.ipynb"), json.dumps(reference)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    scores = [line.split() for line in run.stdout.splitlines() if line.startswith("test_")]
    assert len(scores) == len({check.task for check in collect(["conv"])})  # a cell per task
    assert all(float(earned) == float(points) for _, earned, points in scores), scores


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_and_the_sandbox_agree(course: Path, assignment: str, tmp_path: Path) -> None:
    """Released scores 0, source full marks, the mistake the same partial total both ways;
    and `--nbgrader` leaves the sandbox's per-task scores in nbgrader's gradebook."""
    in_kernel = notebook_scores(course, assignment)
    full = sum(collect_points([assignment])[assignment]["tasks"].values())
    out = tmp_path / "grades"
    done = CliRunner().invoke(
        main,
        ["grade", assignment, str(course / "submitted"), "--out", str(out), "-j", "2",
         "--nbgrader", str(course)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    sandbox = {s: task_totals(out / s / "results.json") for s in ("source", "released", "mistaken")}
    totals = {s: sum(v.values()) for s, v in sandbox.items()}
    kernel_totals = {s: sum(v.values()) for s, v in in_kernel.items()}
    assert totals["source"] == pytest.approx(full) == pytest.approx(kernel_totals["source"])
    assert totals["released"] == 0 == kernel_totals["released"]
    assert 0 < totals["mistaken"] < full
    assert kernel_totals["mistaken"] == pytest.approx(totals["mistaken"])
    assert read_results(out / "mistaken" / "results.json").tests  # graded, not refused
    after = notebook_scores(course, assignment)
    for student, scores in sandbox.items():
        assert after[student] == pytest.approx(scores), student


@pytest.mark.slow
def test_validate_feedback_and_export_work(course: Path) -> None:
    """Do `nbgrader validate`, `generate_feedback` and `export` work in the exported course?"""
    filled = nbgrader(course, "validate", "submitted/source/conv/conv.ipynb")
    assert "Success! Your notebook passes all the tests." in filled.stdout
    nbgrader(course, "generate_feedback", "conv")
    page = (course / "feedback" / "mistaken" / "conv" / "conv.html").read_text()
    assert "test_conv_backward" in page
    nbgrader(course, "export")
    rows = (course / "grades.csv").read_text().splitlines()
    assert len([r for r in rows if r.startswith("conv,")]) == 3


def page_text(path: Path) -> str:
    """The text of an HTML page, tags dropped and entities decoded."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def reference_lines(assignment: str) -> list[str]:
    """The distinctive lines of the reference's solution regions."""
    from autograder.solutions import BEGIN, END

    lines, inside = [], False
    for line in (solutions_dir() / assignment / f"{assignment}.py").read_text().splitlines():
        if BEGIN in line or END in line:
            inside = BEGIN in line
        elif inside and len(line.strip()) > 24:
            lines.append(line.strip())
    return lines


@pytest.mark.slow
def test_feedback_shows_no_hidden_test_and_no_reference(course: Path) -> None:
    """Does `nbgrader generate_feedback` with the exported config show each grade cell's score
    and public checks, but no hidden-test region (source or traceback) and no reference line?"""
    nbgrader(course, "generate_feedback", "conv", "--force")
    secret = reference_lines("conv")
    assert len(secret) > 10
    for student in ("released", "mistaken"):
        page = page_text(course / "feedback" / student / "conv" / "conv.html")
        assert "checks.public(" in page and "Grade cell: test_conv_backward" in page, student
        assert "BEGIN HIDDEN TESTS" not in page and "END HIDDEN TESTS" not in page, student
        assert "checks.hidden(" not in page, student
    released = page_text(course / "feedback" / "released" / "conv" / "conv.html")
    assert "no check passed" in released
    assert [line for line in secret if line in released] == []
