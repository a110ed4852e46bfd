"""Ranked horizontal bars with interval whiskers, from rows already in display order."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mmm.plotting._style import BLACK, short_number
from mmm.plotting.palette import NEUTRAL, STAGE_COLOURS, STAGE_HATCHES


def _column(items: list[dict], key: str) -> np.ndarray:
    return np.array([np.nan if it.get(key) is None else float(it[key]) for it in items])


def _legend(ax, *, stage_legend: bool, range_label: str) -> None:
    from matplotlib.patches import Patch

    handles = []
    if stage_legend:
        handles = [
            Patch(
                facecolor=STAGE_COLOURS[s],
                hatch=STAGE_HATCHES[s],
                edgecolor="white",
                label=f"{s} channel",
            )
            for s in ("awareness", "conversion")
        ]
    handles.append(Patch(facecolor="white", edgecolor=BLACK, label=range_label))
    ax.legend(handles=handles, loc="lower right" if stage_legend else "best")


def ranked_bars(
    items: list[dict],
    *,
    title: str,
    xlabel: str,
    value_fmt: Callable = short_number,
    stage_legend: bool = True,
    range_label: str = "line: 90% range",
    ax=None,
):
    """Horizontal bars of medians with interval whiskers, the first item at the top.

    Parameters
    ----------
    items : list of dict
        One per bar, in display order: ``label``, ``median``, ``lower``, ``upper`` (None
        for a missing value: no bar or no whisker) and optionally ``stage`` (awareness /
        conversion colour and hatch the bar; anything else, e.g. a geo, is grey).
    title, xlabel : str
    value_fmt : callable
        Number -> the text printed beside each bar.
    stage_legend : bool, default True
        Explain the stage colours (off for bars that are not channels).
    range_label : str
        Legend entry of the whiskers.
    ax : matplotlib.axes.Axes, optional
        Default: a new figure, 8 inches wide, 0.38 inch per bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from mmm.plotting._style import panels

    n = len(items)
    fig, (a,) = panels(ax, 1, width=8, height=0.3 + 0.38 * max(n, 1))
    y = np.arange(n)[::-1]
    med, lo, hi = (_column(items, k) for k in ("median", "lower", "upper"))
    for yi, it, m in zip(y, items, med, strict=True):
        st = it.get("stage", "conversion")
        a.barh(
            yi,
            0 if np.isnan(m) else m,
            color=STAGE_COLOURS.get(st, NEUTRAL),
            alpha=0.85,
            hatch=STAGE_HATCHES.get(st, ""),
            edgecolor="white",
            height=0.7,
        )
    ok = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(med))
    err = [med[ok] - lo[ok], hi[ok] - med[ok]]
    a.errorbar(med[ok], y[ok], xerr=err, fmt="none", ecolor=BLACK, elinewidth=1.2, capsize=3)
    for yi, m, h in zip(y, med, hi, strict=True):
        if not np.isnan(m):
            a.text(h if not np.isnan(h) else m, yi, "  " + value_fmt(m), va="center", fontsize=8)
    a.set_yticks(y, [it["label"] for it in items])
    a.set_xlabel(xlabel)
    a.set_title(title, loc="left")
    finite = hi[np.isfinite(hi)]
    if finite.size:
        a.set_xlim(0, float(finite.max()) * 1.22)
    _legend(a, stage_legend=stage_legend, range_label=range_label)
    return fig
