"""Do batches scale out (Dask) and stay idempotent in the gradebook?"""

from __future__ import annotations

import json

import pytest
from graderkit import ROOT, check_points

from autograder.engine.batch import grade_batch
from autograder.gradebook import Gradebook

SAMPLES = ROOT / "course" / "samples" / "conv"


@pytest.mark.slow
def test_dask_cluster_grades_like_the_local_pool(tmp_path):
    """Does --dask hand the same grading tasks to a Dask cluster, with the same grades?"""
    distributed = pytest.importorskip("distributed")
    subs = [SAMPLES / "ada_loops", SAMPLES / "bo_partial", SAMPLES / "cy_syntax_error"]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = grade_batch(
            "conv", subs, tmp_path / "dask", dask_scheduler=cluster.scheduler_address, root=ROOT
        )
    local = grade_batch("conv", subs, tmp_path / "local", jobs=1, root=ROOT)
    assert [(r.student, r.score) for r in remote.results] == [
        (r.student, r.score) for r in local.results
    ]
    assert remote.graded == 3


def test_regrading_replaces_rows_never_duplicates(tmp_path):
    """Does --force re-grade and replace each gradebook row instead of adding one?"""
    subs = [SAMPLES / "bo_partial"]
    grade_batch("conv", subs, tmp_path, jobs=1, root=ROOT)
    again = grade_batch("conv", subs, tmp_path, jobs=1, force=True, root=ROOT)
    assert again.graded == 1 and again.reused == 0
    rows = Gradebook(f"sqlite:///{tmp_path / 'gradebook.sqlite'}").rows("conv")
    assert [r["student"] for r in rows] == ["bo_partial"]
    stored = json.loads(rows[0]["results_json"])
    assert stored["score"] == rows[0]["score"] == again.results[0].score


def test_changed_submission_is_regraded(tmp_path):
    """Is a submission whose file changed graded again on resume, and the rest reused?"""
    import shutil

    folder = tmp_path / "subs" / "kim"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "bo_partial" / "conv.py", folder / "conv.py")
    other = tmp_path / "subs" / "lee"
    other.mkdir()
    shutil.copy(SAMPLES / "cy_syntax_error" / "conv.py", other / "conv.py")
    out = tmp_path / "out"
    first = grade_batch("conv", [tmp_path / "subs"], out, jobs=1, root=ROOT)
    shutil.copy(SAMPLES / "ada_loops" / "conv.py", folder / "conv.py")
    second = grade_batch("conv", [tmp_path / "subs"], out, jobs=1, root=ROOT)
    assert second.graded == 1 and second.reused == 1
    scores = {r.student: r.score for r in second.results}
    assert (
        scores["kim"] == sum(check_points("conv"))
        and scores["kim"] > {r.student: r.score for r in first.results}["kim"]
    )
