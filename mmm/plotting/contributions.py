"""Contribution figures: waterfall of totals, stacked areas and small multiples over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.plotting._style import (
    BLACK,
    GREY,
    color,
    currency_of,
    finish,
    fit_and_table,
    label,
    outcome_kinds,
    outcome_label,
    outer_labels,
    panel_title,
    panels,
    pick_outcomes,
    plain_axis,
)

#: Order of the component kinds in legends, and their colour positions.
KINDS = ("baseline", "control", "mediator", "media")


def _prefix(fit, outcome, currency) -> str:
    return currency_of(fit, currency) if outcome_kinds(fit).get(outcome) == "revenue" else ""


def plot_waterfall(
    data,
    *,
    outcome=None,
    title: str | None = None,
    ax=None,
    currency: str | None = None,
    max_draws: int | None = 500,
):
    """Waterfall of the components of each outcome's total over the fitted period.

    Parameters
    ----------
    data : FitResult or xarray.DataArray
        A fit (totals from :func:`mmm.analysis.component_totals`), or those totals: dims
        (sample, outcome, component), original units; the posterior mean is drawn.
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    currency : str, optional
        Currency symbol of revenue axes (known from a fit); default the fit's, else ``€``.
    max_draws : int or None, default 500
        Draws used when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome: one bar per component, in order, each starting where the previous one
        ended, then a ``Total`` bar; bars coloured by component kind (legend).
    """
    from mmm.analysis import component_totals

    fit, totals = fit_and_table(data, lambda f: component_totals(f, max_draws=max_draws))
    outs = pick_outcomes(totals["outcome"].values, outcome, ax=ax)
    fig, axes = panels(ax, len(outs), width=9, height=4.2)
    from matplotlib.patches import Patch

    kind_colors = {k: color(i) for i, k in enumerate(KINDS)}
    total_color = BLACK
    for a, o in zip(axes, outs, strict=True):
        t = totals.sel(outcome=o).mean("sample")
        names = [str(c) for c in t["component"].values]
        kinds = [str(k) for k in t["kind"].values] if "kind" in t.coords else ["media"] * len(names)
        vals = np.asarray(t.values, dtype=float)
        starts = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
        other = color(len(KINDS))
        a.bar(
            range(len(vals)),
            vals,
            bottom=starts,
            color=[kind_colors.get(k, other) for k in kinds],
        )
        a.bar(len(vals), vals.sum(), color=total_color)
        a.set_xticks(
            range(len(vals) + 1), [label(n) for n in names] + ["Total"], rotation=60, ha="right"
        )
        plain_axis(a.yaxis, prefix=_prefix(fit, o, currency))
        a.set_ylabel(f"{outcome_label(o)} over the period")
        a.set_title(f"What makes up {outcome_label(o).lower()}")
        present = [k for k in KINDS if k in kinds] + sorted(set(kinds) - set(KINDS))
        handles = [Patch(color=kind_colors.get(k, other), label=label(k)) for k in present]
        handles.append(Patch(color=total_color, label="Total"))
        a.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if ax is not None and len(outs) == 1 and title:
        axes[0].set_title(title)
    finish(fig, ax is not None, title)
    return fig


def _contributions(data, max_draws):
    from mmm.analysis import contributions_over_time

    return fit_and_table(data, lambda f: contributions_over_time(f, max_draws=max_draws))


def plot_stacked_contributions(
    data,
    *,
    outcome=None,
    title: str | None = None,
    ax=None,
    currency: str | None = None,
    max_draws: int | None = 500,
):
    """Stacked areas of the base (all non-media components) and each media series over time.

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the table is computed with :func:`mmm.analysis.contributions_over_time`),
        or that table (columns date, outcome, component, kind, mean; geos are summed).
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    currency : str, optional
        Currency symbol of revenue axes (known from a fit); default the fit's, else ``€``.
    max_draws : int or None, default 500
        Draws used when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome: one grey area for ``Base`` plus one per media series in its own
        colour, labelled with display names in the legend. For many series,
        :func:`plot_contributions` shows each on its own panel.
    """
    fit, frame = _contributions(data, max_draws)
    outs = pick_outcomes(frame["outcome"], outcome, ax=ax)
    fig, axes = panels(ax, len(outs), width=10, height=3.6, sharex=True)
    for a, o in zip(axes, outs, strict=True):
        df = frame[frame["outcome"] == o]
        if "geo" in df:
            df = df.groupby(["date", "component", "kind"], as_index=False)["mean"].sum()
        wide = df.pivot_table(index="date", columns="component", values="mean", aggfunc="sum")
        media = list(dict.fromkeys(df.loc[df["kind"] == "media", "component"]))
        base = wide.drop(columns=media).sum(axis=1)
        ys = [base.to_numpy()] + [wide[m].to_numpy() for m in media]
        a.stackplot(
            wide.index,
            *ys,
            labels=["Base"] + [label(m) for m in media],
            colors=[GREY] + [color(i) for i in range(len(media))],
            alpha=0.9,
        )
        plain_axis(a.yaxis, prefix=_prefix(fit, o, currency))
        a.set_ylabel(f"{outcome_label(o)} per period")
        a.set_title(f"{outcome_label(o)}: base and media contributions")
        a.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    finish(fig, ax is not None, title)
    return fig


def plot_contributions(
    data,
    *,
    outcome: str | None = None,
    series=None,
    title: str | None = None,
    ax=None,
    ncols: int = 4,
    sharey: bool = True,
    currency: str | None = None,
    max_draws: int | None = 500,
):
    """Each media series' contribution over time with its interval, one small panel each.

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the table is computed with :func:`mmm.analysis.contributions_over_time`),
        or that table (columns date, outcome, component, kind, mean, lower, upper; geos
        are summed).
    outcome : str, optional
        Default: the first outcome of the table.
    series : list of str, optional
        Media series labels to draw (default every media component), one panel each.
    title : str, optional
        Figure title (a new figure only).
    ax : None or array of Axes, optional
        None: a new grid. Else one Axes per series (a single Axes when one is drawn).
    ncols : int, default 4
        Panels per row of a new grid.
    sharey : bool, default True
        One outcome scale for every panel (dates are always shared).
    currency : str, optional
        Currency symbol of revenue axes (known from a fit); default the fit's, else ``€``.
    max_draws : int or None, default 500
        Draws used when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per series: the posterior-mean contribution per period and its interval band, in
        the series' colour, titled with its display name.
    """
    import matplotlib.dates as mdates

    fit, frame = _contributions(data, max_draws)
    (o,) = pick_outcomes(frame["outcome"], outcome, first=True)
    df = frame[(frame["outcome"] == o) & (frame["kind"] == "media")]
    if "geo" in df:
        df = df.groupby(["date", "component"], as_index=False)[["mean", "lower", "upper"]].sum()
    media = list(dict.fromkeys(df["component"])) if series is None else list(series)
    fig, axes = panels(
        ax, len(media), ncols=ncols, width=11, height=2.2, sharex=True, sharey=sharey
    )
    for i, (a, s) in enumerate(zip(axes, media, strict=True)):
        d = df[df["component"] == s].sort_values("date")
        dates = pd.DatetimeIndex(d["date"])
        a.fill_between(dates, d["lower"], d["upper"], color=color(i), alpha=0.25, lw=0)
        a.plot(dates, d["mean"], color=color(i), lw=1.2, label=label(s))
        panel_title(a, label(s))
        plain_axis(a.yaxis, prefix=_prefix(fit, o, currency))
        loc = mdates.AutoDateLocator(minticks=2, maxticks=4)
        a.xaxis.set_major_locator(loc)
        a.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    outer_labels(axes, ylabel=f"{outcome_label(o).lower()} per period")
    finish(fig, ax is not None, title or f"{outcome_label(o)} from each media line")
    return fig


def plot_media_over_time(
    data,
    *,
    outcome=None,
    groups: dict | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    ax=None,
    currency: str | None = None,
    max_draws: int | None = 500,
):
    """Stacked areas of media's contribution over time, one area per channel (or group).

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the table is computed with :func:`mmm.analysis.contributions_over_time`),
        or that table (columns date, outcome, component, kind, mean); only
        ``kind == "media"`` rows are drawn.
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    groups : dict of str -> str, optional
        Series label -> the name of the area it is added to (e.g. its channel's display
        name); default: one area per series, named by its display name.
    title : str, optional
        Title of the panel (one outcome) or of a new figure (several).
    ylabel : str, optional
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    currency : str, optional
        Currency symbol of revenue axes (known from a fit); default the fit's, else ``€``.
    max_draws : int or None, default 500
        Draws used when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Stacked areas of the posterior-mean media contribution per date, largest total at
        the bottom, labelled in the legend.
    """
    fit, frame = _contributions(data, max_draws)
    outs = pick_outcomes(frame["outcome"], outcome, ax=ax)
    fig, axes = panels(ax, len(outs), width=10, height=3.6, sharex=True)
    for a, o in zip(axes, outs, strict=True):
        df = frame[(frame["outcome"] == o) & (frame["kind"] == "media")].copy()
        if "geo" in df:
            df = df.groupby(["date", "component"], as_index=False)["mean"].sum()
        df["group"] = df["component"].map(lambda s: (groups or {}).get(s) or label(s))
        wide = df.pivot_table(index="date", columns="group", values="mean", aggfunc="sum")
        order = list(wide.sum().sort_values(ascending=False).index)
        a.stackplot(
            wide.index,
            *[wide[g].to_numpy() for g in order],
            labels=order,
            colors=[color(i) for i in range(len(order))],
            alpha=0.9,
        )
        plain_axis(a.yaxis, prefix=_prefix(fit, o, currency))
        a.set_ylabel(ylabel or f"{outcome_label(o).lower()} from media per period")
        if len(outs) == 1 and title:
            a.set_title(title)
        else:
            a.set_title(f"{outcome_label(o)}: media's contribution by channel over time")
        a.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if len(outs) > 1:
        finish(fig, ax is not None, title)
    return fig
