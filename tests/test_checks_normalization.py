"""Do the normalization checks say what went wrong, in English and in Korean?

The generic tests (test_assignments.py, test_mistakes.py) prove that the
reference scores full marks and that every known mistake loses points. Here a
layer norm that normalises its input in place - right outputs, the caller's x
changed - must lose exactly the check that looks at the inputs, and the
failure must name the argument in both languages; and the call lines that the
checks write themselves (the bn_param mode, the training run) must read in
Korean.
"""

from __future__ import annotations

import copy

from graderkit import ROOT, failures, grade_folder, mutant_folder

from autograder.checkkit.mutants import Mistake, mutant_source
from autograder.checks.normalization.private.mistakes import MISTAKES
from autograder.feedback import render_result

IN_PLACE = Mistake(
    name="layernorm_in_place",
    task="layernorm_forward",
    message="",
    replace=(("    xc = x - mu\n", "    x -= mu\n    xc = x\n"),),
)


def _grade(folder):
    result = grade_folder("normalization", folder)
    return result, render_result(copy.deepcopy(result), "ko")


def _write(tmp_path, mistake):
    source = (ROOT / "solutions" / "normalization" / "normalization.py").read_text(encoding="utf-8")
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "normalization.py").write_text(mutant_source(source, mistake), encoding="utf-8")
    return folder


def _lost(result):
    return {t.nodeid.rsplit("::", 1)[-1]: t.output for t in result.tests if t.status != "passed"}


def test_a_forward_changing_its_input_is_told_so_in_both_languages(tmp_path):
    """Does a layer norm that changes x in place lose only the keeps-inputs check, in en and ko?"""
    result, korean = _grade(_write(tmp_path, IN_PLACE))
    check = "test_forward_keeps_inputs[layernorm_forward]"
    assert set(_lost(result)) == {check}, failures(result)
    assert _lost(result)[check] == (
        "layernorm_forward modified its argument x in place; work on a copy"
    )
    assert _lost(korean)[check] == (
        "실패 유형: 값이 다름\n"
        "layernorm_forward: 인자 x의 값이 제자리에서 바뀌었습니다. 복사본에서 작업하세요"
    )


def test_the_call_lines_the_checks_write_read_in_korean():
    """Do the bn_param-mode and training-run call lines read in Korean, the same in English?"""
    frozen = next(m for m in MISTAKES if m.name == "bn_running_statistics_not_updated")
    result, korean = _grade(mutant_folder("normalization", frozen))
    english, ko = _lost(result), _lost(korean)
    train = "test_batchnorm_forward_train[8x5]"
    run = "test_batchnorm_running_statistics_over_training"
    assert {train, run} <= set(english), failures(result)
    assert english[train].startswith(
        "batchnorm_forward(x(8, 5), gamma, beta, bn_param with mode='train')\n"
    )
    assert ko[train].split("\n")[1] == (
        "batchnorm_forward(x(8, 5), gamma, beta, bn_param), 이때 bn_param의 mode='train'"
    )
    assert english[run].split("\n")[:2] == [
        "6 x batchnorm_forward(x(5, 4), gamma, beta, bn_param) in train mode starting from "
        "bn_param={'mode': 'train'}, then one call in eval mode",
        "  eval out: values differ in 12 of 12 entries (shape (3, 4))",
    ]
    assert ko[run].split("\n")[1:3] == [
        "batchnorm_forward(x(5, 4), gamma, beta, bn_param) 호출 6번(학습 모드, "
        "bn_param={'mode': 'train'}에서 시작), 그다음 평가 모드로 한 번 호출",
        "  평가 모드의 out: 전체 12개 항목 중 12개의 값이 다릅니다 (모양 (3, 4))",
    ]
