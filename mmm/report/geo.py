"""The report's geo section: results per region, shown when the fit has several geos.

Numbers come from ``summary.json`` (``geos``, written by :func:`mmm.runs.build_summary`
from :func:`mmm.analysis.geo.geo_table`) so that the report and the summary agree; a
summary without them fails the section with an error naming the file and the key.
Near-store vs broad per geo and the optimizer's per-geo budget come from the fit
(:func:`mmm.analysis.online_store.near_store_vs_broad`) and ``recommendation.json``.
"""

from __future__ import annotations

from functools import partial

from mmm.analysis.online_store import has_near_store, near_store_vs_broad
from mmm.errors import RunFolderError
from mmm.plotting.ranked import ranked_bars
from mmm.report import figures, fmt
from mmm.run_folder import SUMMARY_FILE


def _records(run, n_geos: int):
    """The summary's per-geo records (:class:`~mmm.run_summary.GeoRecord`)."""
    recs = run.summary.geos
    if recs is None:
        raise RunFolderError(
            run.path,
            SUMMARY_FILE,
            f"has no key 'geos' although the fit has {n_geos} geos",
            "refit with `mmm fit` to rewrite it",
        )
    return recs


def _interval(rec, prefix: str) -> dict:
    return {k: getattr(rec, f"{prefix}_{k}") for k in ("median", "lower", "upper")}


def geo_context(run, *, kinds: dict, prob: float, currency: str = "€") -> dict | None:
    """Rows, chart and notes of the geo section; None for a fit with one geo.

    Returns
    -------
    dict or None
        ``rows``: one per geo then ``"all"`` with spend, shops, population and per outcome
        the media-driven amount, its return per currency (revenue) and the cost per extra
        unit (counts), each as {median, lower, upper}; ``chart``: ranked bars of the cost
        per extra unit of the first count outcome by geo (or of the return of the first
        revenue outcome without a count outcome); ``near``: near-store vs broad cost per
        visit per geo; ``budget``: current vs recommended spend per geo when
        ``recommendation.json`` has per-geo rows.
    """
    fit = run.fit
    geos = [str(g) for g in fit.dataset.geos]
    if len(geos) < 2:
        return None
    money = partial(fmt.money, currency=currency)
    recs = _records(run, len(geos))
    outcomes = list(fit.spec.outcome_names)
    counts = [o for o in outcomes if kinds.get(o) == "count"]
    revenue = [o for o in outcomes if kinds.get(o) == "revenue"]
    rows, by_geo = _geo_rows(recs, geos)
    has_shops = any(fmt.is_number(r["shops"]) for r in rows)
    has_population = any(fmt.is_number(r["population"]) for r in rows)

    chart, no_effect = _geo_chart(rows, counts, revenue, money=money, currency=currency, prob=prob)
    near = _near_store_by_geo(fit, counts, geos, by_geo, prob)
    budget = _geo_budget(run, geos, counts)
    return {
        "rows": rows,
        "outcomes": outcomes,
        "counts": counts,
        "revenue": revenue,
        "has_shops": has_shops,
        "has_population": has_population,
        "chart": chart,
        "no_effect": no_effect,
        "near": near,
        "budget": budget,
        "n": len(geos),
    }


def _geo_rows(recs, geos: list[str]) -> tuple[list[dict], dict[str, dict]]:
    """One row per geo, then ``all``: spend, shops, population and, per outcome, the
    media-driven amount, its return per currency and the cost per extra unit; and the
    rows by geo."""
    by_geo: dict[str, dict] = {}
    for r in recs:
        g = str(r.geo)
        row = by_geo.setdefault(
            g,
            {
                "geo": g,
                "spend": r.spend,
                "shops": r.shops,
                "population": r.population,
                "outcomes": {},
            },
        )
        row["outcomes"][r.outcome] = {
            "contribution": _interval(r, "contribution"),
            "per_spend": _interval(r, "per_spend"),
            "cost": _interval(r, "cost_per_unit"),
        }
    return [by_geo[g] for g in [*geos, "all"] if g in by_geo], by_geo


