"""An nbgrader course directory for the course, and the sandbox's grades written into it.

`export_nbgrader` writes `nbgrader_config.py` and `source/<ID>/<ID>.ipynb` for
each assignment, in nbgrader's notebook format (cell metadata schema 3):

- the task README as locked markdown cells;
- the module, cut at its top-level statements (`module_cells`): every
  function or class holding a blank becomes an autograded-answer cell (grade
  id = its name) with the reference between `### BEGIN SOLUTION` and
  `### END SOLUTION`; the rest (imports, helpers) is locked code;
- one autograder-test cell per task, worth the task's points in `dlcourse
  list`, after the module: the public checks in the
  clear, the hidden ones between `### BEGIN HIDDEN TESTS` and `### END HIDDEN
  TESTS`; they call the course's checks by name (`autograder.platforms.nbgrader.cells`),
  so their code and the reference stay on the grading host;
- a locked cell that makes the notebook's code importable as the module, then
  the walkthrough notebook's cells, outputs cleared;
- next to the notebook, the assignment's other released modules as students
  get them (vit's and bert's transformer.py, the transformer assignment's
  stub, which each student replaces with their finished one): nbgrader
  releases the files of a source folder and collects the files handed back,
  and the test cells import them from the notebook's folder.

`nbgrader generate_assignment`, `validate`, `autograde`, `generate_feedback`
and `export` then work in that directory. `gradebook.write_gradebook` puts
the per-task scores of `dlcourse grade` (the sandboxed, trustworthy grades)
into its gradebook through nbgrader's API.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.config import Assignment, ConfigError, Course, load_course
from autograder.errors import CourseError
from autograder.platforms.nbgrader.config import (
    MAX_CELL_TIMEOUT_S,
    MIN_CELL_TIMEOUT_S,
    config_source,
)
from autograder.release.notebooks import split_notebook
from autograder.solutions import answer_names, module_cells

SCHEMA_VERSION = 3
COURSE_ID = "dlcourse"


# The notebook's own short texts, per language (terms as in course/docs/glossary.md).
INTRO_TEXTS = {
    "en": {
        "code": (
            "## The code of `{module}.py`\n\n"
            "Fill in every answer cell and run it; the check cells come after the code. "
            "The checks run in this notebook's kernel; your instructor grades the collected "
            "notebook again in a sandbox, with hidden checks, and that grade is the one "
            "that counts."
        ),
        "checks": (
            "## Checks\n\nOne cell per task, worth the task's points. Run them after every "
            "cell above."
        ),
    },
    "ko": {
        "code": (
            "## `{module}.py`의 코드\n\n"
            "답안 셀마다 빈칸을 채우고 실행하세요. 검사 셀은 코드 뒤에 있습니다. "
            "검사는 이 노트북의 커널에서 돌아갑니다. 강사는 걷어 간 노트북을 샌드박스에서 "
            "숨은 검사까지 넣어 다시 채점하고, 점수로 남는 것은 그 채점입니다."
        ),
        "checks": (
            "## 검사\n\n과제 항목마다 셀이 하나이고, 그 항목의 점수만큼 배점됩니다. "
            "위의 셀을 모두 실행한 뒤에 실행하세요."
        ),
    },
}


class NbgraderExportError(CourseError, ValueError):
    """Something of the course cannot be exported to nbgrader."""


def task_cell_id(task: str) -> str:
    return "test_" + re.sub(r"\W", "_", task)


# ---------------------------------------------------------------------------
# Checks: task -> public and hidden check functions, points
# ---------------------------------------------------------------------------
@dataclass
class TaskPlan:
    task: str
    points: float = 0.0
    public: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    checks: int = 0


def task_plans(assignments: Iterable[str]) -> dict[str, dict[str, TaskPlan]]:
    """{assignment: {task: TaskPlan}} from the check markers (as `dlcourse list` counts)."""
    from autograder.engine.catalog import collect

    plans: dict[str, dict[str, TaskPlan]] = {}
    for check in collect(assignments):
        plan = plans.setdefault(check.assignment, {}).setdefault(check.task, TaskPlan(check.task))
        plan.points += check.points
        plan.checks += 1
        names = plan.hidden if check.hidden else plan.public
        if check.function not in names:
            names.append(check.function)
    return plans


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------
def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0.0) -> Any:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _code(source: str, metadata: Any = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata or {},
        "outputs": [],
        "source": source,
    }


def _markdown(source: str, metadata: Any = None) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": metadata or {}, "source": source}


def readme_sections(text: str) -> list[str]:
    """The README cut before each second-level heading."""
    sections = re.split(r"(?m)^(?=## )", text)
    return [s.strip() for s in sections if s.strip()]


def test_cell_source(assignment: str, plan: TaskPlan) -> str:
    lines = [
        f"# Checks of {plan.task} ({plan.points:g} points). They run in this kernel; the",
        "# grade that counts comes from `dlcourse grade` on the collected notebook.",
        "from autograder.platforms.nbgrader.cells import TaskChecks",
        "",
        f"checks = TaskChecks({assignment!r}, {plan.task!r}, globals())",
    ]
    lines += [f"checks.public({name!r})" for name in plan.public]
    if plan.hidden:
        lines.append("### BEGIN HIDDEN TESTS")
        lines += [f"checks.hidden({name!r})" for name in plan.hidden]
        lines.append("### END HIDDEN TESTS")
    lines.append(f"checks.score({plan.points:g})")
    return "\n".join(lines)


def register_cell_source(module: str) -> str:
    return "\n".join(
        [
            f"# The walkthrough imports from `{module}`: this notebook's code is that module.",
            "import sys",
            "import types",
            "",
            f"{module} = types.ModuleType({module!r})",
            f"{module}.__dict__.update({{k: v for k, v in globals().items() if not k.startswith('__')}})",
            f"sys.modules[{module!r}] = {module}",
        ]
    )


def build_notebook(
    course: Course, assignment: Assignment, plans: dict[str, TaskPlan], lang: str = "en"
) -> dict[str, Any]:
    """The nbgrader source notebook of one assignment."""
    if lang not in INTRO_TEXTS:
        raise ConfigError(f"unknown language {lang!r}; expected one of {', '.join(INTRO_TEXTS)}")
    folder = paths.solutions_dir(course.root) / assignment.id
    module = assignment.module_stems[0]
    solution_text = (folder / f"{module}.py").read_text(encoding="utf-8")
    readme = folder / ("README.md" if lang == "en" else f"README.{lang}.md")
    cells: list[dict[str, Any]] = []
    if readme.is_file():
        for index, section in enumerate(readme_sections(readme.read_text(encoding="utf-8"))):
            meta = _meta(f"readme_{index + 1}", grade=False, solution=False, locked=True)
            cells.append(_markdown(section, meta))
    texts = INTRO_TEXTS[lang]
    cells.append(
        _markdown(
            texts["code"].format(module=module),
            _meta("code_intro", grade=False, solution=False, locked=True),
        )
    )
    locked = 0
    for cell in module_cells(solution_text):
        if cell.name:
            meta = _meta(cell.name, grade=False, solution=True, locked=False)
        else:
            locked += 1
            meta = _meta(f"module_{locked}", grade=False, solution=False, locked=True)
        cells.append(_code(cell.source, meta))
    # after the whole module: a task's checks may call other functions of it
    cells.append(
        _markdown(texts["checks"], _meta("checks_intro", grade=False, solution=False, locked=True))
    )
    order = answer_names(solution_text)

    def position(plan: TaskPlan) -> tuple[int, str]:
        top = plan.task.split(".")[0]
        return (order.index(top) if top in order else len(order), plan.task)

    cells += [test_cell(assignment.id, plan) for plan in sorted(plans.values(), key=position)]
    cells.append(
        _code(
            register_cell_source(module),
            _meta("register_module", grade=False, solution=False, locked=True),
        )
    )
    walkthrough = folder / f"{assignment.id}.ipynb"
    if walkthrough.is_file():
        notebook = split_notebook(json.loads(walkthrough.read_text(encoding="utf-8")), lang)
        for cell in notebook.get("cells", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            if cell.get("cell_type") == "code":
                cells.append(_code(source))
            elif cell.get("cell_type") == "markdown":
                cells.append(_markdown(source))
    used: set[str] = set()
    for index, cell in enumerate(cells):  # nbformat 4.5 cell ids: the grade id where there is one
        ident = cell["metadata"].get("nbgrader", {}).get("grade_id") or f"cell-{index}"
        cell["id"] = ident if ident not in used else f"{ident}-{index}"
        used.add(cell["id"])
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_cell(assignment: str, plan: TaskPlan) -> dict[str, Any]:
    meta = _meta(
        task_cell_id(plan.task), grade=True, solution=False, locked=True, points=plan.points
    )
    return _code(test_cell_source(assignment, plan), meta)


def cell_timeout(assignment: Assignment, plans: dict[str, TaskPlan]) -> int:
    """Seconds for one cell: every check of the largest task at its full budget."""
    most = max((plan.checks for plan in plans.values()), default=1)
    wanted = math.ceil(assignment.timeout_s * most + assignment.import_timeout_s)
    return max(MIN_CELL_TIMEOUT_S, min(MAX_CELL_TIMEOUT_S, wanted))


@dataclass
class NbgraderExport:
    course_dir: Path
    notebooks: list[Path]
    helpers: list[Path]
    config: Path
    timeout_s: int


def helper_modules(course: Course, assignment: Assignment) -> list[Path]:
    """The released .py files of `assignment` other than its graded modules."""
    folder = paths.assignments_dir(course.root) / assignment.id
    return sorted(p for p in folder.glob("*.py") if p.name not in assignment.modules)


def export_nbgrader(
    assignments: Iterable[str] = (),
    *,
    out: Path,
    lang: str = "en",
    course_id: str = COURSE_ID,
    root: Path | None = None,
) -> NbgraderExport:
    """Write an nbgrader course directory at `out` (every assignment by default)."""
    course = load_course(root)
    ids = list(assignments) or [
        a for a in course.assignments if paths.has_solutions(a, course.root)
    ]
    for ident in ids:
        course.assignment(ident)
        if not paths.has_solutions(ident, course.root):
            raise ConfigError(f"{ident} has no solutions/{ident}: nothing to export")
    plans = task_plans(ids)
    out = Path(out)
    notebooks, helpers = [], []
    timeout = MIN_CELL_TIMEOUT_S
    for ident in ids:
        assignment = course.assignment(ident)
        assignment_plans = plans.get(ident, {})
        if not assignment_plans:
            raise ConfigError(f"{ident} has no checks to export")
        notebook = build_notebook(course, assignment, assignment_plans, lang)
        path = out / "source" / ident / f"{ident}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", "utf-8")
        notebooks.append(path)
        for module in helper_modules(course, assignment):
            helpers.append(path.parent / module.name)
            helpers[-1].write_bytes(module.read_bytes())
        timeout = max(timeout, cell_timeout(assignment, assignment_plans))
    # every exported assignment of the course in `out`, this export's or an earlier one's
    exported = [a for a in sorted(course.assignments) if (out / "source" / a).is_dir()]
    modules = {a: [p.name for p in helper_modules(course, course.assignment(a))] for a in exported}
    students_files = {ident: names for ident, names in modules.items() if names}
    config = out / "nbgrader_config.py"
    config.write_text(config_source(course_id, timeout, students_files), encoding="utf-8")
    return NbgraderExport(
        course_dir=out, notebooks=notebooks, helpers=helpers, config=config, timeout_s=timeout
    )
