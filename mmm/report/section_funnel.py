"""Awareness vs conversion: stage shares, direct vs mediated effect, carry-over."""

from __future__ import annotations

from mmm.report import charts, figures, fmt
from mmm.report.charts import value_fmt as _value_fmt


def funnel_charts(ctx: dict, *, fit, summary) -> list:
    """Spend share vs effect share by stage, and direct vs mediated effect of awareness."""
    currency, kinds = ctx["currency"], ctx["kinds"]
    funnel = summary.funnel
    sp_sh, oc_sh = funnel.spend_share, funnel.outcome_share
    out = []
    if sp_sh and oc_sh:
        out.append(
            figures.funnel_shares(
                sp_sh,
                oc_sh,
                alt="Bar chart comparing awareness and conversion channels: share of media spend "
                f"(awareness {fmt.pct(sp_sh.get('awareness'))}, conversion "
                f"{fmt.pct(sp_sh.get('conversion'))}) and share of media's effect on "
                + "; ".join(
                    f"{fmt.pretty(o)} (awareness {fmt.pct(v.get('awareness'))}, "
                    f"conversion {fmt.pct(v.get('conversion'))})"
                    for o, v in oc_sh.items()
                )
                + ".",
            )
        )
    paths = funnel.awareness_paths
    mediator = fit.spec.mediator
    if paths and mediator:
        # one chart per outcome so the axis units stay meaningful
        for o in dict.fromkeys(p.outcome for p in paths):
            vf = _value_fmt(kinds.get(o, "revenue"), currency)
            out.append(
                figures.direct_vs_mediated(
                    paths,
                    [o],
                    value_fmt=vf,
                    alt=f"Stacked bars per awareness channel splitting its effect on "
                    f"{fmt.pretty(o)} into a direct part and a part through "
                    f"{fmt.pretty(mediator)}: "
                    + "; ".join(
                        f"{fmt.pretty(p.channel)} direct {vf(p.direct)}, "
                        f"via {fmt.pretty(mediator)} {vf(p.mediated)}"
                        for p in paths
                        if p.outcome == o
                    )
                    + ".",
                )
            )
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
