"""Geo data: national media spread over geos, and the model's geo and shop context (NumPy)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mmm.data import load_dataset
from mmm.data.national import NATIONAL_GEO
from mmm.data.simulate import simulate
from mmm.errors import DataError
from mmm.model.build import prepare_inputs
from mmm.model.geo import access_weights
from mmm.spec import ModelSpec

NATIONAL_SERIES = ("online_video", "prospecting")


@pytest.fixture(scope="module")
def sim():
    return simulate(seed=21, n_periods=30, geos=4)


def _nationalise(media: pd.DataFrame, channel: str, audience: str) -> pd.DataFrame:
    """Replace the geo rows of one series by national rows holding the geo total."""
    sel = (media["channel"] == channel) & (media["audience"] == audience)
    nat = (
        media[sel]
        .groupby(["date", "channel", "audience"], as_index=False)[["spend", "impressions"]]
        .sum()
    )
    nat["geo"] = NATIONAL_GEO
    return pd.concat([media[~sel], nat[media.columns]], ignore_index=True)


def _load(sim, media, geos="default", **kw):
    return load_dataset(
        media,
        sim.outcomes,
        sim.channels,
        controls=sim.controls,
        geos=sim.geos if isinstance(geos, str) else geos,
        **kw,
    )


def test_national_media_spread_by_population(sim):
    media = _nationalise(sim.media, *NATIONAL_SERIES)
    ds = _load(sim, media)
    label = "|".join(NATIONAL_SERIES)
    pop = sim.geos.set_index("geo")["population"].astype(float)
    share = pop / pop.sum()
    national = media[media["geo"] == NATIONAL_GEO].set_index("date")["spend"].sort_index()
    got = ds.spend.sel(series=label).to_pandas()  # (date, geo)
    for g in ds.geos:
        np.testing.assert_allclose(got[g].to_numpy(), national.to_numpy() * share[g], rtol=1e-12)
    # geo spend adds up to the national spend; other series untouched
    np.testing.assert_allclose(got.sum(axis=1).to_numpy(), national.to_numpy(), rtol=1e-12)
    other = "paid_search|prospecting"
    np.testing.assert_array_equal(
        ds.spend.sel(series=other).values, sim.to_dataset().spend.sel(series=other).values
    )
    assert any("national media row" in r and label in r for r in ds.repairs)
    assert bool(ds.presence.sel(series=label).all())


def test_national_media_spread_by_shops(sim):
    media = _nationalise(sim.media, *NATIONAL_SERIES)
    ds = _load(sim, media, national_by="shops")
    shops = sim.geos.set_index("geo")["shops"].astype(float)
    got = ds.spend.sel(series="|".join(NATIONAL_SERIES)).sum("date").to_pandas()
    np.testing.assert_allclose(
        got.to_numpy(), (got.sum() * shops / shops.sum())[got.index].to_numpy()
    )
    zero = shops[shops == 0].index
    assert len(zero) and float(got[zero].sum()) == 0.0


def test_national_media_needs_population(sim):
    media = _nationalise(sim.media, *NATIONAL_SERIES)
    with pytest.raises(DataError, match="no geos table was given"):
        _load(sim, media, geos=None)
    no_pop = sim.geos.drop(columns="population")
    with pytest.raises(DataError, match="no complete, positive 'population'"):
        _load(sim, media, geos=no_pop)


def test_national_and_geo_rows_of_one_series_conflict(sim):
    media = _nationalise(sim.media, *NATIONAL_SERIES)
    extra = sim.media[
        (sim.media["channel"] == NATIONAL_SERIES[0]) & (sim.media["audience"] == NATIONAL_SERIES[1])
    ].head(3)
    with pytest.raises(DataError, match="both national rows and geo rows"):
        _load(sim, pd.concat([media, extra], ignore_index=True))


# ------------------------------------------------------------------ model geo context


def test_geo_context_from_shop_data(sim):
    ds = sim.to_dataset()
    spec = ModelSpec(mediator="brand_search")
    g = prepare_inputs(spec, ds).geo
    info = sim.geos.set_index("geo").loc[list(ds.geos)]
    pop = info["population"].to_numpy(float)
    shops = info["shops"].to_numpy(float)
    w = pop / pop.sum()
    np.testing.assert_allclose(g.population_share, w)
    assert g.shops and list(g.store_outcome) == [False, True]
    np.testing.assert_allclose(g.near_access, (shops / shops.sum()) / w)
    assert np.all(g.near_access[shops == 0] == 0)
    lx = np.log1p(shops)
    np.testing.assert_allclose(g.shop_index, lx - (w * lx).sum())
    # store baseline share by population x (1 + shops), online by population
    y = ds.outcomes.sel(outcome=["online_sales", "store_visits"]).values.mean(axis=0)
    obs = y / y.sum(axis=0)
    store = w * (1 + shops) / (w * (1 + shops)).sum()
    np.testing.assert_allclose(g.size_ratio[:, 0], w / obs[:, 0])
    np.testing.assert_allclose(g.size_ratio[:, 1], store / obs[:, 1])
    near = [s.endswith("|near_store") for s in ds.series]
    assert list(g.near_series) == near


def test_spend_scale_is_each_geos_typical_week(sim):
    """Spend is scaled per (geo, series) by the mean of the weeks with spend in that geo, so
    a Hill half-saturation of 1 is a typical week in every geo (a large geo saturates at a
    larger spend); a geo that never bought a series falls back to the national scale."""
    ds = sim.to_dataset()
    spend = ds.spend.values.copy()  # (date, geo, series)
    g0, s0 = 1, 2
    assert spend[:, g0, s0].sum() > 0
    by_hand = np.array(
        [
            [spend[spend[:, g, s] > 0, g, s].mean() for s in range(spend.shape[2])]
            for g in range(spend.shape[1])
        ]
    )
    inp = prepare_inputs(ModelSpec(mediator="brand_search"), ds)
    np.testing.assert_allclose(inp.design.spend_scale, by_hand, rtol=1e-12)
    sizes = sim.geos.set_index("geo").loc[list(ds.geos), "population"].to_numpy(float)
    # geo spend follows population, so do the scales (the largest geo has the largest)
    assert np.argmax(by_hand[:, 0]) == np.argmax(sizes)
    # one geo without this series: the (date, geo) mean of the other geos' positive weeks
    media = sim.media[
        ~(
            (sim.media["geo"] == ds.geos[g0])
            & (sim.media["channel"] + "|" + sim.media["audience"] == ds.series[s0])
        )
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 30 weeks only: the short-series warning
        ds2 = _load(sim, media)
    sc = prepare_inputs(ModelSpec(mediator="brand_search"), ds2).design.spend_scale
    rest = np.delete(spend[:, :, s0], g0, axis=1)
    assert sc[g0, s0] == pytest.approx(rest[rest > 0].mean(), rel=1e-12)
    np.testing.assert_allclose(np.delete(sc, g0, axis=0), np.delete(by_hand, g0, axis=0))


def test_access_weights_by_hand():
    w = np.array([0.2, 0.3, 0.5])
    near_access = np.array([0.0, 1.0, 1.4])  # sum w * a = 1
    x = np.array([-0.5, 0.1, 0.2])
    store = np.array([0.0, 1.0])
    near = np.array([1.0, 0.0])
    a = access_weights(
        store, near, w, near_access, x, leak=np.array([0.0, 0.25]), eta=np.array([0.7, 0.7])
    )
    assert a.shape == (2, 3, 2)
    np.testing.assert_array_equal(a[0], np.ones((3, 2)))  # online: no shop context
    np.testing.assert_allclose(a[1, :, 0], 0.75 * near_access + 0.25)
    e = np.exp(0.7 * x)
    np.testing.assert_allclose(a[1, :, 1], e / (w * e).sum())
    np.testing.assert_allclose((w * a[1, :, 1]).sum(), 1.0)
    np.testing.assert_allclose((w * a[1, :, 0]).sum(), 1.0)


def test_national_data_has_neutral_geo_context():
    ds = simulate(seed=2, n_periods=20).to_dataset()
    g = prepare_inputs(ModelSpec(), ds).geo
    assert not g.shops and not g.pooled_baseline
    np.testing.assert_array_equal(g.size_ratio, np.ones((1, 2)))


def test_spec_rejects_unknown_store_outcome():
    from mmm.errors import SpecError

    with pytest.raises(SpecError, match="store_outcomes"):
        ModelSpec(media={"store_outcomes": ("footfall",)})
    with pytest.raises(SpecError, match="shop_effects"):
        ModelSpec(media={"shop_effects": "maybe"})
    s = ModelSpec(media={"store_outcomes": ("store_visits",), "shop_effects": "estimate"})
    assert ModelSpec.from_dict(s.to_dict()) == s


def test_cli_validate_national_media(sim, tmp_path, capsys):
    from mmm.cli import main

    media = _nationalise(sim.media, *NATIONAL_SERIES)
    paths = {}
    for name, frame in (
        ("media", media),
        ("outcomes", sim.outcomes),
        ("channels", sim.channels),
        ("geos", sim.geos),
    ):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    base = ["validate", "--media", str(paths["media"]), "--outcomes", str(paths["outcomes"])]
    base += ["--channels", str(paths["channels"])]
    assert main([*base, "--geos", str(paths["geos"])]) == 0
    capsys.readouterr()
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "geo 'national'" in err and "media.csv" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("shop_effects", "expect"),
    [
        ("shops", {"shop_access", "shop_elasticity", "level"}),
        ("estimate", {"shop_access", "shop_elasticity", "near_store_leak", "level"}),
        ("ignore", {"level"}),
    ],
)
def test_model_graph_follows_shop_effects(sim, shop_effects, expect):
    from mmm.model.build import build_model

    ds = sim.to_dataset()
    spec = ModelSpec(mediator="brand_search", media={"shop_effects": shop_effects})
    model = build_model(spec, ds)
    geo_vars = {"shop_access", "shop_elasticity", "near_store_leak", "level"}
    assert geo_vars & set(model.named_vars) == expect
    if "shop_access" in expect:
        assert model.named_vars_to_dims["shop_access"] == ("outcome", "geo", "series")
        assert list(model.coords["store_outcome"]) == ["store_visits"]
