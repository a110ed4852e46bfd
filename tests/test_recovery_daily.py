"""Parameter recovery on daily data: the default model finds the simulator's true returns.

Four simulated daily brands (``simulate(seed=s, n_periods=455, freq="D")``, seeds 0 to 3,
all the seeds this test was ever measured on: about 15 months of days, five channel x
audience series, two outcomes and the branded-search mediator), each fitted with the
default spec of daily data (:func:`mmm.spec.default_spec_for`: day-of-week effects,
carry-over lags in days) through :func:`mmm.inference.fit`, 2 chains x 300 draws after 300
tuning steps. Every cell is one (outcome, series) total return per euro over the fitted
period; the truth is the simulator's realised return (``truth.roas``).

Measured 2026-12-06 (2 shared cores; the first fit includes reading or compiling the
model, later ones reuse it), with the carry-over priors written for weeks and converted to
days (:meth:`mmm.transforms.adstock_families._AdstockBase.per_period`):

====  ====================  ============  ========
seed  median relative error  90 % coverage  runtime
====  ====================  ============  ========
0     0.109                 10 / 10       21 s
1     0.197                 8 / 10        14 s
2     0.230                 9 / 10        13 s
3     0.163                 9 / 10        12 s
all   0.158                 36 / 40       60 s
====  ====================  ============  ========

Before that conversion (the weekly priors read as per-day values: the awareness peak
expected two days after the spend where the truth has it one to three weeks later) the same
fits gave 0.137, 0.356, 0.490 and 0.285 (all 0.289, 34 / 40). The tests assert the issue's
targets over the four seeds (median error at most 25 %, coverage at least 80 %) and that
no seed is far off on its own.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

SEEDS = (0, 1, 2, 3)
N_DAYS = 455
CATALOGUE = pd.DataFrame(
    [
        ("paid_search", "prospecting", "conversion", 60_000.0),
        ("shopping_ads", "all", "conversion", 45_000.0),
        ("paid_social", "prospecting", "awareness", 50_000.0),
        ("paid_social", "near_store", "awareness", 25_000.0),
        ("online_video", "prospecting", "awareness", 60_000.0),
    ],
    columns=["channel", "audience", "stage", "mean_spend"],
)


def _fit_one(seed: int):
    from mmm.analysis.returns import roas_table
    from mmm.data.simulate import simulate
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.spec import SamplerConfig, default_spec_for

    sim = simulate(seed=seed, n_periods=N_DAYS, freq="D", catalogue=CATALOGUE)
    ds = sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        f = fit(
            spec,
            ds,
            sampler=SamplerConfig(draws=300, tune=300, chains=2, seed=seed, progress=False),
        )
    seconds = time.perf_counter() - start
    t = roas_table(f, prob=0.9, max_draws=None)
    t = t[t["path"] == "total"].copy()
    truth = sim.truth.roas.sel(path="total")
    t["truth"] = [
        float(truth.sel(outcome=o, series=s))
        for o, s in zip(t["outcome"], t["series"], strict=True)
    ]
    t["covered"] = (t["lower"] <= t["truth"]) & (t["truth"] <= t["upper"])
    t["rel_err"] = t["median"] / t["truth"] - 1.0
    t["seed"] = seed
    return t, f, sim, seconds


@pytest.fixture(scope="module")
def daily_fits():
    return {seed: _fit_one(seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def cells(daily_fits):
    return pd.concat([v[0] for v in daily_fits.values()], ignore_index=True)


def _coverage_floor(n: int, rate: float = 0.9, alpha: float = 0.01) -> float:
    """Smallest coverage share not rejected at level ``alpha`` for ``n`` cells at ``rate``."""
    from scipy.stats import binom

    return float(binom.ppf(alpha, n, rate)) / n


def test_no_brand_is_far_off_on_its_own(daily_fits):
    """Each seed on its own: median error at most 35 % and at least 7 of its 10 cells
    covered (measured 0.11-0.23 and 8-10)."""
    for seed, (t, _, _, _) in daily_fits.items():
        assert t["rel_err"].abs().median() <= 0.35, (seed, t)
        assert int(t["covered"].sum()) >= 7, (seed, t)


def test_total_returns_are_covered_at_the_issue_rate(cells):
    assert len(cells) == 40
    # the issue's 80 %, stricter than the binomial floor of 90 % intervals (77.5 %)
    assert _coverage_floor(len(cells)) == pytest.approx(0.775)
    assert cells["covered"].mean() >= 0.8, cells


def test_no_cell_is_off_by_more_than_a_factor_of_3(cells):
    ratio = cells["median"] / cells["truth"]
    assert ratio.between(1 / 3, 3).all(), cells[["seed", "outcome", "series", "median", "truth"]]


def test_total_returns_meet_the_issue_target(cells):
    assert cells["rel_err"].abs().median() <= 0.25, cells[["seed", "series", "median", "truth"]]


def test_day_of_week_pattern_is_recovered(daily_fits):
    """The store-visit day effects of the fit match the simulator's own-baseline profile
    (intercept x weekday effect; the branded-search part comes through the mediator)."""
    from mmm.model.design import weekday_contrasts

    for seed, (_, f, sim, _) in daily_fits.items():
        k = list(f.spec.outcome_names).index("store_visits")
        coef = f.posterior["season_coef"].mean(("chain", "draw")).values[k, -6:]
        est = weekday_contrasts() @ coef * float(f.design.outcome_scale[0, k])
        p = sim.truth.params["baseline"]["store_visits"]
        true = p["intercept"]["all"] * np.asarray(p["weekday"])
        assert int(np.argmax(est)) == 5, seed  # Saturday
        assert np.corrcoef(est, true)[0, 1] > 0.95, (seed, est, true)
        assert est[5] == pytest.approx(true[5], rel=0.25), seed
