"""A :class:`~mmm.inference.fit.FitResult` with chosen media parameters, without sampling.

Used by the tests and the benchmark: the optimum of a plan is then known exactly (for
example two Hill curves without carry-over), and large problems (50 series, 1,000 draws)
can be timed without fitting.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def synthetic_fit(
    spend: np.ndarray,
    series: list[tuple[str, str]],
    stages: dict[str, str],
    *,
    half: np.ndarray,
    weights: np.ndarray,
    beta: np.ndarray,
    outcomes: tuple[tuple[str, str], ...] = (("online_sales", "revenue"),),
    geos: tuple[str, ...] = ("all",),
    mediator: str | None = None,
    gamma: np.ndarray | None = None,
    delta: np.ndarray | None = None,
    start: str = "2024-01-01",
    freq: str = "W-MON",
    slope: np.ndarray | None = None,
):
    """Build a FitResult whose posterior holds the given media parameters.

    Parameters
    ----------
    spend : ndarray, dims (date, geo, series)
        Observed spend (currency); series in the order of ``series``, which must list
        channels in catalogue order (order of first appearance) and audiences sorted. A
        (geo, series) cell that is NaN on every date is not bought in that geo.
    series : list of (channel, audience)
    stages : dict channel -> "awareness" / "conversion"
    half : ndarray, dims (draw, channel) or (channel,)
        Hill half-saturation on the model's scale (multiples of ``design.spend_scale``).
    weights : ndarray, dims (draw, channel, lag) or (channel, lag)
        Carry-over weights per lag (lag 0 first).
    beta : ndarray, dims (draw, outcome, geo, series) or without the draw dim
        Effect of saturated media in outcome units divided by ``design.outcome_scale``.
    outcomes : tuple of (name, kind)
    mediator : str, optional
        Name of a mediator outcome (then ``gamma`` (draw, geo, awareness series) and
        ``delta`` (draw, outcome) are required).
    slope : ndarray, dims (draw, channel) or (channel,), optional
        Hill slopes (the spec then estimates the slope, as the default spec does);
        None fixes the slope at 1.

    Returns
    -------
    FitResult
        Saturation Hill (slope 1 unless ``slope`` is given); one chain; the outcome
        tables are synthetic noise (only the media parameters matter to the optimizer).
    """
    from mmm.model.design import make_design

    weights, half, beta, draws = _aligned_draws(weights, half, beta)
    ds = _synthetic_dataset(
        np.asarray(spend, dtype=float), series, stages, outcomes, mediator, geos, start, freq
    )
    spec = _synthetic_spec(outcomes, mediator, n_lag=weights.shape[-1], slope=slope)
    post, dims, coords = _synthetic_posterior(weights, half, beta, outcomes, geos, series)
    if slope is not None:
        post["saturation_slope"] = np.broadcast_to(draws(slope, 1), half.shape).copy()[None]
        dims["saturation_slope"] = ["channel"]
    if mediator is not None:
        aw = [f"{c}|{a}" for c, a in series if stages[c] == "awareness"]
        post["gamma"] = draws(gamma, 2)[None]
        post["delta"] = draws(delta, 1)[None]
        dims["gamma"] = ["geo", "aw_series"]
        dims["delta"] = ["outcome"]
        coords["aw_series"] = aw
    return _fixed_fit(spec, ds, make_design(spec, ds), post, dims, coords, n_d=weights.shape[0])


def _aligned_draws(weights, half, beta):
    """Carry-over weights, half-saturations and effects with one draw dim of the same
    length, and the function giving other parameters that length."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 2:
        weights = weights[None]
    n_d = weights.shape[0]

    def draws(a, nd):
        a = np.asarray(a, dtype=float)
        return a if a.ndim == nd + 1 else np.broadcast_to(a, (n_d, *a.shape)).copy()

    half = draws(half, 1)
    beta = draws(beta, 3)
    n_d = max(n_d, half.shape[0], beta.shape[0])
    weights = np.broadcast_to(weights, (n_d, *weights.shape[1:])).copy()
    half = np.broadcast_to(half, (n_d, half.shape[-1])).copy()
    beta = np.broadcast_to(beta, (n_d, *beta.shape[1:])).copy()
    return weights, half, beta, draws


