"""Recurrent layers in numpy: a vanilla (tanh) RNN, an LSTM and a GRU cell.

Every cell reads an input x_t and the previous hidden state h_{t-1} through one
pre-activation
    a = x_t @ Wx + h_{t-1} @ Wh + b
whose G * H columns are G blocks of H columns, one block per gate (G = 1 for
the RNN, 4 for the LSTM, 3 for the GRU). The sequence layers run one cell over
the T time steps with the same weights at every step.

Dimension letters used in the docstrings:
- N: batch size
- T: number of time steps
- D: input size (features of x_t)
- H: hidden size
- G: number of gate blocks in the weights

Weights (shared by all time steps):
- Wx: input-to-hidden weights of shape (D, G*H)
- Wh: hidden-to-hidden weights of shape (H, G*H)
- b: bias of shape (G*H,)

All arrays are float64 numpy arrays; no function modifies its arguments.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(x):
    """Logistic sigmoid, computed without overflow for large |x|."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# ----------------------------------------------------------------------------
# Vanilla RNN
# ----------------------------------------------------------------------------


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a tanh RNN: next_h = tanh(x @ Wx + prev_h @ Wh + b).

    Inputs:
    - x: input of shape (N, D)
    - prev_h: previous hidden state of shape (N, H)
    - Wx: input-to-hidden weights of shape (D, H)
    - Wh: hidden-to-hidden weights of shape (H, H)
    - b: bias of shape (H,)

    Returns a tuple of:
    - next_h: next hidden state of shape (N, H)
    - cache: whatever rnn_step_backward needs
    """
    # Blank: fill `next_h`.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/rnn_step_forward: fill in this blank (see its docstring)")
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass of one RNN time step.

    Derive it from the forward line next_h = tanh(x @ Wx + prev_h @ Wh + b):
    back through the tanh (the cache holds its output), then through the
    affine part. Stuck? `dlcourse hint rnn rnn_step_backward`.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - cache: the cache of rnn_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, H)
    - dWh: gradient with respect to Wh, shape (H, H)
    - db: gradient with respect to b, shape (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache
    # Blank: fill `dx`, `dprev_h`, `dWx`, `dWh` and `db`.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/rnn_step_backward: fill in this blank (see its docstring)")
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a tanh RNN over a whole sequence (torch.nn.RNN, batch_first=True).

    Inputs:
    - x: input sequence of shape (N, T, D)
    - h0: initial hidden state of shape (N, H)
    - Wx: input-to-hidden weights of shape (D, H)
    - Wh: hidden-to-hidden weights of shape (H, H)
    - b: bias of shape (H,)

    Returns a tuple of:
    - h: hidden states of every time step, shape (N, T, H); h[:, t] is the
      state after reading x[:, t]
    - cache: whatever rnn_backward needs
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    step_caches = []
    # Blank: fill `h` (one time step after the other) and append the cache of
    # every step to `step_caches`, in time order.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/rnn_forward: fill in this blank (see its docstring)")
    cache = (step_caches, D)
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass of a tanh RNN over a whole sequence.

    Every hidden state reaches the loss directly (dh) and through the next
    step; the weights are shared by all steps. Use rnn_step_backward.
    Stuck? `dlcourse hint rnn rnn_backward`.

    Inputs:
    - dh: upstream gradients of all hidden states, shape (N, T, H); dh[:, t]
      is the gradient that reaches h[:, t] from outside the recurrence
    - cache: the cache of rnn_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, T, D)
    - dh0: gradient with respect to h0, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, H)
    - dWh: gradient with respect to Wh, shape (H, H)
    - db: gradient with respect to b, shape (H,)
    """
    step_caches, D = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    # Blank: fill `dx` and `dh0`, and accumulate `dWx`, `dWh` and `db` over the
    # time steps (walk backwards in time).
    # YOUR CODE HERE
    raise NotImplementedError("rnn/rnn_backward: fill in this blank (see its docstring)")
    return dx, dh0, dWx, dWh, db


