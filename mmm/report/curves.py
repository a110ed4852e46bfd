"""Response curves for the report: from :mod:`mmm.analysis` when it provides them.

The analysis package may offer a ``response_curves(fit, ...)`` function returning a tidy
table (outcome, channel, audience, spend, median / mean, lower, upper). When it does not,
the report computes simple curves itself with the counterfactual engine (each series' spend
pattern scaled up and down) and says so in a note.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd

CANDIDATES = (
    ("mmm.analysis.curves", "response_curves"),
    ("mmm.analysis.response", "response_curves"),
    ("mmm.analysis", "response_curves"),
)
MULTIPLIERS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MAX_DRAWS = 300


def find_analysis_function(candidates=CANDIDATES):
    """The first importable ``module.function`` among ``candidates``, or None."""
    for mod, name in candidates:
        try:
            m = importlib.import_module(mod)
        except ImportError:
            continue
        fn = getattr(m, name, None)
        if callable(fn):
            return fn
    return None


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Map a curve table onto outcome, channel, audience, spend, median, lower, upper."""
    df = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df.copy()
    if "median" not in df and "mean" in df:
        df["median"] = df["mean"]
    if ("channel" not in df or "audience" not in df) and "series" in df:
        parts = df["series"].astype(str).str.split("|", n=1, expand=True)
        df["channel"], df["audience"] = parts[0], parts[1] if parts.shape[1] > 1 else "all"
    need = {"outcome", "channel", "audience", "spend", "median", "lower", "upper"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"curve table lacks columns {sorted(missing)}")
    return df[sorted(need)]


def engine_curves(fit, *, prob: float, max_draws: int = 200, multipliers=MULTIPLIERS):
    """Outcome over the fitted period vs total spend, scaling each series' observed pattern.

    Returns
    -------
    pandas.DataFrame
        outcome, channel, audience, spend (currency), median, lower, upper (original units).
    """
    from mmm.analysis.engine import contributions

    ds = fit.dataset
    base = np.asarray(ds.spend.values, dtype=float)
    spend_tot = base.sum(axis=(0, 1))  # series
    ch = [str(v) for v in ds.spend.coords["channel"].values]
    au = [str(v) for v in ds.spend.coords["audience"].values]
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    rows = []
    for m in multipliers:
        if m == 0:
            for o in fit.spec.outcome_names:
                for j in range(len(ch)):
                    rows.append((o, ch[j], au[j], 0.0, 0.0, 0.0, 0.0))
            continue
        c = contributions(fit, spend=base * m, max_draws=max_draws).sum(("date", "geo", "path"))
        for o in fit.spec.outcome_names:
            v = np.asarray(c.sel(outcome=o).values, dtype=float)  # sample, series
            med, lw, up = np.median(v, 0), np.quantile(v, lo, 0), np.quantile(v, hi, 0)
            for j in range(len(ch)):
                rows.append((o, ch[j], au[j], m * spend_tot[j], med[j], lw[j], up[j]))
    return pd.DataFrame(
        rows, columns=["outcome", "channel", "audience", "spend", "median", "lower", "upper"]
    )


def _from_dataset(curves, prob: float) -> pd.DataFrame:
    """Tidy quantiles of an analysis ``response_curves`` Dataset (spend, contribution)."""
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    c = curves["contribution"].transpose("sample", "outcome", "series", "point")
    v = np.asarray(c.values, dtype=float)
    med, lw, up = np.median(v, 0), np.quantile(v, lo, 0), np.quantile(v, hi, 0)
    sp = np.asarray(curves["spend"].transpose("series", "point").values, dtype=float)
    ch = [str(x) for x in c.coords["channel"].values]
    au = [str(x) for x in c.coords["audience"].values]
    rows = []
    for i, o in enumerate(str(x) for x in c.coords["outcome"].values):
        for j in range(len(ch)):
            for k in range(sp.shape[1]):
                rows.append((o, ch[j], au[j], sp[j, k], med[i, j, k], lw[i, j, k], up[i, j, k]))
    return pd.DataFrame(
        rows, columns=["outcome", "channel", "audience", "spend", "median", "lower", "upper"]
    )


def _points(module, curves, prob: float, revenue_outcomes) -> dict:
    """(outcome, channel, audience) -> quantity -> {median, lower, upper}, when available."""
    fn = getattr(module, "curve_points", None)
    if fn is None:
        return {}
    df = fn(curves, prob=prob, revenue_outcomes=tuple(revenue_outcomes))
    out: dict = {}
    for r in df.itertuples():
        key = (str(r.outcome), str(r.channel), str(r.audience))
        out.setdefault(key, {})[str(r.quantity)] = {
            "median": r.median,
            "lower": r.lower,
            "upper": r.upper,
        }
    return out


def response_curves(fit, *, prob: float, revenue_outcomes=()):
    """Curves, marked points and a note saying where they came from.

    Returns
    -------
    (DataFrame or None, dict, str)
        Tidy curve table (outcome, channel, audience, spend, median, lower, upper);
        per-curve points (``diminishing_spend``, ``marginal_at_current``, ...) when the
        analysis module provides them; a note for the reader.
    """
    fn = find_analysis_function()
    if fn is not None:
        try:
            try:
                res = fn(
                    fit, multipliers=np.round(np.linspace(0.0, 2.5, 26), 10), max_draws=MAX_DRAWS
                )
            except TypeError:
                res = fn(fit)
            if hasattr(res, "data_vars") and "contribution" in res:
                df = _from_dataset(res, prob)
                try:
                    with warnings.catch_warnings():
                        # break-even is undefined (all NaN) for count outcomes
                        warnings.simplefilter("ignore", RuntimeWarning)
                        points = _points(
                            importlib.import_module(fn.__module__), res, prob, revenue_outcomes
                        )
                except Exception:  # noqa: BLE001 - the markers are optional
                    points = {}
            else:
                df, points = _normalise(pd.DataFrame(res)), {}
            note = (
                "Each curve scales that line's spend in every period (keeping its timing) and "
                "shows the total effect over the fitted period."
            )
            if points:
                note += (
                    " The open triangle marks the point of diminishing returns: beyond it, "
                    "each extra euro brings back less than half of what the first euros did."
                )
            return df, points, note
        except Exception as exc:  # noqa: BLE001 - the report degrades, it does not fail
            reason = f"the analysis module's response curves could not be used ({exc})"
    else:
        reason = "this version of the analysis module does not provide response curves"
    try:
        df = engine_curves(fit, prob=prob)
    except Exception as exc:  # noqa: BLE001
        return (
            None,
            {},
            (f"Response curves are not available: {reason}; computing them failed ({exc})."),
        )
    return (
        df,
        {},
        (
            f"Note: {reason}, so these curves were computed by the report itself: each channel's "
            "observed week-by-week spend pattern is scaled from 0 to 2x, and the curve shows the "
            "total effect over the fitted period. Marginal returns and the point of diminishing "
            "returns are not marked."
        ),
    )
