"""The optimizer's stored files as typed values: a recommendation and a scenario comparison
read back exactly as written, a missing or unknown key named with its file, files written
before the schema versions read (migrated), and the budget section's sentences from the
typed recommendation against hand-written numbers."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from plan_helpers import recommendation, scenarios  # noqa: E402

from mmm.errors import RunFolderError  # noqa: E402
from mmm.plan_results import (  # noqa: E402
    RECOMMENDATION_SCHEMA_VERSION,
    ScenarioComparison,
    StoredRecommendation,
    SummaryError,
)
from mmm.run_folder import RunFolder  # noqa: E402


def _store(run: Path, rec: dict, name: str = "recommended") -> Path:
    path = run / "recommendations" / name / "recommendation.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(rec))
    return path


# ------------------------------------------------------------------ round trip
def test_a_recommendation_reads_back_exactly_as_written():
    d = recommendation()
    rec = StoredRecommendation.from_dict(d)
    assert rec.to_dict() == d
    assert rec.summary.uplift.median == 98.0
    assert rec.allocation[1].series == "video|all" and rec.allocation[1].change == -30.0
    assert rec.moves[0].source == "video|all" and rec.moves[0].amount == 30.0
    assert rec.summary.binding[0].shadow_price == 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.summary.budget = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        rec.summary.outcome_weights["online_sales"] = 2.0  # type: ignore[index]


def test_a_scenario_comparison_reads_back_exactly_as_written(tmp_path):
    d = scenarios()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "q1.json").write_text(json.dumps(d))
    [s] = RunFolder(tmp_path).read_scenarios()
    assert s.path == str(tmp_path / "scenarios" / "q1.json")
    assert s.to_dict() == d
    assert s.name == "q1"
    assert s.plans[1].outcomes["online_sales"].uplift_lower == -0.5
    assert s.plans[0].prob_better is None
    assert s.lines[0].spend["mine"] == 110.0
    assert s.settings.left_out[0].plan == "old"


def test_the_run_folder_writes_what_it_reads(tmp_path):
    folder = RunFolder(tmp_path)
    s = ScenarioComparison.from_dict(scenarios())
    import pandas as pd

    files = folder.write_scenarios("q1", s, pd.DataFrame({"a": [1]}))
    assert json.loads(files["json"].read_text()) == scenarios()
    assert folder.read_scenarios() == [s]


# ------------------------------------------------------------------ key errors
@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (
            lambda d: d["allocation"][1].pop("mroas_current"),
            "allocation[1].mroas_current",
            "is missing",
        ),
        (lambda d: d["summary"].update(gain=1.0), "summary.gain", "is not expected"),
        (lambda d: d["summary"]["uplift"].pop("lower"), "summary.uplift.lower", "is missing"),
        (lambda d: d["settings"].pop("horizon"), "settings.horizon", "is missing"),
        (lambda d: d["moves"][0].pop("to"), "moves[0].to", "is missing"),
        (lambda d: d.update(weekly={}), "weekly", "is not a list"),
    ],
)
def test_a_missing_or_unknown_key_is_named_with_its_file(tmp_path, edit, key, problem):
    d = recommendation()
    edit(d)
    with pytest.raises(SummaryError, match=problem) as err:
        StoredRecommendation.from_dict(d)
    assert err.value.key == key
    _store(tmp_path, d)
    with pytest.raises(RunFolderError) as err2:
        RunFolder(tmp_path).read_recommendation()
    msg = str(err2.value)
    assert "recommendations/recommended/recommendation.json" in msg and repr(key) in msg


def test_a_scenario_file_with_a_missing_key_is_named(tmp_path):
    d = scenarios()
    del d["plans"][1]["outcomes"]["online_sales"]["uplift_mean"]
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "q1.json").write_text(json.dumps(d))
    with pytest.raises(RunFolderError, match=r"scenarios/q1.json.*plans\[1\]"):
        RunFolder(tmp_path).read_scenarios()


def test_a_file_of_a_newer_major_schema_is_refused(tmp_path):
    d = {**recommendation(), "schema_version": "2.0"}
    _store(tmp_path, d)
    with pytest.raises(RunFolderError, match="schema_version 2.0; this version of mmm reads 1"):
        RunFolder(tmp_path).read_recommendation()


# ------------------------------------------------------------------ migration
def test_a_recommendation_written_before_the_schema_version_is_migrated(tmp_path):
    """As stored before plans had names: no version, no settings inputs, no binding
    records, no shadow price, no moves, no geos; the binding limits are read from the
    constraint strings."""
    d = recommendation()
    del d["schema_version"], d["moves"], d["geos"]
    for k in ("name", "created", "budget", "objective", "value_per_visit", "max_change"):
        del d["settings"][k]
    del d["summary"]["binding"], d["summary"]["budget_shadow_price"]
    d["summary"]["binding_constraints"] = [
        "total budget == 200",
        "series 'search|all' (default): upper 1,300",
    ]
    _store(tmp_path, d)
    rec, _ = RunFolder(tmp_path).read_recommendation()
    assert rec.settings.name is None and rec.settings.value_per_visit is None
    assert rec.summary.budget_shadow_price is None and rec.moves == () and rec.geos == ()
    [b] = rec.summary.binding
    assert (b.series, b.channel, b.audience, b.side, b.limit) == (
        "search|all",
        "search",
        "all",
        "upper",
        1300.0,
    )
    assert b.shadow_price is None
    assert rec.to_dict()["schema_version"] == RECOMMENDATION_SCHEMA_VERSION


# ------------------------------------------------------------------ derived readings
def test_value_per_visit_and_value_kind_by_hand():
    kinds = {"online_sales": "revenue", "store_visits": "count"}
    rec = StoredRecommendation.from_dict(recommendation())
    assert rec.value_per_visit(kinds) == 25.0
    assert not rec.value_is_count(kinds)
    d = recommendation()
    d["settings"]["value_per_visit"] = None
    d["summary"]["outcome_weights"] = {"online_sales": 0.0, "store_visits": 12.5}
    rec = StoredRecommendation.from_dict(d)
    assert rec.value_per_visit(kinds) == 12.5  # the count outcome's weight
    assert rec.value_is_count(kinds)


def test_geo_spend_sums_the_allocation_of_each_geo_by_hand():
    from plan_helpers import allocation_row

    d = recommendation()
    d["allocation"] = [
        allocation_row("search|all", 100.0, 150.0, geo="north"),
        allocation_row("video|all", 60.0, 30.0, geo="south"),
        allocation_row("video|all", 20.0, 50.0, geo="north"),
        allocation_row("radio|all", 0.0, 10.0, geo="east"),
    ]
    spend = StoredRecommendation.from_dict(d).geo_spend()
    assert list(spend) == ["north", "south", "east"]
    assert spend["north"] == {"current": 120.0, "recommended": 200.0, "change": 80.0 / 120.0}
    assert spend["south"] == {"current": 60.0, "recommended": 30.0, "change": -0.5}
    assert spend["east"] == {"current": 0.0, "recommended": 10.0, "change": None}


def test_plan_move_by_hand():
    from plan_helpers import allocation_row

    from mmm.plan_results import AllocationRow, plan_move

    assert plan_move(1000.0, 4.9) == "keep"  # under 0.5 % of 1000
    assert plan_move(1000.0, 5.0) == "keep"
    assert plan_move(1000.0, 5.1) == "raise"
    assert plan_move(1000.0, -300.0) == "cut"
    assert plan_move(0.0, 0.0) == "keep" and plan_move(0.0, 10.0) == "raise"
    assert plan_move(None, None) == "keep"
    row = allocation_row("search|all", 100.0, 50.0)
    assert AllocationRow.from_dict(row).move == "cut"
    assert AllocationRow.from_dict({**row, "locked": True}).move == "keep"


def test_change_share_is_the_percent_change_as_a_fraction():
    from plan_helpers import allocation_row

    from mmm.plan_results import AllocationRow

    # 100 -> 125: +25 % stored as 25.0, a share of 0.25; 100 -> 40: -0.6
    assert AllocationRow.from_dict(allocation_row("search|all", 100.0, 125.0)).change_share == 0.25
    assert AllocationRow.from_dict(allocation_row("search|all", 100.0, 40.0)).change_share == -0.6
    # no current spend: no percent change
    assert AllocationRow.from_dict(allocation_row("search|all", 0.0, 10.0)).change_share is None


def test_the_budget_section_says_the_stored_numbers():
    from mmm.report.budget import budget_context

    rec = StoredRecommendation.from_dict(recommendation())
    kinds = {"online_sales": "revenue", "store_visits": "count"}
    b = budget_context(rec, currency="€", kinds=kinds, freq="W-MON")
    assert b["summary_lines"] == [
        "The plan covers 2 weeks, from the week of 05 Jan 2026 to the week of 12 Jan 2026, "
        "and splits a total media budget of €200.",
        "Value here counts online sales plus each store visit at €25.",
        "The recommended plan beats the current one in 93% of the model's scenarios "
        "(posterior draws); it should add value: between €80 and €120, most likely about €98 "
        "(+10% on the current plan).",
    ]
    assert b["lines"] == [
        "Raise Search from €100 to €130 (+€30, +30%); each extra €1 there is worth €3 "
        "of value now and €2.50 at the recommended level.",
        "Cut Video from €100 to €70 (-€30, -30%); each extra €1 there is worth €1 of "
        "value now and €2 at the recommended level.",
    ]
    assert b["moves"] == ["Move €30 from Video to Search."]
    assert b["binding"] == [
        "Search is at its upper limit (€130): each €1 the limit is raised would change "
        "value by about €0.500."
    ]
    assert b["budget_margin"] == "Each extra €1 of total budget would add about €2 of value."
    assert [r["change"] for r in b["rows"]] == [pytest.approx(0.3), pytest.approx(-0.3)]


def test_headroom_reading_by_hand():
    from plan_helpers import allocation_row

    from mmm.analysis.headroom import headroom

    d = recommendation()
    d["summary"]["budget_shadow_price"] = 2.0
    d["allocation"] = [
        allocation_row("a|x", 10.0, 12.0, mroas_current=3.0, mroas_recommended=2.0),
        allocation_row("b|x", 10.0, 8.0, mroas_current=1.0, mroas_recommended=2.0),
        allocation_row("c|x", 10.0, 10.0, mroas_current=2.01, mroas_recommended=2.01),
        allocation_row("d|x", 10.0, 10.0, mroas_current=5.0, mroas_recommended=None, locked=True),
    ]
    h = headroom(StoredRecommendation.from_dict(d))
    assert list(h["reading"]) == ["room to grow", "saturated", "at the common level", "locked"]
    assert list(h["ratio"]) == pytest.approx([1.5, 0.5, 1.005, 2.5])
    assert list(h["change"]) == [2.0, -2.0, 0.0, 0.0]


def test_without_a_shadow_price_the_common_margin_is_the_median_of_the_free_lines():
    from plan_helpers import allocation_row

    from mmm.analysis.headroom import common_marginal_value

    d = recommendation()
    d["summary"]["budget_shadow_price"] = None
    d["allocation"] = [
        allocation_row("search|all", 10.0, 13.0, mroas_recommended=9.0),  # at its limit
        allocation_row("b|x", 10.0, 8.0, mroas_recommended=1.0),
        allocation_row("c|x", 10.0, 10.0, mroas_recommended=4.0),
        allocation_row("d|x", 10.0, 10.0, mroas_recommended=7.0, locked=True),
    ]
    # the free lines b and c: median of 1 and 4
    assert common_marginal_value(StoredRecommendation.from_dict(d)) == 2.5
