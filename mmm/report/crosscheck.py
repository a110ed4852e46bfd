"""The report's cross-checks: a plain regression beside the model, and the backtest.

A planner should see whether a simple, assumption-light method points the same way, and
how well the model predicts weeks it has not seen. The regression is
:func:`mmm.analysis.frequentist.frequentist_baseline` (OLS on the fit's own data and
transforms, carry-over rates chosen on a grid); it is computed from the saved fit's data
when the report is built, so it needs no extra file in the run folder. The backtest is
read from ``backtest.json`` (written by ``mmm backtest``) when present.
"""

from __future__ import annotations

from mmm.analysis.frequentist import PER_COUNT, negative_estimates, per_spend
from mmm.analysis.validation import backtest_averages, beats_flat
from mmm.report import fmt
from mmm.run_summary import RunSummary

ROUND_TOL = 1e-5  # summary.json keeps 6 significant digits: relative rounding up to 5e-6


def crosscheck_context(fit, summary: RunSummary, *, kinds: dict, currency: str) -> dict | None:
    """Rows and sentences of the cross-check section; None when the fit has no media.

    Parameters
    ----------
    fit : FitResult
        Supplies the data, spec and scaling (its posterior is not used here).
    summary : RunSummary
        ``summary.json``: the model's direct-path records (``geo`` ``"all"``).
    kinds : dict
        Outcome name -> ``"revenue"`` or ``"count"``.
    currency : str

    Returns
    -------
    dict or None
        ``rows`` (one per outcome and media line: the model's median and interval and the
        regression's estimate and interval as display strings, ``overlap``: whether the
        two intervals share a value, ``negative``: whether the regression's estimate is
        below zero), ``outcomes`` (per outcome: unit, chosen carry-over rates, R², number
        of lines whose intervals overlap), ``prob``.
    """
    from mmm.analysis.frequentist import frequentist_baseline, intervals_overlap

    if not len(fit.dataset.series):
        return None
    prob = summary.interval
    ols = frequentist_baseline(fit, prob=prob, glsar=False).table
    negative = negative_estimates(ols)
    model = {(r.outcome, r.channel, r.audience): r for r in summary.returns(path="direct")}
    rows, outcomes = [], []
    for o in fit.spec.outcome_names:
        kind = kinds.get(o, "count")
        revenue = kind == "revenue"

        def show(x, kind=kind):
            v = per_spend(x, kind) if fmt.is_number(x) else None
            return "–" if v is None else fmt.ratio(v)

        sub = ols[ols["outcome"] == o]
        n_overlap = 0
        for r in sub.itertuples():
            m = model.get((o, r.channel, r.audience))
            lo, hi = (m.lower, m.upper) if m else (None, None)
            overlap = intervals_overlap(lo, hi, r.lower, r.upper, rel_tol=ROUND_TOL)
            n_overlap += bool(overlap)
            rows.append(
                {
                    "outcome": o,
                    "channel": r.channel,
                    "audience": r.audience,
                    "model": show(m.median if m else None),
                    "model_range": fmt.interval_short(lo, hi, show),
                    "ols": show(r.roas),
                    "ols_range": fmt.interval_short(r.lower, r.upper, show),
                    "overlap": bool(overlap),
                    "negative": bool(r.roas < 0),
                }
            )
        first = sub.iloc[0] if len(sub) else None
        outcomes.append(
            {
                "name": o,
                "unit": f"{fmt.pretty(o)} per {currency}1"
                if revenue
                else f"{fmt.pretty(o)} per {currency}{PER_COUNT:,.0f}",
                "r2": fmt.pct(first["r2"], 1) if first is not None else "–",
                "alpha_awareness": first["alpha_awareness"] if first is not None else None,
                "alpha_conversion": first["alpha_conversion"] if first is not None else None,
                "n_overlap": n_overlap,
                "n": len(sub),
                "n_negative": negative.get(o, 0),
            }
        )
    return {"rows": rows, "outcomes": outcomes, "prob": prob}


def backtest_context(backtest: dict | None) -> dict | None:
    """Rows and sentences of the out-of-sample section; None without ``backtest.json``.

    Parameters
    ----------
    backtest : dict or None
        ``backtest.json`` as written by :func:`mmm.backtest.run_backtest`.

    Returns
    -------
    dict or None
        ``rows`` (one per fold and outcome, display strings), ``lines`` (one plain-words
        sentence per outcome: :func:`mmm.analysis.validation.backtest_averages` over the
        folds), ``kind``, ``n_folds``, ``interval``,
        ``experiments_left_out``.
    """
    if not backtest or not backtest.get("folds"):
        return None
    folds = backtest["folds"]
    interval = float(folds[0].get("interval", 0.9))
    rows = [
        {
            "fold": int(r["fold"]) + 1,
            "outcome": r["outcome"],
            "train_end": r["train_end"],
            "test": f"{r['test_start']} to {r['test_end']}",
            "mape": fmt.pct(r["mape"], 1),
            "naive_mape": fmt.pct(r["naive_mape"], 1),
            "r2": f"{r['r2']:.2f}" if fmt.is_number(r["r2"]) else "–",
            "crps": fmt.count(r["crps"]),
            "coverage": fmt.pct(r["coverage"]),
            "beats_flat": beats_flat(r),
        }
        for r in folds
    ]
    lines = [
        f"{fmt.pretty(a.outcome).capitalize()}: the forecast was off by {fmt.pct(a.mape, 1)} "
        f"on average (a flat forecast at the training average: {fmt.pct(a.naive_mape, 1)}); "
        f"{fmt.pct(a.coverage)} of the actual values fell inside the model's "
        f"{fmt.pct(interval)} range (about {fmt.pct(interval)} is right)."
        for a in backtest_averages(folds).itertuples()
    ]
    return {
        "rows": rows,
        "lines": lines,
        "kind": backtest.get("kind", "holdout"),
        "n_folds": len({r["fold"] for r in folds}),
        "interval": fmt.pct(interval),
        "experiments_left_out": int(backtest.get("experiments_left_out", 0)),
    }
