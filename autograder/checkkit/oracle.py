"""Expected values from the reference solution: live, recording or replaying.

- `LiveOracle`: the reference (and its mutants, for diagnoses) run in the
  grader's process;
- `RecordingOracle`: like live, and every answer is kept so `save()` can write
  the public fixtures that the student bundle replays;
- `ReplayOracle`: answers come from those fixtures (no solution code present).

Checks only see the `Oracle` interface (the `oracle` fixture): `call`,
`forward`, `backward`, `run`, `run_alongside`, `mistakes`, `candidates`, `lazy`.
"""

from __future__ import annotations

import hashlib
import importlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox.inside import wire

# Reference answers shared by every submission graded in this process: the
# public checks (and hidden ones under a common --seed) ask the same questions.
_SHARED_ANSWERS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_SHARED_LIMIT = 20_000
# One reference run at a time in a process. A reference may use process-wide
# state: torch's random generator (seeded by the harness), a patched optimizer
# step that records learning rates (cnn). Two at once (a Dask worker grades in
# several threads; the reference thread of `run_alongside`) would mix them.
_REFERENCE_LOCK = threading.RLock()


class OracleMissing(RuntimeError):
    """Replay met a call that was not recorded (public fixtures out of date)."""


class LazyCandidates(Mapping[str, tuple[str, Any]]):
    """Known-mistake outputs computed on first use; mutants that fail are left out."""

    def __init__(self, thunks: Mapping[str, tuple[str, Callable[[], Any]]]) -> None:
        self._thunks = dict(thunks)
        self._values: dict[str, tuple[str, Any]] | None = None

    def _load(self) -> dict[str, tuple[str, Any]]:
        if self._values is None:
            values: dict[str, tuple[str, Any]] = {}
            for name, (message, thunk) in self._thunks.items():
                try:
                    values[name] = (message, thunk())
                except OracleMissing:
                    raise
                except Exception:  # noqa: BLE001 - a mutant may fail on some inputs
                    continue
            self._values = values
        return self._values

    def __getitem__(self, name: str) -> tuple[str, Any]:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def map(self, transform: Callable[[Any], Any]) -> LazyCandidates:
        """The same candidates with `transform` applied to each value, still evaluated lazily.

        For checks that compare a reshaped result (e.g. a tuple's parts as a
        list): `oracle.candidates(...).map(parts)` instead of a dict built from
        `.items()`, which would run every mutant even for a correct submission.
        """

        def then(thunk: Callable[[], Any]) -> Callable[[], Any]:
            return lambda: transform(thunk())

        mapped = LazyCandidates(
            {name: (message, then(thunk)) for name, (message, thunk) in self._thunks.items()}
        )
        if self._values is not None:  # already evaluated (eager oracle): keep it so
            len(mapped)
        return mapped


def _copy(value: Any) -> Any:
    """Deep-copy arrays so a reference that (wrongly) edits its inputs cannot leak state."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def forward_outputs(module: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """A forward's outputs without its cache (one output: the output itself)."""
    result = getattr(module, name)(*args, **kwargs)
    outputs = result[:-1]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def forward_backward(
    module: Any, forward: str, backward: str, args: list[Any], kwargs: dict[str, Any], dout: Any
) -> Any:
    """`backward(dout, cache)` with the cache of `forward(*args, **kwargs)`."""
    cache = getattr(module, forward)(*args, **kwargs)[-1]
    return getattr(module, backward)(dout, cache)


def answer_key(fn: Callable[..., Any] | str, args: Sequence[Any], kwargs: Mapping[str, Any],
               mistake: str | None) -> tuple[str, str]:  # fmt: skip
    """(function name, canonical key) under which an answer is shared and recorded."""
    name = fn if isinstance(fn, str) else fn.__name__
    return name, wire.canonical_key(["run", name, mistake, list(args), dict(kwargs)])


def shared_key(
    fn: Callable[..., Any] | str, args: Sequence[Any], kwargs: Mapping[str, Any],
    mistake: str | None,
) -> str:  # fmt: skip
    """The key under which a live answer is shared in this process: a digest of the call.

    A pickle of the exact arguments costs a fraction of the wire's canonical
    encoding (`answer_key`, which recording and replay need). Equal pickles
    are equal calls; equal calls that pickle differently (an int here, a numpy
    integer there) only miss the shared answer and compute it again.
    """
    name = fn if isinstance(fn, str) else fn.__name__
    try:
        body = pickle.dumps((name, mistake, list(args), sorted(kwargs.items())), protocol=5)
    except Exception:  # noqa: BLE001 - something pickle cannot write: the canonical key
        return answer_key(fn, args, kwargs, mistake)[1]
    return "p" + hashlib.sha256(body).hexdigest()


