"""The counterfactual engine, contributions and ROAS against hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_helpers import (
    dataset,
    geometric,
    known_fit,
    outcome_scale,
    params,
    rescale,
    spec,
    with_outcomes,
)

import mmm.analysis as A
from mmm.analysis.known import fit_from_params


@pytest.fixture(scope="module")
def fit():
    return known_fit()


def hand_f(fit, spend=None):
    """f[t, s] = A / (A + K), A = sum_l w_l x[t-l] / scale, by explicit loops."""
    p = params()
    x = np.asarray(fit.dataset.spend.values[:, 0, :] if spend is None else spend, float)
    x = x / fit.design.spend_scale
    ch = [0, 1, 1]
    T, S = x.shape
    f = np.zeros((T, S))
    for s in range(S):
        w = p["adstock_weights"][ch[s]]
        K = p["saturation_half"][ch[s]]
        for t in range(T):
            a = sum(w[lag] * x[t - lag, s] for lag in range(len(w)) if t - lag >= 0)
            f[t, s] = a / (a + K)
    return f


def test_response_matches_hand_computation_and_is_zero_without_spend(fit):
    pp = A.posterior_params(fit)
    f = A.response(fit, fit.dataset.spend.values, pp)
    assert f.shape == (1, 40, 1, 3)
    np.testing.assert_allclose(f[0, :, 0], hand_f(fit), rtol=1e-12)
    zero = A.response(fit, np.zeros_like(fit.dataset.spend.values), pp)
    assert np.all(zero == 0.0)


def test_contributions_direct_and_mediated_by_hand(fit):
    c = A.contributions(fit)
    f = hand_f(fit)
    p = params()
    ys = fit.design.outcome_scale[0]  # (outcome,)
    for k, o in enumerate(["online_sales", "store_visits"]):
        direct = f * p["beta"][k, 0][None] * ys[k]
        np.testing.assert_allclose(c.sel(outcome=o, path="direct").values[0, :, 0], direct)
        gamma = np.array([0.0, *p["gamma"][0]])  # search is a conversion series
        mediated = f * p["delta"][k] * gamma[None] * ys[k]
        np.testing.assert_allclose(c.sel(outcome=o, path="mediated").values[0, :, 0], mediated)
    assert float(c.sel(series="search|all", path="mediated").sum()) == 0.0
    assert list(c["channel"].values) == ["search", "social", "social"]


def test_decomposition_adds_up_to_expected_and_matches_hand_baseline(fit):
    d = A.decompose(fit)
    e = A.expected(fit)
    np.testing.assert_allclose(d.sum("component").values, e.values, rtol=1e-12)
    assert list(d["component"].values[:4]) == ["intercept", "trend", "seasonality", "promo"]
    assert "mediator_baseline" in d["component"].values
    # expected on date 7 by hand, in scaled units times the outcome scale
    p = params()
    de, ds = fit.design, fit.dataset
    t = 7
    tt = de.time_index(ds.dates)[t]
    fo = de.fourier(ds.dates)[t]
    z = de.scale_controls(ds.controls.values)[t, 0, 0]
    m = ds.outcomes.sel(outcome="brand_search").values[t, 0] / de.mediator_scale[0]
    f = hand_f(fit)[t]
    for k in range(2):
        mu = (
            p["intercept"][0, k]
            + p["trend_slope"][0, k] * (tt - 0.5)
            + fo @ p["season_coef"][k]
            + p["control_coef"][k, 0] * z
            + f @ p["beta"][k, 0]
            + p["delta"][k] * m
        )
        assert e.values[0, t, 0, k] == pytest.approx(mu * de.outcome_scale[0, k], rel=1e-12)


def test_expected_is_close_to_outcome_on_fitted_data_without_mediator():
    # data generated from the known model, then the same model must reproduce it
    ds0 = dataset()
    f0 = known_fit(mediator=False, ds=ds0)
    y = A.expected(f0).values[0, :, 0, :]
    ds1 = with_outcomes(y)
    # the outcome scale changed with the outcomes: rescale the scaled-space parameters
    ratio = f0.design.outcome_scale[0] / outcome_scale(spec(mediator=None), ds1)
    p = rescale(params(mediator=False), ratio)
    f1 = fit_from_params(spec(mediator=None), ds1, params=p)
    obs = ds1.outcomes.sel(outcome=["online_sales", "store_visits"]).values[:, 0]
    np.testing.assert_allclose(A.expected(f1).values[0, :, 0], obs, rtol=1e-9)
    obs_da = ds1.outcomes.sel(outcome=["online_sales", "store_visits"])
    m = A.forecast_metrics(A.expected(f1), obs_da)
    np.testing.assert_allclose(m["r2"], 1.0, atol=1e-9)
    np.testing.assert_allclose(m["mape"], 0.0, atol=1e-9)
    np.testing.assert_allclose(m["crps"], 0.0, atol=1e-6)


def test_roas_is_contribution_over_spend(fit):
    r = A.roas_draws(fit)
    c = A.contributions(fit).sum(("date", "geo"))
    sp = fit.dataset.spend.sum(("date", "geo"))
    for path in ("direct", "mediated"):
        np.testing.assert_allclose(r.sel(path=path).values, (c.sel(path=path) / sp).values)
    np.testing.assert_allclose(
        r.sel(path="total").values, r.sel(path="direct").values + r.sel(path="mediated").values
    )
    tab = A.roas_table(fit)
    row = tab[
        (tab.outcome == "store_visits")
        & (tab.series == "social|near_store")
        & (tab.path == "total")
    ].iloc[0]
    assert row["cost_per_unit"] == pytest.approx(1 / row["median"])
    assert row["spend"] == pytest.approx(float(sp.sel(series="social|near_store")))
    # conversion series have no mediated path: zero effect, so no finite cost (NaN, not inf)
    med = tab[(tab.outcome == "store_visits") & (tab.path == "mediated") & (tab["median"] == 0)]
    assert len(med) > 0
    assert med["cost_per_unit"].isna().all() and med["cost_per_unit_upper"].isna().all()


def test_channel_roas_pools_audiences_by_spend(fit):
    r = A.channel_roas_draws(fit)
    c = A.contributions(fit).sum(("date", "geo"))
    sp = fit.dataset.spend.sum(("date", "geo"))
    assert r.dims == ("sample", "outcome", "channel", "path")
    assert list(r["channel"].values) == [str(c) for c in fit.dataset.channels["channel"]]
    # social has two audiences: (contribution of both) / (spend of both), by hand
    both = ["social|broad", "social|near_store"]
    for path in ("direct", "mediated"):
        want = c.sel(series=both, path=path).sum("series") / float(sp.sel(series=both).sum())
        np.testing.assert_allclose(r.sel(channel="social", path=path).values, want.values)
    # a one-audience channel's return is that series' return
    np.testing.assert_allclose(
        r.sel(channel="search").values, A.roas_draws(fit).sel(series="search|all").values
    )


def test_roas_parameterisation_round_trips():
    """Known ROAS in, the same ROAS out (beta = roas * spend / (scale * sum f))."""
    ds = dataset()
    p = params()
    del p["beta"]
    p["roas"] = np.array([[[2.0, 0.5, 0.3]], [[0.01, 0.02, 0.05]]])
    p.pop("gamma")
    p["mediator_roas"] = np.array([0.4, 0.2])
    f = fit_from_params(spec(), ds, params=p)
    r = A.roas_draws(f)
    np.testing.assert_allclose(r.sel(path="direct").values[0], p["roas"][:, 0], rtol=1e-12)


def test_contribution_table_and_date_range(fit):
    c = A.contributions(fit)
    tab = A.contribution_table(fit, start="2023-03-06", end="2023-05-29")
    sel = c.sel(date=slice("2023-03-06", "2023-05-29")).sum(("date", "geo"))
    row = tab[
        (tab.outcome == "online_sales") & (tab.series == "social|broad") & (tab.path == "direct")
    ].iloc[0]
    want = sel.sel(outcome="online_sales", series="social|broad", path="direct").values
    assert row["mean"] == pytest.approx(float(want.mean()))
    with pytest.raises(ValueError, match="no dates"):
        A.roas_draws(fit, start="2030-01-01")


def test_several_draws_and_thinning():
    p = params()
    p["saturation_half"] = np.array([[1.0, 0.8], [2.0, 1.6], [0.5, 0.4]])
    f = fit_from_params(spec(), dataset(), params=p)
    assert f.posterior.sizes["draw"] == 3
    assert A.contributions(f, max_draws=2).sizes["sample"] == 2
    c = A.contributions(f).sum(("date", "geo", "path"))
    # a larger half-saturation gives a smaller response for the same beta
    assert (c.isel(sample=1) < c.isel(sample=0)).all()
    assert (c.isel(sample=2) > c.isel(sample=0)).all()


def test_posterior_predictive_noise_scale():
    p = params()
    p = {k: np.repeat(np.asarray(v)[None], 400, axis=0) for k, v in p.items()}
    f = fit_from_params(spec(), dataset(), params=p)
    pp = A.posterior_predictive(f, max_draws=None)
    e = A.expected(f, max_draws=None)
    sd = (pp - e).std("sample").mean(("date", "geo")).values
    np.testing.assert_allclose(sd, params()["sigma"] * f.design.outcome_scale[0], rtol=0.1)


def test_geometric_helper():
    np.testing.assert_allclose(geometric(0.5, 3), [4 / 7, 2 / 7, 1 / 7])


def test_fits_saved_with_one_spend_scale_per_series_read_the_same(fit, tmp_path):
    """Fits saved before spend was scaled per (geo, series) hold ``spend_scale`` with dims
    (series,); loaded, they give the same contributions and optimizer curves as the
    (geo, series) scale of one geo."""
    import json

    from mmm.inference.fit import FitResult
    from mmm.optimize import make_planner

    assert fit.design.spend_scale.shape == (1, len(fit.dataset.series))
    fit.save(tmp_path / "new")
    fit.save(tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "fit.json").read_text())

    def flatten(d):
        for k, v in d.items():
            if k == "spend_scale":
                d[k] = v[0]
            elif isinstance(v, dict):
                flatten(v)

    flatten(meta)
    (tmp_path / "old" / "fit.json").write_text(json.dumps(meta))
    new, old = FitResult.load(tmp_path / "new"), FitResult.load(tmp_path / "old")
    assert old.design.spend_scale.shape == (len(fit.dataset.series),)
    np.testing.assert_array_equal(
        A.contributions(old, max_draws=None).values, A.contributions(new, max_draws=None).values
    )
    x = fit.dataset.spend.values[-4:]
    r_old = make_planner(old, horizon=4, max_draws=None).response
    r_new = make_planner(new, horizon=4, max_draws=None).response
    out = np.arange(4)
    np.testing.assert_allclose(r_old._adstock_cells(x, out), r_new._adstock_cells(x, out))


def test_contribution_totals_in_chunks_of_draws_equal_the_whole(monkeypatch):
    """The totals are evaluated a few draws at a time (memory of a large geo model); with
    one draw per chunk they equal the sum over dates of the full contributions."""
    import mmm.model.numpy_eval as npe
    import mmm.model.roas as roas

    p = params()
    p["saturation_half"] = np.array([[1.0, 0.8], [2.0, 1.6], [0.5, 0.4]])
    f = fit_from_params(spec(), dataset(), params=p)
    full = A.contributions(f, max_draws=None)
    dates = full["date"].values[2:7]
    want = full.sel(date=dates).sum(("date", "geo"))
    monkeypatch.setattr(npe, "_CHUNK_ELEMENTS", 1)  # one draw per chunk
    assert npe.draws_per_chunk(f, np.asarray(f.dataset.spend.values)) == 1
    got = roas.contribution_totals(f, start=dates[0], end=dates[-1], max_draws=None)
    np.testing.assert_allclose(
        got.sel(path=["direct", "mediated"]).transpose(*want.dims).values, want.values, rtol=1e-12
    )
    np.testing.assert_array_equal(got["sample"].values, full["sample"].values)
    by_geo = roas.contribution_totals(f, by_geo=True, max_draws=None)
    assert by_geo.sizes["geo"] == len(f.dataset.geos) and by_geo.sizes["sample"] == 3


def test_expected_in_chunks_of_draws_equals_the_whole(monkeypatch):
    """The expected outcome (log-likelihood, predictive draws) is evaluated a few draws at a
    time; with one draw per chunk it equals the one-pass evaluation."""
    import mmm.model.numpy_eval as npe

    p = params()
    p["saturation_half"] = np.array([[1.0, 0.8], [2.0, 1.6], [0.5, 0.4]])
    f = fit_from_params(spec(), dataset(), params=p)
    whole = npe.expected(f, max_draws=None)
    monkeypatch.setattr(npe, "_CHUNK_ELEMENTS", 1)
    assert npe.draws_per_chunk(f, np.asarray(f.dataset.spend.values)) == 1
    chunked = npe.expected(f, max_draws=None)
    np.testing.assert_allclose(chunked.values, whole.values, rtol=1e-12)
    np.testing.assert_array_equal(chunked["sample"].values, whole["sample"].values)
    assert chunked.sizes["sample"] == 3
