"""Release: what students get, made from solutions/ (the source of truth).

- `stubs`: assignments/ID generated from solutions/ID (stubs, notebooks per
  language with their hint cells, every other file), and how they drift apart;
- `notebooks`: one bilingual source notebook, one notebook per language;
- `hints`: the hint ladders, as much of them as the course gives;
- `bundle`: the student bundle, built from an allowlist and checked for leaks;
- `extract`: every message catalog (what ships with the feedback) in step with the code.

`release` is what `dlcourse release` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder import paths
from autograder.config import load_course


@dataclass
class ReleaseReport:
    check_only: bool
    # (assignment, files written, differences found by --check)
    assignments: list[tuple[str, int, list[str]]] = field(default_factory=list)
    bundle: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [problem for _, _, drift in self.assignments for problem in drift]

    @property
    def ok(self) -> bool:
        return not self.problems


def release(
    assignments: list[str],
    *,
    out: Path | None = None,
    check_only: bool = False,
    root: Path | None = None,
) -> ReleaseReport:
    """Regenerate assignments/ (or, with `check_only`, compare), then maybe build the bundle."""
    from autograder.release.stubs import drift, plan_assignment, write_plan

    course = load_course(root)
    ids = assignments or [a for a in course.assignments if paths.has_solutions(a, course.root)]
    report = ReleaseReport(check_only=check_only)
    for ident in ids:
        course.assignment(ident)
        plan = plan_assignment(course.root / "solutions", ident, course.assignment(ident).hints)
        target = course.root / "assignments" / ident
        if check_only:
            report.assignments.append((ident, 0, drift(plan, target)))
        else:
            report.assignments.append((ident, len(write_plan(plan, target)), []))
    if out is not None and not check_only:
        from autograder.release.bundle import build_bundle

        report.bundle = build_bundle(course, Path(out), ids)
    return report
