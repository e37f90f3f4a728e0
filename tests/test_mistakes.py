"""Is every known mistake of every assignment a real, detectable, well-described mistake?

Each mutant (the reference with one mistake written in) must import, and must
differ from the reference on a small input for its task: otherwise a check could
never tell it apart and its feedback could never fire. The probes that run a
task live in tests/mistake_probes/<assignment>.py.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder.checkkit.mutants import load_mutant, mutant_source, reference_path
from autograder.paths import load_reference

ASSIGNMENTS = (
    "basics",
    "attention",
    "normalization",
    "optim",
    "regularization",
    "rnn",
    "transformer",
    "seq2seq",
    "vit",
    "bert",
)

# The mistakes each assignment's issue names: they must stay covered.
REQUIRED = {
    "basics": {
        "softmax_no_max_subtraction",
        "relu_backward_no_mask",
        "cross_entropy_summed",
        "affine_backward_no_reshape",
    },
    "attention": {
        "attention_no_scaling",
        "softmax_wrong_axis",
        "mask_with_zero",
        "heads_split_wrong_axis",
    },
    "normalization": {
        "bn_eval_uses_batch_statistics",
        "bn_unbiased_variance_in_normalisation",
        "bn_running_statistics_not_updated",
        "bn_backward_ignores_mean",
    },
    "optim": {
        "adam_no_bias_correction",
        "adamw_coupled_weight_decay",
        "sgd_nesterov_as_momentum",
        "rmsprop_eps_inside_sqrt",
        "adagrad_exponential_average",
    },
    "regularization": {
        "dropout_keeps_with_p",
        "dropout_no_rescale",
        "dropout_active_in_eval",
        "dropout_backward_new_mask",
        "early_stopping_resets_on_any_change",
    },
    "rnn": {
        "lstm_gate_order_ifog",
        "lstm_no_tanh_on_cell",
        "lstm_cell_grad_not_carried",
        "rnn_dh0_dropped",
        "lstm_dh0_dropped",
    },
    "transformer": {
        "attention_no_scaling",
        "mask_inverted",
        "heads_split_wrong_axis",
        "gelu_tanh_approximation",
        "post_norm",
    },
    "seq2seq": {
        "encoder_runs_over_padding",
        "attention_without_mask",
        "attention_mask_with_zero",
        "loss_averaged_over_pads",
        "teacher_forcing_feeds_predictions",
        "greedy_includes_eos",
        "beam_no_length_normalisation",
    },
    "vit": {
        "patchify_reshape_only",
        "patches_column_major",
        "cls_token_missing",
        "head_on_mean_of_tokens",
    },
    "bert": {
        "special_tokens_selected",
        "split_order_random_first",
        "random_from_whole_vocabulary",
        "mlm_loss_over_all_positions",
        "mask_blocks_padded_queries",
    },
}

# Code a message must not quote (it explains, it does not hand out code); other
# assignments' messages may name a PyTorch API as the behaviour to match.
CODE_WORDS = {
    "attention": ("np.",),
    "transformer": ("torch.", "self."),
    "seq2seq": ("torch.", "self."),
    "vit": ("torch.", "self."),
    "bert": ("torch.", "self."),
}


def mistakes_of(assignment: str) -> list:
    return importlib.import_module(f"autograder.checks.{assignment}.private.mistakes").MISTAKES


def probes_of(assignment: str) -> dict:
    return importlib.import_module(f"mistake_probes.{assignment}").PROBES


ALL = [(a, m) for a in ASSIGNMENTS for m in mistakes_of(a)]
IDS = [f"{a}-{m.name}" for a, m in ALL]


def differs(got: list, want: list) -> bool:
    """Does any output differ in shape or value (NaN never equals anything)?"""
    for g, w in zip(got, want):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        if g.shape != w.shape or not np.allclose(g, w, rtol=1e-6, atol=1e-9):
            return True
    return False


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_names_unique_tasks_probed_and_issue_mistakes_covered(assignment):
    """Is each name unique, each task a real function with a probe, each required mistake there?"""
    mistakes = mistakes_of(assignment)
    names = [m.name for m in mistakes]
    assert len(names) == len(set(names))
    assert REQUIRED[assignment] <= set(names)
    ref = load_reference(assignment)
    probes = probes_of(assignment)
    for m in mistakes:
        assert m.task in probes, f"no probe for task {m.task!r}"
        owner, _, method = m.task.partition(".")
        target = getattr(ref, owner)
        assert callable(getattr(target, method) if method else target), m.task


@pytest.mark.parametrize(("assignment", "mistake"), ALL, ids=IDS)
def test_spec_applies_and_message_explains_without_code(assignment, mistake):
    """Does each edit hit the reference, and does the message explain without quoting code?"""
    source = reference_path(assignment, mistake).read_text(encoding="utf-8")
    for old, _ in mistake.replace:
        assert old in source, old
    assert mutant_source(source, mistake) != source
    assert len(mistake.message) > 40 and mistake.message.endswith(".")
    words = CODE_WORDS.get(assignment, ())
    assert not any(word in mistake.message for word in words), mistake.message
    for old, new in mistake.replace:
        for line in (old + "\n" + new).splitlines():
            if len(line.strip()) >= 20:
                assert line.strip() not in mistake.message


@pytest.mark.parametrize(("assignment", "mistake"), ALL, ids=IDS)
def test_mutant_imports_and_differs_from_reference(assignment, mistake):
    """Does the mutant import, and does its output differ from the reference's for its task?"""
    import torch

    probe = probes_of(assignment)[mistake.task]
    mutant = load_mutant(assignment, mistake)
    with np.errstate(all="ignore"), torch.no_grad():
        want = probe(load_reference(assignment))
        got = probe(mutant)
    assert len(got) == len(want)
    assert differs(got, want), f"{mistake.name} gives the reference's answer"


@pytest.mark.parametrize("assignment", ["normalization", "rnn"])
def test_each_replacement_matches_exactly_once(assignment):
    """Does each edit hit exactly one place of the reference (no silent collateral edits)?"""
    for mistake in mistakes_of(assignment):
        source = reference_path(assignment, mistake).read_text(encoding="utf-8")
        for old, _ in mistake.replace:
            assert source.count(old) == 1, (mistake.name, old)


@pytest.mark.parametrize("mistake", mistakes_of("optim"), ids=lambda m: m.name)
def test_optim_mutant_changes_its_task_only(mistake):
    """Does an optimizer mutant break its own task and leave every other task as the reference?"""
    ref = load_reference("optim")
    mutant = load_mutant("optim", mistake)
    for task, run in probes_of("optim").items():
        got, want = run(mutant), run(ref)
        if task == mistake.task:
            assert differs(got, want), f"{mistake.name} does not change {task}"
        else:
            assert not differs(got, want), f"{mistake.name} also changes {task}"


def test_dropout_mutants_are_caught_statistically():
    """Are the dropout mutants also visible without a fixed seed (as graders see them)?"""
    ref = load_reference("regularization")
    x = np.ones((100, 100))
    p = 0.2
    for name in ("dropout_keeps_with_p", "dropout_no_rescale"):
        spec = next(m for m in mistakes_of("regularization") if m.name == name)
        out, _ = load_mutant("regularization", spec).dropout_forward(x, p)
        ref_out, _ = ref.dropout_forward(x, p)
        assert abs(ref_out.mean() - 1.0) < 0.05
        assert abs(out.mean() - 1.0) > 0.1 or abs(np.mean(out == 0) - p) > 0.1, name
