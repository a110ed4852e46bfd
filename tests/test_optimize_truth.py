"""The recommended budget earns more TRUE value than the current plan.

The simulator's own generative process (its carry-over, Hill curves, direct effects and
brand-search path) scores both plans over the planning window; the optimizer only sees
the fitted model.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmm.data import _sim_kernels as S
from mmm.optimize import optimize_budget
from mmm.optimize.constraints import Constraints, change
from mmm.optimize.planner import make_planner

VALUE_PER_VISIT = 25.0


def true_value(sim, planner, plan, series) -> float:
    """Online revenue + value per visit x store visits that the TRUE process gives over
    the planner's window for the full spend path (history, then the plan)."""
    p = sim.truth.params
    hist = sim.truth.spend.sel(series=list(series)).transpose("date", "geo", "series").values
    # the planner keeps the last weeks of history that still carry over into the plan
    n_kept = planner.n_hist
    path = planner.path(plan)  # (date, geo, series): kept history, plan, tail
    np.testing.assert_allclose(path[:n_kept], hist[-n_kept:])
    path = np.concatenate([hist[:-n_kept], path])
    window = np.concatenate([np.zeros(len(hist) - n_kept, bool), planner.window])
    total = 0.0
    for i, lab in enumerate(str(s) for s in series):
        cp = p["channels"][p["series"][lab]["channel"]]
        x = path[:, 0, i]
        if cp["adstock"] == "geometric":
            ad = S._geometric_adstock(x, cp["alpha"], cp["l_max"])
        else:
            ad = S._delayed_adstock(x, cp["alpha"], cp["theta"], cp["l_max"])
        mean = hist[:, 0, i].mean()  # the simulator scales by the historical mean spend
        h = S._hill(ad / mean, cp["half"], cp["slope"])
        online = p["beta"]["online_sales"][lab]["all"] * h
        visits = p["beta"]["store_visits"][lab]["all"] * h
        if lab in p["gamma_m"]:
            searches = p["gamma_m"][lab]["all"] * h
            online = online + p["delta"]["online_sales"]["all"] * searches
            visits = visits + p["delta"]["store_visits"]["all"] * searches
        total += float((online + VALUE_PER_VISIT * visits)[window].sum())
    return total


@pytest.fixture(scope="module")
def planner(demo_fit):
    return make_planner(demo_fit, horizon=13, max_draws=400)


@pytest.mark.parametrize("max_change", [0.3, 0.6])
def test_recommendation_beats_the_current_plan_on_the_truth(
    demo_sim, demo_fit, planner, max_change
):
    rec = optimize_budget(
        planner,
        value_per_visit=VALUE_PER_VISIT,
        constraints=Constraints(default=change(max_change)),
    )
    assert rec.plan.sum() == pytest.approx(planner.current.sum(), rel=1e-9)
    series = demo_fit.dataset.series
    current = true_value(demo_sim, planner, planner.current, series)
    recommended = true_value(demo_sim, planner, rec.plan, series)
    assert recommended > current, (recommended, current)
    # the model's predicted uplift has the right sign and a sensible size
    predicted = rec.summary["uplift"]["mean"]
    assert predicted > 0
    assert 0.2 < predicted / (recommended - current) < 5.0
