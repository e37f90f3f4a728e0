"""Hidden checks of the rnn assignment (never shipped to students).

Inputs are drawn from the submission's seed, which results.json records, so a
grade can be reproduced exactly.
"""

import numpy as np
import pytest

from autograder.checkkit import (
    CheckFailure,
    check_backward,
    check_backward_numeric,
    check_forward,
    compare_all,
)
from autograder.checks.rnn.common import (
    LSTM_STEP_GRADS,
    SEQ_GRADS,
    STEP_GRADS,
    check_lstm_step_backward,
    weights,
)

# step cases: (N, D, H, weight scale); a scale of 5 saturates most gates
STEP_CASES = {"single": (1, 1, 1, 0.5), "wide": (4, 6, 7, 0.5), "saturated": (3, 4, 5, 5.0)}
# sequence cases: (N, T, D, H)
SEQ_CASES = {"T1": (3, 1, 4, 5), "long": (2, 9, 3, 4), "N1": (1, 5, 2, 6)}


def step_args(rng, cell, case, with_c=False):
    N, D, H, scale = STEP_CASES[case]
    args = [rng.normal(size=(N, D)), rng.normal(size=(N, H))]
    if with_c:
        args.append(rng.normal(size=(N, H)))
    return (*args, *weights(rng, cell, D, H, scale))


def seq_args(rng, cell, case):
    N, T, D, H = SEQ_CASES[case]
    x = rng.normal(size=(N, T, D)) * rng.uniform(0.5, 2.0)
    return (x, rng.normal(size=(N, H)), *weights(rng, cell, D, H))


