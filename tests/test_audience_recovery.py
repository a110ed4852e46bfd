"""Audiences within a channel: strongly different returns are told apart on daily data.

One awareness channel (paid social) bought for seven audiences whose true online returns
span 11x (0.4 to 4.5 euros per euro, a quarter of it through branded search), each with its
own flighted spend (bursts of 14-42 days on, 7-42 off), beside two conversion channels:
two years of daily data (``simulate(freq="D", n_periods=730, noise_scale=0.5)``), three
seeds chosen before any fit. The model pools the audiences' log returns around the
channel's with a learnt spread (``log_roas_audience_sd``); fitted with the default spec of
daily data, 2 chains x 500 draws after 500 tuning steps to keep the test short.

Measured 2026-12-06 on seed 1 (4 chains x 500): median relative error of the seven
audiences' returns 19.5 %, 7 of 7 inside their 90 % intervals, learnt spread 0.62 (its
prior median is 0.2); the three seeds together passed every test below the same day
(3 min 38 s on 2 shared cores, compile included). On the noisier, shorter data of the daily recovery test's size (455
days, ``noise_scale=1``: a day's noise about five times the day-to-day movement of an
audience's effect) the same audiences are not told apart (error about 60 %, 3-4 of 7
covered): that is a limit of the data, stated in docs/model.md. Marked ``slow``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

SEEDS = (1, 2, 3)
#: audience, weekly mean spend (euros), true online sales per euro (both paths)
AUDIENCES = (
    ("prospecting", 40_000.0, 0.4),
    ("lookalike", 30_000.0, 0.7),
    ("interests", 25_000.0, 1.0),
    ("millennials", 20_000.0, 1.5),
    ("retargeting", 15_000.0, 2.2),
    ("vic", 8_000.0, 3.2),
    ("near_store", 10_000.0, 4.5),
)


def _catalogue() -> pd.DataFrame:
    rows = [
        ("paid_search", "all", "conversion", 60_000.0, 1.2, np.nan),
        ("shopping_ads", "all", "conversion", 45_000.0, 0.8, np.nan),
    ]
    rows += [("paid_social", a, "awareness", sp, 0.75 * r, 0.25 * r) for a, sp, r in AUDIENCES]
    cols = ["channel", "audience", "stage", "mean_spend", "online_roas", "online_mediated_roas"]
    return pd.DataFrame(rows, columns=cols)


def _fit_one(seed: int):
    from mmm.analysis.returns import roas_table
    from mmm.data.simulate import simulate
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.spec import SamplerConfig, default_spec_for

    sim = simulate(seed=seed, catalogue=_catalogue(), n_periods=730, freq="D", noise_scale=0.5)
    ds = sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # health is tested elsewhere
        f = fit(spec, ds, sampler=SamplerConfig(draws=500, tune=500, chains=2, seed=seed))
    t = roas_table(f, prob=0.9, max_draws=None)
    t = t[(t["path"] == "total") & (t["outcome"] == "online_sales")]
    t = t[t["channel"] == "paid_social"].copy()
    truth = sim.truth.roas.sel(outcome="online_sales", path="total")
    t["truth"] = [float(truth.sel(series=s)) for s in t["series"]]
    t["covered"] = (t["lower"] <= t["truth"]) & (t["truth"] <= t["upper"])
    t["rel_err"] = t["median"] / t["truth"] - 1.0
    t["seed"] = seed
    spread = f.posterior["log_roas_audience_sd"].sel(outcome="online_sales")
    return t, float(spread.median())


@pytest.fixture(scope="module")
def audiences():
    fits = {seed: _fit_one(seed) for seed in SEEDS}
    cells = pd.concat([t for t, _ in fits.values()], ignore_index=True)
    return cells, {seed: s for seed, (_, s) in fits.items()}


def test_every_audience_of_every_seed_is_compared(audiences):
    cells, _ = audiences
    assert len(cells) == len(AUDIENCES) * len(SEEDS)
    # the realised truths keep the designed 11x span
    for seed in SEEDS:
        tr = cells.loc[cells["seed"] == seed, "truth"]
        assert tr.max() / tr.min() == pytest.approx(4.5 / 0.4, rel=0.05)


def test_audience_returns_are_within_25_percent_at_the_median(audiences):
    cells, _ = audiences
    cols = ["seed", "audience", "median", "lower", "upper", "truth"]
    assert cells["rel_err"].abs().median() <= 0.25, cells[cols]


def test_audience_intervals_cover_at_80_percent(audiences):
    cells, _ = audiences
    cols = ["seed", "audience", "median", "lower", "upper", "truth"]
    assert cells["covered"].mean() >= 0.8, cells[cols]


def test_the_spread_is_learnt_and_the_audiences_ranked(audiences):
    """The learnt spread moves well above its prior median (0.2), and each seed ranks the
    audiences as the truth does (Spearman correlation at least 0.8)."""
    cells, spreads = audiences
    for seed in SEEDS:
        assert spreads[seed] > 0.35, spreads
        c = cells[cells["seed"] == seed]
        rho = c["median"].rank().corr(c["truth"].rank())
        assert rho >= 0.8, (seed, c[["audience", "median", "truth"]])
