"""Contributions over time: every term of the model's mean, in original units.

The expected outcome of the fit splits exactly into components (per draw)::

    expected = intercept + trend + seasonality + sum_j control_j
               + mediator_baseline + sum_s media_s

``media_s`` is the direct plus mediated contribution of series ``s``;
``mediator_baseline`` is ``delta * (observed mediator - media-driven mediator)``, the
part of the outcome that moves with the mediator (e.g. branded search) for reasons other
than media (it is zero without a mediator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import _stack, contributions, draw_index, posterior_params
from mmm.analysis.summary import summarize_draws


def _trend(fit, idx, dates: pd.DatetimeIndex, shape: tuple[int, ...]) -> np.ndarray:
    """The trend of each draw in ``idx`` (sample, date, geo, outcome), scaled: the linear
    slope and the piecewise changes the fit has."""
    de, post = fit.design, fit.posterior
    trend = np.zeros(shape)
    t = de.time_index(dates)
    if "trend_slope" in post:
        trend = trend + (t - 0.5)[None, :, None, None] * _stack(fit, "trend_slope")[idx][:, None]
    if "trend_changes" in post:
        k = _stack(fit, "trend_changes")[idx]
        trend = trend + np.einsum("tc,skc->stk", de.trend_basis(dates), k)[:, :, None, :]
    return trend


def decompose(fit, *, max_draws: int | None = 500) -> xr.DataArray:
    """Split the expected outcome into baseline, control, mediator and media components.

    Parameters
    ----------
    fit : FitResult
    max_draws : int or None
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    xarray.DataArray, dims (sample, date, geo, outcome, component)
        Original units of each outcome per period. ``component`` labels are
        ``intercept``, ``trend``, ``seasonality``, one per control, ``mediator_baseline``
        (with a mediator) and one per media series (``"channel|audience"``, direct plus
        mediated); non-index coord ``kind`` on ``component`` is ``baseline``,
        ``control``, ``mediator`` or ``media``. Summing over ``component`` gives
        :func:`mmm.model.numpy_eval.expected`.
    """
    idx = draw_index(fit, max_draws)
    de, ds, post = fit.design, fit.dataset, fit.posterior
    dates = pd.DatetimeIndex(ds.dates)
    n, T, G = len(idx), len(dates), len(ds.geos)
    K = len(fit.spec.outcome_names)
    ys = de.outcome_scale  # (G, K)
    parts: list[np.ndarray] = []
    names: list[str] = []
    kinds: list[str] = []

    def add(name, kind, scaled):
        parts.append(np.broadcast_to(scaled, (n, T, G, K)) * ys[None, None])
        names.append(name)
        kinds.append(kind)

    add("intercept", "baseline", _stack(fit, "intercept")[idx][:, None])
    add("trend", "baseline", _trend(fit, idx, dates, (n, T, G, K)))
    season = np.zeros((n, T, G, K))
    if "season_coef" in post:
        co = _stack(fit, "season_coef")[idx]
        season = season + np.einsum("tf,skf->stk", de.fourier(dates), co)[:, :, None, :]
    add("seasonality", "baseline", season)
    if "control_coef" in post and de.control_names:
        raw = ds.controls.sel(control=list(de.control_names)).values
        z = de.scale_controls(np.asarray(raw, dtype=float))  # (T, G, J)
        co = _stack(fit, "control_coef")[idx]  # (n, K, J)
        for j, name in enumerate(de.control_names):
            add(name, "control", z[None, :, :, None, j] * co[:, None, None, :, j])

    c = contributions(fit, max_draws=max_draws)  # (n, T, G, K, S, path)
    params = posterior_params(fit, max_draws=max_draws)
    if params.delta is not None:
        m = ds.outcomes.sel(outcome=fit.spec.mediator).values / de.mediator_scale  # (T, G)
        mediated_scaled = c.sel(path="mediated").sum("series").values / ys[None, None]
        add(
            "mediator_baseline",
            "mediator",
            m[None, :, :, None] * params.delta[:, None, None, :] - mediated_scaled,
        )
    base = np.stack(parts, axis=-1)
    media = c.sum("path").transpose("sample", "date", "geo", "outcome", "series").values
    values = np.concatenate([base, media], axis=-1)
    series = list(ds.series)
    return xr.DataArray(
        values,
        dims=("sample", "date", "geo", "outcome", "component"),
        coords={
            "sample": params.index,
            "date": dates,
            "geo": list(ds.geos),
            "outcome": list(fit.spec.outcome_names),
            "component": names + series,
            "kind": ("component", kinds + ["media"] * len(series)),
        },
        name="contribution",
    )


def contributions_over_time(
    fit,
    *,
    prob: float = 0.9,
    by_geo: bool = False,
    freq: str | None = None,
    max_draws: int | None = 500,
) -> pd.DataFrame:
    """Tidy table of every component per date with mean, median and interval.

    Parameters
    ----------
    fit : FitResult
    prob : float
        Central interval probability.
    by_geo : bool
        Keep geos apart (default: summed over geos).
    freq : str, optional
        Pandas offset alias to aggregate dates to (e.g. ``"MS"`` for months, ``"YS"``).
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        Columns date, [geo,] outcome, component, kind, mean, median, lower, upper,
        interval; original units per period (per ``freq`` bucket when given).
    """
    d = decompose(fit, max_draws=max_draws)
    if not by_geo:
        d = d.sum("geo")
    if freq is not None:
        d = d.resample(date=freq).sum()
    df = summarize_draws(d, prob=prob)
    kinds = dict(zip(d["component"].values, d["kind"].values, strict=True))
    df["kind"] = df["component"].map(kinds)
    front = [c for c in ("date", "geo", "outcome", "component", "kind") if c in df]
    return df[front + ["mean", "median", "lower", "upper", "interval"]]


def component_totals(fit, *, start=None, end=None, max_draws: int | None = 500) -> xr.DataArray:
    """Components summed over dates in ``[start, end]`` and over geos.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        First and last date of the range, both included (default: the first and last
        fitted dates); a range without dates raises ValueError.
    max_draws : int or None, default 500
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    xarray.DataArray, dims (sample, outcome, component)
        Original units (e.g. euros, visits) over the range; components as in
        :func:`decompose` (with its ``kind`` coord). Terms can be negative (e.g. a trend
        or a control below its mean); their sum over ``component`` is the expected
        outcome over the range.
    """
    from mmm.analysis.returns import _date_mask

    d = decompose(fit, max_draws=max_draws)
    mask = _date_mask(pd.DatetimeIndex(d["date"].values), start, end)
    return d.isel(date=mask).sum(("date", "geo"))


def _media_by_channel(d: xr.DataArray, dataset) -> xr.DataArray:
    """Media components of ``d`` summed over the audiences of each channel (dim ``channel``)."""
    channels = (str(c) for c in dataset.spend["channel"].values)
    channel_of = dict(zip(dataset.series, channels, strict=True))
    media = d.isel(component=np.asarray(d["kind"].values) == "media")
    groups = [channel_of[str(c)] for c in media["component"].values]
    media = media.assign_coords(channel=("component", groups)).drop_vars("kind")
    return media.groupby("channel").sum("component")


def channel_contributions_over_time(
    fit, *, prob: float = 0.9, max_draws: int | None = 500
) -> pd.DataFrame:
    """Media's contribution per date and channel (audiences and geos summed), per draw.

    Parameters
    ----------
    fit : FitResult
    prob : float
        Central interval probability.
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        Columns date, outcome, channel, mean, median, lower, upper, interval; original
        units per period. The sum over channels of ``mean`` is the media part of
        :func:`contributions_over_time` (means add up; medians do not).
    """
    d = _media_by_channel(decompose(fit, max_draws=max_draws).sum("geo"), fit.dataset)
    df = summarize_draws(d, prob=prob)
    return df[["date", "outcome", "channel", "mean", "median", "lower", "upper", "interval"]]


def waterfall(
    fit, *, prob: float = 0.9, start=None, end=None, max_draws: int | None = 500
) -> pd.DataFrame:
    """The expected outcome over a date range built up step by step: base terms, then media.

    Steps, in order: ``intercept`` (the base level), ``trend``, ``seasonality``, one per
    control (e.g. price, promo), ``mediator_baseline`` (with a mediator), one per media
    channel (audiences summed), and a closing ``total`` (the expected outcome).

    Parameters
    ----------
    fit : FitResult
    prob : float
        Central interval probability.
    start, end : date-like, optional
        Range of dates, both included (default: the whole fitted period).
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, step): ``kind`` (baseline, control, mediator, media or
        total), ``mean``, ``median``, ``lower``, ``upper`` of the step over the range, and
        ``start`` / ``end``: the running sum of the means before and after the step (the
        bar of a waterfall chart; the total's bar runs from 0 to the sum of all steps).
    """
    tot = component_totals(fit, start=start, end=end, max_draws=max_draws)
    kinds = np.asarray(tot["kind"].values)
    base = tot.isel(component=kinds != "media")
    media = _media_by_channel(tot, fit.dataset).rename(channel="component")
    media = media.assign_coords(kind=("component", ["media"] * media.sizes["component"]))
    total = tot.sum("component").expand_dims(component=["total"])
    total = total.assign_coords(kind=("component", ["total"]))
    steps = xr.concat([base, media, total], dim="component")
    df = summarize_draws(steps, prob=prob)
    order = {c: i for i, c in enumerate(steps["component"].values)}
    df["kind"] = df["component"].map(
        dict(zip(steps["component"].values, steps["kind"].values, strict=True))
    )
    df = df.rename(columns={"component": "step"})
    df["order"] = df["step"].map(order)
    df = df.sort_values(["outcome", "order"]).reset_index(drop=True)
    is_total = df["kind"] == "total"
    step_mean = df["mean"].where(~is_total, 0.0)
    df["end"] = step_mean.groupby(df["outcome"]).cumsum()
    df["start"] = df["end"] - step_mean
    df.loc[is_total, "start"] = 0.0
    df.loc[is_total, "end"] = df.loc[is_total, "mean"]
    cols = ["outcome", "step", "kind", "mean", "median", "lower", "upper", "start", "end"]
    return df[cols + ["interval"]]


def channel_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Each channel's contribution summed over the dates, largest first per outcome.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`channel_contributions_over_time` (or its rows of some outcomes).

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome``, ``channel``, ``total`` (the sum of the per-period means: the
        mean total, since means add up); outcomes in order of first appearance.
    """
    tot = frame.groupby(["outcome", "channel"], sort=False)["mean"].sum().rename("total")
    df = tot.reset_index()
    order = {o: i for i, o in enumerate(dict.fromkeys(df["outcome"]))}
    df = df.assign(_o=df["outcome"].map(order)).sort_values(
        ["_o", "total"], ascending=[True, False], kind="stable"
    )
    return df.drop(columns="_o").reset_index(drop=True)
