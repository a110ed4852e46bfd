"""Section builders of the report's interactive charts (numbers from :mod:`mmm.analysis`)."""

from __future__ import annotations

from functools import partial

from mmm.plotting import vega
from mmm.report import fmt, numbers
from mmm.report.budget import display_name
from mmm.report.interactive import to_chart


def value_fmt(kind: str, currency: str):
    """Formatter of an outcome's values: money for revenue, a count otherwise."""
    return partial(fmt.money, currency=currency) if kind == "revenue" else fmt.count


def _revenue_items(rows, o):
    items = [
        {
            "label": r["label"],
            "stage": r["stage"],
            **{k: numbers.outcome_value(r, o, k) for k in ("median", "lower", "upper")},
        }
        for r in rows
        if o in r["outcomes"]
    ]
    items.sort(key=lambda it: -(it["median"] or 0))
    return items


def _cost_items(rows, o):
    items = []
    for r in rows:
        rec = r["outcomes"].get(o)
        if rec and fmt.is_number(rec.cost_per_unit) and rec.cost_per_unit > 0:
            items.append(
                {
                    "label": r["label"],
                    "stage": r["stage"],
                    "median": rec.cost_per_unit,
                    "lower": rec.cost_per_unit_lower,
                    "upper": rec.cost_per_unit_upper,
                }
            )
    items.sort(key=lambda it: it["median"])
    return items


def roas_charts(ctx: dict, *, fit, rows) -> list:
    """One ranked bar chart per outcome: return per unit of spend, or cost per unit."""
    currency, money, prob = ctx["currency"], ctx["money"], ctx["prob"]
    out = []
    for o in fit.spec.outcome_names:
        what = fmt.pretty(o)
        if ctx["kinds"][o] == "revenue":
            items = _revenue_items(rows, o)
            order = ", ".join(f"{it['label']} {fmt.ratio(it['median'])}" for it in items)
            title = f"Return on {what} per {currency}1 of spend"
            xlabel = f"{what} per {currency}1 (bar: most likely; line: {fmt.pct(prob)} range)"
            alt = (
                f"Bar chart ranking channel and audience lines by return on {what} per "
                f"{currency}1, highest first: {order}."
            )
            vf = fmt.ratio
        else:
            items = _cost_items(rows, o)
            order = ", ".join(f"{it['label']} {money(it['median'])}" for it in items)
            unit = what.rstrip("s")
            title = f"Cost per extra {unit} (lower is better)"
            xlabel = f"{currency} per {unit} (bar: most likely; line: {fmt.pct(prob)} range)"
            alt = (
                f"Bar chart ranking channel and audience lines by cost per {unit}, "
                f"cheapest first: {order}."
            )
            vf = money
        if items:
            spec = vega.ranked_bars(items, title=title, xlabel=xlabel, value_fmt=vf)
            out.append(to_chart(spec, alt=alt, kind="ranked"))
    return out


def line_share_charts(ctx: dict, *, fit) -> list:
    """Per outcome: each line's share of spend beside its share of media's effect."""
    from mmm.analysis.shares import line_shares

    shares = line_shares(fit, prob=ctx["prob"])
    labels = {
        r.series: display_name(r.channel, r.audience)
        for r in shares.drop_duplicates("series").itertuples()
    }
    out = []
    for o in fit.spec.outcome_names:
        df = shares[shares["outcome"] == o].sort_values("effect_share_median", ascending=False)
        df = df.assign(label=df["series"].map(labels))
        alt = (
            "Paired bars per channel and audience line: share of media spend and share of "
            f"media's effect on {fmt.pretty(o)} (most likely, with a {fmt.pct(ctx['prob'])} "
            "range), largest effect first: "
            + "; ".join(
                f"{labels[r.series]} {fmt.pct(r.spend_share)} of spend, "
                f"{fmt.pct(r.effect_share_median)} of the effect"
                for r in df.itertuples()
            )
            + "."
        )
        title = f"Share of spend vs share of media's effect on {fmt.pretty(o)}, per line"
        out.append(to_chart(vega.line_shares(df, title=title), alt=alt, kind="line-shares"))
    return out


def media_over_time_charts(ctx: dict, *, fit) -> list:
    """Per outcome: media's contribution per period, stacked by channel."""
    from mmm.analysis.decompose import channel_contributions_over_time, channel_totals

    frame = channel_contributions_over_time(fit, prob=ctx["prob"], max_draws=200)
    frame["channel_label"] = frame["channel"].map(lambda c: display_name(str(c)))
    totals = channel_totals(frame)
    out = []
    for o in fit.spec.outcome_names:
        df = frame[frame["outcome"] == o]
        tot = totals[totals["outcome"] == o]
        vf = value_fmt(ctx["kinds"][o], ctx["currency"])
        spec = vega.over_time(
            df,
            title=f"{fmt.pretty(o).capitalize()} from media, by channel",
            ylabel=f"{fmt.pretty(o)} from media per {ctx['period']}",
            period=ctx["period"],
        )
        out.append(
            to_chart(
                spec,
                kind="media-over-time",
                alt=f"Stacked area chart of {fmt.pretty(o)} from media per {ctx['period']}, one "
                "area per channel (posterior mean); totals over the period: "
                + "; ".join(
                    f"{display_name(str(r.channel))} {vf(r.total)}" for r in tot.itertuples()
                )
                + ".",
            )
        )
    return out


