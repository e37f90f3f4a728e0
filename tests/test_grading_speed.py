"""The speed-ups of the grading path change no result.

- one pytest session per grading process: checks collected once and run
  again for each submission give exactly what a fresh `pytest.main` gives
  (scores, messages, diagnoses, seeds), for passing and failing submissions;
- numerical gradients in one request, the shifted inputs made in the worker:
  the same numbers as shifting them here, and a forward that edits its
  inputs cannot change the next call;
- known-mistake candidates stay lazy through `LazyCandidates.map`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from graderkit import ROOT, grade_folder, mutant_folder

from autograder.checkkit import LazyCandidates
from autograder.checkkit.gradients import _central_differences, eval_directions
from autograder.engine import runner
from autograder.sandbox.submission import Submission, SubmissionSpec


def _digest(result: object) -> list[tuple]:
    return [
        (t.nodeid, t.score, t.status, t.output, t.diagnosis, t.kind)
        for t in result.tests  # type: ignore[attr-defined]
    ] + [(result.status, result.score, result.seed)]  # type: ignore[attr-defined]


def test_one_session_per_process_gives_what_pytest_main_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Are results of the reused session those of a fresh pytest.main, submission after submission?"""
    mistakes = importlib.import_module("autograder.checks.conv.private.mistakes").MISTAKES
    folders = [ROOT / "solutions" / "conv", mutant_folder("conv", mistakes[0])]
    runs = [
        (folder, seed, hidden) for folder in folders for seed in (3, 4) for hidden in (True, False)
    ]
    runner.close_sessions()
    reused = [_digest(grade_folder("conv", f, seed=s, hidden=h)) for f, s, h in runs]
    assert len(runner._SESSIONS) == 2  # public only, and public + hidden: one each
    sessions = dict(runner._SESSIONS)
    again = _digest(grade_folder("conv", folders[0], seed=3))
    assert runner._SESSIONS == sessions  # reused, not collected again
    monkeypatch.setattr(runner, "_run_in_session", lambda *args: None)
    fresh = [_digest(grade_folder("conv", f, seed=s, hidden=h)) for f, s, h in runs]
    assert reused == fresh
    assert again == fresh[0]
    assert reused[0][-1][1] > reused[4][-1][1]  # the mutant lost points: a real comparison
    runner.close_sessions()


def test_a_grader_error_drops_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does an error of the grader's own give exit 3 and a new session for the next submission?"""
    runner.close_sessions()
    grade_folder("conv", ROOT / "solutions" / "conv", hidden=False)
    (session,) = runner._SESSIONS.values()

    def broken(ctx: object) -> int:
        raise RuntimeError("a bug in the grader")

    monkeypatch.setattr(session, "run", broken)
    result = grade_folder("conv", ROOT / "solutions" / "conv", hidden=False)
    assert result.status == "error" and "a bug in the grader" in result.output
    assert not runner._SESSIONS
    assert grade_folder("conv", ROOT / "solutions" / "conv", hidden=False).score > 0
    runner.close_sessions()


def _spec(folder: Path) -> SubmissionSpec:
    return SubmissionSpec(folder=folder, modules=("mod",), timeout_s=20, import_timeout_s=20)


def test_directions_made_in_the_worker_match_directions_made_here(tmp_path: Path) -> None:
    """Are the central differences of one batched request those of shifting the inputs here?"""
    (tmp_path / "mod.py").write_text(
        "import numpy as np\n"
        "def f(x, w, scale=1.0):\n"
        "    out = np.tanh(x @ w) * scale\n"
        "    x += 1.0  # edits its input: must not reach the next call\n"
        "    return out, None\n"
    )
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    dout = rng.standard_normal((3, 2))
    h = 1e-6
    probes = [
        (0, [rng.standard_normal(x.shape) for _ in range(3)]),
        (1, [rng.standard_normal(w.shape)]),
    ]
    sub = Submission(_spec(tmp_path))
    try:
        sub.begin_check()
        from autograder.checkkit.gradients import _student_outputs

        outputs = _student_outputs(sub, "f", [x, w], probes, {"scale": 2.0}, 0, h)
    finally:
        sub.close()
    module = type(
        "M", (), {"f": staticmethod(lambda x, w, scale=1.0: (np.tanh(x @ w) * scale, None))}
    )
    for (wrt, directions), got in zip(probes, outputs, strict=True):
        want = []
        for v in directions:
            for sign in (1.0, -1.0):
                args = [x.copy(), w.copy()]
                args[wrt] = np.asarray(args[wrt], dtype=float) + sign * h * v
                want.append(module.f(*args, scale=2.0)[0])
        assert len(got) == len(want)
        for g, ww in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, ww)  # the same floats, not merely close
        numeric = _central_differences("f", got, dout, h)
        assert numeric.shape == (len(directions),) and np.all(np.isfinite(numeric))
    # the harness itself, in this process: the arguments it was given stay as they were
    x0 = x.copy()
    eval_directions(module, "f", [x, w], {}, [[0, probes[0][1]]], h, 0)
    np.testing.assert_array_equal(x, x0)


def test_mapped_candidates_stay_lazy() -> None:
    """Does `map` run no mutant until a failed comparison asks for the candidates?"""
    ran: list[str] = []

    def thunk(name: str, value: object) -> object:
        def run() -> object:
            ran.append(name)
            if value is None:
                raise ValueError("this mutant fails on these inputs")
            return value

        return run

    candidates = LazyCandidates(
        {"a": ("msg a", thunk("a", (1, 2))), "b": ("msg b", thunk("b", None))}
    )
    mapped = candidates.map(list)
    assert ran == []
    assert dict(mapped) == {"a": ("msg a", [1, 2])}
    assert sorted(ran) == ["a", "b"]
