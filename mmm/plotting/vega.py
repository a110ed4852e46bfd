"""Interactive figures as Vega-Lite specifications (the report draws them with vega-embed).

Every function takes a tidy table computed by :mod:`mmm.analysis` (or a plan's rows) and
returns a Vega-Lite specification as a JSON-ready dict: built with altair (so checked
against the Vega-Lite schema), with its data inline and the package's fonts and axes.
Nothing is computed here: the functions lay out the numbers they are given. Value
formatters (``value_fmt``) turn numbers into the tooltip's text; ``value_format`` is a
d3 format string for axes and tooltips (default: 3 significant figures, k / M suffixes).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from mmm.plotting._style import short_number
from mmm.plotting.palette import STAGE_COLOURS

#: Width of a chart's plotting area in pixels (fits an A4 page with the axis labels).
WIDTH = 520
#: Height per bar of a horizontal bar chart.
STEP = 24
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
#: d3 format of axes and tooltips: 3 significant figures with k / M suffixes.
SI_FORMAT = ",.3~s"
#: Colours of the waterfall's parts.
WATERFALL_COLOURS = {
    "base": "#bdbdbd",
    "control": "#fdae6b",
    "mediator": "#bcbddc",
    "media": "#2171b5",
    "total": "#525252",
}
_WATERFALL_PARTS = {
    "baseline": "base",
    "control": "control",
    "mediator": "mediator",
    "media": "media",
    "total": "total",
}


def _spec(chart) -> dict:
    """The chart's Vega-Lite dict in the package style (fonts, axes, legend, title)."""
    styled = (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, labelLimit=220, grid=True)
        .configure_legend(orient="bottom", labelFontSize=11, titleFontSize=11, columns=4)
        .configure_title(fontSize=13, anchor="start", offset=10)
    )
    return styled.to_dict()


def _stage_scale():
    import altair as alt

    return alt.Scale(domain=list(STAGE_COLOURS), range=list(STAGE_COLOURS.values()))


