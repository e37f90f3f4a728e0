"""Messages whose wording follows a number: gettext's plural forms, not two message ids.

"1 checks" was what `dlcourse check` printed for a task with one blank check.
A message with `plural=` renders its singular or plural by `count` in English
and by each catalog's Plural-Forms rule in other languages (Korean: one form).
"""

from __future__ import annotations

import shutil

import pytest

from autograder.feedback import catalogs
from autograder.feedback.selfcheck import not_implemented_line
from autograder.messages import Message, msg, render
from autograder.release import extract


def _more(count: int) -> Message:
    return msg(
        "view.more",
        "... and {count} more failing check (use --json for all).",
        plural="... and {count} more failing checks (use --json for all).",
        count=count,
    )


@pytest.mark.parametrize(("count", "english"), [(1, "1 more failing check "), (0, "0 more failing checks"), (2, "2 more failing checks")])  # fmt: skip
def test_english_takes_the_form_of_the_count(count, english):
    """Is the singular used for one, the plural for zero and for more?"""
    assert english in render(_more(count))


def test_korean_has_one_form_for_every_count():
    """Does Korean render msgstr[0] whatever the count?"""
    korean = catalogs.translator(None, "ko")
    assert render(_more(1), korean) == "... 그 밖에 실패한 검사 1개 (모두 보려면 --json)."
    assert render(_more(7), korean) == "... 그 밖에 실패한 검사 7개 (모두 보려면 --json)."


def test_the_task_line_of_a_stub_agrees_with_its_number():
    """Is a task with one blank check "1 check", with two "2 checks"?"""
    assert not_implemented_line("patchify", ["vit/patchify"], "en") == (
        "patchify: not implemented yet (1 check)"
    )
    assert "(2 checks)" in not_implemented_line("patchify", ["vit/patchify"] * 2, "en")


def test_a_stored_plural_message_renders_again_in_either_language():
    """Does a result's JSON keep the plural, so a re-render picks the form again?"""
    again = Message.from_json(_more(1).to_json())
    assert again == _more(1)
    assert "1 more failing check " in render(again)
    assert "검사 1개" in render(again, catalogs.translator(None, "ko"))


def test_a_plural_needs_an_integer_count():
    """Is a plural message without an integer count refused where it is written?"""
    with pytest.raises(TypeError):
        msg("view.more", "{n} check", plural="{n} checks", n=2)


def test_the_catalog_holds_both_english_forms_and_an_untranslated_plural_is_missing(tmp_path):
    """Does extraction give the template msgid and msgid_plural, and does a Korean
    catalog whose msgstr[0] is empty count as untranslated?"""
    place = extract.package_place()
    entries = dict(place.entries)
    assert entries["view.more"] == (
        "... and {count} more failing check (use --json for all).",
        "... and {count} more failing checks (use --json for all).",
    )
    template = extract.template_catalog(place)
    assert template.get(entries["view.more"][0], context="view.more").pluralizable
    assert "view.more" not in extract.untranslated(place, "ko")

    locale = tmp_path / "locale"
    shutil.copytree(place.folder, locale)
    po = extract.Place(locale, place.domain, place.entries).po("ko")
    text = po.read_text(encoding="utf-8")
    korean = '"... 그 밖에 실패한 검사 {count}개 (모두 보려면 --json)."'
    assert korean in text
    po.write_text(text.replace(korean, '""'), encoding="utf-8")
    blank = extract.Place(locale, place.domain, place.entries)
    assert extract.untranslated(blank, "ko") == ["view.more"]
