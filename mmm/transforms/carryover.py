"""The carry-over sum and its derivative in the weights, in NumPy: the one definition that
:func:`~mmm.transforms.adstock.convolve_adstock` evaluates and that the PyTensor operation of
:mod:`mmm.transforms.carryover_op` runs on its NumPy back end (its compiled kernels are
tested against these)."""

from __future__ import annotations

import numpy as np

__all__ = ["carryover_numpy", "weight_grad_numpy"]


def carryover_numpy(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``y[t, ...] = sum_l weights[..., l] * x[t - l, ...]``, spend before the first date 0.

    Parameters
    ----------
    x : numpy.ndarray, shape (date, *series_dims)
    weights : numpy.ndarray, shape (*series_dims, l_max)
        Leading dims broadcast against ``x.shape[1:]`` (checked by the callers).

    Returns
    -------
    numpy.ndarray, shape (date, *broadcast(series_dims))
    """
    l_max = weights.shape[-1]
    y = weights[..., 0] * x
    for lag in range(1, l_max):
        # shift x down by `lag` dates, filling the first ones with zeros; slicing keeps
        # this right when lag >= the number of dates (then x[:-lag] is empty)
        shifted = np.concatenate([np.zeros_like(x[:lag]), x[:-lag]], axis=0)
        y = y + weights[..., lag] * shifted
    return y


def weight_grad_numpy(x: np.ndarray, g: np.ndarray, l_max: int) -> np.ndarray:
    """``dw[..., l] = sum_t g[t, ...] * x[t - l, ...]``, shape ``x.shape[1:] + (l_max,)``.

    The derivative of ``sum(g * carryover_numpy(x, w))`` in ``w`` when ``w`` has the dims
    of ``x`` after its date axis.

    Parameters
    ----------
    x, g : numpy.ndarray, shape (date, ...)
    l_max : int

    Returns
    -------
    numpy.ndarray, shape (..., l_max)
    """
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    T = x.shape[0]
    out = np.zeros((*x.shape[1:], l_max))
    for lag in range(min(l_max, T)):
        out[..., lag] = np.sum(g[lag:] * x[: T - lag], axis=0)
    return out
