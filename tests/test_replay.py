"""Can anything shipped to students answer a graded check?

The student bundle carries the reference's recorded answers to the public
checks (`public_oracle.bin`), so `dlcourse check` works without the solutions.
Grading must never ask a question whose answer is in that file: public checks
keep their fixed inputs only for `check`, and grading draws every input, the
public checks' too, from the grading seed.

Two proofs: for every assignment, no question the grader asks the reference
while grading is among the bundle's recorded ones; and a conv submission that
computes nothing but looks its answers up in the recorded file (the file
embedded in its module) earns points under `check` but exactly 0 when graded.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from graderkit import ROOT, grade_folder

from autograder.checkkit import LiveOracle
from autograder.checkkit.oracle import answer_key
from autograder.config import load_course
from autograder.engine.runner import run_checks
from autograder.intake.staging import stage
from autograder.release.bundle import record_public_answers
from autograder.sandbox.inside import wire

COURSE = load_course(ROOT)
ASSIGNMENTS = sorted(
    a
    for a in COURSE.assignments
    if (ROOT / "autograder" / "checks" / a / "test_public.py").is_file()
)
SLOW = {"transformer", "cnn", "seq2seq", "vit", "bert"}


class AskedOracle(LiveOracle):
    """The live reference, noting the key of every question it is asked."""

    def __init__(self, assignment: str, *, module: str | None = None) -> None:
        super().__init__(assignment, module=module)
        self.asked: dict[str, str] = {}

    def run(self, fn: Any, *args: Any, mistake: str | None = None, **kwargs: Any) -> Any:
        name, key = answer_key(fn, args, kwargs, mistake)
        shapes = [getattr(a, "shape", a) for a in args if not callable(a)]
        self.asked[key] = f"{name}{tuple(shapes)!s:.120}"
        return super().run(fn, *args, mistake=mistake, **kwargs)


def recorded_answers(assignment: str) -> dict[str, Any]:
    target = Path(tempfile.mkdtemp(prefix=f"replay-{assignment}-")) / "public_oracle.bin"
    record_public_answers(COURSE, assignment, target)
    return wire.loads(target.read_bytes())["answers"]


@pytest.mark.parametrize(
    "assignment",
    [pytest.param(a, marks=[pytest.mark.slow] if a in SLOW else []) for a in ASSIGNMENTS],
)
def test_grading_asks_nothing_the_bundle_answers(assignment):
    """Is every question asked while grading absent from the bundle's recorded answers?"""
    recorded = recorded_answers(assignment)
    spec = COURSE.assignment(assignment)
    oracle = AskedOracle(assignment, module=spec.module_stems[0])
    staged = stage("student", ROOT / "solutions" / assignment, spec)
    with staged.materialised() as folder:
        results, _, log = run_checks(
            COURSE, spec, folder, seed=7, include_hidden=True, oracle=oracle
        )
    assert results and all(r.status == "passed" for r in results), log[-2000:]
    assert oracle.asked
    replayable = sorted(oracle.asked[key] for key in set(oracle.asked) & set(recorded))
    assert not replayable, f"graded questions answered in the bundle: {replayable}"


# A conv module that computes nothing: it looks every answer up in the public
# recording, keyed exactly as the grader's oracle keys its questions.
# The worker cannot import the grader, so the module carries its own copy of
# the wire format's source, as a student could.
REPLAY = """
import base64 as _b64
import sys as _sys
import types as _types

_wire = _types.ModuleType("_replay_wire")
_sys.modules["_replay_wire"] = _wire
exec(_b64.b64decode({wire!r}).decode(), _wire.__dict__)
_ANSWERS = _wire.loads(_b64.b64decode({blob!r}))["answers"]


def _look_up(fn, args, kwargs_options):
    for kwargs in kwargs_options:
        key = _wire.canonical_key(["run", fn, None, list(args), dict(kwargs)])
        if key in _ANSWERS:
            return _ANSWERS[key]
    raise NotImplementedError("not in the recording")


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    kw = {{"stride": stride, "pad": pad, "dilation": dilation}}
    out = _look_up("forward_outputs", ["conv_forward", x, w, b], [kw, {{}}])
    return out, ("conv_forward", [x, w, b], kw)


def _pool(kind, x, pool, stride):
    kw = {{"pool": pool, "stride": stride}}
    out = _look_up("forward_outputs", [f"{{kind}}_pool_forward", x], [kw, {{}}])
    return out, (f"{{kind}}_pool_forward", [x], kw)


def max_pool_forward(x, pool=2, stride=2):
    return _pool("max", x, pool, stride)


def avg_pool_forward(x, pool=2, stride=2):
    return _pool("avg", x, pool, stride)


def _backward(name, dout, cache):
    forward, args, kw = cache
    return _look_up("forward_backward", [forward, name, args, kw, dout], [{{}}])


def conv_backward(dout, cache):
    return _backward("conv_backward", dout, cache)


def max_pool_backward(dout, cache):
    return _backward("max_pool_backward", dout, cache)


def avg_pool_backward(dout, cache):
    return _backward("avg_pool_backward", dout, cache)
"""


def test_replaying_the_bundle_earns_nothing_when_graded():
    """Does a conv module that replays the bundle's answers score 0 (though `check` pays it)?"""
    import base64

    target = Path(tempfile.mkdtemp(prefix="replay-conv-")) / "public_oracle.bin"
    record_public_answers(COURSE, "conv", target)
    folder = target.parent / "student"
    folder.mkdir()
    stub = (ROOT / "assignments" / "conv" / "conv.py").read_text(encoding="utf-8")
    blob = base64.b64encode(target.read_bytes()).decode()
    wire_source = (ROOT / "autograder" / "sandbox" / "inside" / "wire.py").read_bytes()
    module = REPLAY.format(blob=blob, wire=base64.b64encode(wire_source).decode())
    (folder / "conv.py").write_text(stub + module, encoding="utf-8")
    # the public inputs: the replay works there (this is what the bundle is for)
    checked = grade_folder("conv", folder, hidden=False)
    assert checked.score > 0, [t.output[:200] for t in checked.tests]
    # grading: every input from the grading seed, nothing to replay
    graded = grade_folder("conv", folder)
    assert graded.status == "graded", graded.output
    earned = [f"{t.name}: {t.score}" for t in graded.tests if t.score > 0]
    assert graded.score == 0, f"replayed answers earn points: {earned}"


def test_the_bundle_ships_only_the_public_mistakes_its_checks_name(monkeypatch):
    """Are a private mistake's name, message and answers kept out of the recorded file?"""
    import dataclasses

    from autograder.checkkit import RecordingOracle

    made: list[RecordingOracle] = []

    class Recorder(RecordingOracle):
        def __init__(self, assignment: str, *, module: str | None = None) -> None:
            super().__init__(assignment, module=module)
            private = self._mistakes["flipped_kernel"]
            self._mistakes[private.name] = dataclasses.replace(private, public=False)
            made.append(self)

    monkeypatch.setattr("autograder.checkkit.RecordingOracle", Recorder)
    target = Path(tempfile.mkdtemp(prefix="replay-private-")) / "public_oracle.bin"
    record_public_answers(COURSE, "conv", target)
    data = wire.loads(target.read_bytes())
    shipped = {name for entries in data["mistakes"].values() for name, _ in entries}
    assert made and "flipped_kernel" not in shipped
    assert shipped, "the public mistakes are still named in the bundle"
    message = made[0]._mistakes["flipped_kernel"].message
    assert message.encode() not in target.read_bytes()
    assert set(data["mistakes"]) <= made[0].asked_tasks
