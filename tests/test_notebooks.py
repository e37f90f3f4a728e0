"""Does every notebook run top to bottom against the reference solution, in every language?

Each notebook of solutions/ID/ is split into the version a reader of each of its
languages gets (autograder.release.notebooks, as release does) and executed with
nbclient in a copy of that folder, so `from ID import ...` inside it picks up
the reference module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.release.notebooks import DEFAULT_LANG, LANGS, is_multilingual, split_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb"))


def _languages(notebook: Path) -> tuple[str, ...]:
    data = json.loads(notebook.read_text(encoding="utf-8"))
    return LANGS if is_multilingual(data) else (DEFAULT_LANG,)


CASES = [(notebook, lang) for notebook in NOTEBOOKS for lang in _languages(notebook)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("notebook", "lang"), CASES, ids=[f"{p.parent.name}-{lang}" for p, lang in CASES]
)
def test_notebook_runs_against_reference(notebook: Path, lang: str, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    work = tmp_path / notebook.parent.name
    shutil.copytree(notebook.parent, work, ignore=shutil.ignore_patterns("__pycache__"))
    source = json.loads(notebook.read_text(encoding="utf-8"))
    nb = nbformat.reads(json.dumps(split_notebook(source, lang)), as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
