"""Headroom per media line read at the budget plan's spend level, against the other lines.

A line has room to grow when one more unit of currency there is worth more than it is worth
on the budget's common margin (the marginal value every freely moved line reaches in the
optimal plan); it is saturated when it is worth less. Both marginal values come from the
optimizer's recommendation (``recommendation.json``), so this reading and the plan cannot
disagree: the plan raises the lines with room to grow and cuts the saturated ones, up to their
limits.
"""

from __future__ import annotations

import pandas as pd

from mmm.plan_results import StoredRecommendation

#: Relative band around the common marginal value read as "at the common level".
LEVEL_TOLERANCE = 0.02

ROOM = "room to grow"
SATURATED = "saturated"
LEVEL = "at the common level"
LOCKED = "locked"


def common_marginal_value(recommendation: StoredRecommendation) -> float | None:
    """The budget's common marginal value: one more unit of total budget is worth this much.

    ``summary.budget_shadow_price`` when the optimizer stored it; else the median marginal
    value at the recommended plan over the lines that are neither locked nor at a limit
    (those all reach the common margin in an optimal plan); None when no such line has a
    marginal value.

    Parameters
    ----------
    recommendation : StoredRecommendation
        A stored recommendation (:meth:`mmm.run_folder.RunFolder.read_recommendation`).

    Returns
    -------
    float or None
    """
    sp = recommendation.summary.budget_shadow_price
    if sp is not None:
        return float(sp)
    bound = {(b.series, b.geo or "all") for b in recommendation.summary.binding if b.series}
    vals = [
        r.mroas_recommended
        for r in recommendation.allocation
        if not r.locked and (r.series, r.geo) not in bound and r.mroas_recommended is not None
    ]
    if not vals:
        return None
    return float(pd.Series(vals).median())


def headroom(
    recommendation: StoredRecommendation, *, tolerance: float = LEVEL_TOLERANCE
) -> pd.DataFrame:
    """Headroom of each line at the plan's reference spend, against the common margin.

    Parameters
    ----------
    recommendation : StoredRecommendation
        A stored recommendation (``allocation`` rows with ``mroas_current`` and
        ``mroas_recommended``: value per extra unit of currency at the current and at the
        recommended spend over the plan's weeks).
    tolerance : float
        Relative band around the common marginal value read as ``"at the common level"``.

    Returns
    -------
    DataFrame
        One row per allocation line with a marginal value: series, channel, audience, geo,
        current, recommended, change, marginal_current, marginal_recommended, common (the
        budget's common marginal value), ratio (marginal_current / common; None when the
        common value is 0) and reading (``"room to grow"``, ``"saturated"``, ``"at the
        common level"`` or ``"locked"``). Empty without a common marginal value.
    """
    cols = [
        "series",
        "channel",
        "audience",
        "geo",
        "current",
        "recommended",
        "change",
        "marginal_current",
        "marginal_recommended",
        "common",
        "ratio",
        "reading",
    ]
    common = common_marginal_value(recommendation)
    rows = []
    for r in recommendation.allocation:
        mc = r.mroas_current
        if mc is None or common is None:
            continue
        ratio = mc / common if common else None
        if r.locked:
            reading = LOCKED
        elif ratio is None or abs(ratio - 1.0) <= tolerance:
            reading = LEVEL
        else:
            reading = ROOM if ratio > 1.0 else SATURATED
        rows.append(
            {
                "series": r.series,
                "channel": r.channel,
                "audience": r.audience,
                "geo": r.geo,
                "current": r.current,
                "recommended": r.recommended,
                "change": r.change,
                "marginal_current": mc,
                "marginal_recommended": r.mroas_recommended,
                "common": common,
                "ratio": ratio,
                "reading": reading,
            }
        )
    return pd.DataFrame(rows, columns=cols)
