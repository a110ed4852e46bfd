"""Tables the report charts read: waterfall, contributions per channel, predictive fit.

Checked against values computed by hand from the posterior draws of a fit with known
parameters (no sampling).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def fit():
    from test_report import _known_fit

    return _known_fit()


def test_waterfall_steps_add_up_to_the_expected_outcome(fit):
    from mmm.analysis.decompose import decompose, waterfall
    from mmm.analysis.engine import _stack, expected

    w = waterfall(fit, max_draws=None)
    T, ys = len(fit.dataset.dates), fit.design.outcome_scale  # ys: (geo, outcome)
    mu = expected(fit, max_draws=None).sum(("date", "geo"))  # sample, outcome
    d = decompose(fit, max_draws=None).sum(("date", "geo"))
    for k, o in enumerate(fit.spec.outcome_names):
        wo = w[w["outcome"] == o].set_index("step")
        assert list(wo.index[:3]) == ["intercept", "trend", "seasonality"]
        assert list(wo["kind"])[-1] == "total"
        # the base level: intercept draw x T dates x each geo's outcome scale, averaged
        icpt = _stack(fit, "intercept")[:, :, k]  # sample, geo
        assert wo.loc["intercept", "mean"] == pytest.approx(T * (icpt * ys[:, k]).sum(1).mean())
        # the total is the expected outcome over the period, and the steps' means add up to it
        total = float(mu.sel(outcome=o).mean())
        assert wo.loc["total", "mean"] == pytest.approx(total, rel=1e-9)
        steps = wo[wo["kind"] != "total"]
        assert steps["mean"].sum() == pytest.approx(total, rel=1e-9)
        assert steps["end"].iloc[-1] == pytest.approx(total, rel=1e-9)
        assert np.allclose(steps["start"].iloc[1:].to_numpy(), steps["end"].iloc[:-1].to_numpy())
        assert (wo.loc["total", "start"], wo.loc["total", "end"]) == (0.0, wo.loc["total", "mean"])
        # a channel's step is its audiences' media summed, draw by draw
        social = d.sel(outcome=o, component=["social|broad", "social|near_store"]).sum("component")
        assert wo.loc["social", "mean"] == pytest.approx(float(social.mean()))
        lo, hi = np.quantile(social.values, [0.05, 0.95])
        assert (wo.loc["social", "lower"], wo.loc["social", "upper"]) == pytest.approx((lo, hi))
        assert wo.loc["promo", "kind"] == "control"


def test_channel_contributions_over_time_sum_the_audiences(fit):
    from mmm.analysis.decompose import channel_contributions_over_time, decompose

    c = channel_contributions_over_time(fit, max_draws=None)
    assert set(c["channel"]) == {"search", "social"}
    assert len(c) == len(fit.dataset.dates) * 2 * len(fit.spec.outcome_names)
    d = decompose(fit, max_draws=None).sum("geo")
    o, date = "store_visits", fit.dataset.dates[5]
    by_hand = d.sel(outcome=o, date=date, component=["social|broad", "social|near_store"]).sum(
        "component"
    )
    row = c[(c["outcome"] == o) & (c["date"] == date) & (c["channel"] == "social")].iloc[0]
    assert row["mean"] == pytest.approx(float(by_hand.mean()))
    assert row["median"] == pytest.approx(float(np.median(by_hand.values)))
    search = d.sel(outcome=o, date=date, component="search|all")
    row = c[(c["outcome"] == o) & (c["date"] == date) & (c["channel"] == "search")].iloc[0]
    assert row["mean"] == pytest.approx(float(search.mean()))


def test_predictive_table_interval_is_of_the_predictive_draws(fit):
    from mmm.analysis.engine import expected
    from mmm.analysis.validation import predict, predictive_table

    p = predictive_table(fit, max_draws=100, seed=3)
    assert len(p) == len(fit.dataset.dates) * len(fit.spec.outcome_names)
    o = "online_sales"
    po = p[p["outcome"] == o].reset_index(drop=True)
    obs = fit.dataset.outcomes.sel(outcome=o).sum("geo").values
    assert np.allclose(po["observed"].to_numpy(), obs)
    draws = predict(fit, fit.dataset, noise=True, max_draws=100, seed=3).sum("geo").sel(outcome=o)
    lo, hi = np.quantile(draws.values, [0.05, 0.95], axis=0)
    assert np.allclose(po["lower"].to_numpy(), lo)
    assert np.allclose(po["upper"].to_numpy(), hi)
    mu = expected(fit, max_draws=100).sum("geo").sel(outcome=o).mean("sample").values
    assert np.allclose(po["mean"].to_numpy(), mu)
    assert (po["lower"] < po["mean"]).all() and (po["mean"] < po["upper"]).all()
    # the same seed gives the same interval
    again = predictive_table(fit, max_draws=100, seed=3)
    assert np.array_equal(again["lower"].to_numpy(), p["lower"].to_numpy())
