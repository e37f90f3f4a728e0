"""Is a correct submission split into several files graded as correct?

Every top-level .py file of the submission folder (or of the zip's folder that
holds the module) is staged next to the module, within limits. A file whose
name would hide numpy, torch or a standard-library module is refused with a
message that says so when the submission imports it.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from graderkit import ROOT, grade_folder

from autograder.config import load_course
from autograder.intake.helpers import MAX_HELPERS
from autograder.intake.staging import stage

CONV = load_course(ROOT).assignment("conv")
REFERENCE = (ROOT / "solutions" / "conv" / "conv.py").read_text(encoding="utf-8")
PUBLIC = [
    "conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward",
    "avg_pool_forward", "avg_pool_backward", "conv_transpose_forward", "conv_transpose_backward",
]  # fmt: skip


def split_reference(extra: dict[str, str] | None = None, *, imports: str = "") -> Path:
    """The reference as a helper module `conv_impl.py`, and conv.py re-exporting it."""
    folder = Path(tempfile.mkdtemp(prefix="multifile-")) / "student"
    folder.mkdir()
    (folder / "conv_impl.py").write_text(REFERENCE, encoding="utf-8")
    main = f"{imports}from conv_impl import {', '.join(PUBLIC)}  # noqa: F401\n"
    (folder / "conv.py").write_text(main, encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_reference_split_into_a_helper_module_gets_full_marks():
    """Does conv.py importing its maths from a helper module earn full marks?"""
    result = grade_folder("conv", split_reference())
    assert result.status == "graded", result.output
    assert result.score == result.max_score > 0, [t.output[:300] for t in result.tests][:3]


def test_a_zipped_split_reference_gets_full_marks():
    """The same, zipped inside a folder (as students zip their work)?"""
    folder = split_reference()
    archive = folder.parent / "submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, f"my-work/{path.name}")
    result = grade_folder("conv", archive)
    assert result.score == result.max_score > 0, result.output


def test_a_helper_that_hides_a_library_is_refused_with_a_clear_message():
    """Is an imported random.py (it would hide the standard library's) refused, saying why?"""
    folder = split_reference({"random.py": "x = 1\n"}, imports="import random  # noqa: F401\n")
    staged = stage("student", folder, CONV)
    assert "random.py" not in staged.files
    assert any("random.py would hide" in p and "rename it" in p for p in staged.problems)
    result = grade_folder("conv", folder)
    assert result.score == 0
    assert all("random.py would hide" in t.output for t in result.tests)


def test_an_unused_file_with_a_library_name_is_left_out():
    """Does a stray string.py (a standard-library name) that nothing imports stay out, freely?"""
    folder = split_reference({"string.py": "raise SystemExit('shadowed')\n"})
    staged = stage("student", folder, CONV)
    assert "string.py" not in staged.files and not staged.problems
    assert set(staged.files) == {"conv.py", "conv_impl.py"}


def test_too_many_helper_files_are_refused():
    """Is a folder with more helper files than the limit refused, saying the limit?"""
    extra = {f"part{i}.py": f"X{i} = {i}\n" for i in range(MAX_HELPERS + 1)}
    staged = stage("student", split_reference(extra), CONV)
    assert any(f"at most {MAX_HELPERS}" in p for p in staged.problems), staged.problems
