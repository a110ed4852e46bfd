"""The budget section: the optimizer's recommendation put in sentences a planner can act on.

Everything here renders numbers stored in ``recommendation.json``, read as a typed
:class:`~mmm.plan_results.StoredRecommendation` (older files are brought to the current
schema by :func:`mmm.plan_results.migrate_recommendation`); nothing is recomputed.
"""

from __future__ import annotations

import datetime as _dt
from functools import partial

from mmm.names import display_name
from mmm.plan_results import (
    AllocationRow,
    BindingLimit,
    Interval,
    PlanOutcome,
    PlanSettings,
    PlanSummary,
    StoredRecommendation,
)
from mmm.report import fmt


def _series_name(series, lookup: dict) -> str:
    if series in lookup:
        return lookup[series]
    s = str(series)
    if "|" in s:
        c, a = s.split("|", 1)
        return display_name(c, a)
    return display_name(s)


def _date(x: str | None) -> str | None:
    if not x:
        return None
    return f"{_dt.date.fromisoformat(x[:10]):%d %b %Y}"


def _value_meaning(weights, kinds: dict, money) -> str | None:
    """``online sales plus each store visit at €25`` from the objective's outcome weights."""
    parts = []
    for o, w in weights.items():
        if not fmt.is_number(w) or float(w) == 0:
            continue
        w = float(w)
        if kinds.get(o) == "count":
            parts.append(f"each {fmt.pretty(o).rstrip('s')} at {money(w)}")
        elif w == 1:
            parts.append(fmt.pretty(o))
        else:
            parts.append(f"{fmt.ratio(w)} x {fmt.pretty(o)}")
    if not parts:
        return None
    if len(parts) == 1 and kinds.get(next(iter(weights))) != "count":
        return f"Value here is {parts[0]}."
    return "Value here counts " + " plus ".join(parts) + "."


def _interval(rec: PlanOutcome, vf) -> str:
    if fmt.is_number(rec.lower) and fmt.is_number(rec.upper):
        return f"about {vf(rec.median)} ({vf(rec.lower)} – {vf(rec.upper)})"
    return f"about {vf(rec.median)}"


def budget_context(
    rec: StoredRecommendation | None, *, currency: str, kinds: dict, freq=None
) -> dict | None:
    """A stored recommendation in words: sentences, tables and their numbers.

    Parameters
    ----------
    rec : StoredRecommendation or None
        The recommendation shown (:attr:`mmm.run_folder.RunFolder.recommendation`).
    currency : str
        Currency symbol.
    kinds : dict
        Outcome name -> ``"revenue"`` or ``"count"``.
    freq : str, optional
        The data's frequency (``W-MON``), to say weeks or days.

    Returns
    -------
    dict or None
        None without a recommendation.
    """
    if rec is None:
        return None
    money = partial(fmt.money, currency=currency)
    summary, settings = rec.summary, rec.settings
    vfmt = fmt.count if rec.value_is_count(kinds) else money
    rows, lookup = _budget_rows(rec.allocation)
    uplift = _uplift(summary.uplift, vfmt)
    outcomes = _outcomes_per_plan(rec.outcomes, kinds, vfmt, money)
    level = rec.outcomes[0].interval if rec.outcomes else summary.interval
    bsp = summary.budget_shadow_price
    return {
        "name": settings.name,
        "rows": rows,
        "uplift": uplift,
        "total": money(summary.budget),
        "horizon": settings.horizon,
        "summary_lines": _summary_lines(
            settings, summary, uplift, kinds=kinds, money=money, freq=freq
        ),
        "outcome_lines": _outcome_lines(outcomes),
        "outcomes": outcomes,
        "window_note": _window_note(_date(settings.window_end), freq, level),
        "lines": _line_sentences(rows, currency=currency, money=money, vfmt=vfmt),
        "moves": [
            f"Move {money(m.amount)} from {_series_name(m.source, lookup)} "
            f"to {_series_name(m.target, lookup)}."
            for m in rec.moves
        ],
        "binding": _binding_limits(
            summary.binding, lookup, currency=currency, money=money, vfmt=vfmt
        ),
        "budget_margin": (
            f"Each extra {currency}1 of total budget would add about {vfmt(bsp)} of value."
            if fmt.is_number(bsp)
            else None
        ),
        "value_fmt": vfmt,
        "sentence": _headline_sentence(uplift, summary.prob_better),
        "unreadable": not rows,
    }


def _window_note(window_end: str | None, freq, level: float) -> str:
    """Over which periods effects are counted, and the width of the ranges."""
    if window_end:
        return (
            f"Effects are counted over the plan's {fmt.period_word(freq)} and the carry-over "
            f"after them, up to {window_end}; ranges are {fmt.pct(level)} intervals."
        )
    return f"Ranges are {fmt.pct(level)} intervals."


def _headline_sentence(uplift: list[dict], pb) -> str | None:
    """The report's summary sentence on the recommendation (None without an uplift)."""
    if not uplift:
        return None
    chance = f" ({fmt.prob(pb)} chance of beating the current plan)" if fmt.is_number(pb) else ""
    return (
        "Moving money as recommended in the budget section should add "
        + _uplift_words(uplift)
        + chance
        + "."
    )


def _budget_rows(allocation: tuple[AllocationRow, ...]) -> tuple[list[dict], dict[str, str]]:
    """The plan's lines (one row per series and geo) and the display name of each series
    (``series`` and ``series@geo``) for the sentences."""
    rows: list[dict] = []
    lookup: dict[str, str] = {}
    for r in allocation:
        label = display_name(r.channel, r.audience, r.geo)
        lookup.setdefault(r.series, display_name(r.channel, r.audience))
        lookup[f"{r.series}@{r.geo}"] = label
        rows.append(
            {
                "label": label,
                "series": r.series,
                "geo": r.geo,
                "current": r.current,
                "recommended": r.recommended,
                "change": r.change_share,
                "delta": r.change,
                "mv_current": r.mroas_current,
                "mv_recommended": r.mroas_recommended,
                "locked": r.locked,
                "move": r.move,
            }
        )
    return rows, lookup


