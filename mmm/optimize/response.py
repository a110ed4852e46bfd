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
built from, evaluated together in one pass
(:meth:`~mmm.transforms.saturation.Saturation.value_and_derivative`); carry-over is linear,
so the gradient in spend is the derivative times the transposed carry-over. The
parameters are checked once, when a :class:`DrawResponse` is made; each evaluation then
only checks that the spend is non-negative and skips the kernels' own domain checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mmm.errors import DataError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    from mmm.transforms.saturation import Saturation

_TINY = 1e-12
#: elements per block of the saturation in :meth:`DrawResponse.value_and_grad`: the
#: kernel's temporaries stay small (in cache, and reused by the allocator rather than
#: handed back to the system and faulted in again at every evaluation)
_BLOCK = 1 << 15


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

    Notes
    -----
    Making one checks the weights, the spend scale and the saturation parameters (their
    domains, with the kernels' own checks), so the evaluations skip those checks.
    :meth:`value_and_grad` writes into work arrays kept on the object (made once per
    problem shape): use one object from one thread at a time.
    """

    weights: np.ndarray
    sat_params: dict
    saturation: Saturation
    coef: np.ndarray
    coef_paths: np.ndarray
    spend_scale: np.ndarray
    index: np.ndarray

    def __post_init__(self) -> None:
        """Check the parameters once (the per-evaluation kernels skip their checks)."""
        w = np.asarray(self.weights, dtype=float)
        if w.ndim != 3 or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise SpecError(
                "DrawResponse: weights must be finite and >= 0 with dims (sample, series, "
                f"lag); received shape {w.shape}, min {np.nanmin(w) if w.size else None}."
            )
        scale = np.asarray(self.spend_scale, dtype=float)
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise SpecError(
                "DrawResponse: spend_scale must be finite and > 0 for every (geo, series); "
                f"received {scale.tolist()}."
            )
        # the saturation's own domain checks on its parameters, once (SpecError names
        # the parameter and values); and whether its derivative is infinite at no input
        # (a Hill slope below 1), the one place the gradient needs mending
        one = np.ones((1, 1))
        self.saturation.value_and_derivative(one, self.sat_params, xp=np, check=True)
        d0 = self.saturation.derivative(0.0 * one, self.sat_params, xp=np, check=False)
        self.__dict__["_cache"] = {"inf_at_zero": not bool(np.all(np.isfinite(d0)))}

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

    @staticmethod
    def _check_spend(x: np.ndarray) -> None:
        """Raise DataError for negative spend (dims date, geo, series; NaN passes through).

        Weights are >= 0, so non-negative spend keeps the saturation's input in its domain.
        """
        bad = x < 0
        if np.any(bad):
            where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:5]]
            raise DataError(
                f"Spend must be >= 0; {int(bad.sum())} value(s) are negative, the "
                f"first at (date, geo, series) {where} with values "
                f"{[float(v) for v in x[bad][:5]]}. Check the plan's spend."
            )

    def _adstock_cells(
        self, x: np.ndarray, out_dates: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Carried-over scaled spend on ``out_dates``, dims (cell, sample, date) (written
        into ``out`` when given)."""
        x = np.asarray(x, dtype=float)
        self._check_spend(x)
        xs = x / self.spend_scale  # (date, geo, series)
        n_t, n_g, n_s = xs.shape
        xc = xs.reshape(n_t, n_g * n_s).T  # (cell, date)
        n_lag = self.n_lags
        lagged = np.zeros((n_g * n_s, n_lag, out_dates.size))
        for lag in range(n_lag):
            src = out_dates - lag
            ok = src >= 0
            lagged[:, lag, ok] = xc[:, src[ok]]
        return np.matmul(self._cell_weights(n_g), lagged, out=out)

    def _buffers(self, shape: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Work arrays (input, value, derivative) of ``shape`` (cell, sample, date), made
        once per problem shape and reused by every evaluation of :meth:`value_and_grad`."""
        cache = self.__dict__["_cache"]
        if cache.get("buf_shape") != shape:
            cache["buf"] = tuple(np.empty(shape) for _ in range(3))
            cache["buf_shape"] = shape
        return cache["buf"]

    def _saturate_into(self, a: np.ndarray, params: dict, f: np.ndarray, df: np.ndarray):
        """:meth:`saturate` with ``grad`` of ``a`` (cell, sample, date) into ``f`` and ``df``,
        in blocks of rows (the same numbers as one call: the kernel is elementwise)."""
        n_c, n_d, n_t = a.shape
        rows = a.reshape(n_c * n_d, n_t)
        f_rows = f.reshape(rows.shape)
        df_rows = df.reshape(rows.shape)
        p_rows = {
            k: np.broadcast_to(v, (n_c, n_d, 1)).reshape(n_c * n_d, 1) for k, v in params.items()
        }
        step = max(1, _BLOCK // max(n_t, 1))
        for i in range(0, rows.shape[0], step):
            sl = slice(i, i + step)
            f_rows[sl], df_rows[sl] = self.saturate(
                rows[sl], {k: v[sl] for k, v in p_rows.items()}, grad=True
            )

    def saturate(self, a: np.ndarray, params: dict, *, grad: bool = False):
        """Saturation of ``a`` with ``params`` broadcastable to it; with ``grad`` also df/da.

        Both come from the fit's saturation object (:mod:`mmm.transforms.saturation`), the
        kernels the model graph uses, in one pass
        (:meth:`~mmm.transforms.saturation.Saturation.value_and_derivative`) and without
        their domain checks (the parameters were checked when this object was made, the
        spend is checked per evaluation). Where the derivative is infinite (no input at
        all and a Hill slope below 1) it is taken at ``a = 1e-12`` instead, so the
        gradient stays finite.
        """
        if not grad:
            return self.saturation.apply(a, params, xp=np, check=False)
        f, df = self.saturation.value_and_derivative(a, params, xp=np, check=False)
        if self.__dict__["_cache"]["inf_at_zero"] and not np.all(np.isfinite(df)):
            tiny = self.saturation.derivative(np.maximum(a, _TINY), params, xp=np, check=False)
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
        a, f, df = self._buffers((n_g * n_s, self.n_draws, out.size))
        self._adstock_cells(x, out, out=a)
        self._saturate_into(a, self._cell_params(n_g), f, df)
        cv = coef_value.reshape(coef_value.shape[0], n_g * n_s).T  # (cell, sample)
        values = np.einsum("cdt,cd->d", f, cv)
        r = np.asarray(rho(values), dtype=float)
        g = np.multiply(df, (cv * r[None, :])[:, :, None], out=df)  # (cell, sample, date)
        m = np.matmul(np.transpose(self._cell_weights(n_g), (0, 2, 1)), g)  # (cell, lag, date)
        t0, t1, _ = grad_dates.indices(n_t)
        grad = np.zeros((n_g * n_s, n_t))
        for lag in range(self.n_lags):
            src = out - lag
            ok = src >= 0
            grad[:, src[ok]] += m[:, lag, ok]  # dates in src are distinct
        grad = grad[:, t0:t1].T.reshape(t1 - t0, n_g, n_s)
        return values, r, grad / self.spend_scale
