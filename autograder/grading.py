"""Grading: find submissions, stage them, run the checks, record the results.

`grade_submission` grades one submission in this process (the checks run here,
the student's code in its sandboxed worker); `grade_batch` grades many with a
local process pool, or a Dask cluster, and writes results.json per student,
grades.csv and the gradebook. A batch resumes: submissions already graded with
the same content and seed are not graded again.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import math
import os
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.config import Assignment, Course, load_course
from autograder.results import CheckResult, SubmissionResult, read_results, write_results
from autograder.sandbox.host import Limits, describe

MAX_MODULE_BYTES = 1 << 20
ORACLE_FILE = "public_oracle.bin"
SUSPICIOUS = {
    "meta_path": "changes the import system (sys.meta_path)",
    "_getframe": "inspects the caller's frames",
    "f_back": "inspects the caller's frames",
    "f_globals": "inspects the caller's frames",
    "gc.get_objects": "walks the interpreter's objects",
    "builtins": "patches builtins",
    "os._exit": "ends the process",
    "sys.exit": "ends the process",
    "ctypes": "uses ctypes",
    "subprocess": "starts programs",
    "socket": "opens network sockets",
}


class SubmissionError(ValueError):
    """A submission path that cannot be read at all."""


@dataclass
class StagedSubmission:
    """The files of one submission, read and validated, ready to grade anywhere."""

    student: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    timestamp: datetime | None = None
    source: str = ""

    @contextlib.contextmanager
    def materialised(self) -> Iterator[Path]:
        """A temporary folder holding the submission's files (removed afterwards)."""
        folder = Path(tempfile.mkdtemp(prefix="dlcourse-sub-"))
        try:
            for name, data in self.files.items():
                (folder / name).write_bytes(data)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name] + b"\0")
        return digest.hexdigest()


# ---------------------------------------------------------------------------
# Finding and reading submissions
# ---------------------------------------------------------------------------
def _holds_module(folder: Path, assignment: Assignment) -> bool:
    return any((folder / m).is_file() for m in assignment.modules)


def discover(sources: Iterable[Path], assignment: Assignment) -> list[tuple[str, Path]]:
    """Expand SUBMISSION arguments into (student, path) pairs.

    A path is a .zip (student = its stem), a folder holding the module file(s)
    (student = the folder's name, or its parent's when the folder is named after
    the assignment, as in nbgrader's submitted/<student>/<id>/), a student folder
    holding <id>/, or a folder of any of these.
    """
    found: list[tuple[str, Path]] = []
    for source in sources:
        source = Path(source)
        single = _single(source, assignment)
        if single is not None:
            found.append(single)
            continue
        if not source.is_dir():
            raise SubmissionError(f"{source}: no such file or folder")
        children = sorted(p for p in source.iterdir() if not p.name.startswith("."))
        for child in children:
            entry = _single(child, assignment)
            if entry is not None:
                found.append(entry)
            elif child.is_dir():
                found.append((child.name, child))  # graded: it lacks the module file
        if not children:
            found.append((source.name, source))
    seen: dict[str, int] = {}
    unique = []
    for student, path in found:
        count = seen.get(student, 0)
        seen[student] = count + 1
        unique.append((student if count == 0 else f"{student}-{count + 1}", path))
    return unique


def _single(path: Path, assignment: Assignment) -> tuple[str, Path] | None:
    if path.is_file() and path.suffix == ".zip":
        return path.stem, path
    if path.is_dir() and _holds_module(path, assignment):
        name = path.parent.name if path.name == assignment.id else path.name
        return name, path
    if path.is_dir() and _holds_module(path / assignment.id, assignment):
        return path.name, path / assignment.id
    return None


def _parse_timestamp(text: str) -> datetime | None:
    text = text.strip().replace(" UTC", "+00:00")
    for candidate in (text, text.replace(" ", "T", 1)):
        with contextlib.suppress(ValueError):
            stamp = datetime.fromisoformat(candidate)
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    return None


