"""Model-check figures: posterior predictive and prior vs posterior."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.plotting._style import color, figure


def plot_posterior_predictive(
    draws, observed, *, prob: float = 0.9, split_date=None, title: str | None = None
):
    """Predictive band and median against the observed outcome, one panel per outcome.

    Parameters
    ----------
    draws : xarray.DataArray, dims (sample, date, geo, outcome)
        E.g. :func:`mmm.analysis.predict` or :func:`mmm.analysis.posterior_predictive`;
        summed over geos.
    observed : xarray.DataArray, dims (date, geo, outcome)
    split_date : date-like, optional
        Start of a holdout period, drawn as a vertical line.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome axes: a band, a median line and the observed points.
    """
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    d = draws.sum("geo")
    obs = observed.sum("geo").sel(date=d["date"])
    outcomes = [str(o) for o in d["outcome"].values]
    fig, axes = figure(len(outcomes), 1, width=10, height=3 * len(outcomes), squeeze=False)
    dates = pd.DatetimeIndex(d["date"].values)
    for ax, o in zip(axes[:, 0], outcomes, strict=True):
        q = d.sel(outcome=o).quantile([lo, 0.5, hi], dim="sample").values
        ax.fill_between(
            dates,
            q[0],
            q[2],
            color=color(0),
            alpha=0.25,
            lw=0,
            label=f"{int(round(prob * 100))}% predictive interval",
        )
        ax.plot(dates, q[1], color=color(0), label="median")
        ax.plot(dates, obs.sel(outcome=o).values, ".", color="black", ms=3, label="observed")
        if split_date is not None:
            ax.axvline(pd.Timestamp(split_date), color="grey", ls="--", lw=0.8)
        ax.set_ylabel(o)
        ax.legend(loc="upper left")
    fig.suptitle(title or "Posterior predictive check")
    return fig


def plot_prior_posterior(table: pd.DataFrame, *, variable: str, title: str | None = None):
    """Prior and posterior intervals of one parameter, one row per element.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`mmm.analysis.prior_posterior`.
    variable : str

    Returns
    -------
    matplotlib.figure.Figure
        Two horizontal lines per element (prior grey, posterior coloured) with their means.
    """
    df = table[table["variable"] == variable].reset_index(drop=True)
    if df.empty:
        raise ValueError(f"{variable!r} is not in the table.")
    y = np.arange(len(df))
    fig, ax = figure(width=8, height=0.45 * len(df) + 1.5)
    ax.hlines(y + 0.15, df["prior_lower"], df["prior_upper"], color=color(4), lw=3, label="prior")
    ax.plot(df["prior_mean"], y + 0.15, "|", color=color(4), ms=10)
    ax.hlines(y - 0.15, df["post_lower"], df["post_upper"], color=color(0), lw=3, label="posterior")
    ax.plot(df["post_mean"], y - 0.15, "|", color=color(0), ms=10)
    ax.set_yticks(y, [e or variable for e in df["element"]])
    ax.set_title(title or f"{variable}: prior vs posterior")
    ax.legend(loc="lower right")
    return fig
