"""The course configuration (course/course.toml) as typed objects."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from autograder.errors import CourseError
from autograder.paths import find_root


class ConfigError(CourseError, ValueError):
    """course.toml is missing something or holds a wrong value."""


@dataclass(frozen=True)
class HintPolicy:
    """How much of each hint ladder the course gives (course.toml `[hints]`, per assignment
    `[assignments.ID.hints]`): the levels up to `max_level` (all when None; 0 turns hints
    off), and the formula levels only when `formula`."""

    max_level: int | None = None
    formula: bool = True


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    modules: tuple[str, ...]
    torch: bool = False
    forbidden: tuple[str, ...] = ()
    timeout_s: float = 5.0
    import_timeout_s: float = 15.0
    memory_mb: int = 1536
    deadline: datetime | None = None
    release: datetime | None = None  # when students got it: no real submission is older
    preload: tuple[str, ...] = ("numpy",)
    hints: HintPolicy = HintPolicy()

    @property
    def module_stems(self) -> tuple[str, ...]:
        return tuple(Path(m).stem for m in self.modules)


@dataclass(frozen=True)
class LatePolicy:
    per_day: float = 0.0
    max_days: int = 0

    def penalty(self, late_days: int) -> float:
        """Fraction of the score lost for `late_days` started days late."""
        if late_days <= 0:
            return 0.0
        if self.max_days and late_days > self.max_days:
            return 1.0
        return min(1.0, self.per_day * late_days)


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    assignments: dict[str, Assignment] = field(default_factory=dict)
    late_policy: LatePolicy = LatePolicy()

    def assignment(self, ident: str) -> Assignment:
        if ident not in self.assignments:
            known = ", ".join(self.assignments) or "none"
            raise ConfigError(f"unknown assignment {ident!r} (known: {known})")
        return self.assignments[ident]


def _hint_policy(where: str, data: Any, base: HintPolicy) -> HintPolicy:
    if data is None:
        return base
    if not isinstance(data, dict) or set(data) - {"max_level", "formula"}:
        raise ConfigError(f"{where} takes max_level (a number of levels) and formula (true/false)")
    max_level = data.get("max_level", base.max_level)
    if max_level is not None and (not isinstance(max_level, int) or max_level < 0):
        raise ConfigError(f"{where}.max_level must be a whole number >= 0")
    formula = data.get("formula", base.formula)
    if not isinstance(formula, bool):
        raise ConfigError(f"{where}.formula must be true or false")
    return HintPolicy(max_level=max_level, formula=formula)


def _assignment(ident: str, data: dict[str, Any], hints: HintPolicy) -> Assignment:
    modules = data.get("modules") or [f"{ident}.py"]
    if not isinstance(modules, list) or not all(
        isinstance(m, str) and m.endswith(".py") for m in modules
    ):
        raise ConfigError(f"assignments.{ident}.modules must be a list of .py file names")
    deadline = _moment(ident, "deadline", data.get("deadline"))
    release = _moment(ident, "release", data.get("release"))
    if release is not None and deadline is not None and release >= deadline:
        raise ConfigError(f"assignments.{ident}.release must come before its deadline")
    torch = bool(data.get("torch", False))
    return Assignment(
        id=ident,
        title=str(data.get("title", ident)),
        modules=tuple(modules),
        torch=torch,
        forbidden=tuple(data.get("forbidden", [])),
        timeout_s=float(data.get("timeout_s", 20.0 if torch else 5.0)),
        import_timeout_s=float(data.get("import_timeout_s", 30.0 if torch else 15.0)),
        memory_mb=int(data.get("memory_mb", 6144 if torch else 1536)),
        deadline=deadline,
        release=release,
        preload=_preload(ident, data, torch),
        hints=_hint_policy(f"assignments.{ident}.hints", data.get("hints"), hints),
    )


def _moment(ident: str, key: str, value: Any) -> datetime | None:
    """A point in time of course.toml (ISO 8601 text or a TOML date-time), with its offset."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ConfigError(f"assignments.{ident}.{key}: {exc}") from None
    if not isinstance(value, datetime):
        raise ConfigError(f"assignments.{ident}.{key} must be a date and time")
    if value.tzinfo is None:
        raise ConfigError(f"assignments.{ident}.{key} needs a UTC offset, e.g. +09:00")
    return value


def _preload(ident: str, data: dict[str, Any], torch: bool) -> tuple[str, ...]:
    """Packages a warm worker imports before any submission (never a forbidden one)."""
    default = ["numpy", "torch"] if torch else ["numpy"]
    names = data.get("preload", default)
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ConfigError(f"assignments.{ident}.preload must be a list of package names")
    banned = set(data.get("forbidden", []))
    clash = [n for n in names if n.split(".")[0] in banned]
    if clash:
        raise ConfigError(f"assignments.{ident}.preload names forbidden packages: {clash}")
    return tuple(names)


def load_course(root: Path | None = None) -> Course:
    root = root or find_root()
    path = root / "course" / "course.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    late = data.get("late_policy", {})
    hints = _hint_policy("hints", data.get("hints"), HintPolicy())
    return Course(
        root=root,
        name=str(data.get("course", {}).get("name", "dlcourse")),
        assignments={
            ident: _assignment(ident, body, hints)
            for ident, body in data.get("assignments", {}).items()
        },
        late_policy=LatePolicy(
            per_day=float(late.get("per_day", 0.0)), max_days=int(late.get("max_days", 0))
        ),
    )
