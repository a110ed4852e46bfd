"""The budget section: the optimizer's recommendation put in sentences a planner can act on.

Everything here renders numbers stored in ``recommendation.json``; nothing is recomputed.
Fields written by older versions of the optimizer are read when present and skipped when not.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import partial

from mmm.names import display_name
from mmm.report import fmt

#: Changes smaller than this share of the current spend are read as "keep".
KEEP_SHARE = 0.005


def _series_name(series, lookup: dict) -> str:
    if series in lookup:
        return lookup[series]
    s = str(series)
    if "|" in s:
        c, a = s.split("|", 1)
        return display_name(c, a)
    return display_name(s)


def _date(x) -> str | None:
    if not x:
        return None
    try:
        return f"{_dt.date.fromisoformat(str(x)[:10]):%d %b %Y}"
    except ValueError:
        return str(x)


def _first(d: dict, *keys):
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return None


def _value_meaning(weights: dict, kinds: dict, money) -> str | None:
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


def _interval(rec: dict, vf) -> str:
    med = _first(rec, "median", "mean")
    if fmt.is_number(rec.get("lower")) and fmt.is_number(rec.get("upper")):
        return f"about {vf(med)} ({vf(rec['lower'])} – {vf(rec['upper'])})"
    return f"about {vf(med)}"


_LEGACY_SERIES = re.compile(r"series '([^']+)'.*:\s*(upper|lower)\s+([\d,.eE+-]+)")


def _legacy_binding(text: str, lookup: dict, money) -> str:
    """One of the old ``binding_constraints`` strings in words (names made readable)."""
    if text.startswith("total budget"):
        return "The total budget is fixed."
    m = _LEGACY_SERIES.search(text)
    if m:
        try:
            limit = float(m.group(3).replace(",", ""))
        except ValueError:
            limit = None
        side = "upper" if m.group(2) == "upper" else "lower"
        return (
            f"{_series_name(m.group(1), lookup)} is at its {side} limit"
            + (f" ({money(limit)})" if limit is not None else "")
            + "."
        )
    return re.sub(r"'([^']+\|[^']+)'", lambda mm: _series_name(mm.group(1), lookup), text) + "."


def budget_context(
    rec: dict | None, *, currency: str, kinds: dict, freq=None, prob: float = 0.9
) -> dict | None:
    """Normalise a stored recommendation for display: sentences, tables and their numbers.

    Parameters
    ----------
    rec : dict or None
        The parsed ``recommendation.json``.
    currency : str
        Currency symbol.
    kinds : dict
        Outcome name -> ``"revenue"`` or ``"count"``.
    freq : str, optional
        The data's frequency (``W-MON``), to say weeks or days.
    prob : float
        Interval level used when the file does not state one.

    Returns
    -------
    dict or None
        None without a recommendation.
    """
    if rec is None:
        return None
    money = partial(fmt.money, currency=currency)
    summary = fmt.mapping(rec.get("summary"))
    settings = fmt.mapping(rec.get("settings"))
    flat = {
        "total_budget": _first(settings, "budget") or summary.get("budget"),
        "horizon": settings.get("horizon"),
        **{k: v for k, v in summary.items() if k != "budget"},
        **rec,
    }
    vfmt = _value_format(fmt.mapping(summary.get("outcome_weights")), kinds, money)
    rows, lookup = _budget_rows(flat)
    uplift = _uplift(flat, kinds, vfmt, money)
    pb = summary.get("prob_better")
    total = _first(flat, "total_budget", "budget_total", "total")
    outcomes, level = _outcomes_per_plan(rec, kinds, vfmt, money, prob)
    bsp = summary.get("budget_shadow_price")
    scenarios = rec.get("scenarios")
    return {
        "name": settings.get("name"),
        "rows": rows,
        "uplift": uplift,
        "total": money(total) if fmt.is_number(total) else None,
        "horizon": _first(flat, "horizon", "horizon_weeks"),
        "summary_lines": _summary_lines(
            flat, settings, summary, uplift, kinds=kinds, money=money, freq=freq
        ),
        "outcome_lines": _outcome_lines(outcomes),
        "outcomes": outcomes,
        "window_note": _window_note(_date(settings.get("window_end")), freq, level),
        "lines": _line_sentences(rows, currency=currency, money=money, vfmt=vfmt),
        "moves": _moves(rec, lookup, money),
        "binding": _binding_limits(summary, lookup, currency=currency, money=money, vfmt=vfmt),
        "budget_margin": (
            f"Each extra {currency}1 of total budget would add about {vfmt(bsp)} of value."
            if fmt.is_number(bsp)
            else None
        ),
        "value_fmt": vfmt,
        "sentence": _headline_sentence(uplift, pb),
        "scenarios": [s for s in scenarios if isinstance(s, dict)]
        if isinstance(scenarios, list)
        else [],
        "unreadable": not rows and not uplift,
    }


def _value_format(weights: dict, kinds: dict, money):
    """The formatter of value: a count when every weighted outcome is a count, else money."""
    value_is_count = bool(weights) and all(
        kinds.get(o) == "count" for o, w in weights.items() if fmt.is_number(w) and w
    )
    return fmt.count if value_is_count else money


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


def _budget_rows(flat: dict) -> tuple[list[dict], dict[str, str]]:
    """The plan's lines (one row per series and geo) and the display name of each series
    (``series`` and ``series@geo``) for the sentences."""
    recs = _first(flat, "budget", "allocation", "records", "lines") or []
    rows: list[dict] = []
    lookup: dict[str, str] = {}
    for r in recs if isinstance(recs, list) else []:
        if not isinstance(r, dict):
            continue
        cur, new = _first(r, "current", "current_spend"), _first(r, "recommended", "optimal")
        label = display_name(r.get("channel", "?"), r.get("audience", "all"), r.get("geo", "all"))
        if r.get("series"):
            lookup.setdefault(r["series"], display_name(r.get("channel", "?"), r.get("audience")))
            lookup[f"{r['series']}@{r.get('geo', 'all')}"] = label
        change = (new - cur) / cur if fmt.is_number(cur) and fmt.is_number(new) and cur else None
        rows.append(
            {
                "label": label,
                "series": r.get("series"),
                "geo": r.get("geo", "all"),
                "current": cur,
                "recommended": new,
                "change": change,
                "delta": new - cur if fmt.is_number(cur) and fmt.is_number(new) else None,
                "mv_current": r.get("mroas_current"),
                "mv_recommended": r.get("mroas_recommended"),
                "locked": bool(r.get("locked")),
            }
        )
    return rows, lookup


def _line_sentences(rows: list[dict], *, currency: str, money, vfmt) -> list[str]:
    """One sentence per line of the plan: keep, raise or cut, with its marginal value."""
    lines = []
    for b in rows:
        if b["delta"] is None:
            continue
        mv = ""
        if fmt.is_number(b["mv_current"]) and fmt.is_number(b["mv_recommended"]):
            mv = (
                f"; each extra {currency}1 there is worth {vfmt(b['mv_current'])} of value now "
                f"and {vfmt(b['mv_recommended'])} at the recommended level"
            )
        if b["locked"]:
            text = f"Keep {b['label']} at {money(b['current'])} (locked)"
        elif b["current"] and abs(b["delta"]) < KEEP_SHARE * abs(b["current"]):
            text = f"Keep {b['label']} at {money(b['current'])}"
        else:
            verb = "Raise" if b["delta"] > 0 else "Cut"
            sign = "+" if b["delta"] > 0 else "-"
            text = (
                f"{verb} {b['label']} from {money(b['current'])} to {money(b['recommended'])} "
                f"({sign}{money(abs(b['delta']))}"
                + (f", {sign}{fmt.pct(abs(b['change']))}" if b["change"] is not None else "")
                + ")"
            )
        lines.append(text + mv + ".")
    return lines


def _moves(rec: dict, lookup: dict[str, str], money) -> list[str]:
    """The moves of money from one line to another, in sentences."""
    return [
        f"Move {money(m['amount'])} from {_series_name(m.get('from'), lookup)} "
        f"to {_series_name(m.get('to'), lookup)}."
        for m in rec.get("moves") or []
        if isinstance(m, dict) and fmt.is_number(m.get("amount"))
    ]


def _outcome_lines(outcomes: list[dict]) -> list[str]:
    """Each outcome from media under both plans, one sentence each."""
    return [
        f"{o['name'][:1].upper() + o['name'][1:]} from media: {o['current_words']} with the "
        f"current plan, {o['recommended_words']} with the recommended plan."
        for o in outcomes
        if o["current"] and o["recommended"]
    ]


def _uplift(flat: dict, kinds: dict, vfmt, money) -> list[dict]:
    """The expected gain of the recommended plan per outcome (or in value), in words."""
    uplift_raw = _first(flat, "uplift", "expected_uplift", "gain")
    uplift = []
    if isinstance(uplift_raw, dict) and any(k in uplift_raw for k in ("mean", "median")):
        uplift_raw = {uplift_raw.get("outcome", "value"): uplift_raw}
    if isinstance(uplift_raw, list):
        uplift_raw = {u.get("outcome", "value"): u for u in uplift_raw if isinstance(u, dict)}
    if isinstance(uplift_raw, dict):
        for o, u in uplift_raw.items():
            if not isinstance(u, dict):
                continue
            vf = fmt.count if kinds.get(o) == "count" else (vfmt if o == "value" else money)
            med = _first(u, "median", "mean")
            uplift.append(
                {"outcome": o, "words": fmt.interval_words(med, u.get("lower"), u.get("upper"), vf)}
            )
    return uplift


def _uplift_words(uplift: list[dict]) -> str:
    return "; ".join(
        f"{'value' if u['outcome'] == 'value' else fmt.pretty(u['outcome'])}: {u['words']}"
        for u in uplift
    )


def _summary_lines(
    flat: dict, settings: dict, summary: dict, uplift: list[dict], *, kinds: dict, money, freq
) -> list[str]:
    """What the plan covers, what value means, and its chance of beating the current plan."""
    unit = fmt.period_word(freq)
    horizon = _first(flat, "horizon", "horizon_weeks")
    start, end = _date(settings.get("plan_start")), _date(settings.get("plan_end"))
    total = _first(flat, "total_budget", "budget_total", "total")
    summary_lines = []
    plan = []
    if fmt.is_number(horizon):
        plan.append(f"The plan covers {int(horizon)} {fmt.period_word(freq, int(horizon))}")
    if start and end:
        span = (
            f"from the week of {start} to the week of {end}"
            if unit == "weeks"
            else f"from {start} to {end}"
        )
        plan.append(span if plan else f"The plan runs {span}")
    if plan:
        s = ", ".join(plan)
        if fmt.is_number(total):
            s += f", and splits a total media budget of {money(total)}"
        summary_lines.append(s + ".")
    elif fmt.is_number(total):
        summary_lines.append(f"The plan splits a total media budget of {money(total)}.")
    weights = fmt.mapping(summary.get("outcome_weights"))
    meaning = _value_meaning(weights, kinds, money) if weights else None
    if meaning:
        summary_lines.append(meaning)
    elif summary.get("objective_label"):
        summary_lines.append(f"Value here is {fmt.pretty(summary['objective_label'])}.")
    pb = summary.get("prob_better")
    chance = None
    if fmt.is_number(pb):
        chance = (
            f"The recommended plan beats the current one in {fmt.prob(pb)} of the model's "
            "scenarios (posterior draws)"
        )
    if uplift:
        upct = summary.get("uplift_pct")
        pct_words = f" (+{fmt.ratio(upct)}% on the current plan)" if fmt.is_number(upct) else ""
        summary_lines.append(
            (chance + "; it should add " if chance else "It should add ")
            + _uplift_words(uplift)
            + pct_words
            + "."
        )
    elif chance:
        summary_lines.append(chance + ".")
    return summary_lines


def _outcomes_per_plan(
    rec: dict, kinds: dict, vfmt, money, prob: float
) -> tuple[list[dict], float]:
    """Each outcome from media under the current and the recommended plan, and the interval
    level the file states (``prob`` when it states none)."""
    level = prob
    by: dict[str, dict[str, dict]] = {}
    for o in rec.get("outcomes") or []:
        if isinstance(o, dict) and o.get("outcome") and o.get("plan"):
            by.setdefault(o["outcome"], {})[o["plan"]] = o
            if fmt.is_number(o.get("interval")):
                level = float(o["interval"])
    outcomes = []
    for o, plans in by.items():
        vf = vfmt if o == "value" else (fmt.count if kinds.get(o) == "count" else money)
        name = "value" if o == "value" else fmt.pretty(o)
        cur, new = plans.get("current"), plans.get("recommended")
        outcomes.append(
            {
                "outcome": o,
                "name": name,
                "current": cur,
                "recommended": new,
                "current_words": _interval(cur, vf) if cur else "–",
                "recommended_words": _interval(new, vf) if new else "–",
                "fmt": vf,
            }
        )
    return outcomes, level


def _binding_limits(
    summary: dict, lookup: dict[str, str], *, currency: str, money, vfmt
) -> list[str]:
    """The limits the plan sits at, with what moving each one is worth (shadow price)."""
    binding = []
    for b in summary.get("binding") or []:
        if not isinstance(b, dict):
            continue
        name = _series_name(
            f"{b.get('series')}@{b.get('geo', 'all')}"
            if f"{b.get('series')}@{b.get('geo', 'all')}" in lookup
            else b.get("series"),
            lookup,
        )
        side = "upper" if b.get("side") == "upper" else "lower"
        s = f"{name} is at its {side} limit"
        if fmt.is_number(b.get("limit")):
            s += f" ({money(b['limit'])})"
        sp = b.get("shadow_price")
        if fmt.is_number(sp):
            s += (
                f": each {currency}1 the limit is {'raised' if side == 'upper' else 'lowered'} "
                f"would change value by about {vfmt(abs(sp)) if sp >= 0 else '-' + vfmt(abs(sp))}"
            )
        binding.append(s + ".")
    if not summary.get("binding"):
        binding = [
            _legacy_binding(str(t), lookup, money)
            for t in summary.get("binding_constraints") or []
            if not str(t).startswith("total budget")
        ]
    return binding


def value_per_visit_of(rec: dict | None, kinds: dict) -> float | None:
    """The value of one store visit the recommendation was made with, if it says.

    ``settings.value_per_visit``, else the weight of the (first) count outcome in
    ``summary.outcome_weights``; None when neither is stored.
    """
    if not isinstance(rec, dict):
        return None
    settings = fmt.mapping(rec.get("settings"))
    v = settings.get("value_per_visit")
    if fmt.is_number(v) and float(v) > 0:
        return float(v)
    summary = fmt.mapping(rec.get("summary"))
    weights = summary.get("outcome_weights") or {}
    for o, w in weights.items() if isinstance(weights, dict) else ():
        if kinds.get(o) == "count" and fmt.is_number(w) and float(w) > 0:
            return float(w)
    return None
