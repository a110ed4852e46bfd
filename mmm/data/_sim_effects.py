"""The simulator's true effects, contributions, baselines and output tables (the steps of
:func:`mmm.data.simulate.simulate` after the draws; its docstring states the process)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm.data._sim_constants import (
    _NEAR_STORE,
    _NOISE_FRACTION,
    _ROAS_PATHS,
    _SEARCH_LEVEL,
    _STORE_LEVEL,
    OUTCOMES,
    PATHS,
)
from mmm.data._sim_draws import (
    _SHOCK_AR,
    _SHOCK_EFFECT,
    _demand_shock,
    _Geography,
    _geography,
    _split_cents,
)
from mmm.data._sim_kernels import (
    _delayed_adstock,
    _geometric_adstock,
    _hill,
)
from mmm.data._sim_truth import Simulation, SimulationTruth
from mmm.names import (
    AUDIENCE,
    AWARENESS,
    CHANNEL,
    DATE,
    DEFAULT_GEO,
    GEO,
    OUTCOME,
    SERIES,
)


@dataclass(frozen=True)
class _Shares:
    """Shares drawn once: media in the noiseless online sales, branded search in the online
    baseline, and store visits per branded search."""

    media: float
    mediator: float
    delta_store: float


@dataclass(frozen=True)
class _Effects:
    """True effects and levels, per geo: ``beta_online``, ``beta_store`` and ``gamma`` (G, S);
    ``spe`` the national searches per euro (S,); ``delta`` (G,) and ``intercept`` (G,) by
    outcome."""

    beta_online: np.ndarray
    beta_store: np.ndarray
    gamma: np.ndarray
    spe: np.ndarray
    delta: dict[str, np.ndarray]
    intercept: dict[str, np.ndarray]


def _demand_index(
    shapes: dict[str, np.ndarray],
    mediator_share: float,
    confounded: float,
    seed: int,
    daily: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The standardised demand index and the unobserved demand shock (zeros when
    ``confounded`` is 0); a shock also moves the online and store shapes, in place."""
    # demand index: the noiseless national online baseline up to a scale factor
    demand = (1.0 - mediator_share) * shapes["online_sales"] / shapes["online_sales"].mean()
    demand = demand + mediator_share * shapes["brand_search"] / shapes["brand_search"].mean()
    demand = (demand - demand.mean()) / demand.std()
    shock = np.zeros(len(demand))
    if confounded > 0:
        # unobserved demand: shifts the baselines and the spend, absent from the controls
        rng_shock = np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(7)[6])
        # the weekly persistence, per day for daily data
        shock = _demand_shock(len(demand), rng_shock, _SHOCK_AR ** (1.0 / 7.0 if daily else 1.0))
        for k in ("online_sales", "store_visits"):
            shapes[k] = shapes[k] * (1.0 + _SHOCK_EFFECT * confounded * shock)
        demand = demand + shock
        demand = (demand - demand.mean()) / demand.std()
    return demand, shock


def _split_geos(
    nat_cents: np.ndarray, geos: int, rng_geo: np.random.Generator
) -> tuple[_Geography, np.ndarray]:
    """The geography and the spend in cents (G, S, T): national spend split across geos."""
    if geos == 0:
        return _Geography.national(DEFAULT_GEO), nat_cents[None, :, :]
    geo = _geography(geos, rng_geo)
    n_s, n_t = nat_cents.shape
    cents = np.empty((geos, n_s, n_t), dtype=np.int64)
    for i in range(n_s):
        weights = geo.w[:, None] * np.exp(0.15 * rng_geo.normal(size=(geos, n_t)))
        cents[:, i, :] = _split_cents(nat_cents[i], weights)
    return geo, cents


def _media_response(
    spend: np.ndarray, cat: pd.DataFrame, chan: dict[str, dict[str, Any]]
) -> np.ndarray:
    """Saturated adstocked spend (G, S, T), in multiples of each series' mean weekly spend."""
    response = np.zeros_like(spend)
    for i, ch in enumerate(cat["channel"]):
        p = chan[ch]
        if p["adstock"] == "geometric":
            ad = _geometric_adstock(spend[:, i, :], p["alpha"], p["l_max"])
        else:
            ad = _delayed_adstock(spend[:, i, :], p["alpha"], p["theta"], p["l_max"])
        mean = spend[:, i, :].mean(axis=1, keepdims=True)
        scaled = np.divide(ad, mean, out=np.zeros_like(ad), where=mean > 0)
        response[:, i, :] = _hill(scaled, p["half"], p["slope"])
    return response


