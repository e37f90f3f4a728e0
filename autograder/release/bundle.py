"""The student bundle: what a course hands to students or a self-taught learner.

It holds the assignments (stubs, READMEs, notebooks), the grading engine with
the PUBLIC checks and the reference's recorded answers to them, the course
configuration and the quizzes without their answer keys. The package is
copied from an allowlist (`PACKAGE_FILES`, `PACKAGE_FOLDERS`, and of each
bundled assignment's checks everything but its `private/` folder), so a new
private file never ships by accident. It holds no solution code, no hidden
check, no known-mistake spec and no private catalog; `build_bundle` verifies
that and says so. The hint ladders ship as far as the course gives them; only
their formula levels may repeat a line of the reference (that is what a
formula level is for), and the leak check reads everything else.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from autograder import paths
from autograder.config import Course
from autograder.errors import CourseError, UsageError
from autograder.release.hints import HINTS_FILE, parse_ladders
from autograder.release.stubs import plan_assignment, write_plan
from autograder.solutions import solution_lines

# What of the package ships: these modules, these folders (whole), and of the checks
# the shared files and each bundled assignment's folder without `private/`.
PACKAGE_FILES = (
    "__init__.py", "config.py", "errors.py", "messages.py", "paths.py", "results.py",
    "solutions.py",
)  # fmt: skip
PACKAGE_FOLDERS = (
    "checkkit", "cli", "engine", "feedback", "gradebook", "intake", "platforms", "quiz",
    "release", "report", "sandbox",
)  # fmt: skip
CHECKS_FILES = ("__init__.py", "pytest.ini", "AUTHORING.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
# Names that may never appear in a bundle, whatever the allowlists say.
PRIVATE_NAMES = (paths.PRIVATE, "test_hidden*.py", "mistakes.py")


def copy_package(out: Path, assignments: list[str]) -> None:
    """The package's allowlisted files into `out/autograder`."""
    target = out / "autograder"
    target.mkdir(parents=True)
    for name in PACKAGE_FILES:
        shutil.copy2(paths.PACKAGE_DIR / name, target / name)
    for name in PACKAGE_FOLDERS:
        shutil.copytree(paths.PACKAGE_DIR / name, target / name, ignore=IGNORED)
    checks = target / "checks"
    checks.mkdir()
    for name in CHECKS_FILES:
        shutil.copy2(paths.CHECKS_DIR / name, checks / name)
    public_only = shutil.ignore_patterns("__pycache__", "*.pyc", paths.PRIVATE)
    for assignment in assignments:
        if paths.checks_dir(assignment).is_dir():
            shutil.copytree(paths.checks_dir(assignment), checks / assignment, ignore=public_only)


STUDENT_README = """# {name}: student bundle

Everything you need to do the assignments and take the quizzes on your own machine.

Set up once (Python 3.10 or newer):

    python3 -m venv .venv && .venv/bin/pip install -e .

Then, for each assignment:

- read `assignments/ID/README.md`, fill in the blanks of `assignments/ID/ID.py`
  (look for `# YOUR CODE HERE`), and walk through `assignments/ID/ID.ipynb`;
- self-check: `.venv/bin/dlcourse check ID` runs the public checks and explains
  every failure. Your instructor's grading adds hidden checks with other inputs.

Quizzes: `.venv/bin/dlcourse quiz list`, then `.venv/bin/dlcourse quiz take QUIZ --lang en` (or `ko`).

Two languages: every assignment comes in English and in Korean. Pick one per file;
the module `ID.py` is the same for both.

- English: `assignments/ID/README.md` and `assignments/ID/ID.ipynb`;
- 한국어: `assignments/ID/README.ko.md`와 `assignments/ID/ID.ko.ipynb`,
  퀴즈는 `--lang ko`, 자가 점검 피드백은 `.venv/bin/dlcourse check ID --lang ko`
  (또는 한 번 `export DLCOURSE_LANG=ko`로 설정).

Assignments: {assignments}.
"""


class LeakError(CourseError, RuntimeError):
    """Something private was found in the bundle."""


