"""The omnichannel model: spec, inputs, graph, fit, health checks, persistence."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from mmm.errors import NotFittedError, SpecError
from mmm.spec import ModelSpec, OutcomeSpec, SamplerConfig, default_spec_for


# ---------------------------------------------------------------------- spec
def test_spec_round_trip_and_hash():
    spec = ModelSpec(mediator="brand_search").replace(trend="piecewise", hill_slope="estimate")
    d = spec.to_dict()
    back = ModelSpec.from_dict(json.loads(json.dumps(d)))
    assert back == spec
    assert back.hash() == spec.hash()
    assert len(spec.hash()) == 64
    assert (
        ModelSpec().replace(trend="linear").hash() != ModelSpec().replace(trend="piecewise").hash()
    )


def test_spec_rejects_unknown_options_and_names():
    with pytest.raises(SpecError, match="allowed: .*audience_pooling"):
        ModelSpec.from_dict({"tren": "linear"})
    with pytest.raises(SpecError, match="hill"):
        ModelSpec(media={"saturation": "tanh"})
    with pytest.raises(SpecError, match="trend"):
        ModelSpec(baseline={"trend": "cubic"})
    with pytest.raises(SpecError, match="also listed as an outcome"):
        ModelSpec(outcomes=(OutcomeSpec("online_sales", "revenue"),), mediator="online_sales")


def test_hill_slope_estimated_by_default_and_fixable():
    assert ModelSpec().saturation_transform().param_names == ("half", "slope")
    assert ModelSpec().replace(hill_slope=1.0).saturation_transform().param_names == ("half",)
    assert ModelSpec(media={"saturation": "logistic"}).saturation_transform().name == "logistic"


def test_default_spec_for_uses_every_outcome_but_the_mediator(demo_sim):
    ds = demo_sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    assert spec.outcome_names == ("online_sales", "store_visits")
    assert spec.outcome("store_visits").kind == "count"
    assert spec.mediator == "brand_search"


# -------------------------------------------------------------------- inputs
def test_prepare_inputs_scaling_is_exact(demo_sim):
    from mmm.model.build import prepare_inputs

    ds = demo_sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    inp = prepare_inputs(spec, ds)
    np.testing.assert_allclose(inp.x * inp.design.spend_scale, ds.spend.values, rtol=1e-12)
    raw = ds.outcomes.sel(outcome=list(spec.outcome_names)).values
    np.testing.assert_allclose(inp.y * inp.design.outcome_scale[None], raw, rtol=1e-12)
    # scaled outcomes average 1 per geo and outcome; scaled spend averages 1 where positive
    np.testing.assert_allclose(inp.y.mean(axis=0), 1.0, rtol=1e-9)
    pos = np.where(inp.x > 0, inp.x, np.nan)
    np.testing.assert_allclose(np.nanmean(pos, axis=0), 1.0, rtol=1e-9)
    np.testing.assert_allclose(inp.spend_total, ds.spend.values.sum(axis=0))
    # awareness series are exactly those whose channel is tagged awareness
    stages = dict(zip(ds.channels["channel"], ds.channels["stage"], strict=True))
    aw = [
        s
        for s, c in zip(ds.series, ds.spend.coords["channel"].values, strict=True)
        if stages[c] == "awareness"
    ]
    assert inp.coords["aw_series"] == aw


def test_model_graph_has_named_dims_everywhere(demo_sim):
    from mmm.model.build import build_model

    ds = demo_sim.to_dataset()
    model = build_model(default_spec_for(ds, mediator="brand_search"), ds)
    dims = model.named_vars_to_dims
    for v in [*model.free_RVs, *model.deterministics, *model.observed_RVs]:
        if v.ndim > 0:
            assert v.name in dims, f"{v.name} has no named dims"
            assert len(dims[v.name]) == v.ndim
    assert dims["roas_direct"] == ("outcome", "geo", "series")
    assert dims["adstock_weights"] == ("channel", "lag")
    assert dims["y_obs"] == ("date", "geo", "outcome")


def test_model_data_have_static_shapes_and_the_log_density_no_shape_checks(demo_sim):
    """Every data variable carries its shape in the graph (mmm.transforms.model_data), so
    PyTensor can drop the run-time broadcast checks from the compiled log density: fewer
    operations for numba to compile on a first fit."""
    from pytensor.raise_op import Assert
    from pytensor.tensor.shape import Shape_i

    from mmm.inference.numba_cache import pytensor_functions
    from mmm.model.build import build_model

    ds = demo_sim.to_dataset()
    model = build_model(default_spec_for(ds, mediator="brand_search"), ds)
    for v in model.data_vars:
        assert v.type.shape == v.get_value().shape, v.name
    logp_fn = pytensor_functions(model)[2]
    kinds = {type(n.op) for n in logp_fn.maker.fgraph.apply_nodes}
    assert Assert not in kinds and Shape_i not in kinds


def test_shared_audience_effects_are_in_the_default_model_and_can_be_left_out(demo_sim):
    from mmm.model.build import build_model

    ds = demo_sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    m = build_model(spec, ds)
    assert m.named_vars_to_dims["log_roas_audience_shared"] == ("outcome", "shared_audience")
    assert list(m.coords["shared_audience"]) == ["prospecting", "retargeting", "near_store"]
    assert "log_roas_audience_shared" not in build_model(spec.replace(shared_audiences=False), ds)
    assert ModelSpec.from_dict(spec.to_dict()).media.shared_audiences is True
    with pytest.raises(SpecError, match="shared_audiences"):
        ModelSpec(media={"shared_audiences": "yes"})


def test_zero_sum_contrasts_are_orthonormal_and_sum_to_zero_per_group():
    from mmm.model.build import zero_sum_contrasts

    # channels: a (series 0, 2, 3), b (series 1), c (series 4, 5)
    basis, names = zero_sum_contrasts([0, 1, 0, 0, 2, 2], ["a", "b", "c"])
    assert names == ["a:1", "a:2", "c:1"]
    r2, r6 = np.sqrt(2), np.sqrt(6)
    want = np.array(
        [
            [1 / r2, 1 / r6, 0],
            [0, 0, 0],
            [-1 / r2, 1 / r6, 0],
            [0, -2 / r6, 0],
            [0, 0, 1 / r2],
            [0, 0, -1 / r2],
        ]
    )
    np.testing.assert_allclose(basis, want)
    np.testing.assert_allclose(basis.T @ basis, np.eye(3), atol=1e-12)
    # deviations z @ basis.T of independent standard normals: each column sums to zero
    # within each channel, so every draw does; the variance of series s is the squared
    # norm of its row, (n - 1) / n for a channel of n series
    np.testing.assert_allclose(basis[[0, 2, 3]].sum(0), 0, atol=1e-12)
    np.testing.assert_allclose(basis[[4, 5]].sum(0), 0, atol=1e-12)
    np.testing.assert_allclose((basis**2).sum(1), [2 / 3, 0, 2 / 3, 2 / 3, 1 / 2, 1 / 2])
    assert zero_sum_contrasts([0, 1], ["a", "b"])[0].shape == (2, 0)


def test_shared_audience_design_by_hand():
    from mmm.model.build import shared_audience_design

    # channels: search (near, broad), social (near, broad, young), video (near), mail (vic, x)
    ci = [0, 0, 1, 1, 1, 2, 3, 3]
    aud = ["near", "broad", "near", "broad", "young", "near", "vic", "x"]
    design, names = shared_audience_design(ci, aud)
    # near and broad are each bought in two channels with two or more audiences; young,
    # vic and x in one; video's lone near-store series cannot tell its audience apart
    assert names == ["near", "broad"]
    want = np.array(
        [
            [0.5, -0.5],
            [-0.5, 0.5],
            [2 / 3, -1 / 3],
            [-1 / 3, 2 / 3],
            [-1 / 3, -1 / 3],
            [0, 0],
            [0, 0],
            [0, 0],
        ]
    )
    np.testing.assert_allclose(design, want, atol=1e-12)
    # a channel's mean log return over its audiences is untouched by the shared effects
    for c in set(ci):
        rows = [i for i, cc in enumerate(ci) if cc == c]
        np.testing.assert_allclose(design[rows].sum(0), 0, atol=1e-12)
    d0, n0 = shared_audience_design([0, 1], ["a", "a"])
    assert n0 == [] and d0.shape == (2, 0)


def test_residual_contrasts_by_hand():
    from mmm.model.build import residual_contrasts, shared_audience_design, zero_sum_contrasts

    # the channels of test_shared_audience_design_by_hand: 4 contrasts, 2 shared effects
    ci = [0, 0, 1, 1, 1, 2, 3, 3]
    aud = ["near", "broad", "near", "broad", "young", "near", "vic", "x"]
    basis, _ = zero_sum_contrasts(ci, ["search", "social", "video", "mail"])
    design, _ = shared_audience_design(ci, aud)
    res = residual_contrasts(basis, design)
    # left: mail's own contrast (no shared audience there), and the one search/social
    # direction no shared effect makes, v = (a, -a, b, c, -b - c) with v . near = a + b = 0
    # and v . broad = c - a = 0: near minus broad in search against the same in social
    want = {
        (0, 0, 0, 0, 0, 0, 1 / np.sqrt(2), -1 / np.sqrt(2)),
        (0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0),
    }
    got = {tuple(np.round(col, 12) + 0.0) for col in res.T}
    assert got == {tuple(np.round(w, 12)) for w in want}
    np.testing.assert_allclose(res.T @ design, 0, atol=1e-12)
    # no shared audience: the contrasts themselves
    np.testing.assert_array_equal(residual_contrasts(basis, np.zeros((8, 0))), basis)


def test_default_model_has_no_own_audience_spread_beside_the_shared_effects(demo_sim):
    from mmm.model.build import build_model

    ds = demo_sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    m = build_model(spec, ds)
    # the demo catalogue's 4 audience contrasts: 3 shared effects and 1 residual direction
    assert list(m.coords["audience_contrast"]) == ["residual:1"]
    assert "log_roas_audience_sd" not in m
    old = build_model(spec.replace(shared_audiences=False), ds)
    assert len(old.coords["audience_contrast"]) == 4 and "log_roas_audience_sd" in old


def test_mediator_returns_average_to_exp_mu_over_awareness_spend(demo_sim):
    import pymc as pm

    from mmm.model.build import build_model

    ds = demo_sim.to_dataset()
    m = build_model(default_spec_for(ds, mediator="brand_search"), ds)
    rho, mu = pm.draw([m["mediator_roas"], m["log_mediator_roas_mu"]], draws=4, random_seed=3)
    spend = ds.spend.sum(("date", "geo")).values[
        [list(m.coords["series"]).index(s) for s in m.coords["aw_series"]]
    ]
    assert rho.shape == (4, 6) and np.ptp(rho, axis=1).min() > 0  # the series differ
    np.testing.assert_allclose(rho @ (spend / spend.sum()), np.exp(mu), rtol=1e-10)


def test_count_likelihood_and_student_t_build(demo_sim):
    from mmm.data import load_dataset
    from mmm.model.build import build_model

    frames = demo_sim.to_dataset().to_frames()
    frames["outcomes"]["store_visits"] = frames["outcomes"]["store_visits"].round()
    ds = load_dataset(
        frames["media"], frames["outcomes"], frames["channels"], controls=frames["controls"]
    )
    spec = ModelSpec(
        outcomes=(
            OutcomeSpec("online_sales", "revenue", "student_t"),
            OutcomeSpec("store_visits", "count", "negative_binomial"),
        )
    )
    model = build_model(spec, ds)
    names = {v.name for v in model.observed_RVs}
    assert names == {"y_obs_online_sales", "y_obs_store_visits"}
    assert np.isfinite(model.compile_logp()(model.initial_point()))


def test_count_likelihood_rejects_non_integer_counts(demo_sim):
    from mmm.model.build import build_model

    ds = demo_sim.to_dataset()
    spec = ModelSpec(outcomes=(OutcomeSpec("online_sales", "revenue", "negative_binomial"),))
    with pytest.raises(SpecError, match="non-integer"):
        build_model(spec, ds)


def test_model_data_swapped_in_gives_the_model_of_the_new_data():
    """The compiled-model cache swaps a new dataset's model data into a model compiled
    for other data of the same shapes. That is only right if nothing data-dependent is a
    graph constant: the log density of the model built on data A, with B's model data
    set, must equal that of the model built on B (counts, mediator prior included)."""
    from mmm.data import load_dataset
    from mmm.data.simulate import simulate
    from mmm.model.build import build_model

    def dataset(seed):
        fr = simulate(seed=seed, n_periods=60).to_dataset().to_frames()
        fr["outcomes"]["store_visits"] = fr["outcomes"]["store_visits"].round()
        return load_dataset(fr["media"], fr["outcomes"], fr["channels"], controls=fr["controls"])

    spec = ModelSpec(
        outcomes=(
            OutcomeSpec("online_sales", "revenue", "student_t"),
            OutcomeSpec("store_visits", "count", "negative_binomial"),
        ),
        mediator="brand_search",
    )
    model_a, model_b = build_model(spec, dataset(1)), build_model(spec, dataset(2))
    point = model_b.initial_point()

    def compiled_logp(model):
        # the terms one by one (sum=False): FAST_COMPILE adds them up with a NumPy ufunc,
        # which takes at most 32 operands, fewer than this model's terms
        f = model.compile_logp(mode="FAST_COMPILE", sum=False)
        return lambda p: float(np.sum([np.sum(t) for t in f(p)]))

    logp_b = compiled_logp(model_b)(point)
    logp_a = compiled_logp(model_a)
    before = logp_a(point)
    for v in model_a.data_vars:
        v.set_value(model_b[v.name].get_value())
    assert not np.isclose(before, logp_b)
    np.testing.assert_allclose(logp_a(point), logp_b, rtol=1e-10)


# ------------------------------------------------------------------------ fit
def test_fit_posterior_has_named_dims_and_diagnostics(demo_fit):
    post = demo_fit.posterior
    assert post["roas_direct"].dims == ("chain", "draw", "outcome", "geo", "series")
    assert post.sizes["chain"] == 2 and post.sizes["draw"] == 400
    assert list(post["roas_direct"].coords["outcome"].values) == ["online_sales", "store_visits"]
    d = demo_fit.diagnostics
    assert d.n_draws == 400 and d.n_chains == 2 and d.method == "nuts"
    assert np.isfinite(d.max_rhat) and d.min_ess_bulk > 0
    t = demo_fit.provenance["timings"]
    assert t["total_s"] >= t["sample_s"] > 0


def test_roas_parameter_equals_direct_contribution_over_spend(demo_fit):
    """The model prices effects per currency unit: the posterior ``roas`` must equal the
    direct contribution over the fitted period divided by spend, draw by draw."""
    from mmm.analysis.engine import contributions

    c = contributions(demo_fit, max_draws=None)  # all draws, in posterior order
    direct = c.sel(path="direct").sum("date")  # (sample, geo, outcome, series)
    spend = demo_fit.dataset.spend.sum("date")  # (geo, series)
    roas = demo_fit.draws("roas_direct")  # (sample, outcome, geo, series)
    for k, o in enumerate(demo_fit.spec.outcome_names):
        got = direct.sel(outcome=o).values / spend.values[None]
        np.testing.assert_allclose(got, roas.values[:, k], rtol=1e-6)


def test_fit_explains_the_data_about_as_well_as_the_truth(demo_sim, demo_fit):
    """In-sample R^2 of the posterior-mean fit is close to that of the noiseless truth
    (which is below 1 only because of the simulated noise), and not far above it."""
    from mmm.analysis.engine import expected

    mu = expected(demo_fit, max_draws=200).mean("sample")

    def r2(y, m):
        return 1 - np.sum((y - m) ** 2) / np.sum((y - y.mean()) ** 2)

    for o in demo_fit.spec.outcome_names:
        y = demo_fit.dataset.outcomes.sel(outcome=o).values.ravel()
        truth = r2(y, demo_sim.truth.expected.sel(outcome=o).values.ravel())
        model = r2(y, mu.sel(outcome=o).values.ravel())
        assert truth - 0.1 < model < truth + 0.1, (o, model, truth)


def test_same_seed_same_draws(demo_sim, demo_fit):
    """A refit with the same seed (reusing the compiled model) gives identical draws."""
    from mmm.inference import fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = fit(demo_fit.spec, demo_sim.to_dataset(), sampler=demo_fit.sampler)
    for v in ("log_roas_channel", "adstock_weights", "sigma"):
        np.testing.assert_array_equal(again.posterior[v].values, demo_fit.posterior[v].values)
    # the second fit skipped compilation: the compile stage swapped the data in
    assert again.provenance["compiled_from"] == "reused"


# --------------------------------------------------------------- persistence
def test_save_load_round_trip(demo_fit, tmp_path):
    from mmm.analysis.returns import roas_table
    from mmm.inference.fit import FitResult

    d = demo_fit.save(tmp_path / "fit")
    assert (d / "fit.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"  # NetCDF4/HDF5, no pickle
    import xarray as xr

    with xr.open_dataset(d / "fit.nc", group="posterior", engine="h5netcdf") as post:
        # the draws as they are, uncompressed (random floats: zlib gained little, cost time)
        assert not any(
            v.encoding.get("zlib") or v.encoding.get("compression") for v in post.values()
        )
        np.testing.assert_array_equal(post["roas_direct"], demo_fit.posterior["roas_direct"])
    loaded = FitResult.load(d)
    assert loaded.spec == demo_fit.spec
    assert loaded.dataset.fingerprint == demo_fit.dataset.fingerprint
    assert loaded.design.to_dict() == demo_fit.design.to_dict()
    a = roas_table(demo_fit, max_draws=200)
    b = roas_table(loaded, max_draws=200)
    pd.testing.assert_frame_equal(a, b)
    # a loaded fit holds no open file: it can be saved back into its own folder
    loaded.save(d)
    again = FitResult.load(d)
    pd.testing.assert_frame_equal(a, roas_table(again, max_draws=200))


def test_load_refuses_modified_data(demo_fit, tmp_path):
    from mmm.inference.fit import FitResult

    d = demo_fit.save(tmp_path / "fit")
    media = pd.read_csv(d / "data" / "media.csv")
    media.loc[0, "spend"] += 1.0
    media.to_csv(d / "data" / "media.csv", index=False)
    with pytest.raises(NotFittedError, match="fingerprint"):
        FitResult.load(d)


def test_load_names_missing_files(tmp_path):
    from mmm.inference.fit import FitResult

    with pytest.raises(NotFittedError, match="fit.nc is missing"):
        FitResult.load(tmp_path)


# ------------------------------------------------------------------- health
def test_health_problems_carry_hints():
    from mmm.inference.diagnostics import Diagnostics

    bad = Diagnostics(
        max_rhat=1.05,
        min_ess_bulk=50,
        min_ess_tail=40,
        divergences=3,
        min_bfmi=0.1,
        n_draws=100,
        n_chains=2,
    )
    text = " ".join(bad.problems())
    assert "3 divergent" in text and "target_accept" in text
    assert "R-hat 1.050" in text
    assert "ESS" in text
    good = Diagnostics(
        max_rhat=1.001,
        min_ess_bulk=900,
        min_ess_tail=800,
        divergences=0,
        min_bfmi=0.9,
        n_draws=1000,
        n_chains=4,
    )
    assert good.problems() == []


def test_sampler_config_validates():
    with pytest.raises(SpecError):
        SamplerConfig(sampler="gibbs")
    with pytest.raises(SpecError):
        SamplerConfig(draws=0)


# ------------------------------------------------------------------ daily data
@pytest.fixture(scope="module")
def daily_ds():
    from mmm.data.simulate import simulate

    return simulate(seed=2, n_periods=120, freq="D").to_dataset()


def test_weekday_contrasts_by_hand():
    from mmm.model.design import weekday_contrasts

    c = weekday_contrasts()
    assert c.shape == (7, 6)
    np.testing.assert_allclose(c[:, 0], [2**-0.5, -(2**-0.5), 0, 0, 0, 0, 0])
    np.testing.assert_allclose(c[:, 5], [1 / 42**0.5] * 6 + [-6 / 42**0.5])
    np.testing.assert_allclose(c.sum(axis=0), 0.0, atol=1e-15)
    np.testing.assert_allclose(c.T @ c, np.eye(6), atol=1e-15)


def test_daily_data_get_day_of_week_features_weekly_data_do_not(demo_sim, daily_ds):
    from mmm.model.build import prepare_inputs
    from mmm.model.design import Design, weekday_contrasts

    weekly = prepare_inputs(default_spec_for(demo_sim.to_dataset()), demo_sim.to_dataset())
    assert not weekly.design.day_of_week and weekly.design.period_days == 7.0
    assert weekly.coords["fourier"] == ["sin_1", "cos_1", "sin_2", "cos_2"]
    # the weekly features are the yearly Fourier terms alone, as before daily support
    doy = (pd.DatetimeIndex(demo_sim.to_dataset().dates) - pd.Timestamp("2000-01-01")).days
    ang = 2 * np.pi * doy.to_numpy(dtype=float) / 365.25
    np.testing.assert_array_equal(weekly.fourier[:, 0], np.sin(ang))
    np.testing.assert_array_equal(weekly.fourier[:, 3], np.cos(2 * ang))

    inp = prepare_inputs(default_spec_for(daily_ds), daily_ds)
    de = inp.design
    assert de.day_of_week and de.period_days == 1.0
    assert inp.coords["fourier"][4:] == [f"weekday_{j}" for j in range(1, 7)]
    dates = pd.DatetimeIndex(daily_ds.dates)
    np.testing.assert_array_equal(inp.fourier[:, 4:], weekday_contrasts()[dates.day_of_week])
    # future dates (forecasts, plans) get the same day columns: a week later, same values
    later = de.fourier(dates + pd.Timedelta(days=7))
    np.testing.assert_allclose(later[:, 4:], inp.fourier[:, 4:])
    # saved and loaded with the fit; fits saved before daily support have none
    assert Design.from_dict(de.to_dict()).day_of_week
    old = weekly.design.to_dict()
    del old["day_of_week"]
    assert not Design.from_dict(old).day_of_week


def test_daily_model_has_zero_sum_day_effects_on_outcomes_and_mediator(daily_ds):
    from mmm.analysis.engine import baseline_scaled
    from mmm.analysis.known import fit_from_params
    from mmm.model.build import build_model
    from mmm.model.design import weekday_contrasts

    spec = default_spec_for(daily_ds, mediator="brand_search")
    m = build_model(spec, daily_ds)
    assert m.named_vars_to_dims["season_coef"] == ("outcome", "fourier")
    assert m["season_coef"].eval().shape == (2, 10)
    assert m.named_vars_to_dims["mediator_season_coef"] == ("fourier",)
    # day effects of known coefficients, read back on future dates by the analysis
    coef = np.zeros((2, 10))
    coef[0, 4:] = [0.1, -0.2, 0.05, 0.0, 0.3, -0.1]
    n_ch = len(daily_ds.channels)
    fit = fit_from_params(
        spec,
        daily_ds,
        params={
            "adstock_weights": np.eye(1, 56).repeat(n_ch, axis=0),
            "saturation_half": 1.0,
            "saturation_slope": 1.0,
            "beta": 0.0,
            "delta": 0.0,
            "gamma": 0.0,
            "intercept": 1.0,
            "season_coef": coef,
        },
    )
    future = pd.date_range("2030-01-07", periods=7, freq="D")  # Monday to Sunday
    base = baseline_scaled(fit, dates=future, controls=np.zeros((7, 1, 3)))[0, :, 0, :]
    day = weekday_contrasts() @ coef[0, 4:]
    np.testing.assert_allclose(base[:, 0] - base[:, 0].mean(), day - day.mean(), atol=1e-12)
    assert abs(day.sum()) < 1e-12
    np.testing.assert_allclose(base[:, 1], base[0, 1])  # store visits: no day effect given


def test_default_spec_for_daily_data_counts_lags_in_days(demo_sim, daily_ds):
    daily = default_spec_for(daily_ds, mediator="brand_search")
    assert daily.stage("conversion").adstock == "geometric"
    assert daily.stage("conversion").l_max == 21
    assert daily.stage("awareness").adstock == "delayed"
    assert daily.stage("awareness").l_max == 56
    weekly = default_spec_for(demo_sim.to_dataset(), mediator="brand_search")
    assert weekly.media.stages == ModelSpec().media.stages
    assert weekly.stage("conversion").l_max == 8 and weekly.stage("awareness").l_max == 13
    mine = {"awareness": {"adstock": "geometric", "l_max": 30}}
    assert default_spec_for(daily_ds, stages=mine).stage("awareness").l_max == 30
