"""One submission never harms the others: the batch's loop, staging and records."""

from __future__ import annotations

import csv
import io
import json
import os
from concurrent.futures import Executor, Future
from pathlib import Path

import batchfaults
import pytest
from graderkit import ROOT, check_points

from autograder.config import load_course
from autograder.engine.executor import grade_all
from autograder.intake.collect import collect, stage_safely
from autograder.intake.staging import StagedSubmission
from autograder.intake.times import submission_time
from autograder.results import (
    MAX_RESULTS_BYTES,
    CheckResult,
    SubmissionResult,
    csv_safe,
    results_text,
    safe_student_name,
    write_grades_csv,
)
from autograder.sandbox.inside import wire

REFERENCE = (ROOT / "solutions" / "conv" / "conv.py").read_bytes()


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT)


def _staged(*names: str) -> list[StagedSubmission]:
    return [StagedSubmission(student=n, files={"conv.py": b"x"}) for n in names]


# -- the loop ---------------------------------------------------------------
def test_a_killed_grading_process_costs_only_its_own_student(course):
    """Does a grading process killed mid-grade break the pool for one student only, and
    leave no temporary folder behind?"""
    import tempfile

    got: list[SubmissionResult] = []
    items = _staged("ada", "bo", "mallory", "cy", "dee")
    grade_all(items, course, "conv", 1, got.append, jobs=2, task=batchfaults.dies_for_mallory)
    by = {r.student: r for r in got}
    assert sorted(by) == ["ada", "bo", "cy", "dee", "mallory"]
    assert by["mallory"].status == "error"
    assert "grading process died" in by["mallory"].output
    assert all(by[n].status == "graded" and by[n].score == 1 for n in ("ada", "bo", "cy", "dee"))
    top = Path(tempfile.gettempdir())
    left = [
        *top.glob(f"{batchfaults.LEAK_PREFIX}*"),
        *top.glob(f"dlcourse-batch-*/grader-*/{batchfaults.LEAK_PREFIX}*"),
    ]
    assert left == []  # the dead process's temporary folders were swept


def test_grading_processes_run_under_their_own_memory_limit(course, monkeypatch):
    """Does a grade that needs more memory than the grader's limit fail alone, as an error?"""
    monkeypatch.setenv("DLCOURSE_GRADER_MEMORY_MB", "1024")
    got: list[SubmissionResult] = []
    items = _staged("ada", "mallory", "bo")
    grade_all(
        items, course, "conv", 1, got.append, jobs=2, task=batchfaults.hogs_memory_for_mallory
    )
    by = {r.student: r for r in got}
    assert by["mallory"].status == "error"
    assert "MemoryError" in by["mallory"].output or "died" in by["mallory"].output
    assert by["ada"].score == by["bo"].score == 1


class _LosesWorkers(Executor):
    """An executor whose futures fail as Dask's do when a task's workers keep dying."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        from distributed import KilledWorker

        future: Future = Future()
        if args[0].student == "mallory":
            future.set_exception(KilledWorker("grade_task-123", "tcp://10.0.0.1:4000", 3))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def test_dask_killed_worker_is_that_students_error(course):
    """Does a Dask KilledWorker become that student's recorded error, the rest graded?"""
    pytest.importorskip("distributed")
    got: list[SubmissionResult] = []
    grade_all(
        _staged("ada", "mallory"),
        course,
        "conv",
        1,
        got.append,
        jobs=2,
        task=batchfaults.dies_for_mallory,
        executor=_LosesWorkers(),
    )
    by = {r.student: r for r in got}
    assert by["ada"].status == "graded"
    assert by["mallory"].status == "error" and "KilledWorker" in by["mallory"].output


