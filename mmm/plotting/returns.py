"""Return and funnel figures: ROAS with intervals, odds of the order, spend vs effect shares."""

from __future__ import annotations

import numpy as np

from mmm.plotting._style import (
    GREY,
    LIGHT_GREY,
    color,
    currency_of,
    finish,
    fit_and_table,
    is_fit,
    label,
    outcome_kinds,
    outcome_label,
    panels,
    pick_outcomes,
    plain_axis,
)


def _roas_panel(a, df, o: str, *, kind, path: str, prob: float, truth, currency):
    """One outcome's returns per series on the Axes ``a``: median and interval, best at the
    top, with the true values as crosses when given."""
    df = df.sort_values("median").reset_index(drop=True)
    y = np.arange(len(df))
    share = df["interval"].iloc[0] if "interval" in df and len(df) else prob
    a.errorbar(
        df["median"],
        y,
        xerr=[df["median"] - df["lower"], df["upper"] - df["median"]],
        fmt="o",
        color=color(0),
        capsize=3,
        label=f"median and {int(round(share * 100))}% interval",
    )
    if truth is not None:
        a.scatter(
            [truth.get(s, np.nan) for s in df["series"]],
            y,
            marker="x",
            color=color(3),
            zorder=3,
            label="truth",
        )
    a.set_yticks(y, [label(s) for s in df["series"]])
    kind = kind or (df["kind"].iloc[0] if "kind" in df and len(df) else "revenue")
    if kind == "revenue":
        a.set_xlabel(f"{outcome_label(o)} per {currency}1 of spend (ROAS)")
        a.axvline(1.0, color="grey", lw=0.8, ls="--")
    else:
        a.set_xlabel(f"{outcome_label(o)} per {currency}1 of spend")
    plain_axis(a.xaxis)
    a.set_title(f"{outcome_label(o)}: return per {currency}1 ({path})")
    a.legend(loc="lower right")


def plot_roas(
    data,
    *,
    outcome=None,
    path: str = "total",
    truth=None,
    title: str | None = None,
    ax=None,
    currency: str | None = None,
    prob: float = 0.9,
):
    """Return per currency unit of each series with its interval (a forest plot).

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the table is computed with :func:`mmm.analysis.roas_table`), or that table
        (columns outcome, series, path, median, lower, upper, interval; ``kind`` when known).
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    path : {"direct", "mediated", "total"}, default "total"
    truth : dict of str -> float, optional
        True value per series label (``channel|audience``), drawn as crosses (simulated data).
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        Where to draw: one Axes per outcome drawn. Default: a new figure.
    currency : str, optional
        Currency symbol of the axis labels; default the fit's, else ``€``.
    prob : float, default 0.9
        Interval probability when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome: one error bar per series, sorted by median; y tick labels are display
        names (``Paid search · prospecting``).
    """
    fit, table = fit_and_table(data, lambda f: _roas_table(f, prob))
    cur = currency_of(fit, currency)
    kinds = outcome_kinds(fit)
    outs = pick_outcomes(table["outcome"], outcome, ax=ax)
    n_series = table["series"].nunique()
    fig, axes = panels(ax, len(outs), width=8, height=0.32 * n_series + 1.2)
    for a, o in zip(axes, outs, strict=True):
        df = table[(table["outcome"] == o) & (table["path"] == path)]
        _roas_panel(a, df, o, kind=kinds.get(o), path=path, prob=prob, truth=truth, currency=cur)
    if ax is not None and len(outs) == 1 and title:
        axes[0].set_title(title)
    finish(fig, ax is not None, title)
    return fig


def _roas_table(fit, prob):
    from mmm.analysis import roas_table

    return roas_table(fit, prob=prob)


