"""Return and funnel figures: ROAS with intervals, spend share vs effect share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.plotting._style import color, figure


def plot_roas(
    table: pd.DataFrame, *, outcome: str, path: str = "total", truth=None, title: str | None = None
):
    """Return per currency unit of each series with its interval (a forest plot).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`mmm.analysis.roas_table` (columns outcome, series, path, median,
        lower, upper, interval).
    outcome : str
    path : {"direct", "mediated", "total"}
    truth : dict of str -> float, optional
        True value per series, drawn as crosses (simulated data).

    Returns
    -------
    matplotlib.figure.Figure
        One error bar per series, sorted by median; y tick labels are the series.
    """
    df = table[(table["outcome"] == outcome) & (table["path"] == path)]
    df = df.sort_values("median").reset_index(drop=True)
    y = np.arange(len(df))
    fig, ax = figure(width=8, height=0.4 * len(df) + 1.5)
    ax.errorbar(
        df["median"],
        y,
        xerr=[df["median"] - df["lower"], df["upper"] - df["median"]],
        fmt="o",
        color=color(0),
        capsize=3,
        label=f"median and {int(round(df['interval'].iloc[0] * 100))}% interval",
    )
    if truth is not None:
        ax.scatter(
            [truth.get(s, np.nan) for s in df["series"]],
            y,
            marker="x",
            color=color(5),
            zorder=3,
            label="truth",
        )
    ax.set_yticks(y, list(df["series"]))
    kind = df["kind"].iloc[0] if "kind" in df and len(df) else "revenue"
    ax.set_xlabel("revenue per euro (ROAS)" if kind == "revenue" else "units per euro")
    if kind == "revenue":
        ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_title(title or f"{outcome}: return per euro ({path})")
    ax.legend(loc="lower right")
    return fig


def plot_funnel(shares: pd.DataFrame, *, title: str | None = None):
    """Share of spend vs share of incremental outcome per funnel stage, one panel per outcome.

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`mmm.analysis.funnel_shares`.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome: two bars per stage (spend share, effect share with its interval).
    """
    outcomes = list(dict.fromkeys(shares["outcome"]))
    fig, axes = figure(1, len(outcomes), width=4.5 * len(outcomes), height=4, squeeze=False)
    for ax, o in zip(axes[0], outcomes, strict=True):
        df = shares[shares["outcome"] == o]
        x = np.arange(len(df))
        ax.bar(x - 0.2, df["spend_share"], width=0.4, color=color(4), label="share of spend")
        err = [
            df["effect_share_median"] - df["effect_share_lower"],
            df["effect_share_upper"] - df["effect_share_median"],
        ]
        ax.bar(
            x + 0.2,
            df["effect_share_median"],
            width=0.4,
            yerr=err,
            capsize=3,
            color=color(0),
            label="share of incremental outcome",
        )
        ax.set_xticks(x, list(df["stage"]))
        ax.set_ylim(0, 1)
        ax.set_title(o)
        ax.set_ylabel("share")
        ax.legend(loc="upper right")
    fig.suptitle(title or "Awareness vs conversion")
    return fig


def plot_rank_odds(beats, *, order=None, title: str | None = None):
    """Odds that the return of each item (row) is above that of another (column).

    Parameters
    ----------
    beats : xarray.DataArray, dims (series, other) or (channel, other)
        From :func:`mmm.analysis.pairwise_beats`, one outcome and path selected; shares
        0 .. 1.
    order : list of str, optional
        Item labels in display order, best first (e.g. the ``series`` column of
        :func:`mmm.analysis.rank_table`); default: by the row's mean odds, highest first.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One heatmap cell per ordered pair, its odds written in the cell (the diagonal left
        blank); rows and columns in ``order``. Cells near 0.5 are pairs the data cannot
        order; a settled order shows as a red upper triangle (odds near 1) over a blue lower one.
    """
    dim = next(d for d in beats.dims if d != "other")
    b = beats.transpose(dim, "other")
    if order is None:
        order = [str(s) for s in b[dim].values[np.argsort(-b.mean("other").values, kind="stable")]]
    m = b.sel({dim: order, "other": order}).values.astype(float)
    np.fill_diagonal(m, np.nan)
    n = len(order)
    fig, ax = figure(width=0.55 * n + 4, height=0.45 * n + 1.8)
    im = ax.imshow(m, vmin=0.0, vmax=1.0, cmap="RdBu_r")
    ax.grid(False)
    for i in range(n):
        for j in range(n):
            if i != j:
                ax.text(
                    j,
                    i,
                    f"{m[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if abs(m[i, j] - 0.5) > 0.3 else "black",
                )
    ax.set_xticks(range(n), order, rotation=60, ha="right")
    ax.set_yticks(range(n), order)
    ax.set_xlabel("... is above this one")
    ax.set_ylabel("chance that this return ...")
    fig.colorbar(im, ax=ax, shrink=0.8, label="posterior probability")
    ax.set_title(title or f"How sure is the order? ({dim})")
    return fig


def plot_spend_vs_effect_share(
    shares: pd.DataFrame, *, outcome: str, labels: dict | None = None, title: str | None = None
):
    """Per line: share of media spend beside share of media's effect on one outcome.

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`mmm.analysis.shares.line_shares` (columns outcome, series, stage,
        spend_share, effect_share_median, effect_share_lower, effect_share_upper).
    outcome : str
    labels : dict of str -> str, optional
        Display name per series (default: the series label).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal paired bars per line, sorted by effect share (grey: spend share; coloured:
        effect share with its interval; hatched: awareness lines).
    """
    df = shares[shares["outcome"] == outcome].sort_values("effect_share_median")
    n = len(df)
    y = np.arange(n)
    fig, ax = figure(width=8, height=0.42 * n + 1.4)
    ax.barh(y + 0.2, df["spend_share"], 0.38, color="#bdbdbd", label="share of spend")
    aware = (df["stage"] == "awareness").to_numpy()
    med = df["effect_share_median"].to_numpy()
    ax.barh(y - 0.2, med, 0.38, color=[color(1) if a else color(0) for a in aware])
    for yi, a in zip(y, aware, strict=True):
        if a:
            ax.barh(yi - 0.2, med[yi], 0.38, color="none", edgecolor="white", hatch="///")
    err = [med - df["effect_share_lower"].to_numpy(), df["effect_share_upper"].to_numpy() - med]
    ax.errorbar(med, y - 0.2, xerr=err, fmt="none", color="black", lw=0.8, capsize=2)
    names = [(labels or {}).get(s, s) for s in df["series"]]
    ax.set_yticks(y, names)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v * 100:.0f}%")
    ax.set_title(title or f"Share of spend vs share of media's effect on {outcome}")
    from matplotlib.patches import Patch

    handles = [
        Patch(color="#bdbdbd", label="share of spend"),
        Patch(color=color(0), label="share of effect: conversion"),
        Patch(
            facecolor=color(1), edgecolor="white", hatch="///", label="share of effect: awareness"
        ),
    ]
    ax.legend(handles=handles, loc="lower right")
    return fig
