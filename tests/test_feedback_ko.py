"""Can a Korean learner read every piece of the feedback in Korean, from the catalogs?

Feedback is data (message ids and values) rendered per language from gettext
catalogs. Every message the code writes has a Korean text in the catalog it
belongs to (the package's, an assignment's public one which ships, or its
private one which never does), with the same fields; the catalogs are in step
with the code; the Korean follows the glossary and its particles agree with
drawn numbers; a stored result renders again in the other language without
grading; a new language is a catalog, no code; `dlcourse check --lang ko` (and
DLCOURSE_LANG=ko) shows all of it, and `grade` writes English unless asked.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import shutil
import string
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from graderkit import ROOT, grade_folder, mutant_folder
from test_korean import FORBIDDEN, REGULARIZATION_AS_NORMALIZATION

from autograder import paths
from autograder.checkkit import CheckFailure, Handle, compare, compare_all
from autograder.cli import main
from autograder.engine.catalog import collect
from autograder.feedback import catalogs, render_result
from autograder.messages import render, render_lines
from autograder.quiz.korean import agree_particles
from autograder.release import extract
from autograder.results import SubmissionResult

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PLACES = extract.all_places()
ASSIGNMENTS = sorted(p.name for p in paths.CHECKS_DIR.iterdir() if (p / "test_public.py").is_file())


def _place_id(place: extract.Place) -> str:
    return place.folder.relative_to(paths.PACKAGE_DIR).as_posix()


def _korean(place: extract.Place) -> dict[str, str]:
    """{message id: Korean text} of one catalog (Korean has one plural form: msgstr[0])."""
    path = place.po("ko")
    if not path.is_file():
        return {}
    return {
        m.context: m.string[0] if isinstance(m.string, tuple) else m.string
        for m in extract.read_po(path, "ko")
        if m.id and m.context
    }


def _english(text: str | tuple[str, str]) -> str:
    """A catalog entry's English text: the singular and the plural use the same fields."""
    if isinstance(text, tuple):
        singular, plural = text
        assert _fields(singular) == _fields(plural), text
        return plural
    return text


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ---------------------------------------------------------------------------
# The catalogs
# ---------------------------------------------------------------------------
def test_no_english_to_korean_regex_is_left():
    """Is Korean made only from catalogs (no module re-parses English prose)?"""
    leftovers = [p.name for p in (paths.PACKAGE_DIR / "feedback").glob("*.py")
                 if p.stem in {"failures_ko", "failures_ko_checks", "failures_ko_hidden", "korean"}]  # fmt: skip
    assert not leftovers
    tomls = sorted(
        str(p.relative_to(paths.PACKAGE_DIR)) for p in paths.CHECKS_DIR.rglob("ko_*.toml")
    )
    assert not tomls, tomls


def test_the_catalogs_are_in_step_with_the_code():
    """Does every message of the code stand in its catalog's template, .po and compiled .mo?"""
    assert extract.main(["--check"]) == 0


@pytest.mark.parametrize("place", PLACES, ids=_place_id)
def test_every_message_has_korean(place):
    """Has every message id of this catalog a Korean text (not empty, not fuzzy)?"""
    assert extract.untranslated(place, "ko") == []


# Values a message carries for other languages than its English text: the mistake
# line gives its title, which English (that names the mistake by its id) does not show.
EXTRA = {"compare.likely_mistake": {"title"}}


@pytest.mark.parametrize("place", PLACES, ids=_place_id)
def test_korean_keeps_every_field_of_the_english(place):
    """Does each Korean text use exactly the fields ({what}, {count}...) of its English text?"""
    korean = _korean(place)
    wrong = [ident for ident, text in place.entries
             if ident in korean
             and not _fields(_english(text)) <= _fields(korean[ident])
                 <= _fields(_english(text)) | EXTRA.get(ident, set())]  # fmt: skip
    assert not wrong, wrong


