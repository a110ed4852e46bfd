"""Figures of journey attribution results.

Every function takes computed results and returns a :class:`matplotlib.figure.Figure`
built directly (no pyplot, no global state, safe with any backend); nothing is shown or
saved. matplotlib is imported inside the functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.journeys.paths import PathTable


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def plot_credit_by_method(result: pd.DataFrame, *, column: str = "share"):
    """Credit of every channel by method, side by side (grouped bars).

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`mmm.journeys.attribute`.
    column : {"share", "conversions", "value"}, keyword-only
        What the bars show. Bootstrap intervals are drawn as error bars for ``share``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    methods = list(dict.fromkeys(result["method"]))
    channels = list(dict.fromkeys(result["channel"]))
    fig, ax = _figure(max(6.0, 0.9 * len(channels) * max(1, len(methods)) ** 0.5 + 2), 4.5)
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(channels))
    for i, m in enumerate(methods):
        sub = result[result["method"] == m].set_index("channel").reindex(channels)
        heights = sub[column].to_numpy(dtype=float)
        err = None
        if column == "share" and sub["lower"].notna().any():
            err = np.vstack(
                [heights - sub["lower"].to_numpy(float), sub["upper"].to_numpy(float) - heights]
            )
            err = np.clip(np.nan_to_num(err), 0, None)
        ax.bar(x + (i - (len(methods) - 1) / 2) * width, heights, width, label=m, yerr=err)
    ax.set_xticks(x, channels, rotation=30, ha="right")
    ax.set_ylabel({"share": "share of conversions"}.get(column, f"credited {column}"))
    ax.set_title("Credit by method")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.legend(fontsize="small", ncols=2)
    return fig


def plot_top_paths(top: pd.DataFrame, *, column: str = "conversions"):
    """Horizontal bars of the top paths (output of :func:`mmm.journeys.top_paths`)."""
    fig, ax = _figure(8.0, max(3.0, 0.35 * len(top) + 1))
    y = np.arange(len(top))[::-1]
    ax.barh(y, top[column].to_numpy(dtype=float))
    ax.set_yticks(y, list(top["path"]), fontsize="small")
    ax.set_xlabel(column)
    ax.set_title("Top paths")
    return fig


def plot_transition_heatmap(matrix: pd.DataFrame | PathTable):
    """Heatmap of first-order transition probabilities.

    Parameters
    ----------
    matrix : pandas.DataFrame or PathTable
        Output of :func:`mmm.journeys.transition_matrix`, or paths to compute it from.
    """
    if isinstance(matrix, PathTable):
        from mmm.journeys.markov import transition_matrix

        matrix = transition_matrix(matrix)
    values = matrix.to_numpy(dtype=float)
    fig, ax = _figure(1.0 + 0.7 * values.shape[1], 1.0 + 0.55 * values.shape[0])
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(np.arange(values.shape[1]), list(matrix.columns), rotation=45, ha="right")
    ax.set_yticks(np.arange(values.shape[0]), list(matrix.index))
    for (i, j), v in np.ndenumerate(values):
        if v > 0:
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize="x-small",
                color="white" if v > 0.5 else "black",
            )
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    ax.set_title("Transition probabilities")
    fig.colorbar(image, ax=ax, label="probability")
    return fig


def plot_path_lengths(paths: PathTable, *, max_length: int = 15):
    """Journeys by number of touches, converting and not (paths longer than ``max_length``
    are shown in the last bar, labelled ``max_length+``)."""
    lengths = np.minimum(paths.lengths, max_length)
    bins = np.arange(1, max_length + 1)
    conv = np.bincount(lengths, weights=paths.conversions, minlength=max_length + 1)[1:]
    nulls = np.bincount(lengths, weights=paths.nulls, minlength=max_length + 1)[1:]
    fig, ax = _figure(7.0, 4.0)
    ax.bar(bins, nulls, label="did not convert", color="#bbbbbb")
    ax.bar(bins, conv, bottom=nulls, label="converted", color="#1f77b4")
    labels = [str(b) for b in bins]
    labels[-1] = f"{max_length}+"
    ax.set_xticks(bins, labels)
    ax.set_xlabel("touches in the journey")
    ax.set_ylabel("journeys")
    ax.set_title("Path length")
    ax.legend()
    return fig


def plot_time_to_convert(paths: PathTable, *, bins: int = 30):
    """Histogram of days from the first touch to the conversion (needs event data)."""
    if paths.timing is None:
        raise DataError(
            "time to convert needs touch times; build the paths from events "
            "(mmm.journeys.build_journeys)",
            source=paths.source,
        )
    days = paths.timing.days_to_convert
    fig, ax = _figure(7.0, 4.0)
    ax.hist(days, bins=bins, color="#1f77b4")
    ax.axvline(float(np.median(days)), color="black", linestyle="--", label="median")
    ax.set_xlabel("days from first touch to conversion")
    ax.set_ylabel("converting journeys")
    ax.set_title("Time to convert")
    ax.legend()
    return fig


def plot_journey_vs_mmm(comparison: pd.DataFrame):
    """Journey share beside media-mix share for the shared channels (output of
    :func:`mmm.journeys.compare_with_mmm`)."""
    shared = comparison[comparison["difference"].notna()]
    fig, ax = _figure(max(6.0, 0.9 * len(shared) + 2), 4.5)
    x = np.arange(len(shared))
    ax.bar(x - 0.2, shared["journey_share"], 0.4, label="journeys")
    ax.bar(x + 0.2, shared["mmm_share"], 0.4, label="media mix")
    ax.set_xticks(x, list(shared["channel"]), rotation=30, ha="right")
    ax.set_ylabel("share over shared channels")
    method = comparison.attrs.get("method")
    ax.set_title("Journey credit vs media mix" + (f" ({method})" if method else ""))
    ax.legend()
    return fig
