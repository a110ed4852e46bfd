"""Online-to-store effects: how much of each outcome digital media drive, and where.

Research online, purchase offline (ROPO): digital spend drives store visits as well as
online sales. These functions report, per channel and audience, the share of each
outcome that media drive, and compare audiences targeted near stores with broad
audiences on the cost of an incremental store visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import contributions
from mmm.analysis.returns import _date_mask
from mmm.analysis.summary import summarize_draws

NEAR_STORE = ("near_store",)


def outcome_shares(contrib: xr.DataArray, observed: xr.DataArray) -> xr.DataArray:
    """Contribution as a fraction of the observed outcome total.

    Parameters
    ----------
    contrib : xarray.DataArray, dims (..., outcome, series[, path])
        Contributions summed over the range (original units); ``path`` is summed.
    observed : xarray.DataArray, dims (outcome,)
        Observed outcome totals over the same range.

    Returns
    -------
    xarray.DataArray, dims (..., outcome, series)
        Fractions (0.05 = 5 % of the outcome driven by the series).
    """
    if "path" in contrib.dims:
        contrib = contrib.sum("path")
    return contrib / observed


def media_driven_shares(
    fit, *, start=None, end=None, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Share of each outcome (online sales, store visits) driven by each media series.

    Parameters
    ----------
    fit : FitResult
    start, end : date-like, optional
    prob : float
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, series) plus one row per outcome with ``series == "all
        media"``: ``contribution`` (median, original units over the range) and ``share``
        mean / median / lower / upper (fraction of the observed outcome total), with
        channel, audience and stage.
    """
    c = contributions(fit, max_draws=max_draws)
    mask = _date_mask(pd.DatetimeIndex(c["date"].values), start, end)
    tot = c.isel(date=mask).sum(("date", "geo", "path"))
    obs = fit.dataset.outcomes.sel(outcome=list(fit.spec.outcome_names)).isel(date=mask)
    obs = obs.sum(("date", "geo"))
    sh = outcome_shares(tot, obs)
    all_media = sh.sum("series").expand_dims(series=["all media"])
    all_media = all_media.assign_coords(channel=("series", ["all"]), audience=("series", ["all"]))
    both = xr.concat([sh, all_media], dim="series")
    df = summarize_draws(both, prob=prob)
    df = df.rename(columns={k: f"share_{k}" for k in ("mean", "median", "lower", "upper")})
    med = (both * obs).median("sample").to_series()
    df["contribution"] = [med.loc[(o, s)] for o, s in zip(df["outcome"], df["series"], strict=True)]
    stage = dict(zip(fit.dataset.series, fit.dataset.series_stage, strict=True))
    df["stage"] = df["series"].map(stage).fillna("all")
    return df[
        [
            "outcome",
            "channel",
            "audience",
            "series",
            "stage",
            "contribution",
            "share_mean",
            "share_median",
            "share_lower",
            "share_upper",
            "interval",
        ]
    ]


def audience_cost_stats(
    contrib: xr.DataArray, spend: xr.DataArray, *, prob: float = 0.9
) -> pd.DataFrame:
    """Cost per incremental unit of each audience (all channels buying it together).

    Parameters
    ----------
    contrib : xarray.DataArray, dims (sample, outcome, series)
        Contributions of count outcomes over the range (units); ``series`` carries the
        ``audience`` coord.
    spend : xarray.DataArray, dims (series,)
        Spend over the range (currency), with the ``audience`` coord.
    prob : float
        Central interval probability.

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, audience), audiences in order of appearance: ``spend``
        (currency), ``contribution_median`` (units) and ``cost_per_unit_median`` /
        ``_lower`` / ``_upper``: statistics of the per-draw ratio of the audience's spend to
        its units (draws where it drove none are skipped; NaN without spend), and
        ``interval``.
    """
    aud = [str(a) for a in spend["audience"].values]
    order = list(dict.fromkeys(aud))
    c = contrib.assign_coords(group=("series", aud)).groupby("group").sum("series")
    sp = spend.assign_coords(group=("series", aud)).groupby("group").sum("series")
    c, sp = c.sel(group=order), sp.sel(group=order)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = sp.where(sp > 0) / c.where(c > 0)
    stats = summarize_draws(cost, prob=prob).rename(columns={"group": "audience"})
    med = summarize_draws(c, prob=prob).rename(columns={"group": "audience"})
    df = stats.merge(med[["outcome", "audience", "median"]], on=["outcome", "audience"])
    df = df.rename(
        columns={
            "median_x": "cost_per_unit_median",
            "lower": "cost_per_unit_lower",
            "upper": "cost_per_unit_upper",
            "median_y": "contribution_median",
        }
    )
    df["spend"] = df["audience"].map(sp.to_series())
    cols = ["outcome", "audience", "spend", "contribution_median"]
    return df[[*cols, "cost_per_unit_median", "cost_per_unit_lower", "cost_per_unit_upper"]].assign(
        interval=prob
    )


