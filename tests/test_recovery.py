"""Parameter recovery: the model finds the simulator's true returns.

Uses the session fit of ``conftest.py`` (three years of weekly data, 11 channel x audience
series, two outcomes, the brand_search mediator). Every cell of the comparison is one
(outcome, channel x audience) return per euro; the truth is the simulator's realised
return over the fitted period.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recovery(demo_sim, demo_fit):
    from mmm.analysis.returns import roas_table

    t = roas_table(demo_fit, prob=0.9, max_draws=None)
    truth = demo_sim.truth.roas
    t["truth"] = [
        float(truth.sel(outcome=o, series=s, path=p))
        for o, s, p in zip(t["outcome"], t["series"], t["path"], strict=True)
    ]
    # conversion series have no mediated path in the truth nor in the model
    t = t[~((t["path"] == "mediated") & (t["truth"] == 0))].copy()
    t["covered"] = (t["lower"] <= t["truth"]) & (t["truth"] <= t["upper"])
    t["rel_err"] = t["median"] / t["truth"] - 1.0
    return t


def _coverage_floor(n: int, rate: float = 0.9, alpha: float = 0.01) -> float:
    """Smallest coverage share not rejected at level ``alpha`` for ``n`` cells at ``rate``."""
    from scipy.stats import binom

    return float(binom.ppf(alpha, n, rate)) / n


def test_total_returns_are_covered_at_close_to_the_nominal_rate(recovery):
    total = recovery[recovery["path"] == "total"]
    assert len(total) == 22
    assert total["covered"].mean() >= _coverage_floor(len(total)), total[
        ["outcome", "series", "median", "lower", "upper", "truth"]
    ]


def test_total_returns_are_close_to_the_truth(recovery):
    total = recovery[recovery["path"] == "total"]
    err = total["rel_err"].abs()
    assert err.median() < 0.35, total[["outcome", "series", "median", "truth", "rel_err"]]
    # at most two of the 22 cells are off by more than a factor of 2.5 (thin cells, such
    # as store visits from shopping ads, are pulled towards their channel's mean)
    ratio = total["median"] / total["truth"]
    assert (~ratio.between(1 / 2.5, 2.5)).sum() <= 2, total[["outcome", "series", "median"]]


def test_awareness_direct_and_mediated_paths_are_recovered(recovery):
    aw = recovery[recovery["path"].isin(["direct", "mediated"])]
    aw = aw[aw["series"].isin(recovery.loc[recovery["path"] == "mediated", "series"])]
    assert len(aw) > 0
    assert aw["covered"].mean() >= _coverage_floor(len(aw))


def test_near_store_audiences_bring_more_visits_per_euro(recovery):
    """The simulator gives near-store audiences about 3x the store visits per euro of the
    same channel's broad audiences; the model must rank them the same way."""
    v = recovery[(recovery["outcome"] == "store_visits") & (recovery["path"] == "total")]
    v = v.assign(channel=v["series"].str.split("|").str[0])
    checked = 0
    for _, g in v.groupby("channel"):
        near = g[g["audience"] == "near_store"]
        broad = g[g["audience"] != "near_store"]
        if len(near) and len(broad):
            assert float(near["median"].iloc[0]) > float(broad["median"].max())
            checked += 1
    assert checked >= 1


def test_intervals_are_not_trivially_wide(recovery):
    total = recovery[recovery["path"] == "total"]
    width = (total["upper"] - total["lower"]) / total["truth"]
    assert np.median(width) < 2.0
