"""The media response, one implementation for the PyMC graph and for NumPy analysis.

For series ``s`` of channel ``c(s)``::

    f[t, g, s] = saturation_c( sum_l w[c, l] * x[t - l, g, s] )

with ``x`` the scaled spend (spend divided by the series' typical spend) and ``w`` the
channel's normalised carry-over weights. Carry-over from before the first date is zero.
"""

from __future__ import annotations

import numpy as np

from mmm.transforms import convolve_adstock, get_saturation


def media_response(x, weights, sat_params: dict, saturation, *, xp=np):
    """Adstocked and saturated media, same shape as ``x``.

    Parameters
    ----------
    x : array, dims (date, ..., series)
        Scaled spend; ``date`` must be the first axis.
    weights : array, dims (..., series, lag)
        Carry-over weights per series, broadcastable against ``x[t]``.
    sat_params : dict of str -> array, each dims (..., series)
        Saturation parameters per series.
    saturation : str or Saturation
        Registered saturation name, or a saturation object (e.g. ``spec.saturation_transform()``).
    xp : module
        ``numpy`` or ``pytensor.tensor``.
    """
    ad = convolve_adstock(x, weights, xp=xp)
    sat = get_saturation(saturation) if isinstance(saturation, str) else saturation
    return sat.apply(ad, sat_params, xp=xp)
