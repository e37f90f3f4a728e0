"""Gradescope's autograder zip for one assignment, and the entry point it runs.

Gradescope unpacks the zip into /autograder/source, runs `setup.sh` there once
on its Ubuntu 22.04 image, then runs `/autograder/run_autograder` for every
submission (the student's files in /autograder/submission) and reads
/autograder/results/results.json. The zip holds:

    setup.sh, run_autograder       from templates/ (placeholders @NAME@)
    requirements.txt               the package's runtime requirements (torch only if needed)
    constraints.txt                the course's pins (torch==...)
    dlcourse/                      a course root: course/course.toml, solutions/ID/,
                                   the autograder package with the checks of ID only

The package runs from source (`dlcourse/` on PYTHONPATH), so the hidden checks,
the reference and the pytest configuration are exactly the ones exported.
"""

from __future__ import annotations

import argparse
import json
import os
import zipfile
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from autograder import paths
from autograder.config import Assignment, ConfigError, load_course
from autograder.messages import lines_from_json, lines_to_json, render_lines
from autograder.results import SubmissionResult, atomic_write_text

COURSE_DIR = "dlcourse"
# Files of the package and of the reference folder that grading reads.
_PACKAGE_SUFFIXES = {
    ".py",
    ".ini",
    ".npz",
    ".bin",
    ".json",
    ".yaml",
    ".toml",
    ".sh",
    ".html",
    ".css",
    ".js",
}
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
# Runtime requirements that grading never imports (matplotlib draws `dlcourse report`).
_NOT_FOR_GRADING = {"matplotlib", "copydetect"}  # charts and the similarity report: not for grading
_EXECUTABLE = 0o100755 << 16
_REGULAR = 0o100644 << 16


@dataclass
class GradescopeExport:
    """What `export_gradescope` wrote."""

    path: Path
    assignment: str
    torch: bool
    files: list[str] = field(default_factory=list)


def _template(name: str, values: dict[str, str]) -> str:
    text = (
        resources.files("autograder.platforms.gradescope")
        .joinpath("templates", name)
        .read_text("utf-8")
    )
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _walk(folder: Path, suffixes: set[str] | None) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or _SKIP_PARTS & set(rel.parts) or path.suffix == ".pyc":
            continue
        if suffixes is None or path.suffix in suffixes:
            found.append(path)
    return found


def package_files(assignment: str, root: Path) -> dict[str, Path]:
    """{name in the zip: file} of the course root that grading `assignment` needs."""
    files: dict[str, Path] = {}
    package = paths.PACKAGE_DIR
    for path in _walk(package, _PACKAGE_SUFFIXES):
        rel = path.relative_to(package)
        if rel.parts[0] == "checks" and len(rel.parts) > 2 and rel.parts[1] != assignment:
            continue  # other assignments' checks (and their mistake specs) stay out
        files[f"{COURSE_DIR}/autograder/{rel.as_posix()}"] = path
    solutions = paths.solutions_dir(root) / assignment
    for path in _walk(solutions, None):
        if path.suffix != ".ipynb":
            files[
                f"{COURSE_DIR}/solutions/{assignment}/{path.relative_to(solutions).as_posix()}"
            ] = path
    files[f"{COURSE_DIR}/course/course.toml"] = root / "course" / "course.toml"
    return files


def runtime_requirements(*, torch: bool) -> list[str]:
    """The package's own requirements, without extras; torch only when `torch`."""
    from packaging.requirements import Requirement

    wanted = []
    for text in metadata.requires("dlcourse") or []:
        requirement = Requirement(text)
        if requirement.marker is not None and "extra" in str(requirement.marker):
            continue
        if requirement.name.lower() == "torch" and not torch:
            continue
        if requirement.name.lower() in _NOT_FOR_GRADING:
            continue
        wanted.append(text)
    return wanted


def _constraints(root: Path) -> str:
    pins = root / ".ci" / "constraints.txt"
    if pins.is_file():
        return pins.read_text(encoding="utf-8")
    return "# no pins: the course has no .ci/constraints.txt\n"


