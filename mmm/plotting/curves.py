"""Response curves (outcome or ROAS vs spend) and adstock decay curves, as small multiples."""

from __future__ import annotations

import warnings

import numpy as np

from mmm.plotting._style import (
    color,
    currency_of,
    finish,
    fit_and_table,
    is_fit,
    label,
    outcome_kinds,
    outcome_label,
    outer_labels,
    panel_title,
    panels,
    pick_outcomes,
    plain_axis,
)


def _curves_and_points(data, points, prob: float):
    """The response curves (of a fit, or ``data`` itself) and their marked points (a fit's
    by default)."""
    if not is_fit(data):
        return data, points
    from mmm.analysis import curve_points, response_curves

    curves = response_curves(data)
    if points is None:
        rev = [o for o, k in outcome_kinds(data).items() if k == "revenue"]
        points = curve_points(curves, prob=prob, revenue_outcomes=rev)
    return curves, points


def _curve_panel(a, curves, s: str, c, outcome, quantity, prob, points, currency, kind):
    """One series' curve on the Axes ``a``: median and band in the colour ``c``, the current
    spend as a dot and where returns start to diminish as a diamond."""
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    cur = curves.attrs["current_point"]
    sp = curves["spend"].sel(series=s).values
    v = curves[quantity].sel(outcome=outcome, series=s)
    with warnings.catch_warnings():  # ROAS is undefined at zero spend
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        q = v.quantile([lo, 0.5, hi], dim="sample").values
    a.plot(sp, q[1], color=c, label=label(s))
    a.fill_between(sp, q[0], q[2], color=c, alpha=0.2, lw=0)
    a.plot(sp[cur], q[1][cur], "o", color=c, ms=5)
    if points is not None and quantity == "contribution":
        p = points[
            (points["outcome"] == outcome)
            & (points["series"] == s)
            & (points["quantity"] == "diminishing_spend")
        ]
        if len(p) and np.isfinite(p["median"].iloc[0]):
            xd = float(p["median"].iloc[0])
            a.plot(xd, np.interp(xd, sp, q[1]), "D", color=c, mfc="white", ms=5)
    panel_title(a, label(s))
    plain_axis(a.xaxis, prefix=currency)
    plain_axis(a.yaxis, prefix=currency if kind == "revenue" and quantity != "roas" else "")


def _curve_labels(quantity: str, outcome: str, currency: str) -> tuple[str, str]:
    """The y label and the default title of the curves of ``quantity``."""
    if quantity == "roas":
        ylabel = f"{outcome_label(outcome)} per {currency}1"
    else:
        ylabel = f"incremental {outcome_label(outcome).lower()}"
    what = "Response" if quantity == "contribution" else "Average return"
    return ylabel, (
        f"{what} curves: {outcome_label(outcome)} (dot: current spend; "
        "diamond: where returns start to diminish)"
    )


