"""Figures of a budget recommendation (matplotlib is imported when a function is called)."""

from __future__ import annotations

import numpy as np


def plot_allocation(result, *, ax=None, by: str = "series"):
    """Bar chart of current vs recommended spend over the horizon per series (or channel).

    Returns the matplotlib Figure.
    """
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    df = result.allocation.groupby(by, sort=False)[["current", "recommended"]].sum()
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(df) + 1.5))
    else:
        fig = ax.figure
    y = np.arange(len(df))
    ax.barh(y - 0.2, df["current"], height=0.4, label="current", color="#9e9e9e")
    ax.barh(y + 0.2, df["recommended"], height=0.4, label="recommended", color="#1f77b4")
    ax.set_yticks(y, df.index)
    ax.invert_yaxis()
    ax.set_xlabel("spend over the horizon")
    ax.legend(loc="lower right")
    ax.set_title("Current vs recommended spend")
    fig.tight_layout()
    return fig


def plot_uplift(result, *, ax=None, bins: int = 40):
    """Histogram of the value uplift (recommended minus current) over posterior draws."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    d = np.asarray(result.uplift_draws, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    ax.hist(d, bins=bins, color="#1f77b4", alpha=0.8)
    ax.axvline(0.0, color="black", lw=1)
    ax.axvline(d.mean(), color="#d62728", lw=1.5, ls="--", label=f"mean {d.mean():,.0f}")
    p = float(np.mean(d > 0))
    ax.set_title(f"Uplift vs current plan (P(better) = {p:.0%})")
    ax.set_xlabel("value uplift")
    ax.set_ylabel("posterior draws")
    ax.legend()
    fig.tight_layout()
    return fig
