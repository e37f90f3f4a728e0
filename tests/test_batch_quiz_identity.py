"""Quiz answer files: who a file belongs to is its name; a spoofed or doubled identity is flagged."""

from __future__ import annotations

import json

from graderkit import ROOT

from autograder.quiz import bank as qbank
from autograder.quiz.engine import grade_files


def _sheet(student: str, quiz_id: str) -> str:
    return f"quiz: {quiz_id}\nstudent: {student}\n"


def test_spoofed_and_doubled_identities_are_flagged(tmp_path):
    quiz = qbank.load_quizzes(qbank.quiz_dir(ROOT))["convolution"]
    files = tmp_path / "answers"
    (files / "carol").mkdir(parents=True)
    honest = files / "alice.txt"
    honest.write_text(_sheet("alice", quiz.id))
    spoof = files / "mallory.txt"  # mallory hands in a file that claims to be bob's
    spoof.write_text(_sheet("bob", quiz.id))
    in_folder = files / "carol" / "answers.txt"
    in_folder.write_text(_sheet("carol", quiz.id))
    again = files / "alice-2.txt"
    again.write_text(_sheet("alice", quiz.id))
    out = tmp_path / "out"
    results = grade_files(quiz=quiz, answer_files=[honest, spoof, in_folder, again], out_dir=out)
    by = {r.student: r for r in results}
    assert "identity_flags" not in by["carol"].extra
    assert "mallory" in " ".join(by["bob"].extra["identity_flags"])
    assert by["bob"].output.startswith("note: mallory.txt is named for 'mallory'")
    # Both of alice's files are flagged: the first is not silently the one that counts.
    first = json.loads((out / "alice" / "results.json").read_text())
    assert "also handed in" in " ".join(first["extra_data"]["identity_flags"])
    assert by["alice@alice-2"].status == "error"
