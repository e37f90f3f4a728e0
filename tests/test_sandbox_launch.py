"""Is there one launcher interface, one backend per file, chosen in one place?

The grader side (host.py, warm.py) starts workers and zygotes only through
`Launcher`; each backend lives in its own file under sandbox/launch/; the
strongest available one is chosen by `isolation.launcher()`, and results keep
describing the isolation in the same words.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from autograder.sandbox import isolation, limits
from autograder.sandbox.host import Worker
from autograder.sandbox.launch.base import Launcher
from autograder.sandbox.launch.bwrap import Bubblewrap, bwrap_path
from autograder.sandbox.launch.rlimits import RlimitsOnly

SANDBOX = Path(isolation.__file__).resolve().parent
LIMIT_WORDS = (
    "rlimits (cpu, address space, file size, open files), wall-clock timeouts, scrubbed env"
)
BWRAP_WORDS = "bubblewrap (user, pid, net, ipc, uts namespaces; read-only system; only the submission visible)"
NONE_WORDS = (
    "NO namespace sandbox (bubblewrap unavailable): filesystem and network are not isolated"
)


@pytest.fixture
def choose_again():
    """Forget the chosen launcher before and after (the environment decides it)."""
    isolation.launcher.cache_clear()
    yield
    isolation.launcher.cache_clear()


def test_every_backend_implements_the_whole_interface():
    """Is each backend a concrete Launcher in a file of its own, the fallback last?"""
    assert isolation.BACKENDS[-1] is RlimitsOnly and RlimitsOnly.available()
    files = set()
    for backend in isolation.BACKENDS:
        assert issubclass(backend, Launcher) and not inspect.isabstract(backend), backend
        assert backend.name
        files.add(Path(inspect.getfile(backend)).name)
    assert len(files) == len(isolation.BACKENDS)


def test_the_strongest_available_launcher_is_chosen(monkeypatch, choose_again):
    """Does bubblewrap win where it works, and DLCOURSE_SANDBOX=none force rlimits only?"""
    monkeypatch.delenv("DLCOURSE_SANDBOX", raising=False)
    chosen = isolation.launcher()
    if Bubblewrap.available():
        assert isinstance(chosen, Bubblewrap) and chosen.hosts_zygotes
        assert isolation.bwrap_path() == chosen.path
    else:
        assert isinstance(chosen, RlimitsOnly)
    isolation.launcher.cache_clear()
    monkeypatch.setenv("DLCOURSE_SANDBOX", "none")
    assert isinstance(isolation.launcher(), RlimitsOnly)
    assert isolation.bwrap_path() is None
    assert not isolation.launcher().hosts_zygotes


def test_results_describe_the_isolation_in_the_same_words(monkeypatch, choose_again):
    """Does describe() still say the launcher's words, then the shared limits'?"""
    monkeypatch.setenv("DLCOURSE_SANDBOX", "none")
    text = isolation.describe()
    assert text.startswith(NONE_WORDS + "; ") and text.endswith(LIMIT_WORDS)
    assert text == "; ".join([NONE_WORDS, *limits.describe()])
    if Bubblewrap.available():
        isolation.launcher.cache_clear()
        monkeypatch.delenv("DLCOURSE_SANDBOX")
        assert isolation.describe() == "; ".join([BWRAP_WORDS, *limits.describe()])


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    found |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("name", ["host.py", "warm.py"])
def test_the_grader_side_uses_only_the_interface(name):
    """Do host.py and warm.py start processes without knowing which backend runs them?"""
    used = _names_used(SANDBOX / name)
    backend_words = {"bwrap_path", "Bubblewrap", "RlimitsOnly", "bind_args", "killpg"}
    assert not used & backend_words, used & backend_words
    assert not {m for m in used if m.startswith("autograder.sandbox.launch.")} - {
        "autograder.sandbox.launch.base"
    }


def test_the_rlimits_launcher_runs_a_worker_where_it_says(tmp_path, monkeypatch, choose_again):
    """Does a worker started by the fallback find its submission and environment as wrapped?"""
    monkeypatch.setenv("DLCOURSE_SANDBOX", "none")
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(
        "import os\ndef where():\n    return os.getcwd(), os.environ.get('HOME'), os.environ.get('LANG')\n"
    )
    with Worker(folder) as worker:
        worker.request({"op": "import", "modules": ["mod"]}, 30)
        assert worker.zygote is None
        cwd, home, lang = worker.request({"op": "call", "target": ["attr", "mod", "where"]}, 30)
        assert worker.tmp is not None
        assert cwd == home == str(worker.tmp / "sub")
        assert lang == "C.UTF-8"


@pytest.mark.skipif(not Bubblewrap.available(), reason="needs bubblewrap")
def test_the_bubblewrap_launcher_shows_the_worker_only_its_paths(tmp_path):
    """Does bubblewrap's command run the runtime at the mount points it names, nothing else?"""
    wrapped = Bubblewrap().wrap(
        tmp_path / "runtime", tmp_path / "sub", secrets=[tmp_path], forbidden=()
    )
    argv = wrapped.argv("worker.py", "3", "4")
    assert argv[0] == bwrap_path() and "--clearenv" in argv
    assert argv[-3:] == [f"{wrapped.runtime}/worker.py", "3", "4"]
    assert (wrapped.runtime, wrapped.sub) == ("/sandbox/runtime", "/sandbox/sub")
    assert wrapped.env is None and not wrapped.new_session
    mounts = list(zip(argv, argv[1:], argv[2:]))
    assert ("--ro-bind", str(tmp_path / "sub"), "/sandbox/sub") in mounts
    assert ("--ro-bind", str(tmp_path / "runtime"), "/sandbox/runtime") in mounts
