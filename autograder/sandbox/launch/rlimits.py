"""The rlimits-only launcher: no namespaces, for machines without user namespaces.

The worker runs as a plain process in a session of its own, in its
submission copy, with a scrubbed environment; only the shared limits
(`autograder.sandbox.limits`) hold it. Its filesystem and network are not
isolated, and every result says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from autograder.sandbox.launch.base import SCRUBBED_ENV, Launcher, Wrapped


class RlimitsOnly(Launcher):
    """The fallback: always available, hosts no zygotes."""

    name = "rlimits"

    @classmethod
    def available(cls) -> bool:
        return True

    def describe(self) -> str:
        return (
            "NO namespace sandbox (bubblewrap unavailable): filesystem and network are not isolated"
        )

    def wrap(
        self,
        runtime: Path,
        sub: Path | None,
        *,
        secrets: list[Path],
        forbidden: tuple[str, ...],
    ) -> Wrapped:
        if sub is None:
            raise ValueError("the rlimits-only launcher hosts no zygotes")
        env = {**SCRUBBED_ENV, "HOME": str(sub)}
        return Wrapped((), env, str(runtime), str(sub), new_session=True)

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and whatever it started