def plot_funnel(data, *, outcome=None, title: str | None = None, ax=None, prob: float = 0.9):
    """Share of spend vs share of incremental outcome per funnel stage, one panel per outcome.

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the shares are computed with :func:`mmm.analysis.funnel_shares`), or that
        table.
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    prob : float, default 0.9
        Interval probability when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome: two bars per stage (spend share in grey, effect share with its
        interval in colour); shares as percentages.
    """
    from mmm.analysis import funnel_shares

    _, shares = fit_and_table(data, lambda f: funnel_shares(f, prob=prob))
    outs = pick_outcomes(shares["outcome"], outcome, ax=ax)
    fig = None
    if ax is None:
        from mmm.plotting._style import figure

        fig, grid = figure(1, len(outs), width=4.2 * len(outs), height=4, squeeze=False)
        axes = list(grid[0])
    else:
        fig, axes = panels(ax, len(outs))
    for a, o in zip(axes, outs, strict=True):
        df = shares[shares["outcome"] == o]
        x = np.arange(len(df))
        a.bar(x - 0.2, df["spend_share"], width=0.4, color=GREY, label="share of spend")
        err = [
            df["effect_share_median"] - df["effect_share_lower"],
            df["effect_share_upper"] - df["effect_share_median"],
        ]
        a.bar(
            x + 0.2,
            df["effect_share_median"],
            width=0.4,
            yerr=err,
            capsize=3,
            color=color(0),
            label="share of incremental outcome",
        )
        a.set_xticks(x, [label(s) for s in df["stage"]])
        # room above 100 % for the legend, clear of the bars and their intervals
        a.set_ylim(0, 1.32)
        a.set_yticks(np.linspace(0, 1, 6))
        plain_axis(a.yaxis, percent=True)
        a.set_title(outcome_label(o))
        a.set_ylabel("share")
        a.legend(loc="upper left")
    finish(fig, ax is not None, title or "Awareness vs conversion")
    return fig


def _label_cells(a, m: np.ndarray) -> None:
    """Write each off-diagonal odd in its heatmap cell (white on the darkest cells)."""
    n = len(m)
    for i in range(n):
        for j in range(n):
            if i != j:
                a.text(
                    j,
                    i,
                    f"{m[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if abs(m[i, j] - 0.5) > 0.3 else "black",
                )


def plot_rank_odds(
    data,
    *,
    order=None,
    outcome: str | None = None,
    path: str = "total",
    title: str | None = None,
    ax=None,
    max_draws: int | None = 1000,
):
    """Odds that the return of each item (row) is above that of another (column).

    Parameters
    ----------
    data : FitResult or xarray.DataArray
        A fit (ROAS draws from :func:`mmm.analysis.roas_draws`, odds from
        :func:`mmm.analysis.pairwise_beats`, order from :func:`mmm.analysis.rank_table`),
        or the odds of :func:`mmm.analysis.pairwise_beats`: dims (series, other) or
        (channel, other), shares 0 .. 1; ``outcome`` and ``path`` dims, when left, are
        selected with ``outcome`` and ``path``.
    order : list of str, optional
        Item ids in display order, best first (e.g. the ``series`` column of
        :func:`mmm.analysis.rank_table`); default: by the row's mean odds, highest first.
    outcome : str, optional
        Default: the first outcome (one heatmap per figure).
    path : str, default "total"
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Where to draw (its figure gets the colour bar). Default: a new figure.
    max_draws : int or None, default 1000
        Draws used when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        One heatmap cell per ordered pair, its odds written in the cell (the diagonal left
        blank); rows and columns in ``order``, labelled with display names. Cells near 0.5
        are pairs the data cannot order; a settled order shows as a red upper triangle
        (odds near 1) over a blue lower one.
    """
    if is_fit(data):
        from mmm.analysis import pairwise_beats, rank_table, roas_draws

        draws = roas_draws(data, max_draws=max_draws).sel(path=path)
        o: str | None = pick_outcomes(draws["outcome"].values, outcome, first=True)[0]
        draws = draws.sel(outcome=o)
        beats = pairwise_beats(draws)
        if order is None:
            order = [str(s) for s in rank_table(draws)["series"]]
    else:
        beats = data
        o = outcome
        if "outcome" in beats.dims:
            o = pick_outcomes(beats["outcome"].values, outcome, first=True)[0]
            beats = beats.sel(outcome=o)
        if "path" in beats.dims:
            beats = beats.sel(path=path)
    dim = next(d for d in beats.dims if d != "other")
    b = beats.transpose(dim, "other")
    if order is None:
        order = [str(s) for s in b[dim].values[np.argsort(-b.mean("other").values, kind="stable")]]
    m = b.sel({dim: order, "other": order}).values.astype(float)
    np.fill_diagonal(m, np.nan)
    n = len(order)
    fig, (a,) = panels(ax, 1, width=0.55 * n + 4.5, height=0.45 * n + 1.2)
    im = a.imshow(m, vmin=0.0, vmax=1.0, cmap="RdBu_r")
    a.grid(False)
    _label_cells(a, m)
    names = [label(s) for s in order]
    a.set_xticks(range(n), names, rotation=60, ha="right")
    a.set_yticks(range(n), names)
    a.set_xlabel("... is above this one")
    a.set_ylabel("chance that this return ...")
    fig.colorbar(im, ax=a, shrink=0.8, label="posterior probability")
    where = f"{outcome_label(o)}, " if o else ""
    a.set_title(title or f"How sure is the order? ({where}by {dim})")
    return fig


