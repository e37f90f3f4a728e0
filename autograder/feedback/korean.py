"""Korean feedback: `dlcourse check ID --lang ko` (or `DLCOURSE_LANG=ko`), `grade --lang ko`.

The English texts live in `autograder.feedback` and where a failure is found
(`autograder.checkkit.compare`, the sandbox); this module holds their Korean
counterparts and turns a graded `SubmissionResult` into Korean:

- check titles and known mistakes come from each assignment's own files,
  `autograder/checks/<id>/ko_public.toml` (the titles of the public checks and
  the mistakes of the tasks they grade: it ships to students) and
  `ko_hidden.toml` (hidden check titles and the other mistakes: it never ships);
- a failure's message is rewritten line by line (`autograder.feedback.failures_ko`):
  each line the kit or the sandbox writes from a fixed template (expected
  versus got, the largest errors, the first differing index, time-outs,
  exceptions) is written again in Korean with the same values, after a Korean
  line that names the kind of failure;
- the terminal view of a self-check and the summary stored in results.json.

Numbers in the templates are followed by a counter (개, 초, 일) or by no
particle at all, so that no particle has to agree with a drawn number
(`tests/test_feedback_ko.py` renders every template with drawn values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import tomllib
from rich.console import Console
from rich.markup import escape

from autograder import feedback, paths
from autograder.feedback import ResultLabels
from autograder.feedback.failures_ko import Mistake, translate_output
from autograder.results import CheckResult, SubmissionResult

if TYPE_CHECKING:
    from autograder.config import Course
    from autograder.engine.commands import SelfCheck
    from autograder.intake.staging import StagedSubmission

PUBLIC_FILE = "ko_public.toml"  # ships with the public checks
HIDDEN_FILE = "ko_hidden.toml"  # private, like test_hidden.py and mistakes.py

# Summary and terminal texts.
SUMMARY_TEMPLATES = {
    "score": "{assignment}: {score} / {max_score}점. 검사 {total}개 중 {passed}개 통과.",
    "problems": "제출물의 문제: {problems}",
    "late": "{days}일 늦게 제출: {penalty} 감점.",
    "seed": "시드 {seed} (같은 시드로 다시 채점하면 같은 점수가 나옵니다).",
    "isolation": "격리 방식: {isolation}.",
    "error": "채점 오류: {output}",
}
VIEW_TEMPLATES = {
    "self_check": "{score} / {max_score}점: 공개 검사 {total}개 중 {passed}개 통과 ({folder}).",
    "problems": "문제: {problems}",
    "all_pass": "숨은 검사는 다른 입력을 씁니다. 경계 사례도 직접 시험해 보세요.",
    "more": "... 그 밖에 실패한 검사 {count}개 (모두 보려면 --json).",
}


# ---------------------------------------------------------------------------
# The assignments' Korean texts
# ---------------------------------------------------------------------------
@dataclass
class Texts:
    """One assignment's Korean check titles and mistakes, from its two TOML files."""

    public_checks: dict[str, str] = field(default_factory=dict)
    hidden_checks: dict[str, str] = field(default_factory=dict)
    public_mistakes: dict[str, Mistake] = field(default_factory=dict)
    hidden_mistakes: dict[str, Mistake] = field(default_factory=dict)

    @property
    def mistakes(self) -> dict[str, Mistake]:
        return {**self.hidden_mistakes, **self.public_mistakes}

    def check_title(self, nodeid: str, english: str) -> str:
        """The Korean title of the check `nodeid`, with its parameter id; English if none."""
        file, _, rest = nodeid.partition("::")
        function, bracket, _ = rest.partition("[")
        table = (
            self.hidden_checks if Path(file).name.startswith("test_hidden") else self.public_checks
        )
        title = table.get(function)
        if not title:
            return english
        suffix = ""
        if bracket and english.endswith("]") and " [" in english:
            suffix = english[english.rindex(" [") :]
        return title + suffix


