"""Does the rnn reference agree with PyTorch (float64) forward and backward?

The oracles are torch.nn.RNNCell / RNN, LSTMCell / LSTM and GRUCell with the
contract's weight layout: weight_ih = Wx.T, weight_hh = Wh.T, bias_ih = b,
bias_hh = 0 (the GRU takes both biases). Gradients come from torch.autograd
with random upstream gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numerics import close

from autograder.paths import load_reference

ref = load_reference("rnn")

RTOL = 1e-8
ATOL = 1e-10
SIZES = [(1, 1, 1), (3, 4, 5), (2, 6, 3), (5, 3, 8)]  # (N, D, H)


def weights(rng, D, H, G, scale=0.5):
    Wx = scale * rng.normal(size=(D, G * H))
    Wh = scale * rng.normal(size=(H, G * H))
    b = scale * rng.normal(size=G * H)
    return Wx, Wh, b


def load_torch(module, Wx, Wh, bx, bh=None, suffix=""):
    """Copy contract weights into a torch cell or layer (weight_ih = Wx.T, ...)."""
    module.double()
    with torch.no_grad():
        getattr(module, "weight_ih" + suffix).copy_(torch.tensor(Wx.T))
        getattr(module, "weight_hh" + suffix).copy_(torch.tensor(Wh.T))
        getattr(module, "bias_ih" + suffix).copy_(torch.tensor(bx))
        getattr(module, "bias_hh" + suffix).copy_(
            torch.tensor(np.zeros_like(bx) if bh is None else bh)
        )
    return module


def weight_grads(module, suffix=""):
    """(dWx, dWh, db) in the contract layout from a torch module's .grad fields."""
    return (
        getattr(module, "weight_ih" + suffix).grad.T,
        getattr(module, "weight_hh" + suffix).grad.T,
        getattr(module, "bias_ih" + suffix).grad,
    )


def leaf(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize(("N", "D", "H"), SIZES)
def test_rnn_step_matches_rnncell(N, D, H):
    """Do rnn_step_forward and rnn_step_backward match nn.RNNCell and its autograd?"""
    rng = np.random.default_rng(N * 100 + D * 10 + H)
    x, prev_h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng, D, H, 1)
    dnext = rng.normal(size=(N, H))

    next_h, cache = ref.rnn_step_forward(x, prev_h, Wx, Wh, b)
    dx, dprev_h, dWx, dWh, db = ref.rnn_step_backward(dnext, cache)

    cell = load_torch(torch.nn.RNNCell(D, H, nonlinearity="tanh"), Wx, Wh, b)
    xt, ht = leaf(x), leaf(prev_h)
    want = cell(xt, ht)
    want.backward(torch.tensor(dnext))
    close(next_h, want)
    for got, expected in zip((dx, dprev_h, dWx, dWh, db), (xt.grad, ht.grad, *weight_grads(cell))):
        close(got, expected)


@pytest.mark.parametrize(("N", "D", "H"), SIZES)
@pytest.mark.parametrize("T", [1, 2, 7])
def test_rnn_sequence_matches_torch_rnn(N, D, H, T):
    """Do rnn_forward and rnn_backward match nn.RNN(batch_first=True), dh0 included?"""
    rng = np.random.default_rng(T * 1000 + N * 100 + D * 10 + H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng, D, H, 1)
    dh = rng.normal(size=(N, T, H))

    h, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = ref.rnn_backward(dh, cache)

    layer = load_torch(torch.nn.RNN(D, H, batch_first=True), Wx, Wh, b, suffix="_l0")
    xt, h0t = leaf(x), leaf(h0)
    want, _ = layer(xt, h0t[None])
    want.backward(torch.tensor(dh))
    close(h, want)
    for got, expected in zip(
        (dx, dh0, dWx, dWh, db), (xt.grad, h0t.grad, *weight_grads(layer, "_l0"))
    ):
        close(got, expected)


@pytest.mark.parametrize(("N", "D", "H"), SIZES)
@pytest.mark.parametrize("scale", [0.5, 20.0])
def test_lstm_step_matches_lstmcell(N, D, H, scale):
    """Do the LSTM step passes match nn.LSTMCell (gates i, f, g, o), saturated gates too?"""
    rng = np.random.default_rng(N * 100 + D * 10 + H)
    x, prev_h, prev_c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng, D, H, 4, scale=scale)
    dnext_h, dnext_c = rng.normal(size=(N, H)), rng.normal(size=(N, H))

    next_h, next_c, cache = ref.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    dx, dprev_h, dprev_c, dWx, dWh, db = ref.lstm_step_backward(dnext_h, dnext_c, cache)

    cell = load_torch(torch.nn.LSTMCell(D, H), Wx, Wh, b)
    xt, ht, ct = leaf(x), leaf(prev_h), leaf(prev_c)
    want_h, want_c = cell(xt, (ht, ct))
    torch.autograd.backward((want_h, want_c), (torch.tensor(dnext_h), torch.tensor(dnext_c)))
    close(next_h, want_h)
    close(next_c, want_c)
    grads = (dx, dprev_h, dprev_c, dWx, dWh, db)
    for got, expected in zip(grads, (xt.grad, ht.grad, ct.grad, *weight_grads(cell))):
        close(got, expected)


