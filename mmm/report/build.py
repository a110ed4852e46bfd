"""Assemble the planner report of a run folder and render it to one self-contained HTML file."""

from __future__ import annotations

import datetime as _dt
import os
from functools import partial
from pathlib import Path

from mmm.report import figures, fmt, numbers
from mmm.report.budget import budget_context, display_name, value_per_visit_of
from mmm.report.calibration import calibration_context
from mmm.report.crosscheck import backtest_context, crosscheck_context
from mmm.report.curves import response_curves
from mmm.report.geo import geo_context
from mmm.report.health import assess
from mmm.report.run import RunFolder

TEMPLATE = "report.html.j2"


def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = fmt.pretty
    env.filters["pct"] = fmt.pct
    env.filters["ratio"] = fmt.ratio
    env.filters["count"] = fmt.count
    env.filters["prob"] = fmt.prob
    return env


#: Set to 1 to make a failing section fail the whole report build (the tests set it).
STRICT_ENV = "MMM_REPORT_STRICT"


def _strict_default() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class Sections:
    """Run the builders of the report's optional sections and record the ones that fail.

    A section whose data are legitimately absent returns ``None`` (or an empty value) and the
    template says so. A builder that raises fails the build when ``strict``; otherwise the
    report shows a notice naming the section and the error, never a silently missing section.
    """

    def __init__(self, strict: bool):
        self.strict = strict
        self.failed: dict[str, str] = {}

    def build(self, key: str, title: str, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``; on an exception: re-raise when strict, else note it."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if self.strict:
                raise
            self.failed[key] = f"{title}: {type(exc).__name__}: {exc}"
            return None


def _value_fmt(kind: str, currency: str):
    return partial(fmt.money, currency=currency) if kind == "revenue" else fmt.count


def _label(c: str, a: str) -> str:
    return display_name(c, a)


def _stage_channels(rows: list[dict]) -> dict[str, list[str]]:
    """Channels of each funnel stage, as the fit classifies them (display names)."""
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["stage"], [])
        name = display_name(r["channel"], r["audience"])
        if name not in out[r["stage"]]:
            out[r["stage"]].append(name)
    return out


# ---------------------------------------------------------------------- section builders


def headline_section(ctx: dict, *, fit, summary, data, totals, rows, draws) -> list[str]:
    """The summary bullets: period, spend, media totals, best lines, funnel shares."""
    currency, kinds, money = ctx["currency"], ctx["kinds"], ctx["money"]
    revenue, counts = ctx["revenue"], ctx["counts"]
    n = data["n_periods"]
    headline = [
        f"From {data['start']:%d %b %Y} to {data['end']:%d %b %Y} "
        f"({n} {fmt.period_word(data.get('freq'), n)}) "
        f"{money(data['total_spend'])} was spent on media across {len(data['series'])} "
        "channel and audience lines."
    ]
    for o in fit.spec.outcome_names:
        t = totals[o]
        vf = _value_fmt(kinds[o], currency)
        what = fmt.pretty(o)
        headline.append(
            f"Media drove {fmt.interval_words(t['median'], t['lower'], t['upper'], vf)} "
            f"of {what}, "
            f"that is {fmt.pct(t['share']['median'])} of all {what} "
            f"(range {fmt.interval_short(t['share']['lower'], t['share']['upper'], fmt.pct)})."
        )
        if kinds[o] == "revenue":
            p = t["per_spend"]
            headline.append(
                f"Each {currency}1 of media brought back "
                f"{fmt.interval_words(p['median'], p['lower'], p['upper'], money)} "
                f"in {what}."
            )
        elif t.get("spend_per_unit"):
            p = t["spend_per_unit"]
            headline.append(
                f"Across all media, one extra {what.rstrip('s')} cost "
                f"{fmt.interval_words(p['median'], p['lower'], p['upper'], money)}."
            )
    funnel = summary.get("funnel", {})
    sp_sh, oc_sh = funnel.get("spend_share", {}), funnel.get("outcome_share", {})
    if sp_sh and oc_sh:
        parts = [
            f"{fmt.pct(v.get('awareness'))} of media's effect on {fmt.pretty(o)}"
            for o, v in oc_sh.items()
        ]
        headline.append(
            f"Awareness channels took {fmt.pct(sp_sh.get('awareness'))} of the spend and "
            f"delivered {' and '.join(parts)}; conversion channels the rest."
        )
    odds = numbers.first_odds(draws) if len(rows) > 1 else {}

    def _odds(o: str, r: dict, word: str) -> str:
        """How often the named line is the best one across the posterior draws."""
        p = odds.get((o, r["channel"], r["audience"]))
        if p is None:
            return ""
        n = len({k[1:] for k in odds if k[0] == o})
        return f"; {fmt.prob(p)} chance that it is the {word} of the {n} lines"

    best = []
    first = revenue[0] if revenue else None
    if first:
        cand = [r for r in rows if fmt.is_number(r["outcomes"].get(first, {}).get("median"))]
        if cand:
            b = max(cand, key=lambda r: r["outcomes"][first]["median"])
            rec = b["outcomes"][first]
            best.append(
                f"the best return on {fmt.pretty(first)} came from {b['label']} "
                f"({fmt.ratio(rec['median'])} per {currency}1, range "
                f"{fmt.interval_short(rec['lower'], rec['upper'], fmt.ratio)}"
                f"{_odds(first, b, 'best')})"
            )
    for o in counts[:1]:
        cand = [
            r
            for r in rows
            if fmt.is_number(r["outcomes"].get(o, {}).get("cost_per_unit"))
            and r["outcomes"][o]["cost_per_unit"] > 0
        ]
        if cand:
            b = min(cand, key=lambda r: r["outcomes"][o]["cost_per_unit"])
            rec = b["outcomes"][o]
            rng = fmt.interval_short(
                rec.get("cost_per_unit_lower"), rec.get("cost_per_unit_upper"), money
            )
            best.append(
                f"the cheapest {fmt.pretty(o)} came from {b['label']} "
                f"({money(rec['cost_per_unit'])} each, range {rng}"
                f"{_odds(o, b, 'cheapest')})"
            )
    if best:
        headline.append("Per channel, " + "; ".join(best) + ".")
    return headline


