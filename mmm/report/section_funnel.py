"""Awareness vs conversion: stage shares, direct vs mediated effect, carry-over."""

from __future__ import annotations

import pandas as pd

from mmm.report import charts, figures, fmt
from mmm.report.charts import value_fmt as _value_fmt

#: width of the funnel section's figures in the report (inches; the height is the figure's)
FUNNEL_WIDTH = 8.0


def _stage_shares_chart(ctx: dict, *, fit):
    """Share of spend vs share of media's effect per stage, one panel per outcome."""
    from mmm.analysis.funnel import funnel_shares
    from mmm.plotting import plot_funnel

    table = funnel_shares(fit, prob=ctx["prob"])
    spend = table.drop_duplicates("stage").set_index("stage")["spend_share"]
    alt = (
        "Bar charts, one per outcome, comparing awareness and conversion channels: share of "
        f"media spend (awareness {fmt.pct(spend.get('awareness'))}, conversion "
        f"{fmt.pct(spend.get('conversion'))}) and share of media's effect, most likely, with "
        f"a {fmt.pct(ctx['prob'])} range, on "
        + "; ".join(
            f"{fmt.pretty(o)} ("
            + ", ".join(f"{r.stage} {fmt.pct(r.effect_share_median)}" for r in g.itertuples())
            + ")"
            for o, g in table.groupby("outcome", sort=False)
        )
        + "."
    )
    fig = plot_funnel(table, title="Share of spend vs share of media's effect")
    return figures.encode(fig, alt, width=FUNNEL_WIDTH)


def _paths_chart(ctx: dict, paths, o: str, mediator: str):
    """Direct vs mediated effect of each awareness channel on ``o`` (summary records)."""
    from mmm.plotting import plot_direct_vs_mediated

    revenue = ctx["kinds"].get(o, "revenue") == "revenue"
    vf = _value_fmt("revenue" if revenue else "count", ctx["currency"])
    table = pd.DataFrame([p.to_dict() for p in paths])
    alt = (
        f"Stacked bars per awareness channel splitting its effect on {fmt.pretty(o)} into a "
        f"direct part and a part through {fmt.pretty(mediator)}: "
        + "; ".join(
            f"{fmt.pretty(p.channel)} direct {vf(p.direct)}, "
            f"via {fmt.pretty(mediator)} {vf(p.mediated)}"
            for p in paths
            if p.outcome == o
        )
        + "."
    )
    fig = plot_direct_vs_mediated(
        table, outcome=o, mediator=mediator, currency=ctx["currency"] if revenue else ""
    )
    return figures.encode(fig, alt, width=FUNNEL_WIDTH)


def funnel_charts(ctx: dict, *, fit, summary) -> list:
    """Spend share vs effect share by stage, and direct vs mediated effect of awareness."""
    funnel = summary.funnel
    out = []
    if funnel.spend_share and funnel.outcome_share:
        out.append(_stage_shares_chart(ctx, fit=fit))
    paths = funnel.awareness_paths
    mediator = fit.spec.mediator
    if paths and mediator:
        # one chart per outcome so the axis units stay meaningful
        for o in dict.fromkeys(p.outcome for p in paths):
            out.append(_paths_chart(ctx, paths, o, mediator))
    out.extend(charts.line_share_charts(ctx, fit=fit))
    return out


def carryover_section(ctx: dict, *, fit) -> list[dict]:
    """Half-life of each channel's carry-over (empty when the model has no carry-over)."""
    from mmm.analysis.funnel import carryover

    carry = carryover(fit, prob=ctx["prob"])
    return [
        {
            "channel": str(c.channel),
            "stage": str(c.stage),
            "median": c.half_life_median,
            "lower": c.half_life_lower,
            "upper": c.half_life_upper,
            "none": all(
                fmt.is_number(v) and float(v) == 0
                for v in (c.half_life_median, c.half_life_lower, c.half_life_upper)
            ),
            "days": getattr(c, "period_days", None),
        }
        for c in carry.itertuples()
    ]
