"""Interactive charts for the report: Vega-Lite specifications drawn by vega-embed.

The Vega, Vega-Lite and vega-embed libraries are inlined once into the HTML file (from
``vl-convert-python``, which bundles them), so the charts hover, zoom and pan with no
network. Specifications are built with altair (validated against the Vega-Lite schema)
and carry their data inline. Every chart draws numbers computed elsewhere
(:mod:`mmm.analysis`); this module only lays them out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from mmm.report.figures import STAGE_COLOUR

#: Width of a chart's plotting area in pixels (fits an A4 page with the axis labels).
WIDTH = 520
#: Height per bar of a horizontal bar chart.
STEP = 24
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class VegaChart:
    """A chart drawn in the browser: ``spec`` is Vega-Lite JSON, ``alt`` says what it shows."""

    spec: str
    alt: str
    kind: str = ""
    id: str = ""
    interactive: bool = True


@lru_cache(maxsize=1)
def javascript() -> str:
    """The Vega + Vega-Lite + vega-embed bundle, defining ``window.vegaEmbed``."""
    import vl_convert
    from altair.utils.html import vl_version_for_vl_convert

    # vl-convert's stub makes ``snippet`` required; at run time it defaults to the bundle
    # that defines the globals
    return vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())  # type: ignore[call-arg]


def _config(chart):
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, labelLimit=220, grid=True)
        .configure_legend(orient="bottom", labelFontSize=11, titleFontSize=11, columns=4)
        .configure_title(fontSize=13, anchor="start", offset=10)
    )


def to_chart(chart, *, alt: str, kind: str = "") -> VegaChart:
    """An altair chart as an embeddable :class:`VegaChart` (schema-checked)."""
    spec = _config(chart).to_dict()
    text = json.dumps(spec, separators=(",", ":"), default=str).replace("</", "<\\/")
    # the id comes from the content, so a rebuilt report is the same byte for byte
    digest = hashlib.sha1(f"{kind}\n{alt}\n{text}".encode()).hexdigest()[:12]
    return VegaChart(text, alt, kind, f"chart-{digest}")


def _stage_scale():
    import altair as alt

    return alt.Scale(domain=list(STAGE_COLOUR), range=list(STAGE_COLOUR.values()))


def ranked_bars(items: list[dict], *, title: str, xlabel: str, value_fmt, alt: str) -> VegaChart:
    """Horizontal bars of medians with interval rules, in the given order (best first).

    ``items``: dicts with label, stage, median, lower, upper.
    """
    import altair as altair

    df = pd.DataFrame(
        [
            {
                "line": it["label"],
                "stage": it.get("stage", "conversion"),
                "median": it["median"],
                "lower": it.get("lower"),
                "upper": it.get("upper"),
                "value": value_fmt(it["median"]),
                "range": f"{value_fmt(it.get('lower'))} to {value_fmt(it.get('upper'))}",
            }
            for it in items
        ]
    )
    order = list(df["line"])
    y = altair.Y("line:N", sort=order, title=None)
    tip = [
        altair.Tooltip("line:N", title="Line"),
        altair.Tooltip("value:N", title="Most likely"),
        altair.Tooltip("range:N", title="Range"),
        altair.Tooltip("stage:N", title="Stage"),
    ]
    base = altair.Chart(df)
    bars = base.mark_bar(opacity=0.85).encode(
        x=altair.X("median:Q", title=xlabel),
        y=y,
        color=altair.Color("stage:N", scale=_stage_scale(), title="Stage"),
        tooltip=tip,
    )
    rules = base.mark_rule(color="#222").encode(x="lower:Q", x2="upper:Q", y=y, tooltip=tip)
    chart = (bars + rules).properties(title=title, width=WIDTH, height=altair.Step(STEP))
    return to_chart(chart, alt=alt, kind="ranked")


def line_shares(df: pd.DataFrame, labels: dict, *, title: str, alt: str) -> VegaChart:
    """Share of spend beside share of media's effect per line (rows of ``line_shares``)."""
    import altair as altair

    rows = []
    for r in df.itertuples():
        label = labels[r.series]
        rows.append(
            {
                "line": label,
                "measure": "share of spend",
                "value": r.spend_share,
                "lower": None,
                "upper": None,
                "stage": r.stage,
            }
        )
        rows.append(
            {
                "line": label,
                "measure": "share of effect",
                "value": r.effect_share_median,
                "lower": r.effect_share_lower,
                "upper": r.effect_share_upper,
                "stage": r.stage,
            }
        )
    data = pd.DataFrame(rows)
    order = list(dict.fromkeys(data["line"]))
    y = altair.Y("line:N", sort=order, title=None)
    tip = [
        altair.Tooltip("line:N", title="Line"),
        altair.Tooltip("measure:N", title="Measure"),
        altair.Tooltip("value:Q", title="Most likely", format=".1%"),
        altair.Tooltip("lower:Q", title="Lower", format=".1%"),
        altair.Tooltip("upper:Q", title="Upper", format=".1%"),
    ]
    base = altair.Chart(data)
    measures = ["share of spend", "share of effect"]
    offset = altair.YOffset("measure:N", sort=measures, scale=altair.Scale(domain=measures))
    colour = altair.Color(
        "measure:N",
        scale=altair.Scale(
            domain=["share of spend", "share of effect"], range=["#9e9e9e", "#2171b5"]
        ),
        title=None,
    )
    bars = base.mark_bar().encode(
        x=altair.X("value:Q", title="Share", axis=altair.Axis(format="%")),
        y=y,
        yOffset=offset,
        color=colour,
        tooltip=tip,
    )
    rules = (
        base.transform_filter("datum.lower != null")
        .mark_rule(color="#222")
        .encode(x="lower:Q", x2="upper:Q", y=y, yOffset=offset, tooltip=tip)
    )
    chart = (bars + rules).properties(title=title, width=WIDTH, height=altair.Step(STEP / 1.5))
    return to_chart(chart, alt=alt, kind="line-shares")


