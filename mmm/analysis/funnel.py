"""Awareness vs conversion: spend and effect shares per funnel stage, paths, carry-over.

The array functions (:func:`stage_shares`, :func:`path_split`) take contribution draws
and spend, so the same code summarises a fit and the simulator's truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import _stack, contributions, draw_index
from mmm.analysis.returns import _date_mask, contribution_totals
from mmm.analysis.summary import quantiles, summarize_draws
from mmm.names import AWARENESS


def _series_stage(fit) -> list[str]:
    return [str(s) for s in fit.dataset.series_stage]


def _range(fit, start, end, max_draws) -> tuple[xr.DataArray, xr.DataArray]:
    c = contributions(fit, max_draws=max_draws)
    mask = _date_mask(pd.DatetimeIndex(c["date"].values), start, end)
    c = c.isel(date=mask).sum(("date", "geo"))
    sp = fit.dataset.spend.isel(date=mask).sum(("date", "geo"))
    return c, sp


def stage_shares(contrib: xr.DataArray, spend: xr.DataArray, stages) -> xr.Dataset:
    """Share of spend and share of media-driven outcome per funnel stage.

    Parameters
    ----------
    contrib : xarray.DataArray, dims (..., outcome, series[, path])
        Contributions summed over the range (original units); ``path`` is summed.
    spend : xarray.DataArray, dims (series,)
        Spend over the same range (currency).
    stages : sequence of str, one per series

    Returns
    -------
    xarray.Dataset
        ``spend_share`` dims (stage,) and ``effect_share`` dims (..., outcome, stage), both
        fractions in [0, 1] summing to 1 over ``stage``; ``effect`` (original units).
    """
    if "path" in contrib.dims:
        contrib = contrib.sum("path")
    st = xr.DataArray(
        np.asarray(stages, dtype=str), dims="series", coords={"series": contrib["series"].values}
    )
    c = contrib.assign_coords(stage=st).groupby("stage").sum("series")
    s = spend.assign_coords(stage=("series", st.values)).groupby("stage").sum("series")
    return xr.Dataset(
        {"effect": c, "effect_share": c / c.sum("stage"), "spend_share": s / s.sum("stage")}
    )


def funnel_shares(
    fit, *, start=None, end=None, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Share of spend vs share of incremental outcome for each funnel stage.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
    prob : float
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, stage): ``spend`` (currency), ``spend_share`` (fraction of
        media spend), ``effect`` (median incremental outcome, original units, direct +
        mediated) and ``effect_share`` mean / median / lower / upper (fraction of the
        media-driven outcome). ``effect_share > spend_share`` means the stage delivers
        more than its share of the budget.
    """
    c, sp = _range(fit, start, end, max_draws)
    sh = stage_shares(c, sp, _series_stage(fit))
    df = summarize_draws(sh["effect_share"], prob=prob)
    df = df.rename(columns={k: f"effect_share_{k}" for k in ("mean", "median", "lower", "upper")})
    df["effect"] = df.apply(
        lambda r: float(sh["effect"].sel(outcome=r["outcome"], stage=r["stage"]).median()), axis=1
    )
    stage_sp = sp.assign_coords(stage=("series", _series_stage(fit))).groupby("stage").sum()
    df["spend"] = df["stage"].map(stage_sp.to_series())
    df["spend_share"] = df["stage"].map(sh["spend_share"].to_series())
    return df[
        [
            "outcome",
            "stage",
            "spend",
            "spend_share",
            "effect",
            "effect_share_mean",
            "effect_share_median",
            "effect_share_lower",
            "effect_share_upper",
            "interval",
        ]
    ]


def path_split(contrib: xr.DataArray) -> xr.Dataset:
    """Direct vs mediated effect and the mediated share.

    Parameters
    ----------
    contrib : xarray.DataArray, dims (..., path) with path in (direct, mediated)

    Returns
    -------
    xarray.Dataset
        ``direct``, ``mediated``, ``total`` (original units) and ``mediated_share``
        (fraction of the total that goes through the mediator).
    """
    d, m = contrib.sel(path="direct", drop=True), contrib.sel(path="mediated", drop=True)
    tot = d + m
    return xr.Dataset(
        {"direct": d, "mediated": m, "total": tot, "mediated_share": m / tot.where(tot != 0)}
    )


