"""A small stored recommendation and scenario comparison in the current schema, written
out by hand (no fit needed): two lines, one geo, two weeks."""

from __future__ import annotations

import copy

from mmm.plan_results import RECOMMENDATION_SCHEMA_VERSION, SCENARIOS_SCHEMA_VERSION


def allocation_row(series: str, current: float, recommended: float, **kw) -> dict:
    channel, audience = series.split("|")
    change = recommended - current
    row = {
        "geo": "all",
        "series": series,
        "channel": channel,
        "audience": audience,
        "stage": "conversion",
        "current": current,
        "recommended": recommended,
        "change": change,
        "change_pct": change / current * 100 if current else None,
        "share_current": 0.5,
        "share_recommended": 0.5,
        "mroas_current": 2.0,
        "mroas_recommended": 2.0,
        "locked": False,
    }
    return {**row, **kw}


_INTERVAL = {"mean": 100.0, "median": 98.0, "lower": 80.0, "upper": 120.0}

RECOMMENDATION = {
    "summary": {
        "budget": 200.0,
        "budget_mode": "fixed",
        "spend_current": 200.0,
        "spend_recommended": 200.0,
        "objective": "value",
        "objective_label": "online sales + 25 x store visits",
        "outcome_weights": {"online_sales": 1.0, "store_visits": 25.0},
        "risk": "mean",
        "risk_level": None,
        "objective_current": 1000.0,
        "objective_recommended": 1100.0,
        "value_current": {"mean": 1000.0, "median": 990.0, "lower": 900.0, "upper": 1100.0},
        "value_recommended": {"mean": 1100.0, "median": 1090.0, "lower": 980.0, "upper": 1200.0},
        "uplift": _INTERVAL,
        "uplift_pct": 10.0,
        "prob_better": 0.93,
        "interval": 0.9,
        "n_draws": 400,
        "max_constraint_violation": 0.0,
        "binding_constraints": ["total budget == 200"],
        "solver": {"method": "SLSQP", "success": True, "starts": 1},
        "binding": [
            {
                "kind": "series",
                "series": "search|all",
                "channel": "search",
                "audience": "all",
                "geo": "all",
                "side": "upper",
                "limit": 130.0,
                "shadow_price": 0.5,
                "constraint": "series 'search|all' <= 130",
            }
        ],
        "budget_shadow_price": 2.0,
    },
    "settings": {
        "name": "recommended",
        "created": "2026-01-05T10:00:00+00:00",
        "budget": 200.0,
        "objective": "value",
        "value_per_visit": 25.0,
        "max_change": 0.3,
        "horizon": 2,
        "plan_start": "2026-01-05",
        "plan_end": "2026-01-12",
        "reference_weeks": 13,
        "include_carryover": True,
        "past_carryover": True,
        "window_end": "2026-03-30",
        "flighting": "shape",
        "constraints": {"default": {"lower": 0.7, "upper": 1.3, "relative": True}},
        "seed": 0,
        "n_draws": 400,
    },
    "allocation": [
        allocation_row("search|all", 100.0, 130.0, mroas_current=3.0, mroas_recommended=2.5),
        allocation_row("video|all", 100.0, 70.0, mroas_current=1.0, mroas_recommended=2.0),
    ],
    "outcomes": [
        {"plan": p, "outcome": o, **_INTERVAL, "interval": 0.9}
        for p in ("current", "recommended")
        for o in ("online_sales", "store_visits", "value")
    ],
    "geos": [],
    "moves": [{"from": "video|all", "to": "search|all", "amount": 30.0}],
    "weekly": [
        {
            "date": d,
            "geo": "all",
            "series": s,
            "channel": s.split("|")[0],
            "audience": "all",
            "current": 50.0,
            "recommended": r / 2,
        }
        for d in ("2026-01-05", "2026-01-12")
        for s, r in (("search|all", 130.0), ("video|all", 70.0))
    ],
    "schema_version": RECOMMENDATION_SCHEMA_VERSION,
}

_STAT = {
    "mean": 10.0,
    "median": 9.5,
    "lower": 8.0,
    "upper": 12.0,
    "uplift_mean": 1.0,
    "uplift_lower": -0.5,
    "uplift_upper": 2.5,
    "prob_better": 0.8,
}

SCENARIOS = {
    "settings": {
        "name": "q1",
        "created": "2026-01-05T10:00:00+00:00",
        "horizon": 2,
        "plan_start": "2026-01-05",
        "plan_end": "2026-01-12",
        "window_end": "2026-03-30",
        "reference_weeks": 13,
        "include_carryover": True,
        "objective": "value",
        "objective_label": "online sales",
        "value_per_visit": None,
        "outcome_weights": {"online_sales": 1.0},
        "outcome_kinds": {"online_sales": "revenue"},
        "interval": 0.9,
        "n_draws": 400,
        "plans": {"current": {"source": "current"}, "mine": {"source": "file", "path": "p.csv"}},
        "left_out": [{"plan": "old", "why": "plans 13 periods from 2025-10-06"}],
    },
    "plans": [
        {
            "plan": "current",
            "spend": 200.0,
            "outcomes": {"online_sales": {**_STAT, "prob_better": None}},
            "prob_better": None,
        },
        {"plan": "mine", "spend": 210.0, "outcomes": {"online_sales": _STAT}, "prob_better": 0.8},
    ],
    "lines": [
        {
            "series": "search|all",
            "channel": "search",
            "audience": "all",
            "spend": {"current": 100.0, "mine": 110.0},
        }
    ],
    "rows": [
        {
            "scenario": "mine",
            "channel": "total",
            "metric": "online_sales",
            **_STAT,
            "interval": 0.9,
        }
    ],
    "schema_version": SCENARIOS_SCHEMA_VERSION,
}


def recommendation() -> dict:
    """A fresh copy of :data:`RECOMMENDATION`."""
    return copy.deepcopy(RECOMMENDATION)


def scenarios() -> dict:
    """A fresh copy of :data:`SCENARIOS`."""
    return copy.deepcopy(SCENARIOS)
