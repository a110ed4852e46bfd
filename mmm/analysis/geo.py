"""Results per geo: spend, media-driven outcomes, returns and cost per visit by region.

A fit with several geos estimates the effect of every series in every geo; these tables
add them up per geo (over series and paths) and across geos (``geo == "all"``), so the
per-geo rows sum to the national row draw by draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import contributions
from mmm.analysis.returns import _date_mask
from mmm.analysis.summary import summarize_draws

ALL = "all"


def geo_attributes(fit) -> pd.DataFrame:
    """Population and shops per geo where the data give them (NaN otherwise).

    Parameters
    ----------
    fit : FitResult
        Its dataset's ``geos`` and, when present, ``geo_info`` (a frame indexed by geo
        with optional ``population`` and ``shops`` columns; non-numeric values become
        NaN).

    Returns
    -------
    pandas.DataFrame
        Indexed by geo (the fit's geos), columns ``population`` (people) and ``shops``
        (count of shops), both float.
    """
    geos = list(fit.dataset.geos)
    out = pd.DataFrame(
        index=pd.Index(geos, name="geo"), data={"population": np.nan, "shops": np.nan}
    )
    info = getattr(fit.dataset, "geo_info", None)
    if info is not None:
        for col in ("population", "shops"):
            if col in info:
                out[col] = pd.to_numeric(info[col].reindex(geos), errors="coerce").astype(float)
    return out


def _with_all(da: xr.DataArray) -> xr.DataArray:
    """Append the total across geos as geo ``"all"`` (a national fit's one geo is it)."""
    if da.sizes["geo"] == 1:
        return da.assign_coords(geo=[ALL])
    tot = da.sum("geo").expand_dims(geo=[ALL])
    return xr.concat([da, tot], dim="geo")


#: The columns of :func:`geo_table`, in order.
_GEO_TABLE_COLUMNS = (
    "geo",
    "outcome",
    "kind",
    "spend",
    "population",
    "shops",
    "observed",
    "contribution_mean",
    "contribution_median",
    "contribution_lower",
    "contribution_upper",
    "share_median",
    "per_spend_median",
    "per_spend_lower",
    "per_spend_upper",
    "cost_per_unit_median",
    "cost_per_unit_lower",
    "cost_per_unit_upper",
    "interval",
)


def _geo_draw_stats(c, sp, obs, prob: float) -> pd.DataFrame:
    """Per (geo, outcome): the media contribution, its share of the outcome, its return per
    unit of spend and the spend per unit, summarised over draws."""

    def stats(da, prefix, keys=("median", "lower", "upper")):
        df = summarize_draws(da, prob=prob).set_index(["geo", "outcome"])
        return df[list(keys)].add_prefix(prefix)

    with np.errstate(divide="ignore", invalid="ignore"):
        per = c / sp.where(sp > 0)
        cost = sp / c.where(c > 0)
        share = c / obs.where(obs != 0)
    return pd.concat(
        [
            stats(c, "contribution_", ("mean", "median", "lower", "upper")),
            stats(share, "share_", ("median",)),
            stats(per, "per_spend_"),
            stats(cost, "cost_per_unit_"),
        ],
        axis=1,
    ).reset_index()


def geo_table(
    fit, *, start=None, end=None, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Spend, media contribution, return and cost per unit per geo and outcome.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        Date range (default: the whole fit). As in :func:`mmm.analysis.roas_table`, the
        contribution counts the carry-over of all fitted spend into the range.
    prob : float
        Central interval probability.
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        One row per (geo, outcome), the geos of the fit then ``"all"`` (their total; a
        national fit has the ``"all"`` rows only), with
        columns geo, outcome, kind, spend (currency over the range), population, shops
        (summed for ``"all"``; NaN where unknown), observed (outcome total),
        ``contribution_*`` (mean, median, lower, upper: media-driven units of the outcome),
        ``share_median`` (of the observed total), ``per_spend_*`` (median, lower, upper:
        ROAS for revenue, units per currency for counts), ``cost_per_unit_*`` (median,
        lower, upper: currency per incremental unit, count outcomes; NaN for revenue) and
        interval.
    """
    c = contributions(fit, max_draws=max_draws)
    mask = _date_mask(pd.DatetimeIndex(c["date"].values), start, end)
    c = _with_all(c.isel(date=mask).sum(("date", "path", "series")))  # (sample, geo, outcome)
    ds = fit.dataset
    sp = _with_all(ds.spend.isel(date=mask).sum(("date", "series")))  # (geo,)
    outs = list(fit.spec.outcome_names)
    obs = _with_all(ds.outcomes.sel(outcome=outs).isel(date=mask).sum("date"))  # (geo, outcome)
    kinds = {o.name: o.kind for o in fit.spec.outcomes}
    attrs = geo_attributes(fit)
    if len(attrs) > 1:
        attrs.loc[ALL] = attrs.sum(min_count=1)
    else:
        attrs.index = pd.Index([ALL], name="geo")
    df = _geo_draw_stats(c, sp, obs, prob)
    df["kind"] = df["outcome"].map(kinds)
    df.loc[
        df["kind"] != "count",
        ["cost_per_unit_median", "cost_per_unit_lower", "cost_per_unit_upper"],
    ] = np.nan
    df["spend"] = df["geo"].map(sp.to_series())
    df["observed"] = [
        float(obs.sel(geo=g, outcome=o)) for g, o in zip(df["geo"], df["outcome"], strict=True)
    ]
    df["population"] = df["geo"].map(attrs["population"])
    df["shops"] = df["geo"].map(attrs["shops"])
    df["interval"] = prob
    order = {g: i for i, g in enumerate(dict.fromkeys([*ds.geos, ALL]))}
    df = df.sort_values(
        ["outcome", "geo"],
        key=lambda s: (
            s.map(order) if s.name == "geo" else s.map({o: i for i, o in enumerate(outs)})
        ),
    ).reset_index(drop=True)
    return df[list(_GEO_TABLE_COLUMNS)]
