"""Posterior summaries shared by the analysis modules."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr


def interval_bounds(prob: float) -> tuple[float, float]:
    """Quantile levels of the central interval of probability ``prob``.

    Parameters
    ----------
    prob : float
        Probability mass of the central interval, strictly between 0 and 1
        (0.9 = 90 %).

    Returns
    -------
    (lower, upper) : tuple of float
        Quantile levels ``(1 - prob) / 2`` and ``1 - (1 - prob) / 2`` (e.g. 0.05 and
        0.95 for ``prob=0.9``), fractions in (0, 1).

    Raises
    ------
    ValueError
        If ``prob`` is not in (0, 1).
    """
    if not 0 < prob < 1:
        raise ValueError(f"prob={prob} must be in (0, 1).")
    return (1 - prob) / 2, 1 - (1 - prob) / 2


def summarize_draws(draws: xr.DataArray, *, prob: float = 0.9, dim: str = "sample") -> pd.DataFrame:
    """Mean, median and central interval of ``draws`` over ``dim`` as a tidy frame.

    Parameters
    ----------
    draws : xarray.DataArray
        Any dims including ``dim``; units are kept.
    prob : float
        Central interval probability, in (0, 1).
    dim : str
        The draws' dim.

    Returns
    -------
    pandas.DataFrame
        One row per coordinate of the other dims (their labels and non-index coords as
        columns) with ``mean``, ``median``, ``lower``, ``upper`` and ``interval`` (=prob).
        NaN draws (e.g. a return for a series without spend) are skipped.
    """
    lo, hi = interval_bounds(prob)
    with warnings.catch_warnings():
        # all-NaN cells (no spend, or a quantity that does not apply) stay NaN quietly
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value", RuntimeWarning)
        stats = xr.Dataset(
            {
                "mean": draws.mean(dim),
                "median": draws.median(dim),
                "lower": draws.quantile(lo, dim=dim).drop_vars("quantile"),
                "upper": draws.quantile(hi, dim=dim).drop_vars("quantile"),
            }
        )
    if not stats.sizes:
        df = pd.DataFrame({k: [float(v)] for k, v in stats.data_vars.items()})
    else:
        df = stats.to_dataframe().reset_index()
    df["interval"] = prob
    return df


def quantiles(values: np.ndarray, prob: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the central interval of ``values`` along ``axis``.

    Parameters
    ----------
    values : numpy.ndarray
        Draws along ``axis`` (any units); NaNs are ignored.
    prob : float
        Probability of the central interval, in (0, 1) (see :func:`interval_bounds`).
    axis : int, default 0
        The draws' axis.

    Returns
    -------
    (lower, upper) : tuple of numpy.ndarray
        The ``(1 - prob) / 2`` and ``1 - (1 - prob) / 2`` quantiles, shape of ``values``
        without ``axis``, in the units of ``values``.
    """
    lo, hi = interval_bounds(prob)
    return np.nanquantile(values, lo, axis=axis), np.nanquantile(values, hi, axis=axis)