def over_time(
    df: pd.DataFrame, *, title: str, ylabel: str, value_format: str, period: str, alt: str
) -> VegaChart:
    """Stacked areas of each channel's mean contribution per date; drag to pan, wheel to zoom.

    ``df``: rows of :func:`mmm.analysis.decompose.channel_contributions_over_time` for one
    outcome, with a ``channel_label`` column.
    """
    import altair as altair

    data = df[["date", "channel_label", "mean", "lower", "upper"]].copy()
    data["date"] = pd.to_datetime(data["date"]).dt.strftime("%Y-%m-%d")
    zoom = altair.selection_interval(bind="scales", encodings=["x"])
    chart = (
        altair.Chart(data)
        .mark_area(opacity=0.85)
        .encode(
            x=altair.X("date:T", title=None),
            y=altair.Y("mean:Q", stack="zero", title=ylabel, axis=altair.Axis(format=value_format)),
            color=altair.Color("channel_label:N", title="Channel"),
            tooltip=[
                altair.Tooltip("date:T", title=f"{period.capitalize()} of"),
                altair.Tooltip("channel_label:N", title="Channel"),
                altair.Tooltip("mean:Q", title="Mean", format=value_format),
                altair.Tooltip("lower:Q", title="Lower", format=value_format),
                altair.Tooltip("upper:Q", title="Upper", format=value_format),
            ],
        )
        .add_params(zoom)
        .properties(title=title, width=WIDTH, height=260)
    )
    return to_chart(chart, alt=alt, kind="media-over-time")


def predictive_fit(
    df: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    value_format: str,
    band: str,
    period: str,
    alt: str,
) -> VegaChart:
    """Observed values as dots over the predicted mean and its predictive band, per date.

    ``df``: rows of :func:`mmm.analysis.validation.predictive_table` for one outcome.
    """
    import altair as altair

    data = df[["date", "observed", "mean", "lower", "upper"]].copy()
    data["date"] = pd.to_datetime(data["date"]).dt.strftime("%Y-%m-%d")
    zoom = altair.selection_interval(bind="scales", encodings=["x"])
    x = altair.X("date:T", title=None)
    names = ["observed", "predicted (mean)", band]
    scale = altair.Scale(domain=names, range=["#222222", "#2171b5", "#9ecae1"])
    tip = [
        altair.Tooltip("date:T", title=f"{period.capitalize()} of"),
        altair.Tooltip("observed:Q", title="Observed", format=value_format),
        altair.Tooltip("mean:Q", title="Predicted", format=value_format),
        altair.Tooltip("lower:Q", title="Lower", format=value_format),
        altair.Tooltip("upper:Q", title="Upper", format=value_format),
    ]
    colour = altair.Color("what:N", scale=scale, title=None)
    base = altair.Chart(data).encode(x=x, tooltip=tip)
    area = (
        base.transform_calculate(what=json.dumps(band))
        .mark_area(opacity=0.6)
        .encode(
            y=altair.Y("lower:Q", title=ylabel, axis=altair.Axis(format=value_format)),
            y2="upper:Q",
            color=colour,
        )
    )
    line = (
        base.transform_calculate(what=json.dumps(names[1]))
        .mark_line()
        .encode(y="mean:Q", color=colour)
    )
    dots = (
        base.transform_calculate(what=json.dumps(names[0]))
        .mark_circle(size=22)
        .encode(y="observed:Q", color=colour)
    )
    chart = (area + line + dots).add_params(zoom).properties(title=title, width=WIDTH, height=240)
    return to_chart(chart, alt=alt, kind="predictive-fit")