def audience_costs(fit, *, prob: float = 0.9, max_draws: int | None = 1000) -> pd.DataFrame:
    """Cost per incremental unit of each count outcome by audience over the fitted period.

    Parameters
    ----------
    fit : FitResult
    prob : float
        Central interval probability.
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        :func:`audience_cost_stats` of the total-path contributions (summed over dates,
        geos and paths) and spend of every series; no rows without count outcomes.
    """
    counts = [o.name for o in fit.spec.outcomes if o.kind == "count"]
    cols = ["outcome", "audience", "spend", "contribution_median", "cost_per_unit_median"]
    if not counts:
        return pd.DataFrame(columns=[*cols, "cost_per_unit_lower", "cost_per_unit_upper"])
    c = contributions(fit, max_draws=max_draws).sel(outcome=counts)
    c = c.sum(("date", "geo", "path")).transpose("sample", "outcome", "series")
    return audience_cost_stats(c, fit.dataset.spend.sum(("date", "geo")), prob=prob)


def store_value_share_stats(
    contrib: xr.DataArray, *, values: dict[str, float], counts, prob: float = 0.9
) -> pd.DataFrame:
    """Share of each series' combined value that lands in count outcomes (store visits).

    Parameters
    ----------
    contrib : xarray.DataArray, dims (sample, outcome, series)
        Total contributions over the range (outcome units).
    values : dict of str -> float
        Currency value of one unit of each outcome (revenue 1, a visit its value).
    counts : sequence of str
        The count outcomes (whose value is the store's).
    prob : float
        Central interval probability.

    Returns
    -------
    pandas.DataFrame
        One row per series (with channel and audience): ``median``, ``lower``, ``upper``
        of the per-draw share ``sum over counts of value x units / sum over outcomes of
        value x units`` (draws with no positive combined value skipped) and ``interval``.
    """
    w = xr.DataArray(
        [float(values.get(str(o), 0.0)) for o in contrib["outcome"].values],
        dims="outcome",
        coords={"outcome": contrib["outcome"].values},
    )
    val = contrib * w
    total = val.sum("outcome")
    store = val.sel(outcome=[o for o in val["outcome"].values if o in set(counts)]).sum("outcome")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = store / total.where(total > 0)
    df = summarize_draws(share, prob=prob)
    return df[["series", "channel", "audience", "median", "lower", "upper", "interval"]]


def store_value_shares(
    fit, *, value_per_visit: float, prob: float = 0.9, max_draws: int | None = 1000
) -> pd.DataFrame:
    """Share of each series' value that lands in stores, counting revenue at face value
    and each unit of a count outcome at ``value_per_visit`` (currency).

    Parameters
    ----------
    fit : FitResult
    value_per_visit : float
        Currency value of one unit of every count outcome (a store visit).
    prob : float
        Central interval probability.
    max_draws : int or None

    Returns
    -------
    pandas.DataFrame
        :func:`store_value_share_stats` of the total contributions over the fitted period
        (summed over dates, geos and paths).
    """
    counts = [o.name for o in fit.spec.outcomes if o.kind == "count"]
    values = {
        o.name: (float(value_per_visit) if o.kind == "count" else 1.0) for o in fit.spec.outcomes
    }
    c = contributions(fit, max_draws=max_draws).sum(("date", "geo", "path"))
    c = c.transpose("sample", "outcome", "series")
    return store_value_share_stats(c, values=values, counts=counts, prob=prob)


def audience_groups(audiences, near: tuple[str, ...] = NEAR_STORE) -> np.ndarray:
    """``"near_store"`` or ``"broad"`` for each audience label.

    Parameters
    ----------
    audiences : iterable
        Audience labels, one per series (compared as strings).
    near : tuple of str, default ("near_store",)
        Labels counted as near-store; every other label is broad.

    Returns
    -------
    numpy.ndarray of str, dims (series,)
        ``"near_store"`` or ``"broad"`` per label, in the order of ``audiences``.
    """
    return np.array(["near_store" if str(a) in near else "broad" for a in audiences])


def has_near_store(fit, near: tuple[str, ...] | None = None) -> bool:
    """Whether any series of ``fit`` buys a near-store audience.

    Parameters
    ----------
    fit : FitResult
    near : tuple of str, optional
        Near-store audience labels (default: the spec's ``near_store_audiences``, as in
        :func:`near_store_vs_broad`).

    Returns
    -------
    bool
        True when :func:`near_store_vs_broad` has a near-store group to compare.
    """
    if near is None:
        near = tuple(fit.spec.media.near_store_audiences)
    return bool((audience_groups(fit.dataset.spend["audience"].values, near) == "near_store").any())


def cost_per_visit_by_group(
    contrib: xr.DataArray, spend: xr.DataArray, *, near: tuple[str, ...] = NEAR_STORE
) -> xr.DataArray:
    """Cost per incremental unit of near-store vs broad audiences.

    Parameters
    ----------
    contrib : xarray.DataArray, dims (..., series[, path]) for one count outcome
        Contributions over the range (units); ``path`` is summed. ``series`` carries the
        ``audience`` coord.
    spend : xarray.DataArray, dims (series,)
        Spend over the range (currency).
    near : tuple of str
        Audience labels counted as near-store.

    Returns
    -------
    xarray.DataArray, dims (..., group) with group in (near_store, broad)
        Currency per incremental unit (total spend of the group over its total effect).
    """
    if "path" in contrib.dims:
        contrib = contrib.sum("path")
    grp = audience_groups(contrib["audience"].values, near)
    c = contrib.assign_coords(group=("series", grp)).groupby("group").sum("series")
    s = spend.assign_coords(group=("series", grp)).groupby("group").sum("series")
    return (s / c).rename("cost_per_unit")


