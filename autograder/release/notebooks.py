"""One source notebook, one notebook per language.

A notebook of `solutions/ID/` holds its code once and its text in every
language: each markdown cell carries `{"lang": "en"}` or `{"lang": "ko"}` in its
metadata, and every English cell is followed directly by its Korean
counterpart. Code cells carry no language and go to every version. Release
writes `ID.ipynb` (English) and `ID.ko.ipynb` (Korean) from it; a notebook
without language tags is released as it is, in English only.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from autograder.solutions import MarkerError

LANGS = ("en", "ko")
DEFAULT_LANG = "en"
LANG_KEY = "lang"

Notebook = dict[str, Any]
Cell = dict[str, Any]


def cell_lang(cell: Cell) -> str | None:
    """The language a cell is written in, or None for a cell shared by all."""
    value = cell.get("metadata", {}).get(LANG_KEY)
    return value if isinstance(value, str) else None


def is_multilingual(notebook: Notebook) -> bool:
    """Does any cell of the notebook carry a language tag?"""
    return any(cell_lang(cell) is not None for cell in notebook.get("cells", []))


def split_notebook(notebook: Notebook, lang: str) -> Notebook:
    """The notebook as a reader of `lang` gets it: other languages' cells dropped, tags removed."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    result = copy.deepcopy(notebook)
    cells: list[Cell] = []
    for cell in result.get("cells", []):
        tagged = cell_lang(cell)
        if tagged is not None and tagged != lang:
            continue
        cell.get("metadata", {}).pop(LANG_KEY, None)
        cells.append(cell)
    result["cells"] = cells
    return result


def localized_name(relpath: str, lang: str) -> str:
    """`conv/conv.ipynb` -> `conv/conv.ko.ipynb` for Korean; unchanged for English."""
    if lang == DEFAULT_LANG:
        return relpath
    stem, dot, suffix = relpath.rpartition(".")
    if not dot:
        return f"{relpath}.{lang}"
    return f"{stem}.{lang}.{suffix}"


def dump_notebook(notebook: Notebook) -> str:
    """Serialise the way the course's notebooks are stored (indent 1, UTF-8 text, final newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def language_versions(relpath: str, text: str) -> list[tuple[str, str]]:
    """The released notebook files for one source notebook: (relative path, text) pairs.

    A bilingual notebook whose cells are not proper pairs is refused (MarkerError):
    a reader of one language would miss what the other reads.
    """
    notebook = json.loads(text)
    if not is_multilingual(notebook):
        return [(relpath, text)]
    problems = pairing_problems(notebook, relpath)
    if problems:
        raise MarkerError("; ".join(problems))
    return [
        (localized_name(relpath, lang), dump_notebook(split_notebook(notebook, lang)))
        for lang in LANGS
    ]


def pairing_problems(notebook: Notebook, name: str = "<notebook>") -> list[str]:
    """Why a source notebook is not a proper language pair (empty when it is).

    Every markdown cell is tagged, every English cell is followed directly by a
    Korean one, no Korean cell stands alone, and code cells are shared.
    """
    problems: list[str] = []
    cells = notebook.get("cells", [])
    for index, cell in enumerate(cells):
        tagged = cell_lang(cell)
        kind = cell.get("cell_type")
        where = f"{name} (cell {index})"
        if kind == "code":
            if tagged is not None:
                problems.append(f"{where}: a code cell tagged {tagged!r}; code is shared")
            continue
        if kind != "markdown":
            continue
        if tagged not in LANGS:
            problems.append(f"{where}: a markdown cell without a language tag")
        elif tagged == "en":
            following = cells[index + 1] if index + 1 < len(cells) else None
            if following is None or cell_lang(following) != "ko":
                problems.append(f"{where}: an English cell without its Korean counterpart")
        else:
            previous = cells[index - 1] if index > 0 else None
            if previous is None or cell_lang(previous) != "en":
                problems.append(f"{where}: a Korean cell without the English cell it translates")
    return problems
