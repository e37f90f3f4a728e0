"""Calls torch's conv2d instead of writing the maths: forbidden in this assignment."""

import torch
import torch.nn.functional as F


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    out = F.conv2d(
        torch.tensor(x),
        torch.tensor(w),
        torch.tensor(b),
        stride=stride,
        padding=pad,
        dilation=dilation,
    )
    return out.numpy(), (x, w, b)
