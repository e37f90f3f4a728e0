"""Does the grader's adapter over pytest's private parts hold for the installed pytest?"""

from __future__ import annotations

import pytest

from autograder.engine import pytest_api


def test_the_installed_pytest_is_one_the_adapter_supports():
    """Is pytest's version inside the range the adapter is known to work with?"""
    low, high = pytest_api.SUPPORTED
    assert pytest_api.supported(), (
        f"pytest {pytest.__version__} is outside {low}..{high}: check autograder/engine/"
        "pytest_api.py against it, then widen SUPPORTED (and pyproject's pin)"
    )


def test_a_session_configures_collects_and_unconfigures(tmp_path):
    """Do the adapter's calls build a session that collects an item with its fixture closure?"""
    (tmp_path / "test_demo.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef thing():\n    return 1\n\n"
        "def test_one(thing):\n    assert thing == 1\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    args = [str(tmp_path / "test_demo.py"), "-c", str(tmp_path / "pytest.ini"),
            "--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-q"]  # fmt: skip
    config = pytest_api.prepare_config(args, [])
    pytest_api.configure(config)
    try:
        session = pytest_api.new_session(config)
        config.hook.pytest_sessionstart(session=session)
        config.hook.pytest_collection(session=session)
        (item,) = session.items
        closure = pytest_api.fixture_closure(item)
        assert closure.argnames == ("thing",)
        assert "thing" in closure.names_closure and "thing" in closure.definitions
        config.hook.pytest_sessionfinish(session=session, exitstatus=0)
    finally:
        pytest_api.unconfigure(config)