# -- names and records ------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "mal\x1b[31mory",
        "line\nbreak",
        "tab\tname",
        "a\\b",
        "..",
        ".hidden",
        "bidi\u202eevil",
        "50%",
    ],
)
def test_unsafe_names_are_escaped_injectively(name):
    """Is a name with escapes, separators or controls made safe, and still one of a kind?"""
    safe = safe_student_name(name)
    assert safe.isprintable() and "/" not in safe and "\\" not in safe
    assert not safe.startswith(".") and "\x1b" not in safe
    assert safe != safe_student_name(name + "x")
    assert safe_student_name("김민준") == "김민준" and safe_student_name("ada") == "ada"


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\r=x"])
def test_no_csv_cell_reads_as_a_formula(cell):
    """Is a cell starting = + - @ tab or CR neutralised, as OWASP recommends?"""
    assert csv_safe(cell) == "'" + cell
    assert csv_safe("ada") == "ada" and csv_safe(3) == 3


def test_grades_csv_neutralises_formula_students_and_tasks(tmp_path):
    rows = [
        SubmissionResult(
            assignment="conv",
            student='=HYPERLINK("http://x","y")',
            tests=[CheckResult(name="c", score=1, max_score=1, status="passed", task="@evil")],
        )
    ]
    text = write_grades_csv(tmp_path / "grades.csv", rows).read_text()
    header, row = list(csv.reader(io.StringIO(text)))
    assert "'task:@evil" not in header and "task:@evil" in header  # starts with t: harmless
    assert row[0] == '\'=HYPERLINK("http://x","y")'
    assert not any(cell.startswith(("=", "+", "@")) for cell in row)


def test_results_json_stays_under_a_megabyte_whatever_was_printed():
    """Is results.json small however long every check's output and the summary are?"""
    huge = "boom " * 400_000
    result = SubmissionResult(
        assignment="conv",
        student="flood",
        output=huge,
        tests=[
            CheckResult(name=f"c{i}", score=0, max_score=1, status="failed", output=huge)
            for i in range(300)
        ],
        extra={"integrity_notes": [huge] * 50},
    )
    text = results_text(result)
    assert len(text.encode()) < MAX_RESULTS_BYTES
    back = json.loads(text)
    assert len(back["tests"]) == 300 and "cut by the grader" in back["tests"][0]["output"]


# -- the wire's caps ----------------------------------------------------------
def _body(header: bytes) -> bytes:
    return len(header).to_bytes(4, "big") + header


def test_wire_refuses_an_oversized_header():
    header = json.dumps({"v": "x" * (wire.MAX_HEADER_BYTES + 10), "b": []}).encode()
    with pytest.raises(wire.WireError, match="header of"):
        wire.loads(_body(header))


def test_wire_refuses_a_header_nested_past_the_json_parser():
    header = b'{"v": ' + b"[" * 200_000 + b"]" * 200_000 + b', "b": []}'
    with pytest.raises(wire.WireError, match="nested|malformed"):
        wire.loads(_body(header))


def test_wire_decoding_counts_against_the_deadline():
    import time

    value = {"L": [{"L": [1] * 100} for _ in range(1500)]}
    header = json.dumps({"v": value, "b": []}).encode()
    assert len(wire.loads(_body(header))) == 1500
    with pytest.raises(wire.WireError, match="deadline"):
        wire.loads(_body(header), deadline=time.monotonic() - 1)


def test_worker_error_text_is_clipped_on_the_grader_side():
    assert len(wire.clip("x" * 10_000_000)) < wire.MAX_ERROR_TEXT + 100
    assert wire.clip("short") == "short"


# -- staging ---------------------------------------------------------------------
def test_bad_zips_are_refused_with_clear_reasons(tmp_path, course):
    expected = batchfaults.make_bad_zips(tmp_path, REFERENCE)
    for stem, words in expected.items():
        staged, error = stage_safely(
            stem, tmp_path / f"{stem}.zip", course.assignment("conv"), [tmp_path]
        )
        said = error + " ".join(staged.problems)
        assert words in said, (stem, said)
        assert "conv.py" not in staged.files


