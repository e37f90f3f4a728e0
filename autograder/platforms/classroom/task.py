"""One autograding test of the GitHub Classroom workflow: the public checks of one task.

Each test of `.github/workflows/classroom.yml` runs

    dlcourse check ID --json | python -m autograder.platforms.classroom.task TASK

in the student's repository: the check runs the public checks once and prints
its results (Gradescope's results.json schema) without deciding anything;
this module reads them on stdin, prints the checks of TASK with their
feedback (its own lines in English and Korean; the checks' feedback in the
language `check` was given), and exits 0 only when TASK has at least one
check and every one of them passed. The autograding action turns exit 0 into
the task's points and anything else into none.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass
class ClassroomTest:
    """One autograding test: a task of the public checks."""

    task: str
    step_id: str
    points: float  # the task's public points in the course
    max_score: int  # what the workflow gives (Classroom counts whole points)
    command: str


MAX_OUTPUT = 3000  # characters of one failing check's feedback shown in the log


def _points(value: float) -> str:
    return f"{value:g}"


def _indent(text: str) -> str:
    text = text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + " [...]"
    return "".join(f"        {line}\n" for line in text.splitlines())


def task_checks(results: Any, task: str) -> list[dict[str, Any]]:
    """The checks of `task` in a results.json (a check's task is in extra_data, or its number)."""
    tests = results.get("tests") if isinstance(results, dict) else None
    if not isinstance(tests, list):
        return []
    found = []
    for test in tests:
        if not isinstance(test, dict):
            continue
        extra = test.get("extra_data") if isinstance(test.get("extra_data"), dict) else {}
        if extra.get("task", test.get("number")) == task:
            found.append(test)
    return found


def report(results: Any, task: str, out: TextIO) -> bool:
    """Print TASK's checks; True when there is one at least and all passed."""
    checks = task_checks(results, task)
    if not checks:
        summary = str(results.get("output", "")) if isinstance(results, dict) else ""
        out.write(
            f"{task}: no public check of this task ran.\n"
            f"{task}: 이 과제 항목의 공개 검사가 하나도 실행되지 않았습니다.\n"
        )
        if summary:
            out.write(_indent(summary))
        return False
    passed = [c for c in checks if c.get("status") == "passed"]
    most = sum(float(c.get("max_score") or 0) for c in checks)
    ok = len(passed) == len(checks)
    earned = _points(most if ok else 0)
    out.write(
        f"{task}: {len(passed)} of {len(checks)} public checks pass; the task earns "
        f"{earned} / {_points(most)} points (all of its checks must pass).\n"
        f"{task}: 공개 검사 {len(checks)}개 중 {len(passed)}개 통과. 이 과제 항목의 점수는 "
        f"{earned} / {_points(most)}점입니다 (검사를 모두 통과해야 점수를 받습니다).\n"
    )
    for check in checks:
        mark = "pass" if check.get("status") == "passed" else "FAIL"
        out.write(f"  {mark}  {check.get('name', '?')}\n")
        if mark == "FAIL" and check.get("output"):
            out.write(_indent(str(check["output"])))
    return ok


def main(argv: list[str] | None = None, stdin: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.platforms.classroom.task",
        description="Read `dlcourse check ID --json` on stdin; exit 0 when every check of "
        "TASK passed.",
    )
    parser.add_argument("task", help="the task (function or Class.method), as in the checks")
    args = parser.parse_args(argv)
    text = (stdin or sys.stdin).read()
    try:
        results = json.loads(text)
    except ValueError:
        sys.stdout.write(
            "`dlcourse check` printed no results (its messages are in the log above).\n"
            "`dlcourse check` 명령이 결과를 출력하지 않았습니다 (위의 로그를 보세요).\n"
        )
        if text.strip():
            sys.stdout.write(_indent(text))
        return 1
    return 0 if report(results, args.task, sys.stdout) else 1


if __name__ == "__main__":
    sys.exit(main())