def roas_charts(ctx: dict, *, fit, rows) -> list:
    """One ranked bar chart per outcome: return per unit of spend, or cost per unit."""
    currency, kinds, money, prob = ctx["currency"], ctx["kinds"], ctx["money"], ctx["prob"]
    out = []
    for o in fit.spec.outcome_names:
        if kinds[o] == "revenue":
            items = [
                {
                    "label": r["label"],
                    "stage": r["stage"],
                    **{k: r["outcomes"].get(o, {}).get(k) for k in ("median", "lower", "upper")},
                }
                for r in rows
                if o in r["outcomes"]
            ]
            items.sort(key=lambda it: -(it["median"] or 0))
            order = ", ".join(f"{it['label']} {fmt.ratio(it['median'])}" for it in items)
            out.append(
                figures.ranked_bars(
                    items,
                    title=f"Return on {fmt.pretty(o)} per {currency}1 of spend",
                    xlabel=f"{fmt.pretty(o)} per {currency}1 (bar: most likely; line: "
                    f"{fmt.pct(prob)} range)",
                    value_fmt=fmt.ratio,
                    alt=f"Bar chart ranking channel and audience lines by return on "
                    f"{fmt.pretty(o)} per {currency}1, highest first: {order}.",
                )
            )
            continue
        items = []
        for r in rows:
            rec = r["outcomes"].get(o)
            if rec and fmt.is_number(rec.get("cost_per_unit")) and rec["cost_per_unit"] > 0:
                items.append(
                    {
                        "label": r["label"],
                        "stage": r["stage"],
                        "median": rec["cost_per_unit"],
                        "lower": rec.get("cost_per_unit_lower"),
                        "upper": rec.get("cost_per_unit_upper"),
                    }
                )
        items.sort(key=lambda it: it["median"])
        order = ", ".join(f"{it['label']} {money(it['median'])}" for it in items)
        unit = fmt.pretty(o).rstrip("s")
        out.append(
            figures.ranked_bars(
                items,
                title=f"Cost per extra {unit} (lower is better)",
                xlabel=f"{currency} per {unit} (bar: most likely; line: {fmt.pct(prob)} range)",
                value_fmt=money,
                alt=f"Bar chart ranking channel and audience lines by cost per "
                f"{unit}, cheapest first: {order}.",
            )
        )
    return out


