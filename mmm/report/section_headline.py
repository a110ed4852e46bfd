"""The report's summary bullets: period, spend, media totals, best lines, geos."""

from __future__ import annotations

from functools import partial

from mmm.analysis.ranking import best_of
from mmm.report import fmt, numbers
from mmm.report.charts import value_fmt as _value_fmt


def headline_section(ctx: dict, *, fit, summary, data, totals, rows) -> list[str]:
    """The summary bullets: period, spend, media totals, best lines, funnel shares."""
    currency, money = ctx["currency"], ctx["money"]
    revenue, counts = ctx["revenue"], ctx["counts"]
    n = data["n_periods"]
    headline = [
        f"From {data['start']:%d %b %Y} to {data['end']:%d %b %Y} "
        f"({n} {fmt.period_word(data.get('freq'), n)}) "
        f"{money(data['total_spend'])} was spent on media across {len(data['series'])} "
        "channel and audience lines."
    ]
    for o in fit.spec.outcome_names:
        headline.extend(_media_total_bullets(ctx, o, totals[o]))
    sp_sh, oc_sh = summary.funnel.spend_share, summary.funnel.outcome_share
    if sp_sh and oc_sh:
        parts = [
            f"{fmt.pct(v.get('awareness'))} of media's effect on {fmt.pretty(o)}"
            for o, v in oc_sh.items()
        ]
        headline.append(
            f"Awareness channels took {fmt.pct(sp_sh.get('awareness'))} of the spend and "
            f"delivered {' and '.join(parts)}; conversion channels the rest."
        )
    odds = summary.odds_of_best() if len(rows) > 1 else {}

    def _odds(o: str, r: dict, word: str) -> str:
        """How often the named line is the best one across the posterior draws."""
        p = odds.get((o, r["channel"], r["audience"]))
        if not fmt.is_number(p):
            return ""
        n = len({k[1:] for k in odds if k[0] == o})
        return f"; {fmt.prob(p)} chance that it is the {word} of the {n} lines"

    best = []
    first = revenue[0] if revenue else None
    if first:
        b = best_of(rows, lambda r: numbers.outcome_value(r, first, "median"))
        if b is not None:
            rec = b["outcomes"][first]
            best.append(
                f"the best return on {fmt.pretty(first)} came from {b['label']} "
                f"({fmt.ratio(rec.median)} per {currency}1, range "
                f"{fmt.interval_short(rec.lower, rec.upper, fmt.ratio)}"
                f"{_odds(first, b, 'best')})"
            )
    for o in counts[:1]:
        b = best_of(
            rows,
            partial(numbers.outcome_value, outcome=o, field="cost_per_unit"),
            lowest=True,
            positive=True,
        )
        if b is not None:
            rec = b["outcomes"][o]
            rng = fmt.interval_short(rec.cost_per_unit_lower, rec.cost_per_unit_upper, money)
            best.append(
                f"the cheapest {fmt.pretty(o)} came from {b['label']} "
                f"({money(rec.cost_per_unit)} each, range {rng}"
                f"{_odds(o, b, 'cheapest')})"
            )
    if best:
        headline.append("Per channel, " + "; ".join(best) + ".")
    return headline


def _media_total_bullets(ctx: dict, o: str, t) -> list[str]:
    """What all media drove of outcome ``o`` (``t``: its MediaTotal in the summary), and
    the return per currency (revenue) or the cost per extra unit (counts)."""
    currency, kinds, money = ctx["currency"], ctx["kinds"], ctx["money"]
    headline: list[str] = []
    vf = _value_fmt(kinds[o], currency)
    what = fmt.pretty(o)
    media = fmt.interval_words(
        t.contribution_median, t.contribution_lower, t.contribution_upper, vf
    )
    headline.append(
        f"Media drove {media} of {what}, "
        f"that is {fmt.pct(t.share_median)} of all {what} "
        f"(range {fmt.interval_short(t.share_lower, t.share_upper, fmt.pct)})."
    )
    if kinds[o] == "revenue":
        headline.append(
            f"Each {currency}1 of media brought back "
            f"{fmt.interval_words(t.per_spend_median, t.per_spend_lower, t.per_spend_upper, money)} "
            f"in {what}."
        )
    elif fmt.is_number(t.cost_per_unit_median):
        cost = fmt.interval_words(
            t.cost_per_unit_median, t.cost_per_unit_lower, t.cost_per_unit_upper, money
        )
        headline.append(f"Across all media, one extra {what.rstrip('s')} cost {cost}.")
    return headline


def geo_headline(ctx: dict, geo: dict | None) -> str | None:
    """One sentence on the cheapest and dearest geo for the first count outcome."""
    counts, money = ctx["counts"], ctx["money"]
    if geo is None or geo["chart"] is None or not counts:
        return None
    o = counts[0]
    geos = [r for r in geo["rows"] if r["geo"] != "all"]

    def cost(r: dict):
        return r["outcomes"].get(o, {}).get("cost", {}).get("median")

    cheap, dear = best_of(geos, cost, lowest=True), best_of(geos, cost)
    if cheap is None or dear is None:
        return None
    unit = fmt.pretty(o).rstrip("s")
    return (
        f"Across {geo['n']} geos, an extra {unit} from media cost least in "
        f"{cheap['geo']} ({money(cheap['outcomes'][o]['cost']['median'])}) "
        f"and most in {dear['geo']} ({money(dear['outcomes'][o]['cost']['median'])})."
    )