def test_public_catalogs_hold_nothing_hidden():
    """Does a shipped catalog name no hidden check and no mistake of a hidden-only task?"""
    problems = []
    for assignment in ASSIGNMENTS:
        public_place, _ = extract.assignment_places(assignment)
        ids = {ident for ident, _ in public_place.entries}
        problems += [f"{assignment}: {i}" for i in ids if i.startswith("check.test_hidden.")]
        public_tasks = {c.task for c in collect([assignment]) if not c.hidden}
        module = importlib.import_module(f"autograder.checks.{assignment}.private.mistakes")
        for mistake in module.MISTAKES:
            if f"mistake.{mistake.name}" in ids and (
                not mistake.public or mistake.task not in public_tasks
            ):
                problems.append(f"{assignment}: mistake {mistake.name} ships")
    assert not problems, "\n".join(problems)


def test_public_catalogs_quote_no_solution_line():
    """Does no line of the reference solutions appear in a catalog that ships?"""
    from autograder.config import load_course
    from autograder.release.bundle import _all_solution_lines

    lines = _all_solution_lines(load_course())
    shipped = [p for place in PLACES if paths.PRIVATE not in place.folder.parts
               for p in (place.template, place.po("ko"))]  # fmt: skip
    leaks = [f"{p}: {line!r}" for p in shipped if p.is_file()
             for line in lines if line in p.read_text(encoding="utf-8")]  # fmt: skip
    assert not leaks, "\n".join(leaks)


def _all_korean() -> list[tuple[str, str]]:
    return [(f"{_place_id(place)}: {ident}", text)
            for place in PLACES for ident, text in _korean(place).items()]  # fmt: skip


def test_korean_follows_the_glossary():
    """Do the Korean texts use the glossary's terms (규제 is not 정규화)?"""
    problems = []
    for where, text in _all_korean():
        for wrong, right in FORBIDDEN.items():
            if wrong in text:
                problems.append(f"{where}: {wrong} (say {right})")
        if REGULARIZATION_AS_NORMALIZATION.search(text):
            problems.append(f"{where}: 정규화 used for regularization (say 규제)")
    assert not problems, "\n".join(problems)


DRAWN = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "16", "100", "0.5", "1e-05",
         "3.5", "(2, 3)", "(1,)", "128"]  # fmt: skip


def test_every_korean_text_reads_right_with_every_drawn_number():
    """Filled with drawn values, does every Korean text keep particles that agree?"""
    rng = np.random.default_rng(16)
    wrong = []
    for where, template in _all_korean():
        names = {n for _, n, _, _ in string.Formatter().parse(template) if n}
        for value in DRAWN:
            mixed = {name: DRAWN[int(rng.integers(len(DRAWN)))] for name in names}
            for filled in (
                template.format(**dict.fromkeys(names, value)),
                template.format(**mixed),
            ):
                if agree_particles(filled) != filled:
                    wrong.append(f"{where}: {filled!r} -> {agree_particles(filled)!r}")
    assert not wrong, "\n".join(wrong[:40])


def test_a_new_language_is_a_catalog_and_no_code(tmp_path, monkeypatch):
    """With one more .po in the package's locale folder, does feedback render in it?"""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    locale = tmp_path / "locale"
    shutil.copytree(catalogs.PACKAGE_LOCALE, locale)
    catalog = Catalog(locale="fr", domain=catalogs.PACKAGE_DOMAIN)
    for ident, text in extract.package_place().entries:
        french = (
            "{what} : mauvaise forme : attendu {want}, reçu {got}"
            if ident == "compare.shape"
            else ""
        )
        catalog.add(text, french, context=ident)
    po = locale / "fr" / "LC_MESSAGES" / f"{catalogs.PACKAGE_DOMAIN}.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(catalogs, "PACKAGE_LOCALE", locale)
    place = extract.Place(locale, catalogs.PACKAGE_DOMAIN, extract.package_place().entries)
    place.mo("fr").write_bytes(extract.planned_files(place)[place.mo("fr")])
    catalogs.translations.cache_clear()
    try:
        assert "fr" in catalogs.languages()
        with pytest.raises(CheckFailure) as failure:
            compare(np.zeros((2, 3)), np.zeros((3, 2)), what="dx", call="f(x)")
        french = render_lines(failure.value.lines, catalogs.translator(None, "fr"))
        assert "dx : mauvaise forme : attendu (3, 2), reçu (2, 3)" in french
    finally:
        catalogs.translations.cache_clear()


