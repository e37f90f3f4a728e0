"""`dlcourse export classroom ID --out DIR`: a starter repository for GitHub Classroom.

The repository holds what the student bundle holds for one assignment (built
by the same functions of `autograder.release`: the stub, its READMEs,
notebooks and hints; the package from the bundle's allowlist with the
PUBLIC checks only and the reference's recorded answers to them; the course
configuration), a student README in English and Korean, and
`.github/workflows/classroom.yml` in the convention of GitHub Classroom's
autograding actions: one set-up step, then one `autograding-command-grader`
test per task of the public checks, worth the task's public points, and the
`autograding-grading-reporter` step that sums them for Classroom. Each test
runs `dlcourse check ID --json` and `autograder.platforms.classroom.task`,
which exits 0 only when every public check of its task passed.

Nothing private goes in: the bundle's leak check (no hidden check, no mistake
spec, no solutions folder, no line of any reference solution in any file)
runs on the written folder before it is reported as done.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import yaml

from autograder import paths
from autograder.config import ConfigError, load_course, tomllib
from autograder.errors import UsageError
from autograder.platforms.classroom.readme import student_readme
from autograder.platforms.classroom.task import ClassroomTest

WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
CPU_TORCH = "https://download.pytorch.org/whl/cpu"
# Requirements `dlcourse check` never imports (the report's charts, the similarity report).
NOT_FOR_CHECKING = {"matplotlib", "copydetect"}
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
TASK_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")  # a function or Class.method
GITIGNORE = ".venv/\n__pycache__/\n*.pyc\n.ipynb_checkpoints/\n.dlcourse/\n"


@dataclass
class ClassroomExport:
    """What `export_classroom` wrote."""

    path: Path
    assignment: str
    torch: bool
    scale: int  # max_score = points * scale
    tests: list[ClassroomTest] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)


def public_points(assignment: str) -> dict[str, float]:
    """{task: points of its public checks}, in the checks' order."""
    from autograder.engine.catalog import collect

    points: dict[str, float] = defaultdict(float)
    for check in collect([assignment]):
        if not check.hidden:
            points[check.task] += check.points
    return {task: value for task, value in points.items() if value > 0}


def whole_points(points: dict[str, float]) -> int:
    """The smallest factor (up to 100) that makes every task's points whole."""
    for scale in range(1, 101):
        if all(abs(v * scale - round(v * scale)) < 1e-9 for v in points.values()):
            return scale
    denominators = [Fraction(v).limit_denominator(100).denominator for v in points.values()]
    raise ConfigError(
        f"task points {sorted(points.values())} cannot be made whole ({denominators})"
    )


def step_ids(tasks: list[str]) -> dict[str, str]:
    """A GitHub step id per task: lowercase letters, digits and hyphens, unique."""
    ids: dict[str, str] = {}
    for task in tasks:
        base = re.sub(r"[^a-z0-9]+", "-", task.lower()).strip("-") or "task"
        if not base[0].isalpha():
            base = f"task-{base}"
        ident, count = base, 1
        while ident in ids.values():
            count += 1
            ident = f"{base}-{count}"
        ids[task] = ident
    return ids


def requirements(root: Path, *, torch: bool) -> list[str]:
    """The package's own requirements that `dlcourse check` needs (torch only when `torch`)."""
    from packaging.requirements import Requirement

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = []
    for text in project.get("dependencies", []):
        name = Requirement(text).name.lower()
        if name in NOT_FOR_CHECKING or (name == "torch" and not torch):
            continue
        wanted.append(text)
    return wanted


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks (`run: |`), as people write workflows."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def setup_script(*, torch: bool, torch_index_url: str, constraints: bool) -> str:
    pins = "-c constraints.txt " if constraints else ""
    lines = ["python -m pip install --upgrade pip"]
    if torch:
        index = f"--index-url {torch_index_url} " if torch_index_url else ""
        lines.append(f"python -m pip install {pins}{index}torch")
    lines.append(f"python -m pip install {pins}-r requirements.txt")
    lines.append("python -m pip install --no-deps -e .")
    return "\n".join(lines) + "\n"


