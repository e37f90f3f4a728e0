"""Can a Korean learner do the whole course in Korean?

Every assignment ships README.ko.md next to README.md, with the same tasks,
the same structure (sections, formula blocks) and the terms of
course/docs/glossary.md; every notebook carries a Korean cell for each English
one, and release turns it into ID.ipynb and ID.ko.ipynb; particles after
numbers agree with the numbers as they are read.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from autograder.quiz.korean import agree_particles
from autograder.release.notebooks import (
    is_multilingual,
    language_versions,
    localized_name,
    pairing_problems,
    split_notebook,
)
from autograder.release.stubs import plan_assignment

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = sorted(p.parent.name for p in SOLUTIONS.glob("*/README.md"))
NOTEBOOKS = sorted(SOLUTIONS.glob("*/*.ipynb"))
GLOSSARY = ROOT / "course" / "docs" / "glossary.md"

# Words the glossary rules out (its "Not ..." notes), as they would appear in prose.
FORBIDDEN = {
    "그래디언트": "기울기",
    "그라디언트": "기울기",
    "컨볼루션": "합성곱",
    "콘볼루션": "합성곱",
    "오버피팅": "과적합",
    "과대적합": "과적합",
    "라벨": "레이블",
    "웜업": "워밍업",
    "에포크": "에폭",
    "크로스 엔트로피": "교차 엔트로피",
    "레이어 정규화": "층 정규화",
    "상호상관": "교차 상관",
    "바이어스": "편향",
    "특성": "특징",
    "피처": "특징",
    "리지 회귀": "릿지 회귀",
    "클러스터": "군집",
}
# 정규화 means normalization only; these say it of regularization.
REGULARIZATION_AS_NORMALIZATION = re.compile(
    r"정규화\s*\(\s*regulari|L[12]\s*정규화|정규화\s*(?:항|강도|계수|기법)|드롭아웃\s*정규화"
)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(markdown: str) -> str:
    """The text outside code: fenced blocks, indented blocks and `inline code` removed."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"^(?: {4}|\t).*$", "", text, flags=re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _structure(markdown: str) -> tuple[int, int, int]:
    """(headings, fenced code blocks, indented formula blocks) of a markdown text."""
    headings = len(re.findall(r"^#{1,6} ", markdown, flags=re.M))
    fences = markdown.count("```") // 2
    indented = len(re.findall(r"(?:^|\n\n) {4}\S", markdown))
    return headings, fences, indented


def _task_names(readme: str) -> set[str]:
    """The backticked names in the first column of the task table(s) of an English README."""
    names: set[str] = set()
    for line in readme.splitlines():
        if not line.startswith("|"):
            continue
        first = line.strip("|").split("|")[0]
        names.update(re.findall(r"`([A-Za-z_][\w.]*)`", first))
    return names


def _public_names(assignment: str) -> set[str]:
    """Top-level functions and classes of the assignment's module(s)."""
    names: set[str] = set()
    for module in (SOLUTIONS / assignment).glob("*.py"):
        tree = ast.parse(_read(module))
        names.update(
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
        )
    return names


def _korean_texts() -> list[tuple[str, str]]:
    """(where, text) for every Korean README and Korean notebook cell."""
    readmes = [SOLUTIONS / a / "README.ko.md" for a in ASSIGNMENTS]
    texts = [(f"{p.parent.name}/{p.name}", _read(p)) for p in readmes if p.is_file()]
    texts.append(("course/docs/glossary.md", _read(GLOSSARY)))
    for path in NOTEBOOKS:
        notebook = json.loads(_read(path))
        for index, cell in enumerate(notebook["cells"]):
            if cell.get("metadata", {}).get("lang") == "ko":
                source = cell["source"]
                text = "".join(source) if isinstance(source, list) else source
                texts.append((f"{path.name} (cell {index})", text))
    return texts


KOREAN_TEXTS = _korean_texts()


# ---------------------------------------------------------------- READMEs


