"""Speed figures of the grader (a script that prints numbers, not a test).

    .venv/bin/python tests/benchmark.py [--copies 50]

Prints: seconds per submission for `dlcourse grade conv` over N copies of the
reference with --jobs 1 and --jobs 2, the wall time of `dlcourse check conv`,
and the time to grade one reference submission of every assignment (public and
hidden checks) on one core.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dlcourse(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=ROOT,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "DLCOURSE_ROOT": str(ROOT)},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dlcourse-bench-"))
    try:
        subs = work / "subs"
        for index in range(options.copies):
            folder = subs / f"student{index:03d}"
            folder.mkdir(parents=True)
            shutil.copy(ROOT / "solutions" / "conv" / "conv.py", folder / "conv.py")
        print(f"grade conv, {options.copies} copies of the reference (public + hidden checks):")
        for jobs in (1, 2):
            seconds = dlcourse(
                "grade", "conv", str(subs), "--out", str(work / f"out{jobs}"), "--jobs", str(jobs)
            )
            per = seconds / options.copies
            print(
                f"  --jobs {jobs}: {seconds:6.1f} s wall, {per:.3f} s per submission, "
                f"{per * jobs:.3f} s per submission per core"
            )
        check = min(
            dlcourse("check", "conv", "--path", str(ROOT / "solutions" / "conv")) for _ in range(3)
        )
        print(f"check conv (public checks, new process, best of 3): {check:.2f} s wall")
        print("one reference submission per assignment, in process, one core (warm):")
        sys.path.insert(0, str(ROOT / "tests"))
        from graderkit import grade_folder

        from autograder.config import load_course

        for assignment in load_course(ROOT).assignments:
            if not (ROOT / "autograder" / "checks" / assignment / "test_hidden.py").is_file():
                continue
            grade_folder(assignment, ROOT / "solutions" / assignment)  # warm-up: imports, worker
            started = time.perf_counter()
            result = grade_folder(assignment, ROOT / "solutions" / assignment)
            seconds = time.perf_counter() - started
            print(
                f"  {assignment:14s} {seconds:5.2f} s  ({len(result.tests)} checks, "
                f"{result.score:g}/{result.max_score:g} points)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
