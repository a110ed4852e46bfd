"""Share of media spend vs share of media's effect, per channel and audience line."""

from __future__ import annotations

import pandas as pd

from mmm.analysis.funnel import _range, stage_shares
from mmm.analysis.summary import summarize_draws


def line_shares(
    fit, *, start=None, end=None, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Each line's share of media spend beside its share of media's effect on each outcome.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
        Range of dates (default: the whole fitted period).
    prob : float
        Central interval probability of the effect share.
    max_draws : int or None
        Posterior draws used.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, series): channel, audience, stage, ``spend`` (currency),
        ``spend_share`` (fraction of media spend) and ``effect_share`` mean / median / lower /
        upper (fraction of the media-driven outcome, direct + mediated, computed per draw).
        A line whose effect share is above its spend share does more than its share of the
        budget.
    """
    c, sp = _range(fit, start, end, max_draws)
    series = [str(s) for s in c["series"].values]
    sh = stage_shares(c, sp, series)  # every line its own group
    df = summarize_draws(sh["effect_share"], prob=prob).rename(
        columns={"stage": "series"}
        | {k: f"effect_share_{k}" for k in ("mean", "median", "lower", "upper")}
    )
    ds = fit.dataset
    meta = pd.DataFrame(
        {
            "series": [str(s) for s in ds.series],
            "channel": [str(v) for v in ds.spend["channel"].values],
            "audience": [str(v) for v in ds.spend["audience"].values],
            "stage": [str(v) for v in ds.series_stage],
        }
    )
    df = df.merge(meta, on="series", how="left")
    df["spend"] = df["series"].map(sp.to_series().rename(index=str))
    df["spend_share"] = df["series"].map(sh["spend_share"].to_series().rename(index=str))
    return df[
        [
            "outcome",
            "series",
            "channel",
            "audience",
            "stage",
            "spend",
            "spend_share",
            "effect_share_mean",
            "effect_share_median",
            "effect_share_lower",
            "effect_share_upper",
            "interval",
        ]
    ].reset_index(drop=True)
