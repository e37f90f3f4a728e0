"""The hint ladders: help for a stuck learner, one level at a time, never counted in a grade.

`solutions/ID/hints.toml` holds, per task (the id of the stub's
NotImplementedError and of the check's `task` marker), its levels in order:

    [[conv_backward]]        # level 1: a nudge (which chain-rule path, which shape)
    en = "..."
    ko = "..."
    [[conv_backward]]        # level 2: the key step; level 3: the derivation written out
    ...
    [[conv_backward]]        # the last level may give the formula, and then says so
    formula = true
    en = "..."
    ko = "..."

Only the last level of a task may carry `formula = true`. The course decides
how much of each ladder its students get (`HintPolicy`, from course.toml's
`[hints]` and `[assignments.ID.hints]`): release writes only those levels into
`assignments/ID/hints.toml` and into the released notebooks (a collapsed cell
per level, at the end), and `dlcourse hint` shows only those. What a learner
has seen lives in the course folder's `.dlcourse/hints/` and nothing of it
reaches a grade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from autograder.config import ConfigError, HintPolicy
from autograder.errors import UsageError

HINTS_FILE = "hints.toml"
LANGS = ("en", "ko")


@dataclass(frozen=True)
class Level:
    number: int  # 1-based
    text: dict[str, str] = field(hash=False)  # language -> text
    formula: bool = False

    def in_language(self, lang: str) -> str:
        return self.text.get(lang) or self.text["en"]


Ladders = dict[str, list[Level]]  # task -> its levels, in order


def parse_ladders(text: str, name: str = HINTS_FILE) -> Ladders:
    """The ladders of a hints.toml; ConfigError when one is malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    ladders: Ladders = {}
    for task, levels in data.items():
        if not isinstance(levels, list) or not levels:
            raise ConfigError(f"{name}: [[{task}]] must be a list of levels")
        parsed = []
        for index, level in enumerate(levels, start=1):
            texts = {lang: level.get(lang) for lang in LANGS}
            if not all(isinstance(t, str) and t.strip() for t in texts.values()):
                raise ConfigError(f"{name}: {task} level {index} needs en and ko texts")
            formula = bool(level.get("formula", False))
            if formula and index != len(levels):
                raise ConfigError(f"{name}: {task} level {index}: only the last level is a formula")
            parsed.append(Level(index, {k: str(v).strip() for k, v in texts.items()}, formula))
        ladders[str(task)] = parsed
    return ladders


def allowed(ladders: Ladders, policy: HintPolicy) -> Ladders:
    """The levels the course gives its students: up to `max_level`, formula levels if allowed."""
    out: Ladders = {}
    for task, levels in ladders.items():
        kept = [
            level
            for level in levels
            if (policy.max_level is None or level.number <= policy.max_level)
            and (policy.formula or not level.formula)
        ]
        if kept:
            out[task] = kept
    return out


def dump_ladders(ladders: Ladders) -> str:
    """hints.toml text for `ladders` (strings as TOML basic strings)."""
    parts = ["# Hint ladders: `dlcourse hint ID TASK` shows the next level (written by release)."]
    for task, levels in ladders.items():
        for level in levels:
            lines = [f"[[{task}]]"]
            if level.formula:
                lines.append("formula = true")
            lines += [
                f"{lang} = {json.dumps(level.text[lang], ensure_ascii=False)}" for lang in LANGS
            ]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def released_file(source: Path, policy: HintPolicy) -> bytes:
    """What release writes to assignments/ID/hints.toml from solutions/ID/hints.toml."""
    text = source.read_text(encoding="utf-8")
    ladders = parse_ladders(text, str(source))
    kept = allowed(ladders, policy)
    if kept == ladders:
        return text.encode("utf-8")  # everything is given: the authors' file, comments and all
    return dump_ladders(kept).encode("utf-8")


# ---------------------------------------------------------------------------
# Notebooks: a collapsed cell per level, at the end
# ---------------------------------------------------------------------------
HEADINGS = {
    "en": (
        "## Hints\n\nStuck on a task? Open one hint at a time: each level gives away a "
        "little more (the last may give the formula). The same ladder prints in a terminal "
        "with `dlcourse hint {assignment} TASK`."
    ),
    "ko": (
        "## 힌트\n\n막힌 과제 항목이 있나요? 힌트를 한 단계씩 열어 보세요. 단계가 올라갈수록 조금씩 "
        "더 알려 주고, 마지막 단계에는 식이 나올 수 있습니다. 터미널에서는 "
        "`dlcourse hint {assignment} TASK`로 같은 힌트를 봅니다."
    ),
}
SUMMARY = {"en": "Hint {number} of {total}: {task}", "ko": "힌트 {number}/{total}: {task}"}


