"""Hidden checks of the rnn assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import CheckFailure, compare_all, msg
from autograder.checks.rnn.common import (
    LSTM_STEP_GRADS,
    lstm_step_backward_case,
    lstm_step_call,
    rnn_step_backward_case,
    seq_backward_case,
    seq_backward_numeric_case,
    seq_forward_case,
    step_args,
    step_forward_case,
    weights,
)

# step cases: (N, D, H, weight scale); a scale of 5 saturates most gates
STEP_CASES = {"single": (1, 1, 1, 0.5), "wide": (4, 6, 7, 0.5), "saturated": (3, 4, 5, 5.0)}
# sequence cases: (N, T, D, H)
SEQ_CASES = {"T1": (3, 1, 4, 5), "long": (2, 9, 3, 4), "N1": (1, 5, 2, 6)}


@pytest.mark.task("rnn_step_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["single", "saturated"])
def test_rnn_step_forward(sub, oracle, rng, case):
    """rnn_step_forward matches the reference"""
    step_forward_case(sub, oracle, rng, "rnn", STEP_CASES[case])


@pytest.mark.task("rnn_step_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["single", "wide"])
def test_rnn_step_backward(sub, oracle, rng, case):
    """rnn_step_backward matches the reference"""
    rnn_step_backward_case(sub, oracle, rng, STEP_CASES[case])


@pytest.mark.task("rnn_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["T1", "long"])
def test_rnn_forward(sub, oracle, rng, case):
    """rnn_forward matches the reference"""
    seq_forward_case(sub, oracle, rng, "rnn", SEQ_CASES[case], random_scale=True)


@pytest.mark.task("rnn_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", ["long", "N1"])
def test_rnn_backward(sub, oracle, rng, case):
    """rnn_backward matches the reference"""
    seq_backward_case(sub, oracle, rng, "rnn", SEQ_CASES[case], random_scale=True)


@pytest.mark.task("rnn_backward")
@pytest.mark.points(3)
def test_rnn_backward_numeric(sub, oracle, rng):
    """rnn_backward agrees with numerical gradients of your rnn_forward (T=5)"""
    seq_backward_numeric_case(sub, oracle, rng, "rnn", (1, 5, 2, 3))


@pytest.mark.task("lstm_step_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(STEP_CASES))
def test_lstm_step_forward(sub, oracle, rng, case):
    """lstm_step_forward matches the reference"""
    step_forward_case(sub, oracle, rng, "lstm", STEP_CASES[case])


@pytest.mark.task("lstm_step_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", ["single", "saturated"])
def test_lstm_step_backward(sub, oracle, rng, case):
    """lstm_step_backward matches the reference"""
    lstm_step_backward_case(sub, oracle, rng, STEP_CASES[case])


def lstm_step_outputs(module, calls):
    """Harness: (next_h, next_c) of lstm_step_forward for each argument list."""
    return [tuple(module.lstm_step_forward(*args)[:2]) for args in calls]


@pytest.mark.task("lstm_step_backward")
@pytest.mark.points(3)
def test_lstm_step_backward_numeric(sub, oracle, rng):
    """lstm_step_backward agrees with numerical gradients of your (correct) lstm_step_forward"""
    args = step_args(rng, "lstm", (2, 2, 2, 0.5))
    dnext_h, dnext_c = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    # consistency with a forward that computes nothing is worth nothing
    want = oracle.forward("lstm_step_forward", *args)
    *outputs, cache = sub.forward("lstm_step_forward", *args)
    compare_all(outputs, want, ("next_h", "next_c"), call=sub.last_call)
    got = sub.call("lstm_step_backward", dnext_h, dnext_c, cache)
    call = lstm_step_call(sub.last_call, args[0])
    if not isinstance(got, (tuple, list)) or len(got) != len(LSTM_STEP_GRADS):
        problem = msg(
            "rnn.grad_tuple",
            "expected a tuple of {count} gradients ({names})",
            count=len(LSTM_STEP_GRADS),
            names=", ".join(LSTM_STEP_GRADS),
        )
        raise CheckFailure([problem], call=call)
    # The loss is L = sum(next_h * dnext_h) + sum(next_c * dnext_c). Along a random
    # direction v of one input, sum(gradient * v) must equal the central difference
    # of L; all shifted forwards run in one request.
    h = 1e-6
    probes, calls = [], []
    for index in range(len(args)):
        for _ in range(3):
            v = rng.standard_normal(args[index].shape)
            probes.append((index, v))
            for sign in (1.0, -1.0):
                shifted = list(args)
                shifted[index] = args[index] + sign * h * v
                calls.append(shifted)
    outputs = sub.run(lstm_step_outputs, calls)
    for k, (index, v) in enumerate(probes):
        name = LSTM_STEP_GRADS[index]
        grad = np.asarray(got[index], dtype=float)
        if grad.shape != v.shape:
            problem = msg(
                "rnn.grad_shape",
                "{what}: wrong shape: expected {want}, got {got}",
                what=name,
                want=str(v.shape),
                got=str(grad.shape),
            )
            raise CheckFailure([problem], call=call)
        (h_plus, c_plus), (h_minus, c_minus) = outputs[2 * k], outputs[2 * k + 1]
        numeric = (
            np.sum((np.asarray(h_plus) - np.asarray(h_minus)) * dnext_h)
            + np.sum((np.asarray(c_plus) - np.asarray(c_minus)) * dnext_c)
        ) / (2 * h)
        analytic = float(np.sum(grad * v))
        if not abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric)) + 1e-5 * abs(numeric):
            problem = msg(
                "rnn.lstm_step_mismatch",
                "{grad} does not match numerical derivatives of your own lstm_step_forward: "
                "along a random direction v, sum({grad} * v) = {analytic} but the central "
                "difference gives {numeric} (your backward does not match your forward)",
                grad=name,
                analytic=f"{analytic:.6g}",
                numeric=f"{numeric:.6g}",
            )
            raise CheckFailure([problem], call=call)


@pytest.mark.task("lstm_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["T1", "long"])
def test_lstm_forward(sub, oracle, rng, case):
    """lstm_forward matches the reference"""
    seq_forward_case(sub, oracle, rng, "lstm", SEQ_CASES[case], random_scale=True)


@pytest.mark.task("lstm_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", ["long", "N1"])
def test_lstm_backward(sub, oracle, rng, case):
    """lstm_backward matches the reference"""
    seq_backward_case(sub, oracle, rng, "lstm", SEQ_CASES[case], random_scale=True)


@pytest.mark.task("lstm_backward")
@pytest.mark.points(3)
def test_lstm_backward_numeric(sub, oracle, rng):
    """lstm_backward agrees with numerical gradients of your lstm_forward (T=4)"""
    seq_backward_numeric_case(sub, oracle, rng, "lstm", (1, 4, 2, 2))


@pytest.mark.task("gru_step_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(STEP_CASES))
def test_gru_step_forward(sub, oracle, rng, case):
    """gru_step_forward matches the reference"""
    step_forward_case(sub, oracle, rng, "gru", STEP_CASES[case])


def calls_and_inputs(module, calls):
    """Harness: run (name, args) calls in order; return their outputs (caches dropped)
    and every argument afterwards."""
    outputs = [list(getattr(module, name)(*args)[:-1]) for name, args in calls]
    return outputs, [args for _, args in calls]


def cell_calls(rng, cell):
    """The forward calls of one cell family, with their arguments."""
    N, T, D, H = 2, 3, 4, 3
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    params = weights(rng, cell, D, H)
    if cell == "rnn":
        return [
            ("rnn_step_forward", [x[:, 0], h0, *params]),
            ("rnn_forward", [x, h0, *params]),
        ]
    if cell == "lstm":
        return [
            ("lstm_step_forward", [x[:, 0], h0, c0, *params]),
            ("lstm_forward", [x, h0, *params]),
        ]
    return [("gru_step_forward", [x[:, 0], h0, *params])]


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "cell",
    [
        pytest.param(
            c, marks=pytest.mark.task(f"{c}_forward" if c != "gru" else "gru_step_forward")
        )
        for c in ("rnn", "lstm", "gru")
    ],
)
def test_forwards_keep_inputs(sub, oracle, rng, cell):
    """the forward passes are right and leave their argument arrays unchanged"""
    calls = cell_calls(rng, cell)
    want, _ = oracle.run(calls_and_inputs, calls)
    got, after = sub.run(calls_and_inputs, calls)
    for (name, _), got_outputs, want_outputs in zip(calls, got, want):
        names = [f"{name} output {i}" for i in range(len(want_outputs))]
        call = msg("rnn.forward_passes", "{name} (the forward passes)", name=name)
        compare_all(got_outputs, want_outputs, names, call=call)
    for (name, before), now in zip(calls, after):
        for index, (a, b) in enumerate(zip(before, now)):
            if not np.array_equal(np.asarray(b), a):
                raise CheckFailure(
                    msg(
                        "rnn.argument_modified",
                        "{name} modified its argument number {number} in place; work on a copy",
                        name=name,
                        number=index + 1,
                    )
                )
