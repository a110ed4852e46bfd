"""The model's equations in NumPy, evaluated on posterior draws.

The mean of the PyMC model (:mod:`mmm.model.build`) written once more with NumPy, on
the draws of a fit's posterior: the media response, the contributions by path, the
baseline, the expected outcome and the observation noise of each outcome's likelihood.
A fit completes its ArviZ groups with it (:func:`mmm.inference.fit.complete_idata`), and
everything downstream of a fit (contributions, ROAS, response curves, budgets, forecasts)
goes through it by way of :mod:`mmm.analysis.engine`, so the optimizer, the report and
the tables agree with each other and with the model by construction.

Conventions: ``sample`` is the stacked (chain, draw) dim; all returned values are in
original units (currency for revenue outcomes, units for counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from mmm.transforms import get_likelihood
from mmm.transforms.response import media_response

PATHS = ("direct", "mediated")


@dataclass(frozen=True)
class Params:
    """Posterior draws as NumPy arrays, leading dim ``sample``.

    Attributes
    ----------
    weights : (sample, channel, lag)
    sat : dict of (sample, channel)
    beta : (sample, outcome, geo, series)
    gamma : (sample, geo, series) or None   (zeros for conversion series)
    delta : (sample, outcome) or None
    """

    weights: np.ndarray
    sat: dict
    beta: np.ndarray
    gamma: np.ndarray | None
    delta: np.ndarray | None
    index: np.ndarray  # which stacked draws were taken

    @property
    def n(self) -> int:
        """Number of posterior draws held."""
        return self.weights.shape[0]

    def take(self, rows: slice) -> Params:
        """The draws ``rows`` (a slice of the leading ``sample`` dim) as :class:`Params`."""
        return Params(
            weights=self.weights[rows],
            sat={k: v[rows] for k, v in self.sat.items()},
            beta=self.beta[rows],
            gamma=None if self.gamma is None else self.gamma[rows],
            delta=None if self.delta is None else self.delta[rows],
            index=self.index[rows],
        )


def _stack(fit, var):
    return np.asarray(fit.draws(var).values, dtype=float)


def draw_index(fit, max_draws: int | None, seed: int = 0) -> np.ndarray:
    """Indices of stacked posterior draws to use (all, or an evenly spaced thinning).

    Parameters
    ----------
    fit : FitResult
        Its posterior's ``chain`` and ``draw`` sizes give the number of stacked draws.
    max_draws : int or None
        At most this many draws, evenly spaced over the stacked (chain, draw) order
        (rounded to the nearest draw, duplicates dropped); None or a number at least
        the number of draws: all of them.
    seed : int, default 0
        Not used: the thinning is deterministic.

    Returns
    -------
    numpy.ndarray of int, dims (sample,)
        Increasing positions in the stacked (chain, draw) order, the ``sample`` coord
        of the engine's outputs.
    """
    n = fit.posterior.sizes["chain"] * fit.posterior.sizes["draw"]
    if max_draws is None or max_draws >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_draws).round().astype(int))


def posterior_params(fit, *, max_draws: int | None = None) -> Params:
    """Extract the media parameters from a fit as :class:`Params`.

    Parameters
    ----------
    fit : FitResult
    max_draws : int or None, default None
        Thin the posterior to at most this many draws (None: all; see
        :func:`draw_index`).

    Returns
    -------
    Params
        Arrays with leading dim ``sample`` (the draws ``index``), in the model's scaled
        space: ``weights`` (sample, channel, lag), normalised lag weights;
        ``sat`` saturation parameters by name, each (sample, channel), in multiples of
        the (geo, series) ``spend_scale`` where they are spend levels; ``beta``
        (sample, outcome, geo, series), scaled outcome per unit of media response;
        ``gamma`` (sample, geo, series), scaled mediator per unit of response (zeros for
        non-awareness series) and ``delta`` (sample, outcome), scaled outcome per unit of
        scaled mediator, both None without a mediator in the fit.
    """
    idx = draw_index(fit, max_draws)
    sat = fit.spec.saturation_transform()
    sat_p = {p: _stack(fit, f"saturation_{p}")[idx] for p in sat.param_names}
    gamma = delta = None
    if fit.spec.mediator is not None and "gamma" in fit.posterior:
        g_aw = _stack(fit, "gamma")[idx]  # (sample, geo, aw_series)
        series = list(fit.dataset.series)
        aw_labels = [str(s) for s in fit.posterior.coords["aw_series"].values]
        gamma = np.zeros((len(idx), g_aw.shape[1], len(series)))
        for j, lab in enumerate(aw_labels):
            gamma[:, :, series.index(lab)] = g_aw[:, :, j]
    if fit.spec.mediator is not None and "delta" in fit.posterior:
        delta = _stack(fit, "delta")[idx]
    return Params(
        weights=_stack(fit, "adstock_weights")[idx],
        sat=sat_p,
        beta=_stack(fit, "beta")[idx],
        gamma=gamma,
        delta=delta,
        index=idx,
    )


#: numbers one chunk of draws may hold in its largest intermediate (about 200 MB)
_CHUNK_ELEMENTS = 25_000_000


def draws_per_chunk(fit, spend: np.ndarray) -> int:
    """How many draws the media response is evaluated for at once.

    The response's intermediates are (draw, date, geo, series, lag) and the contributions
    (draw, date, geo, outcome, series, path): a large geo model would otherwise hold them
    for every draw at once (13 GB at 50 geos x 12 series x 1000 draws).
    """
    T, G, S = spend.shape
    lags = int(fit.posterior.sizes.get("lag", 1))
    per_draw = T * G * S * max(lags, 4 * len(fit.spec.outcome_names))
    return max(1, _CHUNK_ELEMENTS // per_draw)


def draw_chunks(n: int, size: int) -> list[slice]:
    """Consecutive slices of at most ``size`` draws covering ``range(n)``."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def channel_index(fit) -> np.ndarray:
    """Channel position of each series, dims (series,).

    Parameters
    ----------
    fit : FitResult
        Supplies the posterior's ``channel`` coord and the data's series (with their
        ``channel`` coord).

    Returns
    -------
    numpy.ndarray of int, dims (series,)
        For each series of the data, in its order, the position of its channel along the
        posterior's ``channel`` dim (e.g. to pick per-channel adstock weights).
    """
    channels = [str(c) for c in fit.posterior.coords["channel"].values]
    return np.array([channels.index(str(c)) for c in fit.dataset.spend.coords["channel"].values])


