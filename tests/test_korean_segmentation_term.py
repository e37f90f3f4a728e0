"""Does 분할 mean segmentation, and nothing else, in every Korean text of the course?

The glossary (course/docs/glossary.md) gives 분할 to segmentation alone: a tree's
split is 분기, a separable convolution 분리, a split of the data (training,
validation and test sets, k folds) 나누기. Every Korean text of the course stands
next to its English: the sections of README.ko.md and README.md, a notebook's
Korean cell and the English cell before it, the two languages of a hint level, a
catalog's msgid and msgstr, the `en` and `ko` of a quiz field, a glossary row.
So the rule can be checked pair by pair: a Korean text may say 분할 only where
its English speaks of segmentation. The Korean summary at the top of an English
README is paired with that README's English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]

# 분할 as a word: not the tail of 미분할 (non-differentiable), 구분할 (to tell apart) and such
SEGMENTATION_KO = re.compile(r"(?<![\uac00-\ud7a3])분할")
SEGMENTATION_EN = re.compile(r"segment", re.IGNORECASE)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)

Pair = tuple[str, str, str]  # (where, English, Korean)


def _sections(markdown: str) -> list[str]:
    """The text before the first heading, then one text per heading."""
    starts = [0, *(m.start() for m in HEADING.finditer(markdown)), len(markdown)]
    return [markdown[a:b] for a, b in zip(starts, starts[1:], strict=False)]


def readme_pairs(root: Path) -> Iterator[Pair]:
    for korean in sorted(root.glob("solutions/*/README.ko.md")):
        english = korean.with_name("README.md")
        en_text = english.read_text(encoding="utf-8")
        ko_text = korean.read_text(encoding="utf-8")
        name = f"{korean.parent.name}/README"
        summary = [line for line in en_text.splitlines() if HANGUL.search(line)]
        rest = [line for line in en_text.splitlines() if not HANGUL.search(line)]
        yield f"{name}.md (Korean summary)", "\n".join(rest), "\n".join(summary)
        en_sections, ko_sections = _sections(en_text), _sections(ko_text)
        if len(en_sections) != len(ko_sections):  # test_korean.py reports that; pair the whole
            yield f"{name}.ko.md", en_text, ko_text
            continue
        for index, (en, ko) in enumerate(zip(en_sections, ko_sections, strict=True)):
            title = ko.splitlines()[0] if ko.strip() else f"section {index}"
            yield f"{name}.ko.md: {title}", en, ko


def notebook_pairs(root: Path) -> Iterator[Pair]:
    for path in sorted(root.glob("solutions/*/*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell.get("metadata", {}).get("lang") != "ko" or index == 0:
                continue
            en, ko = ("".join(c["source"]) for c in (cells[index - 1], cell))
            yield f"{path.parent.name}/{path.name} (cell {index})", en, ko


def hint_pairs(root: Path) -> Iterator[Pair]:
    for path in sorted(root.glob("solutions/*/hints.toml")):
        for task, levels in tomllib.loads(path.read_text(encoding="utf-8")).items():
            for level, hint in enumerate(levels, start=1):
                yield f"{path.parent.name}/hints.toml: {task} level {level}", hint["en"], hint["ko"]


def catalog_pairs(root: Path) -> Iterator[Pair]:
    for path in sorted(root.glob("autograder/**/locale/ko/LC_MESSAGES/*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or not message.string:
                continue
            en = " ".join(message.id) if isinstance(message.id, tuple) else message.id
            ko = " ".join(message.string) if isinstance(message.string, tuple) else message.string
            yield f"{path.relative_to(root)}: {message.context}", en, ko


def _bilingual(value: Any, where: str) -> Iterator[Pair]:
    if isinstance(value, dict):
        if isinstance(value.get("en"), str) and isinstance(value.get("ko"), str):
            yield where, value["en"], value["ko"]
        for key, item in value.items():
            yield from _bilingual(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            label = item.get("id", index) if isinstance(item, dict) else index
            yield from _bilingual(item, f"{where}[{label}]")


def quiz_pairs(root: Path) -> Iterator[Pair]:
    for path in sorted(root.glob("course/quizzes/*.yaml")):
        yield from _bilingual(yaml.safe_load(path.read_text(encoding="utf-8")), path.stem)


def glossary_pairs(root: Path) -> Iterator[Pair]:
    path = root / "course" / "docs" / "glossary.md"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if HANGUL.search(line):
            yield f"glossary.md line {number}", line, line


def source_pairs(root: Path) -> Iterator[Pair]:
    """Korean in the package's Python source: the English must be on the same line."""
    for path in sorted(root.glob("autograder/**/*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if HANGUL.search(line):
                yield f"{path.relative_to(root)}:{number}", line, line


def bilingual_texts(root: Path) -> list[Pair]:
    """Every (where, English, Korean) pair of the course's texts."""
    sources = (
        readme_pairs,
        notebook_pairs,
        hint_pairs,
        catalog_pairs,
        quiz_pairs,
        glossary_pairs,
        source_pairs,
    )
    return [pair for source in sources for pair in source(root)]


def misused(english: str, korean: str) -> bool:
    """Does the Korean say 분할 where the English does not speak of segmentation?"""
    return bool(SEGMENTATION_KO.search(korean)) and not SEGMENTATION_EN.search(english)


PAIRS = bilingual_texts(ROOT)


def test_every_kind_of_korean_text_is_read() -> None:
    """Are READMEs, notebooks, hints, catalogs, quizzes and the glossary all among the pairs?"""
    kinds = {
        "README.ko.md": "README",
        "(Korean summary)": "summary",
        ".ipynb (cell": "notebook",
        "hints.toml": "hints",
        "LC_MESSAGES": "catalog",
        "glossary.md": "glossary",
    }
    found = {kind for where, _, _ in PAIRS for key, kind in kinds.items() if key in where}
    assert found == set(kinds.values()), set(kinds.values()) - found
    assert any(where.startswith("classical") and "[" in where for where, _, _ in PAIRS), "quizzes"
    assert sum(bool(SEGMENTATION_KO.search(ko)) for _, _, ko in PAIRS) >= 5, "no segmentation?"


def test_segmentation_term_is_not_used_for_splits() -> None:
    """Does every Korean text that says 분할 translate an English text about segmentation?"""
    wrong = [where for where, en, ko in PAIRS if misused(en, ko)]
    assert not wrong, (
        "분할 is segmentation only (course/docs/glossary.md): write 분기 for a tree's split, "
        f"나누기 for a split of the data, 분리 for a separable convolution: {wrong}"
    )


@pytest.mark.parametrize(
    ("english", "korean", "wrong"),
    [
        ("the best split of a decision tree", "결정 트리의 최적 분할", True),
        ("the gain of a split", "분할의 이득", True),
        ("a fixed split: 1200 images to train on", "고정된 분할 하나를 씁니다", True),
        ("depthwise separable convolution", "깊이별 분할 합성곱", True),
        ("the best split of a decision tree", "결정 트리의 최적 분기", False),
        ("semantic segmentation", "의미론적 분할", False),
        ("MSE is not differentiable there", "MSE는 그 점에서 미분할 수 없다", False),
        ("to tell cats from dogs", "고양이와 개를 구분할 때", False),
    ],
)
def test_the_rule_tells_a_split_from_segmentation(english: str, korean: str, wrong: bool) -> None:
    """Would the check flag 분할 said of a tree split, a data split or a separable convolution?"""
    assert misused(english, korean) is wrong
