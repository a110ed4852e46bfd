"""Model-check figures: posterior predictive and prior vs posterior."""

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
    is_fit,
    label,
    outcome_kinds,
    outcome_label,
    panels,
    pick_outcomes,
    plain_axis,
)


def _predictive_and_observed(data, observed, *, max_draws, seed):
    """The predictive draws (of a fit, or ``data`` itself) and the observed outcomes (the
    fit's when not given; a ValueError when neither says)."""
    if is_fit(data):
        from mmm.analysis import posterior_predictive

        draws = posterior_predictive(data, max_draws=max_draws, seed=seed)
        if observed is None:
            observed = data.dataset.outcomes
    else:
        draws = data
    if observed is None:
        raise ValueError(
            "plot_posterior_predictive(draws, observed): pass the observed outcomes "
            "(e.g. fit.dataset.outcomes), or pass the fit itself."
        )
    return draws, observed


def plot_posterior_predictive(
    data,
    observed=None,
    *,
    outcome=None,
    prob: float = 0.9,
    split_date=None,
    title: str | None = None,
    ax=None,
    currency: str | None = None,
    max_draws: int | None = 500,
    seed: int = 0,
):
    """Predictive band and median against the observed outcome, one panel per outcome.

    Parameters
    ----------
    data : FitResult or xarray.DataArray
        A fit (draws from :func:`mmm.analysis.posterior_predictive`, observed values from
        the fit's dataset), or draws with dims (sample, date, geo, outcome), e.g. from
        :func:`mmm.analysis.predict`; summed over geos.
    observed : xarray.DataArray, dims (date, geo, outcome), optional
        Required with draws; default the fit's observed outcomes.
    outcome : str or list of str, optional
        Default: every outcome of the draws, one panel each (the first only when ``ax`` is
        one Axes).
    prob : float, default 0.9
        Band probability.
    split_date : date-like, optional
        Start of a holdout period, drawn as a vertical line.
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    currency : str, optional
        Currency symbol of revenue axes (known from a fit); default the fit's, else ``€``.
    max_draws : int or None, default 500
        Draws used when ``data`` is a fit.
    seed : int, default 0
        Seed of the predictive draws when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per outcome axes: a band, a median line and the observed points.
    """
    fit = data if is_fit(data) else None
    draws, observed = _predictive_and_observed(data, observed, max_draws=max_draws, seed=seed)
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    d = draws.sum("geo")
    obs = observed.sum("geo").sel(date=d["date"])
    outs = pick_outcomes(d["outcome"].values, outcome, ax=ax)
    kinds = outcome_kinds(fit)
    fig, axes = panels(ax, len(outs), width=10, height=2.8, sharex=True)
    dates = pd.DatetimeIndex(d["date"].values)
    for a, o in zip(axes, outs, strict=True):
        q = d.sel(outcome=o).quantile([lo, 0.5, hi], dim="sample").values
        a.fill_between(
            dates,
            q[0],
            q[2],
            color=color(0),
            alpha=0.25,
            lw=0,
            label=f"{int(round(prob * 100))}% predictive interval",
        )
        a.plot(dates, q[1], color=color(0), label="median")
        a.plot(dates, obs.sel(outcome=o).values, ".", color=BLACK, ms=3, label="observed")
        if split_date is not None:
            a.axvline(pd.Timestamp(split_date), color="grey", ls="--", lw=0.8)
        a.set_ylabel(outcome_label(o))
        prefix = currency_of(fit, currency) if kinds.get(o) == "revenue" else ""
        plain_axis(a.yaxis, prefix=prefix)
        a.legend(loc="upper left")
    if ax is not None and len(outs) == 1 and title:
        axes[0].set_title(title)
    finish(fig, ax is not None, title or "Posterior predictive check")
    return fig


def plot_prior_posterior(
    data,
    *,
    variable=None,
    title: str | None = None,
    ax=None,
    n_prior: int = 2000,
    prob: float = 0.9,
):
    """Prior and posterior intervals of parameters, one row per element, one panel each.

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the table is computed with :func:`mmm.analysis.prior_posterior`), or that
        table.
    variable : str or list of str, optional
        Parameter(s) to draw, one panel each; default every variable of the table (the
        first only when ``ax`` is one Axes).
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per variable drawn. Default: a new figure.
    n_prior : int, default 2000
        Prior draws when ``data`` is a fit.
    prob : float, default 0.9
        Interval probability when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Two horizontal lines per element (prior grey, posterior coloured) with their means;
        elements labelled with display names.

    Raises
    ------
    ValueError
        A ``variable`` not in the table (the message lists those that are).
    """
    from mmm.analysis import prior_posterior

    _, table = fit_and_table(data, lambda f: prior_posterior(f, n_prior=n_prior, prob=prob))
    available = list(dict.fromkeys(table["variable"]))
    if variable is None:
        single = ax is not None and not isinstance(ax, list | tuple | np.ndarray)
        variables = available[:1] if single else available
    else:
        variables = [variable] if isinstance(variable, str) else list(variable)
    missing = [v for v in variables if v not in available]
    if missing:
        raise ValueError(
            f"{', '.join(map(repr, missing))} is not in the table; "
            f"choose from {', '.join(map(repr, available))}."
        )
    sizes = [int((table["variable"] == v).sum()) for v in variables]
    fig, axes = panels(ax, len(variables), width=8, height=0.3 * max(sizes) + 1.0)
    for a, v in zip(axes, variables, strict=True):
        df = table[table["variable"] == v].reset_index(drop=True)
        y = np.arange(len(df))
        a.hlines(y + 0.15, df["prior_lower"], df["prior_upper"], color=GREY, lw=3, label="prior")
        a.plot(df["prior_mean"], y + 0.15, "|", color=GREY, ms=10)
        a.hlines(
            y - 0.15, df["post_lower"], df["post_upper"], color=color(0), lw=3, label="posterior"
        )
        a.plot(df["post_mean"], y - 0.15, "|", color=color(0), ms=10)
        a.set_yticks(y, [label(e) if e else label(v) for e in df["element"]])
        plain_axis(a.xaxis)
        a.set_title(f"{label(v)}: prior vs posterior")
        a.legend(loc="lower right")
    if ax is not None and len(variables) == 1 and title:
        axes[0].set_title(title)
    finish(fig, ax is not None, title)
    return fig
