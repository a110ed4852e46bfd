"""Headroom per media line read at the budget plan's spend level, against the other lines.

A line has room to grow when one more unit of currency there is worth more than it is worth
on the budget's common margin (the marginal value every freely moved line reaches in the
optimal plan); it is saturated when it is worth less. Both marginal values come from the
optimizer's recommendation (``recommendation.json``), so this reading and the plan cannot
disagree: the plan raises the lines with room to grow and cuts the saturated ones, up to their
limits.
"""

from __future__ import annotations

import math

import pandas as pd

#: Relative band around the common marginal value read as "at the common level".
LEVEL_TOLERANCE = 0.02

ROOM = "room to grow"
SATURATED = "saturated"
LEVEL = "at the common level"
LOCKED = "locked"


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def common_marginal_value(recommendation: dict) -> float | None:
    """The budget's common marginal value: one more unit of total budget is worth this much.

    ``summary.budget_shadow_price`` when the optimizer stored it; else the median marginal
    value at the recommended plan over the lines that are neither locked nor at a limit
    (those all reach the common margin in an optimal plan); None without allocation rows.

    Parameters
    ----------
    recommendation : dict
        The parsed ``recommendation.json``.

    Returns
    -------
    float or None
    """
    summary = recommendation.get("summary") or {}
    sp = _num(summary.get("budget_shadow_price"))
    if sp is not None:
        return sp
    rows = [r for r in recommendation.get("allocation") or [] if isinstance(r, dict)]
    bound = {
        (b.get("series"), b.get("geo", "all"))
        for b in summary.get("binding") or []
        if isinstance(b, dict) and b.get("series")
    }
    vals = [
        _num(r.get("mroas_recommended"))
        for r in rows
        if not r.get("locked") and (r.get("series"), r.get("geo", "all")) not in bound
    ]
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return float(pd.Series(vals).median())


def headroom(recommendation: dict, *, tolerance: float = LEVEL_TOLERANCE) -> pd.DataFrame:
    """Headroom of each line at the plan's reference spend, against the common margin.

    Parameters
    ----------
    recommendation : dict
        The parsed ``recommendation.json`` (``allocation`` rows with ``mroas_current`` and
        ``mroas_recommended``: value per extra unit of currency at the current and at the
        recommended spend over the plan's weeks).
    tolerance : float
        Relative band around the common marginal value read as ``"at the common level"``.

    Returns
    -------
    DataFrame
        One row per allocation line: series, channel, audience, geo, current, recommended,
        change, marginal_current, marginal_recommended, common (the budget's common marginal
        value), ratio (marginal_current / common) and reading (``"room to grow"``,
        ``"saturated"``, ``"at the common level"`` or ``"locked"``). Empty when the
        recommendation has no allocation rows or no marginal values.
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
    for r in recommendation.get("allocation") or []:
        if not isinstance(r, dict):
            continue
        mc = _num(r.get("mroas_current"))
        if mc is None or common is None:
            continue
        cur, rec = _num(r.get("current")), _num(r.get("recommended"))
        ratio = mc / common if common else None
        if r.get("locked"):
            reading = LOCKED
        elif ratio is None or abs(ratio - 1.0) <= tolerance:
            reading = LEVEL
        else:
            reading = ROOM if ratio > 1.0 else SATURATED
        rows.append(
            {
                "series": r.get("series"),
                "channel": r.get("channel"),
                "audience": r.get("audience", "all"),
                "geo": r.get("geo", "all"),
                "current": cur,
                "recommended": rec,
                "change": rec - cur if cur is not None and rec is not None else None,
                "marginal_current": mc,
                "marginal_recommended": _num(r.get("mroas_recommended")),
                "common": common,
                "ratio": ratio,
                "reading": reading,
            }
        )
    return pd.DataFrame(rows, columns=cols)
