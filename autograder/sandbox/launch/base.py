"""The launcher interface: how a backend starts the runtime against a submission.

A backend (bubblewrap, rlimits-only; a container engine would be one more
file beside them) says what it is called, whether it works on this machine,
how results describe it, how it wraps the command that runs a runtime script
(its command line, environment and the paths the program sees), whether it
can host warm zygotes, and how to stop what it started. The limits every
backend shares (cgroups, rlimits) live in `autograder.sandbox.limits`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

SCRUBBED_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
}


def python_path() -> str:
    """This interpreter's path without `..` (inside the sandbox only bound folders exist)."""
    return os.path.normpath(os.path.abspath(sys.executable))


@dataclass(frozen=True)
class Wrapped:
    """A sandboxed program's start: the launcher's command line, environment and the paths it sees."""

    prefix: tuple[str, ...]  # the launcher's own command line, up to the program
    env: dict[str, str] | None  # None: the launcher sets the program's environment itself
    runtime: str  # the runtime folder, as the program sees it
    sub: str  # the submission folder, as the program sees it
    new_session: bool  # start it in a session of its own (so that `kill` reaches its group)

    def argv(self, script: str, *args: str) -> list[str]:
        """The command line that runs the runtime's `script` with `args` in the sandbox."""
        return [*self.prefix, python_path(), "-I", f"{self.runtime}/{script}", *args]


class Launcher(ABC):
    """One isolation backend."""

    name: ClassVar[str]
    hosts_zygotes: ClassVar[bool] = False  # can a zygote it starts fork isolated children?

    @classmethod
    @abstractmethod
    def available(cls) -> bool:
        """Does this backend work on this machine (probed once)?"""

    @abstractmethod
    def describe(self) -> str:
        """What it isolates, in the words every results.json records."""

    @abstractmethod
    def wrap(
        self,
        runtime: Path,
        sub: Path | None,
        *,
        secrets: list[Path],
        forbidden: tuple[str, ...],
    ) -> Wrapped:
        """How to run the runtime folder `runtime` against the submission copy `sub`.

        `sub` None: a zygote, whose children mount their own submission.
        `secrets` must not be visible; `forbidden` packages must not be importable.
        """

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """Stop what `wrap`'s command started, all of it."""
        proc.kill()

    def signal_of(self, code: int) -> int | None:
        """The signal that ended the program, from its launcher's exit status (None: it exited)."""
        return -code if code < 0 else None
