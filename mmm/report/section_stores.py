"""Online and store: each line's effect on each outcome, near-store vs broad audiences."""

from __future__ import annotations

from mmm.report import fmt, numbers


def near_store_section(ctx: dict, *, fit) -> list[dict] | None:
    """Near-store vs broad audiences; None when no line targets a near-store audience."""
    from mmm.analysis.online_store import has_near_store, near_store_vs_broad

    counts = ctx["counts"]
    if not counts or not has_near_store(fit):
        return None
    nd = near_store_vs_broad(fit, outcome=counts[0], prob=ctx["prob"])
    return [
        {
            "scope": str(x["scope"]),
            "group": str(x["group"]),
            "spend": x.get("spend"),
            **{k: x.get(f"cost_per_visit_{k}", x.get(k)) for k in ("median", "lower", "upper")},
            "p": x.get("p_near_cheaper"),
        }
        for x in nd.to_dict("records")
    ]


def online_store_section(ctx: dict, *, fit, summary, rows, value_per_visit) -> dict:
    """Effect of each line on each outcome, the share of its value that lands in stores
    (:func:`mmm.analysis.online_store.store_value_shares`, at the report's value per
    visit) and the cost per store visit by audience (the summary's ``audiences``)."""
    contrib = numbers.contribution_by_series(summary)
    share = {}
    if value_per_visit:
        from mmm.analysis.online_store import store_value_shares

        tab = store_value_shares(fit, value_per_visit=value_per_visit, prob=ctx["prob"])
        share = {
            (r.channel, r.audience): (r.median if fmt.is_number(r.median) else None)
            for r in tab.itertuples()
        }
    o2s = [
        {
            "label": r["label"],
            "channel": r["channel"],
            "audience": r["audience"],
            "stage": r["stage"],
            "cells": {
                o: contrib.get((o, r["channel"], r["audience"])) for o in fit.spec.outcome_names
            },
            "store_share": share.get((r["channel"], r["audience"])) if value_per_visit else None,
        }
        for r in rows
    ]
    by_audience = [
        {
            "outcome": a.outcome,
            "audience": a.audience,
            "spend": a.spend,
            "visits": a.contribution_median,
            "cost": a.cost_per_unit_median if fmt.is_number(a.cost_per_unit_median) else None,
        }
        for a in summary.audiences or ()
    ]
    by_audience.sort(key=lambda a: (a["cost"] is None, a["cost"] or 0.0))
    return {"o2s": o2s, "by_audience": by_audience}
