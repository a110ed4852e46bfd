"""Return on spend: ROAS, cost per unit and contribution totals, with intervals.

ROAS of series ``s`` on outcome ``k`` over a date range is the contribution of the
spend in the whole fitted history to the outcome inside the range, divided by the
spend inside the range (the same definition the simulator's truth uses). For count
outcomes (store visits) it is units per currency unit, and ``cost_per_unit`` is its
inverse. The draws (:func:`contribution_totals`, :func:`spend_totals`,
:func:`roas_draws`) are those of the model layer (:mod:`mmm.model.roas`), re-exported
here; this module adds the per-channel returns and the tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.summary import summarize_draws
from mmm.model.roas import _date_mask as _date_mask
from mmm.model.roas import contribution_totals, roas_draws, spend_totals

__all__ = [
    "contribution_table",
    "contribution_totals",
    "media_total_stats",
    "media_totals",
    "roas_draws",
    "roas_table",
    "spend_totals",
    "summarize_draws",
]


def channel_roas_draws(
    fit, *, start=None, end=None, by_geo: bool = False, max_draws: int | None = 1000
):
    """Return per currency unit of each channel, its audiences together.

    A channel's return is the contribution of all its audiences over their spend summed,
    so audiences weigh in by their spend (a thin audience moves it little). Channels
    without spend in the range get NaN.

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
    xarray.DataArray, dims (sample, outcome, channel, path[, geo])
        Outcome units per currency unit (ROAS for revenue outcomes, units per currency
        unit for counts); ``path`` in (direct, mediated, total); ``channel`` in the
        order of the data's channels table.
    """
    tot = contribution_totals(fit, start=start, end=end, by_geo=by_geo, max_draws=max_draws)
    sp = spend_totals(fit, start=start, end=end, by_geo=by_geo)
    # both carry the series' ``channel`` coord: group on it
    num, den = tot.groupby("channel").sum("series"), sp.groupby("channel").sum("series")
    order = [c for c in (str(c) for c in fit.dataset.channels["channel"]) if c in num["channel"]]
    out = (num / den.where(den > 0)).sel(channel=order)
    return out.transpose("sample", "outcome", "channel", "path", ...)


def _add_cost_per_unit(df: pd.DataFrame) -> None:
    """Add the cost per extra unit of count outcomes (and its interval: the inverse of the
    return's) to a table of returns; NaN for money outcomes and for effects <= 0."""
    is_count = df["kind"] == "count"

    def inverse(col: str) -> np.ndarray:
        # a zero (or negative) effect has no finite cost per unit: NaN, never inf
        v = df[col].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(is_count & (v > 0), 1.0 / v, np.nan)

    df["cost_per_unit"] = inverse("median")
    df["cost_per_unit_lower"] = inverse("upper")
    df["cost_per_unit_upper"] = inverse("lower")


def roas_table(
    fit,
    *,
    prob: float = 0.9,
    start=None,
    end=None,
    by_geo: bool = False,
    max_draws: int | None = 1000,
) -> pd.DataFrame:
    """ROAS (or units per currency unit) per outcome, channel, audience and path.

    Parameters
    ----------
    fit : FitResult
    prob : float, default 0.9
        Probability of the central interval (``lower``, ``upper``), in (0, 1).
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); a range without dates raises ValueError.
    by_geo : bool, default False
        One row per geo (default: summed over geos, ``geo == "all"``).
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    pandas.DataFrame
        Columns: outcome, kind, channel, audience, geo, path, spend, mean, median, lower,
        upper, interval, and for count outcomes cost_per_unit (median) with
        cost_per_unit_lower / cost_per_unit_upper (currency per unit; the interval
        bounds of the inverse are the inverse of the bounds; NaN where the effect bound is
        zero or below, i.e. no finite cost: an unbounded upper cost).
    """
    r = roas_draws(fit, start=start, end=end, by_geo=by_geo, max_draws=max_draws)
    df = summarize_draws(r, prob=prob)
    ds = fit.dataset
    ch = dict(zip(ds.series, [str(v) for v in ds.spend.coords["channel"].values], strict=True))
    au = dict(zip(ds.series, [str(v) for v in ds.spend.coords["audience"].values], strict=True))
    for col in ("channel", "audience"):
        if col in df:
            df = df.drop(columns=col)
    df.insert(1, "channel", df["series"].map(ch))
    df.insert(2, "audience", df["series"].map(au))
    if "geo" not in df:
        df["geo"] = "all"
    sp = spend_totals(fit, start=start, end=end, by_geo=by_geo)
    sp_df = sp.to_dataframe(name="spend").reset_index()
    df = df.merge(
        sp_df[[c for c in sp_df.columns if c in ("series", "geo", "spend")]],
        on=[c for c in ("series", "geo") if c in sp_df.columns],
        how="left",
    )
    df["kind"] = df["outcome"].map({o.name: o.kind for o in fit.spec.outcomes})
    _add_cost_per_unit(df)
    cols = [
        "outcome",
        "kind",
        "channel",
        "audience",
        "geo",
        "path",
        "spend",
        "mean",
        "median",
        "lower",
        "upper",
        "interval",
        "cost_per_unit",
        "cost_per_unit_lower",
        "cost_per_unit_upper",
        "series",
    ]
    return df[cols].sort_values(["outcome", "series", "geo", "path"]).reset_index(drop=True)


def contribution_table(
    fit,
    *,
    prob: float = 0.9,
    start=None,
    end=None,
    by_geo: bool = False,
    max_draws: int | None = 1000,
    totals: xr.DataArray | None = None,
) -> pd.DataFrame:
    """Total contribution per outcome, channel, audience and path with intervals.

    Parameters
    ----------
    fit : FitResult
    prob : float, default 0.9
        Probability of the central interval (``lower``, ``upper``), in (0, 1).
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); a range without dates raises ValueError.
    by_geo : bool, default False
        One row per geo (default: summed over geos, ``geo == "all"``).
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).
    totals : xarray.DataArray, optional
        The contribution draws over the range as :func:`contribution_totals` gives them
        for the same ``start``, ``end``, ``by_geo`` and ``max_draws`` (computed when not
        given), so that a caller that needs them elsewhere evaluates them once.

    Returns
    -------
    pandas.DataFrame
        Columns outcome, channel, audience, series, path, mean, median, lower, upper,
        interval, geo (original units over the range); ``geo`` is ``"all"`` (summed over
        geos) or, with ``by_geo``, one row per geo.
    """
    tot = totals
    if tot is None:
        tot = contribution_totals(fit, start=start, end=end, by_geo=by_geo, max_draws=max_draws)
    df = summarize_draws(tot, prob=prob)
    ds = fit.dataset
    ch = dict(zip(ds.series, [str(v) for v in ds.spend.coords["channel"].values], strict=True))
    au = dict(zip(ds.series, [str(v) for v in ds.spend.coords["audience"].values], strict=True))
    for col in ("channel", "audience"):
        if col in df:
            df = df.drop(columns=col)
    df.insert(1, "channel", df["series"].map(ch))
    df.insert(2, "audience", df["series"].map(au))
    if "geo" not in df:
        df["geo"] = "all"
    return df


def media_total_stats(
    total: xr.DataArray,
    *,
    spend: float,
    observed: xr.DataArray,
    kinds: dict[str, str],
    prob: float = 0.9,
) -> pd.DataFrame:
    """Summary of all media's effect per outcome, from its draws.

    Parameters
    ----------
    total : xarray.DataArray, dims (sample, outcome)
        Effect of all media together per draw (outcome units).
    spend : float
        Media spend behind it (currency).
    observed : xarray.DataArray, dims (outcome,)
        Observed outcome totals over the same range.
    kinds : dict of str -> str
        Outcome -> ``"revenue"`` or ``"count"``.
    prob : float
        Central interval probability.

    Returns
    -------
    pandas.DataFrame
        One row per outcome: ``outcome``, ``kind``, ``spend``, ``observed``,
        ``contribution_*``, ``share_*`` (fraction of ``observed``; NaN when it is 0),
        ``per_spend_*`` (outcome units per currency; NaN without spend) and
        ``cost_per_unit_*`` (currency per unit, over the draws with a positive effect;
        NaN without spend or for revenue), each ``*`` in median, lower, upper, and
        ``interval``. Each statistic is that of the per-draw ratio (never a ratio of
        medians); NaN draws are skipped.
    """

    def stats(da: xr.DataArray, prefix: str) -> pd.DataFrame:
        df = summarize_draws(da, prob=prob).set_index("outcome")
        return df[["median", "lower", "upper"]].add_prefix(prefix)

    with np.errstate(divide="ignore", invalid="ignore"):
        share = total / observed.where(observed != 0)
        per = total / spend if spend > 0 else total * np.nan
        cost = spend / total.where(total > 0) if spend > 0 else total * np.nan
    df = pd.concat(
        [
            stats(total, "contribution_"),
            stats(share, "share_"),
            stats(per, "per_spend_"),
            stats(cost, "cost_per_unit_"),
        ],
        axis=1,
    ).reset_index()
    df["kind"] = df["outcome"].map(kinds)
    df.loc[df["kind"] != "count", [c for c in df if c.startswith("cost_per_unit_")]] = np.nan
    df["spend"] = float(spend)
    df["observed"] = [float(observed.sel(outcome=o)) for o in df["outcome"]]
    df["interval"] = prob
    first = ["outcome", "kind", "spend", "observed"]
    return df[first + [c for c in df if c not in first and c != "interval"] + ["interval"]]


def media_totals(
    fit, *, prob: float = 0.9, max_draws: int | None = 1000, totals: xr.DataArray | None = None
) -> pd.DataFrame:
    """All media together per outcome over the fitted period: how much they drove, as a
    share of the outcome, per unit of spend and (counts) per incremental unit.

    Parameters
    ----------
    fit : FitResult
    prob : float, default 0.9
        Probability of the central intervals, in (0, 1).
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).
    totals : xarray.DataArray, optional
        ``contribution_totals(fit, max_draws=max_draws)`` when the caller has them
        (computed when not given).

    Returns
    -------
    pandas.DataFrame
        :func:`media_total_stats` of the total-path contribution of every series summed
        over series, dates and geos, the spend of all media and the observed outcome
        totals; one row per outcome in the spec's order.
    """
    if totals is None:
        totals = contribution_totals(fit, max_draws=max_draws)
    tot = totals.sel(path="total", drop=True)
    outs = list(fit.spec.outcome_names)
    observed = fit.dataset.outcomes.sel(outcome=outs).sum(("date", "geo"))
    df = media_total_stats(
        tot.sum("series").sel(outcome=outs),
        spend=float(fit.dataset.spend.sum()),
        observed=observed,
        kinds={o.name: o.kind for o in fit.spec.outcomes},
        prob=prob,
    )
    return df.set_index("outcome").loc[outs].reset_index()
