"""Is every results.json the course writes in Gradescope's schema, and can every reader still
read it? (issue 27.8)

The local results.json had a top-level `max_score` that Gradescope's schema
lacks (Gradescope sums the tests'); the Gradescope export moved it into
`extra_data` while `dlcourse grade`, `check --json` and `quiz grade` kept it.
One schema now: the extras live in `extra_data`. Its readers (the report, the
gradebook, regrade, the quiz's grading) must read it as before.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from graderkit import ROOT
from test_export_gradescope import validate_results

from autograder.cli import main
from autograder.engine.batch import grade_batch
from autograder.engine.regrade import regrade
from autograder.gradebook import Gradebook
from autograder.quiz.bank import load_quizzes, quiz_dir
from autograder.report import build_report
from autograder.report.data import load_batch, summarise
from autograder.results import read_results

PARTIAL = ROOT / "course" / "samples" / "conv" / "bo_partial" / "conv.py"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_grade_writes_gradescopes_schema_and_every_reader_reads_it(tmp_path):
    """Is a graded batch's results.json valid for Gradescope, its total in extra_data, and do
    the report, the gradebook and regrade read the same total from it?"""
    (tmp_path / "subs" / "bo").mkdir(parents=True)
    (tmp_path / "subs" / "bo" / "conv.py").write_bytes(PARTIAL.read_bytes())
    out = tmp_path / "out"
    db = f"sqlite:///{tmp_path / 'book.sqlite'}"
    grade_batch("conv", [tmp_path / "subs"], out, jobs=1, database=db, root=ROOT)
    data = json.loads((out / "bo" / "results.json").read_text())
    validate_results(data)
    total = sum(test["max_score"] for test in data["tests"])
    assert "max_score" not in data and data["extra_data"]["max_score"] == total
    assert 0 < data["score"] < total
    assert read_results(out / "bo" / "results.json").max_score == total
    (row,) = summarise(load_batch(out)).rows
    assert row.max_score == total and row.score == data["score"]
    build_report(out, out=tmp_path / "report.html", students_dir=tmp_path / "pages")
    assert f"{total:g}" in (tmp_path / "report.html").read_text()
    book = Gradebook(db)
    try:
        assert book.row("conv", "bo")["max_score"] == total
    finally:
        book.close()
    outcome = regrade("conv", "bo", database=db, root=ROOT, verify=True)
    assert outcome.same and outcome.result.max_score == total


def test_check_json_is_gradescopes_schema(tmp_path):
    """Does `dlcourse check --json` print the same schema?"""
    done = _run("check", "conv", "--path", ROOT / "solutions" / "conv", "--json")
    data = json.loads(done.output)
    validate_results(data)
    assert "max_score" not in data and data["score"] == data["extra_data"]["max_score"] > 0


def test_quiz_grade_writes_gradescopes_schema_and_the_report_reads_it(tmp_path, monkeypatch):
    """Are a graded quiz's results valid for Gradescope, with their total read back by the
    report and the gradebook?"""
    monkeypatch.setenv("DLCOURSE_ROOT", str(ROOT))
    quiz = load_quizzes(quiz_dir(ROOT))["optimizers"]
    single = [q for q in quiz.questions if q.kind == "single"][:3]
    lines = ["quiz: optimizers", "student: kim"] + [f"{q.id}: A" for q in single]
    answers = tmp_path / "kim.txt"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    db = f"sqlite:///{tmp_path / 'book.sqlite'}"
    done = _run("quiz", "grade", "optimizers", answers, "--out", out, "--db", db)
    assert done.exit_code == 0, done.output
    data = json.loads((out / "kim" / "results.json").read_text())
    validate_results(data)
    assert "max_score" not in data and data["extra_data"]["max_score"] == quiz.max_score
    assert summarise(load_batch(out)).rows[0].max_score == quiz.max_score
    book = Gradebook(db)
    try:
        assert book.row("quiz:optimizers", "kim")["max_score"] == quiz.max_score
    finally:
        book.close()
