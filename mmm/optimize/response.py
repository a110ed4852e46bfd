"""Vectorised media response over posterior draws, with its gradient in spend.

The model's media part, for draw ``d``, outcome ``k``, geo ``g``, series ``s``::

    a[d,t,g,s] = sum_l w[d,c(s),l] * x[t-l,g,s] / spend_scale[g,s]     (carry-over)
    f[d,t,g,s] = saturation(a[d,t,g,s]; params[d,c(s)])
    contribution[d,t,g,k,s] = coef[d,k,g,s] * f[d,t,g,s]

with ``coef = outcome_scale[g,k] * (beta[d,k,g,s] + delta[d,k] * gamma[d,g,s])``: the direct
path plus the path through the mediator (:mod:`mmm.model.build`). The draws and their
parameters come from :func:`mmm.analysis.engine.posterior_params`, so the numbers here are
those of :func:`mmm.analysis.engine.contributions` for the same spend path.

Parameters are extracted once; a spend path is then evaluated (and differentiated) for all
draws with a handful of NumPy array operations. The saturation and its derivative are the
fit's saturation object (:mod:`mmm.transforms.saturation`), the kernels the model graph is
built from; carry-over is linear, so the gradient in spend is the derivative times the
transposed carry-over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TINY = 1e-12


@dataclass(frozen=True, eq=False)
class DrawResponse:
    """Per-draw media parameters of a fit, laid out per series.

    Attributes
    ----------
    weights : ndarray, dims (sample, series, lag)
        Carry-over weights of each series' channel (lag 0 first).
    sat_params : dict of str -> ndarray, dims (sample, series)
    saturation : Saturation
        The fit's saturation object (``spec.saturation_transform()``).
    coef : ndarray, dims (sample, outcome, geo, series)
        Outcome units per unit of saturated media, direct plus mediated path.
    coef_paths : ndarray, dims (sample, outcome, geo, series, path)
        The same split into ``direct`` and ``mediated``.
    spend_scale : ndarray, dims (geo, series)
        Currency per unit of the model's scaled spend.
    index : ndarray
        Stacked posterior draws used (as in :func:`mmm.analysis.engine.draw_index`).
    """

    weights: np.ndarray
    sat_params: dict
    saturation: object
    coef: np.ndarray
    coef_paths: np.ndarray
    spend_scale: np.ndarray
    index: np.ndarray

    @property
    def n_draws(self) -> int:
        """Number of posterior draws."""
        return int(self.weights.shape[0])

    @property
    def n_lags(self) -> int:
        """Number of carry-over lags (periods)."""
        return int(self.weights.shape[-1])

    # ------------------------------------------------------------------ build
    @classmethod
    def from_fit(cls, fit, *, max_draws: int | None = 1000) -> DrawResponse:
        """Extract the media parameters of ``fit`` (thinned to ``max_draws`` draws)."""
        from mmm.analysis.engine import channel_index, posterior_params

        p = posterior_params(fit, max_draws=max_draws)
        ci = channel_index(fit)
        ys = np.asarray(fit.design.outcome_scale, dtype=float)  # (geo, outcome)
        direct = p.beta * ys.T[None, :, :, None]  # (sample, outcome, geo, series)
        if p.gamma is not None and p.delta is not None:
            eff = p.delta[:, :, None, None] * p.gamma[:, None, :, :]  # (sample, K, G, S)
            mediated = eff * ys.T[None, :, :, None]
        else:
            mediated = np.zeros_like(direct)
        paths = np.stack([direct, mediated], axis=-1)
        return cls(
            weights=np.ascontiguousarray(p.weights[:, ci, :]),
            sat_params={k: np.ascontiguousarray(v[:, ci]) for k, v in p.sat.items()},
            saturation=fit.spec.saturation_transform(),
            coef=direct + mediated,
            coef_paths=paths,
            spend_scale=np.asarray(fit.design.spend_scale, dtype=float),
            index=p.index,
        )

    # ------------------------------------------------------------- kernels
    # Internally cells c = geo * n_series + series come first, then draws, then dates, so
    # carry-over is one batched matrix product per call: (cell, draw, lag) @ (cell, lag, date).
    def _cell_weights(self, n_geo: int) -> np.ndarray:
        key = ("w", n_geo)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            w = np.transpose(self.weights, (1, 0, 2))  # (series, sample, lag)
            cache[key] = np.ascontiguousarray(np.concatenate([w] * n_geo, axis=0))
        return cache[key]

    def _cell_params(self, n_geo: int) -> dict:
        key = ("p", n_geo)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = {
                k: np.concatenate([v.T] * n_geo, axis=0)[:, :, None]
                for k, v in self.sat_params.items()
            }
        return cache[key]

    def _adstock_cells(self, x: np.ndarray, out_dates: np.ndarray) -> np.ndarray:
        """Carried-over scaled spend on ``out_dates``, dims (cell, sample, date)."""
        xs = np.asarray(x, dtype=float) / self.spend_scale  # (date, geo, series)
        n_t, n_g, n_s = xs.shape
        xc = xs.reshape(n_t, n_g * n_s).T  # (cell, date)
        n_lag = self.n_lags
        lagged = np.zeros((n_g * n_s, n_lag, out_dates.size))
        for lag in range(n_lag):
            src = out_dates - lag
            ok = src >= 0
            lagged[:, lag, ok] = xc[:, src[ok]]
        return np.matmul(self._cell_weights(n_g), lagged)

    def saturate(self, a: np.ndarray, params: dict, *, grad: bool = False):
        """Saturation of ``a`` with ``params`` broadcastable to it; with ``grad`` also df/da.

        Both come from the fit's saturation object (:mod:`mmm.transforms.saturation`), the
        kernels the model graph uses. Where the derivative is infinite (no input at all
        and a Hill slope below 1) it is taken at ``a = 1e-12`` instead, so the gradient
        stays finite.
        """
        f = self.saturation.apply(a, params, xp=np)
        if not grad:
            return f
        df = self.saturation.derivative(a, params, xp=np)
        if not np.all(np.isfinite(df)):
            tiny = self.saturation.derivative(np.maximum(a, _TINY), params, xp=np)
            df = np.where(np.isfinite(df), df, tiny)
        return f, df

    def media(self, x: np.ndarray, window: np.ndarray | None = None) -> np.ndarray:
        """Saturated media ``f``, dims (sample, date, geo, series), on the ``window`` dates.

        ``x`` is spend in currency, dims (date, geo, series); spend before its first date
        is 0. ``window`` is a bool mask of dates (default all).
        """
        x = np.asarray(x, dtype=float)
        n_t, n_g, n_s = x.shape
        out = np.flatnonzero(np.ones(n_t, bool) if window is None else window)
        a = self._adstock_cells(x, out)
        f = self.saturate(a, self._cell_params(n_g))  # (cell, sample, date)
        return np.transpose(f.reshape(n_g, n_s, f.shape[1], out.size), (2, 3, 0, 1))

    def contributions(self, x: np.ndarray, window: np.ndarray | None = None) -> np.ndarray:
        """Contribution totals over the dates in ``window`` (bool mask, default all).

        Returns ndarray, dims (sample, outcome, geo, series), original units.
        """
        x = np.asarray(x, dtype=float)
        n_t, n_g, n_s = x.shape
        out = np.flatnonzero(np.ones(n_t, bool) if window is None else window)
        a = self._adstock_cells(x, out)
        fsum = self.saturate(a, self._cell_params(n_g)).sum(axis=-1)  # (cell, sample)
        fsum = fsum.reshape(n_g, n_s, -1).transpose(2, 0, 1)  # (sample, geo, series)
        return self.coef * fsum[:, None]

    def value_and_grad(
        self,
        x: np.ndarray,
        coef_value: np.ndarray,
        window: np.ndarray,
        rho,
        grad_dates: slice,
    ):
        """Per-draw value and the gradient of a weighted sum of draws.

        Parameters
        ----------
        x : ndarray, dims (date, geo, series), currency
        coef_value : ndarray, dims (sample, geo, series)
            Value per unit of saturated media (outcome weights applied to ``coef``).
        window : bool ndarray, dims (date,)
            Dates whose contributions count.
        rho : callable
            Maps the per-draw values (sample,) to draw weights (sample,) whose weighted
            gradient is returned (1/n for the mean, tail weights for CVaR ...).
        grad_dates : slice
            Dates of ``x`` for which the gradient is returned.

        Returns
        -------
        values : ndarray, dims (sample,)
        weights : ndarray, dims (sample,)
        grad : ndarray, dims (date in grad_dates, geo, series)
            ``d/dx sum_d weights[d] * values[d]`` in value per currency unit.
        """
        x = np.asarray(x, dtype=float)
        n_t, n_g, n_s = x.shape
        out = np.flatnonzero(window)
        a = self._adstock_cells(x, out)
        f, df = self.saturate(a, self._cell_params(n_g), grad=True)
        cv = coef_value.reshape(coef_value.shape[0], n_g * n_s).T  # (cell, sample)
        values = np.einsum("cdt,cd->d", f, cv)
        r = np.asarray(rho(values), dtype=float)
        g = df * (cv * r[None, :])[:, :, None]  # (cell, sample, date)
        m = np.matmul(np.transpose(self._cell_weights(n_g), (0, 2, 1)), g)  # (cell, lag, date)
        t0, t1, _ = grad_dates.indices(n_t)
        grad = np.zeros((n_g * n_s, n_t))
        for lag in range(self.n_lags):
            src = out - lag
            ok = src >= 0
            grad[:, src[ok]] += m[:, lag, ok]  # dates in src are distinct
        grad = grad[:, t0:t1].T.reshape(t1 - t0, n_g, n_s)
        return values, r, grad / self.spend_scale
