r"""Geo and shop context of the model: geo sizes, shop access and near-store targeting.

Everything here is NumPy computed from the spec and the dataset's geo table
(``population``, ``shops``, ``near_store_population``); :mod:`mmm.model.build` turns it
into the PyMC graph. National data (one geo) get neutral values (all ones).

Notation: geo :math:`g`, population :math:`P_g`, shops :math:`N_g`, people living near a
shop :math:`Q_g` (``near_store_population``; when absent :math:`Q_g = N_g`, shops stand
in for proximity), outcome :math:`k`, media series :math:`s`.

Geo sizes
---------
Population share :math:`w_g = P_g / \sum_h P_h`. Without a ``population`` column the
share of total spend bought in the geo stands in for it.

Expected outcome share of geo :math:`g` (the share of the national baseline the geo
would have if it behaved like the average geo)::

    e[g, k] = w_g                                          (online sales, other outcomes)
    e[g, k] = w_g (1 + N_g) / sum_h w_h (1 + N_h)          (store outcomes, with shops)

Residents of a geo with more shops visit more; residents of a geo without shops still
visit shops elsewhere (the ``1 +``).

Geo baselines (``spec.baseline.geo_baseline == "size"``, more than one geo)
------------------------------------------------------------------
Outcomes are scaled per geo by their own mean (:mod:`mmm.model.design`), so the scaled
intercept of geo :math:`g` is the national relative level times
``size_ratio[g, k] = e[g, k] / o[g, k]``, with :math:`o` the geo's observed share of the
outcome. The model pools the relative levels::

    size_ratio[g, k] * level[g, k] = intercept[g, k] + shift[g, k]
    level[g, k] ~ Normal(level_mu[k], level_sd[k])

where ``shift`` is the effect of the geo's mean controls and mean mediator (both enter
centred, see :mod:`mmm.model.build`), so a geo's baseline at its average conditions is
centred on its share by population (and shops) and departs from it as far as its data
say.

Shop access of media effects on store outcomes (``spec.media.shop_effects``)
----------------------------------------------------------------------
The return of series :math:`s` on outcome :math:`k` in geo :math:`g` (see
:mod:`mmm.model.build`) is::

    roas[k, g, s] = exp(log_roas[k, s] + geo_sd[k] z[k, g, s]) * access[k, g, s]

with ``access = 1`` for outcomes that are not store outcomes. For store outcomes:

* near-store audiences (``spec.media.near_store_audiences``)::

      access[k, g, s] = (1 - leak) * near[g] + leak,   near[g] = (Q_g / sum_h Q_h) / w_g

  ``leak = 0`` under ``shop_effects = "shops"``: a geo without shops (:math:`Q_g = 0`)
  gets no store-visit effect from near-store audiences. Under ``"estimate"``,
  ``leak ~ Beta(1, 3)`` (one per store outcome) is the share of the effect not tied to
  shops, so the data decide.

* broad audiences::

      access[k, g, s] = exp(eta[k] x_g) / sum_h w_h exp(eta[k] x_h),
      x_g = log(1 + N_g) - sum_h w_h log(1 + N_h)

  ``eta ~ Normal(0, 1)``: how much the return of broad audiences on store visits rises
  with the number of shops in the geo (0: not at all).

Both access terms have population-weighted mean 1 (:math:`\sum_g w_g\,access_g = 1`), so
``exp(log_roas)`` stays the national return when spend follows population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GeoContext:
    """Geo sizes and shop access (NumPy), dims as named.

    Attributes
    ----------
    population_share : ndarray, dims (geo,)
        :math:`w_g`, sums to 1.
    size_ratio : ndarray, dims (geo, outcome)
        Expected share over observed share of each outcome (1 for national data).
    store_outcome : ndarray of bool, dims (outcome,)
        Outcomes whose effects depend on shops (all False when shop context is off).
    near_series : ndarray of bool, dims (series,)
        Series whose audience is near-store targeted.
    near_access : ndarray, dims (geo,)
        ``near[g]`` above; 0 where a geo has no shop.
    shop_index : ndarray, dims (geo,)
        ``x_g`` above (centred ``log(1 + shops)``).
    shops : bool
        Whether the shop context is used (geo data with shops and a store outcome).
    pooled_baseline : bool
        Whether geo intercepts are pooled around their size ratio.
    """

    population_share: np.ndarray
    size_ratio: np.ndarray
    store_outcome: np.ndarray
    near_series: np.ndarray
    near_access: np.ndarray
    shop_index: np.ndarray
    shops: bool
    pooled_baseline: bool


def _column(info, name: str, geos: list[str]) -> np.ndarray | None:
    if info is None or name not in info.columns:
        return None
    col = info[name].reindex(geos)
    if col.isna().any():
        return None
    return col.to_numpy(dtype=float)


def geo_context(spec, dataset, y_raw: np.ndarray) -> GeoContext:
    """Geo sizes and shop access of ``dataset`` under ``spec``.

    Parameters
    ----------
    spec : ModelSpec
    dataset : Dataset
    y_raw : ndarray, dims (date, geo, outcome)
        Outcomes of the spec in original units.

    Returns
    -------
    GeoContext
    """
    geos = [str(g) for g in dataset.geos]
    n_g = len(geos)
    outcomes = list(spec.outcome_names)
    n_k = len(outcomes)
    series_aud = [str(a) for a in dataset.spend.coords["audience"].values]
    near_series = np.array([a in spec.media.near_store_audiences for a in series_aud], dtype=bool)
    ones_g = np.ones(n_g)
    if n_g == 1:
        return GeoContext(
            population_share=ones_g,
            size_ratio=np.ones((1, n_k)),
            store_outcome=np.zeros(n_k, dtype=bool),
            near_series=near_series,
            near_access=ones_g,
            shop_index=np.zeros(1),
            shops=False,
            pooled_baseline=False,
        )
    info = dataset.geo_info
    pop = _column(info, "population", geos)
    if pop is not None and pop.sum() > 0:
        w = pop / pop.sum()
    else:
        spend_g = np.asarray(dataset.spend.values, dtype=float).sum(axis=(0, 2))
        w = spend_g / spend_g.sum() if spend_g.sum() > 0 else ones_g / n_g
    w = np.maximum(w, 1e-12)
    shops = _column(info, "shops", geos)
    stores = set(spec.store_outcome_names)
    use_shops = (
        shops is not None and spec.media.shop_effects != "ignore" and bool(stores & set(outcomes))
    )
    store_outcome = np.array([use_shops and o in stores for o in outcomes], dtype=bool)

    near_access = ones_g.copy()
    shop_index = np.zeros(n_g)
    expected = np.repeat(w[:, None], n_k, axis=1)
    if use_shops:
        assert shops is not None  # use_shops: the geo data have shops
        q = _column(info, "near_store_population", geos)
        if q is None or q.sum() <= 0:
            q = shops
        near_access = (q / q.sum()) / w if q.sum() > 0 else np.zeros(n_g)
        lx = np.log1p(shops)
        shop_index = lx - (w * lx).sum()
        store_share = w * (1.0 + shops)
        store_share = store_share / store_share.sum()
        expected[:, store_outcome] = store_share[:, None]
    level = np.abs(y_raw).mean(axis=0)  # (geo, outcome)
    tot = level.sum(axis=0, keepdims=True)
    observed = np.divide(level, tot, out=np.full_like(level, 1.0 / n_g), where=tot > 0)
    ratio = np.divide(expected, observed, out=np.ones_like(expected), where=observed > 0)
    return GeoContext(
        population_share=w,
        size_ratio=ratio,
        store_outcome=store_outcome,
        near_series=near_series,
        near_access=near_access,
        shop_index=shop_index,
        shops=use_shops,
        pooled_baseline=spec.baseline.geo_baseline == "size",
    )


def access_weights(store, near, w, near_access, shop_index, *, leak, eta, xp=np):
    """Shop access of each effect, dims (outcome, geo, series).

    Parameters
    ----------
    store : array, dims (outcome,)
        1 for store outcomes, else 0 (``GeoContext.store_outcome``).
    near : array, dims (series,)
        1 for near-store series, else 0 (``GeoContext.near_series``).
    w, near_access, shop_index : array, dims (geo,)
        As in :class:`GeoContext`.
    leak : array, dims (outcome,)
        Share of near-store effects not tied to shops (0 under ``shop_effects="shops"``).
    eta : array, dims (outcome,)
        Elasticity of broad store effects to ``log(1 + shops)`` (ignored for outcomes that
        are not store outcomes).
    xp : module
        ``numpy`` or ``pytensor.tensor``.
    """
    # broad: exp(eta x) normalised to population-weighted mean 1, (K, G)
    e = xp.exp(eta[:, None] * shop_index[None, :])
    broad = e / (e * w[None, :]).sum(axis=1)[:, None]
    near_a = (1.0 - leak[:, None]) * near_access[None, :] + leak[:, None]  # (K, G)
    a = near[None, None, :] * near_a[:, :, None] + (1.0 - near[None, None, :]) * broad[:, :, None]
    return 1.0 + store[:, None, None] * (a - 1.0)
