"""The interactive figures' Vega-Lite specifications: their data rows and encodings.

Each builder of :mod:`mmm.plotting.vega` is given a small hand-written table; the tests
read back the rows the specification carries inline and the fields each mark encodes.
"""

from __future__ import annotations

import pandas as pd

from mmm.plotting import vega
from mmm.plotting.palette import STAGE_COLOURS


def rows(spec: dict) -> list[dict]:
    """The inline data rows of a (possibly layered) specification."""
    return spec["datasets"][spec["data"]["name"]]


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def encoding(spec: dict, i: int = 0) -> dict:
    return layers(spec)[i]["encoding"]


def money(x) -> str:
    return "–" if x is None else f"€{x:.2f}"


def test_ranked_bars_carry_medians_ranges_and_stage_colours():
    items = [
        {"label": "Search", "stage": "conversion", "median": 2.5, "lower": 2.0, "upper": 3.0},
        {"label": "Social", "stage": "awareness", "median": 1.25, "lower": 0.5, "upper": None},
    ]
    spec = vega.ranked_bars(items, title="Return", xlabel="per €1", value_fmt=money)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["title"] == "Return" and spec["width"] == vega.WIDTH
    assert rows(spec) == [
        {
            "line": "Search",
            "stage": "conversion",
            "median": 2.5,
            "lower": 2.0,
            "upper": 3.0,
            "value": "€2.50",
            "range": "€2.00 to €3.00",
        },
        {
            "line": "Social",
            "stage": "awareness",
            "median": 1.25,
            "lower": 0.5,
            "upper": None,
            "value": "€1.25",
            "range": "€0.50 to –",
        },
    ]
    bars, rules = encoding(spec, 0), encoding(spec, 1)
    assert layers(spec)[0]["mark"]["type"] == "bar"
    assert bars["x"] == {"field": "median", "title": "per €1", "type": "quantitative"}
    assert bars["y"]["sort"] == ["Search", "Social"]  # the order given, best first
    assert bars["color"]["scale"] == {
        "domain": ["awareness", "conversion"],
        "range": [STAGE_COLOURS["awareness"], STAGE_COLOURS["conversion"]],
    }
    assert (rules["x"]["field"], rules["x2"]["field"]) == ("lower", "upper")


def test_line_shares_give_two_rows_per_line():
    df = pd.DataFrame(
        {
            "label": ["Social · broad", "Search"],
            "stage": ["awareness", "conversion"],
            "spend_share": [0.25, 0.75],
            "effect_share_median": [0.4, 0.6],
            "effect_share_lower": [0.3, 0.5],
            "effect_share_upper": [0.5, 0.7],
        }
    )
    spec = vega.line_shares(df, title="Shares")
    got = [(r["line"], r["measure"], r["value"], r["lower"], r["upper"]) for r in rows(spec)]
    assert got == [
        ("Social · broad", "share of spend", 0.25, None, None),
        ("Social · broad", "share of effect", 0.4, 0.3, 0.5),
        ("Search", "share of spend", 0.75, None, None),
        ("Search", "share of effect", 0.6, 0.5, 0.7),
    ]
    bars = encoding(spec, 0)
    assert bars["y"]["sort"] == ["Social · broad", "Search"]
    assert bars["x"]["axis"] == {"format": "%"}
    assert bars["color"]["scale"]["domain"] == ["share of spend", "share of effect"]
    # the interval rule is drawn for the effect share only
    assert layers(spec)[1]["transform"] == [{"filter": "datum.lower != null"}]


def test_over_time_stacks_channel_means_per_date():
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08"]),
            "channel_label": ["Search", "Social", "Search"],
            "mean": [10.0, 5.0, 12.0],
            "lower": [8.0, 4.0, 9.0],
            "upper": [12.0, 6.0, 15.0],
            "outcome": ["sales"] * 3,
        }
    )
    spec = vega.over_time(df, title="Media", ylabel="sales per week", period="week")
    assert rows(spec) == [
        {
            "date": "2024-01-01",
            "channel_label": "Search",
            "mean": 10.0,
            "lower": 8.0,
            "upper": 12.0,
        },
        {"date": "2024-01-01", "channel_label": "Social", "mean": 5.0, "lower": 4.0, "upper": 6.0},
        {
            "date": "2024-01-08",
            "channel_label": "Search",
            "mean": 12.0,
            "lower": 9.0,
            "upper": 15.0,
        },
    ]
    enc = encoding(spec)
    assert spec["mark"]["type"] == "area"
    assert enc["y"]["field"] == "mean" and enc["y"]["stack"] == "zero"
    assert enc["y"]["axis"] == {"format": vega.SI_FORMAT}
    assert enc["color"]["field"] == "channel_label"
    assert enc["tooltip"][0]["title"] == "Week of"
    assert spec["params"][0]["select"] == {"type": "interval", "encodings": ["x"]}


