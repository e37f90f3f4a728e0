"""Prints megabytes of debugging output."""


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    for i in range(10**6):
        print("debug", i, "x" * 200)
    return None, None