def funnel_charts(ctx: dict, *, fit, summary) -> list:
    """Spend share vs effect share by stage, and direct vs mediated effect of awareness."""
    currency, kinds = ctx["currency"], ctx["kinds"]
    funnel = summary.get("funnel", {})
    sp_sh, oc_sh = funnel.get("spend_share", {}), funnel.get("outcome_share", {})
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
    paths = funnel.get("awareness_paths", [])
    mediator = fit.spec.mediator
    if paths and mediator:
        # one chart per outcome so the axis units stay meaningful
        for o in dict.fromkeys(p["outcome"] for p in paths):
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
                        f"{fmt.pretty(p['channel'])} direct {vf(p['direct'])}, "
                        f"via {fmt.pretty(mediator)} {vf(p['mediated'])}"
                        for p in paths
                        if p["outcome"] == o
                    )
                    + ".",
                )
            )
    out.extend(line_share_charts(ctx, fit=fit))
    return out


def line_share_charts(ctx: dict, *, fit) -> list:
    """Per outcome: each line's share of spend beside its share of media's effect."""
    from mmm.analysis.shares import line_shares
    from mmm.plotting.returns import plot_spend_vs_effect_share

    shares = line_shares(fit, prob=ctx["prob"])
    labels = {
        r.series: display_name(r.channel, r.audience)
        for r in shares.drop_duplicates("series").itertuples()
    }
    out = []
    for o in fit.spec.outcome_names:
        df = shares[shares["outcome"] == o].sort_values("effect_share_median", ascending=False)
        fig = plot_spend_vs_effect_share(
            shares,
            outcome=o,
            labels=labels,
            title=f"Share of spend vs share of media's effect on {fmt.pretty(o)}, per line",
        )
        out.append(
            figures.encode(
                fig,
                alt=f"Paired bars per channel and audience line: share of media spend and share "
                f"of media's effect on {fmt.pretty(o)} (most likely, with a {fmt.pct(ctx['prob'])}"
                " range), largest effect first: "
                + "; ".join(
                    f"{labels[r.series]} {fmt.pct(r.spend_share)} of spend, "
                    f"{fmt.pct(r.effect_share_median)} of the effect"
                    for r in df.itertuples()
                )
                + ".",
                kind="line-shares",
            )
        )
    return out


def media_over_time_charts(ctx: dict, *, fit) -> list:
    """Per outcome: media's contribution per week, stacked by channel."""
    from mmm.analysis.decompose import contributions_over_time
    from mmm.plotting.contributions import plot_media_over_time

    frame = contributions_over_time(fit, prob=ctx["prob"], max_draws=200)
    ds = fit.dataset
    groups = {
        str(s): display_name(str(c))
        for s, c in zip(ds.series, ds.spend["channel"].values, strict=True)
    }
    out = []
    for o in fit.spec.outcome_names:
        fig = plot_media_over_time(
            frame,
            outcome=o,
            groups=groups,
            title=f"{fmt.pretty(o).capitalize()} from media, by channel",
            ylabel=f"{fmt.pretty(o)} from media per {ctx['period']}",
        )
        media = frame[(frame["outcome"] == o) & (frame["kind"] == "media")]
        tot = media.assign(g=media["component"].map(groups)).groupby("g")["mean"].sum()
        tot = tot.sort_values(ascending=False)
        vf = _value_fmt(ctx["kinds"][o], ctx["currency"])
        out.append(
            figures.encode(
                fig,
                alt=f"Stacked area chart of {fmt.pretty(o)} from media per {ctx['period']}, one "
                "area per channel (posterior mean); totals over the period: "
                + "; ".join(f"{g} {vf(v)}" for g, v in tot.items())
                + ".",
                kind="media-over-time",
            )
        )
    return out