def _scopes(series: list[str], sp, near) -> dict[str, list[str]]:
    """The series compared: all of them, and those of each channel that has both near-store
    and broad audiences."""
    scopes = {"all": series}
    for ch in dict.fromkeys(str(v) for v in sp["channel"].values):
        sel = [s for s, cc in zip(series, sp["channel"].values, strict=True) if cc == ch]
        gs = set(audience_groups(sp.sel(series=sel)["audience"].values, near))
        if gs == {"near_store", "broad"}:
            scopes[ch] = sel
    return scopes


def _group_costs(c, sp, near, prob: float) -> pd.DataFrame | None:
    """Cost per visit of near-store and broad audiences (those bought) from the draws ``c``
    and spend ``sp`` of some series, with the spend of each group and the chance that
    near-store is cheaper; None when neither group is bought."""
    g_sp = (
        sp.assign_coords(group=("series", audience_groups(sp["audience"].values, near)))
        .groupby("group")
        .sum()
        .to_series()
    )
    bought = [k for k in ("near_store", "broad") if g_sp.get(k, 0.0) > 0]
    if not bought:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        cpv = cost_per_visit_by_group(c, sp, near=near)
    p = (
        float((cpv.sel(group="near_store") < cpv.sel(group="broad")).mean())
        if len(bought) == 2
        else np.nan
    )
    df = summarize_draws(cpv.sel(group=bought), prob=prob)
    df["spend"] = df["group"].map(g_sp)
    df["p_near_cheaper"] = p
    return df


def near_store_vs_broad(
    fit,
    *,
    outcome: str = "store_visits",
    near: tuple[str, ...] | None = None,
    start=None,
    end=None,
    prob: float = 0.9,
    by_geo: bool = False,
    max_draws: int | None = 1000,
) -> pd.DataFrame:
    """Compare near-store and broad audiences on cost per incremental visit.

    Parameters
    ----------
    fit : FitResult
    outcome : str
        A count outcome (store visits).
    near : tuple of str, optional
        Audience labels that target people near stores (default: the spec's
        ``near_store_audiences`` where it has them, else ``("near_store",)``).
    start, end, prob, max_draws
        As elsewhere.
    by_geo : bool
        Also compare within each geo of a fit with several geos (rows with that geo; the
        rows over all geos have ``geo == "all"``).

    Returns
    -------
    pandas.DataFrame
        One row per (geo, scope, group): ``geo`` is ``"all"`` (every geo) or one geo;
        ``scope`` is ``"all"`` (every channel) or a channel that buys both kinds of
        audience; ``group`` is near_store or broad; columns ``spend`` (currency), cost per
        visit mean / median / lower / upper (currency per visit) and ``p_near_cheaper``
        (posterior probability that near-store visits cost less than broad ones in that
        geo and scope; NaN where one group has no spend there). A group without spend in
        a geo has no row for that geo.
    """
    if near is None:
        near = tuple(fit.spec.media.near_store_audiences)
    c = contributions(fit, max_draws=max_draws).sel(outcome=outcome, drop=True)
    mask = _date_mask(pd.DatetimeIndex(c["date"].values), start, end)
    c = c.isel(date=mask).sum(("date", "path"))  # (sample, geo, series)
    sp = fit.dataset.spend.isel(date=mask).sum("date")  # (geo, series)
    grp = audience_groups(sp["audience"].values, near)
    if not (grp == "near_store").any():
        raise ValueError(f"no series has an audience in {near}.")
    scopes = _scopes(list(fit.dataset.series), sp, near)
    geos = [("all", c.sum("geo"), sp.sum("geo"))]
    if by_geo and len(fit.dataset.geos) > 1:
        geos += [
            (str(g), c.sel(geo=g, drop=True), sp.sel(geo=g, drop=True)) for g in fit.dataset.geos
        ]
    rows = []
    for geo, cg, spg in geos:
        for scope, sel in scopes.items():
            df = _group_costs(cg.sel(series=sel), spg.sel(series=sel), near, prob)
            if df is not None:
                df["geo"] = geo
                df["scope"] = scope
                rows.append(df)
    df = pd.concat(rows, ignore_index=True)
    df = df.rename(columns={k: f"cost_per_visit_{k}" for k in ("mean", "median", "lower", "upper")})
    return df[
        [
            "geo",
            "scope",
            "group",
            "spend",
            "cost_per_visit_mean",
            "cost_per_visit_median",
            "cost_per_visit_lower",
            "cost_per_visit_upper",
            "interval",
            "p_near_cheaper",
        ]
    ]