def awareness_paths(
    fit, *, start=None, end=None, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Direct vs mediated (through the mediator, e.g. brand search) effect of awareness series.

    Parameters
    ----------
    fit : FitResult
        Needs at least one awareness series (ValueError otherwise); without a mediator
        the mediated effect is 0.
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); contributions include carry-over from spend before the range.
    prob : float, default 0.9
        Probability of the central interval (``lower``, ``upper``), in (0, 1).
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, awareness series, quantity) with quantity in direct,
        mediated, total (original units over the range, summed over geos) and
        mediated_share (fraction of the total; NaN where the total is 0);
        columns mean, median, lower, upper, interval, channel, audience.
    """
    c, _ = _range(fit, start, end, max_draws)
    aw = [
        s for s, st in zip(fit.dataset.series, _series_stage(fit), strict=True) if st == AWARENESS
    ]
    if not aw:
        raise ValueError("the fit has no awareness series.")
    ps = path_split(c.sel(series=aw))
    frames = []
    for q in ("direct", "mediated", "total", "mediated_share"):
        df = summarize_draws(ps[q], prob=prob)
        df["quantity"] = q
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    return df[
        [
            "outcome",
            "channel",
            "audience",
            "series",
            "quantity",
            "mean",
            "median",
            "lower",
            "upper",
            "interval",
        ]
    ]


#: Posterior correlation of an awareness channel's direct and mediated effects at or below
#: which the split between the two paths is reported as weakly identified: the data then
#: pin the total down much better than either part (with equal spreads, a correlation of
#: -0.5 halves the variance of the total against independent parts).
WEAK_SPLIT_CORRELATION = -0.5


def path_identification(
    fit,
    *,
    start=None,
    end=None,
    prob: float = 0.9,
    max_draws: int | None = 1000,
    totals: xr.DataArray | None = None,
) -> pd.DataFrame:
    """How well the data separate each awareness channel's direct and mediated effects.

    When the data cannot tell whether awareness spend lifts the outcome directly or through
    the mediator, the posterior trades one path against the other: their draws are
    negatively correlated while their sum (the channel's total effect) stays well
    determined. The split is then driven by the priors and is flagged rather than read.

    Parameters
    ----------
    fit : FitResult
        Needs at least one awareness series (ValueError otherwise).
    start, end : date-like, optional
        Date range, both included (default: the fitted dates).
    prob : float, default 0.9
        Probability of the mediated share's central interval, in (0, 1).
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).
    totals : xarray.DataArray, optional
        The contribution draws over the range summed over geos, as
        :func:`mmm.analysis.returns.contribution_totals` gives them for the same
        ``start``, ``end`` and ``max_draws`` (computed when not given), so that a caller
        that needs them elsewhere evaluates them once.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, awareness channel), the channel's series summed:
        ``mediated_share`` (median of the per-draw share of the total effect that goes
        through the mediator, a fraction) with ``share_lower`` / ``share_upper``,
        ``correlation`` (posterior correlation of the direct and mediated effects; NaN
        without a mediator) and ``weakly_identified`` (``correlation <=``
        :data:`WEAK_SPLIT_CORRELATION`).
    """
    aw = [
        s for s, st in zip(fit.dataset.series, _series_stage(fit), strict=True) if st == AWARENESS
    ]
    if not aw:
        raise ValueError("the fit has no awareness series.")
    if totals is None:
        totals = contribution_totals(fit, start=start, end=end, max_draws=max_draws)
    by_channel = totals.sel(series=aw, path=["direct", "mediated"]).groupby("channel").sum("series")
    rows = []
    for o in by_channel["outcome"].values:
        for ch in by_channel["channel"].values:
            d = by_channel.sel(outcome=o, channel=ch, path="direct").values
            m = by_channel.sel(outcome=o, channel=ch, path="mediated").values
            tot = d + m
            share = np.where(tot != 0, m / np.where(tot != 0, tot, 1.0), np.nan)
            corr = float(np.corrcoef(d, m)[0, 1]) if d.std() > 0 and m.std() > 0 else np.nan
            lo, hi = quantiles(share[np.isfinite(share)], prob)
            rows.append(
                {
                    "outcome": str(o),
                    "channel": str(ch),
                    "mediated_share": float(np.nanmedian(share)),
                    "share_lower": float(lo),
                    "share_upper": float(hi),
                    "correlation": corr,
                    "weakly_identified": bool(corr <= WEAK_SPLIT_CORRELATION),
                }
            )
    return pd.DataFrame(rows)


def carryover(fit, *, prob: float = 0.9, max_draws: int | None = None) -> pd.DataFrame:
    """Carry-over half-life and mean lag of each channel.

    Parameters
    ----------
    fit : FitResult
    prob : float, default 0.9
        Probability of the half-life's central interval (``half_life_lower``,
        ``half_life_upper``), in (0, 1).
    max_draws : int or None, default None
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    pandas.DataFrame
        One row per channel: ``stage``, half-life (periods, the interpolated lag by which
        half the effect of a period's spend is delivered; see
        :func:`mmm.transforms.half_life`) mean / median / lower / upper, ``mean_lag``
        (periods, posterior mean), ``period_days`` (days per period, to convert periods
        to days), ``interval``.
    """
    from mmm.transforms import half_life, mean_lag

    idx = draw_index(fit, max_draws)
    w = _stack(fit, "adstock_weights")[idx]  # (sample, channel, lag)
    hl = half_life(w)
    ml = mean_lag(w)
    channels = [str(c) for c in fit.posterior.coords["channel"].values]
    da = xr.DataArray(hl, dims=("sample", "channel"), coords={"channel": channels})
    df = summarize_draws(da, prob=prob)
    df = df.rename(columns={k: f"half_life_{k}" for k in ("mean", "median", "lower", "upper")})
    stages = {str(r.channel): str(r.stage) for r in fit.dataset.channels.itertuples()}
    df.insert(1, "stage", df["channel"].map(stages))
    df["mean_lag"] = ml.mean(axis=0)
    df["period_days"] = fit.design.period_days
    return df