def _true_effects(
    cat: pd.DataFrame,
    targets: dict[str, Any],
    geo: _Geography,
    geos: int,
    response: np.ndarray,
    spend: np.ndarray,
    shapes: dict[str, np.ndarray],
    shares: _Shares,
    rng_geo: np.random.Generator,
    periods_a_week: int = 1,
) -> _Effects:
    """Effects set from the target returns, and levels from the media share of online sales
    (``periods_a_week`` periods a week: the weekly levels of search and visits are divided by it)."""
    n_g, n_s, n_t = response.shape
    labels = targets["labels"]
    is_aware = (cat["stage"] == AWARENESS).to_numpy()
    is_near = (cat["audience"] == _NEAR_STORE).to_numpy()

    r_online, r_search, r_store = _allocation(geo, geos, n_s, is_near, rng_geo)
    total_spend = spend.sum(axis=(0, 2))  # (S,)

    def calibrate(target: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Effects beta[g, s] = c_s r[g, s] with sum_{g,t} beta H = target * spend."""
        denom = (r[:, :, None] * response).sum(axis=(0, 2))
        c = np.divide(target * total_spend, denom, out=np.zeros(n_s), where=denom > 0)
        return c[None, :] * r

    t_online = np.array([targets["online_direct"][lab] for lab in labels])
    t_store = np.array([targets["store_direct"][lab] for lab in labels])
    t_med = np.array([targets["online_mediated"].get(lab, 0.0) for lab in labels])

    # 5-6. levels: media total sets the online baseline
    media_online_total = float(((t_online + t_med) * total_spend).sum())  # euros, whole period
    baseline_total = media_online_total * (1.0 - shares.media) / shares.media
    per_week = baseline_total / n_t
    search_level = _SEARCH_LEVEL / periods_a_week
    delta_online = shares.mediator * per_week / (search_level * shapes["brand_search"].mean())
    online_level = (1.0 - shares.mediator) * per_week / shapes["online_sales"].mean()
    spe = t_med / delta_online  # searches per euro of awareness series

    beta_online = calibrate(t_online, r_online)  # (G, S)
    beta_store = calibrate(t_store, r_store)
    gamma = calibrate(spe, r_search)
    gamma[:, ~is_aware] = 0.0

    # geo intercept shares
    def level_split(share: np.ndarray) -> np.ndarray:
        if geos == 0:
            return np.ones(1)
        v = share * np.exp(0.1 * rng_geo.normal(size=n_g))
        return v / v.sum()

    v_online, v_store, v_search = (
        level_split(geo.w),
        level_split(geo.u),
        level_split(geo.w),
    )
    return _Effects(
        beta_online=beta_online,
        beta_store=beta_store,
        gamma=gamma,
        spe=spe,
        delta={
            "online_sales": np.full(n_g, delta_online),
            "store_visits": shares.delta_store * geo.u / geo.w,
        },
        intercept={
            "online_sales": online_level * v_online,
            "store_visits": _STORE_LEVEL / periods_a_week * v_store,
            "brand_search": search_level * v_search,
        },
    )


def _allocation(
    geo: _Geography, geos: int, n_s: int, is_near: np.ndarray, rng_geo: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Geo allocation factors r[g, s] of online sales, branded search and store visits."""
    n_g = len(geo.names)

    def scatter(share: np.ndarray) -> np.ndarray:
        if geos == 0:
            return np.ones((1, n_s))
        return share[:, None] * np.exp(0.15 * rng_geo.normal(size=(n_g, n_s)))

    r_online = scatter(geo.w)
    r_search = scatter(geo.w)
    r_store = scatter(geo.u)
    if geos > 0:
        near_eps = r_store / geo.u[:, None]
        r_store[:, is_near] = (geo.u_near[:, None] * near_eps)[:, is_near]
    return r_online, r_search, r_store


def _contributions(effects: _Effects, response: np.ndarray) -> np.ndarray:
    """Contribution of each series to each outcome by path (T, G, K, S, P)."""
    n_g, n_s, n_t = response.shape
    contrib = np.zeros((n_t, n_g, len(OUTCOMES), n_s, len(PATHS)))
    resp_tgs = np.transpose(response, (2, 0, 1))  # (T, G, S)
    med_media = effects.gamma[None] * resp_tgs  # searches (T, G, S)
    contrib[:, :, 0, :, 0] = effects.beta_online[None] * resp_tgs
    contrib[:, :, 1, :, 0] = effects.beta_store[None] * resp_tgs
    contrib[:, :, 2, :, 0] = med_media
    contrib[:, :, 0, :, 1] = effects.delta["online_sales"][None, :, None] * med_media
    contrib[:, :, 1, :, 1] = effects.delta["store_visits"][None, :, None] * med_media
    return contrib


def _baseline_and_noise(
    effects: _Effects,
    shapes: dict[str, np.ndarray],
    noise_scale: float,
    rng_noise: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Baselines and noise draws (T, G, K), and the noise standard deviations (G,) by outcome."""
    intercept, delta = effects.intercept, effects.delta
    n_g = len(intercept["brand_search"])
    base_m = intercept["brand_search"][None, :] * shapes["brand_search"][:, None]
    own = {k: intercept[k][None, :] * shapes[k][:, None] for k in ("online_sales", "store_visits")}
    z = rng_noise.normal(size=(len(OUTCOMES), n_g, len(base_m)))
    sd = {
        "brand_search": _NOISE_FRACTION * noise_scale * base_m.mean(axis=0),
        "online_sales": _NOISE_FRACTION
        * noise_scale
        * (own["online_sales"] + delta["online_sales"][None] * base_m).mean(axis=0),
        "store_visits": _NOISE_FRACTION
        * noise_scale
        * (own["store_visits"] + delta["store_visits"][None] * base_m).mean(axis=0),
    }
    noise = np.stack([(sd[k][:, None] * z[j]).T for j, k in enumerate(OUTCOMES)], axis=2)
    noise_m = noise[:, :, 2]
    baseline = np.stack(
        [
            own["online_sales"] + delta["online_sales"][None] * (base_m + noise_m),
            own["store_visits"] + delta["store_visits"][None] * (base_m + noise_m),
            base_m,
        ],
        axis=2,
    )  # (T, G, K)
    return baseline, noise, sd


def _truth_arrays(
    dates: pd.DatetimeIndex,
    geo: _Geography,
    cat: pd.DataFrame,
    labels: list[str],
    contrib: np.ndarray,
    baseline: np.ndarray,
    expected: np.ndarray,
    noise: np.ndarray,
    spend: np.ndarray,
) -> dict[str, xr.DataArray]:
    """The labelled arrays of :class:`SimulationTruth`, keyed by field name."""
    date_c = dates.values.astype("datetime64[ns]")
    geo_c = np.array(geo.names, dtype=object)
    series_coords = {
        SERIES: np.array(labels, dtype=object),
        CHANNEL: (SERIES, cat["channel"].to_numpy(dtype=object)),
        AUDIENCE: (SERIES, cat["audience"].to_numpy(dtype=object)),
    }
    out_c = np.array(OUTCOMES, dtype=object)
    contributions = xr.DataArray(
        contrib,
        dims=(DATE, GEO, OUTCOME, SERIES, "path"),
        coords={DATE: date_c, GEO: geo_c, OUTCOME: out_c, "path": np.array(PATHS, dtype=object)}
        | series_coords,
        name="contributions",
    )
    tgk = {DATE: date_c, GEO: geo_c, OUTCOME: out_c}
    by_path = contrib.sum(axis=(0, 1))  # (K, S, P)
    roas_values = np.concatenate([by_path, by_path.sum(axis=2, keepdims=True)], axis=2)
    roas_values = roas_values / spend.sum(axis=(0, 2))[None, :, None]
    return {
        "contributions": contributions,
        "baseline": xr.DataArray(baseline, dims=(DATE, GEO, OUTCOME), coords=tgk, name="baseline"),
        "expected": xr.DataArray(expected, dims=(DATE, GEO, OUTCOME), coords=tgk, name="expected"),
        "noise": xr.DataArray(noise, dims=(DATE, GEO, OUTCOME), coords=tgk, name="noise"),
        "spend": xr.DataArray(
            np.transpose(spend, (2, 0, 1)),
            dims=(DATE, GEO, SERIES),
            coords={DATE: date_c, GEO: geo_c} | series_coords,
            name="spend",
        ),
        "roas": xr.DataArray(
            roas_values,
            dims=(OUTCOME, SERIES, "path"),
            coords={OUTCOME: out_c, "path": np.array(_ROAS_PATHS, dtype=object)} | series_coords,
            name="roas",
        ),
    }


def _truth_params(
    cat: pd.DataFrame,
    targets: dict[str, Any],
    effects: _Effects,
    geo: _Geography,
    sd: dict[str, np.ndarray],
    shape_p: dict[str, dict[str, Any]],
    shares: _Shares,
) -> dict[str, Any]:
    """The true parameters (JSON-ready) by series, outcome and geo."""
    labels = targets["labels"]
    is_aware = (cat["stage"] == AWARENESS).to_numpy()
    is_near = (cat["audience"] == _NEAR_STORE).to_numpy()

    def by_geo(values: np.ndarray) -> dict[str, float]:
        return {g: float(v) for g, v in zip(geo.names, values, strict=True)}

    return {
        "series": {
            lab: {
                "channel": str(row.channel),
                "audience": str(row.audience),
                "stage": str(row.stage),
                "mean_spend": float(row.mean_spend),
                "cpm": float(row.cpm),
            }
            for lab, row in zip(labels, cat.itertuples(index=False), strict=True)
        },
        "target_roas": {
            "online_sales": {
                "direct": targets["online_direct"],
                "mediated": targets["online_mediated"],
            },
            "store_visits": {"direct": targets["store_direct"]},
            "brand_search": {
                "direct": {
                    lab: float(v)
                    for lab, v, a in zip(labels, effects.spe, is_aware, strict=True)
                    if a
                }
            },
        },
        "near_store_ratio": {
            lab: targets["store_multiplier"][lab]
            for lab, near in zip(labels, is_near, strict=True)
            if near
        },
        "store_channel_level": targets["store_channel_level"],
        "beta": {
            "online_sales": {
                lab: by_geo(effects.beta_online[:, i]) for i, lab in enumerate(labels)
            },
            "store_visits": {lab: by_geo(effects.beta_store[:, i]) for i, lab in enumerate(labels)},
        },
        "gamma_m": {
            lab: by_geo(effects.gamma[:, i]) for i, lab in enumerate(labels) if is_aware[i]
        },
        "delta": {k: by_geo(v) for k, v in effects.delta.items()},
        "noise_sd": {k: by_geo(sd[k]) for k in OUTCOMES},
        "baseline": {k: {"intercept": by_geo(effects.intercept[k])} | shape_p[k] for k in OUTCOMES},
        "media_share": shares.media,
        "mediator_share": shares.mediator,
        "geography": {
            g: {
                "population": None if geo.population is None else int(geo.population[j]),
                "shops": None if geo.shops is None else int(geo.shops[j]),
                "population_share": float(geo.w[j]),
                "store_share": float(geo.u[j]),
                "near_store_share": float(geo.u_near[j]),
            }
            for j, g in enumerate(geo.names)
        },
    }


def _tables(
    dates: pd.DatetimeIndex,
    geo: _Geography,
    cat: pd.DataFrame,
    chan: dict[str, dict[str, Any]],
    spend: np.ndarray,
    observed: np.ndarray,
    controls: dict[str, np.ndarray],
    rng_imp: np.random.Generator,
    truth: SimulationTruth,
) -> Simulation:
    """The tables in the input format of :func:`mmm.data.load_dataset`, with the truth."""
    n_g, n_s, n_t = spend.shape
    n_rows = n_t * n_g * n_s
    geo_c = np.array(geo.names, dtype=object)
    cpm = cat["cpm"].to_numpy()
    imp_noise = np.exp(0.1 * rng_imp.normal(size=(n_t, n_g, n_s)))
    spend_tgs = np.transpose(spend, (2, 0, 1))
    impressions = np.round(spend_tgs / cpm[None, None, :] * 1000.0 * imp_noise).astype(np.int64)
    media = pd.DataFrame(
        {
            "date": np.repeat(dates.values, n_g * n_s),
            "geo": np.tile(np.repeat(geo_c, n_s), n_t).astype(str),
            "channel": np.tile(cat["channel"].to_numpy(dtype=str), n_t * n_g),
            "audience": np.tile(cat["audience"].to_numpy(dtype=str), n_t * n_g),
            "spend": spend_tgs.reshape(n_rows),
            "impressions": impressions.reshape(n_rows),
        }
    )
    keys = {
        "date": np.repeat(dates.values, n_g),
        "geo": np.tile(geo_c, n_t).astype(str),
    }
    outcomes = pd.DataFrame(
        keys | {k: observed[:, :, j].reshape(n_t * n_g) for j, k in enumerate(OUTCOMES)}
    )
    controls_df = pd.DataFrame(
        keys
        | {
            "price_index": np.repeat(controls["price_index"], n_g),
            "promo": np.repeat(controls["promo"], n_g),
            "holiday": np.repeat(controls["holiday"], n_g),
        }
    )
    first = cat.drop_duplicates("channel")
    channels = pd.DataFrame(
        {
            "channel": first["channel"].to_numpy(dtype=str),
            "stage": first["stage"].to_numpy(dtype=str),
            "max_lag": [chan[c]["l_max"] for c in first["channel"]],
            "roas_prior": np.full(len(first), np.nan),
            "description": first["description"].to_numpy(dtype=str),
        }
    )
    geos_df = None
    if geo.population is not None:
        geos_df = pd.DataFrame(
            {"geo": geo_c.astype(str), "population": geo.population, "shops": geo.shops}
        )
    return Simulation(
        media=media,
        outcomes=outcomes,
        controls=controls_df,
        channels=channels,
        geos=geos_df,
        truth=truth,
    )
