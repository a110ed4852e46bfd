"""A frequentist sanity check: OLS and GLSAR with the model's transforms at fixed shapes.

For each outcome, the scaled outcome is regressed on a geo intercept, the linear trend
(and changepoint basis), the Fourier terms, the scaled controls, the scaled mediator and
one media regressor per series. Media regressors use the model's saturation family at
its prior-median shape (Hill: half-saturation at the series' typical spend) and
geometric carry-over (the stages' ``l_max``) with one retention rate per funnel stage,
chosen from a grid by the smallest residual sum of squares. GLSAR then refits the chosen
design with AR(1) errors.

A series' direct return per currency unit is ``coef * sum_{t,g} f * outcome_scale /
spend``, with the coefficient's confidence interval carried through. Wide or negative
intervals are a sign that the data alone cannot separate the channels, which is where the
Bayesian priors and pooling do their work.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from mmm.names import AWARENESS, CONVERSION

DEFAULT_DECAYS = tuple(np.round(np.arange(0.0, 0.95, 0.1), 2))


@dataclass(frozen=True)
class FrequentistResult:
    """OLS / GLSAR estimates at the best carry-over on the grid.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (outcome, series, method): ``roas``, ``lower``, ``upper`` (direct
        return per currency unit and its confidence interval), ``alpha_awareness``,
        ``alpha_conversion`` (chosen retention rates), ``r2`` of the regression.
    grid : pandas.DataFrame
        ``outcome``, ``alpha_awareness``, ``alpha_conversion``, ``sse`` (scaled units),
        ``aic`` for every grid point.
    residuals : xarray.DataArray, dims (date, geo, outcome)
        OLS residuals at the chosen grid point, original units.
    """

    table: pd.DataFrame
    grid: pd.DataFrame
    residuals: xr.DataArray


def _prior_median(d: dict) -> float:
    """Median of a prior as the spec writes it (through :func:`mmm.analysis.priors.scipy_prior`).

    The median, not the mean: the half-saturation prior is log-normal (median 1, the
    series' typical spend; its mean is pulled up by the right tail)."""
    from mmm.analysis.priors import scipy_prior

    return float(scipy_prior(d).median())


def media_features(fit, alphas: dict[str, float]) -> np.ndarray:
    """Media regressors ``f`` at fixed shapes, dims (date, geo, series), scaled units.

    Parameters
    ----------
    fit : FitResult
    alphas : dict
        Geometric retention rate per stage (``awareness``, ``conversion``), in [0, 1).

    Returns
    -------
    numpy.ndarray, dims (date, geo, series)
        Geometric carry-over (normalised weights over each stage's ``l_max`` lags) of
        the spend divided by ``fit.design.spend_scale``, then the spec's saturation at
        its prior-median shape: the model's media response ``f`` in scaled units
        (non-negative; e.g. in [0, 1) for Hill), on the fitted dates.
    """
    from mmm.transforms import geometric_weights
    from mmm.transforms.response import media_response

    ds = fit.dataset
    x = np.asarray(ds.spend.values, dtype=float) / fit.design.spend_scale
    stages = [str(s) for s in ds.series_stage]
    L = max(st.l_max for _, st in fit.spec.media.stages)
    w = np.zeros((len(stages), L))
    for j, st in enumerate(stages):
        lm = fit.spec.stage(st).l_max
        w[j, :lm] = geometric_weights(alphas[st], l_max=lm)
    sat = fit.spec.saturation_transform()
    shape = {p: _prior_median(d) for p, d in sat.default_priors().items()}
    return media_response(x, w, shape, sat, xp=np)


def _base_columns(fit) -> tuple[np.ndarray, list[str]]:
    """Non-media regressors, dims (date, geo, column)."""
    de, ds, spec = fit.design, fit.dataset, fit.spec
    dates = pd.DatetimeIndex(ds.dates)
    T, G = len(dates), len(ds.geos)
    cols, names = [], []
    for g, geo in enumerate(ds.geos):
        c = np.zeros((T, G))
        c[:, g] = 1.0
        cols.append(c)
        names.append(f"intercept[{geo}]")
    if spec.baseline.trend != "none":
        cols.append(np.repeat((de.time_index(dates) - 0.5)[:, None], G, axis=1))
        names.append("trend")
    if spec.baseline.trend == "piecewise":
        tb = de.trend_basis(dates)
        for j in range(tb.shape[1]):
            cols.append(np.repeat(tb[:, j : j + 1], G, axis=1))
            names.append(f"changepoint_{j}")
    fo = de.fourier(dates)
    for j in range(fo.shape[1]):
        cols.append(np.repeat(fo[:, j : j + 1], G, axis=1))
        names.append(f"fourier_{j}")
    if de.control_names:
        z = de.scale_controls(ds.controls.sel(control=list(de.control_names)).values.astype(float))
        for j, n in enumerate(de.control_names):
            cols.append(z[:, :, j])
            names.append(n)
    if spec.mediator is not None:
        cols.append(ds.outcomes.sel(outcome=spec.mediator).values / de.mediator_scale)
        names.append(spec.mediator)
    return np.stack(cols, axis=-1), names


def _flat(a: np.ndarray) -> np.ndarray:
    """(date, geo, ...) -> (geo * date, ...) with each geo's dates contiguous."""
    a = np.swapaxes(a, 0, 1)
    return a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])


