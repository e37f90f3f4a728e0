"""The issue-24 figures of the speed benchmark (`tests/benchmark.py --check-latency`,
`--all`): what a student waits for, and every assignment's grading cost.

Not tests: the benchmark script imports this (it runs as a script, so this
folder is on its path).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from benchtools import (
    BASE_COPIES,
    BIN,
    ENV,
    ROOT,
    TreeWatch,
    copies_of_reference,
    dlcourse,
    full_marks,
    load_average,
    median,
    run_once,
    timed,
)

# ---------------------------------------------------------------------------
# What a student waits for: `dlcourse check` against its floor
# ---------------------------------------------------------------------------
# The floor of a checker of each kind: its interpreter and the imports it cannot do without.
YARDSTICK = {False: "import numpy, pytest", True: "import torch"}
RATIO_TARGET = 1.5  # numpy assignments: check wall / the yardstick's
ABOVE_TARGET_S = 1.0  # torch assignments: check wall - `python -c "import torch"`


def bench_check_latency(assignments: list[str], pairs: int, bundle: Path | None = None) -> None:
    """Median wall of `dlcourse check ID --path solutions/ID` against its yardstick, run in
    turn (A B A B ...) so that the machine's drift cancels out of each pair's ratio.

    With `bundle` (a student bundle, `build_bundle`), the check runs from inside it, as a
    student's does: the public checks with their recorded answers, no reference solution
    in the grader (`python -m autograder.cli` there, so that the bundle's copy is the one run).
    """
    from autograder.config import load_course

    course = load_course(ROOT)
    # compiled modules are cached (a warm-up run writes them), as in any installed package
    env = {k: v for k, v in ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    where = ROOT
    if bundle is not None:
        env["DLCOURSE_ROOT"] = str(bundle)
        where = bundle
    print(
        f"check latency{' in the student bundle' if bundle else ''}: dlcourse check ID --path "
        f"solutions/ID against its yardstick, {pairs} pairs in turn, medians "
        f"({os.cpu_count()} cores, load average {load_average()} before)"
    )
    for assignment in assignments:
        torch = course.assignment(assignment).torch
        solution = str(ROOT / "solutions" / assignment)
        check = [str(BIN / "dlcourse"), "check", assignment, "--path", solution]
        if bundle is not None:
            check = [
                sys.executable,
                "-m",
                "autograder.cli",
                "check",
                assignment,
                "--path",
                solution,
            ]
        yardstick = [sys.executable, "-c", YARDSTICK[torch]]
        for command in (check, yardstick, check):  # warm-up: compiled modules, caches
            run_once(command, env, where)
        pairs_run = [
            (run_once(check, env, where), run_once(yardstick, env, where)) for _ in range(pairs)
        ]
        failed = sum(1 for (_, _, code), _ in pairs_run if code != 0)
        a = median([run[0] for run, _ in pairs_run])
        b = median([run[0] for _, run in pairs_run])
        cpu = median([run[1] for run, _ in pairs_run])
        if torch:
            above = median([x[0] - y[0] for x, y in pairs_run])
            verdict = f"{above:+.3f} s above it (target <= +{ABOVE_TARGET_S:.1f} s)"
        else:
            ratio = median([x[0] / y[0] for x, y in pairs_run])
            verdict = f"ratio {ratio:.2f} (target <= {RATIO_TARGET})"
        print(
            f"  {assignment:12s} check {a:.3f} s (grader {cpu:.3f} core-s), python -c "
            f"{YARDSTICK[torch]!r} {b:.3f} s: {verdict}"
            + (f"; {failed} runs did NOT exit 0" if failed else "")
        )
    print(f"  (load average {load_average()} after)")


# ---------------------------------------------------------------------------
# Every assignment's grading cost, one table
# ---------------------------------------------------------------------------
BUDGET = {"transformer": 0.8}  # core-seconds per submission; every other assignment: 1.0


def grade_costs(assignment: str, count: int, work: Path) -> dict[str, float | str]:
    """`dlcourse grade --jobs 1` over BASE_COPIES and `count` copies of the reference."""
    runs = {}
    for label, n in (("base", BASE_COPIES), ("all", count)):
        subs = copies_of_reference(assignment, n, work / label)
        out = work / f"out-{assignment}-{label}"
        command = dlcourse("grade", assignment, str(subs), "--out", str(out), "--jobs", "1")
        seconds, _, _, watch = timed(command)
        runs[label] = (seconds, watch, out)
    (t_all, w_all, out), (t_base, w_base, _) = runs["all"], runs["base"]
    more = count - BASE_COPIES

    def marginal(kind: str) -> float:
        return (w_all.cpu(kind) - w_base.cpu(kind)) / more

    def total(watch: TreeWatch) -> float:
        # the grader's processes as the system counts them, the sandbox as sampled: bubblewrap
        # reports a sandboxed program's end without being its reaper, so its CPU never
        # reaches the grader's count of its children
        return watch.tree_cpu + watch.cpu("sandbox")

    return {
        "wall": t_all / count,
        "wall_marginal": (t_all - t_base) / more,
        "cpu": total(w_all) / count,
        "cpu_marginal": (total(w_all) - total(w_base)) / more,
        "grader": marginal("main") + marginal("grader"),
        "sandbox": marginal("sandbox"),
        "marks": full_marks(out),
    }


def bench_all(copies: int, torch_copies: int, work: Path) -> None:
    """One line per assignment: wall and core-seconds per submission, overall and marginal."""
    from autograder.config import load_course

    course = load_course(ROOT)
    print(
        f"every assignment, dlcourse grade --jobs 1, {copies} copies of the reference "
        f"({torch_copies} for torch assignments), public + hidden checks; "
        f"{os.cpu_count()} cores, load average {load_average()} before"
    )
    print(
        "  assignment     wall s/sub          core-s/sub          marginal core-s   budget\n"
        "                 overall  marginal   overall  marginal   grader  sandbox"
    )
    for assignment, spec in course.assignments.items():
        count = torch_copies if spec.torch else copies
        row = grade_costs(assignment, count, work / assignment)
        budget = BUDGET.get(assignment, 1.0)
        worst = max(float(row["cpu"]), float(row["cpu_marginal"]))
        print(
            f"  {assignment:14s} {row['wall']:7.3f}  {row['wall_marginal']:8.3f}   "
            f"{row['cpu']:7.3f}  {row['cpu_marginal']:8.3f}   {row['grader']:6.3f}  "
            f"{row['sandbox']:7.3f}   {budget:.1f} {'ok' if worst <= budget else 'OVER'}"
            f"  ({row['marks']})"
        )
    print(f"  (load average {load_average()} after)")
