"""Budget optimizer on the saved demo fit: agreement with the engine, constraints, outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mmm.analysis.engine import contributions
from mmm.optimize import Constraints, change, make_planner, optimize_budget
from mmm.optimize.cli import run_optimize_cli
from mmm.optimize.constraints import build_system
from mmm.optimize.scenarios import compare_plans

# ``demo_fit`` is the session fixture of tests/conftest.py (one seeded fit per test run)


@pytest.fixture(scope="module")
def planner(demo_fit):
    return make_planner(demo_fit, horizon=13, max_draws=200)


def test_predictions_equal_engine(demo_fit, planner):
    rec = optimize_budget(planner, value_per_visit=25.0)
    for plan in (planner.current, rec.plan):
        eng = contributions(demo_fit, spend=planner.path(plan), dates=planner.dates, max_draws=200)
        eng = eng.isel(date=np.flatnonzero(planner.window)).sum(("date", "path", "geo", "series"))
        np.testing.assert_allclose(planner.outcome_draws(plan), eng.values, rtol=1e-10)
    assert rec.summary["value_recommended"]["mean"] >= rec.summary["value_current"]["mean"]
    assert rec.plan.sum() == pytest.approx(planner.current.sum(), rel=1e-9)


def test_constraints_on_demo(planner):
    cons = Constraints(
        default=change(0.3),
        locked=("email_crm",),
        min_awareness_share=0.45,
        channels={"paid_search": (None, 900_000.0)},
    )
    budget = float(planner.current.sum()) * 1.1
    rec = optimize_budget(planner, budget=budget, value_per_visit=25.0, constraints=cons)
    viol = build_system(planner, cons, budget).violations(rec.plan.sum(axis=0))
    assert max(viol.values()) <= 1e-6
    a = rec.allocation
    aw = a.loc[a.stage == "awareness", "recommended"].sum()
    assert aw >= 0.45 * budget - 1e-6
    assert a.loc[a.channel == "email_crm", "change"].abs().max() <= 1e-6
    assert 0.0 <= rec.summary["prob_better"] <= 1.0
    assert rec.summary["uplift"]["lower"] <= rec.summary["uplift"]["mean"]
    assert rec.summary["uplift"]["mean"] <= rec.summary["uplift"]["upper"]


def test_scenarios_and_plots(planner):
    rec = optimize_budget(planner, value_per_visit=25.0)
    df = compare_plans(
        planner,
        {
            "recommended": rec,
            "+20 % video": {"online_video": 1.2},
            "cut display by half": {"programmatic_display": 0.5},
        },
        value_per_visit=25.0,
    )
    tot = df.query("channel == 'total' and metric == 'value'").set_index("scenario")
    assert tot.loc["recommended", "mean"] == pytest.approx(
        rec.summary["value_recommended"]["mean"], rel=1e-10
    )
    sp = df.query("metric == 'spend'").set_index(["scenario", "channel"])["mean"]
    assert sp[("+20 % video", "online_video")] == pytest.approx(
        1.2 * sp[("current", "online_video")], rel=1e-12
    )
    assert sp[("+20 % video", "paid_search")] == sp[("current", "paid_search")]

    import matplotlib

    matplotlib.use("Agg")
    from mmm.optimize.plots import plot_allocation, plot_uplift

    fig1, fig2 = plot_allocation(rec), plot_uplift(rec)
    assert len(fig1.axes[0].patches) == 2 * len(planner.series)
    assert sum(p.get_height() for p in fig2.axes[0].patches) == len(rec.uplift_draws)


def test_run_optimize_cli(tmp_path, planner, demo_run):
    budget = float(planner.current.sum())
    paths = run_optimize_cli(
        demo_run, budget=budget, value_per_visit=25.0, max_change=0.5, max_draws=200, out=tmp_path
    )
    assert set(paths) == {"json", "allocation_csv", "weekly_csv"}
    assert paths["json"] == tmp_path / "recommendations" / "recommended" / "recommendation.json"
    data = json.loads(paths["json"].read_text())
    assert data["settings"]["name"] == "recommended"
    assert data["settings"]["max_change"] == 0.5 and data["settings"]["value_per_visit"] == 25.0
    csv = pd.read_csv(paths["allocation_csv"])
    assert csv["recommended"].sum() == pytest.approx(budget, rel=1e-9)
    assert data["summary"]["budget"] == pytest.approx(budget)
    assert len(data["allocation"]) == len(csv) == len(planner.series)
    assert np.all(csv["recommended"] <= 1.5 * csv["current"] + 1e-6)