@pytest.mark.parametrize(("N", "D", "H"), SIZES)
@pytest.mark.parametrize("T", [1, 2, 7])
def test_lstm_sequence_matches_torch_lstm(N, D, H, T):
    """Do lstm_forward/backward match nn.LSTM(batch_first=True) started from (h0, c0 = 0)?"""
    rng = np.random.default_rng(T * 1000 + N * 100 + D * 10 + H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng, D, H, 4)
    dh = rng.normal(size=(N, T, H))

    h, cache = ref.lstm_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = ref.lstm_backward(dh, cache)

    layer = load_torch(torch.nn.LSTM(D, H, batch_first=True), Wx, Wh, b, suffix="_l0")
    xt, h0t = leaf(x), leaf(h0)
    c0 = torch.zeros(1, N, H, dtype=torch.float64)
    want, _ = layer(xt, (h0t[None], c0))
    want.backward(torch.tensor(dh))
    close(h, want)
    for got, expected in zip(
        (dx, dh0, dWx, dWh, db), (xt.grad, h0t.grad, *weight_grads(layer, "_l0"))
    ):
        close(got, expected)


@pytest.mark.parametrize(("N", "D", "H"), SIZES)
@pytest.mark.parametrize("scale", [0.5, 20.0])
def test_gru_step_matches_grucell(N, D, H, scale):
    """Does gru_step_forward match nn.GRUCell (blocks r, z, n; r scales prev_h @ Wh_n + bh_n)?"""
    rng = np.random.default_rng(N * 100 + D * 10 + H)
    x, prev_h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, bx = weights(rng, D, H, 3, scale=scale)
    bh = scale * rng.normal(size=3 * H)

    next_h, _ = ref.gru_step_forward(x, prev_h, Wx, Wh, bx, bh)
    cell = load_torch(torch.nn.GRUCell(D, H), Wx, Wh, bx, bh)
    with torch.no_grad():
        want = cell(torch.tensor(x), torch.tensor(prev_h))
    close(next_h, want)


def test_gates_do_not_overflow():
    """With pre-activations near +-1e3, are the outputs finite and equal to torch's?"""
    rng = np.random.default_rng(9)
    N, D, H = 2, 3, 4
    x, prev_h, prev_c = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    Wx, Wh, b = weights(rng, D, H, 4, scale=500.0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        next_h, next_c, _ = ref.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    cell = load_torch(torch.nn.LSTMCell(D, H), Wx, Wh, b)
    with torch.no_grad():
        want_h, want_c = cell(torch.tensor(x), (torch.tensor(prev_h), torch.tensor(prev_c)))
    close(next_h, want_h)
    close(next_c, want_c)


def test_no_argument_is_modified():
    """Do all forward and backward functions leave their argument arrays untouched?"""
    rng = np.random.default_rng(10)
    N, T, D, H = 2, 3, 4, 5
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    W1, W4, W3 = weights(rng, D, H, 1), weights(rng, D, H, 4), weights(rng, D, H, 3)
    bh = rng.normal(size=3 * H)
    dh = rng.normal(size=(N, T, H))
    arrays = [x, h0, c0, *W1, *W4, *W3, bh, dh]
    copies = [a.copy() for a in arrays]

    _, cache = ref.rnn_step_forward(x[:, 0], h0, *W1)
    ref.rnn_step_backward(dh[:, 0], cache)
    _, cache = ref.rnn_forward(x, h0, *W1)
    ref.rnn_backward(dh, cache)
    _, _, cache = ref.lstm_step_forward(x[:, 0], h0, c0, *W4)
    ref.lstm_step_backward(dh[:, 0], dh[:, 1], cache)
    _, cache = ref.lstm_forward(x, h0, *W4)
    ref.lstm_backward(dh, cache)
    ref.gru_step_forward(x[:, 0], h0, *W3, bh)

    for array, copy in zip(arrays, copies):
        np.testing.assert_array_equal(array, copy)
