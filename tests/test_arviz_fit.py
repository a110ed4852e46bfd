"""A fit is a complete ArviZ object; the command line follows the usual conventions."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from mmm.cli import main
from mmm.errors import ConvergenceWarning
from mmm.spec import SamplerConfig

TINY = SamplerConfig(draws=60, tune=150, chains=2, seed=3, progress=False)


def _dataset(seed: int):
    from mmm.data.simulate import simulate

    return simulate(seed=seed, n_periods=60).to_dataset()


@pytest.fixture(scope="module")
def tiny_fits():
    """Two library fits of one spec on two simulated datasets (one compiled model)."""
    from mmm.inference import fit
    from mmm.spec import default_spec_for

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed, predictive in ((0, True), (1, False)):
            ds = _dataset(seed)
            spec = default_spec_for(ds, mediator="brand_search")
            out.append(fit(spec, ds, sampler=TINY, predictive=predictive))
    return out


@pytest.fixture(scope="module")
def cli_fit(tmp_path_factory):
    """A tiny fit written by `mmm fit` and read back (and the folder)."""
    from mmm.inference.fit import FitResult

    tmp = tmp_path_factory.mktemp("cli")
    paths = _dataset(0).to_frames()
    args = ["fit", "--out", str(tmp / "run"), "--quiet", "--draws", "60", "--tune", "150"]
    args += ["--chains", "2", "--seed", "3", "--mediator", "brand_search"]
    for name in ("media", "outcomes", "channels", "controls"):
        paths[name].to_csv(tmp / f"{name}.csv", index=False)
        args += [f"--{name}", str(tmp / f"{name}.csv")]
    rc = main(args)
    assert rc in (0, 3)  # 3: a tiny fit may fail a health check; the files are written
    return FitResult.load(tmp / "run"), tmp


def test_library_fit_has_every_group(tiny_fits):
    r, r_no_pp = tiny_fits
    groups = set(r.idata.groups())
    assert {"observed_data", "constant_data", "log_likelihood", "posterior_predictive"} <= groups
    assert "posterior_predictive" not in r_no_pp.idata.groups()
    names = list(r.spec.outcome_names)
    assert sorted(r.idata.log_likelihood.data_vars) == sorted(names)
    for o in names:
        obs = r.idata.observed_data[o]
        np.testing.assert_array_equal(obs.values, r.dataset.outcomes.sel(outcome=o).values)
        assert r.idata.log_likelihood[o].dims == ("chain", "draw", "date", "geo")
        assert r.idata.posterior_predictive[o].shape == (2, 60, 60, 1)
    np.testing.assert_array_equal(r.idata.constant_data["spend"].values, r.dataset.spend.values)
    assert "roas_direct" in r.posterior and "roas" not in r.posterior


def test_posterior_names_the_direct_and_the_total_return(tiny_fits, cli_fit):
    """``roas_direct`` is the model's direct return; ``roas_total`` the analysis' total return
    (direct + mediated) of every draw on (chain, draw), kept through save and load."""
    import mmm.analysis as A

    for r in (tiny_fits[0], cli_fit[0]):
        post = r.posterior
        assert "roas_direct" in post and "roas" not in post
        total = post["roas_total"]
        assert total.dims == ("chain", "draw", "outcome", "series")
        want = A.roas_draws(r, max_draws=None).sel(path="total")
        got = total.stack(sample=("chain", "draw")).transpose("sample", ...)
        np.testing.assert_allclose(got.values, want.transpose("sample", ...).values, rtol=1e-12)
        assert list(total["series"].values) == list(want["series"].values)
        assert np.isfinite(total.values).all()
    import arviz as az

    r = cli_fit[0]
    assert "roas_total" not in r.free_variables  # derived, not sampled
    summary = az.summary(r.idata, var_names=["roas_total"], kind="diagnostics")
    assert len(summary) == total.sizes["outcome"] * total.sizes["series"]


def test_log_likelihood_is_the_models(tiny_fits):
    """Pointwise log-likelihood from the saved posterior = PyMC's on the rebuilt model
    (PyMC's is on the model's scaled outcome: minus log(scale) per point in our units)."""
    import pymc as pm

    from mmm.model.build import build_model

    r = tiny_fits[0]
    model = build_model(r.spec, r.dataset)
    post = r.posterior.isel(draw=slice(0, 5))
    with model:
        ll = pm.compute_log_likelihood(
            __import__("arviz").InferenceData(posterior=post), progressbar=False
        ).log_likelihood
    ys = np.asarray(r.design.outcome_scale)
    for k, o in enumerate(r.spec.outcomes):
        ours = r.idata.log_likelihood[o.name].isel(draw=slice(0, 5)).values
        if "y_obs" in ll:
            theirs = ll["y_obs"].values[..., k]
        else:
            theirs = ll[f"y_obs_{o.name}"].values
        if o.likelihood != "negative_binomial":
            theirs = theirs - np.log(ys[None, None, None, :, k])
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def _arviz_calls(r1, r2):
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no warnings for constant variables
        s = az.summary(r1.idata, var_names=r1.free_variables)
    assert set(s.index.str.split("[").str[0]) == set(r1.free_variables)
    az.plot_trace(r1.idata, var_names=["sigma"])
    az.plot_ppc(r1.idata, num_pp_samples=20)
    plt.close("all")
    loo = az.loo(r1.idata, var_name="online_sales")
    assert np.isfinite(loo.elpd_loo) and loo.n_data_points == 60
    cmp = az.compare({"a": r1.idata, "b": r2.idata}, var_name="online_sales")
    assert list(cmp.sort_index().index) == ["a", "b"]


def test_arviz_on_library_fits(tiny_fits):
    _arviz_calls(*tiny_fits)


def test_arviz_on_a_saved_and_loaded_cli_run(cli_fit, tiny_fits):
    r, _ = cli_fit
    assert "posterior_predictive" in r.idata.groups()  # every CLI run draws it
    assert "arviz_groups_s" in r.provenance["timings"]  # recorded; no time bound in tests
    _arviz_calls(r, tiny_fits[1])


def test_old_fit_files_still_load(cli_fit, tmp_path):
    """A fit.nc written before the extra groups and the rename reads as roas_direct."""
    import arviz as az

    from mmm.inference.fit import FitResult

    saved = cli_fit[1] / "run"
    run = tmp_path / "run"
    shutil.copytree(saved, run)
    old = az.from_netcdf(str(saved / "fit.nc"))
    post = old.posterior.load()
    if "roas_direct" in post:
        post = post.rename({"roas_direct": "roas"})
    az.InferenceData(posterior=post, sample_stats=old.sample_stats.load()).to_netcdf(
        str(run / "fit.nc")
    )
    r = FitResult.load(run)
    assert "roas_direct" in r.posterior and "roas" not in r.posterior
    np.testing.assert_array_equal(r.posterior["roas_direct"].values, post["roas"].values)
    # the groups it lacks are computed from its posterior on load
    assert {"log_likelihood", "posterior_predictive", "observed_data"} <= set(r.idata.groups())
    loo = az.loo(r.idata, var_name="store_visits")
    assert np.isfinite(loo.elpd_loo) and loo.n_data_points == r.dataset.dates.size


def test_repr_is_one_small_table(tiny_fits):
    r = tiny_fits[0]
    text = repr(r)
    assert len(text.splitlines()) <= 12 and len(text) < 1200
    assert "2 chains x 60 draws" in text and "online_sales, store_visits" in text
    html = r._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == len(text.splitlines()) - 1
    assert f"{r.diagnostics.max_rhat:.3f}" in html


# ------------------------------------------------------------------- the CLI
def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mmm {version('mmm')}"


def test_the_script_exits_with_the_commands_code_and_leaves_the_objects_to_the_system(
    capsys, monkeypatch
):
    """``mmm`` (the script, ``python -m mmm``) exits with :func:`main`'s code; the objects
    alive then are frozen, so the interpreter's collections at shutdown skip them."""
    import gc
    import sys

    from mmm.cli import run

    monkeypatch.setattr(sys, "argv", ["mmm", "--version"])
    try:
        with pytest.raises(SystemExit) as e:
            run()
        assert e.value.code == 0 and capsys.readouterr().out.startswith("mmm ")
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # this test process goes on
    monkeypatch.setattr(sys, "argv", ["mmm", "report", "no/such/run"])
    try:
        with pytest.raises(SystemExit) as e:
            run()
        assert e.value.code == 2 and "Traceback" not in capsys.readouterr().err
    finally:
        gc.unfreeze()