def response(fit, spend: np.ndarray, params: Params) -> np.ndarray:
    """Adstocked, saturated media ``f`` per draw.

    Parameters
    ----------
    spend : ndarray, dims (date, geo, series), currency
    params : Params

    Returns
    -------
    ndarray, dims (sample, date, geo, series)
    """
    ci = channel_index(fit)
    x = np.asarray(spend, dtype=float) / fit.design.spend_scale
    # date first, then sample: (date, 1, geo, series) broadcasts against (sample, 1, series, lag)
    w = params.weights[:, ci, :][:, None, :, :]
    sp = {k: v[:, ci][:, None, :] for k, v in params.sat.items()}
    f = media_response(x[:, None, :, :], w, sp, fit.spec.saturation_transform(), xp=np)
    return np.moveaxis(np.broadcast_to(f, (x.shape[0], params.n, *x.shape[1:])), 1, 0)


def contributions_from_response(fit, f: np.ndarray, params: Params) -> np.ndarray:
    """Contributions in original units, dims (sample, date, geo, outcome, series, path).

    Parameters
    ----------
    fit : FitResult
        Supplies ``design.outcome_scale`` (geo, outcome).
    f : numpy.ndarray, dims (sample, date, geo, series)
        Adstocked, saturated media response in the model's scaled space, as returned by
        :func:`response` for the same ``params``.
    params : Params
        The posterior draws ``f`` was computed with (``beta``, and ``gamma`` / ``delta``
        for the mediated path).

    Returns
    -------
    numpy.ndarray, dims (sample, date, geo, outcome, series, path)
        Contribution of each series to each outcome per period, in original units
        (currency for revenue outcomes, units for counts); a positive value is outcome
        the media added. The last axis is ``path`` in the order of ``PATHS``:
        ``direct`` (``f * beta * outcome_scale``) and ``mediated``
        (``f * delta * gamma * outcome_scale``, through the mediator; zeros without one).
    """
    ys = fit.design.outcome_scale  # (geo, outcome)
    beta = params.beta  # (sample, outcome, geo, series)
    direct = (
        f[:, :, :, None, :] * (np.transpose(beta, (0, 2, 1, 3)) * ys[None, :, :, None])[:, None]
    )
    if params.gamma is not None and params.delta is not None:
        eff = params.delta[:, None, :, None] * params.gamma[:, :, None, :]  # (sample, geo, K, S)
        mediated = f[:, :, :, None, :] * (eff * ys[None, :, :, None])[:, None]
    else:
        mediated = np.zeros_like(direct)
    return np.stack([direct, mediated], axis=-1)


