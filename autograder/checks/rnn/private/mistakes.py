"""Known mistakes of the rnn assignment, as edits of the reference."""

from autograder.checkkit import Mistake

_RNN_BACK_STEP = "step = rnn_step_backward(dh[:, t] + dprev_h, step_caches[t])"
_LSTM_BACK_STEP = "step = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, step_caches[t])"
_ACCUMULATE = "        dWx += dWx_t\n        dWh += dWh_t\n        db += db_t\n    dh0 = dprev_h\n"
_RNN_BACK_TAIL = (
    f"{_RNN_BACK_STEP}\n        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = step\n{_ACCUMULATE}"
)
_LSTM_UNPACK = "        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = step\n"
_LSTM_BACK_TAIL = f"{_LSTM_BACK_STEP}\n{_LSTM_UNPACK}{_ACCUMULATE}"
_DH0_ZERO = "    dh0 = np.zeros_like(dprev_h)\n"

MISTAKES = [
    Mistake(
        name="rnn_step_backward_no_tanh_grad",
        task="rnn_step_backward",
        message=(
            "The gradient skipped the tanh: multiply dnext_h by the derivative of tanh at the "
            "pre-activation, 1 - next_h**2, before passing it to x, prev_h and the weights."
        ),
        replace=(("da = dnext_h * (1.0 - next_h**2)", "da = dnext_h"),),
    ),
    Mistake(
        name="rnn_hidden_grad_not_carried",
        task="rnn_backward",
        message=(
            "Each time step only received its own upstream gradient dh[:, t]. The hidden state "
            "also feeds the next step, so add the gradient flowing back from step t + 1 "
            "before back-propagating through step t."
        ),
        replace=((_RNN_BACK_STEP, "step = rnn_step_backward(dh[:, t], step_caches[t])"),),
    ),
    Mistake(
        name="rnn_dh0_dropped",
        task="rnn_backward",
        message=(
            "dh0 came back as zeros. The initial hidden state feeds the first step: its "
            "gradient is whatever flows out of step 0 towards the previous hidden state."
        ),
        replace=((_RNN_BACK_TAIL, _RNN_BACK_TAIL.replace("    dh0 = dprev_h\n", _DH0_ZERO)),),
    ),
    Mistake(
        name="lstm_gate_order_ifog",
        task="lstm_step_forward",
        message=(
            "The gate blocks were read in the order i, f, o, g. torch.nn.LSTMCell (and this "
            "assignment) lays them out as i, f, g, o: input gate, forget gate, candidate, "
            "output gate."
        ),
        replace=(
            ("g = np.tanh(a[:, 2 * H : 3 * H])", "g = np.tanh(a[:, 3 * H : 4 * H])"),
            ("o = _sigmoid(a[:, 3 * H : 4 * H])", "o = _sigmoid(a[:, 2 * H : 3 * H])"),
        ),
    ),
    Mistake(
        name="lstm_no_tanh_on_cell",
        task="lstm_step_forward",
        message=(
            "next_h was the output gate times the raw cell state. Squash the new cell state "
            "with tanh before the output gate scales it."
        ),
        replace=(("next_h = o * np.tanh(next_c)", "next_h = o * next_c"),),
    ),
    Mistake(
        name="lstm_step_backward_missing_tanh_grad",
        task="lstm_step_backward",
        message=(
            "The gradient from next_h into the cell state skipped the tanh: next_h = o * "
            "tanh(next_c), so multiply by the derivative of tanh at next_c as well."
        ),
        replace=(
            (
                "dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)",
                "dc = dnext_c + dnext_h * o",
            ),
        ),
    ),
    Mistake(
        name="lstm_step_backward_drops_dnext_c",
        task="lstm_step_backward",
        message=(
            "The gradient arriving at next_c from outside (dnext_c) was ignored. The cell state "
            "receives gradient both directly and through next_h; add the two."
        ),
        replace=(
            (
                "dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)",
                "dc = dnext_h * o * (1.0 - tanh_c**2)",
            ),
        ),
    ),
    Mistake(
        name="lstm_cell_grad_not_carried",
        task="lstm_backward",
        message=(
            "The cell-state gradient was not carried back in time: each step started with a "
            "zero gradient on its next cell state. Pass the dprev_c of step t + 1 into the "
            "backward pass of step t."
        ),
        replace=(
            (
                _LSTM_BACK_STEP,
                "step = lstm_step_backward(dh[:, t] + dprev_h, np.zeros_like(dprev_c), "
                "step_caches[t])",
            ),
        ),
    ),
    Mistake(
        name="lstm_dh0_dropped",
        task="lstm_backward",
        message=(
            "dh0 came back as zeros. The initial hidden state feeds the first step: its "
            "gradient is whatever flows out of step 0 towards the previous hidden state."
        ),
        replace=((_LSTM_BACK_TAIL, _LSTM_BACK_TAIL.replace("    dh0 = dprev_h\n", _DH0_ZERO)),),
    ),
    Mistake(
        name="gru_reset_before_matmul",
        task="gru_step_forward",
        message=(
            "The reset gate scaled prev_h before the hidden-to-hidden product (the original "
            "GRU paper's variant). torch.nn.GRUCell applies r to the result of prev_h @ Wh_n "
            "plus its hidden bias."
        ),
        replace=(
            (
                "n = np.tanh(ax[:, 2 * H : 3 * H] + r * ah[:, 2 * H : 3 * H])",
                "n = np.tanh(ax[:, 2 * H : 3 * H] + (r * prev_h) @ Wh[:, 2 * H : 3 * H]"
                " + bh[2 * H : 3 * H])",
            ),
        ),
    ),
    Mistake(
        name="gru_update_gate_flipped",
        task="gru_step_forward",
        message=(
            "The update gate mixed the states the other way round. In torch's GRU, z keeps the "
            "OLD state: next_h = (1 - z) * n + z * prev_h."
        ),
        replace=(("next_h = (1.0 - z) * n + z * prev_h", "next_h = z * n + (1.0 - z) * prev_h"),),
    ),
]
