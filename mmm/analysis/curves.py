"""Response curves (outcome and ROAS vs spend) and adstock decay curves.

A response curve scales the spend of a series in every period of the range by a
multiplier ``m`` (0 = switched off, 1 = current spend, 2 = doubled), keeping its timing,
and records the series' contribution over all fitted dates (direct + mediated).
Series do not interact in the model, so every series is scaled at once.

Point of diminishing returns
----------------------------
The spend at which the marginal return (the slope of the curve) has fallen to half of its
value at zero spend. For a Hill curve with slope 1 and half-saturation ``K`` at steady
spend, that is ``(sqrt(2) - 1) K``, i.e. 41 % of the half-saturation spend. Beyond it each
extra euro buys less than half of what the first euros bought. For revenue outcomes the
*break-even* spend is also reported: where the marginal ROAS falls below 1 (NaN when it
stays above 1 on the grid or starts below 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import (
    _stack,
    contributions_from_response,
    draw_index,
    posterior_params,
    response,
)
from mmm.analysis.returns import _date_mask
from mmm.analysis.summary import summarize_draws

DEFAULT_MULTIPLIERS = np.round(np.linspace(0.0, 3.0, 61), 10)


def response_curves(
    fit,
    *,
    multipliers=None,
    start=None,
    end=None,
    max_draws: int | None = 300,
) -> xr.Dataset:
    """Outcome vs spend and ROAS vs spend for every series.

    Parameters
    ----------
    fit : FitResult
    multipliers : array_like, optional
        Spend multipliers (>= 0, increasing); default 0 to 3 in steps of 0.05. 1 is added
        when missing (the current spend).
    start, end : date-like, optional
        Range whose spend is scaled and whose spend is reported (default: all dates).
    max_draws : int or None

    Returns
    -------
    xarray.Dataset
        ``spend`` dims (series, point): currency over the range; ``contribution`` dims
        (sample, outcome, series, point): original units over all fitted dates;
        ``roas`` = contribution / spend (NaN at zero spend); coord ``multiplier`` on
        ``point``; attribute ``current_point`` (index of multiplier 1).
    """
    m = np.asarray(DEFAULT_MULTIPLIERS if multipliers is None else multipliers, dtype=float)
    if np.any(m < 0) or np.any(np.diff(m) <= 0):
        raise ValueError("multipliers must be >= 0 and strictly increasing.")
    if not np.any(np.isclose(m, 1.0)):
        m = np.sort(np.append(m, 1.0))
    params = posterior_params(fit, max_draws=max_draws)
    ds = fit.dataset
    spend = np.asarray(ds.spend.values, dtype=float)
    mask = _date_mask(pd.DatetimeIndex(ds.dates), start, end)
    contrib, sp = [], []
    for mult in m:
        x = spend.copy()
        x[mask] *= mult
        c = contributions_from_response(fit, response(fit, x, params), params)
        contrib.append(c.sum(axis=(1, 2, 5)))  # (sample, outcome, series)
        sp.append(x[mask].sum(axis=(0, 1)))
    contrib_a = np.stack(contrib, axis=-1)
    sp_a = np.stack(sp, axis=-1)  # (series, point)
    coords = {
        "sample": params.index,
        "outcome": list(fit.spec.outcome_names),
        "series": list(ds.series),
        "channel": ("series", [str(v) for v in ds.spend.coords["channel"].values]),
        "audience": ("series", [str(v) for v in ds.spend.coords["audience"].values]),
        "point": np.arange(len(m)),
        "multiplier": ("point", m),
    }
    spend_da = xr.DataArray(
        sp_a,
        dims=("series", "point"),
        coords={k: coords[k] for k in ("series", "channel", "audience", "point", "multiplier")},
    )
    contrib_da = xr.DataArray(
        contrib_a, dims=("sample", "outcome", "series", "point"), coords=coords
    )
    roas = contrib_da / spend_da.where(spend_da > 0)
    out = xr.Dataset({"spend": spend_da, "contribution": contrib_da, "roas": roas})
    out.attrs["current_point"] = int(np.flatnonzero(np.isclose(m, 1.0))[0])
    return out


def curve_table(curves: xr.Dataset, *, prob: float = 0.9) -> pd.DataFrame:
    """Response curves as a tidy table: median and central interval at every point.

    Parameters
    ----------
    curves : xarray.Dataset
        From :func:`response_curves`.
    prob : float
        Central interval probability, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, series, point), in that order: ``outcome``, ``channel``,
        ``audience``, ``series``, ``point``, ``multiplier``, ``spend`` (currency over the
        range), ``median``, ``lower``, ``upper`` (outcome units over all fitted dates) and
        ``interval``.
    """
    c = curves["contribution"].transpose("sample", "outcome", "series", "point")
    keys = ["outcome", "series", "point"]
    order = pd.MultiIndex.from_product([c[k].values for k in keys], names=keys)
    df = summarize_draws(c, prob=prob).set_index(keys).loc[order].reset_index()
    spend = curves["spend"].transpose("series", "point").to_series()
    df["spend"] = spend.loc[list(zip(df["series"], df["point"], strict=True))].to_numpy()
    cols = ["outcome", "channel", "audience", "series", "point", "multiplier", "spend"]
    return df[[*cols, "median", "lower", "upper", "interval"]]


def _first_crossing(x: np.ndarray, y: np.ndarray, level: np.ndarray) -> np.ndarray:
    """First ``x`` where ``y`` (last axis) falls to ``level``, by linear interpolation."""
    below = y <= level[..., None]
    has = below.any(axis=-1)
    i = np.argmax(below, axis=-1)
    i0 = np.maximum(i - 1, 0)
    y0 = np.take_along_axis(y, i0[..., None], -1)[..., 0]
    y1 = np.take_along_axis(y, i[..., None], -1)[..., 0]
    x0 = np.take_along_axis(np.broadcast_to(x, y.shape), i0[..., None], -1)[..., 0]
    x1 = np.take_along_axis(np.broadcast_to(x, y.shape), i[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(y1 != y0, (y0 - level) / (y0 - y1), 0.0)
    out = np.where(i == 0, x0, x0 + np.clip(frac, 0, 1) * (x1 - x0))
    return np.where(has, out, np.nan)


def marginal_curve(curves: xr.Dataset) -> xr.DataArray:
    """Slope of each response curve, d contribution / d spend, at the grid points.

    Second-order central differences inside the grid and at its ends.

    Parameters
    ----------
    curves : xarray.Dataset
        From :func:`response_curves`: ``contribution`` dims (sample, outcome, series,
        point), original units over all fitted dates, and ``spend`` dims (series, point),
        currency over the range.

    Returns
    -------
    xarray.DataArray, dims (sample, outcome, series, point)
        Outcome units per currency unit (marginal ROAS for revenue); NaN for a series
        whose spend is the same at every point (no spend in the range).
    """
    c = curves["contribution"].transpose("sample", "outcome", "series", "point").values
    s = curves["spend"].transpose("series", "point").values
    out = np.full(c.shape, np.nan)
    for j in range(s.shape[0]):
        if np.all(s[j] == s[j, 0]):
            continue
        out[:, :, j, :] = np.gradient(c[:, :, j, :], s[j], axis=-1, edge_order=2)
    return xr.DataArray(
        out,
        dims=("sample", "outcome", "series", "point"),
        coords=curves["contribution"].coords,
        name="marginal",
    )


def curve_points(curves: xr.Dataset, *, prob: float = 0.9, revenue_outcomes=()) -> pd.DataFrame:
    """Current spend, point of diminishing returns and break-even spend per curve.

    Parameters
    ----------
    curves : xarray.Dataset
        From :func:`response_curves`.
    prob : float
    revenue_outcomes : sequence of str
        Outcomes for which the break-even spend (marginal ROAS = 1) is computed.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, series, quantity) with quantity ``current_spend``,
        ``diminishing_spend`` (currency over the range; see the module docstring),
        ``breakeven_spend`` (revenue outcomes) and ``marginal_at_current``
        (outcome units per currency): mean, median, lower, upper, interval.
    """
    mg = marginal_curve(curves)
    s = curves["spend"].transpose("series", "point").values
    d = mg.transpose("sample", "outcome", "series", "point").values
    cur = curves.attrs["current_point"]
    dim = _first_crossing(s[None, None], d, 0.5 * d[..., 0])
    be = _first_crossing(s[None, None], d, np.ones(d.shape[:-1]))
    be = np.where(d[..., 0] > 1, be, np.nan)
    rev = np.isin(curves["outcome"].values, list(revenue_outcomes))
    be[:, ~rev] = np.nan
    coords = {
        k: curves["contribution"].coords[k]
        for k in ("sample", "outcome", "series", "channel", "audience")
    }
    dims = ("sample", "outcome", "series")
    q = {
        "current_spend": np.broadcast_to(s[:, cur], d.shape[:-1]),
        "diminishing_spend": dim,
        "breakeven_spend": be,
        "marginal_at_current": d[..., cur],
    }
    frames = []
    for name, v in q.items():
        df = summarize_draws(xr.DataArray(v, dims=dims, coords=coords), prob=prob)
        df["quantity"] = name
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


def adstock_curves(fit, *, prob: float = 0.9, max_draws: int | None = None) -> xr.Dataset:
    """Carry-over weights per channel and lag with intervals.

    Parameters
    ----------
    fit : FitResult
    prob : float, default 0.9
        Probability of the central interval (``lower``, ``upper``), in (0, 1).
    max_draws : int or None, default None
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    xarray.Dataset, dims (channel, lag)
        ``mean``, ``lower``, ``upper`` of the weight (share of a period's effect delivered
        ``lag`` periods later; weights sum to 1 over lags) and ``cumulative`` (posterior
        mean of the cumulative share); coord ``stage`` on ``channel``; ``lag`` in
        periods (0 = the period of the spend); attributes ``interval`` (= prob) and
        ``period_days`` (days per period).
    """
    idx = draw_index(fit, max_draws)
    w = _stack(fit, "adstock_weights")[idx]
    lo, hi = np.quantile(w, [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=0)
    channels = [str(c) for c in fit.posterior.coords["channel"].values]
    stages = {str(r.channel): str(r.stage) for r in fit.dataset.channels.itertuples()}
    coords = {
        "channel": channels,
        "lag": np.arange(w.shape[-1]),
        "stage": ("channel", [stages[c] for c in channels]),
    }
    dims = ("channel", "lag")
    out = xr.Dataset(
        {
            "mean": (dims, w.mean(axis=0)),
            "lower": (dims, lo),
            "upper": (dims, hi),
            "cumulative": (dims, np.cumsum(w, axis=-1).mean(axis=0)),
        },
        coords=coords,
    )
    out.attrs.update(interval=prob, period_days=fit.design.period_days)
    return out
