"""Data diagnostics: collinearity of media, autocorrelation of residuals, STL decomposition.

* VIF (variance inflation factor) of each media series: ``1 / (1 - R^2)`` of the
  regression of its spend on the other series' spend (with an intercept). Above about
  10, the data alone can hardly tell that series' effect from the others'.
* Durbin-Watson statistic of residuals (about 2 without autocorrelation; towards 0 with
  positive autocorrelation) and their autocorrelation function.
* STL: seasonal-trend decomposition (LOESS) of each outcome, with the strength of trend
  and of seasonality, ``max(0, 1 - var(resid) / var(component + resid))``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr

PERIODS_PER_YEAR = {7.0: 52, 1.0: 7}


def vif(spend: xr.DataArray) -> pd.DataFrame:
    """Variance inflation factor of each media series.

    Parameters
    ----------
    spend : xarray.DataArray, dims (date, geo, series)
        Spend (currency), or any media input (e.g. adstocked); geos are stacked as rows.

    Returns
    -------
    pandas.DataFrame
        ``series``, ``vif`` (dimensionless, >= 1; inf for an exact linear combination;
        NaN for a constant series).
    """
    x = np.asarray(spend.transpose("date", "geo", "series").values, dtype=float)
    x = x.reshape(-1, x.shape[-1])
    out = []
    for j in range(x.shape[1]):
        y = x[:, j]
        if np.all(y == y[0]):
            out.append(np.nan)
            continue
        X = np.column_stack([np.ones(len(y)), np.delete(x, j, axis=1)])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        r = y - X @ coef
        sst = ((y - y.mean()) ** 2).sum()
        r2 = 1 - (r @ r) / sst
        out.append(np.inf if r2 >= 1 - 1e-12 else 1 / (1 - r2))
    return pd.DataFrame({"series": [str(s) for s in spend["series"].values], "vif": out})


def residual_checks(residuals: xr.DataArray, *, nlags: int = 8) -> pd.DataFrame:
    """Durbin-Watson statistic, ACF and Ljung-Box test of residuals per outcome (and geo).

    Parameters
    ----------
    residuals : xarray.DataArray, dims (date, geo, outcome)
        Observed minus fitted (e.g. :func:`model_residuals` or an OLS fit).
    nlags : int
        Lags of the ACF and of the Ljung-Box test.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, geo): ``durbin_watson``, ``ljung_box_p`` (p-value at
        ``nlags``) and ``acf_1`` ... ``acf_<nlags>``.
    """
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson
    from statsmodels.tsa.stattools import acf

    rows = []
    for o in residuals["outcome"].values:
        for g in residuals["geo"].values:
            r = np.asarray(residuals.sel(outcome=o, geo=g).values, dtype=float)
            ac = acf(r, nlags=nlags, fft=False)
            lb = acorr_ljungbox(r, lags=[nlags])
            row = {
                "outcome": str(o),
                "geo": str(g),
                "durbin_watson": float(durbin_watson(r)),
                "ljung_box_p": float(np.asarray(lb["lb_pvalue"])[0]),
            }
            row.update({f"acf_{i}": float(ac[i]) for i in range(1, nlags + 1)})
            rows.append(row)
    return pd.DataFrame(rows)


def model_residuals(fit, *, max_draws: int | None = 500) -> xr.DataArray:
    """Observed outcome minus the posterior mean of the expected outcome.

    Parameters
    ----------
    fit : FitResult
    max_draws : int or None, default 500
        Thin the posterior to at most this many draws for the mean (None: all).

    Returns
    -------
    xarray.DataArray, dims (date, geo, outcome)
        Original units (currency for revenue outcomes, units for counts) per period,
        named ``residual``; positive where the observed outcome is above the fit.
    """
    from mmm.analysis.engine import expected

    mu = expected(fit, max_draws=max_draws).mean("sample")
    obs = fit.dataset.outcomes.sel(outcome=list(fit.spec.outcome_names))
    return (obs - mu).transpose("date", "geo", "outcome").rename("residual")


def stl_decomposition(
    outcomes: xr.DataArray,
    *,
    period: int | None = None,
    period_days: float = 7.0,
    robust: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """STL decomposition of each outcome (summed over geos).

    Parameters
    ----------
    outcomes : xarray.DataArray, dims (date, geo, outcome)
    period : int, optional
        Seasonal period in dates (default: a year, 52 for weekly and 7 (a week) for daily
        data).
    period_days : float
        Length of one date in days (used for the default period).
    robust : bool
        Robust LOESS fitting (down-weights outliers such as holiday peaks).

    Returns
    -------
    (components, strength) : tuple of pandas.DataFrame
        ``components``: date, outcome, observed, trend, seasonal, resid (outcome units);
        ``strength``: outcome, trend_strength, seasonal_strength (in [0, 1]).
    """
    from statsmodels.tsa.seasonal import STL

    if period is None:
        period = PERIODS_PER_YEAR.get(float(period_days), 12)
    total = outcomes.sum("geo")
    n = total.sizes["date"]
    if n < 2 * period:
        raise ValueError(f"STL needs at least two periods ({2 * period} dates); got {n}.")
    comps, strength = [], []
    for o in total["outcome"].values:
        y = pd.Series(
            total.sel(outcome=o).values.astype(float), index=pd.DatetimeIndex(total["date"].values)
        )
        res = STL(y, period=period, robust=robust).fit()
        comps.append(
            pd.DataFrame(
                {
                    "date": y.index,
                    "outcome": str(o),
                    "observed": y.values,
                    "trend": res.trend.values,
                    "seasonal": res.seasonal.values,
                    "resid": res.resid.values,
                }
            )
        )
        vr = np.var(res.resid.values)
        strength.append(
            {
                "outcome": str(o),
                "trend_strength": max(0.0, 1 - vr / np.var(res.trend.values + res.resid.values)),
                "seasonal_strength": max(
                    0.0, 1 - vr / np.var(res.seasonal.values + res.resid.values)
                ),
            }
        )
    return pd.concat(comps, ignore_index=True), pd.DataFrame(strength)


#: A series active (spend above 0) in fewer than this share of the periods is flagged
#: ``sparse``: its estimates rest on little data.
SPARSE_SHARE = 0.2


class DataTotals(NamedTuple):
    """What :func:`data_totals` returns."""

    series: pd.DataFrame
    outcomes: pd.DataFrame
    total_spend: float


def data_totals(dataset) -> DataTotals:
    """Spend per series and outcome totals of a dataset, all geos together.

    Parameters
    ----------
    dataset : Dataset
        Its ``spend`` (date, geo, series; channel and audience coordinates), ``outcomes``
        (date, geo, outcome) and ``series_stage``.

    Returns
    -------
    DataTotals
        ``total_spend``: all media spend (currency). ``series``: one row per series: ``series``, ``channel``, ``audience``, ``stage``,
        ``spend`` (currency, over dates and geos), ``spend_share`` (of all media spend;
        NaN when there is none), ``active_periods`` (periods with spend above 0, geos
        summed) and ``sparse`` (active in some but fewer than :data:`SPARSE_SHARE` of the
        periods). ``outcomes``: one row per outcome: ``outcome``, ``total`` (missing
        cells left out), ``mean`` (per period with a value, geos summed) and ``missing``
        (periods whose geo sum is missing).
    """
    spend = dataset.spend.sum("geo")
    by_series = spend.sum("date").values.astype(float)
    grand = float(by_series.sum())
    active = (spend.values > 0).sum(axis=0)
    n = spend.sizes["date"]
    series = pd.DataFrame(
        {
            "series": [str(s) for s in spend["series"].values],
            "channel": [str(c) for c in spend["channel"].values],
            "audience": [str(a) for a in spend["audience"].values],
            "stage": [str(s) for s in dataset.series_stage],
            "spend": by_series,
            "spend_share": by_series / grand if grand > 0 else np.nan,
            "active_periods": active.astype(int),
            "sparse": (active > 0) & (active < SPARSE_SHARE * n),
        }
    )
    # a period's geo sum is missing when any geo is (xarray's sum would skip it)
    y = dataset.outcomes.sum("geo", skipna=False).transpose("date", "outcome").values
    outcomes = pd.DataFrame(
        {
            "outcome": [str(o) for o in dataset.outcomes["outcome"].values],
            "total": np.nansum(y, axis=0),
            "mean": np.nanmean(y, axis=0),
            "missing": np.isnan(y).sum(axis=0).astype(int),
        }
    )
    return DataTotals(series, outcomes, grand)
