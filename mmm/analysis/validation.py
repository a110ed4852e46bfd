"""Out-of-sample checks: predictions on dates after the fit, holdout and rolling-origin backtests.

A backtest refits the model on the first part of the data and predicts the rest. The
refit is delegated to ``fit_fn(train_dataset) -> FitResult`` (e.g.
``lambda ds: mmm.inference.fit(spec, ds, sampler=...)``), so any sampler, or a cheap
stand-in in tests, can be used. Predictions use the test period's spend (with carry-over
from the training period), controls and observed mediator.

Metrics, per outcome, on the predictive draws:

* ``mape``: mean absolute percentage error of the predictive mean (fraction, 0.05 = 5 %);
* ``r2``: 1 - SSE / SST of the predictive mean (SST around the test mean);
* ``crps``: continuous ranked probability score ``E|X - y| - E|X - X'| / 2`` averaged over
  cells (outcome units; lower is better; equals the absolute error for a point forecast);
* ``coverage``: share of observations inside the central ``prob`` predictive interval
  (near ``prob`` when the intervals are calibrated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import (
    baseline_scaled,
    draw_index,
    observation_draws,
    posterior_params,
    response,
)
from mmm.analysis.summary import interval_bounds


def predict(
    fit,
    dataset,
    *,
    noise: bool = True,
    max_draws: int | None = 500,
    seed: int = 0,
) -> xr.DataArray:
    """Predictive draws of the outcomes on every date of ``dataset``.

    Parameters
    ----------
    fit : FitResult
        Fitted on a leading part of ``dataset`` (same series, geos and controls).
    dataset : Dataset
        The full data: its spend drives carry-over, its controls and observed mediator
        enter the mean.
    noise : bool
        Add observation noise of each outcome's likelihood (normal, Student-t or negative
        binomial; :func:`mmm.model.numpy_eval.observation_draws`); False: the expected value.
    max_draws : int or None
    seed : int

    Returns
    -------
    xarray.DataArray, dims (sample, date, geo, outcome)
        Original units.
    """
    if tuple(dataset.series) != tuple(fit.dataset.series) or tuple(dataset.geos) != tuple(
        fit.dataset.geos
    ):
        raise ValueError("predict needs a dataset with the fit's series and geos.")
    de = fit.design
    dates = pd.DatetimeIndex(dataset.dates)
    params = posterior_params(fit, max_draws=max_draws)
    controls = None
    if de.control_names:
        controls = dataset.controls.sel(control=list(de.control_names)).values
    mu = baseline_scaled(fit, dates=dates, controls=controls, max_draws=max_draws)
    f = response(fit, dataset.spend.values, params)
    mu = mu + np.einsum("stgr,skgr->stgk", f, params.beta)
    if params.delta is not None:
        m = dataset.outcomes.sel(outcome=fit.spec.mediator).values / de.mediator_scale
        mu = mu + m[None, :, :, None] * params.delta[:, None, None, :]
    mu = mu * de.outcome_scale[None, None]
    if noise:
        rng = np.random.default_rng(seed)
        mu = observation_draws(fit, mu, draw_index(fit, max_draws), rng)
    return xr.DataArray(
        mu,
        dims=("sample", "date", "geo", "outcome"),
        coords={
            "sample": params.index,
            "date": dates,
            "geo": list(dataset.geos),
            "outcome": list(fit.spec.outcome_names),
        },
        name="prediction",
    )


def crps_ensemble(draws: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of an ensemble forecast, per observation.

    Parameters
    ----------
    draws : ndarray, dims (sample, ...)
    y : ndarray, dims (...)

    Returns
    -------
    ndarray, dims (...)
        ``mean|X - y| - mean|X - X'| / 2`` (exact for the empirical distribution of the
        draws), in the units of ``y``.
    """
    x = np.sort(np.asarray(draws, dtype=float), axis=0)
    n = x.shape[0]
    term1 = np.abs(x - y[None]).mean(axis=0)
    # E|X - X'| for sorted samples: 2 / n^2 * sum_i (2 i - n - 1) x_(i)
    i = np.arange(1, n + 1).reshape((n,) + (1,) * (x.ndim - 1))
    term2 = 2.0 * ((2 * i - n - 1) * x).sum(axis=0) / n**2
    return term1 - 0.5 * term2


