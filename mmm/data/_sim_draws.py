"""The simulator's random draws: demand shock, channel parameters, target returns, national spend
and geographies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mmm.data._sim_catalogue import _SET_RETURNS
from mmm.data._sim_constants import _HIGH_INTENT, _L_MAX, _L_MAX_DAYS, _NEAR_STORE
from mmm.names import AWARENESS, CONVERSION, series_label

#: AR(1) coefficient of the unobserved demand shock (weekly persistence).
_SHOCK_AR = 0.8
#: Relative effect of a one-sd demand shock on the online and store baselines at confounded=1.
_SHOCK_EFFECT = 0.1


def _demand_shock(n: int, rng: np.random.Generator, ar: float = _SHOCK_AR) -> np.ndarray:
    """Stationary AR(1) series with unit variance, standardised over the ``n`` periods
    (``ar`` the coefficient per period)."""
    e = rng.normal(size=n)
    u = np.empty(n)
    u[0] = e[0]
    for i in range(1, n):
        u[i] = ar * u[i - 1] + np.sqrt(1.0 - ar**2) * e[i]
    return (u - u.mean()) / max(u.std(), 1e-12)


def _channel_params(
    cat: pd.DataFrame, rng: np.random.Generator, daily: bool = False
) -> dict[str, dict[str, Any]]:
    """Carry-over and saturation per channel. Drawn in weeks; for daily data the same
    kernels are expressed per day (``alpha**(1/7)`` for geometric decay, ``theta * 7``
    and ``alpha**(1/49)`` for the delayed peak), with lags in days."""
    out: dict[str, dict[str, Any]] = {}
    for ch, stage in zip(cat["channel"], cat["stage"], strict=True):
        if ch in out:
            continue
        if stage == CONVERSION:
            alpha, theta, kind = float(rng.uniform(0.1, 0.4)), None, "geometric"
        else:
            alpha, theta, kind = float(rng.uniform(0.5, 0.8)), float(rng.uniform(1, 3)), "delayed"
        out[ch] = {
            "stage": stage,
            "adstock": kind,
            "alpha": alpha,
            "theta": theta,
            "l_max": _L_MAX[stage],
            "half": float(rng.uniform(0.5, 2.0)),
            "slope": float(rng.uniform(1.0, 2.0)),
        }
        if daily:
            p = out[ch]
            if theta is None:
                p["alpha"] = alpha ** (1.0 / 7.0)
            else:
                p["alpha"], p["theta"] = alpha ** (1.0 / 49.0), theta * 7.0
            p["l_max"] = _L_MAX_DAYS[stage]
    return out


def _targets(cat: pd.DataFrame, channel_params: dict, rng: np.random.Generator) -> dict:
    """Target returns per series (national, over the simulated period)."""
    labels = [series_label(c, a) for c, a in zip(cat["channel"], cat["audience"], strict=True)]
    store_level = {}
    for ch, p in channel_params.items():
        lo, hi = (0.03, 0.06) if p["stage"] == CONVERSION else (0.03, 0.07)
        store_level[ch] = float(rng.uniform(lo, hi))
    online_direct, online_med, store_direct, ratio = {}, {}, {}, {}
    # returns the catalogue sets (_check_catalogue gives every row the columns, NaN =
    # draw) replace the draws, which are made all the same so the seed's other draws stay
    given = cat[list(_SET_RETURNS)].to_numpy(dtype=float)
    for lab, ch, aud, stage, (g_online, g_med, g_store) in zip(
        labels, cat["channel"], cat["audience"], cat["stage"], given, strict=True
    ):
        if stage == CONVERSION:
            lo, hi = (3.0, 6.0) if aud in _HIGH_INTENT else (1.5, 4.5)
        else:
            lo, hi = (0.1, 0.3) if aud == _NEAR_STORE else (0.2, 0.6)
        drawn = float(rng.uniform(lo, hi))
        online_direct[lab] = float(g_online) if np.isfinite(g_online) else drawn
        if stage == AWARENESS:
            drawn = float(rng.uniform(0.3, 1.2))
            online_med[lab] = float(g_med) if np.isfinite(g_med) else drawn
        r = float(rng.uniform(2.7, 3.3)) if aud == _NEAR_STORE else float(rng.uniform(0.9, 1.1))
        if np.isfinite(g_store):
            r = float(g_store) / store_level[ch]
        ratio[lab] = r
        store_direct[lab] = float(g_store) if np.isfinite(g_store) else store_level[ch] * r
    return {
        "labels": labels,
        "online_direct": online_direct,
        "online_mediated": online_med,
        "store_direct": store_direct,
        "store_channel_level": store_level,
        "store_multiplier": ratio,
    }


#: Flight lengths (periods on, periods off; ``integers`` bounds) of awareness spend.
_FLIGHTS = {False: ((3, 7), (2, 7)), True: ((14, 43), (7, 43))}


def _flights(n: int, q4: np.ndarray, rng: np.random.Generator, daily: bool) -> np.ndarray:
    """Relative spend of an awareness series: bursts on and off (zero), a level that
    varies from period to period, 1.6x heavier in October-December."""
    (on_lo, on_hi), (off_lo, off_hi) = _FLIGHTS[daily]
    level = np.exp(0.2 * rng.normal(size=n)) * np.where(q4, 1.6, 1.0)
    on = np.zeros(n, dtype=bool)
    t, state = 0, bool(rng.random() < 0.5)
    while t < n:
        length = int(rng.integers(on_lo, on_hi)) if state else int(rng.integers(off_lo, off_hi))
        on[t : t + length] = state
        t += length
        state = not state
    if not on.any():
        on[: min(on_lo + 1, n)] = True
    return np.where(on, level, 0.0)


def _daily_eta(n: int, rng: np.random.Generator) -> np.ndarray:
    """Standard-normal log-spend shocks of a conversion series on daily data: a budget
    level per week (variance 0.8) plus daily pacing (variance 0.2)."""
    week = np.arange(n) // 7
    return np.sqrt(0.8) * rng.normal(size=int(week[-1]) + 1)[week] + np.sqrt(0.2) * rng.normal(
        size=n
    )


def _national_spend(
    cat: pd.DataFrame,
    dates: pd.DatetimeIndex,
    demand: np.ndarray,
    confounded: float,
    rng: np.random.Generator,
    daily: bool = False,
) -> np.ndarray:
    """National spend per period in integer cents, shape (series, date); the catalogue's
    weekly mean spend is spread over the seven days of a week for daily data."""
    n = len(dates)
    q4 = np.asarray(dates.month >= 10)
    out = np.zeros((len(cat), n), dtype=np.int64)
    for i, (stage, mean) in enumerate(zip(cat["stage"], cat["mean_spend"], strict=True)):
        if stage == CONVERSION:
            eta = _daily_eta(n, rng) if daily else rng.normal(size=n)
            dark = rng.random(n) < 0.03
            z = confounded * demand + np.sqrt(1.0 - confounded**2) * eta
            raw = np.exp(0.3 * z)
            raw[dark] = 0.0
        else:
            raw = _flights(n, q4, rng, daily)
        if raw.sum() == 0:
            raw[0] = 1.0
        spend = raw * ((mean / 7.0 if daily else mean) / raw.mean())
        out[i] = np.round(spend * 100.0).astype(np.int64)
    return out


def _split_cents(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split integer ``total`` (n,) across geos by ``weights`` (g, n), largest remainder."""
    exact = weights / weights.sum(axis=0, keepdims=True) * total[None, :]
    base = np.floor(exact).astype(np.int64)
    remainder = total - base.sum(axis=0)
    frac = exact - base
    order = np.argsort(-frac, axis=0, kind="stable")
    for t in range(total.shape[0]):
        base[order[: remainder[t], t], t] += 1
    return base