class Oracle:
    """What every oracle offers checks; subclasses say where answers come from."""

    #: evaluate known-mistake candidates at once (the recorder must store them)
    eager = False

    def __init__(self, assignment: str, *, module: str | None = None) -> None:
        self.assignment = assignment
        self.module = module or assignment
        self.mistake_index: dict[str, list[list[str]]] = {}

    def run(
        self, fn: Callable[..., Any] | str, *args: Any, mistake: str | None = None, **kwargs: Any
    ) -> Any:
        """`fn(reference_module, *args, **kwargs)`; `mistake` runs it on that mutant."""
        raise NotImplementedError

    def run_alongside(
        self,
        work: Callable[[], Any],
        fn: Callable[..., Any] | str,
        *args: Any,
        mistake: str | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """(`work()`, `self.run(fn, *args, **kwargs)`): the student's run and the reference's.

        `work` is the student's side of one comparison (a call of the `sub`
        fixture); it runs in this thread. Here the reference runs first and
        `work` after it; a live oracle overlaps the two. Either way an error of
        the reference wins over one of `work`, as when the reference ran first.
        """
        want = self.run(fn, *args, mistake=mistake, **kwargs)
        return work(), want

    def call(self, name: str, *args: Any, mistake: str | None = None, **kwargs: Any) -> Any:
        """The reference function `name` called with these arguments."""
        return self.run(name, *args, mistake=mistake, **kwargs)

    def forward(self, name: str, *args: Any, mistake: str | None = None, **kwargs: Any) -> Any:
        """A forward function's outputs without its cache (one output: the output itself)."""
        return self.run(forward_outputs, name, *args, mistake=mistake, **kwargs)

    def backward(
        self,
        forward: str,
        backward: str,
        args: Sequence[Any],
        dout: Any,
        *,
        kwargs: Mapping[str, Any] | None = None,
        mistake: str | None = None,
    ) -> Any:
        """The reference backward: run `forward(*args, **kwargs)`, then `backward(dout, cache)`."""
        return self.run(
            forward_backward,
            forward,
            backward,
            list(args),
            dict(kwargs or {}),
            dout,
            mistake=mistake,
        )

    def mistakes(self, task: str) -> list[tuple[str, str]]:
        return [(name, message) for name, message in self.mistake_index.get(task, [])]

    def candidates(
        self, task: str, fn: Callable[..., Any] | str, *args: Any, **kwargs: Any
    ) -> Mapping[str, tuple[str, Any]]:
        """What each known mistake of `task` would return for this call: {name: (message, value)}.

        Evaluated only when a comparison fails (a correct submission costs no
        mutant runs); when recording, at once, so the bundle can replay them.
        """
        return self.lazy(
            {
                name: (message, partial(self.run, fn, *args, mistake=name, **kwargs))
                for name, message in self.mistakes(task)
            }
        )

    def lazy(
        self, thunks: Mapping[str, tuple[str, Callable[[], Any]]]
    ) -> Mapping[str, tuple[str, Any]]:
        """{name: (message, thunk)} -> a mapping of (message, value), evaluated on first use."""
        candidates = LazyCandidates(thunks)
        if self.eager:
            len(candidates)  # evaluate now
        return candidates


class LiveOracle(Oracle):
    """The reference solution and its mutants, run in the grader's process.

    `overlap` lets `run_alongside` compute the reference in a thread while the
    student's code runs; only for work in another process (a worker): code in
    this process shares torch's global state (its random generator, a patched
    optimizer's step) with the reference, so there the two take turns.
    """

    def __init__(self, assignment: str, *, module: str | None = None, overlap: bool = True) -> None:
        super().__init__(assignment, module=module)
        self.overlap = overlap
        self._mistakes = self._load_mistakes()
        self._modules: dict[str | None, Any] = {}  # the reference and mutants, once found
        for m in self._mistakes.values():
            self.mistake_index.setdefault(m.task, []).append([m.name, m.message])

    def _load_mistakes(self) -> dict[str, Any]:
        try:
            module = importlib.import_module(
                f"autograder.checks.{self.assignment}.private.mistakes"
            )
        except ModuleNotFoundError:
            return {}
        return {m.name: m for m in getattr(module, "MISTAKES", [])}

    def _module(self, mistake: str | None) -> Any:
        from autograder.checkkit.mutants import load_mutant
        from autograder.paths import load_reference

        if mistake not in self._modules:
            if mistake is None:
                found = load_reference(self.assignment, self.module)
            else:
                found = load_mutant(self.assignment, self._mistakes[mistake])
            self._modules[mistake] = found
        return self._modules[mistake]

    def run(
        self, fn: Callable[..., Any] | str, *args: Any, mistake: str | None = None, **kwargs: Any
    ) -> Any:
        key = (self.assignment, shared_key(fn, args, kwargs, mistake))
        with _REFERENCE_LOCK:
            if key in _SHARED_ANSWERS:
                return _copy(_SHARED_ANSWERS[key])
            module = self._module(mistake)
            if isinstance(fn, str):
                value = getattr(module, fn)(*_copy(args), **_copy(kwargs))
            else:
                value = fn(module, *_copy(args), **_copy(kwargs))
            _SHARED_ANSWERS[key] = _copy(value)
            if len(_SHARED_ANSWERS) > _SHARED_LIMIT:
                _SHARED_ANSWERS.popitem(last=False)
            return value

    def run_alongside(
        self,
        work: Callable[[], Any],
        fn: Callable[..., Any] | str,
        *args: Any,
        mistake: str | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """The reference runs in a thread of its own while `work` waits for the worker.

        The student's run happens in the sandbox's process, so the grader's
        computing the reference meanwhile costs the student's run nothing but a
        core: a reference that trains (its first optimizer imports
        torch._dynamo, ~0.6 s) no longer comes before a worker that does the
        same. `work` stays in this thread (workers are started and kept per
        thread); the reference touches only its own copies of the arguments.
        An answer this process already has is not worth a thread.
        """
        if (
            not self.overlap
            or (self.assignment, shared_key(fn, args, kwargs, mistake)) in _SHARED_ANSWERS
        ):
            return super().run_alongside(work, fn, *args, mistake=mistake, **kwargs)
        answer: list[Any] = []
        failure: list[Exception] = []

        def reference() -> None:
            try:
                answer.append(self.run(fn, *args, mistake=mistake, **kwargs))
            except Exception as exc:  # noqa: BLE001 - raised in the caller's thread below
                failure.append(exc)

        thread = threading.Thread(target=reference, name="dlcourse-reference", daemon=True)
        thread.start()
        try:
            got = work()
        except Exception:
            thread.join()
            if failure:  # the reference's error first, as when it ran first
                raise failure[0] from None
            raise
        thread.join()
        if failure:
            raise failure[0]
        return got, answer[0]


class RecordingOracle(LiveOracle):
    """A live oracle that keeps every answer, for the student bundle's replay."""

    eager = True

    def __init__(self, assignment: str, *, module: str | None = None) -> None:
        super().__init__(assignment, module=module)
        self.answers: dict[str, Any] = {}
        self.asked_tasks: set[str] = set()

    def mistakes(self, task: str) -> list[tuple[str, str]]:
        """Only public mistakes are offered (and so recorded) for the bundle."""
        self.asked_tasks.add(task)
        return [(n, m) for n, m in super().mistakes(task) if self._mistakes[n].public]

    def run(
        self, fn: Callable[..., Any] | str, *args: Any, mistake: str | None = None, **kwargs: Any
    ) -> Any:
        value = super().run(fn, *args, mistake=mistake, **kwargs)
        _, key = answer_key(fn, args, kwargs, mistake)
        if key not in self.answers and (mistake is None or self._mistakes[mistake].public):
            wire.dumps(value)  # fail loudly now if the answer cannot be stored
            self.answers[key] = _copy(value)
        return value

    def save(self, path: Path) -> None:
        """The answers and the mistakes the public checks name: public ones of the tasks
        they asked about (nothing about other tasks or private mistakes is shipped)."""
        shipped = {
            task: [[n, m] for n, m in self.mistakes(task)] for task in sorted(self.asked_tasks)
        }
        path.write_bytes(wire.dumps({"answers": self.answers, "mistakes": shipped}))


class ReplayOracle(Oracle):
    """Answers recorded by a `RecordingOracle` (the student bundle has no solutions)."""

    def __init__(self, assignment: str, store: Path, *, module: str | None = None) -> None:
        super().__init__(assignment, module=module)
        if not store.is_file():
            raise OracleMissing(f"no recorded answers for {assignment} (expected {store})")
        data = wire.loads(store.read_bytes())
        self.answers: dict[str, Any] = data["answers"]
        self.mistake_index = data["mistakes"]

    def run(
        self, fn: Callable[..., Any] | str, *args: Any, mistake: str | None = None, **kwargs: Any
    ) -> Any:
        name, key = answer_key(fn, args, kwargs, mistake)
        if key not in self.answers:
            raise OracleMissing(
                f"no recorded answer for {name}: the public fixtures are out of date "
                "(ask your instructor to re-release the assignment)"
            )
        return self.answers[key]