def weekly_section(ctx: dict, *, fit) -> tuple[list, dict, dict]:
    """Base vs media over time: charts, the split itself and the fit quality per outcome."""
    currency, kinds = ctx["currency"], ctx["kinds"]
    split = numbers.weekly_split(fit)
    quality = numbers.fit_quality(split, fit.spec.outcome_names)
    unit = ctx["period"]
    charts = [
        figures.weekly(
            split,
            o,
            value_fmt=_value_fmt(kinds[o], currency),
            alt=f"Stacked area chart of {fmt.pretty(o)} per {unit} split into base and media "
            f"by funnel stage, with actual {fmt.pretty(o)} as a line; the model's fitted "
            f"values explain {fmt.pct(quality[o]['r2'])} of the {unit}-to-{unit} variation.",
        )
        for o in fit.spec.outcome_names
    ]
    charts.extend(media_over_time_charts(ctx, fit=fit))
    return charts, split, quality


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


def headroom_section(ctx: dict, rec: dict | None) -> dict | None:
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
        delta = r["change"]
        plan = (
            "keeps it"
            if delta is None or abs(delta) < 0.005 * abs(r["current"] or 0)
            else ("raises it" if delta > 0 else "cuts it")
        )
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


def near_store_section(ctx: dict, *, fit) -> list[dict] | None:
    """Near-store vs broad audiences; None when no line targets a near-store audience."""
    from mmm.analysis.online_store import NEAR_STORE, near_store_vs_broad

    counts = ctx["counts"]
    if not counts:
        return None
    near_aud = set(getattr(fit.spec, "near_store_audiences", None) or NEAR_STORE)
    if not near_aud & {str(a) for a in fit.dataset.spend["audience"].values}:
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
            if c and fmt.is_number(c.get("median")):
                w = 1.0 if kinds[o] == "revenue" else (value_per_visit or 0.0)
                tot_val += w * c["median"]
        store_share = None
        if value_per_visit and tot_val > 0:
            store_val = sum(value_per_visit * (cells[o] or {}).get("median", 0.0) for o in counts)
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
                (contrib.get((o, r["channel"], a)) or {}).get("median") or 0
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


def geo_headline(ctx: dict, geo: dict | None) -> str | None:
    """One sentence on the cheapest and dearest geo for the first count outcome."""
    counts, money = ctx["counts"], ctx["money"]
    if geo is None or geo["chart"] is None or not counts:
        return None
    o = counts[0]
    ranked = [
        r
        for r in geo["rows"]
        if r["geo"] != "all"
        and fmt.is_number(r["outcomes"].get(o, {}).get("cost", {}).get("median"))
    ]
    if not ranked:
        return None
    cheap = min(ranked, key=lambda r: r["outcomes"][o]["cost"]["median"])
    dear = max(ranked, key=lambda r: r["outcomes"][o]["cost"]["median"])
    unit = fmt.pretty(o).rstrip("s")
    return (
        f"Across {geo['n']} geos, an extra {unit} from media cost least in "
        f"{cheap['geo']} ({money(cheap['outcomes'][o]['cost']['median'])}) "
        f"and most in {dear['geo']} ({money(dear['outcomes'][o]['cost']['median'])})."
    )


def budget_section(ctx: dict, rec: dict | None, *, freq) -> dict | None:
    """The budget recommendation in sentences and tables, with its chart."""
    budget = budget_context(
        rec, currency=ctx["currency"], kinds=ctx["kinds"], freq=freq, prob=ctx["prob"]
    )
    if budget and budget.get("rows"):
        money = ctx["money"]
        budget["chart"] = figures.budget_bars(
            budget["rows"],
            money_fmt=money,
            alt="Bar chart of current and recommended spend per line: "
            + "; ".join(
                f"{b['label']} {money(b['current'])} now, {money(b['recommended'])} recommended"
                for b in budget["rows"]
            )
            + ".",
        )
    return budget


def scenarios_section(ctx: dict, *, run_dir, kinds) -> list[dict] | None:
    """The plan comparisons stored by ``mmm scenarios`` (``RUN/scenarios/*.json``), as tables."""
    from mmm.optimize.scenarios import read_scenarios
    from mmm.report.scenarios import scenarios_context

    return scenarios_context(read_scenarios(run_dir), currency=ctx["currency"], kinds=kinds)


# ---------------------------------------------------------------------- the whole context


