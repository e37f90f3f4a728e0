"""Can a submission carry hidden checks' inputs or harness into public feedback? (issue 26.3)

Public checks' feedback is what a student sees before grades are published;
hidden checks' inputs and harness code must stay out of it. The submission
here is the reference conv.py plus a spy: at import it wraps the worker's
request handler and records every array it is sent (a fingerprint of its
bytes) and the first line of every harness it is asked to define; each of its
functions then prints that record, and raises an exception carrying it, so that
whatever a public check's feedback can quote (an exception, printed output)
holds all it saw. On the grader's side the test records which inputs each
check sent, public or hidden.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from graderkit import ROOT, grade_folder

from autograder.engine.plugin import GraderPlugin
from autograder.engine.untrusted import untrusted_text
from autograder.sandbox.submission import Submission

SPY = """

import hashlib as _hashlib
import sys as _sys

_SEEN = []


def _note(value):
    if hasattr(value, "tobytes") and hasattr(value, "dtype"):
        import numpy as _np

        _SEEN.append(_hashlib.sha256(_np.ascontiguousarray(value).tobytes()).hexdigest()[:12])
    elif isinstance(value, (list, tuple)):
        for item in value:
            _note(item)
    elif isinstance(value, dict):
        for item in value.values():
            _note(item)


for _module in list(_sys.modules.values()):
    if hasattr(_module, "_handle") and hasattr(_module, "_harness"):
        _real = _module._handle

        def _spy(request, _real=_real):
            if request.get("op") == "define":
                _SEEN.append("SRC:" + str(request.get("source", "")).splitlines()[0][:60])
            elif request.get("op") == "call":
                _note(request.get("args"))
                _note(request.get("kwargs"))
            return _real(request)

        _module._handle = _spy


def _leaky(fn):
    def wrapper(*args, **kwargs):
        record = " ".join(_SEEN[:40])
        print("SEEN", record)
        raise ValueError("SEEN " + record)

    return wrapper


for _name in ("conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward",
              "avg_pool_forward", "avg_pool_backward", "conv_transpose_forward",
              "conv_transpose_backward"):
    if _name in globals():
        globals()[_name] = _leaky(globals()[_name])
"""


def _fingerprints(value, out):
    if isinstance(value, np.ndarray):
        out.append(hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()[:12])
    elif isinstance(value, (list, tuple)):
        for item in value:
            _fingerprints(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _fingerprints(item, out)


@pytest.fixture()
def sent(monkeypatch):
    """{"public": set, "hidden": set}: what the grader sent the worker during each kind of check."""
    record = {"public": set(), "hidden": set()}
    now = {"kind": "public"}
    begin, request = GraderPlugin._begin, Submission._request

    def spied_begin(self, item):
        now["kind"] = "hidden" if self._facts(item).hidden else "public"
        return begin(self, item)

    def spied_request(self, payload, what):
        found: list[str] = []
        if payload.get("op") == "define":
            found.append("SRC:" + payload["source"].splitlines()[0][:60])
        _fingerprints(payload.get("args"), found)
        _fingerprints(payload.get("kwargs"), found)
        record[now["kind"]].update(found)
        return request(self, payload, what)

    monkeypatch.setattr(GraderPlugin, "_begin", spied_begin)
    monkeypatch.setattr(Submission, "_request", spied_request)
    return record


def test_public_feedback_holds_nothing_a_hidden_check_sent(sent, tmp_path):
    """Does no public check's feedback (exception text, printed output) quote a hidden
    input or a hidden harness's source, although the submission tries to, and quotes
    its public ones?"""
    folder = tmp_path / "spy"
    folder.mkdir()
    reference = (ROOT / "solutions" / "conv" / "conv.py").read_text()
    (folder / "conv.py").write_text(reference + SPY)
    result = grade_folder("conv", folder, seed=11)
    public = [t for t in result.tests if t.visibility == "visible"]
    hidden = [t for t in result.tests if t.visibility != "visible"]
    assert public and hidden and all(t.status == "failed" for t in result.tests)
    secret = sent["hidden"] - sent["public"]
    assert any(s.startswith("SRC:") for s in secret)  # a hidden harness was defined
    assert len([s for s in secret if not s.startswith("SRC:")]) > 10  # hidden inputs were sent
    shown = "\n".join(t.output for t in public)
    assert "SEEN" in shown  # the spy does speak in public feedback
    leaked = sorted(s for s in secret if s in shown)
    assert leaked == [], leaked
    assert [s for s in sent["public"] if s in shown]  # and quotes what public checks sent it
    # the public checks ran first, each kind with a worker of its own
    kinds = [t.visibility == "visible" for t in result.tests]
    assert kinds == sorted(kinds, reverse=True)


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[2J\x1b[31mall passed", "\\x1b[2J\\x1b[31mall passed"),
        ("a\rb", "a\\x0db"),
        ("evil\u202etxt.py", "evil\\u202etxt.py"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
        ("한국어 메시지", "한국어 메시지"),
    ],
)
def test_the_workers_words_are_escaped_before_they_reach_feedback(raw, shown):
    """Are terminal escapes, carriage returns, bidi overrides and zero-width characters from
    the worker shown as escapes, with newlines, tabs and any language kept?"""
    assert untrusted_text(raw) == shown


def test_an_exception_that_drives_the_terminal_is_escaped_in_feedback(tmp_path):
    """Does a submission whose exception and prints hold terminal escapes get feedback
    that holds none, and is each quoted value clipped?"""
    folder = tmp_path / "ansi"
    folder.mkdir()
    reference = (ROOT / "solutions" / "conv" / "conv.py").read_text()
    evil = (
        "\n\ndef conv_forward(*args, **kwargs):\n"
        "    print('\\x1b]0;owned\\x07' * 3)\n"
        "    raise ValueError('\\x1b[2J\\x1b[1;32mALL CHECKS PASSED' + 'x' * 20000)\n"
    )
    (folder / "conv.py").write_text(reference + evil)
    result = grade_folder("conv", folder, seed=3, hidden=False)
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed
    for test in failed:
        assert "\x1b" not in test.output and "\x07" not in test.output
    said = next(t.output for t in failed if "ALL CHECKS PASSED" in t.output)
    assert "\\x1b[2J" in said and len(said) < 8000


def test_a_name_from_the_submission_reaches_the_summary_escaped(tmp_path):
    """Does a file name holding a terminal escape reach the result's summary escaped?"""
    from autograder.config import load_course
    from autograder.engine.grading import grade_submission
    from autograder.intake.staging import stage

    archive = tmp_path / "eve\x1b[2J\x1b]0;pwned\x07.zip"
    archive.write_bytes(b"not a zip at all")
    staged = stage("eve", archive, load_course(ROOT).assignment("conv"))
    assert any("\x1b" in problem for problem in staged.problems)  # the name is quoted
    result = grade_submission(staged, "conv", seed=3, include_hidden=False, root=ROOT)
    assert "not a readable zip" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J" in result.output
