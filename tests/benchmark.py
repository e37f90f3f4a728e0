"""Speed figures of the grader (a script that prints numbers, not a test).

    .venv/bin/python tests/benchmark.py [--copies 20] [--torch-copies 12] [--no-nbgrader]
    .venv/bin/python tests/benchmark.py --assignment vit [--assignment bert] [--torch-copies 12]
    .venv/bin/python tests/benchmark.py --check-latency [--pairs 11] [--assignment ID ...] [--bundle]
    .venv/bin/python tests/benchmark.py --all [--copies 12] [--torch-copies 8]

--check-latency prints what a student waits for: the median wall time of
`dlcourse check ID --path solutions/ID` (conv and transformer by default) and
of its yardstick, run in turn: `python -c "import numpy, pytest"` (the floor of
any pytest-based checker) for a numpy assignment, with the ratio of each pair;
`python -c "import torch"` for a torch one, with the difference. The targets
(issue 24): a ratio of at most 1.5, at most 1.0 s above the torch import.
With --bundle the checks run from inside a student bundle built for the run
(what a student has: recorded answers, no reference solution in the grader).

--all prints one table, every assignment at --jobs 1: wall and core-seconds
per submission, overall (T(N) / N) and marginal ((T(N) - T(2)) / (N - 2)),
the marginal core-seconds of the grader's processes and of the sandbox, and
the assignment's budget (issue 24: 0.8 core-s for transformer, 1.0 for every
other). Core-seconds are the system's count for the grader's processes plus the
sandbox's, sampled from /proc (a zygote with the workers it forked and
reaped): bubblewrap reports a sandboxed program's end without being its
reaper, so the sandbox's CPU never reaches the grader's count of its
children.

Without either, it prints, in one run:

- seconds per submission of `dlcourse grade` for conv and for transformer over
  N copies of the reference (public and hidden checks), with --jobs 1 and
  --jobs 2: overall (wall / N) and marginal ((T(N) - T(2)) / (N - 2): one more
  submission once grading processes, zygotes and collected checks exist), and
  the scaling ratio of the marginal figures (--jobs 1 over --jobs 2);
- the CPU seconds per submission (core-seconds, marginal, less sensitive than
  wall time to other load) of the main process, the grading processes and the
  sandbox (zygotes with the workers they forked, or cold workers), sampled
  from /proc over the run's process tree;
- the peak memory per worker of each run: the largest grading process and
  the largest sandboxed worker (VmHWM, sampled over the run's process tree);
- the cost of one sandboxed worker (start, import the reference, close),
  warm (a zygote's child: the default where bubblewrap runs) and cold
  (DLCOURSE_WARM=0: bubblewrap and a new interpreter per submission), the
  zygote's own start, and the peak memory of the zygote and of its child,
  per assignment;
- when nbgrader is installed: `nbgrader autograde` on the same conv checks
  (the exported course, `dlcourse export nbgrader`; its test cells run the
  checks in nbgrader's own kernel through `autograder.platforms.nbgrader.cells`, they do
  not call `dlcourse grade`), marginal per submission, next to `dlcourse grade`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchcosts import bench_all, bench_check_latency
from benchtools import (
    BASE_COPIES,
    BIN,
    ENV,
    ROOT,
    children_of,
    copies_of_reference,
    descendants,
    dlcourse,
    full_marks,
    is_python,
    median,
    parent_of,
    peak_mb,
    timed,
)


def bench_grade(assignment: str, count: int, work: Path) -> dict[int, float]:
    """s/submission over `count` copies, and the marginal cost with the fixed costs taken out.

    The marginal figure is (T(count) - T(2)) / (count - 2): what one more
    submission costs once the grading processes, their zygotes and their
    collected checks exist (a course's batch is hundreds of submissions).
    """
    subs = copies_of_reference(assignment, count, work)
    base = copies_of_reference(assignment, BASE_COPIES, work / "base")
    per: dict[int, float] = {}
    print(f"{assignment}: dlcourse grade, {count} copies of the reference (public + hidden)")
    for jobs in (1, 2):
        runs = {}
        for label, folder, n in (("base", base, BASE_COPIES), ("all", subs, count)):
            out = work / f"out-{assignment}-{jobs}-{label}"
            runs[label] = (
                *timed(
                    dlcourse(
                        "grade", assignment, str(folder), "--out", str(out), "--jobs", str(jobs)
                    )
                ),
                out,
                n,
            )
        seconds, main_peak, _, watch, out, _ = runs["all"]
        base_seconds, _, _, base_watch, _, _ = runs["base"]
        marginal = (seconds - base_seconds) / (count - BASE_COPIES)
        per[jobs] = marginal
        grader = max(watch.peak("grader"), main_peak if jobs == 1 else 0.0)
        parts = {
            kind: (watch.cpu(kind) - base_watch.cpu(kind)) / (count - BASE_COPIES)
            for kind in ("main", "grader", "sandbox")
        }
        cpu = (
            f"\n             CPU {sum(parts.values()):.3f} core-s/submission marginal "
            f"(main process {parts['main']:.3f}, grading processes {parts['grader']:.3f}, "
            f"sandbox {parts['sandbox']:.3f}); {watch.cpu() / count:.3f} overall"
        )
        print(
            f"  --jobs {jobs}: {seconds:6.1f} s wall, {seconds / count:.3f} s/submission overall, "
            f"{marginal:.3f} s/submission marginal (fixed {base_seconds - BASE_COPIES * marginal:.1f} s) "
            f"({full_marks(out)}){cpu}\n"
            f"             peak memory per worker: grading process {grader:.0f} MB, "
            f"sandboxed worker {watch.peak('worker'):.0f} MB (RSS; a zygote's child shares its pages)"
        )
    print(f"  scaling --jobs 2 over --jobs 1 (marginal): {per[1] / per[2]:.2f}x")
    return per


def bench_worker(assignment: str, rounds: int) -> None:
    """One sandboxed worker: start it, import the reference, answer nothing, close it."""
    from autograder.config import load_course
    from autograder.sandbox import warm
    from autograder.sandbox.host import Limits
    from autograder.sandbox.submission import Submission, SubmissionSpec

    course = load_course(ROOT)
    spec_of = course.assignment(assignment)
    spec = SubmissionSpec(
        folder=ROOT / "solutions" / assignment,
        modules=spec_of.module_stems,
        forbidden=spec_of.forbidden,
        timeout_s=spec_of.timeout_s,
        import_timeout_s=spec_of.import_timeout_s,
        limits=Limits(memory_mb=spec_of.memory_mb),
        secrets=(course.root,),
        preload=spec_of.preload,
    )

    def median_ms(values: list[float]) -> float:
        return median(values) * 1000

    for mode in ("1", "0"):
        os.environ["DLCOURSE_WARM"] = mode
        warm.close_all()
        starts, closes, peaks, zygote_peak, first = [], [], [], 0.0, 0.0
        for round_ in range(rounds + 1):
            sub = Submission(spec)
            started = time.perf_counter()
            sub._ensure()  # start the worker and import the submission (what a first check pays)
            seconds = time.perf_counter() - started
            worker = sub.worker
            if worker.zygote is not None and worker.zygote.proc is not None:
                tree = descendants(worker.zygote.proc.pid)
                # the zygote is the Python whose parent is bubblewrap; the worker, a leaf
                zygote = [p for p in tree if is_python(p) and not is_python(parent_of(p))]
                zygote_peak = max(zygote_peak, peak_mb(zygote))
                peaks.append(peak_mb([p for p in tree if is_python(p) and not children_of(p)]))
            elif worker.proc is not None:
                peaks.append(peak_mb(descendants(worker.proc.pid) + [worker.proc.pid]))
            started = time.perf_counter()
            sub.close()
            if round_ == 0:
                first = seconds  # a warm run's first start includes the zygote's
                continue
            starts.append(seconds)
            closes.append(time.perf_counter() - started)
        label = "warm" if mode == "1" and warm.enabled() else "cold"
        extra = ""
        if label == "warm":
            extra = f"; zygote start {first * 1000 - median_ms(starts):.0f} ms, zygote peak {zygote_peak:.0f} MB"
        print(
            f"  {assignment:12s} {label}: start+import {median_ms(starts):6.1f} ms, "
            f"close {median_ms(closes):5.1f} ms (median of {rounds}), "
            f"worker peak {max(peaks):.0f} MB{extra}"
        )
    os.environ.pop("DLCOURSE_WARM", None)
    warm.close_all()


def _nbgrader_run(count: int, course: Path) -> tuple[float, float] | None:
    """(wall seconds, largest process MB) of `nbgrader autograde` on `count` reference notebooks."""
    _, _, code, _ = timed(dlcourse("export", "nbgrader", "conv", "--out", str(course)))
    if code != 0:
        print("  export failed; skipped")
        return None
    timed([str(BIN / "nbgrader"), "generate_assignment", "conv"], cwd=course)
    source = course / "source" / "conv" / "conv.ipynb"
    for index in range(count):
        folder = course / "submitted" / f"student{index:03d}" / "conv"
        folder.mkdir(parents=True)
        shutil.copy(source, folder / "conv.ipynb")
    seconds, peak, code, watch = timed([str(BIN / "nbgrader"), "autograde", "conv"], cwd=course)
    if code != 0:
        print(f"  nbgrader autograde exited {code}; figures not comparable")
        return None
    return seconds, max(peak, watch.peak("grader"))


def bench_nbgrader(count: int, work: Path, dlcourse_per: float) -> None:
    """nbgrader's marginal s/submission on the same conv checks, next to dlcourse's."""
    if shutil.which("nbgrader", path=ENV["PATH"]) is None:
        print("nbgrader side-by-side: nbgrader is not installed (pip install nbgrader)")
        return
    print(f"nbgrader side-by-side, conv, {count} notebooks of the reference:")
    base = _nbgrader_run(BASE_COPIES, work / "nbgrader-base")
    full = _nbgrader_run(count, work / "nbgrader-course")
    if base is None or full is None:
        return
    per = (full[0] - base[0]) / (count - BASE_COPIES)
    print(
        f"  nbgrader autograde: {full[0]:6.1f} s wall, {full[0] / count:.3f} s/submission overall, "
        f"{per:.3f} s/submission marginal (checks in nbgrader's kernel), largest process {full[1]:.0f} MB"
    )
    print(
        f"  dlcourse grade --jobs 1 is {per / dlcourse_per:.1f}x faster per submission (marginal)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20, help="conv submissions")
    parser.add_argument("--torch-copies", type=int, default=12, help="transformer submissions")
    parser.add_argument("--rounds", type=int, default=5, help="worker starts to time")
    parser.add_argument("--no-nbgrader", action="store_true")
    parser.add_argument(
        "--assignment",
        action="append",
        metavar="ID",
        help="measure only this assignment (repeatable): --torch-copies copies of a torch "
        "assignment's reference, --copies of a numpy one, and one worker's cost",
    )
    parser.add_argument(
        "--check-latency",
        action="store_true",
        help="only: dlcourse check on conv and transformer (or each --assignment) against "
        "python -c 'import numpy, pytest' / 'import torch', in turn",
    )
    parser.add_argument("--pairs", type=int, default=11, help="runs of each, for --check-latency")
    parser.add_argument(
        "--bundle",
        action="store_true",
        help="with --check-latency: check from inside a student bundle (recorded answers, "
        "no reference solution), as a student does",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="only: one table of every assignment's cost per submission at --jobs 1",
    )
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if options.check_latency:
        chosen = options.assignment or ["conv", "transformer"]
        if not options.bundle:
            bench_check_latency(chosen, options.pairs)
            return
        from autograder.config import load_course
        from autograder.release.bundle import build_bundle

        course = load_course(ROOT)
        bundle = Path(tempfile.mkdtemp(prefix="dlcourse-bench-bundle-")) / "bundle"
        try:
            build_bundle(course, bundle, list(course.assignments))
            bench_check_latency(chosen, options.pairs, bundle)
        finally:
            shutil.rmtree(bundle.parent, ignore_errors=True)
        return
    work = Path(tempfile.mkdtemp(prefix="dlcourse-bench-"))
    if options.all:
        try:
            bench_all(options.copies, options.torch_copies, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    if options.assignment:
        from autograder.config import load_course

        course = load_course(ROOT)
        try:
            for assignment in options.assignment:
                torch = course.assignment(assignment).torch
                bench_grade(assignment, options.torch_copies if torch else options.copies, work)
            print("one sandboxed worker (start, import the reference, close), in this process:")
            for assignment in options.assignment:
                bench_worker(assignment, options.rounds)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        conv = bench_grade("conv", options.copies, work)
        bench_grade("transformer", options.torch_copies, work)
        print("one sandboxed worker (start, import the reference, close), in this process:")
        for assignment in ("conv", "transformer"):
            bench_worker(assignment, options.rounds)
        if not options.no_nbgrader:
            bench_nbgrader(options.copies, work, conv[1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