def build_context(
    run: RunFolder,
    *,
    value_per_visit: float | None = None,
    currency: str = "€",
    strict: bool | None = None,
) -> dict:
    """Everything the template shows, as plain values (numbers already in words).

    Parameters
    ----------
    run : RunFolder
        The run folder.
    value_per_visit : float, optional
        Value of one store visit; default ``[optimizer].value_per_visit`` of the config, else
        the value the shown recommendation was made with.
    currency : str
        Currency symbol.
    strict : bool, optional
        Raise when a section's builder fails instead of showing a notice in the report;
        default: the ``MMM_REPORT_STRICT`` environment variable.
    """
    sections = Sections(_strict_default() if strict is None else strict)
    fit = run.fit
    summary = run.summary
    rec = run.recommendation
    money = partial(fmt.money, currency=currency)
    kinds = numbers.outcome_kinds(fit)
    stages = numbers.series_stage(fit)
    prob = float(next((r.get("interval") for r in summary.get("roas", [])), 0.9) or 0.9)
    vpv_source = "option" if value_per_visit is not None else None
    if value_per_visit is None:
        v = run.config.get("optimizer", {}).get("value_per_visit")
        if fmt.is_number(v) and float(v) > 0:
            value_per_visit, vpv_source = float(v), "config"
    if value_per_visit is None:
        value_per_visit = value_per_visit_of(rec, kinds)
        vpv_source = "recommendation" if value_per_visit else None
    data = numbers.data_summary(fit)
    revenue = [o for o, k in kinds.items() if k == "revenue"]
    counts = [o for o, k in kinds.items() if k == "count"]
    ctx: dict = {
        "currency": currency,
        "money": money,
        "kinds": kinds,
        "prob": prob,
        "revenue": revenue,
        "counts": counts,
        "period": fmt.period_word(data.get("freq"), 1),
        "periods": fmt.period_word(data.get("freq")),
    }
    totals = numbers.media_totals(fit, prob=prob)
    rows = numbers.roas_rows(summary, stages, kinds)
    draws = numbers.return_draws(fit)
    combined = (
        numbers.combined_value(fit, draws, value_per_visit, prob=prob) if value_per_visit else None
    )
    for r in rows:
        r["label"] = _label(r["channel"], r["audience"])
        r["combined"] = combined.get((r["channel"], r["audience"])) if combined else None
    first = revenue[0] if revenue else None
    rows.sort(key=lambda r: -(r["outcomes"].get(first, {}).get("median") or 0.0) if first else 0)
    health = assess(run.diagnostics)
    current = {(s["channel"], s["audience"]): s["spend"] for s in data["series"]}

    headline = headline_section(
        ctx, fit=fit, summary=summary, data=data, totals=totals, rows=rows, draws=draws
    )
    budget = sections.build(
        "budget", "Budget recommendation", budget_section, ctx, rec, freq=data.get("freq")
    )
    ctx["budget_value_fmt"] = budget["value_fmt"] if budget else money
    charts: dict[str, list] = {"roas": [], "funnel": [], "weekly": [], "curves": []}
    charts["roas"] = (
        sections.build("roas", "Return per channel chart", roas_charts, ctx, fit=fit, rows=rows)
        or []
    )
    charts["funnel"] = (
        sections.build(
            "funnel", "Awareness vs conversion charts", funnel_charts, ctx, fit=fit, summary=summary
        )
        or []
    )
    weekly = sections.build("over-time", "Over time", weekly_section, ctx, fit=fit)
    charts["weekly"], quality = (weekly[0], weekly[2]) if weekly else ([], None)
    curves = sections.build(
        "curves", "Response curves", curves_section, ctx, fit=fit, stages=stages, current=current
    )
    charts["curves"] = curves["charts"] if curves else []
    marginal = (
        sections.build(
            "marginal",
            "Return on the next euro",
            marginal_rows,
            ctx,
            fit=fit,
            rows=rows,
            points=curves["points"],
            current=current,
        )
        if curves
        else None
    ) or []
    headroom = sections.build(
        "headroom", "Headroom at the plan's spend", headroom_section, ctx, rec
    )
    carry = sections.build("carryover", "Carry-over", carryover_section, ctx, fit=fit) or []
    near = sections.build("near-store", "Near-store vs broad", near_store_section, ctx, fit=fit)
    o2s = online_store_section(
        ctx, fit=fit, summary=summary, rows=rows, value_per_visit=value_per_visit
    )
    geo = sections.build(
        "geos", "By geo", geo_context, run, kinds=kinds, prob=prob, currency=currency
    )
    g = geo_headline(ctx, geo)
    if g:
        headline.append(g)
    if budget and budget.get("sentence"):
        headline.append(budget["sentence"])
    headline.append(health.headline)
    calibration = sections.build(
        "calibration", "Calibration", calibration_context, summary, money=money, kinds=kinds
    )
    crosscheck = sections.build(
        "crosscheck",
        "Cross-check",
        crosscheck_context,
        fit,
        summary,
        kinds=kinds,
        currency=currency,
    )
    backtest = sections.build("backtest", "Out-of-sample check", backtest_context, run.backtest)
    scenarios = sections.build(
        "scenarios", "Scenarios", scenarios_section, ctx, run_dir=run.path, kinds=kinds
    )

    spec = fit.spec
    funnel = summary.get("funnel", {})
    rec_path = run.recommendation_path
    return {
        **{k: v for k, v in ctx.items() if k != "budget_value_fmt"},
        "title": "Media mix report",
        "run_name": run.path.resolve().name,
        "run_path": str(run.path.resolve()),
        "recommendation_file": (
            str(rec_path.resolve().relative_to(run.path.resolve())) if rec_path else None
        ),
        "recommendation_name": run.recommendation_name
        or (rec_path.parent.name if rec_path and rec_path.parent.name != run.path.name else None),
        "generated": _dt.datetime.now().strftime("%d %b %Y %H:%M"),
        "prob_pct": fmt.pct(prob),
        "headline": headline,
        "outcomes": list(spec.outcome_names),
        "rows": rows,
        "totals": totals,
        "charts": charts,
        "funnel": funnel,
        "stage_channels": _stage_channels(rows),
        "mediator": spec.mediator,
        "o2s": o2s["o2s"],
        "by_audience": o2s["by_audience"],
        "value_per_visit": value_per_visit,
        "value_per_visit_source": vpv_source,
        "curves_note": curves["note"] if curves else "",
        "marginal": marginal,
        "headroom": headroom,
        "carry": carry,
        "near": near,
        "geo": geo,
        "budget": budget,
        "health": health,
        "calibration": calibration,
        "crosscheck": crosscheck,
        "backtest": backtest,
        "scenarios": scenarios,
        "failed": sections.failed,
        "diag": run.diagnostics or {},
        "quality": quality or {o: {"r2": None, "mape": None} for o in spec.outcome_names},
        "data": data,
        "spec": spec,
        "sampler": run.fit_meta.get("sampler", {}),
        "manifest": run.manifest,
        "warnings": list(run.warnings) + data["warnings"],
        "fmt": fmt,
        "value_fmt": {o: _value_fmt(k, currency) for o, k in kinds.items()},
    }


