"""The report's cross-check section: the model's direct returns beside a plain regression.

A planner should see whether a simple, assumption-light method points the same way. The
regression is :func:`mmm.analysis.frequentist.frequentist_baseline` (OLS on the fit's own
data and transforms, carry-over rates chosen on a grid); it is computed from the saved
fit's data when the report is built, so it needs no extra file in the run folder.
"""

from __future__ import annotations

from mmm.report import fmt

PER = 1000.0  # counts are shown per 1,000 currency units: a regression's estimate may be <= 0
ROUND_TOL = 1e-5  # summary.json keeps 6 significant digits: relative rounding up to 5e-6


def crosscheck_context(fit, summary: dict, *, kinds: dict, currency: str) -> dict | None:
    """Rows and sentences of the cross-check section; None when the fit has no media.

    Parameters
    ----------
    fit : FitResult
        Supplies the data, spec and scaling (its posterior is not used here).
    summary : dict
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
    from mmm.analysis.frequentist import frequentist_baseline

    if not len(fit.dataset.series):
        return None
    prob = float(next((r.get("interval") for r in summary.get("roas", [])), 0.9) or 0.9)
    ols = frequentist_baseline(fit, prob=prob, glsar=False).table
    model = {
        (r["outcome"], r["channel"], r["audience"]): r
        for r in summary.get("roas", [])
        if r.get("path") == "direct" and r.get("geo", "all") == "all"
    }
    rows, outcomes = [], []
    for o in fit.spec.outcome_names:
        revenue = kinds.get(o) == "revenue"
        scale = 1.0 if revenue else PER

        def show(x, scale=scale):
            return fmt.ratio(x * scale) if fmt.is_number(x) else "–"

        sub = ols[ols["outcome"] == o]
        n_overlap = 0
        for r in sub.itertuples():
            m = model.get((o, r.channel, r.audience), {})
            lo, hi = m.get("lower"), m.get("upper")
            overlap = False
            if fmt.is_number(lo) and fmt.is_number(hi):
                tol = ROUND_TOL * max(abs(lo), abs(hi))
                overlap = r.lower <= hi + tol and lo - tol <= r.upper
            n_overlap += bool(overlap)
            rows.append(
                {
                    "outcome": o,
                    "channel": r.channel,
                    "audience": r.audience,
                    "model": show(m.get("median")),
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
                else f"{fmt.pretty(o)} per {currency}{PER:,.0f}",
                "r2": fmt.pct(first["r2"], 1) if first is not None else "–",
                "alpha_awareness": first["alpha_awareness"] if first is not None else None,
                "alpha_conversion": first["alpha_conversion"] if first is not None else None,
                "n_overlap": n_overlap,
                "n": len(sub),
                "n_negative": int((sub["roas"] < 0).sum()),
            }
        )
    return {"rows": rows, "outcomes": outcomes, "prob": prob}