def _synthetic_dataset(spend, series, stages, outcomes, mediator, geos, start, freq):
    """A Dataset with the given spend (cells NaN on every date not bought) and outcome
    tables of noise around 1000."""
    from mmm.data import load_dataset

    n_t = spend.shape[0]
    channels = list(dict.fromkeys(c for c, _ in series))
    dates = pd.date_range(start, periods=n_t, freq=freq)
    rng = np.random.default_rng(0)
    media = []
    for t, d in enumerate(dates):
        for g, geo in enumerate(geos):
            for s, (ch, au) in enumerate(series):
                if np.isnan(spend[:, g, s]).all():
                    continue  # not bought in this geo
                media.append(
                    {
                        "date": d.strftime("%Y-%m-%d"),
                        "geo": geo,
                        "channel": ch,
                        "audience": au,
                        "spend": spend[t, g, s],
                    }
                )
    names = [o for o, _ in outcomes] + ([mediator] if mediator else [])
    out_rows = []
    for d in dates:
        for geo in geos:
            out_rows.append(
                {
                    "date": d.strftime("%Y-%m-%d"),
                    "geo": geo,
                    **{o: 1000.0 + rng.normal(0, 10) for o in names},
                }
            )
    cat = pd.DataFrame({"channel": channels, "stage": [stages[c] for c in channels]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_dataset(pd.DataFrame(media), pd.DataFrame(out_rows), cat)
    expected = [f"{c}|{a}" for c, a in series]
    if list(ds.series) != expected:
        raise ValueError(f"series must be ordered as the dataset orders them: {list(ds.series)}")
    return ds


def _synthetic_spec(outcomes, mediator, *, n_lag: int, slope):
    """Geometric carry-over of ``n_lag`` lags in both stages, Hill saturation (slope 1
    unless slopes are given)."""
    from mmm.spec import MediaSpec, ModelSpec, OutcomeSpec, StageSpec

    return ModelSpec(
        outcomes=tuple(OutcomeSpec(o, k) for o, k in outcomes),
        mediator=mediator,
        media=MediaSpec(
            stages={
                "awareness": StageSpec("geometric", n_lag),
                "conversion": StageSpec("geometric", n_lag),
            },
            saturation="hill",
            hill_slope=1.0 if slope is None else "estimate",
        ),
    )


def _synthetic_posterior(weights, half, beta, outcomes, geos, series):
    """The posterior's media parameters with a zero base and unit noise: arrays (chain
    first), their dims and coords."""
    n_d, n_lag = weights.shape[0], weights.shape[-1]
    post = {
        "adstock_weights": weights[None],
        "saturation_half": half[None],
        "beta": beta[None],
    }
    dims = {
        "adstock_weights": ["channel", "lag"],
        "saturation_half": ["channel"],
        "beta": ["outcome", "geo", "series"],
    }
    # a zero base and unit noise, so that the fit saved and loaded again gets its ArviZ
    # groups (log-likelihood, posterior predictive) like a sampled one
    post["intercept"] = np.zeros((1, n_d, len(geos), len(outcomes)))
    post["sigma"] = np.ones((1, n_d, len(outcomes)))
    dims["intercept"] = ["geo", "outcome"]
    dims["sigma"] = ["outcome"]
    coords = {
        "channel": list(dict.fromkeys(c for c, _ in series)),
        "lag": list(range(n_lag)),
        "outcome": [o for o, _ in outcomes],
        "geo": list(geos),
        "series": [f"{c}|{a}" for c, a in series],
    }
    return post, dims, coords


def _fixed_fit(spec, ds, design, post, dims, coords, *, n_d: int):
    """A one-chain FitResult of the posterior ``post``, with perfect diagnostics."""
    import arviz as az

    from mmm.inference.diagnostics import Diagnostics
    from mmm.inference.fit import FitResult
    from mmm.spec import SamplerConfig

    idata = az.from_dict(posterior=post, dims=dims, coords=coords)
    diag = Diagnostics(
        max_rhat=1.0,
        min_ess_bulk=float(n_d),
        min_ess_tail=float(n_d),
        divergences=0,
        min_bfmi=1.0,
        n_draws=n_d,
        n_chains=1,
        method="fixed",
    )
    return FitResult(
        spec=spec,
        dataset=ds,
        idata=idata,
        design=design,
        sampler=SamplerConfig(),
        diagnostics=diag,
        provenance={"synthetic": True},
    )
