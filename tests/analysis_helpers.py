"""Small datasets and fits with known parameters for the analysis tests (no MCMC).

``known_fit`` builds a real FitResult whose posterior holds chosen values, so every
number the analysis reports can be computed by hand from the arrays here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mmm.analysis.known import fit_from_params
from mmm.spec import BaselineSpec, MediaSpec, ModelSpec, OutcomeSpec, StageSpec

# series in Dataset order: channels in catalogue order, then audiences sorted
SERIES = [("search", "all"), ("social", "broad"), ("social", "near_store")]
STAGE = {"search": "conversion", "social": "awareness"}
N_DATES = 40


def tables(*, n_dates: int = N_DATES, seed: int = 0, outcomes: dict | None = None):
    """Tables for ``load_dataset`` with spend that varies week to week (no zeros)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=n_dates, freq="W-MON")
    spend = rng.uniform(500.0, 1500.0, size=(n_dates, len(SERIES))).round(2)
    media = pd.DataFrame(
        [
            {"date": d, "geo": "all", "channel": c, "audience": a, "spend": spend[t, j]}
            for t, d in enumerate(dates)
            for j, (c, a) in enumerate(SERIES)
        ]
    )
    if outcomes is None:
        outcomes = {
            "online_sales": rng.uniform(9000, 11000, n_dates).round(2),
            "store_visits": rng.uniform(900, 1100, n_dates).round(2),
            "brand_search": rng.uniform(1800, 2200, n_dates).round(2),
        }
    out = pd.DataFrame(
        {"date": dates, "geo": "all"} | {k: np.asarray(v) for k, v in outcomes.items()}
    )
    controls = pd.DataFrame(
        {"date": dates, "geo": "all", "promo": (np.arange(n_dates) % 5 == 0).astype(float)}
    )
    channels = pd.DataFrame({"channel": ["search", "social"], "stage": ["conversion", "awareness"]})
    return {"media": media, "outcomes": out, "channels": channels, "controls": controls}


def dataset(**kw):
    from mmm.data import load_dataset

    t = tables(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset(t["media"], t["outcomes"], t["channels"], controls=t["controls"])


def spec(
    *,
    mediator: str | None = "brand_search",
    l_max: int = 3,
    trend: str = "linear",
    yearly_order: int = 1,
) -> ModelSpec:
    return ModelSpec(
        outcomes=(OutcomeSpec("online_sales", "revenue"), OutcomeSpec("store_visits", "count")),
        mediator=mediator,
        media=MediaSpec(
            stages=(
                ("awareness", StageSpec("geometric", l_max)),
                ("conversion", StageSpec("geometric", l_max)),
            ),
            hill_slope=1.0,  # the known parameters below are for concave curves
        ),
        baseline=BaselineSpec(trend=trend, yearly_order=yearly_order),
    )


def geometric(alpha: float, l_max: int) -> np.ndarray:
    w = alpha ** np.arange(l_max)
    return w / w.sum()


def params(*, l_max: int = 3, mediator: bool = True, alphas=(0.3, 0.6), half=(1.0, 0.8)):
    """Known parameters in the scaled space; channels (search, social)."""
    p = {
        "adstock_weights": np.stack([geometric(alphas[0], l_max), geometric(alphas[1], l_max)]),
        "saturation_half": np.array(half),
        # (outcome, geo, series): online_sales, store_visits
        "beta": np.array([[[0.05, 0.02, 0.01]], [[0.01, 0.03, 0.06]]]),
        "intercept": np.array([[0.7, 0.8]]),
        "trend_slope": np.array([[0.05, -0.02]]),
        "season_coef": np.array([[0.01, -0.02], [0.02, 0.01]]),
        "control_coef": np.array([[0.03], [0.01]]),
        "sigma": np.array([0.04, 0.05]),
    }
    if mediator:
        p["gamma"] = np.array([[0.04, 0.02]])  # (geo, aw_series): social|broad, social|near
        p["delta"] = np.array([0.1, 0.05])
    return p


def known_fit(*, mediator: bool = True, l_max: int = 3, ds=None, **kw):
    ds = dataset() if ds is None else ds
    return fit_from_params(
        spec(mediator="brand_search" if mediator else None, l_max=l_max),
        ds,
        params=params(l_max=l_max, mediator=mediator, **kw),
    )


def rescale(p: dict, ratio: np.ndarray) -> dict:
    """Parameters for data whose outcome scale is ``old / ratio`` (per outcome)."""
    p = dict(p)
    r = np.asarray(ratio, dtype=float)
    for n, sl in (
        ("beta", (slice(None), None, None)),
        ("intercept", (None, slice(None))),
        ("trend_slope", (None, slice(None))),
        ("season_coef", (slice(None), None)),
        ("control_coef", (slice(None), None)),
        ("delta", (slice(None),)),
        ("sigma", (slice(None),)),
    ):
        if n in p:
            v = np.asarray(p[n], dtype=float)
            rr = r[sl]
            p[n] = v * (rr if v.ndim == rr.ndim else rr[None])
    return p


def outcome_scale(spec_, ds) -> np.ndarray:
    from mmm.model.design import make_design

    return make_design(spec_, ds).outcome_scale[0]


def with_outcomes(y: np.ndarray, mediator=None, **kw):
    """The helper dataset with online_sales / store_visits replaced by ``y`` (date, 2)."""
    from mmm.data import load_dataset

    base = tables(**kw)["outcomes"]
    m = base["brand_search"].to_numpy() if mediator is None else mediator
    t = tables(outcomes={"online_sales": y[:, 0], "store_visits": y[:, 1], "brand_search": m}, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset(t["media"], t["outcomes"], t["channels"], controls=t["controls"])