def test_glossary_names_the_core_terms() -> None:
    """Does the glossary fix one Korean term for each core idea, 규제 apart from 정규화?"""
    text = _read(GLOSSARY)
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in text.splitlines()
        if line.startswith("| ") and line.count("|") >= 4
    }
    expected = {
        "gradient": "기울기",
        "backpropagation": "역전파",
        "convolution": "합성곱",
        "cross-correlation": "교차 상관",
        "regularization": "규제",
        "normalization": "정규화",
        "batch normalization": "배치 정규화",
        "warmup": "워밍업",
        "learning rate": "학습률",
        "weight": "가중치",
    }
    for english, korean in expected.items():
        assert rows.get(english) == korean, (english, rows.get(english))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_a_korean_readme(assignment: str) -> None:
    """Is there a README.ko.md, mostly Korean, with the same sections and formula blocks?"""
    korean = SOLUTIONS / assignment / "README.ko.md"
    assert korean.is_file(), f"solutions/{assignment}/README.ko.md is missing"
    en, ko = _read(SOLUTIONS / assignment / "README.md"), _read(korean)
    assert _structure(ko) == _structure(en), "sections / code blocks differ from README.md"
    prose = _prose(ko)
    hangul, latin = len(HANGUL.findall(prose)), len(LATIN.findall(prose))
    assert hangul > 2 * latin, f"README.ko.md prose is not Korean ({hangul} Hangul, {latin} Latin)"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_two_readmes_link_each_other(assignment: str) -> None:
    """Can a reader of either README switch to the other language in one click?"""
    assert "(README.ko.md)" in _read(SOLUTIONS / assignment / "README.md")
    assert "(README.md)" in _read(SOLUTIONS / assignment / "README.ko.md")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_korean_readme_names_the_same_tasks(assignment: str) -> None:
    """Does README.ko.md mention every task id and every module function that README.md does?"""
    en, ko = (
        _read(SOLUTIONS / assignment / "README.md"),
        _read(SOLUTIONS / assignment / "README.ko.md"),
    )
    tasks = _task_names(en)
    assert tasks, "no task table found in README.md"
    in_english = {name for name in _public_names(assignment) if f"`{name}" in en}
    missing = sorted(name for name in tasks | in_english if f"`{name}" not in ko)
    assert not missing, f"README.ko.md does not mention {missing}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_korean_readme_uses_the_glossary(assignment: str) -> None:
    """No term the glossary rules out, and 정규화 never said of regularization.

    The Korean summary at the top of README.md is held to the same terms.
    """
    english = _read(SOLUTIONS / assignment / "README.md").splitlines()
    summary = " ".join(line.lstrip("> ") for line in english if HANGUL.search(line))
    prose = _prose(_read(SOLUTIONS / assignment / "README.ko.md")) + "\n" + _prose(summary)
    wrong = {word: use for word, use in FORBIDDEN.items() if word in prose}
    assert not wrong, f"use the glossary terms instead: {wrong}"
    match = REGULARIZATION_AS_NORMALIZATION.search(prose)
    assert match is None, f"정규화 used for regularization: {match.group(0)!r}"


@pytest.mark.parametrize("where", [w for w, _ in KOREAN_TEXTS if w.endswith(")")], ids=str)
def test_korean_notebook_text_uses_the_glossary(where: str) -> None:
    """Do the Korean notebook cells avoid the terms the glossary rules out?"""
    prose = _prose(dict(KOREAN_TEXTS)[where])
    wrong = {word: use for word, use in FORBIDDEN.items() if word in prose}
    assert not wrong, f"use the glossary terms instead: {wrong}"
    assert REGULARIZATION_AS_NORMALIZATION.search(prose) is None


def test_korean_text_check_catches_wrong_terms() -> None:
    """Would the glossary check notice 정규화 written for regularization?"""
    assert REGULARIZATION_AS_NORMALIZATION.search("L2 정규화를 더한다")
    assert REGULARIZATION_AS_NORMALIZATION.search("정규화(regularization) 기법")
    assert not REGULARIZATION_AS_NORMALIZATION.search("규제(regularization)와 배치 정규화")
    assert agree_particles("크기가 3가 되고 2이 남는다") == "크기가 3이 되고 2가 남는다"


