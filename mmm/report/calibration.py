"""The report's calibration section: experiments beside the model, before and after."""

from __future__ import annotations

from functools import partial

from mmm.report import fmt


def calibration_context(summary: dict, *, money, kinds: dict) -> dict | None:
    """Rows and warnings of the calibration section; None when no experiment or prior was used.

    Reads ``summary["calibration"]`` (written by :func:`mmm.runs.write_run`).
    """
    cal = summary.get("calibration")
    if not isinstance(cal, dict) or not (cal.get("experiments") or cal.get("priors")):
        return None

    def val(outcome: str, v):
        if not fmt.is_number(v):
            return "–"
        return money(v) if kinds.get(outcome) == "revenue" else fmt.count(v)

    rows = []
    for r in cal.get("experiments", []):
        o = r["outcome"]
        fo = partial(val, o)
        rows.append(
            {
                "name": r["name"],
                "channel": r["channel"],
                "audience": r.get("audience") or "all",
                "geo": r.get("geo") or "all",
                "outcome": o,
                "window": f"{r['start']} to {r['end']}"
                + (
                    f" (read to {r['readout_end']})"
                    if r.get("readout_end") not in (None, r["end"])
                    else ""
                ),
                "spend_change": money(r["spend_change"]),
                "experiment": val(o, r["lift"]),
                "experiment_se": val(o, r["lift_se"]),
                "before": val(o, r.get("lift_before")),
                "before_range": fmt.interval_short(
                    r.get("lift_before_lower"), r.get("lift_before_upper"), fo
                )
                if fmt.is_number(r.get("lift_before"))
                else "",
                "after": val(o, r.get("lift_after")),
                "after_range": fmt.interval_short(
                    r.get("lift_after_lower"), r.get("lift_after_upper"), fo
                )
                if fmt.is_number(r.get("lift_after"))
                else "",
                "roas_before": fmt.ratio(r["roas_before"])
                if fmt.is_number(r.get("roas_before"))
                else "–",
                "roas_after": fmt.ratio(r["roas_after"])
                if fmt.is_number(r.get("roas_after"))
                else "–",
                "experiment_roas": fmt.ratio(r["lift_per_spend"]),
                "disagree": bool(r.get("disagree_after")),
                "disagree_before": bool(r.get("disagree_before")),
            }
        )
    priors = [
        {
            "channel": p["channel"],
            "outcome": p["outcome"],
            "median": money(p["cost_per_unit"]) + " per unit"
            if p.get("cost_per_unit")
            else fmt.ratio(p["median"]),
            "sigma": f"{p['sigma']:.2f}",
        }
        for p in cal.get("priors", [])
    ]
    channels = sorted({r["channel"] for r in rows} | {p["channel"] for p in priors})
    return {
        "rows": rows,
        "priors": priors,
        "channels": channels,
        "warnings": list(cal.get("warnings", [])),
        "active": bool(cal.get("active", True)),
    }
