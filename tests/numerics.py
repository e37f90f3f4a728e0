"""Numeric helpers the project's tests share: errors, closeness, torch copies (defined once)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def as_array(value: Any) -> np.ndarray:
    """A float64 numpy copy of an array, a number or a torch tensor."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def rel_error(x: Any, y: Any) -> float:
    """CS231n's relative error: the largest |x - y| / max(1e-8, |x| + |y|) over the entries."""
    x, y = as_array(x), as_array(y)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def scaled_error(got: Any, expected: Any) -> float:
    """The largest absolute difference, relative to the largest expected entry."""
    got, expected = as_array(got), as_array(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    return float(np.max(np.abs(got - expected), initial=0.0)) / scale


def assert_close(
    got: Any, want: Any, *, rtol: float = 1e-8, atol: float | None = None, float64: bool = False
) -> None:
    """Same shape and values; `atol` defaults to rtol * 1e-4 of the largest expected entry
    (at least 1); `float64` also requires `got` to be a float64 numpy array."""
    if float64:
        assert isinstance(got, np.ndarray) and got.dtype == np.float64, type(got)
    got, want = as_array(got), as_array(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if atol is None:
        scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
        atol = rtol * 1e-4 * scale
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def close(got: Any, want: Any) -> None:
    """A float64 numpy result equal to torch's float64 answer (rtol 1e-8, atol 1e-10)."""
    assert_close(got, want, rtol=1e-8, atol=1e-10, float64=True)


def tensors(*arrays: Any) -> list[torch.Tensor]:
    """float64 torch copies that record gradients (torch is the tests' oracle)."""
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def tensor(array: Any) -> torch.Tensor:
    return tensors(array)[0]