@pytest.mark.task("rnn_step_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["single", "saturated"])
def test_rnn_step_forward(sub, oracle, rng, case):
    """rnn_step_forward matches the reference"""
    check_forward(sub, oracle, "rnn_step_forward", *step_args(rng, "rnn", case))


@pytest.mark.task("rnn_step_backward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["single", "wide"])
def test_rnn_step_backward(sub, oracle, rng, case):
    """rnn_step_backward matches the reference"""
    args = step_args(rng, "rnn", case)
    dnext_h = rng.normal(size=args[1].shape)
    check_backward(
        sub, oracle, "rnn_step_forward", "rnn_step_backward", args, dnext_h, grads=STEP_GRADS
    )


@pytest.mark.task("rnn_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["T1", "long"])
def test_rnn_forward(sub, oracle, rng, case):
    """rnn_forward matches the reference"""
    check_forward(sub, oracle, "rnn_forward", *seq_args(rng, "rnn", case))


@pytest.mark.task("rnn_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", ["long", "N1"])
def test_rnn_backward(sub, oracle, rng, case):
    """rnn_backward matches the reference"""
    args = seq_args(rng, "rnn", case)
    N, T, _, H = SEQ_CASES[case]
    dh = rng.normal(size=(N, T, H))
    check_backward(sub, oracle, "rnn_forward", "rnn_backward", args, dh, grads=SEQ_GRADS)


@pytest.mark.task("rnn_backward")
@pytest.mark.points(3)
def test_rnn_backward_numeric(sub, oracle, rng):
    """rnn_backward agrees with numerical gradients of your rnn_forward (T=5)"""
    args = (rng.normal(size=(1, 5, 2)), rng.normal(size=(1, 3)), *weights(rng, "rnn", 2, 3))
    dh = rng.normal(size=(1, 5, 3))
    check_backward_numeric(
        sub, "rnn_forward", "rnn_backward", args, dh,
        wrt={0: 0, 1: 1, 2: 2, 3: 3, 4: 4}, grads=SEQ_GRADS, directions=3, oracle=oracle,
    )  # fmt: skip


@pytest.mark.task("lstm_step_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(STEP_CASES))
def test_lstm_step_forward(sub, oracle, rng, case):
    """lstm_step_forward matches the reference"""
    args = step_args(rng, "lstm", case, with_c=True)
    check_forward(sub, oracle, "lstm_step_forward", *args, outputs=("next_h", "next_c"))


@pytest.mark.task("lstm_step_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", ["single", "saturated"])
def test_lstm_step_backward(sub, oracle, rng, case):
    """lstm_step_backward matches the reference"""
    args = step_args(rng, "lstm", case, with_c=True)
    dnext_h, dnext_c = rng.normal(size=args[1].shape), rng.normal(size=args[1].shape)
    check_lstm_step_backward(sub, oracle, args, dnext_h, dnext_c)


def lstm_step_outputs(module, calls):
    """Harness: (next_h, next_c) of lstm_step_forward for each argument list."""
    return [tuple(module.lstm_step_forward(*args)[:2]) for args in calls]


lstm_step_outputs.describe = "lstm_step_forward on slightly shifted inputs"


@pytest.mark.task("lstm_step_backward")
@pytest.mark.points(3)
def test_lstm_step_backward_numeric(sub, oracle, rng):
    """lstm_step_backward agrees with numerical gradients of your (correct) lstm_step_forward"""
    args = (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), rng.normal(size=(2, 2)))
    args += weights(rng, "lstm", 2, 2)
    dnext_h, dnext_c = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    # consistency with a forward that computes nothing is worth nothing
    want = oracle.forward("lstm_step_forward", *args)
    *outputs, cache = sub.forward("lstm_step_forward", *args)
    compare_all(outputs, want, ("next_h", "next_c"), call=sub.last_call)
    got = sub.call("lstm_step_backward", dnext_h, dnext_c, cache)
    call = f"{sub.last_call} after lstm_step_forward on x{tuple(args[0].shape)}"
    if not isinstance(got, (tuple, list)) or len(got) != len(LSTM_STEP_GRADS):
        raise CheckFailure(
            f"{call}\n  expected a tuple of 6 gradients ({', '.join(LSTM_STEP_GRADS)})"
        )
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
            raise CheckFailure(
                f"{call}\n  {name}: wrong shape: expected {v.shape}, got {grad.shape}"
            )
        (h_plus, c_plus), (h_minus, c_minus) = outputs[2 * k], outputs[2 * k + 1]
        numeric = (
            np.sum((np.asarray(h_plus) - np.asarray(h_minus)) * dnext_h)
            + np.sum((np.asarray(c_plus) - np.asarray(c_minus)) * dnext_c)
        ) / (2 * h)
        analytic = float(np.sum(grad * v))
        if not abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric)) + 1e-5 * abs(numeric):
            raise CheckFailure(
                f"{call}\n  {name} does not match numerical derivatives of your own "
                f"lstm_step_forward: along a random direction v, sum({name} * v) = "
                f"{analytic:.6g} but the central difference gives {numeric:.6g} "
                "(your backward does not match your forward)"
            )


@pytest.mark.task("lstm_forward")
@pytest.mark.points(3)
@pytest.mark.parametrize("case", ["T1", "long"])
def test_lstm_forward(sub, oracle, rng, case):
    """lstm_forward matches the reference"""
    check_forward(sub, oracle, "lstm_forward", *seq_args(rng, "lstm", case))


@pytest.mark.task("lstm_backward")
@pytest.mark.points(4)
@pytest.mark.parametrize("case", ["long", "N1"])
def test_lstm_backward(sub, oracle, rng, case):
    """lstm_backward matches the reference"""
    args = seq_args(rng, "lstm", case)
    N, T, _, H = SEQ_CASES[case]
    dh = rng.normal(size=(N, T, H))
    check_backward(sub, oracle, "lstm_forward", "lstm_backward", args, dh, grads=SEQ_GRADS)


@pytest.mark.task("lstm_backward")
@pytest.mark.points(3)
def test_lstm_backward_numeric(sub, oracle, rng):
    """lstm_backward agrees with numerical gradients of your lstm_forward (T=4)"""
    args = (rng.normal(size=(1, 4, 2)), rng.normal(size=(1, 2)), *weights(rng, "lstm", 2, 2))
    dh = rng.normal(size=(1, 4, 2))
    check_backward_numeric(
        sub, "lstm_forward", "lstm_backward", args, dh,
        wrt={0: 0, 1: 1, 2: 2, 3: 3, 4: 4}, grads=SEQ_GRADS, directions=3, oracle=oracle,
    )  # fmt: skip


@pytest.mark.task("gru_step_forward")
@pytest.mark.points(2)
@pytest.mark.parametrize("case", sorted(STEP_CASES))
def test_gru_step_forward(sub, oracle, rng, case):
    """gru_step_forward matches the reference"""
    check_forward(sub, oracle, "gru_step_forward", *step_args(rng, "gru", case))


def calls_and_inputs(module, calls):
    """Harness: run (name, args) calls in order; return their outputs (caches dropped)
    and every argument afterwards."""
    outputs = [list(getattr(module, name)(*args)[:-1]) for name, args in calls]
    return outputs, [args for _, args in calls]


calls_and_inputs.describe = "the forward passes"


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
        compare_all(got_outputs, want_outputs, names, call=f"{name} ({calls_and_inputs.describe})")
    for (name, before), now in zip(calls, after):
        for index, (a, b) in enumerate(zip(before, now)):
            if not np.array_equal(np.asarray(b), a):
                raise CheckFailure(
                    f"{name} modified its argument number {index + 1} in place; work on a copy"
                )
