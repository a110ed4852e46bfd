"""The small numbers the report prints, computed in mmm.analysis, against hand values:
data totals, channel totals over time, the best line, the regression's units and
negative estimates, a backtest fold against the flat forecast."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.data_checks import SPARSE_SHARE, data_totals
from mmm.analysis.decompose import channel_totals
from mmm.analysis.frequentist import PER_COUNT, negative_estimates, per_spend
from mmm.analysis.ranking import best_of
from mmm.analysis.validation import beats_flat


def _dataset():
    """10 dates, 2 geos, 3 series; two outcomes, one with a missing cell."""
    dates = pd.date_range("2024-01-01", periods=10, freq="W-MON")
    spend = np.zeros((10, 2, 3))
    spend[:, 0, 0] = 10.0  # search: 10 per date in geo a, 5 in geo b: 150 over 10 dates
    spend[:, 1, 0] = 5.0
    spend[0, 0, 1] = 50.0  # tv: one active date (1 of 10, under 20 %): 50
    # radio: never bought
    outcomes = np.ones((10, 2, 2))
    outcomes[:, :, 0] = [[3.0, 1.0]] * 10  # sales: 4 per date, 40 in all
    outcomes[:, :, 1] = 2.0  # visits: 4 per date ...
    outcomes[9, 1, 1] = np.nan  # ... one date missing in geo b: 9 dates of 4
    coords = {"date": dates, "geo": ["a", "b"]}
    series = ["search|all", "tv|all", "radio|all"]
    return SimpleNamespace(
        spend=xr.DataArray(
            spend,
            dims=("date", "geo", "series"),
            coords={
                **coords,
                "series": series,
                "channel": ("series", ["search", "tv", "radio"]),
                "audience": ("series", ["all", "all", "all"]),
            },
        ),
        outcomes=xr.DataArray(
            outcomes, dims=("date", "geo", "outcome"), coords={**coords, "outcome": ["s", "v"]}
        ),
        series_stage=np.array(["conversion", "awareness", "awareness"]),
    )


def test_data_totals_by_hand():
    series, outcomes, total = data_totals(_dataset())
    assert total == 200.0
    assert list(series["series"]) == ["search|all", "tv|all", "radio|all"]
    assert list(series["channel"]) == ["search", "tv", "radio"]
    assert list(series["stage"]) == ["conversion", "awareness", "awareness"]
    assert list(series["spend"]) == [150.0, 50.0, 0.0]
    assert list(series["spend_share"]) == [0.75, 0.25, 0.0]
    assert list(series["active_periods"]) == [10, 1, 0]
    # tv: active in 1 of 10 periods, under SPARSE_SHARE (20 %); radio is never bought
    assert SPARSE_SHARE == 0.2
    assert list(series["sparse"]) == [False, True, False]
    assert list(outcomes["outcome"]) == ["s", "v"]
    assert list(outcomes["total"]) == [40.0, 36.0]
    assert list(outcomes["mean"]) == [4.0, 4.0]
    assert list(outcomes["missing"]) == [0, 1]


def test_channel_totals_sum_the_means_largest_first_per_outcome():
    frame = pd.DataFrame(
        {
            "date": ["d1", "d2", "d1", "d2", "d1", "d2"],
            "outcome": ["sales", "sales", "sales", "sales", "visits", "visits"],
            "channel": ["tv", "tv", "search", "search", "tv", "tv"],
            "mean": [1.0, 2.0, 5.0, 0.5, 7.0, 1.0],
        }
    )
    got = channel_totals(frame)
    assert got.to_dict("records") == [
        {"outcome": "sales", "channel": "search", "total": 5.5},
        {"outcome": "sales", "channel": "tv", "total": 3.0},
        {"outcome": "visits", "channel": "tv", "total": 8.0},
    ]


def test_best_of_picks_the_highest_or_the_lowest_positive():
    rows = [("a", 2.0), ("b", None), ("c", 3.5), ("d", -1.0), ("e", math.nan), ("f", 3.5)]
    value = dict(rows).get
    names = [n for n, _ in rows]
    assert best_of(names, value) == "c"  # ties: the first
    assert best_of(names, value, lowest=True) == "d"
    assert best_of(names, value, lowest=True, positive=True) == "a"
    assert best_of(["b", "e"], value) is None
    assert best_of([], value) is None


def test_regression_units_and_negative_estimates():
    assert PER_COUNT == 1000.0
    assert per_spend(2.5, "revenue") == 2.5
    assert per_spend(0.0042, "count") == 4.2
    assert per_spend(-0.001, "count") == -1.0
    assert per_spend(None, "count") is None and per_spend(math.inf, "revenue") is None
    table = pd.DataFrame(
        {
            "outcome": ["visits", "visits", "visits", "sales", "sales"],
            "roas": [-0.1, 0.0, -2.0, 1.5, 2.0],
        }
    )
    assert negative_estimates(table) == {"visits": 2, "sales": 0}


def test_a_fold_beats_the_flat_forecast_when_its_error_is_lower():
    assert beats_flat({"mape": 0.08, "naive_mape": 0.12}) is True
    assert beats_flat({"mape": 0.12, "naive_mape": 0.12}) is False
    assert beats_flat({"mape": 0.2, "naive_mape": 0.1}) is False
    assert beats_flat({"mape": None, "naive_mape": 0.1}) is False
    assert beats_flat({"mape": 0.1, "naive_mape": math.nan}) is False
    assert beats_flat({"naive_mape": 0.1}) is False