def contributions(fit, *, spend=None, max_draws: int | None = 500, dates=None) -> xr.DataArray:
    """Media contributions per draw.

    Parameters
    ----------
    fit : FitResult
    spend : ndarray, dims (date, geo, series), optional
        Counterfactual spend in currency; defaults to the observed spend.
    max_draws : int or None
        Thin the posterior to at most this many draws (None: all).
    dates : DatetimeIndex, optional
        Labels of ``spend``'s dates (defaults to the data's dates).

    Returns
    -------
    xarray.DataArray, dims (sample, date, geo, outcome, series, path)
        Original units; ``path`` is ``direct`` or ``mediated`` (through the mediator).
    """
    params = posterior_params(fit, max_draws=max_draws)
    sp = np.asarray(fit.dataset.spend.values if spend is None else spend, dtype=float)
    f = response(fit, sp, params)
    c = contributions_from_response(fit, f, params)
    date = pd.DatetimeIndex(fit.dataset.dates if dates is None else dates)
    return contribution_array(fit, c, params.index, date=date)


def contribution_array(fit, values: np.ndarray, index: np.ndarray, *, date=None) -> xr.DataArray:
    """Contributions ``values`` as a labelled array, dims (sample[, date], geo, outcome,
    series, path), with the series' ``channel`` and ``audience`` coords.

    ``index``: the draws' positions (``Params.index``); ``date``: the dates of a ``date``
    axis (second), None when ``values`` has none (totals over dates).
    """
    ds = fit.dataset
    coords = {
        "sample": index,
        "geo": list(ds.geos),
        "outcome": list(fit.spec.outcome_names),
        "series": list(ds.series),
        "channel": ("series", [str(v) for v in ds.spend.coords["channel"].values]),
        "audience": ("series", [str(v) for v in ds.spend.coords["audience"].values]),
        "path": list(PATHS),
    }
    dims: tuple[str, ...] = ("sample", "geo", "outcome", "series", "path")
    if date is not None:
        coords["date"] = date
        dims = ("sample", "date", *dims[1:])
    return xr.DataArray(values, dims=dims, coords=coords, name="contribution")


