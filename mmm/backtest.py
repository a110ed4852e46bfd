"""Out-of-sample check of a run: refit on its early weeks, predict the weeks held back.

``mmm backtest RUN_DIR --holdout 13`` (or ``--initial``/``--horizon``/``--step`` for
rolling origins) reads the run's saved spec, data and sampler settings, refits on each
training window with :func:`mmm.inference.fit` (the same model and seed as the run) and
scores the predictions of the held-back weeks with
:func:`mmm.analysis.validation.forecast_metrics` (MAPE, R², CRPS, interval coverage).
Beside the model it scores a flat forecast at each geo's training mean, so a planner can
see what the model adds. The result is written into the run folder as ``backtest.json``
and ``backtest.csv``; the report shows it when present.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.run_folder import BACKTEST_FILE, RunFolder

__all__ = ["run_backtest", "BACKTEST_FILE"]


def _naive_mape(dataset, outcome: str, train_end, test_start, test_end) -> float:
    """MAPE of a flat forecast of ``outcome`` at each geo's mean over the training dates."""
    y = dataset.outcomes.sel(outcome=outcome)
    dates = pd.DatetimeIndex(dataset.dates)
    train = y.isel(date=np.flatnonzero(dates <= train_end))
    test = y.isel(date=np.flatnonzero((dates >= test_start) & (dates <= test_end)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((abs(test - train.mean("date")) / abs(test)).mean(("date", "geo")))


def _experiments_before(experiments, last_train_date):
    """Lift tests whose read-out ends within the training window (others cannot be read)."""
    if experiments is None:
        return None, 0
    end = experiments["readout_end"].fillna(experiments["end"])
    keep = experiments[end <= last_train_date]
    return (keep if len(keep) else None), int(len(experiments) - len(keep))


def _is_rolling(holdout, initial, horizon) -> bool:
    """Whether the backtest uses rolling origins (else one holdout); a ConfigError when the
    options give neither or both."""
    from mmm.errors import ConfigError

    rolling = initial is not None or horizon is not None
    if (holdout is None) == (not rolling):
        raise ConfigError(
            "backtest: give either --holdout N or --initial N with --horizon H (rolling origins)."
        )
    if rolling and (initial is None or horizon is None):
        raise ConfigError("backtest: rolling origins need both --initial and --horizon.")
    return rolling


def _fold_table(metrics: pd.DataFrame, ds, fits: list) -> pd.DataFrame:
    """The folds' metrics with the naive forecast's error and each refit's diagnostics,
    dates as ISO strings."""
    m = metrics.copy()
    m["naive_mape"] = [
        _naive_mape(ds, r.outcome, r.train_end, r.test_start, r.test_end) for r in m.itertuples()
    ]
    m["divergences"] = [fits[int(f)].diagnostics.divergences for f in m["fold"]]
    m["max_rhat"] = [fits[int(f)].diagnostics.max_rhat for f in m["fold"]]
    for c in ("train_end", "test_start", "test_end"):
        m[c] = pd.to_datetime(m[c]).dt.strftime("%Y-%m-%d")
    return m


def run_backtest(
    run_dir,
    *,
    holdout: int | None = None,
    initial: int | None = None,
    horizon: int | None = None,
    step: int | None = None,
    draws: int | None = None,
    tune: int | None = None,
    max_draws: int | None = 500,
    refit=None,
    log=None,
) -> dict:
    """Backtest the run in ``run_dir`` and write ``backtest.json`` / ``backtest.csv`` there.

    Parameters
    ----------
    run_dir : path-like
        Run folder written by ``mmm fit``.
    holdout : int, optional
        Hold back the last ``holdout`` periods (one fold).
    initial, horizon, step : int, optional
        Rolling origins instead: the first fold trains on ``initial`` periods and predicts
        the next ``horizon``; each later fold adds ``step`` periods (default ``horizon``).
    draws, tune : int, optional
        Override the run's sampler settings for the refits (e.g. shorter for a quick check).
    max_draws : int or None
        Posterior draws used for the predictive distribution.
    refit : callable, optional
        ``refit(spec, train_dataset, sampler, experiments) -> FitResult``; default
        :func:`mmm.inference.fit` (a custom one, e.g. fixed known parameters, checks the
        scoring on its own).
    log : callable, optional
        Called with one line of text before each refit.

    Returns
    -------
    dict
        What ``backtest.json`` holds: ``kind`` (``"holdout"`` or ``"rolling"``),
        ``settings``, ``sampler``, ``folds`` (one record per fold and outcome: fold,
        train_end, test_start, test_end, n, mape, r2, crps, coverage, interval,
        naive_mape, divergences, max_rhat), ``experiments_left_out``, and the run's
        ``data_fingerprint`` and ``spec_hash``.

    Raises
    ------
    ConfigError
        Neither or both of ``holdout`` and ``initial``/``horizon`` given, or windows that
        do not fit the data.
    """
    from mmm.analysis.validation import holdout as _holdout
    from mmm.analysis.validation import rolling_origin
    from mmm.errors import ConfigError, ConvergenceWarning
    from mmm.inference import FitResult
    from mmm.inference import fit as _fit

    rolling = _is_rolling(holdout, initial, horizon)
    run_dir = Path(run_dir)
    RunFolder(run_dir).require_fit()
    base = FitResult.load(run_dir)
    sampler = replace(
        base.sampler,
        draws=base.sampler.draws if draws is None else int(draws),
        tune=base.sampler.tune if tune is None else int(tune),
        progress=False,
    )
    log = log or (lambda _line: None)
    fits, left_out = [], []

    def fit_fn(train):
        import warnings

        ex, n_out = _experiments_before(base.experiments, train.dates[-1])
        left_out.append(n_out)
        log(
            f"refitting on {train.dates[0]:%Y-%m-%d}..{train.dates[-1]:%Y-%m-%d} "
            f"({train.n_dates} periods) ..."
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if refit is None:
                f = _fit(base.spec, train, sampler=sampler, warn=False, experiments=ex)
            else:
                f = refit(base.spec, train, sampler, ex)
        fits.append(f)
        return f

    ds = base.dataset
    try:
        if rolling:
            assert initial is not None and horizon is not None  # checked above
            bt = rolling_origin(
                ds,
                fit_fn=fit_fn,
                initial=int(initial),
                horizon=int(horizon),
                step=step,
                max_draws=max_draws,
                seed=sampler.seed,
            )
            settings = {
                "initial": int(initial),
                "horizon": int(horizon),
                "step": int(step if step is not None else horizon),
            }
        else:
            assert holdout is not None  # checked above
            bt = _holdout(
                ds, fit_fn=fit_fn, test_periods=int(holdout), max_draws=max_draws, seed=sampler.seed
            )
            settings = {"holdout": int(holdout)}
    except ValueError as exc:
        if fits or isinstance(exc, ConfigError):
            raise
        # raised before any refit: the windows do not fit the data
        raise ConfigError(f"backtest of {run_dir}: {exc}") from exc
    m = _fold_table(bt.metrics, ds, fits)
    out = {
        "kind": "rolling" if rolling else "holdout",
        "settings": settings,
        "sampler": sampler.to_dict(),
        "folds": json.loads(m.to_json(orient="records")),
        "experiments_left_out": int(max(left_out, default=0)),
        # the run this backtest belongs to: a refit into the same folder makes it stale
        "data_fingerprint": ds.fingerprint,
        "spec_hash": base.spec.hash(),
    }
    RunFolder(run_dir).write_backtest(out, m)
    return out