# ---------------------------------------------------------------------------
# Failures as the kit writes them
# ---------------------------------------------------------------------------
def _failures() -> list[CheckFailure]:
    """A failure of each way the kit's comparisons fail."""
    want = np.arange(6.0).reshape(2, 3)
    cases = [
        (Handle(1), want), ([1.0, 2.0], want), (None, want), (np.array(["a", "b"]), np.zeros(2)),
        (np.zeros((3, 2)), want), (np.where(want > 3, np.nan, want), want),
        (np.where(want > 4, np.inf, want), want), (want.astype(np.float32) + 1, want),
        (want + np.eye(2, 3), want),
    ]  # fmt: skip
    found = []
    mistakes = {"flipped_kernel": ("the kernel is flipped", want + 1)}
    attempts = [lambda g=got, w=expected: compare(g, w, what="dx", call="conv_backward(dout)")
                for got, expected in cases]  # fmt: skip
    attempts += [
        lambda: compare(want + 1, want, what="out", call="conv_forward(x)", mistakes=mistakes),
        lambda: compare_all((want,), (want, want), ("dx", "dw"), call="conv_backward(dout)"),
        lambda: compare_all((want + 1, want), (want, want), ("dx", "dw"), call="f(x)"),
    ]
    for attempt in attempts:
        with pytest.raises(CheckFailure) as failure:
            attempt()
        found.append(failure.value)
    return found


def test_every_kit_failure_reads_in_korean():
    """Is every line the kit writes (but the call itself) Korean, with its values kept?"""
    translate = catalogs.translator("conv", "ko")
    for failure in _failures():
        korean = render_lines(failure.lines, translate).split("\n")
        for line in korean[1:]:
            assert HANGUL.search(line), (line, failure.message)


def test_the_values_survive_translation():
    """Does the Korean say the same numbers: counts, errors, the first differing index?"""
    want = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(CheckFailure) as failure:
        compare(want + np.eye(2, 3), want, what="dx")
    korean = render_lines(failure.value.lines, catalogs.translator(None, "ko"))
    assert "dx: 전체 6개 항목 중 2개의 값이 다릅니다 (모양 (2, 3))" in korean
    assert "최대 절대 오차 1, 최대 상대 오차 1" in korean
    assert "처음 다른 곳은 인덱스 (0, 0): 기댓값 1, 돌아온 값 2" in korean
    assert not re.search(r"expected|differ|index", korean)


def test_a_named_mistake_reads_in_korean():
    """Does a named mistake keep its id and read with its Korean name and advice?"""
    from autograder.checkkit import mistake_line
    from autograder.checks.conv.private.mistakes import MISTAKES

    advice = next(m.message for m in MISTAKES if m.name == "flipped_kernel")
    line = mistake_line("flipped_kernel", advice)
    korean = render(line, catalogs.translator("conv", "ko"))
    assert korean.startswith("흔한 실수로 보입니다 (flipped_kernel: 뒤집은 커널): ")
    assert HANGUL.search(korean.split("): ", 1)[1])
    assert render(line) == f"Likely mistake (flipped_kernel): {advice}"


# ---------------------------------------------------------------------------
# Results and the commands
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flipped(tmp_path_factory) -> Path:
    from autograder.checks.conv.private.mistakes import MISTAKES

    return mutant_folder("conv", next(m for m in MISTAKES if m.name == "flipped_kernel"))


def test_a_stored_result_renders_in_the_other_language_without_grading(flipped, tmp_path):
    """Does results.json read back and render in Korean as a Korean grade would, and back?"""
    english = grade_folder("conv", flipped)
    stored = SubmissionResult.from_json(json.loads(json.dumps(english.to_json())))
    korean = render_result(copy.deepcopy(stored), "ko")
    from autograder.config import load_course
    from autograder.engine.grading import grade_submission
    from autograder.intake.staging import stage

    spec = load_course(ROOT).assignment("conv")
    graded_ko = grade_submission(
        stage("student", flipped, spec), "conv", seed=7, root=ROOT, lang="ko"
    )
    assert [t.name for t in korean.tests] == [t.name for t in graded_ko.tests]
    assert [t.output for t in korean.tests] == [t.output for t in graded_ko.tests]
    assert korean.output == graded_ko.output and korean.extra["lang"] == "ko"
    back = render_result(korean, "en")
    assert [t.output for t in back.tests] == [t.output for t in english.tests]
    assert back.output == english.output


