"""Check bodies shared by the public and hidden rnn checks (ships to students).

Each function checks one case; the test modules choose the cases, tasks and
points. This module ships with the public checks, so it holds no reference
code and no hidden case.

Cases: a step case is (N, D, H, weight scale), a sequence case (N, T, D, H).
"""

from autograder.checkkit import (
    call_after,
    check_backward,
    check_backward_numeric,
    check_forward,
    compare_all,
    msg,
)

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
STEP_GRADS = ("dx", "dprev_h", "dWx", "dWh", "db")
SEQ_GRADS = ("dx", "dh0", "dWx", "dWh", "db")
LSTM_STEP_GRADS = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")
SEQ_WRT = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4}  # x, h0, Wx, Wh, b -> dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
def weights(rng, cell, D, H, scale=0.5):
    """(Wx, Wh, b) for a cell; the GRU gets its two biases (bx, bh)."""
    G = GATES[cell]
    params = [scale * rng.normal(size=(D, G * H)), scale * rng.normal(size=(H, G * H))]
    params.append(scale * rng.normal(size=G * H))
    if cell == "gru":
        params.append(scale * rng.normal(size=G * H))
    return tuple(params)


def step_args(rng, cell, case):
    """(x, prev_h[, prev_c], *weights) of one step; only the LSTM carries prev_c."""
    N, D, H, scale = case
    args = [rng.normal(size=(N, D)), rng.normal(size=(N, H))]
    if cell == "lstm":
        args.append(rng.normal(size=(N, H)))
    return (*args, *weights(rng, cell, D, H, scale))


def seq_args(rng, cell, case, random_scale=False):
    """(x, h0, *weights) of a sequence; x scaled by a random factor in [0.5, 2) if asked."""
    N, T, D, H = case
    x = rng.normal(size=(N, T, D))
    if random_scale:
        x = x * rng.uniform(0.5, 2.0)
    return (x, rng.normal(size=(N, H)), *weights(rng, cell, D, H))


# ---------------------------------------------------------------------------
# Harness (self-contained: shipped to the worker as source)
# ---------------------------------------------------------------------------
def lstm_step_both(module, args, dnext_h, dnext_c):
    """Harness: lstm_step_forward, then lstm_step_backward on its own cache."""
    cache = module.lstm_step_forward(*args)[-1]
    return module.lstm_step_backward(dnext_h, dnext_c, cache)


# ---------------------------------------------------------------------------
# Check bodies
# ---------------------------------------------------------------------------
def step_forward_case(sub, oracle, rng, cell, case):
    """The step forward of `cell` ("rnn", "lstm" or "gru") matches the reference."""
    outputs = ("next_h", "next_c") if cell == "lstm" else ("out",)
    check_forward(sub, oracle, f"{cell}_step_forward", *step_args(rng, cell, case), outputs=outputs)


def rnn_step_backward_case(sub, oracle, rng, case):
    args = step_args(rng, "rnn", case)
    dnext_h = rng.normal(size=args[1].shape)
    check_backward(
        sub, oracle, "rnn_step_forward", "rnn_step_backward", args, dnext_h, grads=STEP_GRADS
    )


def lstm_step_call(call, x):
    """What an lstm_step_backward check called: `call` after lstm_step_forward on x."""
    before = msg(
        "rnn.lstm_step_forward_on", "lstm_step_forward on x{shape}", shape=str(tuple(x.shape))
    )
    return call_after(call, before)


def lstm_step_backward_case(sub, oracle, rng, case):
    """lstm_step_backward takes two upstream gradients, so it gets its own comparison."""
    args = step_args(rng, "lstm", case)
    dnext_h, dnext_c = rng.normal(size=args[1].shape), rng.normal(size=args[1].shape)
    mistakes = oracle.candidates("lstm_step_backward", lstm_step_both, args, dnext_h, dnext_c)
    want = oracle.run(lstm_step_both, args, dnext_h, dnext_c)
    cache = sub.forward("lstm_step_forward", *args)[-1]
    got = sub.call("lstm_step_backward", dnext_h, dnext_c, cache)
    call = lstm_step_call(sub.last_call, args[0])
    compare_all(got, want, LSTM_STEP_GRADS, call=call, mistakes=mistakes)


def seq_forward_case(sub, oracle, rng, cell, case, random_scale=False):
    """rnn_forward or lstm_forward matches the reference."""
    check_forward(sub, oracle, f"{cell}_forward", *seq_args(rng, cell, case, random_scale))


def seq_backward_case(sub, oracle, rng, cell, case, random_scale=False):
    """rnn_backward or lstm_backward matches the reference."""
    args = seq_args(rng, cell, case, random_scale)
    N, T, _, H = case
    dh = rng.normal(size=(N, T, H))
    check_backward(sub, oracle, f"{cell}_forward", f"{cell}_backward", args, dh, grads=SEQ_GRADS)


def seq_backward_numeric_case(sub, oracle, rng, cell, case):
    """rnn_backward or lstm_backward agrees with numerical gradients of the student's forward."""
    N, T, D, H = case
    args = (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), *weights(rng, cell, D, H))
    dh = rng.normal(size=(N, T, H))
    check_backward_numeric(
        sub, f"{cell}_forward", f"{cell}_backward", args, dh,
        wrt=SEQ_WRT, grads=SEQ_GRADS, directions=3, oracle=oracle,
    )  # fmt: skip
