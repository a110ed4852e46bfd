"""Charts for the report: matplotlib figures embedded as base64 PNG data URIs.

Only :class:`matplotlib.figure.Figure` with the Agg canvas is used (no pyplot, no global
state). Funnel stages are told apart by hatching and labels as well as colour.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

from mmm.report.fmt import pct, pretty

STAGE_COLOUR = {"awareness": "#6a51a3", "conversion": "#2171b5"}
STAGE_HATCH = {"awareness": "///", "conversion": ""}
INK = "#222222"


@dataclass(frozen=True)
class Chart:
    """An embedded image: ``src`` is a data URI, ``alt`` describes what it shows."""

    src: str
    alt: str
    width: int
    height: int
    kind: str = ""


def _figure(w: float, h: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def encode(fig, alt: str, kind: str = "") -> Chart:
    """A matplotlib Figure (e.g. from :mod:`mmm.plotting`) as an embedded PNG chart.

    ``kind`` names the chart for the template's caption.
    """
    c = _encode(fig, alt)
    return Chart(c.src, c.alt, c.width, c.height, kind)


def _encode(fig, alt: str) -> Chart:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    w, h = (int(round(v)) for v in fig.get_size_inches() * 100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return Chart(f"data:image/png;base64,{data}", alt, w, h)


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=9)


def ranked_bars(
    items: list[dict],
    *,
    title: str,
    xlabel: str,
    value_fmt,
    alt: str,
    stage_legend: bool = True,
    range_label: str = "line: 90% range",
) -> Chart:
    """Horizontal bars of medians with interval whiskers, best at the top.

    ``items``: dicts with label, stage, median, lower, upper, already in display order.
    ``stage_legend``: explain the awareness / conversion colours (off for bars that are
    not channels, such as geos, which are drawn in one neutral colour).
    """
    n = len(items)
    fig = _figure(8, 0.9 + 0.38 * max(n, 1))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    med = np.array([it["median"] if it["median"] is not None else np.nan for it in items])
    lo = np.array([it["lower"] if it["lower"] is not None else np.nan for it in items])
    hi = np.array([it["upper"] if it["upper"] is not None else np.nan for it in items])
    for yi, it, m in zip(y, items, med, strict=True):
        st = it.get("stage", "conversion")
        ax.barh(
            yi,
            0 if np.isnan(m) else m,
            color=STAGE_COLOUR.get(st, "#6b6b6b"),
            alpha=0.85,
            hatch=STAGE_HATCH.get(st, ""),
            edgecolor="white",
            height=0.7,
        )
    ok = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(med))
    ax.errorbar(
        med[ok],
        y[ok],
        xerr=[med[ok] - lo[ok], hi[ok] - med[ok]],
        fmt="none",
        ecolor=INK,
        elinewidth=1.2,
        capsize=3,
    )
    for yi, m, h in zip(y, med, hi, strict=True):
        if not np.isnan(m):
            ax.text(
                (h if not np.isnan(h) else m),
                yi,
                "  " + value_fmt(m),
                va="center",
                fontsize=8,
                color=INK,
            )
    ax.set_yticks(y, [it["label"] for it in items], fontsize=9)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_title(title, fontsize=11, loc="left", color=INK)
    finite = hi[np.isfinite(hi)]
    if finite.size:
        ax.set_xlim(0, float(finite.max()) * 1.22)
    _style(ax)
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=STAGE_COLOUR[s], hatch=STAGE_HATCH[s], edgecolor="white", label=f"{s} channel"
        )
        for s in ("awareness", "conversion")
    ]
    if not stage_legend:
        handles = []
    handles.append(Patch(facecolor="white", edgecolor=INK, label=range_label))
    ax.legend(
        handles=handles, fontsize=8, loc="lower right" if stage_legend else "best", frameon=False
    )
    return _encode(fig, alt)


def funnel_shares(spend_share: dict, outcome_share: dict, *, alt: str) -> Chart:
    """Grouped bars: share of spend vs share of each outcome's media effect, per stage."""
    groups = ["media spend"] + [pretty(o) for o in outcome_share]
    vals = [spend_share] + list(outcome_share.values())
    stages = ["awareness", "conversion"]
    fig = _figure(8, 3.4)
    ax = fig.add_subplot()
    x = np.arange(len(groups))
    width = 0.38
    for i, s in enumerate(stages):
        v = np.array([float(d.get(s) or 0.0) for d in vals])
        bars = ax.bar(
            x + (i - 0.5) * width,
            v,
            width,
            color=STAGE_COLOUR[s],
            hatch=STAGE_HATCH[s],
            edgecolor="white",
            label=s,
            alpha=0.85,
        )
        for b, val in zip(bars, v, strict=True):
            ax.text(
                b.get_x() + b.get_width() / 2,
                val + 0.01,
                pct(val),
                ha="center",
                va="bottom",
                fontsize=8,
                color=INK,
            )
    ax.set_xticks(x, groups, fontsize=9)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share", fontsize=9)
    ax.yaxis.set_major_formatter(lambda v, _: pct(v))
    ax.set_title("Share of spend vs share of media's effect", fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    _style(ax)
    return _encode(fig, alt)


def direct_vs_mediated(paths, outcomes: list[str], *, value_fmt, alt: str) -> Chart:
    """Stacked bars per awareness channel: direct effect and effect through the mediator.

    ``paths``: :class:`~mmm.run_summary.AwarenessPath` records (the summary's funnel).
    """
    fig = _figure(8, 1.0 + 1.6 * len(outcomes))
    for k, o in enumerate(outcomes):
        ax = fig.add_subplot(len(outcomes), 1, k + 1)
        recs = [p for p in paths if p.outcome == o]
        labels = [pretty(p.channel) for p in recs]
        d = np.array([float(p.direct or 0.0) for p in recs])
        m = np.array([float(p.mediated or 0.0) for p in recs])
        y = np.arange(len(recs))[::-1]
        ax.barh(y, d, color="#6a51a3", edgecolor="white", label="direct")
        ax.barh(
            y, m, left=d, color="#bcbddc", hatch="..", edgecolor="#6a51a3", label="via brand search"
        )
        for yi, di, mi, p in zip(y, d, m, recs, strict=True):
            # the stored share (median of the per-draw share; None before schema 1.2)
            share = (
                f" ({pct(p.mediated_share)} via brand search)"
                if p.mediated_share is not None
                else ""
            )
            ax.text(di + mi, yi, f"  {value_fmt(di + mi)}{share}", va="center", fontsize=8)
        ax.set_yticks(y, labels, fontsize=9)
        ax.set_title(pretty(o), fontsize=10, loc="left")
        xmax = float((d + m).max()) if len(recs) else 1.0
        ax.set_xlim(0, xmax * 1.6 if xmax > 0 else 1)
        ax.xaxis.set_major_formatter(lambda v, _: value_fmt(v))
        _style(ax)
        if k == 0:
            ax.legend(fontsize=8, frameon=False, loc="lower right")
    return _encode(fig, alt)
