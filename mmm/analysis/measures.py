"""Return measures per (outcome, channel, audience): average and marginal, with intervals.

Average returns (over a date range, see :mod:`mmm.analysis.returns`):

* ``roas``: revenue per currency unit spent (revenue outcomes);
* ``roi``: ``margin * roas - 1``, profit per currency unit (``margin`` = 1: revenue);
* ``units_per_currency`` and ``cost_per_unit``: for count outcomes (store visits), visits
  per euro and euros per incremental visit.

Marginal returns at the current spend: the extra outcome from one more currency unit,
spread over the range in proportion to the current spend. Computed per posterior draw
by a central finite difference of the response::

    marginal = (C(spend * (1 + h)) - C(spend * (1 - h))) / (2 h * spend)

where ``C`` is the series' contribution summed over every fitted date (carry-over of
the extra spend inside the data is counted) and only the spend inside the range is
scaled. A marginal ROAS below 1 means the last euro did not pay back in revenue.

Combined value (one number across outcomes): with a value per store visit ``v``
(currency per visit), ``combined = sum over revenue outcomes of roas + v * visits per
currency`` (currency per currency); likewise for the marginal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import contributions_from_response, posterior_params, response
from mmm.analysis.returns import _date_mask, roas_draws, spend_totals
from mmm.analysis.summary import summarize_draws


def _with_total(da: xr.DataArray) -> xr.DataArray:
    return xr.concat([da, da.sum("path").expand_dims(path=["total"])], dim="path")


def _series_coords(fit) -> dict:
    ds = fit.dataset
    return {
        "series": list(ds.series),
        "channel": ("series", [str(v) for v in ds.spend.coords["channel"].values]),
        "audience": ("series", [str(v) for v in ds.spend.coords["audience"].values]),
    }


def marginal_draws(
    fit,
    *,
    start=None,
    end=None,
    rel_step: float = 0.01,
    by_geo: bool = False,
    max_draws: int | None = 1000,
) -> xr.DataArray:
    """Marginal return per currency unit at the current spend, per draw.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        Range whose spend is perturbed (default: all fitted dates).
    rel_step : float
        Relative step ``h`` of the central difference (0 < h < 1).
    by_geo : bool
        Per geo (spend perturbed in all geos at once; each geo's effect over its spend).
    max_draws : int or None

    Returns
    -------
    xarray.DataArray, dims (sample, outcome, series, path[, geo])
        Outcome units per currency unit (marginal ROAS for revenue, visits per euro for
        counts); ``path`` in (direct, mediated, total); NaN where the range has no spend.
    """
    if not 0 < rel_step < 1:
        raise ValueError(f"rel_step={rel_step} must be in (0, 1).")
    params = posterior_params(fit, max_draws=max_draws)
    ds = fit.dataset
    spend = np.asarray(ds.spend.values, dtype=float)
    mask = _date_mask(pd.DatetimeIndex(ds.dates), start, end)
    out = []
    for sign in (1.0, -1.0):
        sp = spend.copy()
        sp[mask] *= 1.0 + sign * rel_step
        c = contributions_from_response(fit, response(fit, sp, params), params)
        out.append(c.sum(axis=1))  # (sample, geo, outcome, series, path)
    diff = out[0] - out[1]
    dspend = 2 * rel_step * spend[mask].sum(axis=0)  # (geo, series)
    if not by_geo:
        diff = diff.sum(axis=1)
        dspend = dspend.sum(axis=0)
        dims: tuple[str, ...] = ("sample", "outcome", "series", "path")
        denom = dspend[None, None, :, None]
    else:
        dims = ("sample", "geo", "outcome", "series", "path")
        denom = dspend[None, :, None, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(denom > 0, diff / np.where(denom > 0, denom, 1.0), np.nan)
    coords = {
        "sample": params.index,
        "outcome": list(fit.spec.outcome_names),
        "path": ["direct", "mediated"],
    } | _series_coords(fit)
    if by_geo:
        coords["geo"] = list(ds.geos)
    return _with_total(xr.DataArray(m, dims=dims, coords=coords, name="marginal_return"))


def _values(fit, value_per_visit) -> dict[str, float]:
    """Currency value of one unit of each outcome (revenue: 1)."""
    vals = {}
    for o in fit.spec.outcomes:
        if o.kind == "revenue":
            vals[o.name] = 1.0
        elif isinstance(value_per_visit, dict):
            vals[o.name] = float(value_per_visit.get(o.name, 0.0))
        else:
            vals[o.name] = float(value_per_visit)
    return vals


def combined_value(draws: xr.DataArray, fit, *, value_per_visit) -> xr.DataArray:
    """Currency value per currency unit, summed over outcomes.

    Parameters
    ----------
    draws : xarray.DataArray, dims (..., outcome, ...)
        Returns per currency unit (e.g. :func:`roas_draws` or :func:`marginal_draws`).
    fit : FitResult
        For the outcomes' kinds.
    value_per_visit : float or dict of str -> float
        Currency per unit of each count outcome (a number applies to every count
        outcome); revenue outcomes count at face value.

    Returns
    -------
    xarray.DataArray
        ``draws``' dims without ``outcome``; currency per currency.
    """
    vals = _values(fit, value_per_visit)
    w = xr.DataArray(
        [vals[str(o)] for o in draws["outcome"].values],
        dims="outcome",
        coords={"outcome": draws["outcome"].values},
    )
    return (draws * w).sum("outcome", skipna=False)


def _add_spend(df: pd.DataFrame, sp: pd.Series, by_geo: bool) -> None:
    """Add each row's spend (by series, and geo when ``by_geo``; else geo ``all``)."""
    if by_geo:
        df["spend"] = [
            sp.loc[(s, g)] if sp.index.names[0] == "series" else sp.loc[(g, s)]
            for s, g in zip(df["series"], df["geo"], strict=True)
        ]
    else:
        df["geo"] = "all"
        df["spend"] = df["series"].map(sp)


#: The columns of :func:`return_measures`, in order.
_MEASURE_COLUMNS = (
    "outcome",
    "kind",
    "channel",
    "audience",
    "series",
    "geo",
    "path",
    "measure",
    "unit",
    "spend",
    "mean",
    "median",
    "lower",
    "upper",
    "interval",
)


def return_measures(
    fit,
    *,
    start=None,
    end=None,
    prob: float = 0.9,
    value_per_visit=None,
    margin: float = 1.0,
    rel_step: float = 0.01,
    by_geo: bool = False,
    max_draws: int | None = 1000,
) -> pd.DataFrame:
    """Average and marginal returns per outcome, channel, audience and path.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        Date range (default: the whole fit).
    prob : float
        Central interval probability.
    value_per_visit : float or dict, optional
        Currency per store visit (per unit of each count outcome); adds rows with
        ``outcome == "combined"`` and measures ``combined_value`` and
        ``marginal_combined_value`` (currency per currency).
    margin : float
        Profit margin on revenue used by ``roi = margin * roas - 1``.
    rel_step : float
        Relative step of the finite difference for marginal returns.
    by_geo : bool
        One row per geo (marginal returns: spend perturbed in every geo at once, each
        geo's extra effect over its extra spend) instead of totals over geos.
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        Long table with columns outcome, kind, channel, audience, series, geo, path,
        measure, unit, spend (currency over the range), mean, median, lower, upper,
        interval; ``geo`` is ``"all"`` without ``by_geo``.
        Costs per unit are NaN in draws where the return is not positive (e.g. the
        mediated path of a conversion series).
        Measures: revenue outcomes ``roas``, ``roi``, ``marginal_roas``; count outcomes
        ``units_per_currency``, ``cost_per_unit``, ``marginal_units_per_currency``,
        ``marginal_cost_per_unit``. Units: ``currency/currency``, ``units/currency`` or
        ``currency/unit``.
    """
    r = roas_draws(fit, start=start, end=end, by_geo=by_geo, max_draws=max_draws)
    m = marginal_draws(
        fit, start=start, end=end, rel_step=rel_step, by_geo=by_geo, max_draws=max_draws
    )
    kinds = {o.name: o.kind for o in fit.spec.outcomes}
    frames = []

    def add(da, measure, unit, outcome, kind):
        df = summarize_draws(da, prob=prob)
        df["measure"], df["unit"], df["outcome"], df["kind"] = measure, unit, outcome, kind
        frames.append(df)

    with np.errstate(divide="ignore"):
        for o in fit.spec.outcome_names:
            ro, mo = r.sel(outcome=o, drop=True), m.sel(outcome=o, drop=True)
            if kinds[o] == "revenue":
                add(ro, "roas", "currency/currency", o, "revenue")
                add(margin * ro - 1.0, "roi", "currency/currency", o, "revenue")
                add(mo, "marginal_roas", "currency/currency", o, "revenue")
            else:
                add(ro, "units_per_currency", "units/currency", o, "count")
                add(1.0 / ro.where(ro > 0), "cost_per_unit", "currency/unit", o, "count")
                add(mo, "marginal_units_per_currency", "units/currency", o, "count")
                add(1.0 / mo.where(mo > 0), "marginal_cost_per_unit", "currency/unit", o, "count")
        if value_per_visit is not None:
            for draws, measure in ((r, "combined_value"), (m, "marginal_combined_value")):
                value = combined_value(draws, fit, value_per_visit=value_per_visit)
                add(value, measure, "currency/currency", "combined", "value")
    df = pd.concat(frames, ignore_index=True)
    _add_spend(df, spend_totals(fit, start=start, end=end, by_geo=by_geo).to_series(), by_geo)
    return df[list(_MEASURE_COLUMNS)].reset_index(drop=True)