def stage(student: str, path: Path, assignment: Assignment) -> StagedSubmission:
    """Read a submission's module files (and nbgrader's timestamp.txt) into memory."""
    staged = StagedSubmission(student=student, source=str(path))
    wanted = set(assignment.modules)
    if path.is_file() and path.suffix == ".zip":
        _stage_zip(path, wanted, staged)
    elif path.is_dir():
        for name in sorted(wanted):
            file = path / name
            if file.is_symlink():
                staged.problems.append(f"{name} is a symbolic link; submit the file itself")
            elif file.is_file():
                if file.stat().st_size > MAX_MODULE_BYTES:
                    staged.problems.append(f"{name} is larger than {MAX_MODULE_BYTES >> 10} KiB")
                else:
                    staged.files[name] = file.read_bytes()
        stamp = path / "timestamp.txt"
        if stamp.is_file():
            staged.timestamp = _parse_timestamp(stamp.read_text(errors="replace"))
    else:
        staged.problems.append(f"{path} is neither a folder nor a .zip file")
    for name in sorted(wanted - set(staged.files)):
        if not any(name in p for p in staged.problems):
            staged.problems.append(f"the submission has no {name}")
    return staged


def _stage_zip(path: Path, wanted: set[str], staged: StagedSubmission) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(archive.infolist(), key=lambda i: i.filename.count("/"))
            for info in members:
                name = Path(info.filename).name
                if name not in wanted or name in staged.files or info.is_dir():
                    continue
                if "__MACOSX" in info.filename:
                    continue
                if info.file_size > MAX_MODULE_BYTES:
                    staged.problems.append(
                        f"{name} in the zip is larger than {MAX_MODULE_BYTES >> 10} KiB"
                    )
                    continue
                with archive.open(info) as handle:
                    data = handle.read(MAX_MODULE_BYTES + 1)
                if len(data) > MAX_MODULE_BYTES:
                    staged.problems.append(f"{name} in the zip is larger than allowed")
                    continue
                staged.files[name] = data
    except (zipfile.BadZipFile, OSError) as exc:
        staged.problems.append(f"{path.name} is not a readable zip file ({exc})")


def integrity_notes(staged: StagedSubmission, assignment: Assignment) -> list[str]:
    """Things in the source an instructor may want to look at (they do not change scores)."""
    notes: list[str] = []
    for name, data in sorted(staged.files.items()):
        text = data.decode("utf-8", errors="replace")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.split(".")[0] in assignment.forbidden:
                    imported.add(node.value.split(".")[0])
        for module in sorted(imported & set(assignment.forbidden)):
            notes.append(f"{name}: uses {module}, which this assignment forbids")
        for needle, meaning in SUSPICIOUS.items():
            if needle in text:
                notes.append(f"{name}: {meaning} ({needle})")
    return notes


def late_days(stamp: datetime | None, assignment: Assignment) -> int:
    if stamp is None or assignment.deadline is None or stamp <= assignment.deadline:
        return 0
    return math.ceil((stamp - assignment.deadline).total_seconds() / 86400)


# ---------------------------------------------------------------------------
# Grading one submission
# ---------------------------------------------------------------------------
def default_seed(assignment: str, student: str) -> int:
    return zlib.crc32(f"{assignment}/{student}".encode()) & 0x7FFFFFFF


def _oracle(course: Course, assignment: Assignment, public_only: bool) -> Any:
    from autograder.checkkit import LiveOracle, ReplayOracle

    if paths.has_solutions(assignment.id, course.root):
        return LiveOracle(assignment.id, module=assignment.module_stems[0])
    if not public_only:
        raise SubmissionError(
            f"hidden checks of {assignment.id} need the reference solution (solutions/{assignment.id})"
        )
    return ReplayOracle(
        assignment.id,
        paths.checks_dir(assignment.id) / ORACLE_FILE,
        module=assignment.module_stems[0],
    )