def test_fifo_and_symlinks_are_refused_never_followed(tmp_path, course):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "conv.py").write_bytes(REFERENCE)
    subs = tmp_path / "subs"
    (subs / "fifo").mkdir(parents=True)
    os.mkfifo(subs / "fifo" / "conv.py")
    os.mkfifo(subs / "pipe.zip")
    (subs / "modlink").mkdir()
    (subs / "modlink" / "conv.py").symlink_to(outside / "conv.py")
    (subs / "dirlink").symlink_to(outside)
    (subs / "nbg").mkdir()
    (subs / "nbg" / "conv").symlink_to(outside)
    entries = {
        e.staged.student: e for e in collect([subs], course.assignment("conv"), course, None)
    }
    assert set(entries) == {"fifo", "pipe.zip", "modlink", "dirlink", "nbg"}
    for name, entry in entries.items():
        said = entry.error + " ".join(entry.staged.problems)
        assert "conv.py" not in entry.staged.files, name
        assert ("symbolic link" in said) or ("not a regular file" in said), (name, said)


def test_colliding_names_are_an_error_naming_both_sources(tmp_path, course):
    """Is `Kim.zip` beside `kim/` an error naming both, recorded apart, with kim still staged
    (issue 26.8: a collision costs the colliding submission only)?"""
    subs = tmp_path / "subs"
    (subs / "kim").mkdir(parents=True)
    (subs / "kim" / "conv.py").write_bytes(REFERENCE)
    (subs / "Kim.zip").write_bytes(b"")
    entries = collect([subs], course.assignment("conv"), course, None)
    by = {entry.staged.student: entry for entry in entries}
    assert sorted(by) == ["Kim%~1", "kim"]
    assert by["kim"].error == "" and by["kim"].staged.files["conv.py"] == REFERENCE
    error = by["Kim%~1"].error
    assert "kim" in error and "Kim.zip" in error


def test_submission_time_sources_and_broken_times(tmp_path):
    folder = tmp_path / "ada"
    folder.mkdir()
    (folder / "conv.py").write_bytes(REFERENCE)
    staged = StagedSubmission(student="ada", files={"conv.py": REFERENCE})
    stamp, source, note = submission_time(staged, folder, "ada", None)
    assert source == "file time" and stamp is not None and not note
    (folder / "timestamp.txt").write_text("2027-04-01 10:00:00.000000 UTC")
    stamp, source, note = submission_time(staged, folder, "ada", None)
    assert source == "timestamp.txt" and stamp.year == 2027 and not note
    (folder / "timestamp.txt").write_text("yesterday, honest")
    stamp, source, note = submission_time(staged, folder, "ada", None)
    assert stamp is None and "cannot be parsed" in note
    stamp, source, note = submission_time(staged, folder, "ada", {"ada": "2027-03-01T00:00:00Z"})
    assert source == "submitted-at csv" and stamp.month == 3
    stamp, source, note = submission_time(staged, folder, "ada", {"ada": "soon"})
    assert stamp is None and "no valid time" in note


def test_a_changed_submission_time_invalidates_a_reused_grade(tmp_path):
    """Is a grade reused only while the submission's time (and the late policy) stay the same?"""
    from autograder.engine.batch import grade_batch

    folder = tmp_path / "subs" / "ada" / "conv"
    folder.mkdir(parents=True)
    (folder / "conv.py").write_bytes(REFERENCE)
    (folder / "timestamp.txt").write_text("2027-03-20 10:00:00 UTC")
    out = tmp_path / "out"
    first = grade_batch("conv", [tmp_path / "subs"], out, jobs=1, root=ROOT)
    assert first.graded == 1 and first.results[0].late_days == 0
    again = grade_batch("conv", [tmp_path / "subs"], out, jobs=1, root=ROOT)
    assert again.reused == 1 and again.graded == 0
    (folder / "timestamp.txt").write_text("2027-04-02 10:00:00 UTC")
    moved = grade_batch("conv", [tmp_path / "subs"], out, jobs=1, root=ROOT)
    assert moved.graded == 1 and moved.results[0].late_days == 4
    assert moved.results[0].extra["submitted_at_source"] == "timestamp.txt"
    late = grade_batch(
        "conv", [tmp_path / "subs"], out, jobs=1, root=ROOT, submitted_at={"ada": "2027-03-01"}
    )
    assert late.graded == 1 and late.results[0].late_days == 0
    assert late.results[0].extra["submitted_at_source"] == "submitted-at csv"


