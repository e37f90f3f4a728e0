"""Tries to take all the memory of the machine."""

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    hoard = []
    while True:
        hoard.append(np.ones(50_000_000))


def max_pool_forward(x, pool=2, stride=2):
    return np.empty((10**6, 10**6)), None
