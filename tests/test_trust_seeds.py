"""Is the grading seed secret to the student, and is every grade still reproducible? (issue 26.1)

The bundle ships the public checks and the code that turns a seed into their
inputs; a student who could compute their seed could compute every graded
input in advance and answer from a table. These tests ask that nothing a
student holds gives the seed, and that the seed actually used is recorded so
that `regrade`, `--seed` and a resumed batch reproduce the grade exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib

import pytest
from graderkit import ROOT

from autograder.engine.batch import grade_batch
from autograder.engine.regrade import regrade
from autograder.engine.seeds import SECRET_ENV, SeedKey, course_secret

PARTIAL = (ROOT / "course" / "samples" / "conv" / "bo_partial" / "conv.py").read_bytes()
SECRET = "instructors-only-0123456789abcdef"


@pytest.fixture()
def bo(tmp_path):
    folder = tmp_path / "subs" / "bo"
    folder.mkdir(parents=True)
    (folder / "conv.py").write_bytes(PARTIAL)
    return folder


@pytest.fixture(autouse=True)
def no_secret(monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)


def _outputs(path):
    data = json.loads(path.read_text())
    return [(t["name"], t["score"], t["output"]) for t in data["tests"]]


def test_two_batches_without_a_seed_draw_seeds_no_student_can_compute(bo, tmp_path):
    """Without --seed and without a course secret, does each batch draw its own seed, one
    that the name-derived formula (the only thing a student could compute) does not give?"""
    seeds = []
    for run in ("one", "two"):
        report = grade_batch("conv", [bo], tmp_path / run, jobs=1, root=ROOT)
        (result,) = report.results
        assert result.status == "graded"
        seeds.append(result.seed)
        recorded = json.loads((tmp_path / run / "bo" / "results.json").read_text())
        assert recorded["extra_data"]["seed"] == result.seed  # the seed actually used
    assert seeds[0] != seeds[1]
    assert zlib.crc32(b"conv/bo") & 0x7FFFFFFF not in seeds


def test_a_course_secret_keys_the_seed_and_the_bundle_never_holds_it(bo, tmp_path, monkeypatch):
    """With DLCOURSE_GRADING_SECRET on the grading host, is the seed the same in every
    batch, an HMAC under that secret (another secret, another seed), and is the secret
    in nothing the course ships (course.toml, the package)?"""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    first = grade_batch("conv", [bo], tmp_path / "one", jobs=1, root=ROOT).results[0]
    second = grade_batch("conv", [bo], tmp_path / "two", jobs=1, root=ROOT).results[0]
    digest = hmac.new(SECRET.encode(), b"conv/bo", hashlib.sha256).digest()
    assert first.seed == second.seed == int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
    assert SeedKey(b"another secret, as long as it is", True).seed("conv", "bo") != first.seed
    assert SECRET not in (ROOT / "course" / "course.toml").read_text()
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ValueError, match="shorter than"):
        course_secret()


def test_regrade_and_seed_reproduce_a_drawn_seed_exactly(bo, tmp_path):
    """Does a grade made with a drawn seed verify by `regrade`, and does `--seed` with the
    recorded seed give the very same checks, scores and messages?"""
    db = f"sqlite:///{tmp_path / 'book.sqlite'}"
    report = grade_batch("conv", [bo], tmp_path / "out", jobs=1, database=db, root=ROOT)
    result = report.results[0]
    assert 0 < result.score < result.max_score  # a partial answer: the inputs matter
    outcome = regrade("conv", "bo", database=db, root=ROOT, verify=True)
    assert outcome.same and outcome.differences == [] and outcome.result.seed == result.seed
    again = grade_batch("conv", [bo], tmp_path / "again", jobs=1, seed=result.seed, root=ROOT)
    assert again.results[0].seed == result.seed
    assert _outputs(tmp_path / "again" / "bo" / "results.json") == _outputs(
        tmp_path / "out" / "bo" / "results.json"
    )


def test_a_resumed_batch_reuses_results_graded_with_their_recorded_seed(bo, tmp_path):
    """Does a second batch without --seed reuse the first one's result (its seed kept), while
    an explicit other --seed grades again?"""
    first = grade_batch("conv", [bo], tmp_path / "out", jobs=1, root=ROOT)
    again = grade_batch("conv", [bo], tmp_path / "out", jobs=1, root=ROOT)
    assert again.reused == 1 and again.graded == 0
    assert again.results[0].seed == first.results[0].seed
    other = first.results[0].seed + 1
    moved = grade_batch("conv", [bo], tmp_path / "out", jobs=1, seed=other, root=ROOT)
    assert moved.graded == 1 and moved.results[0].seed == other


def test_the_seed_of_a_student_page_shows_only_once_grades_are_published(bo, tmp_path):
    """Does a student's report page keep the seed to itself until grades are published?"""
    from autograder.report import build_report

    result = grade_batch("conv", [bo], tmp_path / "out", jobs=1, root=ROOT).results[0]
    build_report(tmp_path / "out", out=tmp_path / "r.html", students_dir=tmp_path / "pages")
    assert str(result.seed) not in (tmp_path / "pages" / "bo.html").read_text()
    build_report(
        tmp_path / "out", out=tmp_path / "r.html", students_dir=tmp_path / "open", published=True
    )
    assert f"seed {result.seed}" in (tmp_path / "open" / "bo.html").read_text()


def test_gradescope_keys_the_seed_alike_and_never_shows_it_to_the_student(
    bo, tmp_path, monkeypatch
):
    """On Gradescope, is the seed the course secret's HMAC of the student (as in a batch), kept
    in extra_data and out of the output the student sees at once; and without a secret,
    does each run draw its own?"""
    from autograder.platforms.gradescope.export import grade_for_gradescope

    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"email": "bo@example.edu"}]}))

    def run(name):
        path = tmp_path / f"{name}.json"
        grade_for_gradescope("conv", submission=bo, results=path, metadata_file=meta, root=ROOT)
        return json.loads(path.read_text())

    monkeypatch.setenv(SECRET_ENV, SECRET)
    data = run("keyed")
    seed = data["extra_data"]["seed"]
    assert seed == SeedKey(SECRET.encode(), True).seed("conv", "bo@example.edu")
    assert str(seed) not in data["output"] and "Seed" not in data["output"]
    assert data["output"].startswith("conv: ")  # the rest of the summary is still there
    monkeypatch.delenv(SECRET_ENV)
    import autograder.engine.seeds as seeds

    monkeypatch.setattr(seeds, "_PROCESS_KEY", None)  # a fresh run_autograder process
    first = run("one")["extra_data"]["seed"]
    monkeypatch.setattr(seeds, "_PROCESS_KEY", None)
    assert run("two")["extra_data"]["seed"] != first