def _read(path: Path) -> tuple[dict[str, str], dict[str, Mistake]]:
    if not path.is_file():
        return {}, {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    checks = {str(k): str(v) for k, v in data.get("checks", {}).items()}
    mistakes = {
        str(name): Mistake(title=str(entry["name"]), message=str(entry["message"]))
        for name, entry in data.get("mistakes", {}).items()
    }
    return checks, mistakes


@lru_cache(maxsize=32)
def load_texts(assignment: str) -> Texts:
    """The Korean texts of `assignment` (only the public file exists in a student bundle)."""
    folder = paths.checks_dir(assignment)
    public_checks, public_mistakes = _read(folder / PUBLIC_FILE)
    hidden_checks, hidden_mistakes = _read(paths.private_dir(assignment) / HIDDEN_FILE)
    return Texts(public_checks, hidden_checks, public_mistakes, hidden_mistakes)


# ---------------------------------------------------------------------------
# Rewriting a result
# ---------------------------------------------------------------------------
def localize_check(test: CheckResult, texts: Texts) -> None:
    test.name = texts.check_title(test.nodeid, test.name)
    if test.status != "passed":
        test.output = translate_output(test.output, test.kind, texts.mistakes)


def summary_text(result: SubmissionResult, problems: list[str]) -> str:
    """The Korean counterpart of `autograder.feedback.summary_text`."""
    passed = sum(1 for t in result.tests if t.status == "passed")
    lines = [
        SUMMARY_TEMPLATES["score"].format(
            assignment=result.assignment,
            score=f"{result.score:g}",
            max_score=f"{result.max_score:g}",
            total=len(result.tests),
            passed=passed,
        )
    ]
    if problems:
        lines.append(SUMMARY_TEMPLATES["problems"].format(problems="; ".join(problems)))
    if result.late_days:
        lines.append(
            SUMMARY_TEMPLATES["late"].format(days=result.late_days, penalty=f"{result.penalty:.0%}")
        )
    lines.append(SUMMARY_TEMPLATES["seed"].format(seed=result.seed))
    lines.append(SUMMARY_TEMPLATES["isolation"].format(isolation=result.isolation))
    return "\n".join(lines)


def localize_result(result: SubmissionResult, problems: list[str] | None = None) -> None:
    """Rewrite `result` in Korean in place: check titles, failure messages, the summary."""
    texts = load_texts(result.assignment)
    for test in result.tests:
        localize_check(test, texts)
    if result.status == "graded":
        result.output = summary_text(result, list(problems or []))
    elif result.output:
        result.output = SUMMARY_TEMPLATES["error"].format(output=result.output)
    result.extra["lang"] = "ko"


# ---------------------------------------------------------------------------
# Terminal view
# ---------------------------------------------------------------------------
KOREAN_LABELS = ResultLabels(
    columns=("과제 항목", "검사", "점수", "결과"),
    passed="통과",
    failed="실패",
    more=VIEW_TEMPLATES["more"],
)


def show_result(console: Console, result: SubmissionResult) -> None:
    """A (Korean) result as a table, then each failure's message."""
    feedback.show_result(console, result, labels=KOREAN_LABELS)


def show_self_check(console: Console, check: SelfCheck) -> None:
    """The Korean counterpart of `autograder.feedback.show_self_check`."""
    result = check.result
    show_result(console, result)
    passed = sum(1 for t in result.tests if t.status == "passed")
    colour = "green" if passed == len(result.tests) and result.tests else "red"
    line = VIEW_TEMPLATES["self_check"].format(
        score=f"{result.score:g}",
        max_score=f"{result.max_score:g}",
        total=len(result.tests),
        passed=passed,
        folder=check.folder,
    )
    console.print(f"\n[bold {colour}]{escape(line)}[/]")
    if check.problems:
        console.print(
            "[red]"
            + escape(VIEW_TEMPLATES["problems"].format(problems="; ".join(check.problems)))
            + "[/]"
        )
    if passed == len(result.tests) and result.tests:
        console.print(VIEW_TEMPLATES["all_pass"])


def grade_task_ko(
    staged: StagedSubmission, course: Course, assignment_id: str, seed: int | None
) -> SubmissionResult:
    """`autograder.engine.batch.grade_task`, with the result in Korean (`dlcourse grade --lang ko`)."""
    from autograder.engine.batch import grade_task

    result = grade_task(staged, course, assignment_id, seed)
    localize_result(result, list(staged.problems))
    return result
