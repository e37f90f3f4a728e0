"""Does the gradebook record, keep history and audit data, on SQLite and on PostgreSQL?

The PostgreSQL cases run against a real server: a throwaway cluster made with
`initdb` in a temporary folder, listening only on a Unix socket there, started
once per test session and stopped at its end. They skip only where the
PostgreSQL binaries are absent (CI installs Debian's `postgresql`).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from graderkit import ROOT
from sqlalchemy import create_engine, inspect, text

from autograder.gradebook import Gradebook
from autograder.gradebook.audit import checks_fingerprint, pack, unpack
from autograder.results import CheckResult, SubmissionResult


def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a Unix socket; yields its socket folder."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
        )
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to own the cluster")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    log = folder / "server.log"
    options = f"-k {folder} -c listen_addresses='' -c fsync=off"
    steps = [
        [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
         "-E", "UTF8", "--locale=C"],
        [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run([*prefix, *step], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            server_log = log.read_text(errors="replace") if log.is_file() else ""
            shutil.rmtree(folder, ignore_errors=True)
            pytest.fail(f"{' '.join(step[:1])} failed:\n{done.stdout}{done.stderr}{server_log}")
    try:
        yield str(folder)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


_databases = itertools.count()


def _fresh_postgres_database(socket_dir: str) -> str:
    pytest.importorskip("psycopg", reason="the psycopg driver is in the dev extra")
    name = f"gradebook_{os.getpid()}_{next(_databases)}"
    admin = create_engine(
        f"postgresql+psycopg://postgres@/postgres?host={socket_dir}", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"postgresql+psycopg://postgres@/{name}?host={socket_dir}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty gradebook database: a SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gradebook.sqlite'}"
    return _fresh_postgres_database(request.getfixturevalue("postgres_server"))


def result(
    student: str, points: list[float], *, item: str = "conv", **kwargs: object
) -> SubmissionResult:
    tests = [
        CheckResult(name=f"check {n}", score=p, max_score=2.0, status="passed" if p else "failed")
        for n, p in enumerate(points)
    ]
    return SubmissionResult(
        assignment=item,
        student=student,
        tests=tests,
        seed=kwargs.pop("seed", 7),  # type: ignore[arg-type]
        isolation="bubblewrap (user, pid, net namespaces); " + "rlimits " * 60,
        submission_sha256=kwargs.pop("sha", "a" * 64),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_grade_keeps_what_an_audit_needs(db_url):
    """Does a recorded grade keep its seed, version, checks hash, isolation and time?"""
    book = Gradebook(db_url, root=ROOT)
    book.record(result("kim", [2.0, 1.0], late_days=2, penalty=0.2))
    row = book.row("conv", "kim")
    assert row is not None
    assert (
        row["score"] == pytest.approx(2.4) and row["raw_score"] == 3.0 and row["max_score"] == 4.0
    )
    assert row["penalty"] == pytest.approx(0.2) and row["late_days"] == 2
    assert (
        row["seed"] == 7
        and row["isolation"].endswith("rlimits " * 60)
        and row["kind"] == "assignment"
    )
    assert row["package_version"] == __import__("autograder").__version__
    assert (
        row["checks_sha256"] == checks_fingerprint("conv", ROOT) and len(row["checks_sha256"]) == 64
    )
    assert row["graded_at"].endswith("+00:00")
    book.close()


def test_regrading_keeps_the_previous_grade_in_history(db_url):
    """Does a changed grade replace the row and move the old one to the history?"""
    book = Gradebook(db_url, root=ROOT)
    assert book.record(result("kim", [2.0, 0.0]))
    assert book.record(result("kim", [2.0, 2.0], sha="b" * 64))
    assert [r["score"] for r in book.rows("conv")] == [4.0]
    history = book.history("kim")
    assert [(h["score"], h["submission_sha256"]) for h in history] == [(2.0, "a" * 64)]
    assert history[0]["replaced_at"]
    book.close()


def test_the_same_grade_recorded_again_changes_nothing(db_url):
    """Does a resumed batch (same content, seed and score) leave row and history alone?"""
    book = Gradebook(db_url, root=ROOT)
    assert book.record(result("kim", [2.0, 0.0]))
    assert not book.record(result("kim", [2.0, 0.0]))
    assert not book.record(result("kim", [2.0 + 1e-9, 0.0]))  # results.json rounds to 1e-6
    assert len(book.rows()) == 1 and book.history("kim") == []
    book.close()


def test_assignments_and_quizzes_share_the_gradebook(db_url):
    """Can an assignment and a quiz with the same id both be recorded for one (Korean) student?"""
    book = Gradebook(db_url, root=ROOT)
    book.record(result("김민지", [2.0], item="regularization"))
    book.record(result("김민지", [1.0], item="quiz:regularization"))
    rows = {(r["assignment"], r["kind"], r["student"]): r["score"] for r in book.rows()}
    assert rows == {
        ("quiz:regularization", "quiz", "김민지"): 1.0,
        ("regularization", "assignment", "김민지"): 2.0,
    }
    book.close()


def test_the_graded_files_are_stored_once(db_url):
    """Is a copy of what was graded kept by content hash, with its staging problems?"""
    book = Gradebook(db_url, root=ROOT)
    files = {"conv.py": b"def conv_forward():\n    return 1\n", "notes.txt": "é".encode()}
    book.record(result("kim", [1.0]), files=files, problems=["no notes"], source="subs/kim")
    book.record(result("lee", [1.0]), files=files)
    stored = book.submission("a" * 64)
    assert stored == (files, ["no notes"], "subs/kim")
    assert book.submission("f" * 64) is None
    book.close()


def test_packing_is_deterministic():
    """Do the same files always pack to the same bytes, and unpack to themselves?"""
    files = {"b.py": b"2", "a.py": b"1"}
    assert pack(files) == pack(dict(reversed(list(files.items()))))
    assert unpack(pack(files)) == files


def test_the_checks_hash_follows_the_checks(tmp_path):
    """Does the fingerprint change when the reference changes, and differ between items?"""
    root = tmp_path / "course_root"
    shutil.copytree(ROOT / "solutions" / "conv", root / "solutions" / "conv")
    before = checks_fingerprint("conv", root)
    (root / "solutions" / "conv" / "conv.py").write_text("# changed\n")
    assert checks_fingerprint("conv", root) != before
    assert checks_fingerprint("conv", ROOT) != checks_fingerprint("optim", ROOT)
    assert checks_fingerprint("quiz:optimizers", ROOT) != checks_fingerprint(
        "quiz:convolution", ROOT
    )


def test_an_old_gradebook_gains_the_audit_columns(db_url):
    """Does a gradebook written before the audit columns open, migrate and take a 32-bit seed?"""
    url = db_url
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE grades (assignment VARCHAR(64), student VARCHAR(255), score FLOAT,"
                " max_score FLOAT, raw_score FLOAT, late_days INTEGER, status VARCHAR(16),"
                " seed INTEGER, submission_sha256 VARCHAR(64), graded_at VARCHAR(40),"
                " results_json TEXT, PRIMARY KEY (assignment, student))"
            )
        )
        conn.execute(
            text(
                "INSERT INTO grades VALUES ('conv', 'old', 1, 2, 1, 0, 'graded', 3, 'x', 't', '{}')"
            )
        )
    engine.dispose()
    book = Gradebook(url, root=ROOT)
    assert {"kind", "penalty", "checks_sha256"} <= {
        c["name"] for c in inspect(book.engine).get_columns("grades")
    }
    book.record(result("kim", [2.0], seed=3_987_615_834))  # a quiz seed: above 2**31
    assert [(r["student"], r["kind"], r["seed"]) for r in book.rows("conv")] == [
        ("kim", "assignment", 3_987_615_834),
        ("old", "assignment", 3),
    ]
    book.close()
