"""Tests of the ground-truth simulator (mmm.data.simulate) and the demo data (mmm.datasets)."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from mmm.data._sim_kernels import _delayed_weights, _geometric_weights, _hill
from mmm.data.simulate import (
    OUTCOMES,
    Simulation,
    SimulationTruth,
    default_catalogue,
    simulate,
)
from mmm.errors import DataError

N_WEEKS = 104


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(seed=3, n_periods=N_WEEKS)


@pytest.fixture(scope="module")
def sim_geo() -> Simulation:
    return simulate(seed=3, n_periods=N_WEEKS, geos=6)


# ---------------------------------------------------------------- independent reference


def ref_weights(p: dict) -> np.ndarray:
    """Adstock weights written out from the definitions, independently of the module."""
    lags = list(range(p["l_max"]))
    if p["adstock"] == "geometric":
        raw = [p["alpha"] ** lag for lag in lags]
    else:
        raw = [p["alpha"] ** ((lag - p["theta"]) ** 2) for lag in lags]
    total = sum(raw)
    return np.array([r / total for r in raw])


def ref_response(x: np.ndarray, p: dict) -> np.ndarray:
    """Hill(adstock(x) / mean(x)) with a plain double loop and zero history."""
    w = ref_weights(p)
    mean = sum(x) / len(x)
    out = np.empty(len(x))
    for t in range(len(x)):
        a = 0.0
        for lag in range(len(w)):
            if t - lag >= 0:
                a += w[lag] * x[t - lag]
        z = a / mean
        out[t] = z ** p["slope"] / (z ** p["slope"] + p["half"] ** p["slope"])
    return out


def conversion_series(s: Simulation) -> list[str]:
    return [lab for lab, p in s.truth.params["series"].items() if p["stage"] == "conversion"]


# ---------------------------------------------------------------- kernels, closed forms


def test_kernel_weights_and_hill_closed_forms():
    np.testing.assert_allclose(_geometric_weights(0.5, 3), [4 / 7, 2 / 7, 1 / 7], rtol=1e-12)
    # delayed, alpha 0.5, theta 1, three lags: 0.5**1, 0.5**0, 0.5**1 -> 1/4, 1/2, 1/4
    np.testing.assert_allclose(_delayed_weights(0.5, 1.0, 3), [0.25, 0.5, 0.25], rtol=1e-12)
    np.testing.assert_allclose(_hill(np.array([0.0, 1.5, 3.0]), 1.5, 2.0), [0.0, 0.5, 0.8])


# ---------------------------------------------------------------- accounting identities


@pytest.mark.parametrize("which", ["sim", "sim_geo"])
def test_baseline_plus_contributions_is_expected(which, request):
    t = request.getfixturevalue(which).truth
    total = t.baseline + t.contributions.sum(("series", "path"))
    np.testing.assert_allclose(total.values, t.expected.values, rtol=1e-9, atol=0)
    assert t.contributions.dims == ("date", "geo", "outcome", "series", "path")
    assert list(t.contributions.path.values) == ["direct", "mediated"]


@pytest.mark.parametrize("which", ["sim", "sim_geo"])
def test_outcomes_are_expected_plus_recorded_noise(which, request):
    s = request.getfixturevalue(which)
    t = s.truth
    obs = s.outcomes.set_index(["date", "geo"])
    for k in OUTCOMES:
        want = (t.expected + t.noise).sel(outcome=k).to_pandas().stack()
        got = obs[k].reorder_levels([0, 1]).loc[want.index]
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
        # noise is real: sd 5 % of each geo's baseline level, as recorded
        for g in t.noise.geo.values:
            recorded = t.params["noise_sd"][k][g]
            level = float(t.baseline.sel(outcome=k, geo=g).mean())
            assert recorded == pytest.approx(0.05 * level, rel=0.02)
            sd = float(np.std(t.noise.sel(outcome=k, geo=g).values))
            assert 0.75 * recorded < sd < 1.25 * recorded


def test_noise_scale_zero_gives_noiseless_outcomes():
    s = simulate(seed=5, n_periods=30, noise_scale=0.0)
    assert float(np.abs(s.truth.noise).max()) == 0.0
    np.testing.assert_array_equal(
        s.outcomes["online_sales"].to_numpy(),
        s.truth.expected.sel(outcome="online_sales", geo="all").values,
    )


def test_roas_is_contribution_over_spend(sim_geo):
    t = sim_geo.truth
    for k in OUTCOMES:
        for lab in t.spend.series.values:
            spend = float(t.spend.sel(series=lab).values.sum())
            c = t.contributions.sel(outcome=k, series=lab)
            direct = float(c.sel(path="direct").values.sum()) / spend
            mediated = float(c.sel(path="mediated").values.sum()) / spend
            r = t.roas.sel(outcome=k, series=lab)
            assert r.sel(path="direct").item() == pytest.approx(direct, rel=1e-12)
            assert r.sel(path="mediated").item() == pytest.approx(mediated, rel=1e-12)
            assert r.sel(path="total").item() == pytest.approx(direct + mediated, rel=1e-12)


def test_direct_online_roas_hits_recorded_targets(sim):
    t = sim.truth
    target = t.params["target_roas"]["online_sales"]
    for lab in t.spend.series.values:
        got = t.roas.sel(outcome="online_sales", series=lab, path="direct").item()
        assert got == pytest.approx(target["direct"][lab], rel=1e-9)
        if lab in target["mediated"]:
            med = t.roas.sel(outcome="online_sales", series=lab, path="mediated").item()
            assert med == pytest.approx(target["mediated"][lab], rel=1e-9)


# ---------------------------------------------------------------- hand recomputation


@pytest.mark.parametrize("label", ["paid_search|prospecting", "paid_social|near_store"])
def test_direct_contribution_recomputed_by_hand(sim, label):
    t = sim.truth
    p = t.params
    ch = p["series"][label]["channel"]
    x = t.spend.sel(series=label, geo="all").values
    h = ref_response(x, p["channels"][ch])
    for k in ("online_sales", "store_visits"):
        want = p["beta"][k][label]["all"] * h
        got = t.contributions.sel(outcome=k, series=label, geo="all", path="direct").values
        np.testing.assert_allclose(got, want, rtol=1e-9)
    # zero carry-over before the first week: week 0 sees only its own spend, weighted w_0
    w0 = ref_weights(p["channels"][ch])[0]
    z0 = w0 * x[0] / x.mean()
    slope, half = p["channels"][ch]["slope"], p["channels"][ch]["half"]
    h0 = z0**slope / (z0**slope + half**slope)
    got0 = t.contributions.sel(outcome="online_sales", series=label, geo="all", path="direct")
    assert got0.values[0] == pytest.approx(p["beta"]["online_sales"][label]["all"] * h0)


def test_mediated_path_through_brand_search(sim):
    t = sim.truth
    p = t.params
    c = t.contributions.sel(geo="all")
    search = c.sel(outcome="brand_search", path="direct")
    for lab, sp in p["series"].items():
        if sp["stage"] == "awareness":
            h = ref_response(
                t.spend.sel(series=lab, geo="all").values, p["channels"][sp["channel"]]
            )
            np.testing.assert_allclose(
                search.sel(series=lab).values, p["gamma_m"][lab]["all"] * h, rtol=1e-9
            )
        else:
            assert float(np.abs(search.sel(series=lab)).max()) == 0.0
    assert float(np.abs(c.sel(outcome="brand_search", path="mediated")).max()) == 0.0
    for k in ("online_sales", "store_visits"):
        np.testing.assert_allclose(
            c.sel(outcome=k, path="mediated").values,
            p["delta"][k]["all"] * search.values,
            rtol=1e-12,
        )


def test_baseline_recomputed_from_params_and_controls(sim):
    t = sim.truth
    p = t.params
    ctrl = sim.controls
    dates = pd.DatetimeIndex(ctrl["date"])
    years = (dates - dates[0]).days.to_numpy() / 365.25
    phase = (dates - pd.Timestamp("2000-01-03")).days.to_numpy() / 365.25

    def own(k: str) -> np.ndarray:
        b = p["baseline"][k]
        a1, b1, a2, b2 = b["fourier"]
        shape = (
            1
            + b["trend_per_year"] * years
            + a1 * np.sin(2 * np.pi * phase)
            + b1 * np.cos(2 * np.pi * phase)
            + a2 * np.sin(4 * np.pi * phase)
            + b2 * np.cos(4 * np.pi * phase)
            + b["holiday"] * ctrl["holiday"].to_numpy()
            + b["promo"] * ctrl["promo"].to_numpy()
            + b["price_elasticity"] * (ctrl["price_index"].to_numpy() - 1)
        )
        return b["intercept"]["all"] * shape

    base = t.baseline.sel(geo="all")
    search_nonmedia = base.sel(outcome="brand_search").values
    np.testing.assert_allclose(search_nonmedia, own("brand_search"), rtol=1e-9)
    search_noise = t.noise.sel(geo="all", outcome="brand_search").values
    for k in ("online_sales", "store_visits"):
        want = own(k) + p["delta"][k]["all"] * (search_nonmedia + search_noise)
        np.testing.assert_allclose(base.sel(outcome=k).values, want, rtol=1e-9)


# ---------------------------------------------------------------- magnitudes


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_magnitudes_are_realistic(seed):
    t = simulate(seed=seed).truth
    online = t.roas.sel(outcome="online_sales", path="total").values
    assert online.min() >= 0.4 and online.max() <= 6.0
    cost_per_visit = 1 / t.roas.sel(outcome="store_visits", path="total").values
    assert cost_per_visit.min() >= 2 and cost_per_visit.max() <= 40
    media = float(t.contributions.sel(outcome="online_sales").sum())
    share = media / float(t.expected.sel(outcome="online_sales").sum())
    assert 0.2 <= share <= 0.4
    assert share == pytest.approx(t.params["media_share"], abs=0.01)
    # conversion channels: strong online; awareness: weak direct, boosted through search
    stage = {lab: sp["stage"] for lab, sp in t.params["series"].items()}
    direct = t.roas.sel(outcome="online_sales", path="direct").to_series()
    conv = [lab for lab in direct.index if stage[lab] == "conversion"]
    aware = [lab for lab in direct.index if stage[lab] == "awareness"]
    assert direct[conv].min() > direct[aware].max()
    mediated = t.roas.sel(outcome="online_sales", path="mediated").to_series()
    assert (mediated[aware] > 0).all() and (mediated[conv] == 0).all()


@pytest.mark.parametrize("seed", [0, 7])
def test_near_store_gets_about_three_times_the_store_visits_per_euro(seed):
    t = simulate(seed=seed, n_periods=N_WEEKS).truth
    vpe = t.roas.sel(outcome="store_visits", path="direct").to_series()
    series = t.params["series"]
    n_pairs = 0
    for lab, sp in series.items():
        if sp["audience"] != "near_store":
            continue
        broad = [
            other
            for other, op in series.items()
            if op["channel"] == sp["channel"] and op["audience"] != "near_store"
        ]
        for other in broad:
            ratio = vpe[lab] / vpe[other]
            assert 2.0 <= ratio <= 4.0
            n_pairs += 1
    assert n_pairs == 3  # paid_social x2 broad, programmatic_display x1 broad


def test_spend_is_realistic_and_flighted(sim):
    media = sim.media
    assert (media["spend"] >= 0).all()
    cents = media["spend"].to_numpy() * 100
    np.testing.assert_allclose(cents, np.round(cents), atol=1e-6)
    mean_spend = media.groupby(["channel", "audience"], sort=False)["spend"].mean()
    cat = default_catalogue().set_index(["channel", "audience"])["mean_spend"]
    np.testing.assert_allclose(mean_spend[cat.index].to_numpy(), cat.to_numpy(), atol=0.01)
    zero_share = media["spend"].eq(0).groupby([media["channel"], media["audience"]]).mean()
    assert zero_share["online_video", "prospecting"] > 0.2  # bursts with dark weeks
    assert zero_share["paid_search", "prospecting"] < 0.1  # steady
    assert (media["spend"].eq(0) == media["impressions"].eq(0)).all()
    # Q4 heavier for awareness flights
    vid = media[(media["channel"] == "online_video")]
    q4 = vid["date"].dt.month >= 10
    assert vid.loc[q4, "spend"].mean() > vid.loc[~q4, "spend"].mean()


def test_calendar_controls(sim):
    c = sim.controls.set_index("date")
    # Black Friday 2023 is 24 November: its week starts Monday 20 November
    assert c.loc["2023-11-20", "holiday"] == 1
    assert c.loc["2023-11-13", "holiday"] == 0
    assert c.loc["2023-12-11", "holiday"] == 1 and c.loc["2023-12-18", "holiday"] == 1
    assert c.loc["2023-12-25", "holiday"] == 0
    # Black Friday 2024 is 29 November
    assert c.loc["2024-11-25", "holiday"] == 1
    assert c.loc["2024-01-08", "promo"] == 1 and c.loc["2024-02-05", "promo"] == 0
    assert c.loc["2023-07-03", "promo"] == 1 and c.loc["2023-06-19", "promo"] == 0
    assert int(c["holiday"].sum()) == 6
    # sales: 4 + 4 weeks a year (Jan 2023 starts on the 9th: 4 weeks), 2 private-sale weeks
    assert int(c["promo"].sum()) == 2 * (4 + 4 + 2)
    assert c["price_index"].iloc[0] == 1.0
    assert set(c["promo"].unique()) <= {0, 1}


# ---------------------------------------------------------------- determinism, files


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    a = simulate(seed=11, n_periods=40, geos=3).write(tmp_path / "a")
    b = simulate(seed=11, n_periods=40, geos=3).write(tmp_path / "b")
    c = simulate(seed=12, n_periods=40, geos=3).write(tmp_path / "c")
    assert sorted(a) == ["channels", "controls", "geos", "media", "outcomes", "truth"]
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name
    for name in ("media", "outcomes", "truth"):
        assert a[name].read_bytes() != c[name].read_bytes(), name


def test_written_files_round_trip_exactly(sim, tmp_path):
    paths = sim.write(tmp_path)
    assert "geos" not in paths
    for name in ("media", "outcomes", "controls"):
        back = pd.read_csv(paths[name], parse_dates=["date"])
        frame = getattr(sim, name)
        for col in frame.columns:
            if col in ("date",):
                assert (back[col].to_numpy() == frame[col].to_numpy()).all()
            elif frame[col].dtype.kind in "fi":
                np.testing.assert_array_equal(back[col].to_numpy(), frame[col].to_numpy())
            else:
                assert back[col].astype(str).tolist() == frame[col].astype(str).tolist()
    channels = pd.read_csv(paths["channels"])
    assert channels["roas_prior"].isna().all()
    assert channels["max_lag"].tolist() == [8, 8, 13, 13, 13, 8, 8]
    truth = SimulationTruth.from_json(json.loads(paths["truth"].read_text()))
    for name in ("contributions", "baseline", "expected", "spend", "roas", "noise"):
        np.testing.assert_array_equal(getattr(truth, name).values, getattr(sim.truth, name).values)
        assert getattr(truth, name).dims == getattr(sim.truth, name).dims
    assert truth.params == sim.truth.params
    assert list(truth.contributions.channel.values) == list(sim.truth.contributions.channel.values)
    assert truth.spend.date.values[0] == np.datetime64("2023-01-02")


def test_from_json_rejects_other_dicts():
    with pytest.raises(ValueError, match="SimulationTruth.to_json"):
        SimulationTruth.from_json({"contributions": []})


# ---------------------------------------------------------------- geos


def test_geo_shapes_and_tables(sim_geo):
    s = sim_geo
    t = s.truth
    assert t.contributions.shape == (N_WEEKS, 6, 3, 11, 2)
    assert t.spend.shape == (N_WEEKS, 6, 11)
    assert list(s.geos.columns) == ["geo", "population", "shops"]
    assert s.geos["geo"].tolist() == [f"geo_0{i}" for i in range(1, 7)]
    assert (s.geos["shops"] == 0).sum() == 1 and (s.geos["shops"] > 0).sum() == 5
    assert len(s.media) == N_WEEKS * 6 * 11
    assert len(s.outcomes) == len(s.controls) == N_WEEKS * 6


def test_near_store_drives_no_store_visits_without_shops(sim_geo):
    t = sim_geo.truth
    shops = sim_geo.geos.set_index("geo")["shops"]
    no_shop = shops[shops == 0].index.tolist()
    with_shop = shops[shops > 0].index.tolist()
    store = t.contributions.sel(outcome="store_visits", path="direct")
    near = [lab for lab in store.series.values if lab.endswith("|near_store")]
    assert len(near) == 2
    assert float(np.abs(store.sel(geo=no_shop, series=near)).max()) == 0.0
    assert (store.sel(geo=with_shop, series=near).sum("date") > 0).all()
    # near_store spend still exists there and still drives online sales
    assert float(t.spend.sel(geo=no_shop, series=near).sum()) > 0
    online = t.contributions.sel(outcome="online_sales", path="direct", geo=no_shop)
    assert (online.sel(series=near).sum("date") > 0).all()


def test_geo_totals_equal_national(sim, sim_geo):
    geo_spend = sim_geo.truth.spend.sum("geo")
    np.testing.assert_allclose(
        geo_spend.values, sim.truth.spend.sel(geo="all").values, rtol=0, atol=1e-6
    )
    # the media table agrees with the truth, and national spend per week is split exactly
    per_week = sim_geo.media.groupby(["date", "channel", "audience"], sort=False)["spend"].sum()
    nat = sim.media.set_index(["date", "channel", "audience"])["spend"]
    np.testing.assert_allclose(per_week[nat.index].to_numpy(), nat.to_numpy(), atol=1e-6)
    # returns are calibrated over all geos: same direct online ROAS as the national data
    for path in ("direct", "mediated"):
        np.testing.assert_allclose(
            sim_geo.truth.roas.sel(outcome="online_sales", path=path).values,
            sim.truth.roas.sel(outcome="online_sales", path=path).values,
            rtol=1e-9,
        )
    # noiseless baselines of the geos add up to the national one for brand search
    np.testing.assert_allclose(
        sim_geo.truth.baseline.sel(outcome="brand_search").sum("geo").values,
        sim.truth.baseline.sel(outcome="brand_search", geo="all").values,
        rtol=1e-9,
    )


def test_geo_direct_contribution_recomputed_by_hand(sim_geo):
    t = sim_geo.truth
    p = t.params
    label, geo = "online_video|prospecting", "geo_03"
    x = t.spend.sel(series=label, geo=geo).values
    h = ref_response(x, p["channels"]["online_video"])
    got = t.contributions.sel(outcome="online_sales", series=label, geo=geo, path="direct")
    np.testing.assert_allclose(got.values, p["beta"]["online_sales"][label][geo] * h, rtol=1e-9)


# ---------------------------------------------------------------- confounding


def test_confounded_spend_follows_demand():
    for strength, check in ((0.8, lambda r: r > 0.5), (0.0, lambda r: abs(r) < 0.3)):
        s = simulate(seed=4, confounded=strength)
        base = s.truth.baseline.sel(outcome="online_sales", geo="all").values
        for lab in conversion_series(s):
            x = s.truth.spend.sel(series=lab, geo="all").values
            r = np.corrcoef(x, base)[0, 1]
            assert check(r), (strength, lab, r)


def test_confounding_leaves_awareness_spend_unchanged():
    a = simulate(seed=4, n_periods=52, confounded=0.0).truth.spend
    b = simulate(seed=4, n_periods=52, confounded=0.7).truth.spend
    aware = ["paid_social|prospecting", "online_video|prospecting"]
    np.testing.assert_array_equal(a.sel(series=aware).values, b.sel(series=aware).values)
    assert not np.array_equal(
        a.sel(series="paid_search|prospecting").values,
        b.sel(series="paid_search|prospecting").values,
    )


# ---------------------------------------------------------------- catalogue and arguments


def test_custom_catalogue():
    cat = pd.DataFrame(
        {
            "channel": ["search", "tv_online"],
            "audience": ["all", "near_store"],
            "stage": ["conversion", "awareness"],
            "mean_spend": [1000.0, 2000.0],
        }
    )
    s = simulate(seed=1, n_periods=20, catalogue=cat)
    assert list(s.truth.spend.series.values) == ["search|all", "tv_online|near_store"]
    # series come ordered by channel as first listed, then by audience name
    shuffled = default_catalogue().sample(frac=1.0, random_state=0)
    order = list(simulate(seed=1, n_periods=20, catalogue=shuffled).truth.spend.series.values)
    channels = list(dict.fromkeys(shuffled["channel"]))
    assert order == sorted(order, key=lambda lab: (channels.index(lab.split("|")[0]), lab))
    assert s.channels["channel"].tolist() == ["search", "tv_online"]
    assert s.channels["max_lag"].tolist() == [8, 13]
    assert s.media.groupby("channel")["spend"].mean()["search"] == pytest.approx(1000, abs=0.01)
    assert cat.columns.tolist() == ["channel", "audience", "stage", "mean_spend"]  # untouched


def test_catalogue_sets_true_returns():
    """Returns given in the catalogue are the realised returns; empty cells are drawn as
    before (the other series' online and direct store returns, spend unchanged). Searches
    per euro move: the baseline, and with it the euros per branded search, is set from the
    media share of sales, so the mediated targets are met by other search effects."""
    base = simulate(seed=4, n_periods=60)
    cat = default_catalogue()
    cat["online_roas"] = np.nan
    cat["online_mediated_roas"] = np.nan
    cat["store_visits_per_euro"] = np.nan
    search = (cat["channel"] == "paid_search") & (cat["audience"] == "prospecting")
    video = cat["channel"] == "online_video"
    cat.loc[search, ["online_roas", "store_visits_per_euro"]] = [7.5, 0.2]
    cat.loc[video, "online_mediated_roas"] = 2.0
    cat.loc[video, "online_roas"] = 0.0
    s = simulate(seed=4, n_periods=60, catalogue=cat)
    r, r0 = s.truth.roas, base.truth.roas
    one = dict(series="paid_search|prospecting")
    assert float(r.sel(outcome="online_sales", path="direct", **one)) == pytest.approx(7.5)
    assert float(r.sel(outcome="store_visits", path="direct", **one)) == pytest.approx(0.2)
    vid = dict(series="online_video|prospecting", outcome="online_sales")
    assert float(r.sel(path="mediated", **vid)) == pytest.approx(2.0)
    assert float(r.sel(path="direct", **vid)) == 0.0
    # measured from the contributions, not just stored: total = direct + mediated
    c = s.truth.contributions.sel(outcome="online_sales", series="online_video|prospecting")
    sp = float(s.truth.spend.sel(series="online_video|prospecting").sum())
    assert float(c.sum()) / sp == pytest.approx(2.0)
    untouched = [x for x in r.series.values if x not in (one["series"], vid["series"])]
    keep = dict(series=untouched)
    xr.testing.assert_allclose(
        r.sel(outcome="online_sales", **keep), r0.sel(outcome="online_sales", **keep)
    )
    kept = dict(outcome="store_visits", path="direct", series=untouched)
    xr.testing.assert_allclose(r.sel(**kept), r0.sel(**kept))
    pd.testing.assert_frame_equal(s.media, base.media)


def test_bad_set_returns_are_named():
    cat = default_catalogue()
    cat["online_roas"] = np.nan
    cat.loc[2, "online_roas"] = -1.0
    cat["online_mediated_roas"] = np.nan
    cat.loc[0, "online_mediated_roas"] = 0.5  # paid_search is a conversion channel
    cat["store_visits_per_euro"] = "many"
    with pytest.raises(DataError) as err:
        simulate(catalogue=cat)
    msg = str(err.value)
    assert len(err.value.problems) == 3
    assert "'online_roas'" in msg and "rows 4" in msg
    assert "'online_mediated_roas'" in msg and "awareness" in msg and "rows 2" in msg
    assert "'store_visits_per_euro'" in msg and "rows 2, 3, 4, 5, 6 (and 6 more)" in msg


def test_bad_catalogue_lists_every_problem():
    cat = pd.DataFrame(
        {
            "channel": ["search", "search", "social"],
            "audience": ["all", "all", "a"],
            "stage": ["conversion", "conversion", "funnel"],
            "mean_spend": [1.0, 2.0, -5.0],
        }
    )
    with pytest.raises(DataError) as err:
        simulate(catalogue=cat)
    msg = str(err.value)
    assert len(err.value.problems) == 3
    assert "'stage'" in msg and "rows 4" in msg
    assert "unique" in msg and "rows 2, 3" in msg
    assert "'mean_spend'" in msg
    with pytest.raises(DataError, match="audience"):
        simulate(catalogue=cat.drop(columns="audience"))


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"start": "2023-01-03"}, "Monday"),
        ({"start": "not a date"}, "ISO date"),
        ({"n_periods": 1}, "n_periods"),
        ({"geos": -1}, "geos"),
        ({"seed": -3}, "seed"),
        ({"confounded": 1.5}, "confounded"),
        ({"noise_scale": -1.0}, "noise_scale"),
    ],
)
def test_bad_arguments_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        simulate(**kwargs)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        simulate(52)  # type: ignore[misc]


# ---------------------------------------------------------------- demo and Dataset


def test_demo_is_deterministic_simulation():
    from mmm.datasets import DEMO_SEED, demo_simulation, load_demo

    demo = load_demo(as_dataset=False)
    assert isinstance(demo, Simulation)
    assert demo.truth.params["seed"] == DEMO_SEED == 20231
    assert demo.truth.params["n_periods"] == 156 and demo.geos is None
    again = demo_simulation()
    pd.testing.assert_frame_equal(demo.media, again.media)
    pd.testing.assert_frame_equal(demo.outcomes, again.outcomes)
    assert demo.outcomes["date"].iloc[0] == pd.Timestamp(date(2023, 1, 2))
    with pytest.raises(TypeError):
        load_demo(as_dataset="yes")


def _load_dataset_or_skip():
    try:
        from mmm.data import load_dataset
    except ImportError:
        pytest.skip("mmm.data.load_dataset is not available yet")
    return load_dataset


def _assert_dataset_matches(ds, s: Simulation) -> None:
    t = s.truth
    assert ds.series == tuple(t.spend.series.values)
    assert ds.geos == tuple(t.spend.geo.values)
    np.testing.assert_array_equal(ds.spend.values, t.spend.values)
    for k in OUTCOMES:
        observed = (t.expected + t.noise).sel(outcome=k)
        np.testing.assert_array_equal(ds.outcomes.sel(outcome=k).values, observed.values)
    assert ds.repairs == ()
    assert ds.freq == "W-MON"


def test_to_dataset_demo():
    _load_dataset_or_skip()
    from mmm.datasets import load_demo

    ds = load_demo()
    _assert_dataset_matches(ds, load_demo(as_dataset=False))
    assert ds.warnings == ()


def test_to_dataset_geo(sim_geo):
    _load_dataset_or_skip()
    ds = sim_geo.to_dataset()
    _assert_dataset_matches(ds, sim_geo)
    shops = sim_geo.geos.set_index("geo")["shops"]
    assert ds.geo_info["shops"].tolist() == shops[list(ds.geos)].tolist()


# ---------------------------------------------------------------- daily data

N_DAYS = 400


@pytest.fixture(scope="module")
def sim_daily() -> Simulation:
    return simulate(seed=3, n_periods=N_DAYS, freq="D")


def test_weekly_output_is_unchanged_by_daily_support():
    """Values of ``simulate(seed=0)`` recorded before ``freq`` existed: the weekly draws
    are the same, number for number."""
    s = simulate(seed=0)
    assert s is not None and s.truth.params["freq"] == "W"
    assert float(s.outcomes["online_sales"].iloc[0]) == 2195994.946050854
    assert float(s.outcomes["store_visits"].iloc[-1]) == 102198.82252415507
    assert float(s.media["spend"].iloc[100]) == 17249.63
    total = s.truth.roas.sel(outcome="online_sales", series="online_video|prospecting")
    assert float(total.sel(path="total")) == 1.2829916626416344
    pd.testing.assert_frame_equal(simulate(seed=0, freq="W").outcomes, s.outcomes)


def test_daily_dates_spend_and_dataset(sim_daily):
    s = sim_daily
    dates = pd.DatetimeIndex(s.outcomes["date"])
    assert len(dates) == N_DAYS and (np.diff(dates.values) == np.timedelta64(1, "D")).all()
    assert s.truth.params["freq"] == "D"
    # the catalogue's weekly mean spend, spread over the seven days
    mean_spend = s.media.groupby(["channel", "audience"], sort=False)["spend"].mean()
    cat = default_catalogue().set_index(["channel", "audience"])["mean_spend"]
    np.testing.assert_allclose(mean_spend[cat.index].to_numpy(), cat.to_numpy() / 7, atol=0.01)
    ds = s.to_dataset()
    assert ds.freq == "D" and ds.n_dates == N_DAYS
    assert s.channels.set_index("channel")["max_lag"].to_dict() == {
        "paid_search": 28,
        "shopping_ads": 28,
        "paid_social": 63,
        "programmatic_display": 63,
        "online_video": 63,
        "email_crm": 28,
        "affiliates": 28,
    }


def test_daily_carry_over_is_in_days(sim_daily):
    """Each kernel is the weekly one written per day: geometric half-lives of 2.1 to 5.3
    days (weekly retention 0.1 to 0.4), delayed peaks 7 to 21 days after spend."""
    for ch, p in sim_daily.truth.params["channels"].items():
        if p["adstock"] == "geometric":
            assert 0.1 ** (1 / 7) <= p["alpha"] <= 0.4 ** (1 / 7), ch
            half_life = np.log(0.5) / np.log(p["alpha"])
            assert 2.1 <= half_life <= 5.3, ch
            assert p["l_max"] == 28
        else:
            assert 7.0 <= p["theta"] <= 21.0 and 0.5 ** (1 / 49) <= p["alpha"] <= 0.8 ** (1 / 49)
            w = ref_weights(p)
            assert abs(int(np.argmax(w)) - p["theta"]) <= 0.5, ch  # peak at theta days
            assert p["l_max"] == 63


@pytest.mark.parametrize("label", ["paid_search|prospecting", "online_video|prospecting"])
def test_daily_direct_contribution_recomputed_by_hand(sim_daily, label):
    t = sim_daily.truth
    p = t.params
    h = ref_response(
        t.spend.sel(series=label, geo="all").values, p["channels"][label.split("|")[0]]
    )
    got = t.contributions.sel(outcome="online_sales", series=label, geo="all", path="direct")
    np.testing.assert_allclose(got.values, p["beta"]["online_sales"][label]["all"] * h, rtol=1e-9)
    r = t.roas.sel(outcome="online_sales", series=label, path="direct").item()
    assert r == pytest.approx(p["target_roas"]["online_sales"]["direct"][label], rel=1e-9)


def test_daily_baseline_has_a_day_of_week_pattern(sim_daily):
    s = sim_daily
    t, p = s.truth, s.truth.params
    ctrl = s.controls
    dates = pd.DatetimeIndex(ctrl["date"])
    years = (dates - dates[0]).days.to_numpy() / 365.25
    phase = (dates - pd.Timestamp("2000-01-03")).days.to_numpy() / 365.25
    b = p["baseline"]["brand_search"]
    a1, b1, a2, b2 = b["fourier"]
    shape = (
        1
        + b["trend_per_year"] * years
        + a1 * np.sin(2 * np.pi * phase)
        + b1 * np.cos(2 * np.pi * phase)
        + a2 * np.sin(4 * np.pi * phase)
        + b2 * np.cos(4 * np.pi * phase)
        + b["holiday"] * ctrl["holiday"].to_numpy()
        + b["promo"] * ctrl["promo"].to_numpy()
        + b["price_elasticity"] * (ctrl["price_index"].to_numpy() - 1)
        + np.array(b["weekday"])[dates.day_of_week.to_numpy()]
    )
    base = t.baseline.sel(geo="all", outcome="brand_search").values
    np.testing.assert_allclose(base, b["intercept"]["all"] * shape, rtol=1e-9)
    for k in OUTCOMES:
        w = np.array(p["baseline"][k]["weekday"])
        assert len(w) == 7 and abs(w.sum()) < 1e-12
    # shops: Saturday is the busiest day of the week, in the data too
    visits = s.outcomes.groupby(dates.day_of_week)["store_visits"].mean()
    assert int(visits.idxmax()) == 5
    assert visits[5] > 1.2 * visits.drop(5).mean()


def test_daily_calendar_controls(sim_daily):
    c = sim_daily.controls.set_index("date")
    # Black Friday 2023 (24 November) to Cyber Monday, and the Christmas gift days
    assert c.loc["2023-11-24":"2023-11-27", "holiday"].tolist() == [1, 1, 1, 1]
    assert c.loc["2023-11-23", "holiday"] == 0 and c.loc["2023-11-28", "holiday"] == 0
    assert c.loc["2023-12-11":"2023-12-24", "holiday"].eq(1).all()
    assert c.loc["2023-12-25", "holiday"] == 0
    assert int(c["holiday"].sum()) == 4 + 14
    # January sales from 8 January to 4 February; summer sales 24 June to 21 July
    assert c.loc["2023-01-08", "promo"] == 1 and c.loc["2023-02-05", "promo"] == 0
    assert c.loc["2023-06-24":"2023-07-21", "promo"].eq(1).all()
    # two private sales of seven days in 2023: 28 + 28 + 2 x 7 promo days
    in_2023 = c.loc["2023-01-02":"2023-12-31", "promo"]
    assert int(in_2023.sum()) == 28 + 28 + 14
    assert c["price_index"].iloc[0] == 1.0
    assert c["price_index"].between(0.95, 1.1).all()


def test_daily_spend_is_flighted(sim_daily):
    spend = sim_daily.truth.spend.sel(geo="all")
    video = spend.sel(series="online_video|prospecting").values > 0
    assert 0.2 < 1 - video.mean() < 0.8  # bursts with dark days
    # runs of spend last two to six weeks (the first and last may be cut by the period)
    edges = np.flatnonzero(np.diff(video.astype(int))) + 1
    runs = np.split(video, edges)[1:-1]
    on = [len(r) for r in runs if r[0]]
    off = [len(r) for r in runs if not r[0]]
    assert on and min(on) >= 14 and max(on) <= 42
    assert off and min(off) >= 7 and max(off) <= 42
    search = spend.sel(series="paid_search|prospecting").values
    assert (search == 0).mean() < 0.1


def test_daily_noise_is_as_noisy_per_week_as_weekly_data(sim_daily):
    """Daily noise sd is 5 % x sqrt(7) of the daily baseline level, so that a week's sum
    has the 5 % of the weekly simulator."""
    t = sim_daily.truth
    for k in OUTCOMES:
        level = float(t.baseline.sel(outcome=k, geo="all").mean())
        recorded = t.params["noise_sd"][k]["all"]
        assert recorded == pytest.approx(0.05 * np.sqrt(7) * level, rel=0.02)
        sd = float(np.std(t.noise.sel(outcome=k, geo="all").values))
        assert 0.85 * recorded < sd < 1.15 * recorded


def test_daily_geo_data_split_national_spend():
    nat = simulate(seed=2, n_periods=60, freq="D")
    geo = simulate(seed=2, n_periods=60, freq="D", geos=3)
    np.testing.assert_allclose(
        geo.truth.spend.sum("geo").values, nat.truth.spend.sel(geo="all").values, atol=1e-6
    )
    total = geo.truth.baseline + geo.truth.contributions.sum(("series", "path"))
    np.testing.assert_allclose(total.values, geo.truth.expected.values, rtol=1e-9)


def test_daily_arguments_are_checked():
    assert simulate(seed=1, n_periods=10, start="2023-01-04", freq="D").outcomes["date"].iloc[
        0
    ] == pd.Timestamp("2023-01-04")
    with pytest.raises(ValueError, match="freq='M' must be 'W'"):
        simulate(freq="M")
    with pytest.raises(ValueError, match="weeks start on Monday"):
        simulate(start="2023-01-04")
    with pytest.raises(ValueError, match=r"must be an integer >= 2 \(days\)"):
        simulate(n_periods=1, freq="D")
