"""Ranks of return draws, rank intervals and pairwise odds, against values worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mmm.analysis.ranking import best_odds, pairwise_beats, rank_draws, rank_table


@pytest.fixture
def draws():
    # four draws of three series; in the last draw a and b tie
    v = np.array([[3.0, 2.0, 1.0], [3.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 2.0, 0.0]])
    return xr.DataArray(
        v,
        dims=("sample", "series"),
        coords={"series": ["a|x", "b|x", "c|y"], "channel": ("series", ["a", "b", "c"])},
    )


def test_rank_draws_ranks_each_draw_with_ties_sharing_the_average(draws):
    r = rank_draws(draws)
    np.testing.assert_array_equal(r.values, [[1, 2, 3], [1, 3, 2], [3, 2, 1], [1.5, 1.5, 3]])
    assert r.dims == draws.dims and list(r["channel"].values) == ["a", "b", "c"]


def test_pairwise_beats_counts_strict_wins(draws):
    p = pairwise_beats(draws).transpose("series", "other")
    # a beats b in draws 0 and 1 (draw 3 is a tie), b beats a in draw 2 only, ...
    expected = [[0.0, 0.5, 0.75], [0.25, 0.0, 0.5], [0.25, 0.5, 0.0]]
    np.testing.assert_allclose(p.values, expected)
    assert list(p["other"].values) == list(draws["series"].values)


def test_rank_table_orders_by_median_return(draws):
    t = rank_table(draws, prob=0.5)
    assert list(t["series"]) == ["a|x", "b|x", "c|y"]  # medians 2.5, 2, 1.5
    np.testing.assert_allclose(t["median"], [2.5, 2.0, 1.5])
    np.testing.assert_allclose(t["rank_median"], [1.25, 2.0, 2.5])
    np.testing.assert_allclose(t["p_first"], [0.5, 0.0, 0.25])
    # central 50 % of a's ranks (1, 1, 1.5, 3): from the lower 25 % point to the upper 75 %
    assert (t["rank_lower"][0], t["rank_upper"][0]) == (1.0, 3.0)
    np.testing.assert_allclose(t["p_above_next"], [0.5, 0.5, np.nan])
    assert list(t["channel"]) == ["a", "b", "c"]


def test_other_dims_are_ranked_separately(draws):
    two = xr.concat([draws, -draws], dim=xr.DataArray(["up", "down"], dims="outcome"))
    r = rank_draws(two.transpose("sample", "outcome", "series"))
    np.testing.assert_array_equal(r.sel(outcome="up").values, rank_draws(draws).values)
    np.testing.assert_array_equal(r.sel(outcome="down").values[0], [3, 2, 1])
    t = rank_table(two)
    assert list(t["series"][t["outcome"] == "down"]) == ["c|y", "b|x", "a|x"]


def test_missing_returns_are_named_not_ranked(draws):
    bad = draws.copy(data=draws.values.copy())
    bad[:, 1] = np.nan
    with pytest.raises(ValueError, match=r"\['b\|x'\] have missing return draws"):
        rank_table(bad)
    with pytest.raises(ValueError, match="'sample' dimension"):
        rank_draws(draws.isel(sample=0))


def test_best_odds_leaves_out_lines_without_draws(draws):
    """a is first in draws 0 and 1 (2 of 4), c in draw 2; in draw 3 a and b tie (rank 1.5:
    nobody first). A fourth line without spend (NaN) is left out, not ranked."""
    v = np.column_stack([draws.values, np.full(4, np.nan)])
    four = xr.DataArray(
        v,
        dims=("sample", "series"),
        coords={"series": ["a|x", "b|x", "c|y", "d|y"], "channel": ("series", list("abcd"))},
    )
    t = best_odds(four)
    assert list(t.columns) == ["series", "channel", "p_first"]
    assert list(t["series"]) == ["a|x", "b|x", "c|y"]
    np.testing.assert_allclose(t["p_first"], [0.5, 0.0, 0.25])


def test_best_odds_per_outcome_and_empty_below_two_lines(draws):
    two = xr.concat([draws, -draws], dim=xr.DataArray(["up", "down"], dims="outcome"))
    t = best_odds(two.transpose("sample", "outcome", "series"))
    down = t[t["outcome"] == "down"].set_index("series")["p_first"]
    # -draws: c is highest in draws 0 and 3, b in draw 1, a in draw 2
    assert down.to_dict() == {"c|y": 0.5, "b|x": 0.25, "a|x": 0.25}
    one = best_odds(draws.isel(series=[0]))
    assert one.empty and list(one.columns) == ["series", "channel", "p_first"]