def test_predictive_fit_draws_band_line_and_dots():
    df = pd.DataFrame(
        {
            "date": ["2024-01-01", "2024-01-08"],
            "observed": [100.0, 90.0],
            "mean": [95.0, 92.0],
            "lower": [80.0, 85.0],
            "upper": [110.0, 99.0],
        }
    )
    spec = vega.predictive_fit(df, title="Fit", ylabel="sales", band="90% range", period="day")
    assert [r["observed"] for r in rows(spec)] == [100.0, 90.0]
    assert [r["date"] for r in rows(spec)] == ["2024-01-01", "2024-01-08"]
    marks = [layer["mark"]["type"] for layer in layers(spec)]
    assert marks == ["area", "line", "circle"]
    area, line, dots = (encoding(spec, i) for i in range(3))
    assert (area["y"]["field"], area["y2"]["field"]) == ("lower", "upper")
    assert line["y"]["field"] == "mean" and dots["y"]["field"] == "observed"
    assert area["color"]["scale"]["domain"] == ["observed", "predicted (mean)", "90% range"]
    assert layers(spec)[0]["transform"] == [{"calculate": '"90% range"', "as": "what"}]


def test_waterfall_bars_run_from_start_to_end_coloured_by_part():
    df = pd.DataFrame(
        {
            "label": ["base level", "Search", "total expected"],
            "kind": ["baseline", "media", "total"],
            "start": [0.0, 100.0, 0.0],
            "end": [100.0, 130.0, 130.0],
            "mean": [100.0, 30.0, 130.0],
            "lower": [90.0, 20.0, 120.0],
            "upper": [110.0, 40.0, 140.0],
        }
    )
    spec = vega.waterfall(df, title="Parts", xlabel="sales", value_fmt=money)
    got = [
        (r["label"], r["part"], r["start"], r["end"], r["value"], r["range"]) for r in rows(spec)
    ]
    assert got == [
        ("base level", "base", 0.0, 100.0, "€100.00", "€90.00 to €110.00"),
        ("Search", "media", 100.0, 130.0, "€30.00", "€20.00 to €40.00"),
        ("total expected", "total", 0.0, 130.0, "€130.00", "€120.00 to €140.00"),
    ]
    enc = encoding(spec)
    assert (enc["x"]["field"], enc["x2"]["field"]) == ("start", "end")
    assert enc["y"]["sort"] == ["base level", "Search", "total expected"]
    # only the parts present are in the legend
    assert enc["color"]["scale"] == {
        "domain": ["base", "media", "total"],
        "range": [vega.WATERFALL_COLOURS[k] for k in ("base", "media", "total")],
    }


def test_carryover_lines_per_channel_with_band():
    df = pd.DataFrame(
        {
            "channel_label": ["TV", "TV"],
            "stage": ["awareness", "awareness"],
            "lag": [0, 1],
            "mean": [0.6, 0.4],
            "lower": [0.5, 0.3],
            "upper": [0.7, 0.5],
            "channel": ["tv", "tv"],
        }
    )
    spec = vega.carryover(df, title="Carry-over", xlabel="weeks after", period="week")
    assert rows(spec) == [
        {"channel_label": "TV", "stage": "awareness", "lag": 0, "mean": 0.6, "lower": 0.5}
        | {"upper": 0.7},
        {"channel_label": "TV", "stage": "awareness", "lag": 1, "mean": 0.4, "lower": 0.3}
        | {"upper": 0.5},
    ]
    band, line = encoding(spec, 0), encoding(spec, 1)
    assert (band["y"]["field"], band["y2"]["field"]) == ("lower", "upper")
    assert line["y"]["field"] == "mean" and line["strokeDash"]["field"] == "stage"
    assert band["color"]["field"] == line["color"]["field"] == "channel_label"
    assert line["tooltip"][2]["title"] == "Weeks after"


def test_budget_bars_pair_current_and_recommended():
    plan = [
        {"label": "Search", "current": 1000.0, "recommended": 1500.0},
        {"label": "Social", "current": 2000.0, "recommended": None},
    ]
    spec = vega.budget_bars(plan, xlabel="€ over 4 weeks", money_fmt=money)
    assert rows(spec) == [
        {"line": "Search", "plan": "current", "spend": 1000.0, "amount": "€1000.00"},
        {"line": "Search", "plan": "recommended", "spend": 1500.0, "amount": "€1500.00"},
        {"line": "Social", "plan": "current", "spend": 2000.0, "amount": "€2000.00"},
        {"line": "Social", "plan": "recommended", "spend": 0.0, "amount": "–"},
    ]
    enc = encoding(spec)
    assert enc["yOffset"]["field"] == "plan" and enc["x"]["field"] == "spend"
    assert enc["y"]["sort"] == ["Search", "Social"]
    assert spec["title"] == "Current vs recommended budget"


def test_every_spec_carries_the_package_style():
    spec = vega.budget_bars([{"label": "A", "current": 1.0, "recommended": 2.0}], xlabel="€")
    assert spec["config"]["font"] == vega.FONT
    assert spec["config"]["legend"]["orient"] == "bottom"