def baseline_scaled(fit, *, dates=None, controls: np.ndarray | None = None, max_draws=500):
    """Non-media part of the scaled mean (intercept, trend, season, controls).

    Returns ndarray dims (sample, date, geo, outcome). For the fitted dates the
    mediator term ``delta * m_obs`` is added separately by :func:`expected`.

    Parameters
    ----------
    fit : FitResult
    dates : DatetimeIndex or sequence of date-like, optional
        Dates to evaluate (default: the fitted dates); dates after the fit extend the
        trend (time index beyond 1) and the seasonality.
    controls : numpy.ndarray, dims (date, geo, control), optional
        Raw (unscaled) control values on ``dates``, controls in the order of
        ``fit.design.control_names``; scaled here as in the fit. Default: the fit's
        observed controls (so give them whenever ``dates`` are not the fitted dates).
        Ignored when the fit has no controls.
    max_draws : int or None, default 500
        Thin the posterior to at most this many draws (None: all; see
        :func:`draw_index`).

    Returns
    -------
    numpy.ndarray, dims (sample, date, geo, outcome)
        Intercept + trend + seasonality + controls in the model's scaled space
        (multiples of ``fit.design.outcome_scale[geo, outcome]``; multiply by it for
        original units). Media and mediator terms are not included.
    """
    idx = draw_index(fit, max_draws)
    de = fit.design
    dts = pd.DatetimeIndex(fit.dataset.dates if dates is None else dates)
    post = fit.posterior
    n = len(idx)
    mu = _stack(fit, "intercept")[idx][:, None]  # (s,1,G,K)
    t = de.time_index(dts)
    if "trend_slope" in post:
        mu = mu + (t - 0.5)[None, :, None, None] * _stack(fit, "trend_slope")[idx][:, None]
    if "trend_changes" in post:
        tb = de.trend_basis(dts)  # (T, CP)
        k = _stack(fit, "trend_changes")[idx]  # (s, K, CP)
        mu = mu + np.einsum("tc,skc->stk", tb, k)[:, :, None, :]
    if "season_coef" in post:
        fo = de.fourier(dts)
        co = _stack(fit, "season_coef")[idx]  # (s, K, F)
        mu = mu + np.einsum("tf,skf->stk", fo, co)[:, :, None, :]
    if "control_coef" in post and de.control_names:
        if controls is None:
            controls = fit.dataset.controls.sel(control=list(de.control_names)).values
        z = de.scale_controls(np.asarray(controls, dtype=float))
        co = _stack(fit, "control_coef")[idx]  # (s, K, J)
        mu = mu + np.einsum("tgj,skj->stgk", z, co)
    return np.broadcast_to(mu, (n, len(dts), mu.shape[2], mu.shape[3])).copy()


def expected(fit, *, max_draws: int | None = 500) -> xr.DataArray:
    """Posterior mean outcome on the fitted dates, original units, dims
    (sample, date, geo, outcome).

    Parameters
    ----------
    fit : FitResult
    max_draws : int or None, default 500
        Thin the posterior to at most this many draws (None: all; see
        :func:`draw_index`).

    Returns
    -------
    xarray.DataArray, dims (sample, date, geo, outcome)
        The model's mean (baseline, controls, media and, with a mediator,
        ``delta`` times the observed mediator) per draw and period, in original units
        (currency for revenue outcomes, units for counts); named ``expected``, with
        ``sample`` labelled by the stacked draw index. Observation noise is not included
        (see :func:`observation_draws`).
    """
    params = posterior_params(fit, max_draws=max_draws)
    base = baseline_scaled(fit, max_draws=max_draws)
    ys = fit.design.outcome_scale
    spend = np.asarray(fit.dataset.spend.values, dtype=float)
    direct = np.concatenate(
        [
            np.einsum("stgr,skgr->stgk", response(fit, spend, sub), sub.beta)
            for sub in (
                params.take(rows) for rows in draw_chunks(params.n, draws_per_chunk(fit, spend))
            )
        ]
    )
    mu = base + direct
    if params.delta is not None:
        m = fit.dataset.outcomes.sel(outcome=fit.spec.mediator).values / fit.design.mediator_scale
        mu = mu + m[None, :, :, None] * params.delta[:, None, None, :]
    out = mu * ys[None, None]
    ds = fit.dataset
    return xr.DataArray(
        out,
        dims=("sample", "date", "geo", "outcome"),
        coords={
            "sample": params.index,
            "date": pd.DatetimeIndex(ds.dates),
            "geo": list(ds.geos),
            "outcome": list(fit.spec.outcome_names),
        },
        name="expected",
    )