def plot_response_curves(
    data,
    *,
    outcome: str | None = None,
    series=None,
    points=None,
    prob: float = 0.9,
    quantity: str = "contribution",
    title: str | None = None,
    ax=None,
    ncols: int = 4,
    sharex: bool = True,
    sharey: bool = True,
    currency: str | None = None,
    kind: str | None = None,
):
    """Outcome (or average return) vs spend, one small panel per series, on shared scales.

    Parameters
    ----------
    data : FitResult or xarray.Dataset
        A fit (curves from :func:`mmm.analysis.response_curves`, points of diminishing
        returns from :func:`mmm.analysis.curve_points`), or the curves Dataset.
    outcome : str, optional
        Default: the first outcome of the curves.
    series : list of str, optional
        Series labels to draw (default all), one panel each.
    points : pandas.DataFrame, optional
        From :func:`mmm.analysis.curve_points`; the median point of diminishing returns
        is marked with a white diamond. Computed when ``data`` is a fit.
    prob : float, default 0.9
        Band probability.
    quantity : {"contribution", "roas"}, default "contribution"
        Incremental outcome over the period, or the average return per currency unit.
    title : str, optional
        Figure title (a new figure only).
    ax : None or array of Axes, optional
        None: a new grid of panels. Else one Axes per series (e.g.
        ``plt.subplots(3, 4)[1]`` for 12 series); a single Axes is accepted when one
        series is drawn.
    ncols : int, default 4
        Panels per row of a new grid.
    sharex, sharey : bool, default True
        Shared scales of a new grid (one spend axis and one outcome axis for all panels, so
        the panels compare honestly; ``sharex=False`` zooms each on its own spend).
    currency : str, optional
        Currency symbol of the spend axis; default the fit's, else ``€``.
    kind : {"revenue", "count"}, optional
        The outcome's kind (a revenue axis is in currency); default the fit's, else
        ``count``.

    Returns
    -------
    matplotlib.figure.Figure
        Per panel: the median curve and its band in the series' colour, current spend
        marked with a dot, titled with the series' display name.
    """
    fit = data if is_fit(data) else None
    curves, points = _curves_and_points(data, points, prob)
    if quantity not in ("contribution", "roas"):
        raise ValueError(f"quantity must be 'contribution' or 'roas', got {quantity!r}.")
    (outcome,) = pick_outcomes(curves["outcome"].values, outcome, first=True)
    series = [str(s) for s in curves["series"].values] if series is None else list(series)
    cur_sym = currency_of(fit, currency)
    fig, axes = panels(
        ax, len(series), ncols=ncols, width=11, height=2.4, sharex=sharex, sharey=sharey
    )
    kind = kind or outcome_kinds(fit).get(outcome, "count")
    for i, (a, s) in enumerate(zip(axes, series, strict=True)):
        _curve_panel(a, curves, s, color(i), outcome, quantity, prob, points, cur_sym, kind)
    ylabel, default_title = _curve_labels(quantity, outcome, cur_sym)
    outer_labels(axes, xlabel="spend over the period", ylabel=ylabel)
    finish(fig, ax is not None, title or default_title)
    return fig


def plot_adstock(
    data,
    *,
    channels=None,
    title: str | None = None,
    ax=None,
    ncols: int = 4,
    prob: float = 0.9,
):
    """Carry-over weights by lag, one small panel per channel on a shared scale.

    Parameters
    ----------
    data : FitResult or xarray.Dataset
        A fit (weights from :func:`mmm.analysis.adstock_curves`), or that Dataset.
    channels : list of str, optional
        Channels to draw (default all), one panel each.
    title : str, optional
        Figure title (a new figure only).
    ax : None or array of Axes, optional
        None: a new grid. Else one Axes per channel (a single Axes when one is drawn).
    ncols : int, default 4
        Panels per row of a new grid.
    prob : float, default 0.9
        Band probability when ``data`` is a fit.

    Returns
    -------
    matplotlib.figure.Figure
        Per channel: mean weight per lag with markers and its band, in the channel's colour.
    """
    from mmm.analysis import adstock_curves

    _, decay = fit_and_table(data, lambda f: adstock_curves(f, prob=prob))
    channels = [str(c) for c in decay["channel"].values] if channels is None else list(channels)
    fig, axes = panels(
        ax, len(channels), ncols=ncols, width=11, height=2.2, sharex=True, sharey=True
    )
    lags = decay["lag"].values
    for i, (a, ch) in enumerate(zip(axes, channels, strict=True)):
        d = decay.sel(channel=ch)
        a.plot(lags, d["mean"].values, marker="o", ms=3, color=color(i), label=label(ch))
        a.fill_between(lags, d["lower"].values, d["upper"].values, color=color(i), alpha=0.2, lw=0)
        panel_title(a, label(ch))
        plain_axis(a.yaxis, percent=True)
        a.set_ylim(bottom=0)
    unit = "weeks" if decay.attrs.get("period_days") == 7.0 else "periods"
    outer_labels(axes, xlabel=f"lag ({unit} after spend)", ylabel="share of the effect")
    finish(fig, ax is not None, title or "Carry-over (adstock) decay")
    return fig