def render(context: dict, template: str = TEMPLATE) -> str:
    """Render ``context`` with the packaged template."""
    return _env().get_template(template).render(**context)


def build_report(
    run_dir,
    *,
    out=None,
    value_per_visit: float | None = None,
    currency: str = "€",
    recommendation: str | None = None,
    strict: bool | None = None,
) -> Path:
    """Write the planner report of a run folder as one self-contained HTML file.

    Parameters
    ----------
    run_dir : path
        A run folder written by :func:`mmm.runs.write_run` (``mmm fit``).
    out : path, optional
        Where to write; defaults to ``RUN_DIR/report.html``.
    value_per_visit : float, optional
        Currency value of one store visit, to rank channels on both outcomes at once;
        defaults to ``[optimizer].value_per_visit`` of the run's config when positive.
    currency : str
        Currency symbol used in the text.
    recommendation : str, optional
        Name of the stored recommendation to show (``RUN_DIR/recommendations/NAME``);
        default ``recommended`` when stored, else the newest.
    strict : bool, optional
        Fail when a section cannot be built instead of showing a notice; default the
        ``MMM_REPORT_STRICT`` environment variable.

    Returns
    -------
    Path
        The written file.
    """
    run = RunFolder.open(run_dir, recommendation=recommendation)
    ctx = build_context(run, value_per_visit=value_per_visit, currency=currency, strict=strict)
    html = render(ctx)
    path = Path(out) if out is not None else run.report_file("html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
