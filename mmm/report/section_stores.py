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
    """Effect of each line on each outcome, and cost per store visit by audience."""
    kinds, counts = ctx["kinds"], ctx["counts"]
    contrib = numbers.contribution_by_series(summary)
    o2s = []
    for r in rows:
        cells = {}
        tot_val = 0.0
        for o in fit.spec.outcome_names:
            c = contrib.get((o, r["channel"], r["audience"]))
            cells[o] = c
            if c and fmt.is_number(c.median):
                w = 1.0 if kinds[o] == "revenue" else (value_per_visit or 0.0)
                tot_val += w * c.median
        store_share = None
        if value_per_visit and tot_val > 0:
            store_val = sum(
                value_per_visit * (cells[o].median if cells[o] else 0.0) for o in counts
            )
            store_share = store_val / tot_val
        o2s.append(
            {
                "label": r["label"],
                "channel": r["channel"],
                "audience": r["audience"],
                "stage": r["stage"],
                "cells": cells,
                "store_share": store_share,
            }
        )
    by_audience = []
    for o in counts:
        for a in sorted({r["audience"] for r in rows}):
            sp = sum(r["spend"] or 0 for r in rows if r["audience"] == a)
            visits = sum(
                getattr(contrib.get((o, r["channel"], a)), "median", None) or 0
                for r in rows
                if r["audience"] == a
            )
            by_audience.append(
                {
                    "outcome": o,
                    "audience": a,
                    "spend": sp,
                    "visits": visits,
                    "cost": sp / visits if visits > 0 else None,
                }
            )
    by_audience.sort(key=lambda a: (a["cost"] is None, a["cost"] or 0.0))
    return {"o2s": o2s, "by_audience": by_audience}
