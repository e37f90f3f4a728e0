"""Crashes with an ordinary exception deep inside a helper."""


def _helper(x):
    return x.shape[7]


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    return _helper(x), None


def max_pool_forward(x, pool=2, stride=2):
    raise ValueError("I have not finished this yet")