def test_cli_takes_the_collections_submission_times(tmp_path):
    """Does `dlcourse grade --submitted-at CSV` decide lateness, exit 0 and say its source?"""
    from click.testing import CliRunner

    from autograder.cli import main

    (tmp_path / "subs" / "=evil").mkdir(parents=True)
    (tmp_path / "subs" / "=evil" / "conv.py").write_bytes(REFERENCE)
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\n=evil,2027-04-01T10:00:00+09:00\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["grade", "conv", str(tmp_path / "subs"), "--out", str(out), "-j", "1"]
        + ["--submitted-at", str(times)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "=evil" / "results.json").read_text())
    assert data["extra_data"]["submitted_at_source"] == "submitted-at csv"
    assert data["extra_data"]["late_days"] == 3
    row = next(csv.DictReader(io.StringIO((out / "grades.csv").read_text())))
    assert row["student"] == "'=evil" and row["late_days"] == "3"


def test_a_gradebook_that_refuses_a_grade_stops_nothing(tmp_path, monkeypatch):
    """Does a failing gradebook write cost only that row, with results and grades.csv kept?"""
    from autograder.engine.batch import grade_batch
    from autograder.gradebook import Gradebook

    for name in ("ada", "bo"):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "conv.py").write_bytes(REFERENCE)
    original = Gradebook.record

    def record(self, result, **kwargs):
        if result.student == "ada":
            raise RuntimeError("database is locked")
        return original(self, result, **kwargs)

    monkeypatch.setattr(Gradebook, "record", record)
    report = grade_batch("conv", [tmp_path / "subs"], tmp_path / "out", jobs=1, root=ROOT)
    total = sum(check_points("conv"))
    assert [r.score for r in report.results] == [total, total]
    assert report.problems == ["ada: the gradebook refused the grade: database is locked"]
    assert (tmp_path / "out" / "ada" / "results.json").is_file()
    assert len((tmp_path / "out" / "grades.csv").read_text().splitlines()) == 3


def test_hidden_feedback_keeps_prints_and_assert_lines_for_the_instructor():
    """Does a failed hidden check say what failed, without the prints or an assert's source?"""
    from autograder.engine.redact import HIDDEN_ASSERT_NOTE, redact_hidden_feedback

    shown = "conv_forward(array(2, 3) float64)\n  your code printed:\n    0.123456"
    result = SubmissionResult(
        assignment="conv",
        student="ada",
        tests=[
            CheckResult("h", 0, 1, "failed", output=shown, visibility="after_published"),
            CheckResult("p", 0, 1, "failed", output=shown, visibility="visible"),
            CheckResult(
                "a",
                0,
                1,
                "failed",
                output="conv_forward(...)\n  assert np.allclose(secret_x @ w, out)",
                visibility="after_published",
                diagnosis="unflipped kernel",
            ),
        ],
    )
    redact_hidden_feedback(result)
    hidden, public, asserted = result.tests
    assert "0.123456" not in hidden.output and "0.123456" in hidden.instructor_output
    assert hidden.output.startswith("conv_forward(array(2, 3) float64)")
    assert public.output == shown
    assert "secret_x" not in asserted.output and HIDDEN_ASSERT_NOTE in asserted.output
    assert asserted.diagnosis == "unflipped kernel"
    back = CheckResult.from_json(hidden.to_json())
    assert back.instructor_output == hidden.instructor_output
