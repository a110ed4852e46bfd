"""Response curves, return on the next unit of spend and headroom per line."""

from __future__ import annotations

from mmm.names import display_name
from mmm.plan_results import StoredRecommendation, plan_move
from mmm.report import figures, fmt
from mmm.report.curves import response_curves

#: width of the response-curve charts in the report (inches; the height is the figure's)
CURVES_WIDTH = 10.0


def curves_section(ctx: dict, *, fit) -> dict:
    """Response curves per line (:func:`mmm.plotting.plot_response_curves`, one chart per
    outcome): charts, the points read off them, the method's note."""
    from mmm.plotting import plot_response_curves

    currency, kinds, prob = ctx["currency"], ctx["kinds"], ctx["prob"]
    curves, table, points, note = response_curves(fit, prob=prob, revenue_outcomes=ctx["revenue"])
    charts = []
    for o in fit.spec.outcome_names:
        fig = plot_response_curves(
            curves, outcome=o, points=table, prob=prob, currency=currency, kind=kinds[o]
        )
        alt = (
            f"Small charts, one per channel and audience line, of total {fmt.pretty(o)} "
            f"against total spend over the period with a {fmt.pct(prob)} band; a dot marks "
            f"today's spend. Flattening curves mean each extra {currency}1 brings back less."
        )
        charts.append(figures.encode(fig, alt, kind="curves", width=CURVES_WIDTH))
    return {"charts": charts, "points": points, "note": note}


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
