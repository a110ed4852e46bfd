"""Marginal returns, ROI, cost per visit, combined value and response curves, checked exactly."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_helpers import known_fit, params, tables

import mmm.analysis as A
from mmm.analysis.known import fit_from_params


@pytest.fixture(scope="module")
def fit():
    return known_fit()


def analytic_marginal(fit, mask=None):
    """Hill slope 1: d/dh sum_t f(A_t + h B_t) = sum_t K B_t / (A_t + K)^2, per raw spend."""
    p = params()
    x = fit.dataset.spend.values[:, 0, :] / fit.design.spend_scale
    raw = fit.dataset.spend.values[:, 0, :]
    mask = np.ones(len(x), bool) if mask is None else mask
    ch = [0, 1, 1]
    gamma = np.array([0.0, *p["gamma"][0]])
    ys = fit.design.outcome_scale[0]
    out = np.zeros((2, 3))
    for s in range(3):
        w, K = p["adstock_weights"][ch[s]], p["saturation_half"][ch[s]]
        a = np.convolve(x[:, s], w)[: len(x)]
        b = np.convolve(x[:, s] * mask, w)[: len(x)]
        df = (K * b / (a + K) ** 2).sum()
        for k in range(2):
            out[k, s] = (p["beta"][k, 0, s] + p["delta"][k] * gamma[s]) * ys[k] * df
    return out / raw[mask].sum(axis=0)[None]


def test_marginal_matches_analytic_hill_derivative(fit):
    m = A.marginal_draws(fit, rel_step=1e-4).sel(path="total").values[0]
    np.testing.assert_allclose(m, analytic_marginal(fit), rtol=1e-7)


def test_marginal_over_a_date_range_counts_later_carry_over(fit):
    dates = fit.dataset.dates
    m = A.marginal_draws(fit, start=dates[10], end=dates[19], rel_step=1e-4)
    mask = np.zeros(len(dates), bool)
    mask[10:20] = True
    np.testing.assert_allclose(
        m.sel(path="total").values[0], analytic_marginal(fit, mask), rtol=1e-7
    )


def test_marginal_is_below_average_for_a_concave_response(fit):
    r = A.roas_draws(fit).sel(path="total")
    m = A.marginal_draws(fit).sel(path="total")
    assert (m < r).all()
    assert (m > 0).all()


def test_marginal_agrees_with_finite_difference_of_response_curve(fit):
    cv = A.response_curves(fit, multipliers=np.linspace(0.98, 1.02, 5))
    mc = A.marginal_curve(cv).isel(point=cv.attrs["current_point"])
    m = A.marginal_draws(fit).sel(path="total")
    np.testing.assert_allclose(mc.values, m.values, rtol=1e-4)


def test_marginal_matches_analytic_derivative_of_an_s_shaped_curve():
    """Slopes 1.7 and 2.3 (S-shaped): d/dh sum_t f(A_t + h B_t) with
    f(a) = a^s / (a^s + K^s) is sum_t s K^s a^(s-1) B_t / (a^s + K^s)^2."""

    from analysis_helpers import dataset, spec

    slopes = np.array([1.7, 2.3])
    p = {**params(), "saturation_slope": slopes}
    f = fit_from_params(spec().replace(hill_slope="estimate"), dataset(), params=p)
    x = f.dataset.spend.values[:, 0, :] / f.design.spend_scale
    raw = f.dataset.spend.values[:, 0, :]
    ch, gamma, ys = [0, 1, 1], np.array([0.0, *p["gamma"][0]]), f.design.outcome_scale[0]
    want = np.zeros((2, 3))
    for s_ in range(3):
        w, K, n = p["adstock_weights"][ch[s_]], p["saturation_half"][ch[s_]], slopes[ch[s_]]
        a = np.convolve(x[:, s_], w)[: len(x)]
        df = (n * K**n * a ** (n - 1) * a / (a**n + K**n) ** 2).sum()  # B_t = A_t here
        for k in range(2):
            want[k, s_] = (p["beta"][k, 0, s_] + p["delta"][k] * gamma[s_]) * ys[k] * df
    want /= raw.sum(axis=0)[None]
    got = A.marginal_draws(f, rel_step=1e-4).sel(path="total").values[0]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    cv = A.response_curves(f, multipliers=np.linspace(0.98, 1.02, 5))
    mc = A.marginal_curve(cv).isel(point=cv.attrs["current_point"])
    np.testing.assert_allclose(mc.values[0], got, rtol=1e-4)


def test_return_measures_relations(fit):
    t = A.return_measures(fit, value_per_visit=12.0, margin=0.5)

    def get(o, s, measure, path="total"):
        r = t[(t.outcome == o) & (t.series == s) & (t.measure == measure) & (t.path == path)]
        assert len(r) == 1
        return r.iloc[0]

    roas = get("online_sales", "social|broad", "roas")["median"]
    assert get("online_sales", "social|broad", "roi")["median"] == pytest.approx(0.5 * roas - 1)
    upc = get("store_visits", "social|broad", "units_per_currency")["median"]
    assert get("store_visits", "social|broad", "cost_per_unit")["median"] == pytest.approx(1 / upc)
    assert get("combined", "social|broad", "combined_value")["median"] == pytest.approx(
        roas + 12.0 * upc
    )
    mr = get("online_sales", "social|broad", "marginal_roas")["median"]
    mv = get("store_visits", "social|broad", "marginal_units_per_currency")["median"]
    assert get("combined", "social|broad", "marginal_combined_value")["median"] == pytest.approx(
        mr + 12.0 * mv, rel=1e-9
    )
    assert get("store_visits", "social|broad", "marginal_cost_per_unit")["median"] == pytest.approx(
        1 / mv
    )
    # the mediated path of a conversion series is zero: no cost per visit there
    assert np.isnan(get("store_visits", "search|all", "cost_per_unit", "mediated")["median"])
    assert set(t["unit"]) == {"currency/currency", "units/currency", "currency/unit"}


def constant_fit(half=(1.0, 0.8), beta_scale=1.0):
    """No carry-over (l_max=1) and constant spend: Hill curves in closed form."""
    import warnings

    from analysis_helpers import spec

    from mmm.data import load_dataset

    t = tables()
    t["media"]["spend"] = 1000.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_dataset(t["media"], t["outcomes"], t["channels"], controls=t["controls"])
    p = params(l_max=1, half=half)
    p["beta"] = p["beta"] * beta_scale
    return fit_from_params(spec(l_max=1), ds, params=p)


def test_response_curve_and_diminishing_point_in_closed_form():
    f = constant_fit()
    cv = A.response_curves(f, multipliers=np.linspace(0, 3, 301))
    p = params()
    ys = f.design.outcome_scale[0]
    m = cv["multiplier"].values
    K = np.array([1.0, 0.8, 0.8])
    gamma = np.array([0.0, *p["gamma"][0]])
    for k in range(2):
        for s in range(3):
            c = (p["beta"][k, 0, s] + p["delta"][k] * gamma[s]) * ys[k] * 40 * m / (m + K[s])
            np.testing.assert_allclose(cv["contribution"].values[0, k, s], c, rtol=1e-12)
    np.testing.assert_allclose(cv["spend"].values[:, 100], 40_000.0)
    pts = A.curve_points(cv, revenue_outcomes=["online_sales"])
    dim = pts[pts.quantity == "diminishing_spend"].set_index(["outcome", "series"])["median"]
    # half of the initial slope at m = (sqrt(2) - 1) K: spend = m * 40 weeks * 1000
    want = (np.sqrt(2) - 1) * K * 40_000
    for s, w in zip(["search|all", "social|broad", "social|near_store"], want, strict=True):
        assert dim.loc[("online_sales", s)] == pytest.approx(w, rel=2e-3)
    cur = pts[pts.quantity == "current_spend"]["median"]
    np.testing.assert_allclose(cur, 40_000.0)
    be = pts[(pts.quantity == "breakeven_spend") & (pts.outcome == "store_visits")]
    assert be["median"].isna().all()


def test_curve_table_is_the_quantiles_of_the_curves_by_hand():
    import xarray as xr

    contrib = np.array([[[[0.0, 10.0, 40.0]]], [[[0.0, 20.0, 10.0]]], [[[0.0, 30.0, 70.0]]]])
    coords = {
        "sample": [0, 1, 2],
        "outcome": ["sales"],
        "series": ["tv|all"],
        "channel": ("series", ["tv"]),
        "audience": ("series", ["all"]),
        "point": [0, 1, 2],
        "multiplier": ("point", [0.0, 1.0, 2.0]),
    }
    spend = xr.DataArray(
        [[0.0, 500.0, 1000.0]],
        dims=("series", "point"),
        coords={k: coords[k] for k in ("series", "channel", "audience", "point", "multiplier")},
    )
    cv = xr.Dataset(
        {
            "contribution": xr.DataArray(
                contrib, dims=("sample", "outcome", "series", "point"), coords=coords
            ),
            "spend": spend,
        }
    )
    t = A.curve_table(cv, prob=0.5)
    assert list(t["spend"]) == [0.0, 500.0, 1000.0] and list(t["multiplier"]) == [0.0, 1.0, 2.0]
    assert list(t["median"]) == [0.0, 20.0, 40.0]
    # quartiles of (10, 20, 30) and (10, 40, 70) by linear interpolation
    assert list(t["lower"]) == [0.0, 15.0, 25.0] and list(t["upper"]) == [0.0, 25.0, 55.0]
    assert set(t["channel"]) == {"tv"} and set(t["interval"]) == {0.5}


def test_breakeven_spend_in_closed_form():
    f = constant_fit(beta_scale=20.0)
    cv = A.response_curves(f, multipliers=np.linspace(0, 3, 601))
    pts = A.curve_points(cv, revenue_outcomes=["online_sales"])
    be = pts[(pts.quantity == "breakeven_spend") & (pts.outcome == "online_sales")]
    be = be.set_index("series")["median"]
    # dC/dS = c K / ((m + K)^2 * 1000) = 1  ->  m = sqrt(c K / 1000) - K, c per week
    p = params()
    ys = f.design.outcome_scale[0, 0]
    c = 20.0 * p["beta"][0, 0, 0] * ys
    m = np.sqrt(c * 1.0 / 1000.0) - 1.0
    assert 0 < m < 3
    assert be.loc["search|all"] == pytest.approx(m * 40_000, rel=5e-3)
    r = cv["roas"].isel(point=slice(1, None))
    assert (r.diff("point") < 0).all()  # average return falls as spend grows


def test_adstock_curves_and_carryover_half_life():
    f = known_fit(alphas=(0.3, 0.8))
    ad = A.adstock_curves(f)
    np.testing.assert_allclose(
        ad["mean"].sel(channel="social").values, np.array([1, 0.8, 0.64]) / 2.44
    )
    np.testing.assert_allclose(ad["cumulative"].sel(channel="social").values[-1], 1.0)
    co = A.carryover(f).set_index("channel")
    assert co.loc["social", "half_life_median"] == pytest.approx((1.22 - 1) / 0.8)
    assert co.loc["search", "half_life_median"] == 0.0
    assert co.loc["social", "stage"] == "awareness"
    assert co.loc["social", "mean_lag"] == pytest.approx((0.8 + 2 * 0.64) / 2.44)


def test_media_total_stats_by_hand():
    """Statistics of per-draw ratios (not ratios of medians), 50 % intervals by hand."""
    import xarray as xr

    total = xr.DataArray(
        [[100.0, -10.0], [200.0, 10.0], [300.0, 20.0], [400.0, 40.0], [500.0, 50.0]],
        dims=("sample", "outcome"),
        coords={"outcome": ["sales", "visits"]},
    )
    observed = xr.DataArray([1000.0, 0.0], dims="outcome", coords={"outcome": ["sales", "visits"]})
    df = A.media_total_stats(
        total,
        spend=100.0,
        observed=observed,
        kinds={"sales": "revenue", "visits": "count"},
        prob=0.5,
    ).set_index("outcome")
    s, v = df.loc["sales"], df.loc["visits"]
    assert (s["kind"], s["spend"], s["observed"], s["interval"]) == ("revenue", 100.0, 1000.0, 0.5)
    assert [s[f"contribution_{k}"] for k in ("median", "lower", "upper")] == [300, 200, 400]
    np.testing.assert_allclose(
        [s[f"share_{k}"] for k in ("median", "lower", "upper")], [0.3, 0.2, 0.4]
    )
    np.testing.assert_allclose(
        [s[f"per_spend_{k}"] for k in ("median", "lower", "upper")], [3, 2, 4]
    )
    assert s[["cost_per_unit_median", "cost_per_unit_lower", "cost_per_unit_upper"]].isna().all()
    assert [v[f"contribution_{k}"] for k in ("median", "lower", "upper")] == [20, 10, 40]
    assert v[["share_median", "share_lower", "share_upper"]].isna().all()  # nothing observed
    np.testing.assert_allclose(
        [v[f"per_spend_{k}"] for k in ("median", "lower", "upper")], [0.2, 0.1, 0.4]
    )
    # cost over the draws with a positive effect: 100 / (10, 20, 40, 50) = 10, 5, 2.5, 2;
    # median (5 + 2.5) / 2, quartiles 2 + 0.75 * 0.5 and 5 + 0.25 * 5 (linear interpolation)
    np.testing.assert_allclose(
        [v[f"cost_per_unit_{k}"] for k in ("median", "lower", "upper")], [3.75, 2.375, 6.25]
    )


def test_media_totals_of_a_fit_are_all_series_together(fit):
    from mmm.analysis.returns import contribution_totals

    df = A.media_totals(fit, prob=0.9).set_index("outcome")
    assert list(df.index) == list(fit.spec.outcome_names)
    tot = contribution_totals(fit).sel(path="total").sum("series")
    spend = float(fit.dataset.spend.sum())
    for o in fit.spec.outcome_names:
        d = tot.sel(outcome=o).values
        obs = float(fit.dataset.outcomes.sel(outcome=o).sum())
        row = df.loc[o]
        assert row["spend"] == spend and row["observed"] == pytest.approx(obs, rel=1e-12)
        want = np.quantile(d, [0.5, 0.05, 0.95])
        got = [row[f"contribution_{k}"] for k in ("median", "lower", "upper")]
        np.testing.assert_allclose(got, want, rtol=1e-12)
        np.testing.assert_allclose(row["share_median"], np.median(d / obs), rtol=1e-12)
        np.testing.assert_allclose(row["per_spend_upper"], np.quantile(d / spend, 0.95), rtol=1e-12)
    # the all-geo row of geo_table is the same total
    g = A.geo_table(fit).set_index(["geo", "outcome"]).loc["all"]
    np.testing.assert_allclose(df["contribution_median"], g["contribution_median"], rtol=1e-10)
    np.testing.assert_allclose(df["per_spend_median"], g["per_spend_median"], rtol=1e-10)
