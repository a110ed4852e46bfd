"""The media response, one implementation for the PyMC graph and for NumPy analysis.

For series ``s`` of channel ``c(s)``::

    f[t, g, s] = saturation_c( sum_l w[c, l] * x[t - l, g, s] )

with ``x`` the scaled spend (spend divided by the series' typical spend) and ``w`` the
channel's normalised carry-over weights. Carry-over from before the first date is zero.

Two layouts of the same sum: :func:`media_response` takes spend by date and convolves it
(:func:`~mmm.transforms.adstock.convolve_adstock`; in the model graph one operation with its
own gradient, :mod:`mmm.transforms.carryover_op`), :func:`media_response_lagged` takes
spend already stacked by lag (:func:`~mmm.transforms.adstock.lag_stack`, as the lift-test
term holds the spend of its experiments' windows). The saturation's derivative in
its input is :meth:`Saturation.derivative <mmm.transforms.saturation.Saturation.derivative>`;
carry-over is linear, so the derivative of ``f`` in ``x[t - l]`` is that times ``w[c, l]``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from mmm.transforms.adstock import convolve_adstock
from mmm.transforms.registry import get_saturation

__all__ = ["adstock_lagged", "media_response", "media_response_lagged"]


def _saturation(saturation: Any):
    return get_saturation(saturation) if isinstance(saturation, str) else saturation


def media_response(x, weights, sat_params: dict, saturation, *, xp: ModuleType = np) -> Any:
    """Adstocked and saturated media, same shape as ``x``.

    Parameters
    ----------
    x : array or TensorVariable, dims (date, ..., series)
        Scaled spend; ``date`` must be the first axis.
    weights : array or TensorVariable, dims (..., series, lag)
        Carry-over weights per series, broadcastable against ``x[t]``.
    sat_params : dict of str -> array, each dims (..., series)
        Saturation parameters per series.
    saturation : str or Saturation
        Registered saturation name, or a saturation object (e.g.
        ``spec.saturation_transform()``).
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array or TensorVariable, dims of ``x`` (broadcast with the parameters' dims)
        Saturated response, in the saturation's unit (0 to 1 for Hill and logistic).
    """
    ad = convolve_adstock(x, weights, xp=xp)
    return _saturation(saturation).apply(ad, sat_params, xp=xp)


def adstock_lagged(x_lag, weights) -> Any:
    """Carried-over input from lag-stacked input: ``sum_l x_lag[..., l] * weights[..., l]``.

    Parameters
    ----------
    x_lag : array or TensorVariable, dims (..., lag)
        Input stacked by lag (:func:`~mmm.transforms.adstock.lag_stack`), lag 0 first.
    weights : array or TensorVariable, dims broadcastable to ``x_lag``
        Carry-over weights, lag last.

    Returns
    -------
    array or TensorVariable, dims of ``x_lag`` without ``lag``
        Same unit as ``x_lag``.
    """
    return (x_lag * weights).sum(axis=-1)


def media_response_lagged(
    x_lag, weights, sat_params: dict, saturation, *, xp: ModuleType = np
) -> Any:
    """Adstocked and saturated media from lag-stacked input.

    Parameters
    ----------
    x_lag : array or TensorVariable, dims (..., lag)
        Scaled spend stacked by lag (:func:`~mmm.transforms.adstock.lag_stack`).
    weights : array or TensorVariable, dims broadcastable to ``x_lag``
        Carry-over weights per series, lag last.
    sat_params : dict of str -> array
        Saturation parameters, broadcastable to ``x_lag`` without its lag axis.
    saturation : str or Saturation
        Registered saturation name or object.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array or TensorVariable, dims of ``x_lag`` without ``lag``
        Saturated response; equal to :func:`media_response` on the unstacked spend.
    """
    return _saturation(saturation).apply(adstock_lagged(x_lag, weights), sat_params, xp=xp)
