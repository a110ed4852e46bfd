"""`mmm scenarios`: plans side by side, plan files checked, the result stored and reported.

Built on a synthetic fit (chosen media parameters, no sampling): a run folder saved from
it, a recommendation made on it by `mmm optimize`, then comparisons.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from mmm.cli import main
from mmm.errors import DataError
from mmm.inference.fit import FitResult
from mmm.optimize import make_planner
from mmm.optimize.plan_file import read_plan_file
from mmm.optimize.scenarios import compare_plans, run_scenarios
from mmm.optimize.testing import synthetic_fit
from mmm.report import fmt

H = 6
SERIES = [("search", "prospecting"), ("search", "retargeting"), ("video", "all")]


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """Three lines, two outcomes (revenue and store visits), carry-over of 2 weeks, 40 draws
    with positive effects; saved, with a recommendation for 6 weeks."""
    rng = np.random.default_rng(3)
    n_t, n_d = 30, 40
    spend = rng.uniform(50, 150, size=(n_t, 1, 3))
    fit = synthetic_fit(
        spend,
        SERIES,
        {"search": "conversion", "video": "awareness"},
        half=rng.uniform(0.5, 2, size=(n_d, 2)),
        weights=np.array([[0.7, 0.3], [0.6, 0.4]]),
        beta=rng.uniform(0.5, 3, size=(n_d, 2, 1, 3)),
        outcomes=(("online_sales", "revenue"), ("store_visits", "count")),
    )
    out = tmp_path_factory.mktemp("scen") / "run"
    fit.save(out)
    rc = main(
        [
            "optimize",
            str(out),
            "--budget",
            "1900",
            "--horizon",
            str(H),
            "--value-per-visit",
            "3",
            "--starts",
            "1",
            "--quiet",
        ]
    )
    assert rc == 0
    return out


@pytest.fixture
def run(base_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(base_run, out)
    return out


@pytest.fixture(scope="module")
def planner(base_run):
    return make_planner(FitResult.load(base_run), horizon=H)


def _cli(args, capsys=None):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(args)
    return rc, buf.getvalue()


def _totals_csv(path, spend):
    ch = [c for c, _ in SERIES]
    au = [a for _, a in SERIES]
    pd.DataFrame({"channel": ch, "audience": au, "spend": spend}).to_csv(path, index=False)
    return path


def _weekly_csv(path, planner, plan):
    rows = []
    for t, d in enumerate(planner.plan_dates):
        for s, (c, a) in enumerate(SERIES):
            rows.append(
                {"date": f"{d:%Y-%m-%d}", "channel": c, "audience": a, "spend": plan[t, 0, s]}
            )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ the numbers
def test_stored_table_equals_compare_plans(run, planner, tmp_path):
    f = _totals_csv(tmp_path / "mine.csv", [700.0, 700.0, 500.0])
    rc, printed = _cli(["scenarios", str(run), "--value-per-visit", "3", "--plan", f"mine={f}"])
    assert rc == 0
    stored = json.loads((run / "scenarios" / "scenarios.json").read_text())
    assert [p["plan"] for p in stored["plans"]] == ["current", "recommended", "mine"]

    rec = json.loads((run / "recommendations" / "recommended" / "recommendation.json").read_text())
    w = pd.DataFrame(rec["weekly"])
    rec_plan = w.pivot(index="date", columns="series", values="recommended")[
        list(planner.series)
    ].to_numpy()[:, None, :]
    ref = compare_plans(
        planner,
        {"recommended": rec_plan, "mine": read_plan_file(planner, f)},
        value_per_visit=3.0,
    )
    tot = ref[ref["channel"] == "total"].set_index(["scenario", "metric"])
    for p in stored["plans"]:
        assert p["spend"] == pytest.approx(tot.loc[(p["plan"], "spend"), "mean"], rel=1e-12)
        for m in ("online_sales", "store_visits", "value"):
            for k in ("mean", "lower", "upper", "uplift_mean"):
                assert p["outcomes"][m][k] == pytest.approx(tot.loc[(p["plan"], m), k], rel=1e-10)
        pb = tot.loc[(p["plan"], "value"), "prob_better"]
        assert (p["prob_better"] is None) == bool(np.isnan(pb))
        if p["prob_better"] is not None:
            assert p["prob_better"] == pytest.approx(pb)
    # the settings used are stored with the numbers
    st = stored["settings"]
    assert st["horizon"] == H and st["value_per_visit"] == 3.0 and st["interval"] == 0.9
    assert st["outcome_weights"] == {"online_sales": 1.0, "store_visits": 3.0}
    assert st["outcome_kinds"] == {"online_sales": "revenue", "store_visits": "count"}
    assert st["plans"]["mine"] == {"source": "file", "path": str(f), "layout": "totals"}
    # the long table is stored beside it, equal to compare_plans' rows
    csv = pd.read_csv(run / "scenarios" / "scenarios.csv")
    assert np.allclose(csv["mean"], ref["mean"], rtol=1e-9)
    # the printed table shows the stored value of the file's plan in the package's number
    # format (3 significant figures, as the report)
    mine = next(p for p in stored["plans"] if p["plan"] == "mine")
    value = mine["outcomes"]["value"]
    row = next(ln for ln in printed.splitlines() if ln.startswith("mine "))
    shown = re.findall(r"(€[\d.,]+[kM]?) \((€[\d.,]+[kM]?) \.\. (€[\d.,]+[kM]?)\)", row)[-1]
    for text, x in zip(shown, (value["mean"], value["lower"], value["upper"]), strict=True):
        assert text == fmt.money(x)
        assert fmt.parse_amount(text) == pytest.approx(x, rel=5e-3)
    assert "Search · retargeting" in printed  # display names of the lines
    # the planner tables are refreshed: one row per (plan, outcome), the stored numbers
    table = pd.read_csv(run / "tables" / "scenarios_scenarios.csv")
    assert list(dict.fromkeys(table["plan"])) == ["current", "recommended", "mine"]
    for p in stored["plans"]:
        rows = table[table["plan"] == p["plan"]].set_index("outcome")
        assert sorted(rows.index) == sorted(p["outcomes"])
        for m, st in p["outcomes"].items():
            assert rows.loc[m, "spend"] == p["spend"]
            assert rows.loc[m, "expected_mean"] == st["mean"]
            assert rows.loc[m, "uplift_lower"] == st["uplift_lower"]
            if st["prob_better"] is None:
                assert np.isnan(rows.loc[m, "chance_better"])
            else:
                assert rows.loc[m, "chance_better"] == st["prob_better"]
    sheet = pd.read_excel(run / "tables" / "report.xlsx", sheet_name="scenarios_scenarios")
    assert np.allclose(sheet["expected_mean"], table["expected_mean"], rtol=1e-14)


def test_totals_are_spread_like_the_current_weekly_pattern(planner, tmp_path):
    f = _totals_csv(tmp_path / "t.csv", [600.0, 0.0, 300.0])
    x = read_plan_file(planner, f)
    assert x.shape == (H, 1, 3)
    assert np.allclose(x.sum(axis=0)[0], [600.0, 0.0, 300.0])
    # the same week-by-week shape as the current plan of each line
    cur = planner.current[:, 0, :]
    assert np.allclose(x[:, 0, 0] / 600.0, cur[:, 0] / cur[:, 0].sum())
    assert np.allclose(x[:, 0, 2] / 300.0, cur[:, 2] / cur[:, 2].sum())


def test_a_plan_equal_to_the_current_one_has_no_chance_to_beat_it(planner):
    df = compare_plans(
        planner, {"copy": planner.current.copy(), "video +10%": {"video": 1.1}}, value_per_visit=3
    )
    same = df[df["scenario"].isin(["current", "copy"]) & (df["metric"] != "spend")]
    assert len(same) > 0 and same["prob_better"].isna().all()  # undefined, not 0.0
    # a plan that only changes video leaves the search lines' draws as they were: undefined
    v = df[df["scenario"] == "video +10%"].set_index(["channel", "metric"])
    assert np.isnan(v.loc[("search", "value"), "prob_better"])
    # where the plans differ it is the share of draws with a higher value, as by hand
    obj_w = np.array([1.0, 3.0])
    up = (
        planner.outcome_draws(planner.current * np.array([1, 1, 1.1])) @ obj_w
        - planner.outcome_draws(planner.current) @ obj_w
    )
    assert v.loc[("total", "value"), "prob_better"] == pytest.approx(np.mean(up > 0))


def test_the_current_plan_prints_and_stores_an_undefined_chance(run):
    rc, printed = _cli(["scenarios", str(run), "--value-per-visit", "3"])
    assert rc == 0
    stored = json.loads((run / "scenarios" / "scenarios.json").read_text())
    cur = stored["plans"][0]
    assert cur["plan"] == "current" and cur["prob_better"] is None
    assert cur["outcomes"]["value"]["prob_better"] is None
    row = next(line for line in printed.splitlines() if line.startswith("current"))
    assert row.rstrip().endswith("—")


def test_ten_percent_more_on_a_line_with_positive_return_beats_current(run, planner, tmp_path):
    plan = planner.current.copy()
    plan[:, 0, 2] *= 1.1  # video +10 % every week; every draw has a positive effect
    f = _weekly_csv(tmp_path / "video_up.csv", planner, plan)
    assert np.allclose(read_plan_file(planner, f), plan)
    rc, _ = _cli(
        ["scenarios", str(run), "--value-per-visit", "3", "--plan", f"video_up={f}", "--name", "v"]
    )
    assert rc == 0
    stored = json.loads((run / "scenarios" / "v.json").read_text())
    p = next(p for p in stored["plans"] if p["plan"] == "video_up")
    assert p["prob_better"] > 0.5
    # Hill curves with positive effects rise in every draw: more spend wins in each one
    assert p["prob_better"] == 1.0
    assert p["spend"] == pytest.approx(planner.current.sum() + 0.1 * planner.current[:, 0, 2].sum())


# ------------------------------------------------------------------ bad plan files
def _refused(run, path, capsys) -> str:
    rc, _ = _cli(["scenarios", str(run), "--value-per-visit", "3", "--plan", f"p={path}"])
    assert rc == 2
    err = _err(capsys)
    assert str(path) in err  # the file is named
    return err


def test_unknown_line_is_refused_with_its_row(run, tmp_path, capsys):
    f = tmp_path / "unknown.csv"
    pd.DataFrame(
        {
            "channel": ["search", "search", "video", "tv"],
            "audience": ["prospecting", "retargeting", "all", "all"],
            "spend": [1, 2, 3, 4],
        }
    ).to_csv(f, index=False)
    err = _refused(run, f, capsys)
    assert "row(s) 5 ('tv, all')" in err  # header row 1: the 4th data row is row 5
    assert "lines the model does not plan" in err and "Search · prospecting" in err
    assert "Fix:" in err


def test_missing_line_is_refused_and_says_how_to_write_zero(run, tmp_path, capsys):
    f = _totals_csv(tmp_path / "missing.csv", [1.0, 2.0, 3.0])
    pd.read_csv(f).iloc[[0, 2]].to_csv(f, index=False)  # no search · retargeting
    err = _refused(run, f, capsys)
    assert "1 line(s) missing: Search · retargeting" in err
    assert "spend 0" in err and "search,retargeting,0" in err


def test_missing_weeks_of_a_line_are_refused(run, planner, tmp_path, capsys):
    f = _weekly_csv(tmp_path / "weeks.csv", planner, planner.current)
    df = pd.read_csv(f)
    drop = (df["channel"] == "video") & (df["date"] == f"{planner.plan_dates[2]:%Y-%m-%d}")
    df[~drop].to_csv(f, index=False)
    err = _refused(run, f, capsys)
    assert "1 (line, date) row(s) missing" in err and "Video" in err
    assert f"{planner.plan_dates[2]:%Y-%m-%d}" in err and "spend 0" in err


def test_negative_spend_is_refused_with_its_row(run, tmp_path, capsys):
    f = _totals_csv(tmp_path / "neg.csv", [100.0, -5.0, 30.0])
    err = _refused(run, f, capsys)
    assert "column 'spend'" in err and "row(s) 3 (-5.0)" in err and "not >= 0" in err
    assert "Fix:" in err


def test_dates_outside_the_horizon_are_refused(run, planner, tmp_path, capsys):
    f = _weekly_csv(tmp_path / "late.csv", planner, planner.current)
    df = pd.read_csv(f)
    late = planner.plan_dates[-1] + pd.Timedelta(weeks=1)
    df.loc[df.index[-1], "date"] = f"{late:%Y-%m-%d}"  # the last row, spreadsheet row len+1
    df.to_csv(f, index=False)
    err = _refused(run, f, capsys)
    assert "column 'date'" in err and "outside the plan's horizon" in err
    assert f"row(s) {len(df) + 1} ({late:%Y-%m-%d})" in err
    assert f"{planner.plan_dates[0]:%Y-%m-%d}" in err and "--horizon" in err


def test_read_plan_file_raises_a_data_error(planner, tmp_path):
    f = _totals_csv(tmp_path / "neg.csv", [100.0, -5.0, 30.0])
    with pytest.raises(DataError, match="row"):
        read_plan_file(planner, f)


# ------------------------------------------------------------------ options
def test_store_visits_need_a_value_as_for_optimize(run, capsys):
    rc, _ = _cli(["scenarios", str(run)])
    assert rc == 2
    err = _err(capsys)
    assert "--value-per-visit" in err and "--objective online_sales" in err
    rc, _ = _cli(["scenarios", str(run), "--objective", "online_sales"])
    assert rc == 0
    stored = json.loads((run / "scenarios" / "scenarios.json").read_text())
    assert stored["settings"]["outcome_weights"] == {"online_sales": 1.0, "store_visits": 0.0}
    # the run config's value per visit counts like --value-per-visit
    (run / "config.toml").write_text("[optimizer]\nvalue_per_visit = 4.0\n")
    rc, _ = _cli(["scenarios", str(run), "--name", "cfg"])
    assert rc == 0
    cfg = json.loads((run / "scenarios" / "cfg.json").read_text())
    assert cfg["settings"]["value_per_visit"] == 4.0


def test_a_stored_comparison_is_not_overwritten_without_replace(run, capsys):
    assert _cli(["scenarios", str(run), "--value-per-visit", "3"])[0] == 0
    rc, _ = _cli(["scenarios", str(run), "--value-per-visit", "3"])
    assert rc == 2 and "--replace" in _err(capsys)
    assert _cli(["scenarios", str(run), "--value-per-visit", "3", "--replace"])[0] == 0


def test_a_recommendation_of_another_horizon_is_left_out_and_named(run, capsys):
    rc, printed = _cli(["scenarios", str(run), "--value-per-visit", "3", "--horizon", "4"])
    assert rc == 0
    stored = json.loads((run / "scenarios" / "scenarios.json").read_text())
    assert [p["plan"] for p in stored["plans"]] == ["current"]
    assert stored["settings"]["left_out"][0]["plan"] == "recommended"
    assert "left out: recommendation 'recommended'" in printed
    rc, _ = _cli(
        [
            "scenarios",
            str(run),
            "--value-per-visit",
            "3",
            "--horizon",
            "4",
            "--name",
            "x",
            "--recommendation",
            "recommended",
        ]
    )
    assert rc == 2 and "--horizon 6" in _err(capsys)


def test_python_api_takes_plans_in_memory(run, planner):
    res = run_scenarios(
        run,
        {"search_up": {"search": 1.2}},
        value_per_visit=3.0,
        name="api",
        recommendations=[],
        horizon=H,
    )
    ref = compare_plans(planner, {"search_up": {"search": 1.2}}, value_per_visit=3.0)
    assert np.allclose(res["table"]["mean"], ref["mean"], rtol=1e-12)
    assert res["json"].name == "api.json"


# ------------------------------------------------------------------ the report
def test_report_shows_the_stored_numbers(run, tmp_path):
    f = _totals_csv(tmp_path / "mine.csv", [700.0, 700.0, 500.0])
    assert _cli(["scenarios", str(run), "--value-per-visit", "3", "--plan", f"mine={f}"])[0] == 0
    stored = json.loads((run / "scenarios" / "scenarios.json").read_text())
    # edit a stored number: the report must show the file's numbers, not recompute them
    stored["plans"][2]["outcomes"]["value"]["mean"] = 12345678.0
    stored["plans"][2]["prob_better"] = 0.42
    (run / "scenarios" / "scenarios.json").write_text(json.dumps(stored))
    assert main(["report", str(run), "--quiet"]) == 0
    html = (run / "report.html").read_text()
    md = (run / "report.md").read_text()
    assert 'id="scenarios"' in html and "## Scenarios" in md
    assert 'data-metric="value" data-value="12345678.0"' in html
    assert "€12.3M" in md and "42%" in md
    cur = next(line for line in md.splitlines() if line.startswith("| Current plan"))
    assert cur.rstrip().endswith("— |")
    sales = stored["plans"][1]["outcomes"]["online_sales"]
    assert f'data-metric="online_sales" data-value="{sales["mean"]}"' in html
    assert f'data-lower="{sales["lower"]}" data-upper="{sales["upper"]}"' in html
    assert "mine (plan file)" in md and "recommended (recommendation)" in md


def test_report_without_scenarios_has_no_section(run):
    assert main(["report", str(run), "--quiet", "--format", "md"]) == 0
    assert "## Scenarios" not in (run / "report.md").read_text()


def test_repeated_rows_and_a_missing_file_are_refused(run, tmp_path, capsys):
    f = _totals_csv(tmp_path / "dup.csv", [1.0, 2.0, 3.0])
    df = pd.read_csv(f)
    pd.concat([df, df.iloc[[1]]]).to_csv(f, index=False)
    err = _refused(run, f, capsys)
    assert "rows 3, 5 share ('all', 'search', 'retargeting')" in err  # header is row 1
    rc, _ = _cli(["scenarios", str(run), "--value-per-visit", "3", "--plan", "x=nope.csv"])
    assert rc == 2 and "nope.csv" in _err(capsys)
    rc, _ = _cli(["scenarios", str(run), "--value-per-visit", "3", "--plan", "nope.csv"])
    assert rc == 2 and "NAME=FILE" in _err(capsys)


# ------------------------------------------------------------------ geos
@pytest.fixture(scope="module")
def geo_planner():
    """Two geos, two lines; video is not bought in the south."""
    rng = np.random.default_rng(5)
    spend = rng.uniform(20, 200, size=(20, 2, 2))
    spend[:, 1, 1] = np.nan
    fit = synthetic_fit(
        spend,
        [("search", "all"), ("video", "all")],
        {"search": "conversion", "video": "awareness"},
        half=np.array([1.0, 2.0]),
        weights=np.array([[1.0], [1.0]]),
        beta=rng.uniform(0.5, 3, size=(10, 1, 2, 2)),
        geos=("north", "south"),
    )
    return make_planner(fit, horizon=4)


def test_geo_plans_need_a_geo_column_and_skip_cells_not_bought(geo_planner, tmp_path):
    f = tmp_path / "geo.csv"
    pd.DataFrame(
        {
            "channel": ["search", "video", "search"],
            "spend": [100.0, 50.0, 80.0],
            "geo": ["north", "north", "south"],
        }
    ).to_csv(f, index=False)
    x = read_plan_file(geo_planner, f)  # no audience column: the model has none
    assert np.allclose(x.sum(axis=0), [[100.0, 50.0], [80.0, 0.0]])
    # video in the south is not bought there: a row for it is an unknown line
    df = pd.read_csv(f)
    df.loc[len(df)] = ["video", 10.0, "south"]
    df.to_csv(f, index=False)
    with pytest.raises(DataError, match=r"row\(s\) 5 \('video, all, south'\)"):
        read_plan_file(geo_planner, f)
    pd.DataFrame({"channel": ["search", "video"], "spend": [1.0, 2.0]}).to_csv(f, index=False)
    with pytest.raises(DataError, match="add a geo column"):
        read_plan_file(geo_planner, f)
