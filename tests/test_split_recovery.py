"""The split of awareness returns between the direct and the mediated path, recovered.

Awareness spend lifts sales directly and through branded search (the mediator). The
model must find how much of each awareness channel's effect goes each way: on five
simulated brands (``brand_fits``, default settings, seeds 1-5; three awareness channels
and two outcomes each, 30 channel x outcome cells), the posterior's mediated share of the
channel's total effect is compared with the simulator's realised share.

Measured 2026-12-06 on these fits: median relative error of the mediated share 14 %, of
the direct share 10 %; 28 of the 30 90 % intervals cover the true share; the geometric
mean ratio to the truth 0.92 (online sales) and 0.95 (store visits). The thresholds below
are the issue's: each share within 30 % at the median, coverage at least 80 %, and no
lean of the split beyond a quarter either way. Marked ``slow``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _true_shares(sim) -> pd.DataFrame:
    """The simulator's mediated share of each awareness channel's effect per outcome."""
    c = sim.truth.contributions.sum(("date", "geo"))  # (outcome, series, path)
    channel = [s.split("|")[0] for s in c["series"].values]
    by_channel = c.assign_coords(channel=("series", channel)).groupby("channel").sum("series")
    rows = []
    for o in by_channel["outcome"].values:
        for ch in by_channel["channel"].values:
            m = float(by_channel.sel(outcome=o, channel=ch, path="mediated"))
            d = float(by_channel.sel(outcome=o, channel=ch, path="direct"))
            if m > 0:  # awareness channels only: conversion ones have no mediated path
                rows.append({"outcome": str(o), "channel": str(ch), "true_share": m / (m + d)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def shares(brand_fits, brand_sims):
    from mmm.analysis.funnel import path_identification

    frames = []
    for seed, (result, _) in brand_fits.items():
        est = path_identification(result, prob=0.9, max_draws=None)
        truth = _true_shares(brand_sims[seed])
        frames.append(est.merge(truth, on=["outcome", "channel"], how="outer").assign(seed=seed))
    t = pd.concat(frames, ignore_index=True)
    assert not t[["mediated_share", "true_share"]].isna().any().any(), t
    t["covered"] = (t["share_lower"] <= t["true_share"]) & (t["true_share"] <= t["share_upper"])
    t["ratio_mediated"] = t["mediated_share"] / t["true_share"]
    t["ratio_direct"] = (1.0 - t["mediated_share"]) / (1.0 - t["true_share"])
    return t


def test_every_awareness_channel_and_outcome_of_every_brand_is_compared(shares):
    assert len(shares) == 30  # 5 brands x 3 awareness channels x 2 outcomes
    assert set(shares["outcome"]) == {"online_sales", "store_visits"}
    assert shares["true_share"].between(0.05, 0.95).all()  # both paths carry weight


def test_mediated_and_direct_shares_are_each_within_30_percent(shares):
    cols = ["seed", "outcome", "channel", "mediated_share", "true_share"]
    assert (shares["ratio_mediated"] - 1.0).abs().median() <= 0.30, shares[cols]
    assert (shares["ratio_direct"] - 1.0).abs().median() <= 0.30, shares[cols]


def test_the_split_does_not_lean_to_either_path(shares):
    """A biased split (the direct path taking what the mediator carries, or the reverse)
    shows as a mean ratio to the truth away from 1 on every outcome."""
    lean = shares.groupby("outcome")["ratio_mediated"].apply(
        lambda r: float(np.exp(np.log(r).mean()))
    )
    assert lean.between(0.8, 1.25).all(), lean


def test_intervals_of_the_split_cover_the_truth_at_80_percent(shares):
    cols = ["seed", "outcome", "channel", "share_lower", "share_upper", "true_share"]
    assert shares["covered"].mean() >= 0.8, shares[cols]
