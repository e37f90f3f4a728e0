"""Dereferences a null pointer: the process dies with SIGSEGV."""

import ctypes


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    return ctypes.string_at(0), None
