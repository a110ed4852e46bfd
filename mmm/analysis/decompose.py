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

BASE_COMPONENTS = ("intercept", "trend", "seasonality")


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
        :func:`mmm.analysis.engine.expected`.
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
    trend = np.zeros((n, T, G, K))
    t = de.time_index(dates)
    if "trend_slope" in post:
        trend = trend + (t - 0.5)[None, :, None, None] * _stack(fit, "trend_slope")[idx][:, None]
    if "trend_changes" in post:
        k = _stack(fit, "trend_changes")[idx]
        trend = trend + np.einsum("tc,skc->stk", de.trend_basis(dates), k)[:, :, None, :]
    add("trend", "baseline", trend)
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
