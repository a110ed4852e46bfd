"""OLS / GLSAR baseline and data diagnostics against known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from analysis_helpers import dataset, params, spec, with_outcomes

import mmm.analysis as A
from mmm.analysis.known import fit_from_params


@pytest.fixture(scope="module")
def exact_data():
    """Outcomes generated without noise from the fixed shapes the baseline assumes."""
    ds0 = dataset()
    p = params(alphas=(0.3, 0.6), half=(1.0, 1.0))  # half = prior median, geometric in grid
    f0 = fit_from_params(spec(), ds0, params=p)
    y = A.expected(f0).values[0, :, 0]
    ds1 = with_outcomes(y)
    f1 = fit_from_params(spec(), ds1, params=p)  # carries spec, data and scaling only
    return f0, f1


def test_ols_recovers_direct_returns_and_decay_on_exact_data(exact_data):
    f0, f1 = exact_data
    res = A.frequentist_baseline(f1, glsar=False)
    truth = A.roas_draws(f0).sel(path="direct").isel(sample=0)
    t = res.table.set_index(["outcome", "series"])
    for o in ("online_sales", "store_visits"):
        for s in f1.dataset.series:
            assert t.loc[(o, s), "roas"] == pytest.approx(
                float(truth.sel(outcome=o, series=s)), rel=1e-6
            )
    assert (t["alpha_conversion"] == 0.3).all() and (t["alpha_awareness"] == 0.6).all()
    assert float(np.abs(res.residuals).max()) < 1e-6
    assert len(res.grid) == 2 * 10 * 10


def test_glsar_and_comparison_table(exact_data):
    _, f1 = exact_data
    res = A.frequentist_baseline(f1, decays=(0.3, 0.6))
    assert set(res.table["method"]) == {"ols", "glsar"}
    assert (res.table["lower"] <= res.table["roas"]).all()
    cmp = A.compare_estimates(f1, res)
    assert {"bayes_median", "ols_roas", "glsar_roas", "ols_lower"} <= set(cmp.columns)
    assert len(cmp) == 2 * 3


def test_vif_two_correlated_series():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    b = 0.8 * a + 0.6 * rng.normal(size=200)
    c = rng.normal(size=200)
    sp = xr.DataArray(
        np.stack([a, b, c], axis=1)[:, None, :],
        dims=("date", "geo", "series"),
        coords={"series": ["a", "b", "c"]},
    )
    v = A.vif(sp).set_index("series")["vif"]
    # with c independent, VIF of a is close to 1 / (1 - r^2) for r = corr(a, b)
    r = np.corrcoef(a, b)[0, 1]
    sp2 = sp.sel(series=["a", "b"])
    v2 = A.vif(sp2).set_index("series")["vif"]
    assert v2["a"] == pytest.approx(1 / (1 - r**2))
    assert v2["b"] == pytest.approx(1 / (1 - r**2))
    assert v["c"] < 1.1
    sp3 = xr.concat(
        [sp, (sp.sel(series="a") + sp.sel(series="c")).expand_dims(series=["d"])], dim="series"
    )
    assert np.isinf(A.vif(sp3).set_index("series").loc["d", "vif"])


def test_residual_checks_by_hand():
    e = np.array([1.0, -1.0, 2.0, 0.5, -0.5, 1.0, -2.0, 0.0, 1.0, -1.0])
    r = xr.DataArray(
        e[:, None, None], dims=("date", "geo", "outcome"), coords={"geo": ["all"], "outcome": ["y"]}
    )
    row = A.residual_checks(r, nlags=2).iloc[0]
    assert row["durbin_watson"] == pytest.approx((np.diff(e) ** 2).sum() / (e**2).sum())
    d = e - e.mean()
    assert row["acf_1"] == pytest.approx((d[1:] * d[:-1]).sum() / (d**2).sum())
    assert 0 <= row["ljung_box_p"] <= 1


def test_stl_separates_trend_and_season():
    t = np.arange(156)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 52)
    dates = pd.date_range("2023-01-02", periods=156, freq="W-MON")
    o = xr.DataArray(
        y[:, None, None],
        dims=("date", "geo", "outcome"),
        coords={"date": dates, "geo": ["all"], "outcome": ["sales"]},
    )
    comp, strength = A.stl_decomposition(o)
    np.testing.assert_allclose(comp["trend"] + comp["seasonal"] + comp["resid"], y)
    assert strength.iloc[0]["seasonal_strength"] > 0.95
    assert strength.iloc[0]["trend_strength"] > 0.95
    assert np.abs(comp["seasonal"].to_numpy() - 10 * np.sin(2 * np.pi * t / 52)).max() < 1.0
    with pytest.raises(ValueError, match="two periods"):
        A.stl_decomposition(o.isel(date=slice(0, 60)))


def test_intervals_overlap_by_hand():
    from mmm.analysis.frequentist import intervals_overlap

    assert intervals_overlap(1.0, 2.0, 1.5, 3.0)
    assert intervals_overlap(1.0, 2.0, 2.0, 3.0)  # touching ends count
    assert not intervals_overlap(1.0, 2.0, 2.1, 3.0)
    assert not intervals_overlap(1.0, 2.0, -1.0, 0.9)
    # widened by 0.1 x max(|1|, |2|) = 0.2 on each side: [0.8, 2.2]
    assert intervals_overlap(1.0, 2.0, 2.15, 3.0, rel_tol=0.1)
    assert intervals_overlap(1.0, 2.0, 0.0, 0.85, rel_tol=0.1)
    assert not intervals_overlap(1.0, 2.0, 2.25, 3.0, rel_tol=0.1)
    # a missing end of the first interval: no overlap to claim
    assert not intervals_overlap(None, 2.0, 0.0, 3.0)
    assert not intervals_overlap(1.0, float("nan"), 0.0, 3.0)
