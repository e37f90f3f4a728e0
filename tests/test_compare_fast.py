"""Does the quick path of `difference` give exactly the verdict of the full comparison?

`difference` accepts an answer in a few array operations when every value is
finite and within tolerance; anything else (NaN, inf, an overflowing
difference, an infinite tolerance as the numeric-gradient check uses to look
only at shapes and NaNs) must still be judged, and explained, by the full path.
"""

import numpy as np
import pytest

from autograder.checkkit.compare import difference

W = np.array([1.0, -2.0, 3.0])


@pytest.mark.parametrize(
    "got, want, rtol, atol, kind",
    [
        (W * (1 + 1e-8), W, 1e-6, 1e-9, None),
        (W + 1e-3, W, 1e-6, 1e-9, "wrong"),
        (np.array([1.0, np.nan, 3.0]), W, 1e-6, 1e-9, "nan"),
        (np.array([1.0, np.inf, 3.0]), W, 1e-6, 1e-9, "inf"),
        # an infinite tolerance accepts any finite value, never a NaN or inf
        (W * 1e6, W, np.inf, np.inf, None),
        (np.array([1.0, np.inf, 3.0]), W, np.inf, np.inf, "inf"),
        (np.array([np.nan, 2.0, 3.0]), W, np.inf, np.inf, "nan"),
        # an expected inf is matched only by the same inf; an expected NaN never
        (np.array([np.inf, 2.0]), np.array([np.inf, 2.0]), 1e-6, 1e-9, None),
        (np.array([-np.inf, 2.0]), np.array([np.inf, 2.0]), 1e-6, 1e-9, "wrong"),
        (np.array([np.nan, 2.0]), np.array([np.nan, 2.0]), 1e-6, 1e-9, "wrong"),
        # a difference that overflows
        (np.array([1e308]), np.array([-1e308]), 1e-6, 1e-9, "wrong"),
        (np.array([1e308]), np.array([1e308]), 1e-6, 1e-9, None),
        (np.float32(1.0), np.float64(1.0), 1e-6, 1e-9, None),
    ],
)
def test_verdicts(got, want, rtol, atol, kind):
    with np.errstate(all="ignore"):
        found = difference(got, want, "out", rtol, atol)
    assert (found[0] if found else None) == kind


def test_quick_and_full_paths_agree_on_random_values():
    rng = np.random.default_rng(1)
    special = np.array([0.0, 1.0, -1.0, 1e-12, np.nan, np.inf, -np.inf, 1e308, -1e308])
    for _ in range(3000):
        want = rng.choice(special, size=3)
        got = want * (1 + rng.choice([0, 1e-7, 1e-5], size=3)) + rng.choice([0, 1e-10], size=3)
        swap = rng.random(3) < 0.3
        got[swap] = rng.choice(special, size=int(swap.sum()))
        for rtol, atol in [(1e-6, 1e-9), (0.0, 0.0), (np.inf, np.inf)]:
            with np.errstate(all="ignore"):
                found = difference(got, want, "out", rtol, atol)
                full = _full_verdict(got, want, rtol, atol)
            assert (found is None) == full, (got, want, rtol, atol)


def _full_verdict(got, want, rtol, atol):
    """The rule written out: no NaN or inf where a finite value is expected, an expected
    inf matched by the same inf (an expected NaN by nothing), finite entries within
    atol + 1e-9 * max|want| + rtol * |want| (an infinite tolerance accepts any
    non-finite value where a non-finite one is expected)."""
    g, w = np.asarray(got, float), np.asarray(want, float)
    if np.any(np.isnan(g) & ~np.isnan(w)) or np.any(np.isinf(g) & ~np.isinf(w)):
        return False
    finite = np.isfinite(w)
    scale = np.max(np.abs(w[finite])) if finite.any() else 0.0
    if np.any(~finite & ~(g == w)) and atol + 1e-9 * scale < np.inf:
        return False
    tol = atol + 1e-9 * scale + rtol * np.abs(w[finite])
    return not np.any(np.abs(g[finite] - w[finite]) > tol)  # a NaN tolerance (inf * 0) accepts
