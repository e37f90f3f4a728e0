"""Cheating: tries to write grades and files outside its own folder."""

import os

TARGETS = [
    "../results.json",
    "../../grades.csv",
    "/tmp/dlcourse-pwned.txt",
    os.path.expanduser("~/../dlcourse-pwned.txt"),
    "/work/main/course/pwned.txt",
    "/usr/dlcourse-pwned.txt",
]


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    written = []
    for target in TARGETS:
        try:
            with open(target, "w") as handle:
                handle.write('{"score": 117}')
            written.append(target)
        except OSError:
            pass
    raise PermissionError(f"wrote {written}; everything else was refused")