def export_gradescope(
    assignment: str,
    *,
    out: Path,
    root: Path | None = None,
    torch_index_url: str = "",
) -> GradescopeExport:
    """Write Gradescope's autograder zip for `assignment` to `out`."""
    course = load_course(root)
    spec = course.assignment(assignment)
    if not paths.has_solutions(assignment, course.root):
        raise ConfigError(f"{assignment}: no reference solution (solutions/{assignment})")
    if not paths.checks_dir(assignment).is_dir():
        raise ConfigError(f"{assignment}: no checks (autograder/checks/{assignment})")
    values = {
        "ASSIGNMENT": assignment,
        "NEEDS_TORCH": "1" if spec.torch else "0",
        "TORCH_INDEX_URL": torch_index_url,
    }
    texts = {
        "setup.sh": _template("gradescope_setup.sh", values),
        "run_autograder": _template("gradescope_run_autograder.sh", values),
        "requirements.txt": "\n".join(runtime_requirements(torch=spec.torch)) + "\n",
        "constraints.txt": _constraints(course.root),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in texts.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = _EXECUTABLE if name in ("setup.sh", "run_autograder") else _REGULAR
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
            names.append(name)
        for name, path in package_files(assignment, course.root).items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = _REGULAR
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
            names.append(name)
    os.replace(tmp, out)
    return GradescopeExport(path=out, assignment=assignment, torch=spec.torch, files=names)


# ---------------------------------------------------------------------------
# Inside Gradescope: what run_autograder calls
# ---------------------------------------------------------------------------
def _shallowest(folder: Path, names: list[str]) -> Path | None:
    """The shallowest regular file below `folder` with one of `names` (macOS's litter aside)."""
    found = [
        path
        for name in names
        for path in folder.rglob(name)
        if path.is_file() and not path.is_symlink() and "__MACOSX" not in path.parts
    ]
    return min(found, key=lambda p: (len(p.parts), str(p))) if found else None


def submission_folder(folder: Path, assignment: Assignment) -> Path:
    """What of an upload is the submission, as a local batch would stage it.

    The folder that holds the module file(s) (the top, or the shallowest), else
    the one that holds the assignment's notebook, else the shallowest .zip
    uploaded: staged as `dlcourse grade` stages a zip (its module and helper
    files read from it in memory, within the same limits), never unpacked to disk.
    """
    folder = Path(folder)
    if any((folder / m).is_file() for m in assignment.modules):
        return folder
    for names in (list(assignment.modules), [f"{assignment.id}.ipynb"]):
        found = _shallowest(folder, names)
        if found is not None:
            return found.parent
    archive = _shallowest(folder, ["*.zip"])
    return archive if archive is not None else folder


def student_name(metadata_file: Path | None) -> str:
    """Who submitted (Gradescope's submission_metadata.json), for the grading seed."""
    if metadata_file is not None and Path(metadata_file).is_file():
        try:
            data = json.loads(Path(metadata_file).read_text(encoding="utf-8"))
            users = data.get("users") or []
            if users and isinstance(users[0], dict):
                user = users[0]
                for key in ("email", "sid", "name"):
                    if user.get(key):
                        return str(user[key])
        except (OSError, ValueError, AttributeError):
            pass
    return "submission"


def without_seed(result: SubmissionResult) -> None:
    """Take the seed out of the summary (`output`), which Gradescope shows the student at once.

    The seed stays in `extra_data` (the instructor's): with a course secret a student's
    seed is the same for every upload, and knowing it would give the next upload's inputs.
    """
    lines = [
        (indent, message)
        for indent, message in lines_from_json(result.extra.get("summary"))
        if message.id != "summary.seed"
    ]
    result.extra["summary"] = lines_to_json(lines)
    result.output = render_lines(lines)


def grade_for_gradescope(
    assignment: str,
    *,
    submission: Path,
    results: Path,
    metadata_file: Path | None = None,
    root: Path | None = None,
) -> SubmissionResult:
    """Grade one upload with public and hidden checks; write Gradescope's results.json."""
    from autograder.engine.grading import grade_submission
    from autograder.intake.staging import stage

    course = load_course(root)
    spec = course.assignment(assignment)
    student = student_name(metadata_file)
    staged = stage(student, submission_folder(submission, spec), spec)
    result = grade_submission(staged, assignment, include_hidden=True, root=course.root)
    without_seed(result)
    data = result.to_json()  # Gradescope's schema, as every results.json of the course
    data["extra_data"]["platform"] = "gradescope"
    atomic_write_text(Path(results), json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    """run_autograder's entry point; always leaves a results.json Gradescope can read."""
    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--metadata", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        result = grade_for_gradescope(
            args.assignment,
            submission=args.submission,
            results=args.results,
            metadata_file=args.metadata,
        )
    except Exception as exc:  # noqa: BLE001 - Gradescope must get a results.json
        failure = {
            "score": 0.0,
            "output": f"The autograder failed: {type(exc).__name__}: {exc}. "
            "Please tell your instructor.",
            "visibility": "visible",
            "tests": [],
            "extra_data": {"status": "error", "platform": "gradescope"},
        }
        atomic_write_text(args.results, json.dumps(failure, indent=2) + "\n")
        print(failure["output"])
        return 1
    print(result.output)
    return 0