@dataclass(frozen=True)
class _Geography:
    """The simulated geos: names, population and shops (``None`` for national data) and shares.

    ``w`` is the population share, ``u`` the store-access share of broad audiences and
    ``u_near`` the share of ``near_store`` audiences (shops), each of shape (G,).
    """

    names: list[str]
    population: np.ndarray | None
    shops: np.ndarray | None
    w: np.ndarray
    u: np.ndarray
    u_near: np.ndarray

    @classmethod
    def national(cls, name: str) -> _Geography:
        """The single geo of national data: every share is 1."""
        return cls(
            names=[name],
            population=None,
            shops=None,
            w=np.ones(1),
            u=np.ones(1),
            u_near=np.ones(1),
        )


def _geography(n_geos: int, rng: np.random.Generator) -> _Geography:
    width = max(2, len(str(n_geos)))
    names = [f"geo_{i + 1:0{width}d}" for i in range(n_geos)]
    population = np.round(np.exp(rng.normal(np.log(1.2e6), 0.6, size=n_geos))).astype(np.int64)
    shops = np.maximum(1, np.round(population / 800_000.0)).astype(np.int64)
    if n_geos >= 2:
        n_zero = max(1, n_geos // 4)
        shops[np.argsort(population, kind="stable")[:n_zero]] = 0
    w = population / population.sum()
    u = w * (1.0 + shops)
    u = u / u.sum()
    u_near = shops / shops.sum()
    return _Geography(names=names, population=population, shops=shops, w=w, u=u, u_near=u_near)
