"""Return on spend per posterior draw: contribution and spend totals over a date range.

ROAS of series ``s`` on outcome ``k`` over a date range is the contribution of the
spend in the whole fitted history to the outcome inside the range, divided by the
spend inside the range (the same definition the simulator's truth uses); the
contributions are the model's (:func:`mmm.model.numpy_eval.contributions`). A fit's
``roas_total`` (:func:`mmm.inference.fit.complete_idata`) and the tables of
:mod:`mmm.analysis.returns` both come from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.model.numpy_eval import (
    contribution_array,
    contributions_from_response,
    draw_chunks,
    draws_per_chunk,
    posterior_params,
    response,
)


def _date_mask(dates: pd.DatetimeIndex, start, end) -> np.ndarray:
    m = np.ones(len(dates), dtype=bool)
    if start is not None:
        m &= dates >= pd.Timestamp(start)
    if end is not None:
        m &= dates <= pd.Timestamp(end)
    if not m.any():
        raise ValueError(f"no dates between start={start} and end={end}.")
    return m


def contribution_totals(
    fit, *, start=None, end=None, by_geo: bool = False, max_draws: int | None = 1000
):
    """Contribution draws summed over a date range.

    The contribution in the range includes the carry-over of spend from before it.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); a range without dates raises ValueError.
    by_geo : bool, default False
        Keep a ``geo`` dim (default: summed over geos).
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    xarray.DataArray, dims (sample, outcome, series, path[, geo])
        Original units; ``path`` in (direct, mediated, total).
    """
    params = posterior_params(fit, max_draws=max_draws)
    ds = fit.dataset
    spend = np.asarray(ds.spend.values, dtype=float)
    mask = _date_mask(pd.DatetimeIndex(ds.dates), start, end)
    # draws in chunks (memory of a large geo model; see draws_per_chunk)
    parts = []
    for rows in draw_chunks(params.n, draws_per_chunk(fit, spend)):
        sub = params.take(rows)
        f = response(fit, spend, sub)[:, mask]  # the whole history carries over into the range
        parts.append(contributions_from_response(fit, f, sub).sum(axis=1))
    tot = contribution_array(fit, np.concatenate(parts), params.index)
    if not by_geo:
        tot = tot.sum("geo")
    total = tot.sum("path").expand_dims(path=["total"])
    return xr.concat([tot, total], dim="path")


def spend_totals(fit, *, start=None, end=None, by_geo: bool = False) -> xr.DataArray:
    """Spend per series summed over the range, dims (series[, geo]), currency.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); a range without dates raises ValueError.
    by_geo : bool, default False
        Keep a ``geo`` dim (default: summed over geos).

    Returns
    -------
    xarray.DataArray, dims (series,) or (geo, series) with ``by_geo``
        Observed spend (currency, >= 0) over the range, with the ``channel`` and
        ``audience`` coords of ``series``.
    """
    sp = fit.dataset.spend
    mask = _date_mask(pd.DatetimeIndex(sp["date"].values), start, end)
    tot = sp.isel(date=mask).sum("date")
    return tot if by_geo else tot.sum("geo")


def roas_draws(fit, *, start=None, end=None, by_geo: bool = False, max_draws: int | None = 1000):
    """Return per currency unit, dims (sample, outcome, series, path[, geo]).

    Series with no spend in the range get NaN.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); a range without dates raises ValueError.
    by_geo : bool, default False
        Returns per geo (each geo's contribution over its own spend); default: totals
        over geos.
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    xarray.DataArray, dims (sample, outcome, series, path[, geo])
        :func:`contribution_totals` divided by :func:`spend_totals`: outcome units per
        currency unit (ROAS for revenue outcomes, e.g. 2.0 = two euros back per euro;
        units per currency unit for counts); ``path`` in (direct, mediated, total).
        Negative only where the contribution draw is negative; NaN without spend.
    """
    tot = contribution_totals(fit, start=start, end=end, by_geo=by_geo, max_draws=max_draws)
    sp = spend_totals(fit, start=start, end=end, by_geo=by_geo)
    return tot / sp.where(sp > 0)