def plot_spend_vs_effect_share(
    data,
    *,
    outcome=None,
    labels: dict | None = None,
    title: str | None = None,
    ax=None,
    prob: float = 0.9,
):
    """Per line: share of media spend beside share of media's effect on one outcome.

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the shares are computed with :func:`mmm.analysis.shares.line_shares`), or
        that table (columns outcome, series, stage, spend_share, effect_share_median,
        effect_share_lower, effect_share_upper).
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    labels : dict of str -> str, optional
        Display name per series (default: :func:`mmm.names.display_name` of the series).
    title : str, optional
        Title of the panel (one outcome) or of a new figure (several).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    prob : float, default 0.9
        Interval probability when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal paired bars per line, sorted by effect share (grey: spend share; coloured:
        effect share with its interval; hatched: awareness lines).
    """
    from mmm.analysis.shares import line_shares

    _, shares = fit_and_table(data, lambda f: line_shares(f, prob=prob))
    outs = pick_outcomes(shares["outcome"], outcome, ax=ax)
    n = shares["series"].nunique()
    fig, axes = panels(ax, len(outs), width=8, height=0.42 * n + 1.0)
    from matplotlib.patches import Patch

    for a, o in zip(axes, outs, strict=True):
        df = shares[shares["outcome"] == o].sort_values("effect_share_median")
        y = np.arange(len(df))
        a.barh(y + 0.2, df["spend_share"], 0.38, color=LIGHT_GREY, label="share of spend")
        aware = (df["stage"] == "awareness").to_numpy()
        med = df["effect_share_median"].to_numpy()
        a.barh(y - 0.2, med, 0.38, color=[color(1) if w else color(0) for w in aware])
        for yi, w in zip(y, aware, strict=True):
            if w:
                a.barh(yi - 0.2, med[yi], 0.38, color="none", edgecolor="white", hatch="///")
        err = [
            med - df["effect_share_lower"].to_numpy(),
            df["effect_share_upper"].to_numpy() - med,
        ]
        a.errorbar(med, y - 0.2, xerr=err, fmt="none", color="black", lw=0.8, capsize=2)
        a.set_yticks(y, [(labels or {}).get(s) or label(s) for s in df["series"]])
        plain_axis(a.xaxis, percent=True)
        if len(outs) == 1 and title:
            a.set_title(title)
        else:
            a.set_title(f"Share of spend vs share of media's effect on {outcome_label(o)}")
        handles = [
            Patch(color=LIGHT_GREY, label="share of spend"),
            Patch(color=color(0), label="share of effect: conversion"),
            Patch(
                facecolor=color(1),
                edgecolor="white",
                hatch="///",
                label="share of effect: awareness",
            ),
        ]
        a.legend(handles=handles, loc="lower right")
    if len(outs) > 1:
        finish(fig, ax is not None, title)
    return fig
