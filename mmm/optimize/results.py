"""The recommendation: tidy tables, a summary and a JSON-safe dict for the run folder."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.plan_results import RECOMMENDATION_SCHEMA_VERSION, StoredRecommendation


def json_safe(obj):
    """Plain Python types only (NaN / inf -> None, NumPy scalars -> float / int)."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows of ``df`` as JSON-safe dicts."""
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: json_safe(v) for k, v in rec.items()})
    return out


def interval(draws: np.ndarray, prob: float) -> dict:
    """Mean, median, central ``prob`` interval of 1-d draws."""
    d = np.asarray(draws, dtype=float)
    lo, hi = np.quantile(d, [(1 - prob) / 2, 1 - (1 - prob) / 2])
    return {
        "mean": float(d.mean()),
        "median": float(np.median(d)),
        "lower": float(lo),
        "upper": float(hi),
    }


@dataclass(frozen=True, eq=False)
class BudgetRecommendation:
    """Result of :func:`mmm.optimize.optimize_budget`.

    Attributes
    ----------
    allocation : DataFrame
        One row per (geo, series): channel, audience, stage, current and recommended spend
        over the horizon (currency), change, change_pct, shares, marginal value per extra
        currency unit before and after (``mroas_current`` / ``mroas_recommended``; marginal
        ROAS when the objective is revenue), ``locked``.
    weekly : DataFrame
        date, geo, series, channel, audience, current, recommended (currency per period).
    outcomes : DataFrame
        plan (current / recommended), outcome (each outcome and ``value``), mean, median,
        lower, upper: media contribution over the evaluation window, original units.
    summary : dict
        Budget, objective, risk, value of both plans, uplift with interval, probability
        that the recommendation beats the current plan, solver status, wall time.
    settings : dict
        The inputs (horizon, constraints, objective, risk ...) for the record.
    plan, current : ndarray, dims (horizon, geo, series)
        Recommended and current spend paths (currency).
    uplift_draws : ndarray, dims (sample,)
        Value of the recommendation minus value of the current plan, per posterior draw.
    geos : DataFrame or None
        One row per (plan, geo, outcome): ``spend`` (currency over the horizon), media
        contribution mean / median / lower / upper over the evaluation window,
        ``incremental_*`` (the same minus what spending nothing in the horizon gives) and,
        for count outcomes, ``cost_per_unit_*`` (spend per incremental unit, over the draws
        whose increment is positive; NaN when none is).
    moves : list of dict or None
        The changes per series as transfers ``{"from", "to", "amount"}`` from the lines cut
        to the lines raised (:func:`mmm.optimize.decisions.transfer_moves`).
    """

    allocation: pd.DataFrame
    weekly: pd.DataFrame
    outcomes: pd.DataFrame
    summary: dict
    settings: dict
    plan: np.ndarray
    current: np.ndarray
    uplift_draws: np.ndarray
    geos: pd.DataFrame | None = None
    moves: list | None = None

    @property
    def recommended_totals(self) -> pd.Series:
        """Recommended spend per series over the horizon (summed over geos)."""
        return self.allocation.groupby("series", sort=False)["recommended"].sum()

    @property
    def geo_totals(self) -> pd.DataFrame:
        """Current and recommended spend per geo over the horizon (currency)."""
        g = self.allocation.groupby("geo", sort=False)[["current", "recommended"]].sum()
        g["change"] = g["recommended"] - g["current"]
        g["change_pct"] = np.where(g["current"] > 0, g["change"] / g["current"] * 100, np.nan)
        return g.reset_index()

    def to_frame(self) -> pd.DataFrame:
        """The allocation table (what ``recommendation.csv`` holds)."""
        return self.allocation.copy()

    def stored(self) -> StoredRecommendation:
        """What the run folder stores (``recommendation.json``) as a typed, frozen value.

        Raises
        ------
        mmm.run_summary.SummaryError
            The result lacks a key of the schema or has one it does not know (a change
            to the optimizer not made in :mod:`mmm.plan_results` too).
        """
        weekly = self.weekly.assign(date=self.weekly["date"].astype(str).str[:10])
        return StoredRecommendation.from_dict(
            json_safe(
                {
                    "summary": self.summary,
                    "settings": self.settings,
                    "allocation": records(self.allocation),
                    "outcomes": records(self.outcomes),
                    "geos": [] if self.geos is None else records(self.geos),
                    "moves": list(self.moves or []),
                    "weekly": records(weekly),
                    "schema_version": RECOMMENDATION_SCHEMA_VERSION,
                }
            )
        )

    def to_dict(self) -> dict:
        """JSON-safe dict: what ``recommendation.json`` holds (see :meth:`stored`)."""
        return self.stored().to_dict()
