"""The grader's own numerics run on one thread each (BLAS, OpenMP), as its workers' do.

A grading process computes references and comparisons on the checks' small
inputs, and its parallelism is one process per core (the pool) with the
sandboxed worker it waits on beside it. A BLAS or OpenMP pool of one thread per
core only gets in that worker's way: OpenBLAS's threads spin for about 0.1 s of
CPU when numpy is imported (and after its calls), on the core where the
worker, or a zygote coming up, runs. The variables take effect only if set
before numpy or torch is first imported; a value the user set is kept.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_numerics() -> None:
    """One BLAS/OpenMP thread for this process and the grading processes it starts."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