def test_check_in_korean_as_a_student_reads_it(flipped):
    """Does `dlcourse check conv --lang ko` show the checks, the failures and the mistake in Korean?"""
    result = CliRunner().invoke(main, ["check", "conv", "--lang", "ko", "--path", str(flipped)])
    assert result.exit_code == 1, result.output
    out = result.output
    title = catalogs.translator("conv", "ko").pgettext("check.test_public.test_conv_forward", "")
    for expected in (
        "실패", "통과", title, "실패 유형: 값이 다름", "개의 값이 다릅니다",
        "최대 절대 오차", "처음 다른 곳은 인덱스",
        "흔한 실수로 보입니다 (flipped_kernel: 뒤집은 커널)", "점: 공개 검사",
    ):  # fmt: skip
        assert expected in out, expected
    assert "matches the reference" not in out and "Likely mistake" not in out


def test_dlcourse_lang_chooses_the_language(flipped):
    """Does DLCOURSE_LANG=ko give Korean JSON, and does the default stay English?"""
    runner = CliRunner()
    korean = runner.invoke(main, ["check", "conv", "--json", "--path", str(flipped)],
                           env={"DLCOURSE_LANG": "ko"})  # fmt: skip
    english = runner.invoke(main, ["check", "conv", "--json", "--path", str(flipped)],
                            env={"DLCOURSE_LANG": None})  # fmt: skip
    ko, en = json.loads(korean.output), json.loads(english.output)
    assert [t["extra_data"]["nodeid"] for t in ko["tests"]] == [
        t["extra_data"]["nodeid"] for t in en["tests"]
    ]
    assert all(HANGUL.search(t["name"]) for t in ko["tests"])
    assert not any(HANGUL.search(t["name"] + t["output"]) for t in en["tests"])
    assert any(t["extra_data"]["diagnosis"] == "flipped_kernel" for t in ko["tests"])
    assert "점" in ko["output"] and ko["extra_data"]["lang"] == "ko"
    bad = runner.invoke(
        main, ["check", "conv", "--path", str(flipped)], env={"DLCOURSE_LANG": "fr"}
    )
    assert bad.exit_code == 2


@pytest.mark.slow
def test_grade_writes_english_unless_asked(flipped, tmp_path):
    """Do grade's results stay English for the instructor, and turn Korean with --lang ko?"""
    runner = CliRunner()
    for lang in ("en", "ko"):
        out = tmp_path / lang
        args = ["grade", "conv", str(flipped), "--out", str(out), "-j", "1"]
        result = runner.invoke(main, args + (["--lang", "ko"] if lang == "ko" else []),
                               env={"DLCOURSE_LANG": "ko"})  # fmt: skip
        assert result.exit_code == 0, result.output
        data = json.loads(next(out.glob("*/results.json")).read_text(encoding="utf-8"))
        hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
        assert hidden, "grade runs the hidden checks too"
        korean = [bool(HANGUL.search(t["name"])) for t in data["tests"]]
        assert all(korean) if lang == "ko" else not any(korean)
        failed = [t for t in data["tests"] if t["status"] == "failed"]
        assert failed
        assert all(bool(HANGUL.search(t["output"])) == (lang == "ko") for t in failed)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["regularization", "optim"])
def test_every_failure_of_every_known_mistake_reads_in_korean(assignment):
    """Is each line a known mistake's public failures print Korean (or the call itself)?

    A check whose English changed without its Korean fails here, for two
    assignments whose checks write many messages of their own.
    """
    from autograder.engine.commands import self_check

    call = re.compile(r"^\s*[\w.]+\(.*\)$")
    module = importlib.import_module(f"autograder.checks.{assignment}.private.mistakes")
    untranslated = set()
    for mistake in module.MISTAKES:
        result = self_check(assignment, path=mutant_folder(assignment, mistake), lang="ko").result
        for test in result.tests:
            if test.status == "passed":
                continue
            assert test.output.startswith("실패 유형: "), test.output
            for line in test.output.split("\n")[1:]:
                if line.strip() and not call.match(line) and not line.startswith("    "):
                    if not HANGUL.search(line):
                        untranslated.add(line.strip())
    assert not untranslated, "\n".join(sorted(untranslated))
