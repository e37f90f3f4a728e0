"""Speed figures of the grader (a script that prints numbers, not a test).

    .venv/bin/python tests/benchmark.py [--copies 20] [--torch-copies 12] [--no-nbgrader]
    .venv/bin/python tests/benchmark.py --assignment vit [--assignment bert] [--torch-copies 12]

Prints, in one run:

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
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "DLCOURSE_ROOT": str(ROOT),
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
}


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, reaped: bool = False) -> float:
    """utime + stime of `pid` (and, with `reaped`, of the children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    used = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped:
        used += int(fields[13]) + int(fields[14])  # cutime, cstime
    return used / TICK


class TreeWatch(threading.Thread):
    """Samples the peak RSS (VmHWM) and the CPU time of every process below `pid` until it exits.

    Sandboxed workers (their command runs `worker.py` or `zygote.py`) and
    grading processes (everything else that is Python) are kept apart; short-lived
    workers between two samples may be missed, so the worker figure is a lower bound.
    CPU: each process's own time, its last sample (up to one interval short, the
    same for every run: it cancels out of a marginal figure); a zygote's includes
    the children it forked and reaped (the submissions' workers).
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, tuple[str, float]] = {}
        self.cpu_of: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for child in [self.pid, *_descendants(self.pid)]:
                try:
                    argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"python" not in argv[0]:
                    continue  # bubblewrap's own processes name python only in their arguments
                sandboxed = any(b"worker.py" in a or b"zygote.py" in a for a in argv)
                kind = "worker" if sandboxed else "grader"
                peak = _peak_mb([child])
                if peak > self.peaks.get(child, ("", 0.0))[1]:
                    self.peaks[child] = (kind, peak)
                if child == self.pid:
                    self.cpu_of[child] = ("main", _cpu_seconds(child))
                elif not sandboxed:
                    self.cpu_of[child] = ("grader", _cpu_seconds(child))
                elif not _is_python(_parent(child)):  # a zygote or a cold worker, not a fork
                    self.cpu_of[child] = ("sandbox", _cpu_seconds(child, reaped=True))
            time.sleep(0.02)

    def peak(self, kind: str) -> float:
        return max((mb for k, mb in self.peaks.values() if k == kind), default=0.0)

    def cpu(self, kind: str | None = None) -> float:
        return sum(s for k, s in self.cpu_of.values() if kind is None or k == kind)


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, float, int, TreeWatch]:
    """(wall seconds, peak RSS in MB of the run's main process, exit code, its tree's watch)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    watch = TreeWatch(proc.pid)
    watch.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    watch.done.set()
    watch.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        print(f"    ! {' '.join(command[:4])} exited {proc.returncode}: {err.decode()[-500:]}")
    return seconds, usage.ru_maxrss / 1024, proc.returncode, watch


def dlcourse(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", *args]


def copies_of_reference(assignment: str, count: int, into: Path) -> Path:
    from autograder.config import load_course

    spec = load_course(ROOT).assignment(assignment)
    subs = into / f"subs-{assignment}"
    for index in range(count):
        folder = subs / f"student{index:03d}"
        folder.mkdir(parents=True)
        for stem in spec.module_stems:
            shutil.copy(ROOT / "solutions" / assignment / f"{stem}.py", folder / f"{stem}.py")
        for helper in (ROOT / "solutions" / assignment).glob("*.py"):  # vit, bert: transformer.py
            if not (folder / helper.name).exists():
                shutil.copy(helper, folder / helper.name)
    return subs


def full_marks(out: Path) -> str:
    """'all N at full marks' or what was not, from the run's results."""
    results = sorted(out.rglob("results.json"))
    short = 0
    for path in results:
        data = json.loads(path.read_text())
        if float(data.get("score", 0)) < float(data["extra_data"].get("max_score", -1)):
            short += 1
    if not results:
        return "no results written"
    return f"{len(results)} graded" + (f", {short} NOT at full marks" if short else ", full marks")


BASE_COPIES = 2  # a run this small is almost all fixed cost: start-up, pool, zygotes, collection


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


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def _peak_mb(pids: list[int]) -> float:
    best = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            continue
    return best / 1024


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

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2] * 1000

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
                tree = _descendants(worker.zygote.proc.pid)
                # the zygote is the Python whose parent is bubblewrap; the worker, a leaf
                zygote = [p for p in tree if _is_python(p) and not _is_python(_parent(p))]
                zygote_peak = max(zygote_peak, _peak_mb(zygote))
                peaks.append(_peak_mb([p for p in tree if _is_python(p) and not _children_of(p)]))
            elif worker.proc is not None:
                peaks.append(_peak_mb(_descendants(worker.proc.pid) + [worker.proc.pid]))
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
            extra = f"; zygote start {first * 1000 - median(starts):.0f} ms, zygote peak {zygote_peak:.0f} MB"
        print(
            f"  {assignment:12s} {label}: start+import {median(starts):6.1f} ms, "
            f"close {median(closes):5.1f} ms (median of {rounds}), "
            f"worker peak {max(peaks):.0f} MB{extra}"
        )
    os.environ.pop("DLCOURSE_WARM", None)
    warm.close_all()


def _children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _is_python(pid: int) -> bool:
    try:
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False


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
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="dlcourse-bench-"))
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
