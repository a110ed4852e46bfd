"""Response curves (outcome and ROAS vs spend) and adstock decay curves."""

from __future__ import annotations

import warnings

import numpy as np

from mmm.plotting._style import color, figure


def plot_response_curves(
    curves, *, outcome: str, series=None, points=None, prob: float = 0.9, title: str | None = None
):
    """Outcome vs spend (left) and ROAS vs spend (right) with intervals.

    Parameters
    ----------
    curves : xarray.Dataset
        From :func:`mmm.analysis.response_curves`.
    outcome : str
    series : list of str, optional
        Series to draw (default all).
    points : pandas.DataFrame, optional
        From :func:`mmm.analysis.curve_points`; the median point of diminishing returns
        is marked with a diamond on the outcome panel.
    prob : float
        Band probability.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes; one median line and one band per series on each; current spend marked
        with a dot on the outcome panel.
    """
    series = [str(s) for s in curves["series"].values] if series is None else list(series)
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    fig, (a1, a2) = figure(1, 2, width=12, height=4.8)
    cur = curves.attrs["current_point"]
    for i, s in enumerate(series):
        sp = curves["spend"].sel(series=s).values
        for ax, var in ((a1, "contribution"), (a2, "roas")):
            v = curves[var].sel(outcome=outcome, series=s)
            with warnings.catch_warnings():  # ROAS is undefined at zero spend
                warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
                q = v.quantile([lo, 0.5, hi], dim="sample").values
            ax.plot(sp, q[1], color=color(i), label=s)
            ax.fill_between(sp, q[0], q[2], color=color(i), alpha=0.15, lw=0)
        c = curves["contribution"].sel(outcome=outcome, series=s).median("sample").values
        a1.plot(sp[cur], c[cur], "o", color=color(i))
        if points is not None:
            p = points[
                (points["outcome"] == outcome)
                & (points["series"] == s)
                & (points["quantity"] == "diminishing_spend")
            ]
            if len(p) and np.isfinite(p["median"].iloc[0]):
                xd = float(p["median"].iloc[0])
                a1.plot(xd, np.interp(xd, sp, c), "D", color=color(i), mfc="white")
    a1.set_xlabel("spend over the period (currency)")
    a1.set_ylabel(f"incremental {outcome}")
    a1.set_title("Response (dot: current spend)")
    a2.set_xlabel("spend over the period (currency)")
    a2.set_ylabel(f"{outcome} per currency unit")
    a2.set_title("Average return vs spend")
    a2.legend(loc="upper right")
    fig.suptitle(title or f"Response curves: {outcome}")
    return fig


def plot_adstock(decay, *, channels=None, title: str | None = None):
    """Carry-over weights by lag per channel, with intervals.

    Parameters
    ----------
    decay : xarray.Dataset
        From :func:`mmm.analysis.adstock_curves`.
    channels : list of str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One line (mean) and band per channel.
    """
    channels = [str(c) for c in decay["channel"].values] if channels is None else channels
    fig, ax = figure(width=8, height=4.5)
    lags = decay["lag"].values
    for i, ch in enumerate(channels):
        d = decay.sel(channel=ch)
        ax.plot(lags, d["mean"].values, marker="o", ms=3, color=color(i), label=ch)
        ax.fill_between(
            lags, d["lower"].values, d["upper"].values, color=color(i), alpha=0.15, lw=0
        )
    unit = "weeks" if decay.attrs.get("period_days") == 7.0 else "periods"
    ax.set_xlabel(f"lag ({unit} after spend)")
    ax.set_ylabel("share of the effect")
    ax.set_title(title or "Carry-over (adstock) decay")
    ax.legend(loc="upper right")
    return fig