def check_files(assignment: str, include_hidden: bool) -> list[Path]:
    folder = paths.checks_dir(assignment)
    if not folder.is_dir():
        raise SubmissionError(
            f"assignment {assignment} has no checks (autograder/checks/{assignment})"
        )
    found = sorted(folder.glob("test_*.py"))
    if not include_hidden:
        found = [p for p in found if not p.name.startswith("test_hidden")]
    return found


@contextlib.contextmanager
def _quiet_pytest_env() -> Iterator[None]:
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def run_checks(
    course: Course,
    assignment: Assignment,
    folder: Path,
    *,
    seed: int,
    include_hidden: bool,
    import_problem: str = "",
    oracle: Any = None,
) -> tuple[list[CheckResult], int, str]:
    """Run the checks on the module files in `folder`; returns (results, pytest exit code, log)."""
    import pytest

    from autograder.plugin import GraderPlugin, GradingContext
    from autograder.sandbox.errors import ImportFailed
    from autograder.sandbox.submission import Submission, SubmissionSpec

    spec = SubmissionSpec(
        folder=folder,
        modules=assignment.module_stems,
        forbidden=assignment.forbidden,
        timeout_s=assignment.timeout_s,
        import_timeout_s=assignment.import_timeout_s,
        limits=Limits(memory_mb=assignment.memory_mb),
        secrets=(course.root,),
    )
    submission = Submission(spec)
    if import_problem:
        submission.import_error = ImportFailed(import_problem)
    ctx = GradingContext(
        assignment=assignment.id,
        submission=submission,
        oracle=oracle or _oracle(course, assignment, not include_hidden),
        seed=seed,
        include_hidden=include_hidden,
        timeout_s=assignment.timeout_s,
    )
    args = [
        *map(str, check_files(assignment.id, include_hidden)),
        "-c", str(paths.CHECKS_DIR / "pytest.ini"),
        "--rootdir", str(paths.CHECKS_DIR),
        "--import-mode=importlib",
        "-p", "no:cacheprovider",
        "-p", "no:terminal",
        "-p", "no:faulthandler",
        "-p", "no:logging",
        "-p", "no:stepwise",
        "-p", "no:unraisableexception",
        "-p", "no:threadexception",
        "-s",
        "-W", "ignore",
    ]  # fmt: skip
    log = io.StringIO()
    try:
        with _quiet_pytest_env(), contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = int(pytest.main(args, plugins=[GraderPlugin(ctx)]))
    finally:
        submission.close()
    return ctx.results, code, log.getvalue()


def grade_submission(
    staged: StagedSubmission,
    assignment_id: str,
    *,
    seed: int | None = None,
    include_hidden: bool = True,
    root: Path | None = None,
) -> SubmissionResult:
    """Grade one staged submission; never raises for anything the submission does."""
    started = time.perf_counter()
    course = load_course(root)
    assignment = course.assignment(assignment_id)
    seed = default_seed(assignment.id, staged.student) if seed is None else int(seed)
    result = SubmissionResult(
        assignment=assignment.id,
        student=staged.student,
        seed=seed,
        isolation=describe(),
        submission_sha256=staged.sha256,
    )
    notes = integrity_notes(staged, assignment)
    problem = "; ".join(staged.problems)
    if problem:
        problem = f"your submission could not be graded as it is: {problem}"
    with staged.materialised() as folder:
        tests, code, log = run_checks(
            course,
            assignment,
            folder,
            seed=seed,
            include_hidden=include_hidden,
            import_problem=problem,
        )
    result.tests = tests
    if code not in (0, 1) or not tests:
        result.status = "error"
        result.output = f"the checks did not run (pytest exit {code}):\n{log[-3000:]}"
    result.late_days = late_days(staged.timestamp, assignment)
    result.penalty = course.late_policy.penalty(result.late_days)
    result.execution_time = time.perf_counter() - started
    result.extra["integrity_notes"] = notes
    result.output = result.output or summary_text(result, staged.problems)
    return result


