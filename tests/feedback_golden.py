"""The feedback every known mistake gets, in English and Korean, as data to compare.

`snapshot(assignment)` grades every known mistake of an assignment (the
reference with that mistake written in, all checks, seed 7) and returns, per
mistake, the score and, for every failed check, its name, message, kind and
named mistake in both languages. `tests/golden/feedback/<assignment>.json` holds the
snapshot taken before feedback became data (message ids rendered from
catalogs); `tests/test_feedback_golden.py` compares today's with it.

Regenerate (only when a message is meant to change, and say so in the commit):

    .venv/bin/python tests/feedback_golden.py [ASSIGNMENT...]
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

GOLDEN = ROOT / "tests" / "golden" / "feedback"
ASSIGNMENTS = (
    "basics",
    "conv",
    "optim",
    "regularization",
    "normalization",
    "rnn",
    "attention",
    "transformer",
    "classical",
    "cnn",
)


def canonical_nodeid(nodeid: str) -> str:
    """A check's id without the folder its file sits in (`private/` or not)."""
    head, sep, tail = nodeid.partition("::")
    return head.rsplit("/", 1)[-1] + sep + tail


_LINE = re.compile(r"line \d+")


def _checks(result: Any) -> list[dict[str, Any]]:
    """The failed checks (a passed one says nothing); traceback line numbers left out."""
    return [
        {
            "id": canonical_nodeid(test.nodeid),
            "name": test.name,
            "output": _LINE.sub("line #", test.output),
            "kind": test.kind,
            "mistake": test.diagnosis,
        }
        for test in result.tests
        if test.status != "passed"
    ]


def _localized(result: Any) -> Any:
    """`result` rendered in Korean from its message ids and values."""
    from autograder.feedback import render_result

    return render_result(result, "ko")


def _mistakes(assignment: str) -> list[Any]:
    import importlib

    module = importlib.import_module(f"autograder.checks.{assignment}.private.mistakes")
    return list(module.MISTAKES)


def describe(result: Any) -> dict[str, Any]:
    """What a student (or instructor) reads of `result`, in English and Korean."""
    korean = _localized(copy.deepcopy(result))
    return {
        "score": result.score,
        "max_score": result.max_score,
        "en": _checks(result),
        "ko": [{"name": r["name"], "output": r["output"]} for r in _checks(korean)],
    }


def snapshot(assignment: str) -> dict[str, Any]:
    """{mistake: description} for every known mistake of `assignment`."""
    import graderkit

    cases: dict[str, Any] = {}
    for mistake in _mistakes(assignment):
        folder = graderkit.mutant_folder(assignment, mistake)
        cases[mistake.name] = describe(graderkit.grade_folder(assignment, folder))
    return cases


_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def masked(text: str) -> str:
    """`text` with every number replaced by `#` (for messages about random draws)."""
    return _NUMBER.sub("#", text)


def mark_varying(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """`first`, each failed check whose text differed in `second` marked `varies`.

    A few checks draw fresh randomness in the worker on purpose (dropout with
    seed=None is graded statistically), so their numbers differ between two
    gradings of the same code; the comparison masks numbers there, and only there.
    """
    for case, description in first.items():
        other = second.get(case, {})
        for lang in ("en", "ko"):
            for index, row in enumerate(description[lang]):
                rows = other.get(lang, [])
                if index >= len(rows) or any(rows[index][k] != row[k] for k in ("name", "output")):
                    description["en"][index]["varies"] = True
    return first


def main(argv: list[str]) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for assignment in argv or ASSIGNMENTS:
        data = snapshot(assignment)
        for _ in range(4):  # a draw that differs only now and then shows in one of them
            data = mark_varying(data, snapshot(assignment))
        path = GOLDEN / f"{assignment}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{assignment}: {len(data)} cases -> {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