def _return_rows(ds, o: str, method: str, rr, nb: int, fac: np.ndarray, a: dict, prob: float):
    """One row per series: the return on ``o`` from one regression's media coefficients
    (after the ``nb`` baseline columns) times ``fac`` (effect per unit coefficient per unit
    spend), with its interval."""
    ci = np.asarray(rr.conf_int(alpha=1 - prob))
    params = np.asarray(rr.params)
    return [
        {
            "outcome": o,
            "series": s,
            "channel": str(ds.spend.coords["channel"].values[j]),
            "audience": str(ds.spend.coords["audience"].values[j]),
            "method": method,
            "roas": params[nb + j] * fac[j],
            "lower": ci[nb + j, 0] * fac[j],
            "upper": ci[nb + j, 1] * fac[j],
            "alpha_awareness": a.get(AWARENESS, np.nan),
            "alpha_conversion": a.get(CONVERSION, np.nan),
            "r2": float(rr.rsquared),
        }
        for j, s in enumerate(ds.series)
    ]


def frequentist_baseline(
    fit,
    *,
    decays=DEFAULT_DECAYS,
    prob: float = 0.9,
    glsar: bool = True,
) -> FrequentistResult:
    """OLS (and GLSAR) estimates of each series' direct return, on the fit's data.

    Parameters
    ----------
    fit : FitResult
        Supplies the data, the spec (transforms, trend, seasonality, mediator) and the
        scaling; its posterior is not used.
    decays : sequence of float
        Grid of geometric retention rates, tried for each funnel stage (all pairs).
    prob : float
        Confidence level of the intervals.
    glsar : bool
        Also fit GLSAR with AR(1) errors at the chosen rates.

    Returns
    -------
    FrequentistResult
    """
    import statsmodels.api as sm

    ds, de = fit.dataset, fit.design
    base, _ = _base_columns(fit)
    stages = [str(s) for s in ds.series_stage]
    present = [s for s in (AWARENESS, CONVERSION) if s in stages]
    spend = np.asarray(ds.spend.values, dtype=float).sum(axis=0)  # (geo, series)
    combos = [
        dict(zip(present, c, strict=True))
        for c in itertools.product(*[list(decays)] * len(present))
    ]
    feats = [media_features(fit, {**{AWARENESS: 0.0, CONVERSION: 0.0}, **a}) for a in combos]
    grid_rows, table_rows = [], []
    resid = np.zeros((len(ds.dates), len(ds.geos), len(fit.spec.outcome_names)))
    for k, o in enumerate(fit.spec.outcome_names):
        ys = de.outcome_scale[:, k]  # (geo,)
        y = _flat(ds.outcomes.sel(outcome=o).values / ys[None])
        best: tuple | None = None
        for a, f in zip(combos, feats, strict=True):
            X = np.concatenate([_flat(base), _flat(f)], axis=1)
            res = sm.OLS(y, X).fit()
            grid_rows.append(
                {
                    "outcome": o,
                    "alpha_awareness": a.get(AWARENESS, np.nan),
                    "alpha_conversion": a.get(CONVERSION, np.nan),
                    "sse": float(res.ssr),
                    "aic": float(res.aic),
                }
            )
            if best is None or res.ssr < best[0].ssr:
                best = (res, a, f, X)
        assert best is not None  # the grid is never empty
        res, a, f, X = best
        r = (y - res.fittedvalues).reshape(len(ds.geos), len(ds.dates)).T
        resid[:, :, k] = r * ys[None]
        fits = [("ols", res)]
        if glsar:
            fits.append(("glsar", sm.GLSAR(y, X, rho=1).iterative_fit(maxiter=20)))
        nb = base.shape[-1]
        # contribution per unit coefficient, original units: sum_{t,g} f * ys_g
        unit = (f * ys[None, :, None]).sum(axis=(0, 1))  # (series,)
        tot_spend = spend.sum(axis=0)
        fac = np.array([u / t if t > 0 else np.nan for u, t in zip(unit, tot_spend, strict=True)])
        for method, rr in fits:
            table_rows += _return_rows(ds, o, method, rr, nb, fac, a, prob)
    residuals = xr.DataArray(
        resid,
        dims=("date", "geo", "outcome"),
        coords={"date": ds.dates, "geo": list(ds.geos), "outcome": list(fit.spec.outcome_names)},
        name="residual",
    )
    return FrequentistResult(
        table=pd.DataFrame(table_rows), grid=pd.DataFrame(grid_rows), residuals=residuals
    )