def _line_sentences(rows: list[dict], *, currency: str, money, vfmt) -> list[str]:
    """One sentence per line of the plan: keep, raise or cut, with its marginal value."""
    lines = []
    for b in rows:
        mv = ""
        if fmt.is_number(b["mv_current"]) and fmt.is_number(b["mv_recommended"]):
            mv = (
                f"; each extra {currency}1 there is worth {vfmt(b['mv_current'])} of value now "
                f"and {vfmt(b['mv_recommended'])} at the recommended level"
            )
        if b["locked"]:
            text = f"Keep {b['label']} at {money(b['current'])} (locked)"
        elif b["move"] == "keep":
            text = f"Keep {b['label']} at {money(b['current'])}"
        else:
            verb = "Raise" if b["move"] == "raise" else "Cut"
            sign = "+" if b["delta"] > 0 else "-"
            text = (
                f"{verb} {b['label']} from {money(b['current'])} to {money(b['recommended'])} "
                f"({sign}{money(abs(b['delta']))}"
                + (f", {sign}{fmt.pct(abs(b['change']))}" if b["change"] is not None else "")
                + ")"
            )
        lines.append(text + mv + ".")
    return lines


def _outcome_lines(outcomes: list[dict]) -> list[str]:
    """Each outcome from media under both plans, one sentence each."""
    return [
        f"{o['name'][:1].upper() + o['name'][1:]} from media: {o['current_words']} with the "
        f"current plan, {o['recommended_words']} with the recommended plan."
        for o in outcomes
        if o["current"] and o["recommended"]
    ]


def _uplift(uplift: Interval, vfmt) -> list[dict]:
    """The expected gain in value of the recommended plan, in words."""
    words = fmt.interval_words(uplift.median, uplift.lower, uplift.upper, vfmt)
    return [{"outcome": "value", "words": words}]


def _uplift_words(uplift: list[dict]) -> str:
    return "; ".join(
        f"{'value' if u['outcome'] == 'value' else fmt.pretty(u['outcome'])}: {u['words']}"
        for u in uplift
    )


def _plan_sentence(settings: PlanSettings, total: float, *, money, freq) -> str:
    """What the plan covers: periods, dates and the total budget."""
    start, end = _date(settings.plan_start), _date(settings.plan_end)
    horizon = settings.horizon
    span = (
        f"from the week of {start} to the week of {end}"
        if fmt.period_word(freq) == "weeks"
        else f"from {start} to {end}"
    )
    return (
        f"The plan covers {horizon} {fmt.period_word(freq, horizon)}, {span}, and splits a "
        f"total media budget of {money(total)}."
    )


def _summary_lines(
    settings: PlanSettings,
    summary: PlanSummary,
    uplift: list[dict],
    *,
    kinds: dict,
    money,
    freq,
) -> list[str]:
    """What the plan covers, what value means, and its chance of beating the current plan."""
    summary_lines = [_plan_sentence(settings, summary.budget, money=money, freq=freq)]
    meaning = _value_meaning(summary.outcome_weights, kinds, money)
    summary_lines.append(meaning or f"Value here is {fmt.pretty(summary.objective_label)}.")
    pb = summary.prob_better
    chance = None
    if fmt.is_number(pb):
        chance = (
            f"The recommended plan beats the current one in {fmt.prob(pb)} of the model's "
            "scenarios (posterior draws)"
        )
    upct = summary.uplift_pct
    pct_words = f" (+{fmt.ratio(upct)}% on the current plan)" if fmt.is_number(upct) else ""
    summary_lines.append(
        (chance + "; it should add " if chance else "It should add ")
        + _uplift_words(uplift)
        + pct_words
        + "."
    )
    return summary_lines


def _outcomes_per_plan(outcomes: tuple[PlanOutcome, ...], kinds: dict, vfmt, money) -> list[dict]:
    """Each outcome from media under the current and the recommended plan."""
    by: dict[str, dict[str, PlanOutcome]] = {}
    for po in outcomes:
        by.setdefault(po.outcome, {})[po.plan] = po
    out = []
    for o, plans in by.items():
        vf = vfmt if o == "value" else (fmt.count if kinds.get(o) == "count" else money)
        cur, new = plans.get("current"), plans.get("recommended")
        out.append(
            {
                "outcome": o,
                "name": "value" if o == "value" else fmt.pretty(o),
                "current": cur,
                "recommended": new,
                "current_words": _interval(cur, vf) if cur else "–",
                "recommended_words": _interval(new, vf) if new else "–",
                "fmt": vf,
            }
        )
    return out


def _binding_limits(
    binding: tuple[BindingLimit, ...], lookup: dict[str, str], *, currency: str, money, vfmt
) -> list[str]:
    """The limits the plan sits at, with what moving each one is worth (shadow price)."""
    out = []
    for b in binding:
        at_geo = f"{b.series}@{b.geo or 'all'}"
        name = _series_name(at_geo if at_geo in lookup else b.series, lookup)
        s = f"{name} is at its {b.side} limit ({money(b.limit)})"
        sp = b.shadow_price
        if fmt.is_number(sp):
            s += (
                f": each {currency}1 the limit is {'raised' if b.side == 'upper' else 'lowered'} "
                f"would change value by about {vfmt(abs(sp)) if sp >= 0 else '-' + vfmt(abs(sp))}"
            )
        out.append(s + ".")
    return out