def _geo_chart(
    rows: list[dict], counts: list[str], revenue: list[str], *, money, currency: str, prob: float
):
    """Ranked bars of the geos' cost per extra unit of the first count outcome (or return
    on the first revenue outcome), and the geos with no media effect on it."""
    chart = None
    if counts or revenue:
        o = counts[0] if counts else revenue[0]
        key = "cost" if counts else "per_spend"
        items = []
        for r in rows:
            if r["geo"] == "all":
                continue
            v = r["outcomes"].get(o, {}).get(key, {})
            if fmt.is_number(v.get("median")) and v["median"] > 0:
                items.append({"label": r["geo"], "stage": "geo", **v})
        items.sort(key=lambda it: it["median"], reverse=not counts)
        unit = fmt.pretty(o).rstrip("s")
        if items and counts:
            order = ", ".join(f"{it['label']} {money(it['median'])}" for it in items)
            fig = ranked_bars(
                items,
                title=f"Cost per extra {unit} by geo (lower is better)",
                xlabel=f"{currency} per {unit} (bar: most likely; line: {fmt.pct(prob)} range)",
                value_fmt=money,
                stage_legend=False,
                range_label=f"line: {fmt.pct(prob)} range",
            )
            chart = figures.encode(
                fig,
                f"Bar chart ranking geos by cost per extra {unit} from all media, "
                f"cheapest first: {order}.",
            )
        elif items:
            order = ", ".join(f"{it['label']} {fmt.ratio(it['median'])}" for it in items)
            fig = ranked_bars(
                items,
                title=f"Return on {fmt.pretty(o)} per {currency}1 by geo",
                xlabel=f"{fmt.pretty(o)} per {currency}1 (bar: most likely; line: "
                f"{fmt.pct(prob)} range)",
                value_fmt=fmt.ratio,
                stage_legend=False,
                range_label=f"line: {fmt.pct(prob)} range",
            )
            chart = figures.encode(
                fig,
                f"Bar chart ranking geos by return on {fmt.pretty(o)} per {currency}1, "
                f"highest first: {order}.",
            )
        no_effect = [
            r["geo"]
            for r in rows
            if r["geo"] != "all" and r["geo"] not in {it["label"] for it in items}
        ]
    else:
        no_effect = []

    return chart, no_effect


def _near_store_by_geo(
    fit, counts: list[str], geos: list[str], by_geo: dict, prob: float
) -> list[dict]:
    """Per geo (then ``all``): the cost per visit of near-store and broad audiences and the
    chance that near-store is cheaper (empty without a near-store audience)."""
    near: list[dict] = []
    if counts and has_near_store(fit):
        nd = near_store_vs_broad(fit, outcome=counts[0], prob=prob, by_geo=True)
        nd = nd[nd["scope"] == "all"]
        for g in [*geos, "all"]:
            sub = nd[nd["geo"] == g].set_index("group")
            if sub.empty:
                continue
            cell = {"geo": g, "shops": by_geo.get(g, {}).get("shops")}
            for grp in ("near_store", "broad"):
                if grp in sub.index:
                    x = sub.loc[grp]
                    cell[grp] = {
                        "spend": float(x["spend"]),
                        **{
                            k: float(x[f"cost_per_visit_{k}"]) for k in ("median", "lower", "upper")
                        },
                    }
                else:
                    cell[grp] = None
            p = sub["p_near_cheaper"].iloc[0]
            cell["p"] = float(p) if fmt.is_number(p) else None
            near.append(cell)

    return near


def _geo_budget(run, geos: list[str], counts: list[str]) -> list[dict] | None:
    """Current vs recommended spend per geo, with the cost per extra unit of each plan, when
    the stored recommendation has per-geo rows (else None)."""
    rec = run.recommendation
    if rec is None or not any(a.geo in geos for a in rec.allocation):
        return None
    tot = rec.geo_spend()
    cpv = {
        (g.plan, g.geo): g.cost_per_unit_median
        for g in rec.geos
        if counts and g.outcome == counts[0]
    }
    budget = []
    for g in geos:
        if g in tot:
            t = {"geo": g, **tot[g]}
            t["cost_current"] = cpv.get(("current", g))
            t["cost_recommended"] = cpv.get(("recommended", g))
            budget.append(t)
    return budget
