"""Is the feedback of every known mistake, English and Korean, what it was before?

Feedback became data (a message id and its values, rendered per language from
message catalogs) in one step; `tests/golden/feedback/` holds what every known
mistake of every assignment got before that step, in both languages (made by
`tests/feedback_golden.py`). Each mistake is graded again here and must get
the same score and the same failed checks, with the same names and messages
word for word (numbers masked only in the few checks that draw fresh
randomness in the worker on purpose, marked `varies`), whatever order the
checks run in.
"""

from __future__ import annotations

import json

import pytest
from feedback_golden import GOLDEN, masked, snapshot

ASSIGNMENTS = sorted(path.stem for path in GOLDEN.glob("*.json"))


def _same(got: str, want: str, varies: bool) -> bool:
    return masked(got) == masked(want) if varies else got == want


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_known_mistake_reads_as_before(assignment):
    """Does every known mistake get the score and the words (en, ko) it got before?"""
    golden = json.loads((GOLDEN / f"{assignment}.json").read_text(encoding="utf-8"))
    today = snapshot(assignment)
    for case, want in golden.items():
        assert case in today, f"{assignment}: the mistake {case} is gone"
        got = today[case]
        varies = any(row.get("varies") for row in want["en"])
        if not varies:
            assert got["score"] == want["score"], (case, got["score"], want["score"])
        got_ids = [row["id"] for row in got["en"]]
        want_ids = [row["id"] for row in want["en"]]
        # the same failed checks (in the order the checks now run)
        assert sorted(got_ids) == sorted(want_ids), (case, got_ids)
        got_rows = {row["id"]: (row, ko) for row, ko in zip(got["en"], got["ko"])}
        for want_en, want_ko in zip(want["en"], want["ko"]):
            got_en, got_ko = got_rows[want_en["id"]]
            flag = bool(want_en.get("varies"))
            where = f"{assignment}/{case}/{want_en['id']}"
            assert (got_en["kind"], got_en["mistake"]) == (want_en["kind"], want_en["mistake"]), (
                where
            )
            assert got_en["name"] == want_en["name"], where
            assert _same(got_en["output"], want_en["output"], flag), where
            assert got_ko["name"] == want_ko["name"], where
            assert _same(got_ko["output"], want_ko["output"], flag), where
