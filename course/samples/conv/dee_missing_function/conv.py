"""Only pooling forward exists; every other function is missing."""

import numpy as np


def max_pool_forward(x, pool=2, stride=2):
    v = np.lib.stride_tricks.sliding_window_view(x, (pool, pool), axis=(2, 3))[
        :, :, ::stride, ::stride
    ]
    return v.max(axis=(4, 5)), (x, pool, stride)
