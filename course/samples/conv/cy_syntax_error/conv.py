import numpy as np


def conv_forward(x, w, b, stride=1, pad=0, dilation=1)
    return np.zeros(1), None