def fit_quality(observed, fitted) -> dict[str, float | None]:
    """R^2 and mean absolute percentage error of fitted totals against observed ones.

    The report's in-sample reading of the weekly fit: ``r2 = 1 - SSE / SST`` (SST around
    the observed mean) and ``mape`` the mean of ``|y - f| / |y|`` over the periods with a
    non-zero observation.

    Parameters
    ----------
    observed, fitted : array-like, dims (date,)
        The observed totals and the fitted (predictive mean) totals per period.

    Returns
    -------
    dict
        ``r2`` (None when the observations do not vary) and ``mape`` (a fraction, 0.05 =
        5 %; None when every observation is zero).
    """
    y, f = np.asarray(observed, dtype=float), np.asarray(fitted, dtype=float)
    ss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum((y - f) ** 2)) / ss if ss > 0 else None
    nz = np.abs(y) > 0
    mape = float(np.mean(np.abs((y[nz] - f[nz]) / y[nz]))) if nz.any() else None
    return {"r2": r2, "mape": mape}


def predictive_checks(table: pd.DataFrame) -> pd.DataFrame:
    """In-sample fit of each outcome, read off a :func:`predictive_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`predictive_table` (columns outcome, observed, mean, lower, upper); periods
        without an observation are left out.

    Returns
    -------
    pandas.DataFrame
        One row per outcome (in the table's order): ``n`` (periods with an observation),
        ``r2`` and ``mape`` (:func:`fit_quality` of the observed totals against the
        predicted ``mean``; NaN where undefined) and ``coverage`` (the fraction of
        observations inside the predictive interval, ends included).
    """
    rows = []
    for o, g in table.groupby("outcome", sort=False):
        g = g[g["observed"].notna()]
        y = g["observed"].to_numpy(dtype=float)
        inside = (y >= g["lower"].to_numpy(dtype=float)) & (y <= g["upper"].to_numpy(dtype=float))
        rows.append(
            {
                "outcome": o,
                "n": len(g),
                **fit_quality(y, g["mean"].to_numpy(dtype=float)),
                "coverage": float(inside.mean()) if len(g) else None,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "n", "r2", "mape", "coverage"])


def backtest_averages(folds: list[dict]) -> pd.DataFrame:
    """Scores of a backtest per outcome, over its folds.

    Parameters
    ----------
    folds : list of dict
        The ``folds`` records of ``backtest.json`` (:func:`mmm.backtest.run_backtest`):
        ``outcome``, ``n`` (observations in the test period), ``mape``, ``naive_mape``,
        ``coverage``; a score stored as None (undefined) is left out of its average.

    Returns
    -------
    pandas.DataFrame
        One row per outcome (in the order of first appearance): ``mape`` and
        ``naive_mape``, the plain means over the folds that have them (None when none
        has: NaN in the table), and ``coverage``, the share of all test observations
        inside the interval (each fold's coverage weighted by its ``n``).
    """

    def mean(values) -> float | None:
        v = [float(x) for x in values if x is not None and np.isfinite(float(x))]
        return sum(v) / len(v) if v else None

    rows = []
    for o in dict.fromkeys(r["outcome"] for r in folds):
        mine = [r for r in folds if r["outcome"] == o]
        n = sum(int(r["n"]) for r in mine)
        rows.append(
            {
                "outcome": o,
                "mape": mean(r.get("mape") for r in mine),
                "naive_mape": mean(r.get("naive_mape") for r in mine),
                "coverage": sum(float(r["coverage"]) * int(r["n"]) for r in mine) / n
                if n
                else None,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "mape", "naive_mape", "coverage"])


