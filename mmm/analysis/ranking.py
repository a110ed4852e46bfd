"""How sure is the ranking: ranks of returns per draw, rank intervals, pairwise odds.

A table of median returns orders channels, but neighbours whose intervals overlap may swap
places from one draw of the posterior to the next. These functions read any array of
return draws (:func:`~mmm.analysis.returns.roas_draws`,
:func:`~mmm.analysis.returns.channel_roas_draws`, :func:`~mmm.analysis.measures.marginal_draws`
or :func:`~mmm.analysis.measures.combined_value`) and say how often each item ranks where,
and how likely one item's return is above another's. Ties within a draw share the average
rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

__all__ = ["best_odds", "pairwise_beats", "rank_draws", "rank_table"]


def _check(draws: xr.DataArray, dim: str) -> None:
    for need in ("sample", dim):
        if need not in draws.dims:
            raise ValueError(
                f"the draws need a {need!r} dimension to rank over; they have {draws.dims}. "
                "Pass the output of roas_draws / channel_roas_draws (select one path first)."
            )
    if draws.sizes[dim] < 2:
        raise ValueError(f"ranking needs at least two {dim} items; got {draws.sizes[dim]}.")
    bad = draws.isnull().any("sample")
    if bool(bad.any()):
        other = [d for d in bad.dims if d != dim]
        where = bad.any(other) if other else bad
        names = [str(v) for v in draws[dim].values[where.values]]
        raise ValueError(
            f"{dim} {names} have missing return draws (no spend in the range?); select the "
            f"others with .sel({dim}=...) before ranking: a missing return has no rank."
        )


def rank_draws(draws: xr.DataArray, *, dim: str = "series") -> xr.DataArray:
    """Rank of each item's return within each posterior draw (1 = highest return).

    Parameters
    ----------
    draws : xarray.DataArray, dims (sample, ..., dim, ...)
        Return draws per currency unit (any units: ranks are unitless); every other dim
        (outcome, path, geo) is ranked separately. No missing values: select the items
        with spend first.
    dim : str, default "series"
        The dimension whose items are ranked (``"series"`` or ``"channel"``).

    Returns
    -------
    xarray.DataArray
        Same dims and coords as ``draws``; ranks 1 .. n (float: tied items share their
        average rank), 1 for the item with the highest return in that draw.
    """
    _check(draws, dim)
    return _ranks(draws, dim)


def _ranks(draws: xr.DataArray, dim: str) -> xr.DataArray:
    ranks = stats.rankdata(-draws.values, method="average", axis=draws.get_axis_num(dim))
    return draws.copy(data=ranks).rename("rank")


def pairwise_beats(draws: xr.DataArray, *, dim: str = "series") -> xr.DataArray:
    """Posterior probability that one item's return is above another's.

    Parameters
    ----------
    draws : xarray.DataArray, dims (sample, ..., dim, ...)
        Return draws (see :func:`rank_draws`).
    dim : str, default "series"
        The dimension whose items are compared.

    Returns
    -------
    xarray.DataArray, dims (..., dim, "other")
        Share of draws in which item ``dim`` has a strictly higher return than item
        ``other`` (0 .. 1; ties count as neither); ``other`` carries the same labels as
        ``dim``. The diagonal is 0, and ``p[a, b] + p[b, a] = 1`` unless draws tie.
    """
    _check(draws, dim)
    return _beats(draws, dim)


def _beats(draws: xr.DataArray, dim: str) -> xr.DataArray:
    extra = [c for c in draws.coords if c != dim and dim in draws[c].dims]
    other = draws.drop_vars(extra).rename({dim: "other"})
    return (draws > other).mean("sample").rename("p_beats")


def rank_table(draws: xr.DataArray, *, dim: str = "series", prob: float = 0.9) -> pd.DataFrame:
    """Median return, median rank, rank interval and chance of ranking first, per item.

    Parameters
    ----------
    draws : xarray.DataArray, dims (sample, ..., dim, ...)
        Return draws (see :func:`rank_draws`); other dims become columns.
    dim : str, default "series"
        The dimension whose items are ranked.
    prob : float, default 0.9
        Mass of the central rank interval.

    Returns
    -------
    pandas.DataFrame
        One row per item and combination of the other dims, sorted by those dims and
        then by median return (highest first). Columns: the other dims, ``dim`` (and its
        non-index coords such as ``channel`` / ``audience``), ``median`` (the return,
        in the draws' units), ``rank_median``, ``rank_lower`` and ``rank_upper`` (the
        central ``prob`` interval of the rank; 1 = best), ``p_first`` (share of draws in
        which the item ranks first) and ``p_above_next`` (probability that its return is
        above that of the item listed next; NaN on the last row of each group).
    """
    if not 0 < prob < 1:
        raise ValueError(f"prob must be in (0, 1); got {prob}.")
    _check(draws, dim)
    r = _ranks(draws, dim)
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    beats = _beats(draws, dim)
    parts = {
        "median": draws.median("sample"),
        "rank_median": r.median("sample"),
        "rank_lower": r.quantile(lo, "sample", method="lower").drop_vars("quantile"),
        "rank_upper": r.quantile(hi, "sample", method="higher").drop_vars("quantile"),
        "p_first": (r <= 1.0).mean("sample"),
    }
    df = xr.Dataset(parts).to_dataframe().reset_index()
    keep = [c for c in df.columns if c in parts or c == dim or c in draws.coords]
    df = df[keep]
    groups = [d for d in draws.dims if d not in ("sample", dim)]
    frames = []
    for key, g in df.groupby(groups, sort=False) if groups else [((), df)]:
        g = g.sort_values("median", ascending=False, kind="stable").reset_index(drop=True)
        sel = dict(zip(groups, key if isinstance(key, tuple) else (key,), strict=True))
        b = beats.sel(sel) if sel else beats
        items = list(g[dim])
        nxt = [
            float(b.sel({dim: a, "other": n})) for a, n in zip(items[:-1], items[1:], strict=True)
        ]
        g["p_above_next"] = np.array([*nxt, np.nan])
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


def best_odds(draws: xr.DataArray, *, dim: str = "series") -> pd.DataFrame:
    """Chance that each item has the highest return, among the items with return draws.

    Items with a missing draw (a line without spend has no return) are left out rather
    than raising as in :func:`rank_table`; for a count outcome (units per currency unit)
    the highest return is the lowest cost per unit.

    Parameters
    ----------
    draws : xarray.DataArray, dims (sample, ..., dim, ...)
        Return draws (see :func:`rank_draws`), e.g. ``roas_draws(fit).sel(path="total")``.
    dim : str, default "series"
        The dimension whose items are compared.

    Returns
    -------
    pandas.DataFrame
        The other dims, ``dim`` and its non-index coords (``channel``, ``audience``) and
        ``p_first``: the share of draws in which the item ranks first (tied draws give each
        of the tied items rank 1.5 or worse, i.e. no first place). Ordered as
        :func:`rank_table`; empty (same columns) when fewer than two items have draws.
    """
    other = [d for d in draws.dims if d != dim]
    keep = ~draws.isnull().any(other).values if other else ~draws.isnull().values
    kept = draws.isel({dim: np.flatnonzero(keep)})
    groups = [d for d in draws.dims if d not in ("sample", dim)]
    coords = [c for c in draws.coords if c != dim and dim in draws[c].dims]
    columns = [*groups, dim, *coords, "p_first"]
    if kept.sizes[dim] < 2:
        return pd.DataFrame(columns=columns)
    return rank_table(kept, dim=dim)[columns].reset_index(drop=True)


def best_of(items, value, *, lowest: bool = False, positive: bool = False):
    """The item whose value is highest (or ``lowest``), among those that have one.

    Parameters
    ----------
    items : iterable
        Anything, e.g. the report's rows of stored returns.
    value : callable
        item -> its number (None or not finite: the item is left out).
    lowest : bool, default False
        Pick the smallest value (e.g. the cheapest cost per unit).
    positive : bool, default False
        Leave out values at or below zero.

    Returns
    -------
    The first item with the best value, or None when no item has one.
    """
    best, best_v = None, None
    for it in items:
        v = value(it)
        if v is None or not np.isfinite(float(v)) or (positive and float(v) <= 0):
            continue
        v = float(v)
        if best_v is None or (v < best_v if lowest else v > best_v):
            best, best_v = it, v
    return best
