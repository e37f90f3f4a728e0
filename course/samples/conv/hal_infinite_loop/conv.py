"""conv_forward never returns; the pooling forwards are correct."""

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    while True:
        pass


def max_pool_forward(x, pool=2, stride=2):
    v = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[
        :, :, ::stride, ::stride
    ]
    return v.max(axis=(4, 5)), (x, pool, stride)


def avg_pool_forward(x, pool=2, stride=2):
    v = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[
        :, :, ::stride, ::stride
    ]
    return v.mean(axis=(4, 5)), (x.shape, pool, stride)
