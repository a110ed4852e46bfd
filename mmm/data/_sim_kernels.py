"""Carry-over and saturation kernels of the simulator (NumPy; the model uses mmm.transforms)."""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------------------
# Kernels (private NumPy implementations; the model uses mmm.transforms)
# --------------------------------------------------------------------------------------


def _geometric_weights(alpha: float, l_max: int) -> np.ndarray:
    """Normalised geometric adstock weights ``alpha**l / sum``, ``l = 0 .. l_max-1``."""
    w = alpha ** np.arange(l_max, dtype=float)
    return w / w.sum()


def _delayed_weights(alpha: float, theta: float, l_max: int) -> np.ndarray:
    """Normalised delayed adstock weights ``alpha**((l - theta)**2) / sum``."""
    lags = np.arange(l_max, dtype=float)
    w = alpha ** ((lags - theta) ** 2)
    return w / w.sum()


def _convolve(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``y[..., t] = sum_l weights[l] * x[..., t - l]`` with zeros before ``t = 0``."""
    y = np.zeros_like(x, dtype=float)
    n = x.shape[-1]
    for lag, w in enumerate(weights):
        if lag >= n:
            break
        y[..., lag:] += w * x[..., : n - lag]
    return y


def _geometric_adstock(x: np.ndarray, alpha: float, l_max: int) -> np.ndarray:
    """Geometric carry-over along the last axis (weights sum to 1; zero history)."""
    return _convolve(x, _geometric_weights(alpha, l_max))


def _delayed_adstock(x: np.ndarray, alpha: float, theta: float, l_max: int) -> np.ndarray:
    """Delayed carry-over peaking at lag ``theta`` (weights sum to 1; zero history)."""
    return _convolve(x, _delayed_weights(alpha, theta, l_max))


def _hill(x: np.ndarray, half: float, slope: float) -> np.ndarray:
    """Hill saturation ``x**slope / (x**slope + half**slope)`` for ``x >= 0``."""
    xs = np.power(x, slope)
    return xs / (xs + half**slope)
