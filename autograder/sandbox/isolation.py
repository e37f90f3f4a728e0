"""Which launcher isolates the workers on this machine, and how to say so.

The one place a backend is chosen: the strongest available of `BACKENDS`
(bubblewrap, then rlimits only). Whichever runs, the shared limits of
`limits` hold (cgroups where the grader may create them, rlimits always).
`describe()` says which were in force; every result records it.
Set DLCOURSE_SANDBOX=none to force the rlimits-only fallback (for machines
without user namespaces; the grader then says so in every result).
"""

from __future__ import annotations

import os
from functools import lru_cache

from autograder.sandbox import limits
from autograder.sandbox.launch.base import Launcher
from autograder.sandbox.launch.bwrap import Bubblewrap, package_paths
from autograder.sandbox.launch.rlimits import RlimitsOnly

__all__ = ["BACKENDS", "Launcher", "bwrap_path", "describe", "launcher", "package_paths"]

# strongest first; the last one is always available
BACKENDS: tuple[type[Launcher], ...] = (Bubblewrap, RlimitsOnly)


@lru_cache(maxsize=1)
def launcher() -> Launcher:
    """The launcher every worker and zygote of this process is started with."""
    if os.environ.get("DLCOURSE_SANDBOX", "").lower() in {"none", "rlimits", "off"}:
        return RlimitsOnly()
    for backend in BACKENDS:
        if backend.available():
            return backend()
    return RlimitsOnly()


def describe() -> str:
    """One line saying which isolation the workers get on this machine."""
    return "; ".join([launcher().describe(), *limits.describe()])


def bwrap_path() -> str | None:
    """bubblewrap's path where it is the launcher in force here, else None."""
    chosen = launcher()
    return chosen.path if isinstance(chosen, Bubblewrap) else None
