"""Contribution figures: waterfall of totals and stacked areas over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.plotting._style import color, figure


def plot_waterfall(totals, *, outcome: str, title: str | None = None):
    """Waterfall of the components of one outcome's total over a range.

    Parameters
    ----------
    totals : xarray.DataArray, dims (sample, outcome, component)
        From :func:`mmm.analysis.component_totals` (original units); the posterior mean
        is drawn.
    outcome : str
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One bar per component, in order, each starting where the previous one ended,
        then a ``total`` bar; bars are coloured by component kind.
    """
    t = totals.sel(outcome=outcome).mean("sample")
    names = [str(c) for c in t["component"].values]
    kinds = [str(k) for k in t["kind"].values] if "kind" in t.coords else ["media"] * len(names)
    vals = np.asarray(t.values, dtype=float)
    starts = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
    kind_colors = {
        "baseline": color(4),
        "control": color(2),
        "mediator": color(3),
        "media": color(0),
    }
    fig, ax = figure(width=9, height=4.8)
    ax.bar(
        range(len(vals)), vals, bottom=starts, color=[kind_colors.get(k, color(1)) for k in kinds]
    )
    ax.bar(len(vals), vals.sum(), color=color(1))
    ax.set_xticks(range(len(vals) + 1), names + ["total"], rotation=60, ha="right")
    ax.set_ylabel(f"{outcome} (original units)")
    ax.set_title(title or f"What makes up {outcome}")
    return fig


def plot_stacked_contributions(frame: pd.DataFrame, *, outcome: str, title: str | None = None):
    """Stacked areas of the base (all non-media components) and each media series over time.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`mmm.analysis.contributions_over_time` (columns date, outcome,
        component, kind, mean), summed over geos.
    outcome : str

    Returns
    -------
    matplotlib.figure.Figure
        One area for ``base`` plus one per media series, in the legend with the same labels.
    """
    df = frame[frame["outcome"] == outcome]
    if "geo" in df:
        df = df.groupby(["date", "component", "kind"], as_index=False)["mean"].sum()
    wide = df.pivot_table(index="date", columns="component", values="mean", aggfunc="sum")
    media = [c for c in dict.fromkeys(df.loc[df["kind"] == "media", "component"])]
    base = wide.drop(columns=media).sum(axis=1)
    fig, ax = figure(width=10, height=5)
    ys = [base.to_numpy()] + [wide[m].to_numpy() for m in media]
    ax.stackplot(
        wide.index,
        *ys,
        labels=["base"] + media,
        colors=[color(4)] + [color(i) for i in range(len(media))],
        alpha=0.85,
    )
    ax.set_ylabel(f"{outcome} per period")
    ax.set_title(title or f"{outcome}: base and media contributions")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_media_over_time(
    frame: pd.DataFrame,
    *,
    outcome: str,
    groups: dict | None = None,
    title: str | None = None,
    ylabel: str | None = None,
):
    """Stacked areas of media's contribution over time, one area per channel (or group).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`mmm.analysis.contributions_over_time` (columns date, outcome, component,
        kind, mean); only ``kind == "media"`` rows are drawn.
    outcome : str
    groups : dict of str -> str, optional
        Series label -> the name of the area it is added to (e.g. its channel's display
        name); default: one area per series.
    title, ylabel : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Stacked areas of the posterior-mean media contribution per date, largest total at
        the bottom, labelled in the legend.
    """
    df = frame[(frame["outcome"] == outcome) & (frame["kind"] == "media")].copy()
    if "geo" in df:
        df = df.groupby(["date", "component"], as_index=False)["mean"].sum()
    df["group"] = df["component"].map(lambda s: (groups or {}).get(s, s))
    wide = df.pivot_table(index="date", columns="group", values="mean", aggfunc="sum")
    order = list(wide.sum().sort_values(ascending=False).index)
    fig, ax = figure(width=10, height=4.5)
    ax.stackplot(
        wide.index,
        *[wide[g].to_numpy() for g in order],
        labels=order,
        colors=[color(i) for i in range(len(order))],
        alpha=0.85,
    )
    ax.set_ylabel(ylabel or f"{outcome} from media per period")
    ax.set_title(title or f"{outcome}: media's contribution by channel over time")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig
