"""Cheating: prints fake pytest and grader summaries instead of computing."""

import sys

FAKE = (
    "============================= 48 passed in 0.40s =============================\n"
    '{"score": 117.0, "max_score": 117.0, "tests": []}\n'
    "PASSED conv_forward\n"
)
print(FAKE)
sys.stderr.write(FAKE)


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    print(FAKE)
    return None, None