def predictive_charts(ctx: dict, *, fit, table, quality: dict) -> list:
    """Per outcome: observed values against the posterior-predictive mean and interval.

    ``table``: :func:`mmm.analysis.validation.predictive_table` of the fit; ``quality``:
    outcome -> its :func:`~mmm.analysis.validation.predictive_checks` row.
    """
    out = []
    for o in fit.spec.outcome_names:
        df = table[table["outcome"] == o]
        q = quality[o]
        spec = vega.predictive_fit(
            df,
            title=f"{fmt.pretty(o).capitalize()}: observed vs the model's prediction",
            ylabel=f"{fmt.pretty(o)} per {ctx['period']}",
            band=f"{fmt.pct(ctx['prob'])} predictive range",
            period=ctx["period"],
        )
        out.append(
            to_chart(
                spec,
                kind="predictive-fit",
                alt=f"Dots: observed {fmt.pretty(o)} per {ctx['period']}; line: the model's "
                f"prediction with its {fmt.pct(ctx['prob'])} range as a band; "
                f"{fmt.pct(q['coverage'])} of the {q['n']} {ctx['periods']} lie inside the band.",
            )
        )
    return out


def waterfall_charts(ctx: dict, *, fit) -> list:
    """Per outcome: base level, trend, seasonality, controls and each channel, adding up."""
    from mmm.analysis.decompose import waterfall

    w = waterfall(fit, prob=ctx["prob"], max_draws=200)
    names = {
        "intercept": "base level",
        "trend": "trend",
        "seasonality": "seasonality",
        "mediator_baseline": f"{fmt.pretty(fit.spec.mediator or 'mediator')} (not from media)",
        "total": "total expected",
    }
    out = []
    for o in fit.spec.outcome_names:
        df = w[w["outcome"] == o].copy()
        df["label"] = [
            names.get(s, fmt.pretty(s) if k == "control" else display_name(s))
            for s, k in zip(df["step"], df["kind"], strict=True)
        ]
        vf = value_fmt(ctx["kinds"][o], ctx["currency"])
        spec = vega.waterfall(
            df,
            title=f"What makes up {fmt.pretty(o)} over the period",
            xlabel=f"{fmt.pretty(o)} over the period (running total)",
            value_fmt=vf,
        )
        out.append(
            to_chart(
                spec,
                kind="waterfall",
                alt=f"Waterfall of {fmt.pretty(o)} over the period, step by step: "
                + "; ".join(
                    f"{lab} {vf(m)}" for lab, m in zip(df["label"], df["mean"], strict=True)
                )
                + ".",
            )
        )
    return out


def carryover_charts(ctx: dict, *, fit) -> list:
    """Carry-over weights per channel and lag (empty when no channel carries over)."""
    from mmm.analysis.curves import adstock_curves

    if "adstock_weights" not in fit.posterior:
        return []
    ds = adstock_curves(fit, prob=ctx["prob"])
    df = ds[["mean", "lower", "upper"]].to_dataframe().reset_index()
    df["channel_label"] = df["channel"].map(lambda c: display_name(str(c)))
    if int(ds.sizes["lag"]) < 2:
        return []
    first = df[df["lag"] == 0].set_index("channel_label")["mean"]
    spec = vega.carryover(
        df,
        title=f"How each channel's effect spreads over the following {ctx['periods']}",
        xlabel=f"{ctx['periods']} after the spend",
        period=ctx["period"],
    )
    return [
        to_chart(
            spec,
            kind="carryover",
            alt=f"Lines per channel: share of a {ctx['period']}'s effect that lands 0, 1, 2, ... "
            f"{ctx['periods']} after the spend; share in the {ctx['period']} of the spend: "
            + "; ".join(f"{c} {fmt.pct(v)}" for c, v in first.items())
            + ".",
        )
    ]


def budget_chart(ctx: dict, rows: list[dict]):
    """Current vs recommended spend per line of the budget section."""
    money = ctx["money"]
    spec = vega.budget_bars(
        rows, money_fmt=money, xlabel=f"{ctx['currency']} over the plan's {ctx['periods']}"
    )
    return to_chart(
        spec,
        kind="budget",
        alt="Bar chart of current and recommended spend per line: "
        + "; ".join(
            f"{b['label']} {money(b['current'])} now, {money(b['recommended'])} recommended"
            for b in rows
        )
        + ".",
    )