def _markdown(lang: str, source: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"lang": lang}
    if meta is not None:
        metadata["dlcourse"] = {"hint": meta}
    return {"cell_type": "markdown", "metadata": metadata, "source": source}


def notebook_cells(assignment: str, ladders: Ladders) -> list[dict[str, Any]]:
    """Paired (English, Korean) markdown cells showing every level, each collapsed."""
    if not ladders:
        return []
    cells = [_markdown(lang, HEADINGS[lang].format(assignment=assignment)) for lang in LANGS]
    for task, levels in ladders.items():
        for level in levels:
            meta = {"task": task, "level": level.number, "formula": level.formula}
            for lang in LANGS:
                summary = SUMMARY[lang].format(number=level.number, total=len(levels), task=task)
                body = level.in_language(lang)
                source = f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"
                cells.append(_markdown(lang, source, meta))
    return cells


def with_hint_cells(notebook_text: str, assignment: str, ladders: Ladders) -> str:
    """A source notebook (both languages) with the hint cells appended."""
    notebook = json.loads(notebook_text)
    if not any(cell.get("metadata", {}).get("lang") for cell in notebook.get("cells", [])):
        return notebook_text  # a notebook without languages gets no bilingual cells
    notebook["cells"] = [*notebook.get("cells", []), *notebook_cells(assignment, ladders)]
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------
# A learner's ladder: what the course gives, what they have seen
# ---------------------------------------------------------------------------
def student_ladders(folder: Path, policy: HintPolicy) -> Ladders:
    """The ladders of an assignment folder (assignments/ID), as the course gives them."""
    path = folder / HINTS_FILE
    if not path.is_file():
        return {}
    return allowed(parse_ladders(path.read_text(encoding="utf-8"), str(path)), policy)


def state_path(root: Path, assignment: str) -> Path:
    return Path(root) / ".dlcourse" / "hints" / f"{assignment}.json"


def seen_levels(root: Path, assignment: str) -> dict[str, int]:
    """{task: the highest level this learner has seen}."""
    try:
        data = json.loads(state_path(root, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int) and v > 0}


def remember(root: Path, assignment: str, task: str, level: int) -> None:
    seen = seen_levels(root, assignment)
    seen[task] = max(level, seen.get(task, 0))
    path = state_path(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# What `dlcourse hint` and `dlcourse check` ask
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Shown:
    task: str
    level: Level
    total: int  # levels the course gives for this task
    next_is_formula: bool


@dataclass(frozen=True)
class TaskHints:
    task: str
    levels: int
    seen: int


def course_ladders(assignment: str, root: Path | None = None) -> tuple[Path, Ladders]:
    """(course root, the ladders of `assignment` as the course gives them)."""
    from autograder.config import load_course

    course = load_course(root)
    spec = course.assignment(assignment)
    return course.root, student_ladders(course.root / "assignments" / assignment, spec.hints)


def overview(assignment: str, *, root: Path | None = None) -> list[TaskHints]:
    """Every task with hints: how many levels there are and how many were seen."""
    root, ladders = course_ladders(assignment, root)
    seen = seen_levels(root, assignment)
    return [
        TaskHints(task, len(levels), min(seen.get(task, 0), len(levels)))
        for task, levels in ladders.items()
    ]


def next_hint(
    assignment: str, task: str, level: int | None = None, *, root: Path | None = None
) -> Shown:
    """Level `level` of `task` (default: the next one not seen yet), remembered as seen."""
    root, ladders = course_ladders(assignment, root)
    if not ladders:
        raise ConfigError(f"the course gives no hints for {assignment}")
    if task not in ladders:
        known = ", ".join(ladders)
        raise UsageError(f"{assignment} has no hints for {task!r} (tasks with hints: {known})")
    levels = ladders[task]
    if level is None:
        level = min(seen_levels(root, assignment).get(task, 0) + 1, len(levels))
    if not 1 <= level <= len(levels):
        raise UsageError(f"{task} has {len(levels)} hint level(s) here, not {level}")
    remember(root, assignment, task, level)
    following = levels[level] if level < len(levels) else None
    return Shown(task, levels[level - 1], len(levels), bool(following and following.formula))


def hinted_tasks(assignment: str, *, root: Path | None = None) -> dict[str, int]:
    """{task: levels the course gives} for every task of `assignment` with hints."""
    try:
        _, ladders = course_ladders(assignment, root)
    except ConfigError:
        return {}
    return {task: len(levels) for task, levels in ladders.items()}