def summary_text(result: SubmissionResult, problems: list[str]) -> str:
    passed = sum(1 for t in result.tests if t.status == "passed")
    lines = [
        f"{result.assignment}: {result.score:g} / {result.max_score:g} points; "
        f"{passed} of {len(result.tests)} checks passed.",
    ]
    if problems:
        lines.append("Problems with the submission: " + "; ".join(problems))
    if result.late_days:
        lines.append(f"Submitted {result.late_days} day(s) late: {result.penalty:.0%} deducted.")
    lines.append(f"Seed {result.seed} (re-grading with it reproduces this grade).")
    lines.append(f"Isolation: {result.isolation}.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Grading many
# ---------------------------------------------------------------------------
def _grade_task(
    staged: StagedSubmission, assignment_id: str, seed: int | None, root: str
) -> dict[str, Any]:
    """A picklable unit of work for a process pool or a Dask worker."""
    try:
        result = grade_submission(staged, assignment_id, seed=seed, root=Path(root))
    except Exception as exc:  # noqa: BLE001 - a broken grade never stops the batch
        result = SubmissionResult(
            assignment=assignment_id,
            student=staged.student,
            status="error",
            output=f"grading failed: {type(exc).__name__}: {exc}",
            submission_sha256=staged.sha256,
            seed=seed or 0,
        )
    return result.to_json()


@dataclass
class BatchReport:
    results: list[SubmissionResult]
    graded: int
    reused: int
    seconds: float


def grade_batch(
    assignment_id: str,
    sources: list[Path],
    out_dir: Path,
    *,
    jobs: int | None = None,
    seed: int | None = None,
    force: bool = False,
    dask_scheduler: str | None = None,
    database: str | None = None,
    root: Path | None = None,
    progress: Callable[[SubmissionResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchReport:
    """Grade every submission found in `sources`; write results, grades.csv and the gradebook."""
    from autograder.gradebook import Gradebook
    from autograder.results import write_grades_csv

    started = time.perf_counter()
    course = load_course(root)
    assignment = course.assignment(assignment_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs = discover(sources, assignment)
    staged = [stage(student, path, assignment) for student, path in pairs]
    book = Gradebook(database or f"sqlite:///{(out_dir / 'gradebook.sqlite').resolve()}")
    done: list[SubmissionResult] = []
    todo: list[StagedSubmission] = []
    for item in staged:
        wanted_seed = default_seed(assignment.id, item.student) if seed is None else seed
        previous = out_dir / item.student / "results.json"
        if not force and previous.is_file():
            with contextlib.suppress(Exception):
                old = read_results(previous)
                if (
                    old.submission_sha256 == item.sha256
                    and old.seed == wanted_seed
                    and old.assignment == assignment.id
                    and old.status == "graded"
                ):
                    done.append(old)
                    book.record(old)
                    continue
        todo.append(item)
    reused = len(done)
    if on_start:
        on_start(len(todo))

    def finish(data: dict[str, Any]) -> None:
        result = SubmissionResult.from_json(data)
        write_results(out_dir, result)
        book.record(result)
        done.append(result)
        if progress:
            progress(result)

    jobs = max(1, jobs or os.cpu_count() or 1)
    root_str = str(course.root)
    if dask_scheduler:
        from distributed import Client, as_completed

        with Client(dask_scheduler) as client:
            futures = [
                client.submit(_grade_task, item, assignment.id, seed, root_str, pure=False)
                for item in todo
            ]
            for future in as_completed(futures):
                finish(future.result())
    elif jobs == 1 or len(todo) <= 1:
        for item in todo:
            finish(_grade_task(item, assignment.id, seed, root_str))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context) as pool:
            futures = [
                pool.submit(_grade_task, item, assignment.id, seed, root_str) for item in todo
            ]
            for future in as_completed(futures):
                finish(future.result())
    write_grades_csv(out_dir / "grades.csv", done)
    book.close()
    return BatchReport(
        results=sorted(done, key=lambda r: r.student),
        graded=len(todo),
        reused=reused,
        seconds=time.perf_counter() - started,
    )
