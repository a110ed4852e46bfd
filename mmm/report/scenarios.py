"""The scenarios section: the plan comparisons stored by ``mmm scenarios``, as tables.

Everything here renders numbers stored in ``RUN/scenarios/<name>.json``
(:func:`mmm.optimize.scenarios.run_scenarios`); nothing is recomputed.
"""

from __future__ import annotations

import datetime as _dt
from functools import partial

from mmm.report import fmt


def _date(x) -> str | None:
    try:
        return f"{_dt.date.fromisoformat(str(x)[:10]):%d %b %Y}"
    except ValueError:
        return None


def _plan_label(name: str, source: dict | None) -> str:
    kind = (source or {}).get("source")
    if kind == "current":
        return "Current plan"
    if kind == "recommendation":
        return f"{name} (recommendation)"
    if kind == "file":
        return f"{name} (plan file)"
    return name


def scenarios_context(
    stored: list[dict], *, currency: str, kinds: dict, freq=None
) -> list[dict] | None:
    """One table per stored comparison: a row per plan with its numbers in words.

    Parameters
    ----------
    stored : list of dict
        From :func:`mmm.optimize.scenarios.read_scenarios`.
    currency : str
        Currency symbol.
    kinds : dict
        Outcome name -> ``"revenue"`` or ``"count"``.
    freq : str, optional
        The data's frequency (``W-MON``), to say weeks or days.

    Returns
    -------
    list of dict or None
        None when no comparison is stored. Each table: ``name``, ``note`` (horizon, what
        value means, interval width), ``columns`` (metric, heading) and ``rows`` with
        ``plan``, ``label``, ``spend`` and, per metric, ``mean`` / ``lower`` / ``upper`` as
        stored and ``text`` / ``range`` formatted, and ``chance`` (the stored probability of
        beating the current plan; ``—`` when it is undefined: the current plan itself).
    """
    if not stored:
        return None
    money = partial(fmt.money, currency=currency)
    tables = [_scenario_table(s, money=money, kinds=kinds, freq=freq) for s in stored]
    return [t for t in tables if t is not None] or None


def _scenario_table(s: dict, *, money, kinds: dict, freq) -> dict | None:
    """One stored comparison as a table (None when it holds no plan)."""
    st = fmt.mapping(s.get("settings"))
    plans = [p for p in s.get("plans") or [] if isinstance(p, dict)]
    if not plans:
        return None
    metrics = [m for m in plans[0].get("outcomes", {}) if m != "value"]
    if "value" in plans[0].get("outcomes", {}):
        metrics.append("value")
    value_is_count = all(
        kinds.get(o) == "count"
        for o, w in (st.get("outcome_weights") or {}).items()
        if fmt.is_number(w) and w
    )

    def vf(m):
        if m == "value":
            return fmt.count if value_is_count else money
        return fmt.count if kinds.get(m) == "count" else money

    columns = [
        {"metric": m, "heading": "Value" if m == "value" else fmt.pretty(m).capitalize()}
        for m in metrics
    ]
    rows = [_plan_row(p, metrics, vf, money, fmt.mapping(st.get("plans"))) for p in plans]
    start, end = _date(st.get("plan_start")), _date(st.get("plan_end"))
    level = st.get("interval") if fmt.is_number(st.get("interval")) else 0.9
    note = []
    if fmt.is_number(st.get("horizon")) and start and end:
        n = int(st["horizon"])
        note.append(f"{n} {fmt.period_word(freq, n)} from {start} to {end}")
    if st.get("objective_label"):
        note.append(f"value = {st['objective_label']}")
    note.append(f"ranges are {fmt.pct(level)} intervals")
    return {
        "name": st.get("name") or s.get("path"),
        "note": "; ".join(note) + ".",
        "columns": columns,
        "rows": rows,
        "left_out": [
            f"{lo.get('plan')} ({lo.get('why')})"
            for lo in st.get("left_out") or []
            if isinstance(lo, dict)
        ],
    }


def _plan_row(p: dict, metrics: list[str], vf, money, sources: dict) -> dict:
    """One plan of a comparison: its spend and, per metric, the stored numbers in words."""
    cells = []
    for m in metrics:
        o = p["outcomes"].get(m) or {}
        f = vf(m)
        cells.append(
            {
                "metric": m,
                "mean": o.get("mean"),
                "lower": o.get("lower"),
                "upper": o.get("upper"),
                "text": f(o.get("mean")),
                "range": fmt.interval_short(o.get("lower"), o.get("upper"), f),
            }
        )
    pb = p.get("prob_better")
    return {
        "plan": p.get("plan"),
        "label": _plan_label(str(p.get("plan")), sources.get(p.get("plan"))),
        "spend": p.get("spend"),
        "spend_text": money(p.get("spend")),
        "cells": cells,
        "prob_better": pb if fmt.is_number(pb) else None,
        "chance": fmt.prob(pb) if fmt.is_number(pb) else "—",
    }