def forecast_metrics(
    draws: xr.DataArray, observed: xr.DataArray, *, prob: float = 0.9
) -> pd.DataFrame:
    """MAPE, R^2, CRPS and interval coverage per outcome.

    Parameters
    ----------
    draws : xarray.DataArray, dims (sample, date, geo, outcome)
    observed : xarray.DataArray, dims (date, geo, outcome)
        On the same dates, geos and outcomes.
    prob : float
        Interval probability for ``coverage``.

    Returns
    -------
    pandas.DataFrame
        One row per outcome: ``n`` (cells), ``mape`` (fraction), ``r2``, ``crps``
        (outcome units), ``coverage`` (fraction), ``interval``.
    """
    lo, hi = interval_bounds(prob)
    obs = observed.sel(date=draws["date"], geo=draws["geo"], outcome=draws["outcome"])
    rows = []
    for o in draws["outcome"].values:
        x = (
            draws.sel(outcome=o)
            .transpose("sample", "date", "geo")
            .values.reshape(draws.sizes["sample"], -1)
        )
        y = obs.sel(outcome=o).transpose("date", "geo").values.reshape(-1)
        mean = x.mean(axis=0)
        ql, qh = np.quantile(x, [lo, hi], axis=0)
        sst = ((y - y.mean()) ** 2).sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            mape = float(np.mean(np.abs(y - mean) / np.abs(y)))
        rows.append(
            {
                "outcome": str(o),
                "n": int(y.size),
                "mape": mape,
                "r2": float(1 - ((y - mean) ** 2).sum() / sst) if sst > 0 else float("nan"),
                "crps": float(crps_ensemble(x, y).mean()),
                "coverage": float(np.mean((y >= ql) & (y <= qh))),
                "interval": prob,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Backtest:
    """Result of a holdout or rolling-origin backtest.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per (fold, outcome): fold, train_end, test_start, test_end and the
        columns of :func:`forecast_metrics`.
    predictions : list of xarray.DataArray
        Predictive draws on each fold's test dates, dims (sample, date, geo, outcome).
    """

    metrics: pd.DataFrame
    predictions: list


def _fold(dataset, train_end: int, test_end: int, fit_fn, prob, max_draws, seed, fold):
    dates = pd.DatetimeIndex(dataset.dates)
    train = dataset.subset(end=dates[train_end - 1])
    full = dataset.subset(end=dates[test_end - 1])
    fitted = fit_fn(train)
    pred = predict(fitted, full, max_draws=max_draws, seed=seed).isel(
        date=slice(train_end, test_end)
    )
    obs = full.outcomes.sel(outcome=list(fitted.spec.outcome_names))
    m = forecast_metrics(pred, obs, prob=prob)
    m.insert(0, "fold", fold)
    m.insert(1, "train_end", dates[train_end - 1])
    m.insert(2, "test_start", dates[train_end])
    m.insert(3, "test_end", dates[test_end - 1])
    return m, pred


def holdout(
    dataset,
    *,
    fit_fn: Callable,
    test_periods: int,
    prob: float = 0.9,
    max_draws: int | None = 500,
    seed: int = 0,
) -> Backtest:
    """Time-split holdout: fit on all but the last ``test_periods`` dates, predict those.

    Parameters
    ----------
    dataset : Dataset
    fit_fn : callable
        ``fit_fn(train_dataset) -> FitResult``.
    test_periods : int
        Number of final dates held out (>= 1; at least 2 dates must remain to fit).
    prob, max_draws, seed
        Interval probability, posterior thinning, noise seed.

    Returns
    -------
    Backtest
    """
    T = dataset.n_dates
    if not 1 <= test_periods <= T - 2:
        raise ValueError(f"test_periods={test_periods} must be in 1..{T - 2}.")
    m, pred = _fold(dataset, T - test_periods, T, fit_fn, prob, max_draws, seed, 0)
    return Backtest(metrics=m, predictions=[pred])


def rolling_origin(
    dataset,
    *,
    fit_fn: Callable,
    initial: int,
    horizon: int,
    step: int | None = None,
    prob: float = 0.9,
    max_draws: int | None = 500,
    seed: int = 0,
) -> Backtest:
    """Rolling-origin backtest: expanding training windows, each followed by a test window.

    Fold ``i`` trains on the first ``initial + i * step`` dates and predicts the next
    ``horizon`` dates; folds continue while a full test window fits in the data.

    Parameters
    ----------
    dataset : Dataset
    fit_fn : callable
        ``fit_fn(train_dataset) -> FitResult``.
    initial : int
        Training dates of the first fold (>= 2).
    horizon : int
        Test dates per fold (>= 1).
    step : int, optional
        Dates added to training between folds (default ``horizon``).
    prob, max_draws, seed

    Returns
    -------
    Backtest
        ``metrics`` has one row per (fold, outcome).
    """
    step = horizon if step is None else step
    T = dataset.n_dates
    if initial < 2 or horizon < 1 or step < 1 or initial + horizon > T:
        raise ValueError(
            f"initial={initial}, horizon={horizon}, step={step} do not fit {T} dates "
            "(need initial >= 2, horizon >= 1, step >= 1, initial + horizon <= dates)."
        )
    metrics, preds = [], []
    for fold, tr in enumerate(range(initial, T - horizon + 1, step)):
        m, p = _fold(dataset, tr, tr + horizon, fit_fn, prob, max_draws, seed, fold)
        metrics.append(m)
        preds.append(p)
    return Backtest(metrics=pd.concat(metrics, ignore_index=True), predictions=preds)


def in_sample_metrics(fit, *, prob: float = 0.9, max_draws: int | None = 500, seed: int = 0):
    """:func:`forecast_metrics` of the posterior predictive on the fitted data itself.

    Parameters
    ----------
    fit : FitResult
    prob : float, default 0.9
        Interval probability for ``coverage``, in (0, 1).
    max_draws : int or None, default 500
        Thin the posterior to at most this many draws (None: all).
    seed : int, default 0
        Seed of the observation noise of the predictive draws.

    Returns
    -------
    pandas.DataFrame
        One row per outcome, columns as in :func:`forecast_metrics`: ``outcome``, ``n``
        (date x geo cells), ``mape`` (fraction), ``r2``, ``crps`` (outcome units; lower
        is better), ``coverage`` (fraction of observations inside the interval),
        ``interval``. In-sample, so optimistic compared with :func:`holdout`.
    """
    pred = predict(fit, fit.dataset, max_draws=max_draws, seed=seed)
    obs = fit.dataset.outcomes.sel(outcome=list(fit.spec.outcome_names))
    return forecast_metrics(pred, obs, prob=prob)


def predictive_table(
    fit, *, prob: float = 0.9, max_draws: int | None = 500, seed: int = 0
) -> pd.DataFrame:
    """Observed outcomes beside the model's posterior-predictive interval, per date.

    The table behind the report's posterior-predictive chart; the draws themselves are
    :func:`mmm.analysis.engine.posterior_predictive`.

    Parameters
    ----------
    fit : FitResult
    prob : float
        Central interval probability of the predictive interval.
    max_draws : int or None
    seed : int
        Seed of the observation noise.

    Returns
    -------
    pandas.DataFrame
        Columns date, outcome, observed, mean, median, lower, upper, interval: national
        totals (geos summed) in original units; ``mean`` is the expected outcome, the
        interval is of the predictive draws (observation noise included), so about
        ``prob`` of the observed values lie inside it when the model fits.
    """
    from mmm.analysis.summary import summarize_draws

    mu = predict(fit, fit.dataset, noise=False, max_draws=max_draws)
    # the noise predict(noise=True, seed=seed) adds, on the same mean (one pass of the model)
    rng = np.random.default_rng(seed)
    noisy = mu.copy(data=observation_draws(fit, mu.values, draw_index(fit, max_draws), rng))
    df = summarize_draws(noisy.sum("geo"), prob=prob)
    df["mean"] = summarize_draws(mu.sum("geo"), prob=prob)["mean"].to_numpy()
    obs = fit.dataset.outcomes.sum("geo", min_count=1).to_series()
    obs.index = obs.index.set_names(["date", "outcome"])
    df = df.join(obs.rename("observed"), on=["date", "outcome"])
    return df[["date", "outcome", "observed", "mean", "median", "lower", "upper", "interval"]]


def beats_flat(fold: dict) -> bool:
    """Whether a backtest fold's forecast erred less than the flat forecast.

    Parameters
    ----------
    fold : dict
        A ``folds`` record of ``backtest.json`` (``mape``, ``naive_mape``).

    Returns
    -------
    bool
        True when its ``mape`` is below its ``naive_mape`` (the error of a forecast flat
        at the training average); False when either is missing or not finite.
    """
    a, b = fold.get("mape"), fold.get("naive_mape")
    if a is None or b is None or not (np.isfinite(float(a)) and np.isfinite(float(b))):
        return False
    return float(a) < float(b)