def workflow(
    assignment: str, tests: list[ClassroomTest], *, setup: str, python: str, timeout: int
) -> str:
    """The text of .github/workflows/classroom.yml."""
    steps: list[dict] = [
        {"name": "Check out the repository", "uses": "actions/checkout@v4"},
        {"name": "Set up Python", "uses": "actions/setup-python@v5", "with": {"python-version": python}},
        {"name": "Install the course's checker", "run": setup},
    ]  # fmt: skip
    for test in tests:
        steps.append(
            {
                "name": test.task,
                "id": test.step_id,
                "uses": COMMAND_GRADER,
                "with": {
                    "test-name": test.task,
                    "command": test.command,
                    "timeout": timeout,
                    "max-score": test.max_score,
                },
            }
        )
    steps.append(
        {
            "name": "Autograding Reporter",
            "uses": REPORTER,
            "env": {
                f"{t.step_id.upper()}_RESULTS": f"${{{{steps.{t.step_id}.outputs.result}}}}"
                for t in tests
            },
            "with": {"runners": ",".join(t.step_id for t in tests)},
        }
    )
    document = {
        "name": "Autograding Tests",
        "on": ["push", "repository_dispatch", "workflow_dispatch"],
        "permissions": {"checks": "write", "actions": "read", "contents": "read"},
        "jobs": {
            "run-autograding-tests": {
                "runs-on": "ubuntu-latest",
                "if": "github.actor != 'github-classroom[bot]'",
                "steps": steps,
            }
        },
    }
    header = (
        f"# GitHub Classroom autograding for {assignment}, written by "
        f"`dlcourse export classroom {assignment}`.\n"
        "# One test per task of the PUBLIC checks, worth the task's points when every check of\n"
        "# the task passes. The student's repository holds this file: its points are feedback;\n"
        "# the instructor's grade comes from `dlcourse grade` with the hidden checks.\n"
    )
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
    return header + body


def export_classroom(
    assignment: str,
    *,
    out: Path,
    root: Path | None = None,
    lang: str = "en",
    torch_index_url: str = CPU_TORCH,
    python: str = "3.11",
    timeout_minutes: int = 10,
) -> ClassroomExport:
    """Write the starter repository of `assignment` for GitHub Classroom into `out`.

    `lang` is the language of the checks' feedback in the workflow's log (the
    README is in English and Korean either way).
    """
    from autograder.engine.runner import ORACLE_FILE
    from autograder.release.bundle import (
        LeakError,
        copy_package,
        record_public_answers,
        verify_bundle,
    )
    from autograder.release.stubs import plan_assignment, write_plan

    course = load_course(root)
    spec = course.assignment(assignment)
    if not paths.has_solutions(assignment, course.root):
        raise ConfigError(f"{assignment}: no reference solution (solutions/{assignment})")
    if not (paths.checks_dir(assignment) / "test_public.py").is_file():
        raise ConfigError(f"{assignment}: no public checks (autograder/checks/{assignment})")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: choose a new one")
    if course.root.resolve().is_relative_to(out.resolve()):
        raise UsageError("the repository folder must not contain the course itself")
    points = public_points(assignment)
    if not points:
        raise ConfigError(f"{assignment}: its public checks are worth no points")
    odd = [task for task in points if not TASK_NAME.fullmatch(task)]
    if odd:
        raise ConfigError(f"{assignment}: task names {odd} cannot go into a shell command")
    scale = whole_points(points)
    ids = step_ids(list(points))
    language = f" --lang {lang}" if lang != "en" else ""
    tests = [
        ClassroomTest(
            task=task,
            step_id=ids[task],
            points=value,
            max_score=round(value * scale),
            command=(
                f"dlcourse check {assignment} --json{language} | "
                f"python -m autograder.platforms.classroom.task {task}"
            ),
        )
        for task, value in points.items()
    ]
    out.mkdir(parents=True, exist_ok=True)
    try:
        copy_package(out, [assignment])
        plan = plan_assignment(course.root / "solutions", assignment, spec.hints)
        write_plan(plan, out / "assignments" / assignment)
        record_public_answers(
            course, assignment, out / "autograder" / "checks" / assignment / ORACLE_FILE
        )
        (out / "course").mkdir()
        shutil.copy2(course.root / "course" / "course.toml", out / "course" / "course.toml")
        shutil.copy2(course.root / "pyproject.toml", out / "pyproject.toml")
        pins = course.root / ".ci" / "constraints.txt"
        if pins.is_file():
            shutil.copy2(pins, out / "constraints.txt")
        wanted = requirements(course.root, torch=spec.torch)
        (out / "requirements.txt").write_text("\n".join(wanted) + "\n", encoding="utf-8")
        setup = setup_script(
            torch=spec.torch, torch_index_url=torch_index_url, constraints=pins.is_file()
        )
        (out / WORKFLOW).parent.mkdir(parents=True)
        (out / WORKFLOW).write_text(
            workflow(assignment, tests, setup=setup, python=python, timeout=timeout_minutes),
            encoding="utf-8",
        )
        (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        (out / "README.md").write_text(
            student_readme(spec, tests, scale=scale, setup=setup), encoding="utf-8"
        )
        problems = verify_bundle(course, out)
        if problems:
            raise LeakError("the repository leaks private material:\n" + "\n".join(problems))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # never leave half a repository behind
        raise
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return ClassroomExport(out, assignment, spec.torch, scale, tests, files)
