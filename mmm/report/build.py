"""Assemble the planner report of a run folder and render it to one self-contained HTML file."""

from __future__ import annotations

import datetime as _dt
from functools import partial
from pathlib import Path

from mmm.report import figures, fmt, numbers
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
    return env


def _optional(module: str, name: str, *args, **kwargs):
    """Call ``module.name`` from the analysis package if it exists; None when it cannot."""
    import importlib

    try:
        fn = getattr(importlib.import_module(module), name)
        return fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - optional extras degrade to a note in the report
        return None


def _value_fmt(kind: str, currency: str):
    return partial(fmt.money, currency=currency) if kind == "revenue" else fmt.count


def _label(c: str, a: str) -> str:
    return f"{fmt.pretty(c)} / {fmt.pretty(a)}"


def build_context(
    run: RunFolder, *, value_per_visit: float | None = None, currency: str = "€"
) -> dict:
    """Everything the template shows, as plain values (numbers already in words)."""
    fit = run.fit
    summary = run.summary
    money = partial(fmt.money, currency=currency)
    kinds = numbers.outcome_kinds(fit)
    stages = numbers.series_stage(fit)
    prob = float(next((r.get("interval") for r in summary.get("roas", [])), 0.9) or 0.9)
    if value_per_visit is None:
        v = run.config.get("optimizer", {}).get("value_per_visit")
        value_per_visit = float(v) if fmt.is_number(v) and float(v) > 0 else None
    data = numbers.data_summary(fit)
    totals = numbers.media_totals(fit, prob=prob)
    rows = numbers.roas_rows(summary, stages, kinds)
    revenue = [o for o, k in kinds.items() if k == "revenue"]
    counts = [o for o, k in kinds.items() if k == "count"]
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

    # ------------------------------------------------------------------ headline
    headline: list[str] = []
    headline.append(
        f"From {data['start']:%d %b %Y} to {data['end']:%d %b %Y} ({data['n_periods']} periods) "
        f"{money(data['total_spend'])} was spent on media across {len(data['series'])} "
        "channel and audience lines."
    )
    for o in fit.spec.outcome_names:
        t = totals[o]
        vf = _value_fmt(kinds[o], currency)
        what = fmt.pretty(o)
        s = (
            f"Media drove {fmt.interval_words(t['median'], t['lower'], t['upper'], vf)} "
            f"of {what}, "
            f"that is {fmt.pct(t['share']['median'])} of all {what} "
            f"(range {fmt.interval_short(t['share']['lower'], t['share']['upper'], fmt.pct)})."
        )
        headline.append(s)
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
    sp_sh = funnel.get("spend_share", {})
    oc_sh = funnel.get("outcome_share", {})
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
        said = "over 99%" if p > 0.99 else "under 1%" if p < 0.01 else fmt.pct(p)
        return f"; {said} chance that it is the {word} of the {n} lines"

    best = []
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
            best.append(
                f"the cheapest {fmt.pretty(o)} came from {b['label']} "
                f"({money(rec['cost_per_unit'])} each, range "
                f"{fmt.interval_short(rec.get('cost_per_unit_lower'), rec.get('cost_per_unit_upper'), money)}"
                f"{_odds(o, b, 'cheapest')})"
            )
    if best:
        headline.append("Per channel, " + "; ".join(best) + ".")

    # ------------------------------------------------------------------ charts
    charts: dict[str, list] = {"roas": [], "funnel": [], "weekly": [], "curves": []}
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
            charts["roas"].append(
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
        else:
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
            charts["roas"].append(
                figures.ranked_bars(
                    items,
                    title=f"Cost per extra {fmt.pretty(o).rstrip('s')} (lower is better)",
                    xlabel=f"{currency} per {fmt.pretty(o).rstrip('s')} (bar: most likely; line: "
                    f"{fmt.pct(prob)} range)",
                    value_fmt=money,
                    alt=f"Bar chart ranking channel and audience lines by cost per "
                    f"{fmt.pretty(o).rstrip('s')}, cheapest first: {order}.",
                )
            )
    if sp_sh and oc_sh:
        charts["funnel"].append(
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
        pouts = list(dict.fromkeys(p["outcome"] for p in paths))
        # one chart per outcome kind so the axis units stay meaningful
        for o in pouts:
            charts["funnel"].append(
                figures.direct_vs_mediated(
                    paths,
                    [o],
                    value_fmt=_value_fmt(kinds.get(o, "revenue"), currency),
                    alt=f"Stacked bars per awareness channel splitting its effect on "
                    f"{fmt.pretty(o)} into a direct part and a part through "
                    f"{fmt.pretty(mediator)}: "
                    + "; ".join(
                        f"{fmt.pretty(p['channel'])} direct "
                        f"{_value_fmt(kinds.get(o, 'revenue'), currency)(p['direct'])}, "
                        f"via {fmt.pretty(mediator)} "
                        f"{_value_fmt(kinds.get(o, 'revenue'), currency)(p['mediated'])}"
                        for p in paths
                        if p["outcome"] == o
                    )
                    + ".",
                )
            )
    split = numbers.weekly_split(fit)
    quality = numbers.fit_quality(split, fit.spec.outcome_names)
    for o in fit.spec.outcome_names:
        q = quality[o]
        charts["weekly"].append(
            figures.weekly(
                split,
                o,
                value_fmt=_value_fmt(kinds[o], currency),
                alt=f"Stacked area chart of {fmt.pretty(o)} per period split into base and media "
                f"by funnel stage, with actual {fmt.pretty(o)} as a line; the model's fitted "
                f"values explain {fmt.pct(q['r2'])} of the week-to-week variation.",
            )
        )
    curves_df, curve_pts, curves_note = response_curves(fit, prob=prob, revenue_outcomes=revenue)
    current = {(s["channel"], s["audience"]): s["spend"] for s in data["series"]}
    if curves_df is not None:
        for o in fit.spec.outcome_names:
            if (curves_df["outcome"] == o).any():
                charts["curves"].append(
                    figures.curves_grid(
                        curves_df,
                        o,
                        stages,
                        current,
                        value_fmt=_value_fmt(kinds[o], currency),
                        money_fmt=money,
                        points=curve_pts,
                        alt=f"Small charts, one per channel and audience line, of total "
                        f"{fmt.pretty(o)} against total spend over the period with a "
                        f"{fmt.pct(prob)} band; a dot marks today's spend. Flattening curves "
                        "mean each extra euro brings back less.",
                    )
                )

    headroom = []
    for r in rows:
        for o in fit.spec.outcome_names:
            pts = curve_pts.get((o, r["channel"], r["audience"]))
            if not pts or "marginal_at_current" not in pts:
                continue
            mg, dim = pts["marginal_at_current"], pts.get("diminishing_spend") or {}
            cur = current.get((r["channel"], r["audience"]))
            if fmt.is_number(dim.get("median")) and fmt.is_number(cur):
                past = cur > dim["median"]
                words = (
                    "past the point of diminishing returns"
                    if past
                    else "before the point of diminishing returns: room to grow"
                )
            else:
                words = "no clear point of diminishing returns within the curve"
            if kinds[o] == "revenue" and fmt.is_number(mg.get("median")):
                if fmt.is_number(mg.get("lower")) and mg["lower"] > 1:
                    words += f"; the next {currency}1 still pays back in {fmt.pretty(o)} alone"
                elif fmt.is_number(mg.get("upper")) and mg["upper"] < 1:
                    words += f"; the next {currency}1 returns less than it costs in {fmt.pretty(o)}"
                else:
                    words += f"; unclear whether the next {currency}1 pays back in {fmt.pretty(o)}"
            headroom.append(
                {
                    "label": r["label"],
                    "outcome": o,
                    "marginal": mg,
                    "diminishing": dim,
                    "current": cur,
                    "words": words,
                    "per": "1" if kinds[o] == "revenue" else "1k",
                }
            )
    carry = _optional("mmm.analysis.funnel", "carryover", fit, prob=prob)
    carry_rows = (
        []
        if carry is None
        else [
            {
                "channel": str(c.channel),
                "stage": str(c.stage),
                "median": c.half_life_median,
                "lower": c.half_life_lower,
                "upper": c.half_life_upper,
                "days": getattr(c, "period_days", None),
            }
            for c in carry.itertuples()
        ]
    )
    near = None
    if counts:
        nd = _optional(
            "mmm.analysis.online_store", "near_store_vs_broad", fit, outcome=counts[0], prob=prob
        )
        if nd is not None and len(nd):
            try:
                near = [
                    {
                        "scope": str(x["scope"]),
                        "group": str(x["group"]),
                        "spend": x.get("spend"),
                        **{
                            k: x.get(f"cost_per_visit_{k}", x.get(k))
                            for k in ("median", "lower", "upper")
                        },
                        "p": x.get("p_near_cheaper"),
                    }
                    for x in nd.to_dict("records")
                ]
            except (KeyError, AttributeError):
                near = None

    # ------------------------------------------------------------------ online to store
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
    audiences = sorted({r["audience"] for r in rows})
    by_audience = []
    for o in counts:
        for a in audiences:
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

    # ------------------------------------------------------------------ geos
    geo = geo_context(run, kinds=kinds, prob=prob, currency=currency)
    if geo is not None and geo["chart"] is not None and counts:
        ranked = [
            r
            for r in geo["rows"]
            if r["geo"] != "all"
            and fmt.is_number(r["outcomes"].get(counts[0], {}).get("cost", {}).get("median"))
        ]
        if ranked:
            cheap = min(ranked, key=lambda r: r["outcomes"][counts[0]]["cost"]["median"])
            dear = max(ranked, key=lambda r: r["outcomes"][counts[0]]["cost"]["median"])
            unit = fmt.pretty(counts[0]).rstrip("s")
            headline.append(
                f"Across {geo['n']} geos, an extra {unit} from media cost least in "
                f"{cheap['geo']} ({money(cheap['outcomes'][counts[0]]['cost']['median'])}) "
                f"and most in {dear['geo']} "
                f"({money(dear['outcomes'][counts[0]]['cost']['median'])})."
            )

    # ------------------------------------------------------------------ budget
    budget = _budget(run.recommendation, currency=currency, kinds=kinds)
    if budget and budget.get("rows"):
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
    if budget and budget.get("sentence"):
        headline.append(budget["sentence"])
    headline.append(health.headline)

    spec = fit.spec
    sampler = run.fit_meta.get("sampler", {})
    return {
        "title": "Media mix report",
        "run_name": run.path.resolve().name,
        "generated": _dt.datetime.now().strftime("%d %b %Y %H:%M"),
        "currency": currency,
        "prob": prob,
        "prob_pct": fmt.pct(prob),
        "headline": headline,
        "outcomes": list(spec.outcome_names),
        "kinds": kinds,
        "revenue": revenue,
        "counts": counts,
        "rows": rows,
        "totals": totals,
        "charts": charts,
        "funnel": funnel,
        "mediator": mediator,
        "o2s": o2s,
        "by_audience": by_audience,
        "value_per_visit": value_per_visit,
        "curves_note": curves_note,
        "headroom": headroom,
        "carry": carry_rows,
        "near": near,
        "geo": geo,
        "budget": budget,
        "health": health,
        "calibration": calibration_context(summary, money=money, kinds=kinds),
        "crosscheck": crosscheck_context(fit, summary, kinds=kinds, currency=currency),
        "backtest": backtest_context(run.backtest),
        "diag": run.diagnostics or {},
        "quality": quality,
        "data": data,
        "spec": spec,
        "sampler": sampler,
        "manifest": run.manifest,
        "warnings": list(run.warnings) + data["warnings"],
        "fmt": fmt,
        "money": money,
        "value_fmt": {o: _value_fmt(k, currency) for o, k in kinds.items()},
    }


def _first(d: dict, *keys):
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def _budget(rec: dict | None, *, currency: str, kinds: dict) -> dict | None:
    """Normalise the optimizer's ``recommendation.json`` for display (tolerant of layout)."""
    if rec is None:
        return None
    money = partial(fmt.money, currency=currency)
    # the optimizer nests its headline numbers under "summary" and "settings"
    summary = rec.get("summary") if isinstance(rec.get("summary"), dict) else {}
    settings = rec.get("settings") if isinstance(rec.get("settings"), dict) else {}
    rec = {
        "total_budget": summary.get("budget"),
        "horizon": settings.get("horizon"),
        **{k: v for k, v in summary.items() if k != "budget"},
        **rec,
    }
    recs = _first(rec, "budget", "allocation", "records", "lines") or []
    rows = []
    for r in recs if isinstance(recs, list) else []:
        if not isinstance(r, dict):
            continue
        cur, new = _first(r, "current", "current_spend"), _first(r, "recommended", "optimal")
        label = _label(r.get("channel", "?"), r.get("audience", "all"))
        if r.get("geo") not in (None, "all"):
            label += f" ({r['geo']})"
        change = (new - cur) / cur if fmt.is_number(cur) and fmt.is_number(new) and cur else None
        rows.append({"label": label, "current": cur, "recommended": new, "change": change})
    uplift_raw = _first(rec, "uplift", "expected_uplift", "gain")
    uplift = []
    if isinstance(uplift_raw, dict) and any(k in uplift_raw for k in ("mean", "median")):
        uplift_raw = {uplift_raw.get("outcome", "value"): uplift_raw}
    if isinstance(uplift_raw, list):
        uplift_raw = {u.get("outcome", "value"): u for u in uplift_raw if isinstance(u, dict)}
    if isinstance(uplift_raw, dict):
        for o, u in uplift_raw.items():
            if not isinstance(u, dict):
                continue
            vf = fmt.count if kinds.get(o) == "count" else money
            med = _first(u, "median", "mean")
            uplift.append(
                {"outcome": o, "words": fmt.interval_words(med, u.get("lower"), u.get("upper"), vf)}
            )
    total = _first(rec, "total_budget", "budget_total", "total")
    horizon = _first(rec, "horizon", "horizon_weeks")
    sentence = None
    if uplift:
        sentence = (
            "Moving money as recommended below should add "
            + "; ".join(f"{fmt.pretty(u['outcome'])}: {u['words']}" for u in uplift)
            + "."
        )
    scenarios = rec.get("scenarios") if isinstance(rec.get("scenarios"), list) else []
    return {
        "rows": rows,
        "uplift": uplift,
        "total": money(total) if fmt.is_number(total) else None,
        "horizon": horizon,
        "sentence": sentence,
        "scenarios": [s for s in scenarios if isinstance(s, dict)],
        "unreadable": not rows and not uplift,
    }


def render(context: dict, template: str = TEMPLATE) -> str:
    """Render ``context`` with the packaged template."""
    return _env().get_template(template).render(**context)


def build_report(
    run_dir, *, out=None, value_per_visit: float | None = None, currency: str = "€"
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

    Returns
    -------
    Path
        The written file.
    """
    run = RunFolder.open(run_dir)
    ctx = build_context(run, value_per_visit=value_per_visit, currency=currency)
    html = render(ctx)
    path = Path(out) if out is not None else run.path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
