"""Do the classical assignment's quiz links in course.toml point at real questions?

`[assignments.classical]` names the quiz banks (`quizzes`) and topic tags
(`quiz_tags`) that practise the same ideas. Every bank must exist, every tag
must be a known topic, and every tag must be carried by at least one question
of the linked banks, so a renamed bank or tag cannot leave a dead link.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograder.quiz.topics import TOPICS
from autograder.quiz.validate import load_quizzes, quiz_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
ENTRY = tomllib.loads((ROOT / "course" / "course.toml").read_text(encoding="utf-8"))["assignments"][
    "classical"
]
QUIZZES = load_quizzes(quiz_dir(ROOT))


def test_the_entry_links_quizzes_and_tags():
    assert ENTRY.get("quizzes"), "no linked quiz banks"
    assert ENTRY.get("quiz_tags"), "no linked topic tags"


@pytest.mark.parametrize("bank", ENTRY.get("quizzes", []))
def test_linked_bank_exists(bank):
    assert bank in QUIZZES, f"no quiz bank {bank!r} in course/quizzes (have {sorted(QUIZZES)})"


@pytest.mark.parametrize("tag", ENTRY.get("quiz_tags", []))
def test_linked_tag_is_asked_in_a_linked_bank(tag):
    assert tag in TOPICS, f"{tag!r} is not a known topic tag"
    banks = [QUIZZES[b] for b in ENTRY.get("quizzes", []) if b in QUIZZES]
    assert any(tag in q.tags for bank in banks for q in bank.questions), (
        f"no question of {ENTRY.get('quizzes')} carries the tag {tag!r}"
    )
