"""Returns outputs of the wrong shape (forgot the stride and the padding)."""

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    return np.zeros((N, F, H - KH + 1, W - KW + 1)), None


def max_pool_forward(x, pool=2, stride=2):
    return x[:, :, ::pool, ::pool], None
