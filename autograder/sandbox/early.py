"""A worker started before the first check asks for one (a one-shot self-check's).

`dlcourse check` grades one submission and exits. It calls `start` as soon as
the submission is read, before its own imports (numpy, pytest, torch for the
reference) and the checks' collection, so the worker's interpreter comes up
and imports the submission on another core meanwhile, instead of after them.

The worker is the one a first check would start cold: bubblewrap, its cgroup
and rlimits, its own copy of the submission, the scrubbed environment (see
`host.Worker`). Not a zygote's child: one submission has no zygote to share,
and a zygote's warm-up (for torch, its optimizers and compiler: ~0.8 s) is work
a self-check does not need. The first `Worker` started for the same files and
settings takes it over (`take_over`), with the import request already sent:
that import's time limit counts from when it was sent. Nothing else changes:
the same requests, replies, limits and restarts after a crash (a restart gets
an ordinary worker).
"""

from __future__ import annotations

import atexit
import time
from collections.abc import Sequence
from typing import Any

from autograder.sandbox import warm
from autograder.sandbox.errors import WorkerError

# Started workers no `Worker` has taken over yet, by (configuration, files).
_STARTED: dict[tuple[Any, ...], Any] = {}  # host.Worker objects
# What a worker being taken over hands on: its process, files, channel and sent request.
_HANDED_ON = ("proc", "tmp", "cgroup", "launcher", "stdout_path", "_req_w", "_resp_r", "_sent")


def import_request(modules: Sequence[str]) -> dict[str, Any]:
    """The request that imports the submission's `modules` (a worker's first)."""
    return {"op": "import", "modules": list(modules)}


def start(worker: Any, modules: Sequence[str]) -> None:
    """Start `worker` (a `host.Worker` not started yet) cold for its submission, send it
    the import of `modules`, and return at once (see above). Where it cannot start,
    nothing is left: the first check then starts its worker as usual."""
    files = warm.submission_files(worker.submission_dir)
    if files is None:
        return
    try:
        worker._start_cold()
        from autograder.sandbox.inside import wire  # numpy, imported while the worker starts

        body = wire.dumps(import_request(modules))
        worker._sent = (body, time.monotonic())
        worker._write_all(wire.frame(body), time.monotonic() + 10.0)
    except (OSError, WorkerError):
        worker.close()
        return
    _STARTED[(worker.config, tuple(files))] = worker


def take_over(worker: Any) -> bool:
    """Give `worker` the started worker of its files and settings, if there is one alive."""
    if not _STARTED:
        return False
    files = warm.submission_files(worker.submission_dir)
    started = _STARTED.pop((worker.config, tuple(files or ())), None)
    if started is None:
        return False
    if not started.alive:
        started.close()
        return False
    for name in _HANDED_ON:
        setattr(worker, name, getattr(started, name))
    worker.exit_code = None
    started.proc = started.tmp = started.cgroup = None  # nothing of it is its own now
    started._req_w = started._resp_r = -1
    started._sent = None
    return True


def close_all() -> None:
    """Stop the started workers nothing took over (a submission whose checks never ran)."""
    while _STARTED:
        _STARTED.popitem()[1].close()


atexit.register(close_all)