def record_public_answers(course: Course, assignment: str, target: Path) -> tuple[int, int]:
    """Run the public checks on the reference in record mode; save the answers to `target`."""
    from autograder.checkkit import RecordingOracle
    from autograder.engine.runner import run_checks
    from autograder.intake.staging import stage

    spec = course.assignment(assignment)
    oracle = RecordingOracle(assignment, module=spec.module_stems[0])
    staged = stage("reference", course.root / "solutions" / assignment, spec)
    with staged.materialised() as folder:
        results, _, log = run_checks(
            course, spec, folder, seed=0, include_hidden=False, oracle=oracle
        )
    failed = [r for r in results if r.status != "passed"]
    if failed or not results:
        details = "; ".join(f"{r.name}: {r.output[:200]}" for r in failed) or log[-500:]
        raise RuntimeError(f"the reference fails public checks of {assignment}: {details}")
    target.parent.mkdir(parents=True, exist_ok=True)
    oracle.save(target)
    return len(results), len(oracle.answers)


def build_bundle(course: Course, out: Path, assignments: list[str]) -> list[str]:
    """Write the student bundle to `out` (replacing it); return report lines."""
    from autograder.engine.runner import ORACLE_FILE

    if out.resolve() == course.root.resolve() or course.root.resolve().is_relative_to(
        out.resolve()
    ):
        raise UsageError("the bundle folder must not contain the course itself")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    report: list[str] = []
    copy_package(out, assignments)
    for assignment in assignments:
        write_plan(
            plan_assignment(
                course.root / "solutions", assignment, course.assignment(assignment).hints
            ),
            out / "assignments" / assignment,
        )
        if (paths.checks_dir(assignment) / "test_public.py").is_file():
            checks, answers = record_public_answers(
                course, assignment, out / "autograder" / "checks" / assignment / ORACLE_FILE
            )
            report.append(
                f"{assignment}: stub, README, notebook; {checks} public checks, {answers} recorded answers"
            )
        else:
            report.append(f"{assignment}: stub, README, notebook (no checks yet)")
    # course files: configuration, docs, quizzes without keys
    (out / "course").mkdir()
    shutil.copy2(course.root / "course" / "course.toml", out / "course" / "course.toml")
    docs = course.root / "course" / "docs"
    if docs.is_dir():
        shutil.copytree(docs, out / "course" / "docs", ignore=IGNORED)
    quizzes = course.root / "course" / "quizzes"
    if quizzes.is_dir():
        from autograder.quiz.bank import write_student_banks

        written = write_student_banks(quizzes, out / "course" / "quizzes")
        report.append(f"quizzes: {len(written)} bank(s), answer keys removed")
    shutil.copy2(course.root / "pyproject.toml", out / "pyproject.toml")
    listing = ", ".join(assignments)
    (out / "README.md").write_text(
        STUDENT_README.format(name=course.name, assignments=listing), encoding="utf-8"
    )
    problems = verify_bundle(course, out)
    if problems:
        raise LeakError("the bundle leaks private material:\n" + "\n".join(problems))
    report.append(
        f"verified: no solutions/ folder, no hidden checks, no mistake specs, and none of the "
        f"{len(_all_solution_lines(course))} solution lines appears in any of the bundle's files"
    )
    report.append(f"bundle written to {out}")
    return report


def _all_solution_lines(course: Course) -> set[str]:
    found: set[str] = set()
    for path in (course.root / "solutions").rglob("*.py"):
        found.update(solution_lines(path.read_text(encoding="utf-8")))
    for path in (course.root / "solutions").rglob("*.ipynb"):
        found.update(solution_lines(path.read_text(encoding="utf-8")))
    return found


def without_formula_hints(path: Path, text: str) -> str:
    """`text` without what a hint's formula level says (the one place a formula may stand)."""
    if path.name == HINTS_FILE:
        ladders = parse_ladders(text, str(path))
        return "\n".join(
            level.text[lang]
            for levels in ladders.values()
            for level in levels
            if not level.formula
            for lang in sorted(level.text)
        )
    if path.suffix == ".ipynb":
        notebook = json.loads(text)
        notebook["cells"] = [
            cell
            for cell in notebook.get("cells", [])
            if not cell.get("metadata", {}).get("dlcourse", {}).get("hint", {}).get("formula")
        ]
        return json.dumps(notebook, ensure_ascii=False)
    return text


def verify_bundle(course: Course, out: Path) -> list[str]:
    """Every way the bundle could leak: private files, or any solution line in any file."""
    problems: list[str] = []
    lines = _all_solution_lines(course)
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_dir():
            if path.name == "solutions":
                problems.append(f"{rel}: a solutions folder")
            continue
        if any(path.match(pattern) for pattern in PRIVATE_NAMES):
            problems.append(f"{rel}: a private check file")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        text = without_formula_hints(path, text)
        for line in lines:
            if line in text:
                problems.append(f"{rel}: contains the solution line {line!r}")
                break
    return problems
