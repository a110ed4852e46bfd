"""Forecast metrics, predictions after the fit, holdout and rolling-origin backtests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from analysis_helpers import dataset, outcome_scale, params, rescale, spec, with_outcomes
from scipy import stats

import mmm.analysis as A
from mmm.analysis.known import fit_from_params

N_DRAWS = 300

pytestmark = pytest.mark.filterwarnings("ignore::mmm.errors.DataWarning")
P = params()
SPEC = spec()


def test_crps_matches_the_normal_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal(2.0, 1.5, size=(40_000, 1))
    y = np.array([3.0])
    z = (y - 2.0) / 1.5
    exact = 1.5 * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert A.crps_ensemble(x, y)[0] == pytest.approx(exact[0], rel=0.03)
    # the sorted-sample formula equals the O(n^2) definition
    s = rng.normal(size=(200, 3))
    t = np.array([0.3, -1.0, 2.0])
    brute = np.abs(s - t).mean(0) - 0.5 * np.abs(s[:, None] - s[None]).mean((0, 1))
    np.testing.assert_allclose(A.crps_ensemble(s, t), brute, rtol=1e-12)
    # a point forecast scores its absolute error
    assert A.crps_ensemble(np.array([[5.0]]), np.array([2.0]))[0] == pytest.approx(3.0)
    # two-member ensemble {0, 2}, y = 0: E|X-y| = 1, E|X-X'| = 1 -> 0.5
    assert A.crps_ensemble(np.array([[0.0], [2.0]]), np.array([0.0]))[0] == pytest.approx(0.5)


def test_predictive_checks_by_hand():
    """R^2 and MAPE of the observed totals against the predicted mean, and the share of
    observations inside the predictive interval, per outcome; a period without an
    observation is left out."""
    from mmm.analysis.validation import predictive_checks

    table = pd.DataFrame(
        {
            "outcome": ["sales"] * 4 + ["visits"] * 2,
            "observed": [10.0, 20.0, 30.0, np.nan, 5.0, 5.0],
            "mean": [12.0, 18.0, 30.0, 7.0, 4.0, 6.0],
            "lower": [9.0, 20.0, 31.0, 0.0, 4.0, 0.0],
            "upper": [11.0, 25.0, 35.0, 9.0, 5.0, 4.0],
        }
    )
    t = predictive_checks(table).set_index("outcome")
    assert list(t.index) == ["sales", "visits"]
    # sales: SSE 4 + 4 + 0 = 8, SST 100 + 0 + 100 = 200; errors 2/10, 2/20, 0
    assert t.loc["sales", "n"] == 3
    assert t.loc["sales", "r2"] == pytest.approx(1 - 8 / 200)
    assert t.loc["sales", "mape"] == pytest.approx((0.2 + 0.1 + 0.0) / 3)
    assert t.loc["sales", "coverage"] == pytest.approx(2 / 3)  # 10 in [9, 11], 20 on the edge
    # visits: no variation (no R^2); 5 in [4, 5], not in [0, 4]
    assert np.isnan(t.loc["visits", "r2"])
    assert t.loc["visits", "mape"] == pytest.approx(0.2)
    assert t.loc["visits", "coverage"] == pytest.approx(0.5)


def test_backtest_averages_by_hand():
    """Mean MAPEs over the folds that have one; coverage pooled over all observations."""
    from mmm.analysis.validation import backtest_averages

    folds = [
        {"outcome": "sales", "n": 4, "mape": 0.1, "naive_mape": 0.3, "coverage": 1.0},
        {"outcome": "visits", "n": 2, "mape": None, "naive_mape": 0.2, "coverage": 0.5},
        {"outcome": "sales", "n": 6, "mape": 0.2, "naive_mape": 0.1, "coverage": 0.5},
        {"outcome": "visits", "n": 8, "mape": 0.4, "naive_mape": None, "coverage": 0.75},
    ]
    t = backtest_averages(folds).set_index("outcome")
    assert list(t.index) == ["sales", "visits"]
    assert t.loc["sales", "mape"] == pytest.approx(0.15)
    assert t.loc["sales", "naive_mape"] == pytest.approx(0.2)
    assert t.loc["sales", "coverage"] == pytest.approx((4 * 1.0 + 6 * 0.5) / 10)
    assert t.loc["visits", "mape"] == pytest.approx(0.4)  # the fold without one left out
    assert t.loc["visits", "naive_mape"] == pytest.approx(0.2)
    assert t.loc["visits", "coverage"] == pytest.approx((2 * 0.5 + 8 * 0.75) / 10)


def test_forecast_metrics_by_hand():
    dates = pd.date_range("2024-01-01", periods=4, freq="W-MON")
    draws = np.array([[1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0]])  # mean 2, 3, 4, 5
    d = xr.DataArray(
        draws[:, :, None, None],
        dims=("sample", "date", "geo", "outcome"),
        coords={"date": dates, "geo": ["all"], "outcome": ["y"]},
    )
    obs = xr.DataArray(
        np.array([2.0, 4.0, 4.0, 10.0])[:, None, None],
        dims=("date", "geo", "outcome"),
        coords={"date": dates, "geo": ["all"], "outcome": ["y"]},
    )
    m = A.forecast_metrics(d, obs, prob=0.5).iloc[0]
    assert m["mape"] == pytest.approx(np.mean([0, 1 / 4, 0, 5 / 10]))
    y = np.array([2.0, 4, 4, 10])
    assert m["r2"] == pytest.approx(1 - (0 + 1 + 0 + 25) / ((y - y.mean()) ** 2).sum())
    # 50% interval of two draws a < b: [a + (b-a)/4, b - (b-a)/4] = [1.5, 2.5] for date 0
    # 50% intervals [1.5, 2.5], [2.5, 3.5], [3.5, 4.5], [4.5, 5.5]: 2 and 4 are inside
    assert m["coverage"] == pytest.approx(0.5)
    assert m["n"] == 4


def make_fit_fn(base_scale, intercept_factor=1.0):
    """Known parameters re-expressed in each training set's scale (a perfect 'refit')."""

    def fit_fn(train):
        ratio = base_scale["ys"] / outcome_scale(SPEC, train)
        p = dict(P)
        p["intercept"] = np.asarray(P["intercept"]) * intercept_factor
        p = rescale(p, ratio)
        p = {k: np.repeat(np.asarray(v)[None], N_DRAWS, axis=0) for k, v in p.items()}
        return fit_from_params(SPEC, train, params=p)

    return fit_fn


