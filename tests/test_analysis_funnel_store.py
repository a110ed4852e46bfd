"""Funnel shares, direct vs mediated paths and online-to-store effects, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_helpers import known_fit, params

import mmm.analysis as A


@pytest.fixture(scope="module")
def fit():
    return known_fit()


@pytest.fixture(scope="module")
def totals(fit):
    return A.contributions(fit).sum(("date", "geo")).isel(sample=0)  # (outcome, series, path)


def test_funnel_shares_by_hand(fit, totals):
    df = A.funnel_shares(fit).set_index(["outcome", "stage"])
    sp = fit.dataset.spend.sum(("date", "geo")).values  # search, social|broad, social|near
    assert df.loc[("online_sales", "conversion"), "spend_share"] == pytest.approx(sp[0] / sp.sum())
    assert df.loc[("online_sales", "conversion"), "spend"] == pytest.approx(sp[0])
    for o in ("online_sales", "store_visits"):
        c = totals.sel(outcome=o).sum("path").values
        assert df.loc[(o, "awareness"), "effect_share_median"] == pytest.approx(
            c[1:].sum() / c.sum()
        )
        assert df.loc[(o, "awareness"), "effect"] == pytest.approx(c[1:].sum())
        assert df.loc[(o, "awareness"), "effect_share_mean"] + df.loc[
            (o, "conversion"), "effect_share_mean"
        ] == pytest.approx(1.0)


def test_mediated_share_is_delta_gamma_over_total_effect(fit):
    df = A.awareness_paths(fit)
    share = df[df.quantity == "mediated_share"].set_index(["outcome", "series"])["median"]
    p = params()
    assert set(df["series"]) == {"social|broad", "social|near_store"}
    for k, o in enumerate(["online_sales", "store_visits"]):
        for j, s in enumerate(["social|broad", "social|near_store"]):
            dg = p["delta"][k] * p["gamma"][0, j]
            assert share.loc[(o, s)] == pytest.approx(dg / (p["beta"][k, 0, j + 1] + dg))


def test_without_mediator_there_is_no_mediated_path():
    f = known_fit(mediator=False)
    assert "mediator_baseline" not in A.decompose(f)["component"].values
    assert float(A.contributions(f).sel(path="mediated").sum()) == 0.0
    share = A.awareness_paths(f)
    assert (share[share.quantity == "mediated_share"]["median"] == 0.0).all()


def test_media_driven_shares_by_hand(fit, totals):
    df = A.media_driven_shares(fit).set_index(["outcome", "series"])
    obs = fit.dataset.outcomes.sum(("date", "geo"))
    for o in ("online_sales", "store_visits"):
        c = totals.sel(outcome=o).sum("path")
        for s in fit.dataset.series:
            assert df.loc[(o, s), "share_median"] == pytest.approx(
                float(c.sel(series=s) / obs.sel(outcome=o))
            )
        assert df.loc[(o, "all media"), "share_median"] == pytest.approx(
            float(c.sum() / obs.sel(outcome=o))
        )
        assert df.loc[(o, "all media"), "contribution"] == pytest.approx(float(c.sum()))
    assert df.loc[("store_visits", "social|near_store"), "stage"] == "awareness"


def test_near_store_vs_broad_cost_per_visit_by_hand(fit, totals):
    df = A.near_store_vs_broad(fit).set_index(["scope", "group"])
    sp = fit.dataset.spend.sum(("date", "geo")).values
    v = totals.sel(outcome="store_visits").sum("path").values
    assert df.loc[("all", "near_store"), "cost_per_visit_median"] == pytest.approx(sp[2] / v[2])
    assert df.loc[("all", "broad"), "cost_per_visit_median"] == pytest.approx(
        (sp[0] + sp[1]) / (v[0] + v[1])
    )
    assert df.loc[("social", "broad"), "cost_per_visit_median"] == pytest.approx(sp[1] / v[1])
    assert ("search", "broad") not in df.index  # search has no near-store audience
    near_cheaper = sp[2] / v[2] < sp[1] / v[1]
    assert df.loc[("social", "near_store"), "p_near_cheaper"] == float(near_cheaper)
    assert df.loc[("social", "near_store"), "spend"] == pytest.approx(sp[2])
    with pytest.raises(ValueError, match="no series"):
        A.near_store_vs_broad(fit, near=("nobody",))


def test_stage_shares_on_plain_arrays():
    import xarray as xr

    c = xr.DataArray(
        np.array([[6.0, 3.0, 1.0]]),
        dims=("outcome", "series"),
        coords={"outcome": ["y"], "series": ["a", "b", "c"]},
    )
    sp = xr.DataArray(np.array([1.0, 1.0, 2.0]), dims="series", coords={"series": ["a", "b", "c"]})
    sh = A.stage_shares(c, sp, ["conversion", "awareness", "awareness"])
    assert float(sh["effect_share"].sel(outcome="y", stage="awareness")) == pytest.approx(0.4)
    assert float(sh["spend_share"].sel(stage="awareness")) == pytest.approx(0.75)


def test_audience_cost_stats_by_hand():
    """Median and quartiles of the per-draw spend / units of each audience (not the spend
    over the sum of the lines' medians); draws where an audience drove nothing skipped."""
    import xarray as xr

    contrib = xr.DataArray(
        np.array([[10, 5, 10], [20, 0, 20], [0, 10, 0], [40, 5, 40]], float)[:, None, :],
        dims=("sample", "outcome", "series"),
        coords={
            "outcome": ["visits"],
            "series": ["a|broad", "a|near", "b|broad"],
            "audience": ("series", ["broad", "near", "broad"]),
        },
    )
    spend = xr.DataArray(
        [100.0, 50.0, 300.0],
        dims="series",
        coords={"audience": ("series", ["broad", "near", "broad"])},
    )
    df = A.audience_cost_stats(contrib, spend, prob=0.5).set_index("audience")
    assert list(df.index) == ["broad", "near"] and set(df["interval"]) == {0.5}
    # broad: 400 / (20, 40, 0, 80) -> 20, 10, 5 (the draw without visits is skipped)
    b = df.loc["broad"]
    assert (b["spend"], b["contribution_median"]) == (400.0, 30.0)
    assert [b["cost_per_unit_median"], b["cost_per_unit_lower"], b["cost_per_unit_upper"]] == [
        10.0,
        7.5,
        15.0,
    ]
    # near: 50 / (5, 0, 10, 5) -> 10, 5, 10
    n = df.loc["near"]
    assert (n["spend"], n["contribution_median"]) == (50.0, 5.0)
    assert [n["cost_per_unit_median"], n["cost_per_unit_lower"], n["cost_per_unit_upper"]] == [
        10.0,
        7.5,
        10.0,
    ]


def test_audience_costs_of_a_fit(fit, totals):
    df = A.audience_costs(fit, max_draws=None).set_index("audience")
    assert set(df["outcome"]) == {"store_visits"}
    c = totals.sel(outcome="store_visits").sum("path")  # the known fit: one draw per sample
    sp = fit.dataset.spend.sum(("date", "geo"))
    for a in ("all", "broad", "near_store"):
        sel = (sp["audience"] == a).values
        assert df.loc[a, "spend"] == pytest.approx(float(sp.values[sel].sum()))
        assert df.loc[a, "contribution_median"] == pytest.approx(float(c.values[sel].sum()))
        assert df.loc[a, "cost_per_unit_median"] == pytest.approx(
            float(sp.values[sel].sum() / c.values[sel].sum())
        )


def test_store_value_share_stats_by_hand():
    import xarray as xr

    contrib = xr.DataArray(
        np.array([[[100.0], [10.0]], [[300.0], [0.0]], [[-50.0], [5.0]]]),
        dims=("sample", "outcome", "series"),
        coords={
            "outcome": ["sales", "visits"],
            "series": ["tv|all"],
            "channel": ("series", ["tv"]),
            "audience": ("series", ["all"]),
        },
    )
    df = A.store_value_share_stats(
        contrib, values={"sales": 1.0, "visits": 5.0}, counts=["visits"], prob=0.5
    )
    # value 150 (50 in stores), 300 (none), -25 (skipped): shares 1/3 and 0
    r = df.iloc[0]
    assert (r["channel"], r["audience"]) == ("tv", "all")
    np.testing.assert_allclose([r["median"], r["lower"], r["upper"]], [1 / 6, 1 / 12, 1 / 4])


def _draws_fit(beta_scale, gamma_scale):
    """The known fit with one draw per entry of the scale arrays: the awareness series'
    direct effects (beta) and mediator effects (gamma) multiplied per draw."""
    from analysis_helpers import dataset, spec

    from mmm.analysis.known import fit_from_params

    p = params()
    n = len(beta_scale)
    beta = np.repeat(p["beta"][None], n, axis=0)
    beta[:, :, :, 1:] *= np.asarray(beta_scale)[:, None, None, None]
    p["beta"] = beta
    p["gamma"] = p["gamma"][None] * np.asarray(gamma_scale)[:, None, None]
    return fit_from_params(spec(mediator="brand_search", l_max=3), dataset(), params=p)


def test_path_identification_flags_a_split_the_draws_trade_off():
    """Draws that move the direct effect down as the mediated one goes up (the data pin
    only the total) are flagged; draws where the two vary independently are not."""
    rng = np.random.default_rng(3)
    t = rng.uniform(0.0, 1.0, 300)
    traded = A.path_identification(_draws_fit(1.5 - t, 0.5 + t)).set_index("outcome")
    assert list(traded["channel"]) == ["social", "social"]
    assert (traded["correlation"] < -0.99).all() and traded["weakly_identified"].all()
    u, v = rng.normal(size=(2, 300))
    free = A.path_identification(_draws_fit(1 + 0.2 * u, 1 + 0.2 * v)).set_index("outcome")
    assert (free["correlation"].abs() < 0.2).all() and not free["weakly_identified"].any()
    # the channel's mediated share per draw: mediated / (direct + mediated), summed over
    # its two audiences, from the contributions
    c = A.contributions(_draws_fit(1 + 0.2 * u, 1 + 0.2 * v)).sum(("date", "geo"))
    social = c.isel(series=[1, 2]).sum("series")
    for o in ("online_sales", "store_visits"):
        m = social.sel(outcome=o, path="mediated").values
        d = social.sel(outcome=o, path="direct").values
        assert free.loc[o, "mediated_share"] == pytest.approx(np.median(m / (d + m)))
        lo, hi = np.quantile(m / (d + m), [0.05, 0.95])
        assert (free.loc[o, "share_lower"], free.loc[o, "share_upper"]) == pytest.approx((lo, hi))


def test_path_identification_without_mediator_is_not_flagged():
    df = A.path_identification(known_fit(mediator=False))
    assert df["correlation"].isna().all() and not df["weakly_identified"].any()
    assert (df["mediated_share"] == 0.0).all()


def test_tables_of_contribution_draws_the_caller_has_are_the_fits():
    """A caller that has the contribution draws passes them (the run's summary evaluates
    them once): the tables are those computed from the fit, and the draws passed are the
    ones used."""
    import pandas as pd

    rng = np.random.default_rng(5)
    u, v = rng.normal(size=(2, 200))
    f = _draws_fit(1 + 0.2 * u, 1 + 0.2 * v)
    tot = A.contribution_totals(f)
    for table in (A.path_identification, A.contribution_table, A.media_totals):
        pd.testing.assert_frame_equal(table(f, totals=tot), table(f))
    doubled = A.contribution_table(f, totals=2 * tot)
    np.testing.assert_allclose(doubled["median"], 2 * A.contribution_table(f)["median"])
    # with the direct and mediated draws swapped, the mediated share is the direct one
    swapped = tot.copy(data=tot.sel(path=["mediated", "direct", "total"]).values)
    flipped = A.path_identification(f, totals=swapped)
    np.testing.assert_allclose(
        flipped["mediated_share"], 1 - A.path_identification(f)["mediated_share"]
    )
