"""Response curves, return on the next unit of spend and headroom per line."""

from __future__ import annotations

from mmm.names import display_name
from mmm.plan_results import StoredRecommendation, plan_move
from mmm.report import figures, fmt
from mmm.report.charts import value_fmt as _value_fmt
from mmm.report.curves import response_curves


def curves_section(ctx: dict, *, fit, stages, current) -> dict:
    """Response curves per line: charts, the points read off them, the method's note."""
    currency, kinds, prob = ctx["currency"], ctx["kinds"], ctx["prob"]
    curves_df, curve_pts, note = response_curves(fit, prob=prob, revenue_outcomes=ctx["revenue"])
    charts = []
    if curves_df is not None:
        for o in fit.spec.outcome_names:
            if (curves_df["outcome"] == o).any():
                charts.append(
                    figures.curves_grid(
                        curves_df,
                        o,
                        stages,
                        current,
                        value_fmt=_value_fmt(kinds[o], currency),
                        money_fmt=ctx["money"],
                        points=curve_pts,
                        alt=f"Small charts, one per channel and audience line, of total "
                        f"{fmt.pretty(o)} against total spend over the period with a "
                        f"{fmt.pct(prob)} band; a dot marks today's spend. Flattening curves "
                        f"mean each extra {currency}1 brings back less.",
                    )
                )
    return {"charts": charts, "points": curve_pts, "note": note}


def marginal_rows(ctx: dict, *, fit, rows, points, current) -> list[dict]:
    """Return on the next unit of spend at the whole period's spend, per line and outcome.

    The verdict on headroom (room to grow or saturated) is not read here: it is read at the
    plan's spend level against the other lines by :func:`headroom_section`.
    """
    currency, kinds = ctx["currency"], ctx["kinds"]
    out = []
    for r in rows:
        for o in fit.spec.outcome_names:
            pts = points.get((o, r["channel"], r["audience"]))
            if not pts or "marginal_at_current" not in pts:
                continue
            mg = pts["marginal_at_current"]
            words = ""
            if kinds[o] == "revenue" and fmt.is_number(mg.get("median")):
                if fmt.is_number(mg.get("lower")) and mg["lower"] > 1:
                    words = f"the next {currency}1 pays back in {fmt.pretty(o)} alone"
                elif fmt.is_number(mg.get("upper")) and mg["upper"] < 1:
                    words = f"the next {currency}1 returns less than it costs in {fmt.pretty(o)}"
                else:
                    words = f"unclear whether the next {currency}1 pays back in {fmt.pretty(o)}"
            out.append(
                {
                    "label": r["label"],
                    "outcome": o,
                    "marginal": mg,
                    "current": current.get((r["channel"], r["audience"])),
                    "words": words,
                    "per": "1" if kinds[o] == "revenue" else "1k",
                }
            )
    return out


def headroom_section(ctx: dict, rec: StoredRecommendation | None) -> dict | None:
    """Headroom per line at the plan's spend level, from :func:`mmm.analysis.headroom`.

    None when there is no recommendation (the reading needs the plan's common margin).
    """
    if rec is None:
        return None
    from mmm.analysis.headroom import headroom

    df = headroom(rec)
    if df.empty:
        return None
    vf = ctx["budget_value_fmt"]
    out = []
    for r in df.to_dict("records"):
        plan = {"keep": "keeps it", "raise": "raises it", "cut": "cuts it"}[
            plan_move(r["current"], r["change"])
        ]
        out.append(
            {
                "label": display_name(r["channel"], r["audience"], r["geo"]),
                "series": r["series"],
                "geo": r["geo"],
                "current": r["current"],
                "marginal": r["marginal_current"],
                "marginal_words": vf(r["marginal_current"]),
                "reading": r["reading"],
                "plan": plan,
            }
        )
    common = float(df["common"].iloc[0])
    return {"rows": out, "common": common, "common_words": vf(common)}