@pytest.fixture(scope="module")
def generated():
    """Data drawn from the known model (with its noise), and a fit_fn that recovers it."""
    ds0 = dataset()
    train0 = ds0.subset(end=ds0.dates[29])
    f0 = fit_from_params(SPEC, train0, params=P)
    y = A.predict(f0, ds0, noise=True, max_draws=None, seed=5).values[0, :, 0]
    ds1 = with_outcomes(y)
    base = {"ys": f0.design.outcome_scale[0]}
    return ds1, make_fit_fn(base), f0, ds0, base


def test_fit_quality_by_hand():
    from mmm.analysis.validation import fit_quality

    # SST = 25 + 25 + 225 + 225 = 500, SSE = 4 + 4 + 0 + 4 = 12; the zero week is left out
    # of the percentage error: (0.2 + 0.1 + 0) / 3
    q = fit_quality([10.0, 20.0, 30.0, 0.0], [12.0, 18.0, 30.0, 2.0])
    assert q["r2"] == pytest.approx(1 - 12 / 500)
    assert q["mape"] == pytest.approx(0.1)
    flat = fit_quality([5.0, 5.0], [4.0, 6.0])  # no variation: no R^2
    assert flat["r2"] is None and flat["mape"] == pytest.approx(0.2)
    assert fit_quality([0.0, 0.0], [1.0, 2.0]) == {"r2": None, "mape": None}


def test_predict_extends_the_fit_with_carry_over(generated):
    ds1, fit_fn, f0, ds0, _ = generated
    pred = A.predict(f0, ds0, noise=False, max_draws=None)
    # on the fitted dates the prediction is the model's expected value
    np.testing.assert_allclose(pred.values[:, :30], A.expected(f0).values, rtol=1e-12)
    assert pred.sizes["date"] == 40


def test_holdout_with_a_cheap_fit(generated):
    ds1, fit_fn, f0, ds0, _ = generated
    bt = A.holdout(ds1, fit_fn=fit_fn, test_periods=10, prob=0.9)
    m = bt.metrics.set_index("outcome")
    assert list(m["n"]) == [10, 10]
    assert m["test_start"].iloc[0] == ds1.dates[30]
    # the model is right: noise of sd sigma * scale, so MAPE near 0.8 * sigma * scale / level
    assert (m["coverage"] >= 0.7).all()
    sd = P["sigma"] * f0.design.outcome_scale[0]
    level = ds1.outcomes.sel(outcome=["online_sales", "store_visits"]).mean(("date", "geo"))
    np.testing.assert_allclose(m["mape"], 0.8 * sd / level.values, rtol=0.5)
    # CRPS of a calibrated normal is about 0.57 sd on average
    np.testing.assert_allclose(m["crps"], 0.57 * sd, rtol=0.5)
    assert bt.predictions[0].sizes["date"] == 10


def test_holdout_beats_a_wrong_model(generated):
    ds1, fit_fn, f0, ds0, _ = generated

    wrong = make_fit_fn(generated[4], intercept_factor=1.3)
    good = A.holdout(ds1, fit_fn=fit_fn, test_periods=10).metrics
    bad = A.holdout(ds1, fit_fn=wrong, test_periods=10).metrics
    assert (bad["crps"].values > 3 * good["crps"].values).all()
    assert (bad["coverage"].values < good["coverage"].values).all()


def test_rolling_origin_folds(generated):
    ds1, fit_fn, *_ = generated
    bt = A.rolling_origin(ds1, fit_fn=fit_fn, initial=24, horizon=5, step=5)
    assert sorted(set(bt.metrics["fold"])) == [0, 1, 2]
    ends = bt.metrics.drop_duplicates("fold")["train_end"].tolist()
    assert ends == [ds1.dates[23], ds1.dates[28], ds1.dates[33]]
    assert len(bt.predictions) == 3
    with pytest.raises(ValueError):
        A.rolling_origin(ds1, fit_fn=fit_fn, initial=38, horizon=5)
