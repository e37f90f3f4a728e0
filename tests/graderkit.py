"""Helpers the project's tests share: grade a folder, build mutants and bundles."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from autograder.config import load_course
from autograder.engine.grading import grade_submission
from autograder.intake.staging import stage
from autograder.results import SubmissionResult

ROOT = Path(__file__).resolve().parents[1]


def grade_folder(
    assignment: str, folder: Path, *, hidden: bool = True, seed: int = 7, student: str = "student"
) -> SubmissionResult:
    spec = load_course(ROOT).assignment(assignment)
    return grade_submission(
        stage(student, Path(folder), spec), assignment, seed=seed, include_hidden=hidden, root=ROOT
    )


@cache
def reference_result(assignment: str) -> SubmissionResult:
    return grade_folder(assignment, ROOT / "solutions" / assignment)


@cache
def stub_result(assignment: str) -> SubmissionResult:
    return grade_folder(assignment, ROOT / "assignments" / assignment)


def mutant_folder(assignment: str, mistake: object) -> Path:
    """A submission folder holding the reference with `mistake` written in."""
    from autograder.checkkit.mutants import mutant_source, reference_path

    folder = Path(tempfile.mkdtemp(prefix=f"mutant-{assignment}-")) / "student"
    folder.mkdir(parents=True)
    source = reference_path(assignment, mistake, ROOT).read_text(encoding="utf-8")  # type: ignore[arg-type]
    target = folder / f"{getattr(mistake, 'module', None) or assignment}.py"
    target.write_text(mutant_source(source, mistake), encoding="utf-8")  # type: ignore[arg-type]
    # the reference's other modules come along unchanged (vit and bert import transformer.py)
    for module in sorted((ROOT / "solutions" / assignment).glob("*.py")):
        if module.name != target.name:
            (folder / module.name).write_bytes(module.read_bytes())
    return folder


def failures(result: SubmissionResult) -> str:
    return "\n".join(
        f"- {t.name} ({t.task}): {t.output[:400]}" for t in result.tests if t.status != "passed"
    )


@cache
def check_points(assignment: str) -> tuple[float, float]:
    """(public, hidden) points of an assignment, summed from its checks' markers."""
    from autograder.engine.commands import collect_points

    entry = collect_points([assignment])[assignment]
    return entry["public"], entry["hidden"]
