"""The report's calibration section: experiments beside the model, before and after."""

from __future__ import annotations

from functools import partial

from mmm.report import fmt
from mmm.run_summary import RunSummary


def calibration_context(summary: RunSummary, *, money, kinds: dict) -> dict | None:
    """Rows and warnings of the calibration section; None when no experiment or prior was used.

    Reads the summary's :class:`~mmm.run_summary.Calibration` (written by
    :func:`mmm.runs.write_run`).
    """
    cal = summary.calibration
    if cal is None or not (cal.experiments or cal.priors):
        return None

    def val(outcome: str, v):
        if not fmt.is_number(v):
            return "–"
        return money(v) if kinds.get(outcome) == "revenue" else fmt.count(v)

    rows = []
    for r in cal.experiments:
        o = r.outcome
        fo = partial(val, o)
        rows.append(
            {
                "name": r.name,
                "channel": r.channel,
                "audience": r.audience or "all",
                "geo": r.geo or "all",
                "outcome": o,
                "window": f"{r.start} to {r.end}"
                + (f" (read to {r.readout_end})" if r.readout_end not in (None, r.end) else ""),
                "spend_change": money(r.spend_change),
                "experiment": val(o, r.lift),
                "experiment_se": val(o, r.lift_se),
                "before": val(o, r.lift_before),
                "before_range": fmt.interval_short(r.lift_before_lower, r.lift_before_upper, fo)
                if fmt.is_number(r.lift_before)
                else "",
                "after": val(o, r.lift_after),
                "after_range": fmt.interval_short(r.lift_after_lower, r.lift_after_upper, fo)
                if fmt.is_number(r.lift_after)
                else "",
                "roas_before": fmt.ratio(r.roas_before) if fmt.is_number(r.roas_before) else "–",
                "roas_after": fmt.ratio(r.roas_after) if fmt.is_number(r.roas_after) else "–",
                "experiment_roas": fmt.ratio(r.lift_per_spend),
                "disagree": bool(r.disagree_after),
                "disagree_before": bool(r.disagree_before),
            }
        )
    priors = [
        {
            "channel": p.channel,
            "outcome": p.outcome,
            "median": money(p.cost_per_unit) + " per unit"
            if p.cost_per_unit
            else fmt.ratio(p.median),
            "sigma": f"{p.sigma:.2f}",
        }
        for p in cal.priors
    ]
    channels = sorted({r["channel"] for r in rows} | {p["channel"] for p in priors})
    return {
        "rows": rows,
        "priors": priors,
        "channels": channels,
        "warnings": list(cal.warnings),
        "active": bool(cal.active),
    }