def observation_draws(fit, mu: np.ndarray, idx: np.ndarray, rng) -> np.ndarray:
    """Outcomes drawn around ``mu`` with each outcome's likelihood.

    Parameters
    ----------
    fit : FitResult
    mu : ndarray, dims (sample, date, geo, outcome)
        Expected outcomes, original units, for the posterior draws ``idx``.
    idx : ndarray
        Stacked posterior draw of each sample.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, same dims and units as ``mu``
        Normal: ``mu + sigma * scale * z``; Student-t: ``z`` from a t distribution with the
        draw's ``nu_<outcome>`` degrees of freedom; negative binomial: counts with mean
        ``mu`` (at least 1e-4 of the scale, as in the model) and the draw's
        ``nb_alpha_<outcome>`` dispersion (variance ``mu + mu^2 / alpha``).
    """
    sigma = _stack(fit, "sigma")[idx]  # (s, K) scaled
    ys = fit.design.outcome_scale  # (G, K)
    liks = [
        get_likelihood(o.likelihood, where=f"outcomes[{o.name}].likelihood")
        for o in fit.spec.outcomes
    ]
    if all(lk.name == "normal" for lk in liks):
        # one draw for every outcome at once (as the model's vectorised y_obs)
        return liks[0].draw(rng, mu, sigma[:, None, None, :], ys[None, None], {})
    out = np.empty_like(np.asarray(mu, dtype=float))
    for k, (o, lk) in enumerate(zip(fit.spec.outcomes, liks, strict=True)):
        params = {
            prefix: _stack(fit, var)[idx][:, None, None]
            for prefix, var in zip(lk.priors, lk.param_names(o.name), strict=True)
        }
        out[..., k] = lk.draw(
            rng, mu[..., k], sigma[:, k, None, None], ys[None, None, :, k], params
        )
    return out


def to_chain_draw(draws: xr.DataArray, fit) -> xr.DataArray:
    """Draws with a ``sample`` dim back on the posterior's ``(chain, draw)`` dims, for ArviZ.

    The analysis functions return draws along one ``sample`` dim (the stacked
    ``(chain, draw)`` order, thinned by ``max_draws``). With every draw kept
    (``max_draws=None``) this puts them back on ``chain`` and ``draw``, so that e.g.
    ``az.summary(to_chain_draw(roas_draws(fit, max_draws=None), fit).rename("roas"))``
    gives R-hat and ESS of derived quantities.

    Parameters
    ----------
    draws : xarray.DataArray
        Has a ``sample`` dim: stacked positions (the engine's outputs) or the
        ``(chain, draw)`` multi-index of :meth:`FitResult.draws`.
    fit : FitResult
        The fit the draws come from.

    Returns
    -------
    xarray.DataArray
        Dims ``(chain, draw, ...)`` with the posterior's chain and draw labels.

    Raises
    ------
    ValueError
        The draws were thinned (not every posterior draw is present).
    """
    chains = fit.posterior.coords["chain"].values
    draw_labels = fit.posterior.coords["draw"].values
    n_chain, n_draw = len(chains), len(draw_labels)
    if "chain" in draws.coords and "draw" in draws.coords:  # FitResult.draws: a multi-index
        return draws.unstack("sample").transpose("chain", "draw", ...)
    idx = np.asarray(draws["sample"].values)
    if idx.size != n_chain * n_draw or not np.array_equal(idx, np.arange(idx.size)):
        raise ValueError(
            f"the draws hold {idx.size} of the posterior's {n_chain * n_draw} draws (thinned "
            "by max_draws); compute them with max_draws=None to put them on (chain, draw)."
        )
    values = draws.transpose("sample", ...).values
    rest = [d for d in draws.transpose("sample", ...).dims if d != "sample"]
    coords = {k: v for k, v in draws.coords.items() if "sample" not in v.dims}
    return xr.DataArray(
        values.reshape(n_chain, n_draw, *values.shape[1:]),
        dims=("chain", "draw", *rest),
        coords={**coords, "chain": chains, "draw": draw_labels},
        name=draws.name,
        attrs=draws.attrs,
    )
