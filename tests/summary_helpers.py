"""A small summary in the current schema, written out by hand (no fit needed)."""

from __future__ import annotations

import copy

from mmm.run_summary import SUMMARY_SCHEMA_VERSION

DIAGNOSTICS = {
    "max_rhat": 1.002,
    "min_ess_bulk": 850.0,
    "min_ess_tail": 720.0,
    "divergences": 0,
    "min_bfmi": 0.91,
    "n_draws": 500,
    "n_chains": 2,
    "method": "nuts",
}

_ROAS = {
    "outcome": "sales",
    "kind": "revenue",
    "channel": "search",
    "audience": "all",
    "geo": "all",
    "path": "total",
    "spend": 1000.0,
    "mean": 2.6,
    "median": 2.5,
    "lower": 1.5,
    "upper": 3.5,
    "interval": 0.9,
}
_VISITS = {
    **_ROAS,
    "outcome": "visits",
    "kind": "count",
    "mean": 0.21,
    "median": 0.2,
    "lower": 0.1,
    "upper": None,
    "cost_per_unit": 5.0,
    "cost_per_unit_lower": 2.5,
    "cost_per_unit_upper": None,
}
_CONTRIB = {
    "outcome": "sales",
    "channel": "search",
    "audience": "all",
    "geo": "all",
    "path": "total",
    "mean": 2600.0,
    "median": 2500.0,
    "lower": 1500.0,
    "upper": 3500.0,
    "interval": 0.9,
}


def small_summary() -> dict:
    """A national summary of one line (search) on a revenue and a count outcome (without
    the entries that may be absent: media_totals, audiences, geos, calibration)."""
    return copy.deepcopy(
        {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "data_fingerprint": "abc123",
            "outcomes": ["sales", "visits"],
            "diagnostics": DIAGNOSTICS,
            "roas": [_ROAS, _VISITS],
            "contributions": [_CONTRIB, {**_CONTRIB, "outcome": "visits", "mean": 210.0}],
            "funnel": {
                "spend_share": {"conversion": 1.0},
                "outcome_share": {"sales": {"conversion": 1.0}, "visits": {"conversion": 1.0}},
                "awareness_paths": [],
            },
        }
    )
