"""Shared check bodies and input builders of the rnn checks.

The public and the hidden checks call the same bodies here; they differ only
in their cases (shapes, options, random inputs). This module ships with the
public checks, so it holds no reference code and no hidden cases.
"""

from autograder.checkkit import compare_all

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
STEP_GRADS = ("dx", "dprev_h", "dWx", "dWh", "db")
SEQ_GRADS = ("dx", "dh0", "dWx", "dWh", "db")
LSTM_STEP_GRADS = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")


def weights(rng, cell, D, H, scale=0.5):
    """(Wx, Wh, b) for a cell; the GRU gets its two biases (bx, bh)."""
    G = GATES[cell]
    params = [scale * rng.normal(size=(D, G * H)), scale * rng.normal(size=(H, G * H))]
    params.append(scale * rng.normal(size=G * H))
    if cell == "gru":
        params.append(scale * rng.normal(size=G * H))
    return tuple(params)


def lstm_step_both(module, args, dnext_h, dnext_c):
    """Harness: lstm_step_forward, then lstm_step_backward on its own cache."""
    cache = module.lstm_step_forward(*args)[-1]
    return module.lstm_step_backward(dnext_h, dnext_c, cache)


lstm_step_both.describe = "lstm_step_backward after lstm_step_forward"


def check_lstm_step_backward(sub, oracle, args, dnext_h, dnext_c):
    """lstm_step_backward takes two upstream gradients, so it gets its own comparison."""
    mistakes = oracle.candidates("lstm_step_backward", lstm_step_both, args, dnext_h, dnext_c)
    want = oracle.run(lstm_step_both, args, dnext_h, dnext_c)
    cache = sub.forward("lstm_step_forward", *args)[-1]
    got = sub.call("lstm_step_backward", dnext_h, dnext_c, cache)
    call = f"{sub.last_call} after lstm_step_forward on x{tuple(args[0].shape)}"
    compare_all(got, want, LSTM_STEP_GRADS, call=call, mistakes=mistakes)
