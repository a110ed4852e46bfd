"""The analysis of a real fit on simulated data, compared with the simulator's truth.

Uses the session fixtures ``demo_fit`` / ``demo_sim`` of ``conftest.py`` (the demo
brand's 156 weeks).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import mmm.analysis as A

OUTCOMES = ["online_sales", "store_visits"]


@pytest.fixture(scope="module")
def fit_and_truth(demo_fit, demo_sim):
    return demo_fit, demo_sim.truth


@pytest.fixture(scope="module")
def fit(fit_and_truth):
    return fit_and_truth[0]


@pytest.fixture(scope="module")
def truth(fit_and_truth):
    return fit_and_truth[1]


@pytest.fixture(scope="module")
def roas(fit):
    return A.roas_draws(fit, max_draws=500)


def test_expected_tracks_the_observed_outcomes(fit):
    m = A.in_sample_metrics(fit, max_draws=300).set_index("outcome")
    assert (m["r2"] > 0.85).all()
    assert (m["mape"] < 0.05).all()
    assert (m["coverage"] > 0.8).all()


def test_decomposition_and_roas_identities(fit, roas):
    d = A.decompose(fit, max_draws=50)
    e = A.expected(fit, max_draws=50)
    np.testing.assert_allclose(d.sum("component").values, e.values, rtol=1e-9)
    # the model's own `roas` is the direct contribution over spend (one geo)
    post = fit.draws("roas_direct").isel(geo=0).values[roas["sample"].values]
    np.testing.assert_allclose(
        roas.sel(path="direct").transpose("sample", "outcome", "series"), post, rtol=1e-8
    )


# Spearman floor: the target 0.8 for both outcomes. Store visits per euro of nine of the
# eleven series lie within 0.035-0.092 in the truth, so their order is the harder one; it
# reached 0.8 once the model learnt a Hill slope per channel (the fixed slope of 1
# overstated conversion returns) and shared audience effects across channels (near-store
# audiences were pulled towards the broad audience bought beside them): 0.77 before.
# Channels (audiences pooled) are ranked on a brand whose returns differ enough to be
# ordered: tests/test_ranking_recovery.py.
RANK_FLOOR = {"online_sales": 0.8, "store_visits": 0.8}


def test_roas_ranks_series_as_the_truth_does(roas, truth):
    med = roas.sel(path="total").median("sample")
    for o in OUTCOMES:
        t = truth.roas.sel(outcome=o, path="total").sel(series=med["series"].values)
        rho = stats.spearmanr(t.values, med.sel(outcome=o).values)[0]
        assert rho >= RANK_FLOOR[o], (o, rho)


def test_confident_rank_claims_are_right(roas, truth):
    """Where the posterior is sure of an order (one return above another in >= 90 % of
    draws), the truth agrees at no less than that rate; over all pairs the odds beat a
    coin toss by a margin (Brier score 0.25 for odds of one half)."""
    from mmm.analysis.ranking import pairwise_beats

    p = pairwise_beats(roas.sel(path="total"))
    for o in OUTCOMES:
        t = truth.roas.sel(outcome=o, path="total").sel(series=p["series"].values).values
        pm = p.sel(outcome=o).transpose("series", "other").values
        iu = np.triu_indices(len(t), 1)
        pij, above = pm[iu], (t[:, None] > t[None, :])[iu]
        sure = (pij >= 0.9) | (pij <= 0.1)
        right = np.where(pij >= 0.9, above, ~above)[sure]
        assert sure.sum() >= 20, (o, int(sure.sum()))  # of 55 pairs: claims are made
        floor = stats.binom.ppf(0.01, right.size, 0.9) / right.size
        assert right.mean() >= floor, (o, right.mean())
        assert np.mean((pij - above) ** 2) < 0.18, o


def test_roas_intervals_cover_the_truth_near_nominal(roas, truth):
    lo = roas.sel(path="total").quantile(0.05, "sample")
    hi = roas.sel(path="total").quantile(0.95, "sample")
    t = truth.roas.sel(outcome=OUTCOMES, path="total").sel(series=lo["series"].values)
    cover = float(((t >= lo) & (t <= hi)).mean())
    assert cover >= 0.75  # nominal 0.9 over 22 (outcome, series) pairs


def test_funnel_shares_near_the_truth(fit, truth):
    df = A.funnel_shares(fit, max_draws=500).set_index(["outcome", "stage"])
    tc = truth.contributions.sum(("date", "geo")).sel(outcome=OUTCOMES)
    sh = A.stage_shares(
        tc, truth.spend.sum(("date", "geo")), [str(s) for s in fit.dataset.series_stage]
    )
    for o in OUTCOMES:
        want = float(sh["effect_share"].sel(outcome=o, stage="awareness"))
        got = df.loc[(o, "awareness")]
        assert abs(got["effect_share_median"] - want) < 0.10
        assert got["effect_share_lower"] <= want <= got["effect_share_upper"]
        assert got["spend_share"] == pytest.approx(float(sh["spend_share"].sel(stage="awareness")))


def test_online_to_store_shares_near_the_truth(fit, truth):
    df = A.media_driven_shares(fit, max_draws=500).set_index(["outcome", "series"])
    tc = truth.contributions.sum(("date", "geo")).sel(outcome=OUTCOMES)
    obs = fit.dataset.outcomes.sum(("date", "geo")).sel(outcome=OUTCOMES)
    t = A.outcome_shares(tc, obs)
    for o in OUTCOMES:
        assert abs(df.loc[(o, "all media"), "share_median"] - float(t.sel(outcome=o).sum())) < 0.10
        err = [
            abs(df.loc[(o, s), "share_median"] - float(t.sel(outcome=o, series=s)))
            for s in fit.dataset.series
        ]
        assert max(err) < 0.03


def test_near_store_beats_broad_on_cost_per_visit(fit, truth):
    df = A.near_store_vs_broad(fit, max_draws=500).set_index(["scope", "group"])
    tv = truth.contributions.sum(("date", "geo", "path")).sel(outcome="store_visits")
    t = A.cost_per_visit_by_group(tv, truth.spend.sum(("date", "geo")))
    assert float(t.sel(group="near_store")) < float(t.sel(group="broad"))
    assert (
        df.loc[("all", "near_store"), "cost_per_visit_median"]
        < df.loc[("all", "broad"), "cost_per_visit_median"]
    )
    assert df.loc[("all", "near_store"), "p_near_cheaper"] > 0.9
