"""Calendar parts of the simulator: holidays, promotions, controls and baseline shapes."""

from __future__ import annotations

from datetime import date as _date
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from mmm.data._sim_constants import (
    OUTCOMES,
)

# --------------------------------------------------------------------------------------
# Generative steps
# --------------------------------------------------------------------------------------


def _black_friday(year: int) -> _date:
    nov1 = _date(year, 11, 1)
    first_thursday = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def _in_window(monday: _date, start: tuple[int, int], end: tuple[int, int]) -> bool:
    return _date(monday.year, *start) <= monday <= _date(monday.year, *end)


def _controls(dates: pd.DatetimeIndex, rng: np.random.Generator) -> dict[str, np.ndarray]:
    mondays = [d.date() for d in dates]
    n = len(mondays)
    holiday = np.zeros(n, dtype=np.int64)
    promo = np.zeros(n, dtype=np.int64)
    for i, m in enumerate(mondays):
        bf_monday = _black_friday(m.year) - timedelta(days=4)
        if m == bf_monday or _in_window(m, (12, 11), (12, 24)):
            holiday[i] = 1
        if _in_window(m, (1, 8), (2, 4)) or _in_window(m, (6, 24), (7, 21)):
            promo[i] = 1
    years = sorted({m.year for m in mondays})
    for year in years:
        for window in (((3, 1), (5, 31)), ((9, 1), (10, 31))):
            idx = [
                i
                for i, m in enumerate(mondays)
                if m.year == year and _in_window(m, *window) and not holiday[i] and not promo[i]
            ]
            pick = int(rng.integers(0, 10_000))
            if idx:
                promo[idx[pick % len(idx)]] = 1
    steps = rng.uniform(0.02, 0.05, size=len(years))
    step_of_year = dict(zip(years, steps, strict=True))
    level = np.empty(n)
    current = 1.0
    wobble = np.empty(n)
    u = 0.0
    shocks = rng.normal(0.0, 0.005, size=n)
    for i, m in enumerate(mondays):
        if i > 0 and m.year != mondays[i - 1].year:
            current *= 1.0 + step_of_year[m.year]
        level[i] = current
        u = 0.8 * u + shocks[i] if i > 0 else 0.0
        wobble[i] = u
    price_index = np.round(level * (1.0 + wobble), 4)
    return {"price_index": price_index, "promo": promo, "holiday": holiday}


def _controls_daily(dates: pd.DatetimeIndex, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Daily calendar controls: holiday and promotion days, daily price index."""
    days = [d.date() for d in dates]
    n = len(days)
    holiday = np.zeros(n, dtype=np.int64)
    promo = np.zeros(n, dtype=np.int64)
    for i, d in enumerate(days):
        bf = _black_friday(d.year)
        # Black Friday to Cyber Monday, and the Christmas gift days
        if bf <= d <= bf + timedelta(days=3) or _in_window(d, (12, 11), (12, 24)):
            holiday[i] = 1
        if _in_window(d, (1, 8), (2, 4)) or _in_window(d, (6, 24), (7, 21)):
            promo[i] = 1
    years = sorted({d.year for d in days})
    for year in years:
        for window in (((3, 1), (5, 31)), ((9, 1), (10, 31))):
            # a private sale of seven days starting on a free day of the window
            idx = [
                i
                for i, d in enumerate(days)
                if d.year == year and _in_window(d, *window) and not holiday[i] and not promo[i]
            ]
            pick = int(rng.integers(0, 10_000))
            if idx:
                first = idx[pick % len(idx)]
                promo[first : first + 7] = 1
    # list price: January steps; currency wobble AR(1) with the weekly persistence and
    # stationary spread of the weekly simulator (0.8 a week, sd 0.005 / sqrt(1 - 0.64))
    steps = rng.uniform(0.02, 0.05, size=len(years))
    step_of_year = dict(zip(years, steps, strict=True))
    ar = 0.8 ** (1.0 / 7.0)
    sd = 0.005 * np.sqrt((1.0 - ar**2) / (1.0 - 0.8**2))
    shocks = rng.normal(0.0, sd, size=n)
    level, wobble = np.empty(n), np.empty(n)
    current, u = 1.0, 0.0
    for i, d in enumerate(days):
        if i > 0 and d.year != days[i - 1].year:
            current *= 1.0 + step_of_year[d.year]
        level[i] = current
        u = ar * u + shocks[i] if i > 0 else 0.0
        wobble[i] = u
    price_index = np.round(level * (1.0 + wobble), 4)
    return {"price_index": price_index, "promo": promo, "holiday": holiday}


#: Typical day-of-week profile of each outcome, Monday first, in multiples of the
#: intercept (online shopping peaks on Sunday and Monday evenings, shops on Saturday,
#: branded search early in the week).
_WEEKDAY_PROFILE = {
    "online_sales": (0.08, 0.04, 0.0, -0.02, -0.08, -0.10, 0.08),
    "store_visits": (-0.15, -0.12, -0.08, -0.02, 0.10, 0.40, -0.13),
    "brand_search": (0.06, 0.04, 0.02, 0.0, -0.06, -0.08, 0.02),
}


def _weekday_params(rng: np.random.Generator) -> dict[str, list[float]]:
    """Day-of-week effects per outcome (Monday first, summing to zero): the typical
    profile plus N(0, 0.02) per day, centred."""
    out = {}
    for k in OUTCOMES:
        v = np.asarray(_WEEKDAY_PROFILE[k]) + rng.normal(0.0, 0.02, size=7)
        out[k] = [float(x) for x in v - v.mean()]
    return out


_SHAPE_RANGES = {
    # growth / yr, Fourier sd, holiday, promo, price elasticity
    "online_sales": ((0.04, 0.10), 0.05, (0.25, 0.45), (0.15, 0.30), (-1.5, -0.5)),
    "store_visits": ((-0.02, 0.04), 0.05, (0.30, 0.50), (0.10, 0.20), (-1.0, -0.3)),
    "brand_search": ((0.02, 0.08), 0.06, (0.15, 0.30), (0.05, 0.15), (-0.5, 0.0)),
}


def _shape_params(rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    out = {}
    for k in OUTCOMES:
        growth, f_sd, hol, pro, el = _SHAPE_RANGES[k]
        out[k] = {
            "trend_per_year": float(rng.uniform(*growth)),
            "fourier": [float(v) for v in rng.normal(0.0, f_sd, size=4)],
            "holiday": float(rng.uniform(*hol)),
            "promo": float(rng.uniform(*pro)),
            "price_elasticity": float(rng.uniform(*el)),
        }
    return out


def _shape(p: dict[str, Any], dates: pd.DatetimeIndex, controls: dict[str, np.ndarray]):
    days = (dates - dates[0]).days.to_numpy(dtype=float)
    tau = days / 365.25
    phase = (dates - pd.Timestamp("2000-01-03")).days.to_numpy(dtype=float) / 365.25
    a1, b1, a2, b2 = p["fourier"]
    season = (
        a1 * np.sin(2 * np.pi * phase)
        + b1 * np.cos(2 * np.pi * phase)
        + a2 * np.sin(4 * np.pi * phase)
        + b2 * np.cos(4 * np.pi * phase)
    )
    return (
        1.0
        + p["trend_per_year"] * tau
        + season
        + p["holiday"] * controls["holiday"]
        + p["promo"] * controls["promo"]
        + p["price_elasticity"] * (controls["price_index"] - 1.0)
        + (np.asarray(p["weekday"])[dates.day_of_week] if "weekday" in p else 0.0)
    )
