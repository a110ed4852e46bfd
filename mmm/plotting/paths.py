"""Direct vs mediated effect of the awareness lines (the path through e.g. brand search)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.plotting._style import (
    currency_of,
    finish,
    fit_and_table,
    label,
    number_formatter,
    outcome_kinds,
    outcome_label,
    panels,
    pick_outcomes,
    plain_axis,
)
from mmm.plotting.palette import STAGE_COLOURS

#: Colour of the mediated part (a light tint of the awareness colour).
MEDIATED = "#bcbddc"


def path_table(paths: pd.DataFrame) -> pd.DataFrame:
    """:func:`mmm.analysis.funnel.awareness_paths` as one row per (outcome, awareness line).

    Parameters
    ----------
    paths : pandas.DataFrame
        :func:`mmm.analysis.funnel.awareness_paths` of a fit.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome``, ``channel`` (the series id), ``direct`` and ``mediated``
        (their means, as ``summary.json`` stores them) and ``mediated_share`` (its
        median): the table's own numbers, rearranged.
    """
    mean = paths.pivot_table(index=["outcome", "series"], columns="quantity", values="mean")
    share = paths[paths["quantity"] == "mediated_share"].set_index(["outcome", "series"])
    out = mean[["direct", "mediated"]].assign(mediated_share=share["median"])
    out = out.reset_index().rename(columns={"series": "channel"})
    return out.rename_axis(columns=None)


def _panel(a, df: pd.DataFrame, *, mediator: str, fmt) -> None:
    y = np.arange(len(df))[::-1]
    d = df["direct"].fillna(0.0).to_numpy(dtype=float)
    m = df["mediated"].fillna(0.0).to_numpy(dtype=float)
    via = f"via {mediator}"
    a.barh(y, d, color=STAGE_COLOURS["awareness"], edgecolor="white", label="direct")
    a.barh(y, m, left=d, color=MEDIATED, hatch="..", edgecolor="#6a51a3", label=via)
    shares = df["mediated_share"] if "mediated_share" in df else [None] * len(df)
    for yi, di, mi, sh in zip(y, d, m, shares, strict=True):
        note = "" if sh is None or pd.isna(sh) else f" ({sh:.0%} {via})"
        a.text(di + mi, yi, f"  {fmt(di + mi, 0)}{note}", va="center", fontsize=8)
    a.set_yticks(y, [label(c) for c in df["channel"]])
    xmax = float((d + m).max()) if len(df) else 0.0
    a.set_xlim(0, xmax * 1.6 if xmax > 0 else 1)


def plot_direct_vs_mediated(
    data,
    *,
    outcome=None,
    mediator: str | None = None,
    currency: str | None = None,
    title: str | None = None,
    ax=None,
    prob: float = 0.9,
):
    """Per awareness line: its effect split into the direct part and the part through the
    mediator, stacked; one panel per outcome.

    Parameters
    ----------
    data : FitResult or pandas.DataFrame
        A fit (the split is :func:`mmm.analysis.funnel.awareness_paths`, through
        :func:`path_table`), or a table with one row per (outcome, line): ``outcome``,
        ``channel`` (a channel or series id), ``direct``, ``mediated`` (outcome units)
        and optionally ``mediated_share`` (fraction, printed beside the bar), such as the
        ``awareness_paths`` records of ``summary.json``.
    outcome : str or list of str, optional
        Default: every outcome, one panel each (the first only when ``ax`` is one Axes).
    mediator : str, optional
        Name of the mediator in the legend; default the fit's (``fit.spec.mediator``),
        else "the mediator".
    currency : str, optional
        Prefix of revenue outcomes' values (every outcome of a table counts as revenue);
        default the fit's, and none for a table.
    title : str, optional
        Figure title (a new figure only).
    ax : matplotlib.axes.Axes or array of Axes, optional
        One Axes per outcome drawn. Default: a new figure.
    prob : float, default 0.9
        Interval probability when ``data`` is a fit (the table keeps it; the bars are means).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from mmm.analysis.funnel import awareness_paths

    fit, table = fit_and_table(data, lambda f: path_table(awareness_paths(f, prob=prob)))
    outs = pick_outcomes(table["outcome"], outcome, ax=ax)
    kinds = outcome_kinds(fit)
    name = label(mediator or (fit.spec.mediator if fit is not None else "") or "the mediator")
    money = currency if currency is not None else (currency_of(fit, None) if fit else "")
    n = max(int((table["outcome"] == o).sum()) for o in outs)
    fig, axes = panels(ax, len(outs), width=8, height=0.6 + 0.45 * n)
    for a, o in zip(axes, outs, strict=True):
        prefix = money if kinds.get(o, "revenue") == "revenue" else ""
        _panel(
            a,
            table[table["outcome"] == o],
            mediator=name.lower(),
            fmt=number_formatter(prefix=prefix),
        )
        plain_axis(a.xaxis, prefix=prefix)
        a.set_title(outcome_label(o), loc="left")
        if a is axes[0]:
            a.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    finish(fig, ax is not None, title or "Direct vs mediated effect of awareness")
    return fig