def test_switches_take_no_value(capsys):
    assert main(["fit", "--help"]) == 0
    text = capsys.readouterr().out
    assert "<bool>" not in text and "--quiet " in text
    assert main(["optimize", "--help"]) == 0
    assert "list[" not in capsys.readouterr().out
    assert main(["demo", "--help"]) == 0
    assert "``" not in capsys.readouterr().out
    assert main(["fit", "--quiet", "true"]) == 2
    e = capsys.readouterr().err
    assert "take no value" in e and "config file true" not in e


def test_corrupt_fit_is_a_plain_error(tmp_path, capsys, cli_fit):
    _, folder = cli_fit
    run = tmp_path / "run"
    shutil.copytree(folder / "run", run)
    (run / "fit.nc").write_bytes(b"not a netcdf file")
    assert main(["report", str(run), "--quiet"]) == 2
    e = capsys.readouterr().err
    assert f"fit.nc in {run} is not a readable fit" in e and "Traceback" not in e


def test_fit_from_a_wide_table(tmp_path, cli_fit):
    """The wide table of the CLI test's data, read through a map, gives the same dataset."""
    from mmm.inference.fit import FitResult

    ref, _ = cli_fit
    fr = ref.dataset.to_frames()
    media = fr["media"]
    wide = media.pivot_table(index="date", columns=["channel", "audience"], values="spend")
    wide.columns = [f"{c}__{a}" for c, a in wide.columns]
    wide = wide.reset_index().rename(columns={"date": "week"})
    outcomes = fr["outcomes"].drop(columns="geo").rename(columns={"date": "week"})
    controls = fr["controls"].drop(columns="geo").rename(columns={"date": "week"})
    wide = wide.merge(outcomes, on="week").merge(controls, on="week")
    wide.to_csv(tmp_path / "wide.csv", index=False)
    stages = fr["channels"].set_index("channel")["stage"]
    lines = ['date = "week"']
    lines.append(f"outcomes = {list(outcomes.columns[1:])!r}".replace("'", '"'))
    lines.append(f"controls = {list(controls.columns[1:])!r}".replace("'", '"'))
    lines.append("[spend]")
    for col in wide.columns:
        if "__" in col:
            c, a = col.split("__")
            lines.append(f'{col} = ["{c}", "{a}"]')
    lines.append("[channels]")
    lines += [f'{c} = "{s}"' for c, s in stages.items()]
    (tmp_path / "map.toml").write_text("\n".join(lines) + "\n")
    args = ["fit", "--wide", str(tmp_path / "wide.csv"), "--map", str(tmp_path / "map.toml")]
    args += ["--out", str(tmp_path / "run"), "--quiet", "--draws", "60", "--tune", "150"]
    args += ["--chains", "2", "--seed", "3", "--mediator", "brand_search"]
    assert main(args) in (0, 3)
    got = FitResult.load(tmp_path / "run")
    assert (tmp_path / "run" / "input" / "media.csv").exists()
    # the same numbers as the long tables (the catalogue holds only the map's stages)
    spend = ref.dataset.spend.sel(series=got.dataset.spend.series)
    np.testing.assert_allclose(got.dataset.spend.values, spend.values, rtol=1e-12)
    np.testing.assert_allclose(
        got.dataset.outcomes.values, ref.dataset.outcomes.sel(outcome=got.dataset.outcomes.outcome)
    )
    assert sorted(got.dataset.series) == sorted(ref.dataset.series)
    assert got.spec.outcome_names == ref.spec.outcome_names