def _dates(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``df`` with the dates as ISO strings (the spec's data is JSON)."""
    data = df[columns].copy()
    data["date"] = pd.to_datetime(data["date"]).dt.strftime("%Y-%m-%d")
    return data


def ranked_bars(
    items: list[dict],
    *,
    title: str,
    xlabel: str,
    value_fmt: Callable = short_number,
) -> dict:
    """Horizontal bars of medians with interval rules, in the order given (best first).

    Parameters
    ----------
    items : list of dict
        One per line: ``label``, ``median``, ``lower``, ``upper`` and optionally
        ``stage`` (awareness / conversion; default conversion), which colours the bar.
    title, xlabel : str
    value_fmt : callable
        Number -> text of the tooltip's most likely value and range.

    Returns
    -------
    dict
        Vega-Lite: a bar per line (x ``median``) and a rule from ``lower`` to ``upper``.
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
    y = altair.Y("line:N", sort=list(df["line"]), title=None)
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
    return _spec((bars + rules).properties(title=title, width=WIDTH, height=altair.Step(STEP)))


def _share_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Two rows per line of :func:`line_shares`: its spend share, its effect share."""
    rows = []
    for r in df.itertuples():
        for measure, value, lower, upper in (
            ("share of spend", r.spend_share, None, None),
            ("share of effect", r.effect_share_median, r.effect_share_lower, r.effect_share_upper),
        ):
            rows.append(
                {
                    "line": r.label,
                    "measure": measure,
                    "value": value,
                    "lower": lower,
                    "upper": upper,
                    "stage": r.stage,
                }
            )
    return pd.DataFrame(rows)


def line_shares(df: pd.DataFrame, *, title: str) -> dict:
    """Share of spend beside share of media's effect per line, in the order of ``df``.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`mmm.analysis.shares.line_shares` for one outcome, with a ``label``
        column (the line's display name).
    title : str

    Returns
    -------
    dict
        Vega-Lite: two bars per line (spend share, effect share) and the effect share's
        interval as a rule.
    """
    import altair as altair

    data = _share_rows(df)
    y = altair.Y("line:N", sort=list(dict.fromkeys(data["line"])), title=None)
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
        "measure:N", scale=altair.Scale(domain=measures, range=["#9e9e9e", "#2171b5"]), title=None
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
    return _spec(chart)


def over_time(
    df: pd.DataFrame, *, title: str, ylabel: str, period: str, value_format: str = SI_FORMAT
) -> dict:
    """Stacked areas of each channel's mean contribution per date; drag to pan, wheel to zoom.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`mmm.analysis.decompose.channel_contributions_over_time` for one
        outcome, with a ``channel_label`` column.
    title, ylabel : str
    period : str
        The data's period (week, day), in the tooltip.
    value_format : str
        d3 format of the axis and tooltip numbers.

    Returns
    -------
    dict
        Vega-Lite: one area per channel, stacked from zero.
    """
    import altair as altair

    data = _dates(df, ["date", "channel_label", "mean", "lower", "upper"])
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
    return _spec(chart)


def predictive_fit(
    df: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    band: str,
    period: str,
    value_format: str = SI_FORMAT,
) -> dict:
    """Observed values as dots over the predicted mean and its predictive band, per date.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`mmm.analysis.validation.predictive_table` for one outcome.
    title, ylabel : str
    band : str
        The legend's name of the band (e.g. ``90% predictive range``).
    period : str
        The data's period (week, day), in the tooltip.
    value_format : str
        d3 format of the axis and tooltip numbers.

    Returns
    -------
    dict
        Vega-Lite: a band (lower to upper), a line (mean) and dots (observed).
    """
    import altair as altair

    data = _dates(df, ["date", "observed", "mean", "lower", "upper"])
    zoom = altair.selection_interval(bind="scales", encodings=["x"])
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
    base = altair.Chart(data).encode(x=altair.X("date:T", title=None), tooltip=tip)
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
    return _spec(chart)


def waterfall(
    df: pd.DataFrame, *, title: str, xlabel: str, value_fmt: Callable = short_number
) -> dict:
    """Horizontal waterfall: each step a bar from the running sum before it to after it.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`mmm.analysis.decompose.waterfall` for one outcome (``kind``,
        ``start``, ``end``, ``mean``, ``lower``, ``upper``), with a ``label`` column.
    title, xlabel : str
    value_fmt : callable
        Number -> the tooltip's text.

    Returns
    -------
    dict
        Vega-Lite: one bar per step from ``start`` to ``end``, coloured by its part.
    """
    import altair as altair

    data = df[["label", "kind", "start", "end", "mean", "lower", "upper"]].copy()
    data["value"] = [value_fmt(v) for v in data["mean"]]
    data["range"] = [
        f"{value_fmt(lo)} to {value_fmt(hi)}"
        for lo, hi in zip(data["lower"], data["upper"], strict=True)
    ]
    data["part"] = data["kind"].map(_WATERFALL_PARTS)
    present = [n for n in WATERFALL_COLOURS if n in set(data["part"])]
    colour = altair.Color(
        "part:N",
        scale=altair.Scale(domain=present, range=[WATERFALL_COLOURS[n] for n in present]),
        title=None,
    )
    chart = (
        altair.Chart(data)
        .mark_bar()
        .encode(
            y=altair.Y("label:N", sort=list(data["label"]), title=None),
            x=altair.X("start:Q", title=xlabel),
            x2="end:Q",
            color=colour,
            tooltip=[
                altair.Tooltip("label:N", title="Part"),
                altair.Tooltip("value:N", title="Mean"),
                altair.Tooltip("range:N", title="Range"),
            ],
        )
        .properties(title=title, width=WIDTH, height=altair.Step(STEP))
    )
    return _spec(chart)


def carryover(df: pd.DataFrame, *, title: str, xlabel: str, period: str) -> dict:
    """Share of a period's effect that lands each period after the spend, per channel, with band.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy rows of :func:`mmm.analysis.curves.adstock_curves` (``channel_label``,
        ``stage``, ``lag``, ``mean``, ``lower``, ``upper``).
    title, xlabel : str
    period : str
        The data's period (week, day), in the tooltip.

    Returns
    -------
    dict
        Vega-Lite: a line per channel (dashed by stage) over its band.
    """
    import altair as altair

    data = df[["channel_label", "stage", "lag", "mean", "lower", "upper"]]
    zoom = altair.selection_interval(bind="scales")
    base = altair.Chart(data).encode(
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
    return _spec((band + line).add_params(zoom).properties(title=title, width=WIDTH, height=240))


def budget_bars(
    rows: list[dict],
    *,
    xlabel: str,
    money_fmt: Callable = short_number,
    title: str = "Current vs recommended budget",
) -> dict:
    """Current vs recommended spend per line, side by side.

    Parameters
    ----------
    rows : list of dict
        One per line: ``label``, ``current`` and ``recommended`` (currency; None draws 0).
    xlabel : str
    money_fmt : callable
        Number -> the tooltip's amount.
    title : str

    Returns
    -------
    dict
        Vega-Lite: two bars per line (current grey, recommended green).
    """
    import altair as altair

    data = pd.DataFrame(
        [
            {
                "line": r["label"],
                "plan": plan,
                "spend": float(r.get(plan) or 0.0),
                "amount": money_fmt(r.get(plan)),
            }
            for r in rows
            for plan in ("current", "recommended")
        ]
    )
    colour = altair.Color(
        "plan:N",
        scale=altair.Scale(domain=["current", "recommended"], range=["#969696", "#238b45"]),
        title=None,
    )
    chart = (
        altair.Chart(data)
        .mark_bar()
        .encode(
            x=altair.X("spend:Q", title=xlabel),
            y=altair.Y("line:N", sort=list(dict.fromkeys(data["line"])), title=None),
            yOffset="plan:N",
            color=colour,
            tooltip=[
                altair.Tooltip("line:N", title="Line"),
                altair.Tooltip("plan:N", title="Plan"),
                altair.Tooltip("amount:N", title="Spend"),
            ],
        )
        .properties(title=title, width=WIDTH, height=altair.Step(16))
    )
    return _spec(chart)