def intervals_overlap(lower, upper, other_lower, other_upper, *, rel_tol: float = 0.0) -> bool:
    """Whether two intervals share a value (the ends count), with a relative tolerance.

    Parameters
    ----------
    lower, upper : float or None
        The first interval (e.g. the model's, as stored in ``summary.json``).
    other_lower, other_upper : float
        The second interval (e.g. the regression's).
    rel_tol : float, default 0.0
        The first interval is widened on each side by ``rel_tol`` times the larger of
        its ends' magnitudes (stored numbers are rounded: 6 significant digits round by up
        to ``5e-6`` relative).

    Returns
    -------
    bool
        False when an end of the first interval is missing or not finite.
    """
    ends = (lower, upper)
    if any(e is None or not np.isfinite(float(e)) for e in ends):
        return False
    lo, hi = float(lower), float(upper)
    tol = rel_tol * max(abs(lo), abs(hi))
    return bool(float(other_lower) <= hi + tol and lo - tol <= float(other_upper))


def compare_estimates(
    fit, freq: FrequentistResult, *, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Bayesian direct returns beside the OLS / GLSAR ones.

    Parameters
    ----------
    fit : FitResult
        The Bayesian fit (summarised with :func:`mmm.analysis.returns.roas_table` over
        all fitted dates, summed over geos).
    freq : FrequentistResult
        From :func:`frequentist_baseline` on the same fit.
    prob : float, default 0.9
        Probability of the Bayesian central interval, in (0, 1); the frequentist
        intervals keep the level they were computed with.
    max_draws : int or None, default 1000
        Thin the posterior to at most this many draws (None: all).

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, series): ``bayes_median``, ``bayes_lower``,
        ``bayes_upper`` (direct path) and ``<method>_roas``, ``<method>_lower``,
        ``<method>_upper`` for each frequentist method; returns per currency unit.
        Also ``channel`` and ``audience``; frequentist columns are NaN where ``freq``
        has no row for the (outcome, series).
    """
    from mmm.analysis.returns import roas_table

    b = roas_table(fit, prob=prob, max_draws=max_draws)
    b = b[b["path"] == "direct"][
        ["outcome", "series", "channel", "audience", "median", "lower", "upper"]
    ]
    b = b.rename(columns={"median": "bayes_median", "lower": "bayes_lower", "upper": "bayes_upper"})
    wide = freq.table.pivot_table(
        index=["outcome", "series"], columns="method", values=["roas", "lower", "upper"]
    )
    wide.columns = [f"{m}_{v}" for v, m in wide.columns]
    return b.merge(wide.reset_index(), on=["outcome", "series"], how="left").reset_index(drop=True)


#: Returns of count outcomes are compared per this many currency units (a regression's
#: estimate per single unit is a tiny number, and may be at or below zero).
PER_COUNT = 1000.0


def per_spend(x, kind: str) -> float | None:
    """A return per currency unit in the unit the comparison shows it in.

    Parameters
    ----------
    x : float or None
        Outcome per currency unit of spend.
    kind : str
        ``"revenue"``: per 1 currency unit (unchanged); otherwise (counts) per
        :data:`PER_COUNT` units.

    Returns
    -------
    float or None
        None when ``x`` is missing or not finite.
    """
    if x is None or not np.isfinite(float(x)):
        return None
    return float(x) * (1.0 if kind == "revenue" else PER_COUNT)


def negative_estimates(table: pd.DataFrame) -> dict[str, int]:
    """Per outcome, how many lines the regression gives a return below zero.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`FrequentistResult.table` (columns ``outcome``, ``roas``).

    Returns
    -------
    dict of str -> int
        Outcome -> number of negative estimates, in order of first appearance.
    """
    neg = table["roas"].lt(0).groupby(table["outcome"], sort=False).sum()
    return {str(o): int(n) for o, n in neg.items()}
