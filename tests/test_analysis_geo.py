"""Analysis of a fit with several geos against the simulator's own numbers (no MCMC).

The fit holds the simulator's TRUE return of every (outcome, geo, series) (see
tests/geo_helpers.py), so its per-geo tables must reproduce the simulator's per-geo
contributions, returns and costs per visit, and add up across geos.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from analysis_helpers import known_fit
from geo_helpers import RENAME, geo_sim, true_totals, truth_fit

import mmm.analysis as A
from mmm.runs import build_summary

OUT = ["online_sales", "store_visits"]


@pytest.fixture(scope="module")
def sim():
    return geo_sim()


@pytest.fixture(scope="module")
def fit(sim):
    return truth_fit(sim, RENAME)


@pytest.fixture(scope="module")
def truth(sim, fit):
    """True totals (geo, outcome, series) and spend (geo, series), geos renamed."""
    c, sp = true_totals(sim)
    c = c.assign_coords(geo=[RENAME[g] for g in c["geo"].values]).sel(outcome=OUT)
    sp = sp.assign_coords(geo=[RENAME[g] for g in sp["geo"].values])
    return c.sel(series=list(fit.dataset.series)), sp.sel(series=list(fit.dataset.series))


def test_geo_table_reproduces_the_truth_per_geo_and_in_total(sim, fit, truth):
    c, sp = truth
    tab = A.geo_table(fit).set_index(["geo", "outcome"])
    geos = list(fit.dataset.geos)
    assert list(dict.fromkeys(tab.index.get_level_values("geo"))) == [*geos, "all"]
    info = sim.geos.assign(geo=sim.geos["geo"].map(RENAME)).set_index("geo")
    for g in geos:
        for o in OUT:
            row = tab.loc[(g, o)]
            want = float(c.sel(geo=g, outcome=o).sum())
            spend = float(sp.sel(geo=g).sum())
            assert row["spend"] == pytest.approx(spend, rel=1e-12)
            assert row["contribution_median"] == pytest.approx(want, rel=1e-9)
            assert row["per_spend_median"] == pytest.approx(want / spend, rel=1e-9)
            assert row["contribution_lower"] < want < row["contribution_upper"]
            if o == "store_visits":
                assert row["cost_per_unit_median"] == pytest.approx(spend / want, rel=1e-9)
            else:
                assert np.isnan(row["cost_per_unit_median"])
        assert tab.loc[(g, "online_sales"), "shops"] == info.loc[g, "shops"]
        assert tab.loc[(g, "online_sales"), "population"] == info.loc[g, "population"]
    # totals across geos: sums of the geos, draw by draw (means add up)
    for o in OUT:
        per = tab.xs(o, level="outcome").drop("all")
        tot = tab.loc[("all", o)]
        assert tot["contribution_mean"] == pytest.approx(per["contribution_mean"].sum(), rel=1e-12)
        assert tot["spend"] == pytest.approx(per["spend"].sum(), rel=1e-12)
        assert tot["contribution_median"] == pytest.approx(float(c.sel(outcome=o).sum()), rel=1e-9)
        assert tot["shops"] == info["shops"].sum()


def test_roas_and_contribution_tables_by_geo(fit, truth):
    c, sp = truth
    r = A.roas_table(fit, by_geo=True)
    r = r[r.path == "total"].set_index(["outcome", "geo", "series"])
    for g in fit.dataset.geos:
        for s in fit.dataset.series:
            for o in OUT:
                want = float(c.sel(geo=g, outcome=o, series=s) / sp.sel(geo=g, series=s))
                assert r.loc[(o, g, s), "median"] == pytest.approx(want, rel=1e-9)
                assert r.loc[(o, g, s), "spend"] == pytest.approx(float(sp.sel(geo=g, series=s)))
    ct = A.contribution_table(fit, by_geo=True)
    nat = A.contribution_table(fit)
    assert set(ct["geo"]) == set(fit.dataset.geos) and set(nat["geo"]) == {"all"}
    summed = ct.groupby(["outcome", "series", "path"])["mean"].sum()
    np.testing.assert_allclose(
        summed.loc[nat.set_index(["outcome", "series", "path"]).index],
        nat["mean"].to_numpy(),
        rtol=1e-12,
    )


def test_return_measures_by_geo(fit):
    m = A.return_measures(fit, by_geo=True, value_per_visit=10.0, max_draws=None)
    nat = A.return_measures(fit, value_per_visit=10.0, max_draws=None)
    assert set(m["geo"]) == set(fit.dataset.geos) and set(nat["geo"]) == {"all"}
    r = A.roas_table(fit, by_geo=True, max_draws=None).set_index(
        ["outcome", "geo", "series", "path"]
    )
    roas = m[m.measure == "roas"].set_index(["outcome", "geo", "series", "path"])
    np.testing.assert_allclose(roas["median"], r.loc[roas.index, "median"], rtol=1e-12)
    # the national marginal return is the spend-weighted mean of the geos' marginals
    sp = fit.dataset.spend.sum("date")
    mg = m[(m.measure == "marginal_roas") & (m.path == "total")]
    mn = nat[(nat.measure == "marginal_roas") & (nat.path == "total")].set_index("series")
    for s in fit.dataset.series:
        rows = mg[mg.series == s].set_index("geo")
        w = np.array([float(sp.sel(geo=g, series=s)) for g in rows.index])
        assert (rows["mean"].to_numpy() * w).sum() / w.sum() == pytest.approx(
            mn.loc[s, "mean"], rel=1e-9
        )
        assert rows["spend"].to_numpy() == pytest.approx(w)


def test_near_store_beats_broad_where_there_are_shops(sim, fit, truth):
    c, sp = truth
    shops = dict(zip(sim.geos["geo"].map(RENAME), sim.geos["shops"], strict=True))
    assert sorted(shops.values())[0] == 0 and max(shops.values()) > 0
    near = [s for s in fit.dataset.series if s.endswith("|near_store")]
    broad = [s for s in fit.dataset.series if s not in near]
    df = A.near_store_vs_broad(fit, by_geo=True).query("scope == 'all'")
    df = df.set_index(["geo", "group"])
    for g, n_shops in shops.items():
        v = c.sel(geo=g, outcome="store_visits")
        cost_near = float(sp.sel(geo=g, series=near).sum() / v.sel(series=near).sum())
        cost_broad = float(sp.sel(geo=g, series=broad).sum() / v.sel(series=broad).sum())
        assert df.loc[(g, "near_store"), "cost_per_visit_median"] == pytest.approx(
            cost_near, rel=1e-9
        )
        assert df.loc[(g, "broad"), "cost_per_visit_median"] == pytest.approx(cost_broad, rel=1e-9)
        if n_shops > 0:  # the simulator's truth: near-store visits are cheaper near shops
            assert cost_near < cost_broad
            assert df.loc[(g, "near_store"), "p_near_cheaper"] == 1.0
        else:  # no shop to visit: near-store targeting brings no direct visits
            assert cost_near > cost_broad
            assert df.loc[(g, "near_store"), "p_near_cheaper"] == 0.0
    # the national rows are those of the call without by_geo
    nat = A.near_store_vs_broad(fit).set_index(["geo", "scope", "group"])
    both = A.near_store_vs_broad(fit, by_geo=True).set_index(["geo", "scope", "group"])
    np.testing.assert_allclose(
        both.loc["all"]["cost_per_visit_median"],
        nat.loc["all"]["cost_per_visit_median"],
        rtol=1e-12,
    )


def test_has_near_store_says_whether_near_store_vs_broad_has_a_comparison(fit):
    from mmm.analysis.online_store import has_near_store

    assert "paid_social|near_store" in fit.dataset.series and has_near_store(fit)
    assert not has_near_store(fit, near=("radius_5km",))
    with pytest.raises(ValueError, match="no series has an audience"):
        A.near_store_vs_broad(fit, near=("radius_5km",))


def test_summary_records_carry_geo(fit):
    s = build_summary(fit).to_dict()
    json.dumps(s)
    geos = set(fit.dataset.geos)
    assert {r["geo"] for r in s["roas"]} == geos | {"all"}
    assert {r["geo"] for r in s["contributions"]} == geos | {"all"}
    r = A.roas_table(fit, by_geo=True)
    r = r[r.path == "total"].set_index(["outcome", "channel", "audience", "geo"])
    for rec in s["roas"]:
        if rec["geo"] != "all" and rec["path"] == "total":
            key = (rec["outcome"], rec["channel"], rec["audience"], rec["geo"])
            assert rec["median"] == pytest.approx(r.loc[key, "median"], rel=1e-5)
    gt = A.geo_table(fit).set_index(["geo", "outcome"])
    assert len(s["geos"]) == len(gt)
    for rec in s["geos"]:
        row = gt.loc[(rec["geo"], rec["outcome"])]
        assert rec["contribution_median"] == pytest.approx(row["contribution_median"], rel=1e-5)
        assert ("cost_per_unit_median" in rec) == (rec["kind"] == "count")
    # funnel shares use the totals across geos only (no double counting)
    nat = A.contribution_table(fit)
    nat = nat[nat.path == "total"]
    aw = nat[nat.channel.isin(["paid_social", "online_video"])].groupby("outcome")["mean"].sum()
    for o in OUT:
        want = aw[o] / nat[nat.outcome == o]["mean"].sum()
        assert s["funnel"]["outcome_share"][o]["awareness"] == pytest.approx(want, rel=1e-5)


def test_national_fit_has_no_geo_breakdown():
    f = known_fit()
    tab = A.geo_table(f)
    assert set(tab["geo"]) == {"all"} and len(tab) == 2
    c = A.contributions(f).sum(("date", "path", "series", "geo")).median("sample")
    assert tab.set_index("outcome").loc["store_visits", "contribution_median"] == pytest.approx(
        float(c.sel(outcome="store_visits")), rel=1e-12
    )
    near = A.near_store_vs_broad(f, by_geo=True)
    assert set(near["geo"]) == {"all"}
    s = build_summary(f).to_dict()
    assert "geos" not in s and {r["geo"] for r in s["roas"]} == {"all"}


def test_fit_command_prints_geo_totals(fit, capsys):
    from mmm.cli.core import set_quiet
    from mmm.cli.printers import print_geos

    set_quiet(False)
    print_geos(fit)
    out = capsys.readouterr().out.splitlines()
    tab = A.geo_table(fit, max_draws=500)
    lines = {ln.split()[0]: ln for ln in out[2:]}
    assert list(lines) == ["<b>south</b>", "north", "west", "all"]  # first word of each geo
    row = tab[(tab.geo == "west") & (tab.outcome == "store_visits")].iloc[0]
    assert f"{row['cost_per_unit_median']:.2f}" in lines["west"]
    assert f"{row['spend']:,.0f}" in lines["west"]


def test_response_curves_add_up_over_geos(fit):
    cur = A.response_curves(fit, multipliers=[0.0, 1.0, 2.0], max_draws=None)
    tot = A.contribution_totals(fit, max_draws=None).sel(path="total")  # summed over geos
    one = cur["contribution"].isel(point=1)
    np.testing.assert_allclose(one.values, tot.transpose(*one.dims).values, rtol=1e-10)
    assert float(abs(cur["contribution"].isel(point=0)).max()) == 0.0
    sp = fit.dataset.spend.sum(("date", "geo"))
    np.testing.assert_allclose(cur["spend"].isel(point=2).values, 2 * sp.values, rtol=1e-12)
