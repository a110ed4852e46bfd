"""`mmm backtest`: refit on early periods, score the held-back ones, show them in the report.

Most checks refit with the *true* parameters of simulated data (no MCMC), so the scores
can be computed by hand; one test runs the real sampler end to end through the CLI.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from analysis_helpers import dataset, outcome_scale, params, rescale, spec, with_outcomes

import mmm.analysis as A
from mmm.analysis.known import fit_from_params
from mmm.backtest import run_backtest
from mmm.cli import main

T = 60
HOLD = 20
N_DRAWS = 400


def _true_params(ds_for, spec0, p_gen, ds_gen):
    """``p_gen`` (scaled for ``ds_gen``) rescaled to the outcome scale of ``ds_for``, with
    N_DRAWS identical draws so the predictive mean is the expected value."""
    p = rescale(p_gen, outcome_scale(spec0, ds_gen) / outcome_scale(spec0, ds_for))
    return {k: np.repeat(np.asarray(v, dtype=float)[None], N_DRAWS, axis=0) for k, v in p.items()}


@pytest.fixture(scope="module")
def truth(tmp_path_factory):
    """60 weeks made by known parameters plus Normal noise; a run folder of them.

    The parameters are set on the design of the first ``T - HOLD`` weeks (spend and time
    scaling depend on the window), so a refit on that window with the same values (only
    the outcome scale rescaled) is exactly the process that made the data."""
    from mmm.runs import write_run

    spec0 = spec(mediator=None)
    p = params(mediator=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds0 = dataset(n_dates=T)
        ds0_train = ds0.subset(end=ds0.dates[T - HOLD - 1])
        f0 = fit_from_params(spec0, ds0_train, params=p)
        expected = A.predict(f0, ds0, noise=False, max_draws=None).values[0, :, 0, :]
    sd = p["sigma"] * outcome_scale(spec0, ds0_train)
    noise = np.random.default_rng(7).normal(size=expected.shape) * sd
    y = expected + noise
    ds = with_outcomes(y, n_dates=T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_from_params(spec0, ds, params=_true_params(ds, spec0, p, ds0_train))
    run = tmp_path_factory.mktemp("backtest") / "run"
    write_run(fit, run)

    def refit(spec_, train, sampler, experiments):
        assert experiments is None
        return fit_from_params(spec_, train, params=_true_params(train, spec0, p, ds0_train))

    return {"run": run, "y": y, "expected": expected, "sd": sd, "refit": refit, "ds": ds}


def test_holdout_scores_equal_the_hand_computed_ones(truth):
    res = run_backtest(truth["run"], holdout=HOLD, refit=truth["refit"])
    assert res["kind"] == "holdout" and res["settings"] == {"holdout": 20}
    dates = truth["ds"].dates
    y, ex, sd = truth["y"], truth["expected"], truth["sd"]
    test = slice(T - 20, T)
    for k, o in enumerate(("online_sales", "store_visits")):
        r = next(r for r in res["folds"] if r["outcome"] == o)
        assert (r["train_end"], r["test_start"], r["test_end"]) == (
            f"{dates[T - 21]:%Y-%m-%d}",
            f"{dates[T - 20]:%Y-%m-%d}",
            f"{dates[T - 1]:%Y-%m-%d}",
        )
        assert r["n"] == 20
        # flat forecast at the training mean, by hand
        flat = y[: T - 20, k].mean()
        assert r["naive_mape"] == pytest.approx(
            np.mean(np.abs(y[test, k] - flat) / y[test, k]), rel=1e-9
        )
        # predictive mean = expected value (400 draws of noise average out)
        hand = np.mean(np.abs(y[test, k] - ex[test, k]) / y[test, k])
        assert r["mape"] == pytest.approx(hand, abs=0.1 * sd[k] / y[test, k].mean())
        # the 90 % interval is expected +- 1.645 sd; count the noise draws inside it
        z = np.abs(y[test, k] - ex[test, k]) / sd[k]
        inside = np.mean(z <= 1.645)
        assert abs(r["coverage"] - inside) <= 2 / 20  # a cell or two at the interval's edge
        assert r["interval"] == 0.9
        # the true parameters beat a flat line on these data
        assert r["mape"] < r["naive_mape"]
    written = json.loads((truth["run"] / "backtest.json").read_text())
    assert written == res
    assert (truth["run"] / "backtest.csv").read_text().count("\n") == 1 + 2


def test_rolling_origins_make_expanding_folds(truth):
    res = run_backtest(truth["run"], initial=36, horizon=8, refit=truth["refit"])
    dates = truth["ds"].dates
    folds = sorted(
        {(r["fold"], r["train_end"], r["test_start"], r["test_end"]) for r in res["folds"]}
    )
    assert folds == [
        (
            i,
            f"{dates[35 + 8 * i]:%Y-%m-%d}",
            f"{dates[36 + 8 * i]:%Y-%m-%d}",
            f"{dates[43 + 8 * i]:%Y-%m-%d}",
        )
        for i in range(3)
    ]
    assert res["settings"] == {"initial": 36, "horizon": 8, "step": 8}
    assert len(res["folds"]) == 3 * 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "either --holdout"),
        (["--holdout", "5", "--initial", "30", "--horizon", "5"], "either --holdout"),
        (["--initial", "30"], "both --initial and --horizon"),
        (["--holdout", str(T - 1)], "test_periods=59"),
    ],
)
def test_bad_windows_exit_2_without_a_traceback(truth, capsys, args, expected):
    rc = main(["backtest", str(truth["run"]), *args])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err and "Traceback" not in err


def test_report_shows_the_backtest_and_drops_a_stale_one(truth):
    from mmm.report.write import write_report

    run = truth["run"]
    res = run_backtest(run, holdout=HOLD, refit=truth["refit"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = write_report(run, formats=("html", "md"))
    html = paths["html"].read_text()
    sec = html[html.index('<section id="backtest"') :]
    sec = sec[: sec.index("</section>")]
    assert sec.count("<tr>") == 1 + 2  # header + one fold x 2 outcomes
    online = next(r for r in res["folds"] if r["outcome"] == "online_sales")
    assert f"off by {online['mape'] * 100:.1f}%" in sec
    md = paths["md"].read_text()
    assert "## Out-of-sample check" in md and f"{online['naive_mape'] * 100:.1f}%" in md
    # a backtest of other data in the same folder is stale: not shown, and said so
    b = json.loads((run / "backtest.json").read_text())
    b["data_fingerprint"] = "0" * 64
    (run / "backtest.json").write_text(json.dumps(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = write_report(run, formats=("html",))["html"].read_text()
    assert '<section id="backtest"' not in html
    assert "backtest.json belongs to an earlier fit" in html


def test_cli_backtest_refits_with_the_sampler(truth, tmp_path, capsys):
    """End to end: a real (short) NUTS refit on 52 weeks, scored on the last 8."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(truth["run"], run)
    (run / "backtest.json").unlink(missing_ok=True)
    rc = main(["backtest", str(run), "--holdout", "8", "--draws", "60", "--tune", "60"])
    out = capsys.readouterr().out
    assert rc == 0, out
    res = json.loads((run / "backtest.json").read_text())
    assert res["sampler"]["draws"] == 60 and res["sampler"]["tune"] == 60
    assert res["sampler"]["sampler"] == "nutpie"
    for r in res["folds"]:
        assert r["n"] == 8 and 0 <= r["coverage"] <= 1 and np.isfinite(r["crps"])
        # a short real fit of well-identified data still forecasts within a few noise sds
        assert r["mape"] < 0.2
    assert "refitting on" in out and "MAPE" in out and "backtest.json" in out
