"""The runtime: the files of `inside/` that a sandbox holds, under the names they run as.

Cold workers and zygotes both copy these into a fresh folder that the sandbox
mounts read-only at /sandbox/runtime; nothing else of the grader package is
ever visible inside. The wire is renamed so that no student module can be
named like it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

INSIDE_DIR = Path(__file__).resolve().parent / "inside"
# The grader package itself is never visible to the worker.
PACKAGE_DIR = INSIDE_DIR.parents[1]
# source file in inside/ -> its name in the sandbox's runtime folder
RUNTIME_FILES = {"worker.py": "worker.py", "wire.py": "_dlcourse_wire.py", "zygote.py": "zygote.py"}
MOUNT_POINT = "/sandbox/runtime"


def write_runtime(folder: Path) -> Path:
    """Copy the runtime into `folder` (created); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for source, target in RUNTIME_FILES.items():
        shutil.copyfile(INSIDE_DIR / source, folder / target)
    return folder


def hidden_folders(secrets: Iterable[Path]) -> tuple[Path, ...]:
    """`secrets` and the grader package, resolved: what no sandbox may see."""
    return tuple(Path(s).resolve() for s in (*secrets, PACKAGE_DIR))