# ----------------------------------------------------------------------------
# LSTM
# ----------------------------------------------------------------------------


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM (torch.nn.LSTMCell).

    The pre-activation a = x @ Wx + prev_h @ Wh + b has 4 blocks of H columns,
    in the order i, f, g, o (input gate, forget gate, candidate, output gate):
        i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
        c' = f * c + i * g          (c' is next_c, c is prev_c)
        h' = o * tanh(c')           (h' is next_h)

    Inputs:
    - x: input of shape (N, D)
    - prev_h: previous hidden state of shape (N, H)
    - prev_c: previous cell state of shape (N, H)
    - Wx: input-to-hidden weights of shape (D, 4H)
    - Wh: hidden-to-hidden weights of shape (H, 4H)
    - b: bias of shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state of shape (N, H)
    - next_c: next cell state of shape (N, H)
    - cache: whatever lstm_step_backward needs
    """
    H = prev_h.shape[1]
    # Blank: fill the four gates `i`, `f`, `g`, `o` (each (N, H)), then
    # `next_c` and `next_h`.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/lstm_step_forward: fill in this blank (see its docstring)")
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c)
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one LSTM time step.

    Derive it from the forward lines of lstm_step_forward, from the two outputs
    back to the inputs; the gate gradients are concatenated in the forward
    order i, f, g, o. Stuck? `dlcourse hint rnn lstm_step_backward`.

    Inputs:
    - dnext_h: gradient with respect to next_h, shape (N, H)
    - dnext_c: gradient with respect to next_c, shape (N, H)
    - cache: the cache of lstm_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dprev_c: gradient with respect to prev_c, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 4H)
    - dWh: gradient with respect to Wh, shape (H, 4H)
    - db: gradient with respect to b, shape (4H,)
    """
    x, prev_h, prev_c, Wx, Wh, i, f, g, o, next_c = cache
    # Blank: fill `dx`, `dprev_h`, `dprev_c`, `dWx`, `dWh` and `db`.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/lstm_step_backward: fill in this blank (see its docstring)")
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a whole sequence (torch.nn.LSTM, batch_first=True).

    The initial cell state is zero; the initial hidden state is h0.

    Inputs:
    - x: input sequence of shape (N, T, D)
    - h0: initial hidden state of shape (N, H)
    - Wx: input-to-hidden weights of shape (D, 4H)
    - Wh: hidden-to-hidden weights of shape (H, 4H)
    - b: bias of shape (4H,)

    Returns a tuple of:
    - h: hidden states of every time step, shape (N, T, H)
    - cache: whatever lstm_backward needs
    """
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    c0 = np.zeros((N, H), dtype=x.dtype)
    step_caches = []
    # Blank: fill `h` (one time step after the other, starting from h0 and c0)
    # and append the cache of every step to `step_caches`, in time order.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/lstm_forward: fill in this blank (see its docstring)")
    cache = (step_caches, D)
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass of an LSTM over a whole sequence.

    Only the hidden states receive gradient from outside (dh); the final cell
    state does not, and the initial cell state (zero) gets no gradient returned.
    Use lstm_step_backward. Stuck? `dlcourse hint rnn lstm_backward`.

    Inputs:
    - dh: upstream gradients of all hidden states, shape (N, T, H)
    - cache: the cache of lstm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, T, D)
    - dh0: gradient with respect to h0, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 4H)
    - dWh: gradient with respect to Wh, shape (H, 4H)
    - db: gradient with respect to b, shape (4H,)
    """
    step_caches, D = cache
    N, T, H = dh.shape
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    # Blank: fill `dx` and `dh0`, and accumulate `dWx`, `dWh` and `db`; carry
    # both the hidden-state and the cell-state gradient backwards in time.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/lstm_backward: fill in this blank (see its docstring)")
    return dx, dh0, dWx, dWh, db


# ----------------------------------------------------------------------------
# GRU
# ----------------------------------------------------------------------------


def gru_step_forward(x, prev_h, Wx, Wh, bx, bh):
    """One time step of a GRU (torch.nn.GRUCell).

    The input part ax = x @ Wx + bx and the hidden part ah = prev_h @ Wh + bh
    each have 3 blocks of H columns, in the order r, z, n:
        r = sigmoid(ax_r + ah_r)            reset gate
        z = sigmoid(ax_z + ah_z)            update gate
        n = tanh(ax_n + r * ah_n)           candidate (r scales ah_n, bias included)
        next_h = (1 - z) * n + z * prev_h

    Inputs:
    - x: input of shape (N, D)
    - prev_h: previous hidden state of shape (N, H)
    - Wx: input-to-hidden weights of shape (D, 3H)
    - Wh: hidden-to-hidden weights of shape (H, 3H)
    - bx: input bias of shape (3H,) (torch's bias_ih)
    - bh: hidden bias of shape (3H,) (torch's bias_hh)

    Returns a tuple of:
    - next_h: next hidden state of shape (N, H)
    - cache: the intermediate values of the step (for a backward pass)
    """
    H = prev_h.shape[1]
    # Blank: fill the gates `r`, `z`, the candidate `n` (each (N, H)) and `next_h`.
    # YOUR CODE HERE
    raise NotImplementedError("rnn/gru_step_forward: fill in this blank (see its docstring)")
    cache = (x, prev_h, Wx, Wh, bh, r, z, n)
    return next_h, cache
