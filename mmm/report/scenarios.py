"""The scenarios section: the plan comparisons stored by ``mmm scenarios``, as tables.

Everything here renders numbers stored in ``RUN/scenarios/<name>.json``
(:func:`mmm.optimize.scenarios.run_scenarios`), read as typed
:class:`~mmm.plan_results.ScenarioComparison` values; nothing is recomputed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from functools import partial

from mmm.plan_results import ScenarioComparison, ScenarioPlan
from mmm.report import fmt


def _date(x: str) -> str:
    return f"{_dt.date.fromisoformat(x[:10]):%d %b %Y}"


def _plan_label(name: str, source: Mapping | None) -> str:
    kind = (source or {}).get("source")
    if kind == "current":
        return "Current plan"
    if kind == "recommendation":
        return f"{name} (recommendation)"
    if kind == "file":
        return f"{name} (plan file)"
    return name


def scenarios_context(
    stored: list[ScenarioComparison], *, currency: str, kinds: dict, freq=None
) -> list[dict] | None:
    """One table per stored comparison: a row per plan with its numbers in words.

    Parameters
    ----------
    stored : list of ScenarioComparison
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


def _scenario_table(s: ScenarioComparison, *, money, kinds: dict, freq) -> dict | None:
    """One stored comparison as a table (None when it holds no plan)."""
    st = s.settings
    if not s.plans:
        return None
    first = s.plans[0].outcomes
    metrics = [m for m in first if m != "value"] + (["value"] if "value" in first else [])
    value_is_count = all(kinds.get(o) == "count" for o, w in st.outcome_weights.items() if w)

    def vf(m):
        if m == "value":
            return fmt.count if value_is_count else money
        return fmt.count if kinds.get(m) == "count" else money

    columns = [
        {"metric": m, "heading": "Value" if m == "value" else fmt.pretty(m).capitalize()}
        for m in metrics
    ]
    rows = [_plan_row(p, metrics, vf, money, st.plans) for p in s.plans]
    n = st.horizon
    note = [
        f"{n} {fmt.period_word(freq, n)} from {_date(st.plan_start)} to {_date(st.plan_end)}",
        f"value = {st.objective_label}",
        f"ranges are {fmt.pct(st.interval)} intervals",
    ]
    return {
        "name": s.name,
        "note": "; ".join(note) + ".",
        "columns": columns,
        "rows": rows,
        "left_out": [f"{lo.plan} ({lo.why})" for lo in st.left_out],
    }


def _plan_row(p: ScenarioPlan, metrics: list[str], vf, money, sources: Mapping) -> dict:
    """One plan of a comparison: its spend and, per metric, the stored numbers in words."""
    cells = []
    for m in metrics:
        o = p.outcomes[m]
        f = vf(m)
        cells.append(
            {
                "metric": m,
                "mean": o.mean,
                "lower": o.lower,
                "upper": o.upper,
                "text": f(o.mean),
                "range": fmt.interval_short(o.lower, o.upper, f),
            }
        )
    pb = p.prob_better
    return {
        "plan": p.plan,
        "label": _plan_label(p.plan, sources.get(p.plan)),
        "spend": p.spend,
        "spend_text": money(p.spend),
        "cells": cells,
        "prob_better": pb if fmt.is_number(pb) else None,
        "chance": fmt.prob(pb) if fmt.is_number(pb) else "—",
    }