def test_wide_table_needs_its_map(tmp_path, capsys):
    (tmp_path / "w.csv").write_text("week,a\n2024-01-01,1\n")
    assert main(["fit", "--wide", str(tmp_path / "w.csv"), "--out", str(tmp_path)]) == 2
    assert "--map" in capsys.readouterr().err
    (tmp_path / "m.toml").write_text('outcomes = ["y"]\n[spend]\na = "tv"\n')
    args = ["fit", "--wide", str(tmp_path / "w.csv"), "--map", str(tmp_path / "m.toml")]
    assert main([*args, "--out", str(tmp_path / "run")]) == 2
    assert "lacks channels" in capsys.readouterr().err


def test_analysis_draws_go_back_to_chain_and_draw(tiny_fits):
    import arviz as az

    import mmm.analysis as A

    r = tiny_fits[0]
    direct = A.roas_draws(r, max_draws=None, by_geo=True).sel(path="direct", geo=r.dataset.geos[0])
    back = A.to_chain_draw(direct, r)
    assert back.dims[:2] == ("chain", "draw") and back.shape[:2] == (2, 60)
    # the direct return of each draw is the posterior's roas_direct of that (chain, draw)
    post = r.posterior["roas_direct"].isel(geo=0).sel(series=back.series)
    b = back.transpose("chain", "draw", "outcome", "series").values
    p = post.transpose("chain", "draw", "outcome", "series").values
    ok = np.isfinite(b)
    assert ok.sum() > b.size // 2
    np.testing.assert_allclose(b[ok], p[ok], rtol=1e-6)
    s = az.summary(back.rename("roas_direct"))
    assert len(s) == back.sizes["outcome"] * back.sizes["series"]
    sig = A.to_chain_draw(r.draws("sigma"), r)
    np.testing.assert_array_equal(sig.values, r.posterior["sigma"].values)
    with pytest.raises(ValueError, match="max_draws=None"):
        A.to_chain_draw(A.roas_draws(r, max_draws=50), r)
