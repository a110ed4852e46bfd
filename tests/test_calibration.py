"""Calibration with experiments: the experiments table, the lift term, past-study priors,
and the confounded-simulation demonstration (uncalibrated vs calibrated fit).

The lift term is checked against a direct NumPy computation on known parameters and
against the PyMC graph; the simulator's true lift against its own contributions. The
``slow`` tests fit a small confounded simulation twice (one compilation: the uncalibrated
fit is the same model with the lift term switched off) and check the calibrated ROAS
against the truth.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from mmm.calibration import (
    calibration_table,
    check_experiments,
    load_experiments,
    predicted_lift,
    prepare_lift,
)
from mmm.calibration.synthetic import experiment_from_truth, true_lift
from mmm.data.simulate import simulate
from mmm.errors import DataError, SpecError
from mmm.spec import ModelSpec, OutcomeSpec, PriorSpec

pytestmark = pytest.mark.filterwarnings("ignore::mmm.errors.DataWarning")

CATALOGUE = pd.DataFrame(
    {
        "channel": ["paid_search", "shopping_ads", "affiliates", "online_video"],
        "audience": ["all"] * 4,
        "stage": ["conversion", "conversion", "conversion", "awareness"],
        "mean_spend": [60_000.0, 40_000.0, 20_000.0, 50_000.0],
    }
)
SPEC = ModelSpec(outcomes=(OutcomeSpec("online_sales", "revenue"),))
TESTED = "paid_search"
# (start, end, readout_end, fraction): an 8-week holdout and an 8-week 50 % cut, each read
# over the test and an 8-week cool-down (conversion carry-over lasts up to 8 weeks)
WINDOWS = (
    ("2023-09-04", "2023-10-23", "2023-12-18", 1.0),
    ("2024-04-01", "2024-05-20", "2024-07-15", 0.5),
)


@pytest.fixture(scope="module")
def sim():
    """104 national weeks, spend following demand (with an unobserved demand shock)."""
    return simulate(n_periods=104, seed=5, confounded=0.6, catalogue=CATALOGUE)


def _lift_tests(sim_s, *, noise: bool = False, seed: int = 0) -> pd.DataFrame:
    """The two lift tests of ``WINDOWS`` on ``TESTED``, read off the truth with a standard
    error of 10 % of the lift; with ``noise`` each reported lift carries a Normal draw of
    that error (seeds ``1000 * seed + i``), as a real test would measure it."""
    return pd.DataFrame(
        [
            experiment_from_truth(
                sim_s,
                name=f"test_{i + 1}",
                channel=TESTED,
                start=s,
                end=e,
                readout_end=r,
                fraction=f,
                rel_se=0.1,
                noise=noise,
                seed=1000 * seed + i,
            )
            for i, (s, e, r, f) in enumerate(WINDOWS)
        ]
    )


@pytest.fixture(scope="module")
def experiments(sim):
    """Two lift tests of paid_search read off the truth, standard error 10 % of the lift."""
    return _lift_tests(sim)


def _write(tmp_path, frame: pd.DataFrame, name="experiments.csv"):
    p = tmp_path / name
    frame.to_csv(p, index=False)
    return p


# ------------------------------------------------------------------ the experiments table


def test_load_experiments_parses_and_fills(experiments, tmp_path):
    ex = load_experiments(
        _write(tmp_path, experiments.drop(columns=["name", "geo", "readout_end"]))
    )
    assert list(ex["name"]) == ["exp_1", "exp_2"]
    assert (ex["readout_end"] == ex["end"]).all()  # default: read over the test only
    assert ex["geo"].isna().all() and ex["audience"].isna().all()
    assert ex["start"].iloc[0] == pd.Timestamp("2023-09-04")
    np.testing.assert_allclose(ex["lift"], experiments["lift"], rtol=1e-12)


def test_bad_experiments_list_every_problem_with_file_column_rows_fix(experiments, tmp_path):
    bad = experiments.astype({"end": object})
    bad.loc[0, "spend_change"] = bad.loc[0, "spend"] * 2  # more than the spend
    bad.loc[1, "lift_se"] = 0.0
    bad.loc[0, "readout_end"] = pd.Timestamp("2023-09-11")  # before the test's end
    bad.loc[1, "end"] = "not a date"
    p = _write(tmp_path, bad)
    with pytest.raises(DataError) as exc:
        load_experiments(p)
    msg = str(exc.value)
    assert str(p) in msg
    assert "column 'end': rows 3 are not dates" in msg
    assert "column 'lift_se'" in msg and "Fix:" in msg
    # after fixing the date, the range checks report both rows
    bad.loc[1, "end"] = pd.Timestamp("2024-05-20")
    with pytest.raises(DataError) as exc:
        load_experiments(_write(tmp_path, bad))
    msg = str(exc.value)
    assert "column 'spend_change': rows 2 exceeds spend" in msg
    assert "column 'lift_se': rows 3 is not positive" in msg
    assert "column 'readout_end': rows 2 is before end" in msg


def test_missing_columns_named(experiments, tmp_path):
    with pytest.raises(DataError, match=r"\['lift_se'\] missing"):
        load_experiments(_write(tmp_path, experiments.drop(columns=["lift_se"])))


def test_experiments_checked_against_data(sim, experiments):
    ds = sim.to_dataset()
    ok = load_experiments(experiments)
    check_experiments(ok, ds, SPEC)
    bad = experiments.copy()
    bad.loc[0, "channel"] = "tv"
    bad.loc[1, "outcome"] = "store_visits"  # not modelled by SPEC
    with pytest.raises(DataError) as exc:
        check_experiments(load_experiments(bad), ds, SPEC)
    msg = str(exc.value)
    assert "column 'channel': rows 2 name a channel not in the data" in msg
    assert "column 'outcome': rows 3 name an outcome the model does not fit" in msg
    late = experiments.copy()
    late.loc[0, ["start", "end", "readout_end"]] = [pd.Timestamp("2030-01-07")] * 3
    with pytest.raises(DataError, match="holding no date of the data"):
        check_experiments(load_experiments(late), ds, SPEC)
    long = experiments.copy()
    long.loc[1, "readout_end"] = pd.Timestamp("2025-06-02")
    with pytest.raises(DataError, match="'readout_end': rows 3 end after the data's last date"):
        check_experiments(load_experiments(long), ds, SPEC)
    big = experiments.copy()
    big.loc[0, ["spend", "spend_change"]] = [1e9, 1e6]
    with pytest.raises(DataError, match="exceed the data's spend"):
        check_experiments(load_experiments(big), ds, SPEC)


# ------------------------------------------------------------------ the simulator's truth


def test_true_lift_of_a_full_holdout_is_the_channel_contribution(sim):
    dates = pd.DatetimeIndex(sim.truth.spend.coords["date"].values)
    for ch in ("paid_search", "online_video"):
        lift, change = true_lift(
            sim, channel=ch, start=dates[0], end=dates[-1], fraction=1.0, outcome="online_sales"
        )
        labels = [s for s, i in sim.truth.params["series"].items() if i["channel"] == ch]
        c = sim.truth.contributions.sel(outcome="online_sales", series=labels)
        np.testing.assert_allclose(lift, float(c.sum()), rtol=1e-9)  # direct + mediated
        np.testing.assert_allclose(change, float(sim.truth.spend.sel(series=labels).sum()))


def test_confounding_biases_spend_towards_unobserved_demand(sim):
    shock = np.asarray(sim.truth.params["demand_shock"])
    x = sim.truth.spend.sel(series="paid_search|all", geo="all").values
    on = x > 0  # a few dark weeks
    assert np.corrcoef(np.log(x[on]), shock[on])[0, 1] > 0.3
    assert simulate(n_periods=20, seed=3, confounded=0.0).truth.params["demand_shock"] == [0.0] * 20


# ------------------------------------------------------------------ the lift term, by hand


def _known_fit(sim):
    from mmm.analysis.known import fit_from_params

    ds = sim.to_dataset()
    L = 13
    w = np.zeros((4, L))
    for c, a in enumerate((0.5, 0.3, 0.2)):  # conversion channels: geometric over 8 lags
        w[c, :8] = a ** np.arange(8) / (a ** np.arange(8)).sum()
    w[3, :] = np.exp(-0.5 * (np.arange(L) - 2.0) ** 2)
    w[3] /= w[3].sum()
    params = {
        "adstock_weights": w,
        "saturation_half": np.array([0.8, 1.2, 1.5, 0.6]),
        "roas": np.array([[[3.0, 2.5, 2.0, 0.5]]]),  # converted to beta as the model does
    }
    # the known curves are concave (slope 1)
    return fit_from_params(SPEC.replace(hill_slope=1.0), ds, params=params), params


def test_predicted_lift_matches_direct_computation(sim, experiments):
    fit, params = _known_fit(sim)
    ex = load_experiments(experiments)
    got = predicted_lift(fit, ex)[0]
    ds = sim.to_dataset()
    dates = pd.DatetimeIndex(ds.dates)
    s = 0  # paid_search|all
    x = ds.spend.values[:, 0, s] / fit.design.spend_scale[0, s]
    w = params["adstock_weights"][0]
    half = params["saturation_half"][0]
    scale = fit.design.outcome_scale[0, 0]
    for e, row in enumerate(ex.itertuples()):
        win = np.asarray((dates >= row.start) & (dates <= row.end))
        r = row.spend_change / ds.spend.values[win, 0, s].sum()
        x_cf = np.where(win, x * (1 - r), x)

        def f(z):
            ad = np.array(
                [sum(w[j] * z[t - j] for j in range(len(w)) if t - j >= 0) for t in range(len(z))]
            )
            return ad / (ad + half)

        read = np.asarray((dates >= row.start) & (dates <= row.readout_end))
        assert read.sum() == win.sum() + 8  # the cool-down counts
        beta = float(fit.draws("beta").values[0, 0, 0, s])
        expect = beta * scale * (f(x) - f(x_cf))[read].sum()
        np.testing.assert_allclose(got[e], expect, rtol=1e-10)
        assert expect > 0


def test_graph_lift_term_matches_numpy_and_switches_off(sim, experiments):
    import pytensor
    from scipy.stats import norm

    from mmm.calibration.lift import lift_response
    from mmm.model.build import build_model, prepare_inputs

    ds = sim.to_dataset()
    ex = load_experiments(experiments)
    inp = prepare_inputs(SPEC, ds)
    for active in (True, False):
        lift = prepare_lift(ex, ds, SPEC, inp.design, active=active)
        model = build_model(SPEC, ds, inputs=inp, lift=lift)
        outs = [
            model[n]
            for n in (
                "adstock_weights",
                "saturation_half",
                "saturation_slope",
                "beta",
                "lift_model",
                "lift_loglik",
            )
        ]
        with pytensor.config.change_flags(mode="FAST_COMPILE"):
            fn = model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore")
        w, half, slope, beta, lm, ll = fn(model.initial_point())
        ci = inp.channel_index
        expect = lift_response(
            lift.x_lag,
            lift.x_lag_cf,
            lift.mask,
            lift.outcome_onehot,
            w[ci],
            SPEC.saturation_transform(),
            {"half": half[ci], "slope": slope[ci]},
            beta * inp.design.outcome_scale.T[:, :, None],
            xp=np,
        )
        np.testing.assert_allclose(lm, expect, rtol=1e-9)
        loglik = norm.logpdf(ex["lift"], loc=expect, scale=ex["lift_se"]).sum()
        np.testing.assert_allclose(ll, loglik if active else 0.0, rtol=1e-9)


# ------------------------------------------------------------------ past-study priors


def test_roas_priors_override_median_and_spread(sim):
    from mmm.model.build import prepare_inputs

    spec = ModelSpec(
        outcomes=(OutcomeSpec("online_sales", "revenue"), OutcomeSpec("store_visits", "count")),
        priors=PriorSpec(
            roas_priors={
                "paid_search": {
                    "online_sales": {"median": 2.5, "sigma": 0.3},
                    "store_visits": {"cost_per_unit": 12.0},
                }
            },
            roas_prior_sigma=0.8,
        ),
    )
    inp = prepare_inputs(spec, sim.to_dataset())
    c = inp.coords["channel"].index("paid_search")
    np.testing.assert_allclose(inp.log_prior_roas[:, c], [np.log(2.5), np.log(1 / 12.0)])
    np.testing.assert_allclose(inp.log_prior_roas_sigma[:, c], [0.3, 0.8])
    other = inp.coords["channel"].index("affiliates")
    np.testing.assert_allclose(inp.log_prior_roas_sigma[:, other], [0.8, 0.8])
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    assert ModelSpec.from_dict(spec.to_dict()).hash() == spec.hash()


@pytest.mark.parametrize(
    "priors, match",
    [
        ({"paid_search": {"online_sales": {"median": -1.0}}}, "median=-1.0 must be a positive"),
        ({"paid_search": {"online_sales": {"median": 2, "cost_per_unit": 3}}}, "exactly one"),
        ({"paid_search": {"revenue": {"median": 2}}}, "not a modelled outcome"),
        ({"paid_search": {"online_sales": {"mean": 2}}}, "unknown key"),
    ],
)
def test_bad_roas_priors(priors, match):
    with pytest.raises(SpecError, match=match):
        ModelSpec(outcomes=(OutcomeSpec("online_sales"),), priors={"roas_priors": priors})


def test_roas_prior_for_unknown_channel(sim):
    from mmm.model.build import prepare_inputs

    spec = SPEC.replace(roas_priors={"tv": {"online_sales": {"median": 1.0}}})
    with pytest.raises(SpecError, match="channel 'tv'"):
        prepare_inputs(spec, sim.to_dataset())


def test_config_accepts_experiments_and_priors(tmp_path):
    from mmm.config import TEMPLATE, load_config

    text = TEMPLATE.replace('# experiments = "experiments.csv"', 'experiments = "ex.csv"')
    text = text.replace(
        "# [model.priors.roas_priors.paid_search]", "[model.priors.roas_priors.paid_search]"
    )
    text = text.replace("# online_sales = { median", "online_sales = { median")
    text = text.replace("use_experiments = true", "use_experiments = false")
    (tmp_path / "config.toml").write_text(text)
    cfg = load_config(tmp_path / "config.toml")
    assert cfg.data["experiments"] == (tmp_path / "ex.csv").resolve()
    assert cfg.model.likelihood.use_experiments is False
    assert cfg.model.to_dict()["priors"]["roas_priors"] == {
        "paid_search": {"online_sales": {"median": 2.5, "sigma": 0.3}}
    }


def test_cli_bad_experiments_file_exits_2(sim, experiments, tmp_path, capsys):
    from mmm.cli import main

    paths = sim.write(tmp_path / "data")
    bad = experiments.copy()
    bad.loc[1, "channel"] = "tv"
    p = _write(tmp_path, bad)
    args = [
        "fit",
        "--media",
        str(paths["media"]),
        "--outcomes",
        str(paths["outcomes"]),
        "--channels",
        str(paths["channels"]),
        "--controls",
        str(paths["controls"]),
        "--experiments",
        str(p),
        "--out",
        str(tmp_path / "run"),
        "--quiet",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(p) in err and "column 'channel': rows 3" in err
    p2 = _write(tmp_path, experiments.drop(columns=["lift"]), "ex2.csv")
    assert main(args[:-4] + [str(p2), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert "missing" in capsys.readouterr().err


# ------------------------------------------------------------------ confounded simulation


SAMPLER = dict(draws=300, tune=300, chains=2, seed=1)
#: simulation seeds of the calibration demonstration, fixed before any result was seen:
#: the statistical claims are rates over all of them, never one seed's outcome
CAL_SEEDS = (1, 2, 3, 4, 5)


def _fit_pair(sim_s, experiments_s):
    """(uncalibrated, calibrated) fits of one simulation; every pair after the first reuses
    the compiled model (same structure, other data)."""
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.spec import SamplerConfig

    ds = sim_s.to_dataset()
    cfg = SamplerConfig(**SAMPLER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        before = fit(
            SPEC.replace(use_experiments=False), ds, sampler=cfg, experiments=experiments_s
        )
        after = fit(SPEC, ds, sampler=cfg, experiments=experiments_s)
    return before, after


@pytest.fixture(scope="module")
def fits(sim, experiments):
    """(uncalibrated, calibrated) fits of ``sim`` for the wiring tests below."""
    return _fit_pair(sim, experiments)


@pytest.fixture(scope="module")
def seed_fits():
    """Per simulation seed of ``CAL_SEEDS``: (truth, uncalibrated, calibrated) ROAS of the
    tested channel, each (median, 5 %, 95 %), and how the two fits' compile stage got
    the model."""
    rows = []
    for seed in CAL_SEEDS:
        sim_s = simulate(n_periods=104, seed=seed, confounded=0.6, catalogue=CATALOGUE)
        before, after = _fit_pair(sim_s, _lift_tests(sim_s, noise=True, seed=seed))
        truth = float(
            sim_s.truth.roas.sel(outcome="online_sales", series=f"{TESTED}|all", path="direct")
        )
        sources = [f.provenance["compiled_from"] for f in (before, after)]
        rows.append((seed, truth, _roas(before), _roas(after), sources))
    return rows


def _roas(fit):
    d = (
        fit.draws("roas_direct")
        .sel(outcome="online_sales", series=f"{TESTED}|all")
        .isel(geo=0)
        .values
    )
    return float(np.median(d)), *np.quantile(d, [0.05, 0.95])


@pytest.mark.slow
def test_lift_tests_correct_confounded_roas_over_seeds(seed_fits):
    """Over the five simulated brands of ``CAL_SEEDS`` (spend following demand), with lift
    tests read with measurement error, calibration:

    * covers the truth with its 90 % interval at least 4 times in 5;
    * narrows the interval on at least 4 of 5 brands;
    * at least halves the mean absolute error of the ROAS across the brands.

    Measured on 2026-12-04 (docs/calibration.md has the table): covered 5 of 5, narrower 5
    of 5, mean absolute error 0.25 against 0.72 uncalibrated. The uncalibrated median was
    above the truth on 3 of the 5 brands only, so that is not asserted per brand.
    """
    covered, narrower, err0, err1 = 0, 0, [], []
    for seed, truth, (m0, lo0, hi0), (m1, lo1, hi1), _ in seed_fits:
        print(
            f"seed {seed}: truth {truth:.3f}; uncalibrated {m0:.3f} [{lo0:.3f}, {hi0:.3f}]; "
            f"calibrated {m1:.3f} [{lo1:.3f}, {hi1:.3f}]"
        )
        err0.append(abs(m0 - truth))
        err1.append(abs(m1 - truth))
        covered += lo1 <= truth <= hi1
        narrower += (hi1 - lo1) < (hi0 - lo0)
    n = len(seed_fits)
    assert covered >= 0.8 * n
    assert narrower >= 0.8 * n
    assert np.mean(err1) <= 0.5 * np.mean(err0), (err0, err1)


@pytest.mark.slow
def test_calibrated_fit_reuses_the_compiled_model(fits, seed_fits):
    """The calibrated model is the uncalibrated one with the lift term switched on (model
    data), and every simulation has the same structure: of the twelve fits, at most one
    gets the model by compiling it or reading it from disk (none where another test of this
    process compiled the structure first); the others swap their data into it. Read from
    the compile stage's own record, not from its times: a model read from disk is as quick
    as one reused."""
    pairs = [[f.provenance["compiled_from"] for f in fits]] + [p for *_, p in seed_fits]
    sources = [s for pair in pairs for s in pair]
    assert len(sources) == 12
    assert set(sources) <= {"compiled", "disk", "reused"}, sources
    assert sum(s != "reused" for s in sources) <= 1, sources
    # each calibrated fit follows its uncalibrated twin: it never gets a model of its own
    assert all(after == "reused" for _, after in pairs), pairs


@pytest.mark.slow
def test_posterior_lift_in_graph_equals_numpy_and_table_flags(sim, fits, experiments):
    before, after = fits
    ex = load_experiments(experiments)
    graph = after.draws("lift_model").values  # (sample, experiment)
    np.testing.assert_allclose(predicted_lift(after, ex), graph, rtol=1e-8)
    tab = calibration_table(after, before=before)
    assert list(tab["name"]) == ["test_1", "test_2"]
    # the uncalibrated model overstates the holdout's lift; calibrated, no test disagrees
    assert tab.loc[0, "lift_before"] > tab.loc[0, "lift"]
    assert not tab["disagree_after"].any()
    assert (abs(tab["lift_after"] - tab["lift"]) < abs(tab["lift_before"] - tab["lift"])).all()
    assert (tab["roas_after"] < tab["roas_before"]).all()


@pytest.mark.slow
def test_run_folder_and_report_show_calibration(fits, tmp_path):
    from mmm.inference.fit import FitResult
    from mmm.report import build_report
    from mmm.runs import write_run

    before, after = fits
    paths = write_run(after, tmp_path / "run", before=before)
    summary = json.loads(paths["summary"].read_text())
    cal = summary["calibration"]
    assert cal["active"] is True and len(cal["experiments"]) == 2
    r = cal["experiments"][0]
    assert r["channel"] == TESTED and r["lift_before"] > r["lift_after"]
    assert any("Before calibration" in w for w in cal["warnings"])
    loaded = FitResult.load(tmp_path / "run")
    pd.testing.assert_frame_equal(loaded.experiments, after.experiments, check_dtype=False)
    html = build_report(tmp_path / "run").read_text()
    assert 'id="calibration-table"' in html and "Calibration with experiments" in html
    assert 'data-experiment="test_1"' in html
    # no experiments: no section
    html0 = build_report(
        write_run(replace(before, experiments=None), tmp_path / "plain")["fit"].parent
    ).read_text()
    assert 'id="calibration"' not in html0


@pytest.mark.slow
def test_cli_fit_with_experiments_writes_calibration(sim, experiments, fits, tmp_path):
    """`mmm fit CONFIG` with `[data] experiments`: before/after fits, summary, report.

    Same spec and shapes as ``fits``, so the compiled model is reused (sampling only).
    """
    from mmm.cli import main

    paths = sim.write(tmp_path / "data")
    outcomes = pd.read_csv(paths["outcomes"])[["date", "geo", "online_sales"]]
    outcomes.to_csv(tmp_path / "data" / "online.csv", index=False)
    _write(tmp_path, experiments)
    (tmp_path / "config.toml").write_text(
        '[data]\nmedia = "data/media.csv"\noutcomes = "data/online.csv"\n'
        'channels = "data/channels.csv"\ncontrols = "data/controls.csv"\n'
        'experiments = "experiments.csv"\n\n'
        '[model]\noutcomes = [{ name = "online_sales", kind = "revenue" }]\n\n'
        "[sampler]\ndraws = 100\ntune = 150\nchains = 1\nseed = 2\n"
    )
    run = tmp_path / "run"
    assert main(["fit", str(tmp_path / "config.toml"), "--out", str(run), "--quiet"]) in (0, 3)
    cal = json.loads((run / "summary.json").read_text())["calibration"]
    assert [r["name"] for r in cal["experiments"]] == ["test_1", "test_2"]
    assert all(
        r["lift_before"] is not None and r["lift_after"] is not None for r in cal["experiments"]
    )
    assert "experiments" in json.loads((run / "manifest.json").read_text())["data_files"]
    assert main(["report", str(run)]) == 0
    assert 'id="calibration-table"' in (run / "report.html").read_text()