@pytest.mark.parametrize(("where", "text"), KOREAN_TEXTS, ids=[w for w, _ in KOREAN_TEXTS])
def test_particles_after_numbers_agree(where: str, text: str) -> None:
    """Does every particle after a number fit the number as read (1이, 2가, 3을, 10은)?"""
    fixed = agree_particles(text)
    if fixed != text:
        wrong = [
            (a, b) for a, b in zip(text.splitlines(), fixed.splitlines(), strict=False) if a != b
        ]
        pytest.fail(f"{where}: particles disagree with numbers: {wrong[:3]}")


# --------------------------------------------------------------- notebooks


def _notebook(*cells: tuple[str, str | None]) -> dict:
    return {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {} if lang is None else {"lang": lang},
                "source": [f"{kind} {lang}"],
                **({"outputs": [], "execution_count": None} if kind == "code" else {}),
            }
            for kind, lang in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_split_keeps_code_once_and_one_language() -> None:
    """Does splitting give each reader their language's text and the shared code, untagged?"""
    source = _notebook(("markdown", "en"), ("markdown", "ko"), ("code", None))
    for lang in ("en", "ko"):
        cells = split_notebook(source, lang)["cells"]
        assert [c["source"] for c in cells] == [[f"markdown {lang}"], ["code None"]]
        assert all("lang" not in c["metadata"] for c in cells)
    assert source["cells"][0]["metadata"] == {"lang": "en"}, "the source must not change"


def test_untagged_notebooks_are_released_unchanged() -> None:
    """Is a notebook without language tags released as it is, under its own name only?"""
    text = json.dumps(_notebook(("markdown", None), ("code", None)))
    assert language_versions("x/x.ipynb", text) == [("x/x.ipynb", text)]
    assert localized_name("x/x.ipynb", "ko") == "x/x.ko.ipynb"
    assert localized_name("x/x.ipynb", "en") == "x/x.ipynb"


def test_pairing_problems_are_found() -> None:
    """Are an English cell without Korean, a lone Korean cell and a tagged code cell reported?"""
    good = _notebook(("markdown", "en"), ("markdown", "ko"), ("code", None))
    assert pairing_problems(good) == []
    bad = _notebook(("markdown", "en"), ("code", None), ("markdown", "ko"), ("code", "en"))
    problems = " ".join(pairing_problems(bad))
    assert "without its Korean counterpart" in problems
    assert "without the English cell" in problems
    assert "code cell tagged" in problems
    untagged = " ".join(pairing_problems(_notebook(("markdown", None))))
    assert "without a language tag" in untagged


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.parent.name for p in NOTEBOOKS])
def test_every_notebook_pairs_english_and_korean_text(notebook: Path) -> None:
    """Does every English markdown cell have its Korean counterpart right after it?"""
    data = json.loads(_read(notebook))
    assert is_multilingual(data), f"{notebook.name} has no language-tagged cells"
    assert pairing_problems(data, notebook.name) == []
    for cell in data["cells"]:
        if cell.get("metadata", {}).get("lang") == "ko":
            text = "".join(cell["source"])
            assert len(HANGUL.findall(_prose(text))) > len(LATIN.findall(_prose(text))), text[:80]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.parent.name for p in NOTEBOOKS])
def test_release_writes_both_notebooks_with_the_same_code(notebook: Path) -> None:
    """Does release write ID.ipynb and ID.ko.ipynb, same code cells, one language each?"""
    assignment = notebook.parent.name
    files = {f.relpath: f.content for f in plan_assignment(SOLUTIONS, assignment).files}
    english = json.loads(files[notebook.name])
    korean = json.loads(files[localized_name(notebook.name, "ko")])

    def code(nb: dict) -> list[str]:
        return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]

    def text(nb: dict) -> str:
        return "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")

    assert code(english) == code(korean) and code(english)
    assert not HANGUL.search(_prose(text(english))), "Korean text in the English notebook"
    assert len(HANGUL.findall(text(korean))) > len(LATIN.findall(_prose(text(korean))))
    assert "lang" not in json.dumps([c["metadata"] for c in english["cells"] + korean["cells"]])
