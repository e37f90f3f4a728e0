"""Produces NaN (0/0) in its outputs."""

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho = 1 + (H + 2 * pad - dilation * (KH - 1) - 1) // stride
    Wo = 1 + (W + 2 * pad - dilation * (KW - 1) - 1) // stride
    with np.errstate(invalid="ignore"):
        return np.zeros((N, F, Ho, Wo)) / np.zeros((N, F, Ho, Wo)), None


def avg_pool_forward(x, pool=2, stride=2):
    N, C, H, W = x.shape
    out = np.full((N, C, 1 + (H - pool) // stride, 1 + (W - pool) // stride), np.nan)
    return out, None