def waterfall(df: pd.DataFrame, *, title: str, xlabel: str, value_fmt, alt: str) -> VegaChart:
    """Horizontal waterfall: each step a bar from the running sum before it to after it.

    ``df``: rows of :func:`mmm.analysis.decompose.waterfall` for one outcome, with a
    ``label`` column.
    """
    import altair as altair

    data = df[["label", "kind", "start", "end", "mean", "lower", "upper"]].copy()
    data["value"] = [value_fmt(v) for v in data["mean"]]
    data["range"] = [
        f"{value_fmt(lo)} to {value_fmt(hi)}"
        for lo, hi in zip(data["lower"], data["upper"], strict=True)
    ]
    kinds = ["baseline", "control", "mediator", "media", "total"]
    names = ["base", "control", "mediator", "media", "total"]
    data["part"] = data["kind"].map(dict(zip(kinds, names, strict=True)))
    present = [n for n in names if n in set(data["part"])]
    palette = dict(zip(names, ["#bdbdbd", "#fdae6b", "#bcbddc", "#2171b5", "#525252"], strict=True))
    chart = (
        altair.Chart(data)
        .mark_bar()
        .encode(
            y=altair.Y("label:N", sort=list(data["label"]), title=None),
            x=altair.X("start:Q", title=xlabel),
            x2="end:Q",
            color=altair.Color(
                "part:N",
                scale=altair.Scale(domain=present, range=[palette[n] for n in present]),
                title=None,
            ),
            tooltip=[
                altair.Tooltip("label:N", title="Part"),
                altair.Tooltip("value:N", title="Mean"),
                altair.Tooltip("range:N", title="Range"),
            ],
        )
        .properties(title=title, width=WIDTH, height=altair.Step(STEP))
    )
    return to_chart(chart, alt=alt, kind="waterfall")


def carryover(df: pd.DataFrame, *, title: str, xlabel: str, period: str, alt: str) -> VegaChart:
    """Share of a period's effect that lands each period after the spend, per channel, with band.

    ``df``: tidy rows of :func:`mmm.analysis.curves.adstock_curves` (channel_label, stage,
    lag, mean, lower, upper).
    """
    import altair as altair

    zoom = altair.selection_interval(bind="scales")
    base = altair.Chart(df).encode(
        x=altair.X("lag:Q", title=xlabel, axis=altair.Axis(tickMinStep=1)),
        color=altair.Color("channel_label:N", title="Channel"),
    )
    tip = [
        altair.Tooltip("channel_label:N", title="Channel"),
        altair.Tooltip("stage:N", title="Stage"),
        altair.Tooltip("lag:Q", title=f"{period.capitalize()}s after"),
        altair.Tooltip("mean:Q", title="Share", format=".1%"),
        altair.Tooltip("lower:Q", title="Lower", format=".1%"),
        altair.Tooltip("upper:Q", title="Upper", format=".1%"),
    ]
    band = base.mark_area(opacity=0.15).encode(y="lower:Q", y2="upper:Q")
    line = base.mark_line(point=True).encode(
        y=altair.Y("mean:Q", title="Share of the effect", axis=altair.Axis(format="%")),
        strokeDash=altair.StrokeDash("stage:N", title="Stage"),
        tooltip=tip,
    )
    chart = (band + line).add_params(zoom).properties(title=title, width=WIDTH, height=240)
    return to_chart(chart, alt=alt, kind="carryover")


def budget_bars(rows: list[dict], *, money_fmt, xlabel: str, alt: str) -> VegaChart:
    """Current vs recommended spend per line, side by side."""
    import altair as altair

    data = pd.DataFrame(
        [
            {
                "line": r["label"],
                "plan": plan,
                "spend": float(r.get(key) or 0.0),
                "amount": money_fmt(r.get(key)),
            }
            for r in rows
            for plan, key in (("current", "current"), ("recommended", "recommended"))
        ]
    )
    y = altair.Y("line:N", sort=list(dict.fromkeys(data["line"])), title=None)
    chart = (
        altair.Chart(data)
        .mark_bar()
        .encode(
            x=altair.X("spend:Q", title=xlabel),
            y=y,
            yOffset="plan:N",
            color=altair.Color(
                "plan:N",
                scale=altair.Scale(domain=["current", "recommended"], range=["#969696", "#238b45"]),
                title=None,
            ),
            tooltip=[
                altair.Tooltip("line:N", title="Line"),
                altair.Tooltip("plan:N", title="Plan"),
                altair.Tooltip("amount:N", title="Spend"),
            ],
        )
        .properties(title="Current vs recommended budget", width=WIDTH, height=altair.Step(16))
    )
    return to_chart(chart, alt=alt, kind="budget")
