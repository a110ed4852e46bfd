"""Budget optimizer on fits with fixed, known media parameters (no MCMC)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mmm.analysis.engine import contributions
from mmm.errors import InfeasibleError
from mmm.optimize import Bound, Constraints, change, make_objective, make_planner, optimize_budget
from mmm.optimize.planner import risk_weights
from mmm.optimize.scenarios import compare_plans, resolve_plan, scenario_table
from mmm.optimize.testing import synthetic_fit

H = 4
SERIES2 = [("search", "all"), ("video", "all")]
STAGES = {"search": "conversion", "video": "awareness", "social": "awareness"}


@pytest.fixture(scope="module")
def two_series():
    """Two Hill slope-1 curves, no carry-over, constant past spend 100 and 50 per week."""
    spend = np.zeros((20, 1, 2))
    spend[:, 0, 0], spend[:, 0, 1] = 100.0, 50.0
    return synthetic_fit(
        spend,
        SERIES2,
        STAGES,
        half=np.array([1.0, 2.0]),
        weights=np.array([[1.0], [1.0]]),
        beta=np.array([[[3.0, 5.0]]]),
    )


def analytic_optimum(fit, budget, half=(1.0, 2.0), beta=(3.0, 5.0)):
    """sum_i C_i H b_i / (b_i + K_i) with K_i = H s_i h_i: equal marginal returns."""
    c = np.asarray(beta) * fit.design.outcome_scale[0, 0]
    k = H * fit.design.spend_scale[0] * np.asarray(half)  # one geo
    root = np.sqrt(c * k)
    return root * (budget + k.sum()) / root.sum() - k


@pytest.fixture(scope="module")
def carry_fit():
    """Three series with carry-over, a mediator and 40 draws of varying parameters."""
    rng = np.random.default_rng(3)
    n_t, n_d = 30, 40
    series = [("search", "all"), ("social", "old"), ("social", "young"), ("video", "all")]
    spend = rng.uniform(20, 200, size=(n_t, 1, 4))
    alpha = rng.uniform(0.2, 0.7, size=(n_d, 3))
    lags = np.arange(5)
    w = alpha[:, :, None] ** lags
    w /= w.sum(-1, keepdims=True)
    half = rng.uniform(0.5, 2.0, size=(n_d, 3))
    beta = rng.uniform(0.5, 3.0, size=(n_d, 2, 1, 4))
    gamma = rng.uniform(0.1, 0.5, size=(n_d, 1, 3))
    delta = rng.uniform(0.1, 0.4, size=(n_d, 2))
    return synthetic_fit(
        spend,
        series,
        STAGES,
        half=half,
        weights=w,
        beta=beta,
        outcomes=(("online_sales", "revenue"), ("store_visits", "count")),
        mediator="brand_search",
        gamma=gamma,
        delta=delta,
    )


# ------------------------------------------------------------------ optimum
def test_two_series_matches_hand_computed_optimum(two_series):
    pl = make_planner(two_series, horizon=H, max_draws=None)
    rec = optimize_budget(pl, budget=1000.0)
    got = rec.allocation["recommended"].to_numpy()
    want = analytic_optimum(two_series, 1000.0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.sum() == pytest.approx(1000.0, abs=1e-6)
    # equal marginal returns at the optimum (both series unconstrained)
    m = rec.allocation["mroas_recommended"].to_numpy()
    assert m[0] == pytest.approx(m[1], rel=1e-6)
    # and the current split does not have them
    mc = rec.allocation["mroas_current"].to_numpy()
    assert abs(mc[0] - mc[1]) / mc.mean() > 0.01


def test_free_flighting_spreads_evenly_without_carryover(two_series):
    pl = make_planner(two_series, horizon=H, max_draws=None)
    rec = optimize_budget(pl, budget=1000.0, flighting="free")
    want = analytic_optimum(two_series, 1000.0)
    np.testing.assert_allclose(rec.plan.sum(axis=0)[0], want, rtol=1e-5)
    np.testing.assert_allclose(rec.plan[:, 0, :], np.broadcast_to(want / H, (H, 2)), rtol=1e-4)


def test_uplift_and_value_match_closed_form(two_series):
    pl = make_planner(two_series, horizon=H, max_draws=None)
    rec = optimize_budget(pl, budget=600.0)  # the current total: a pure re-allocation
    c = np.array([3.0, 5.0]) * two_series.design.outcome_scale[0, 0]
    k = H * two_series.design.spend_scale[0] * np.array([1.0, 2.0])

    def value(b):
        return float(np.sum(c * H * b / (b + k)))

    want = analytic_optimum(two_series, 600.0)
    assert rec.summary["value_recommended"]["mean"] == pytest.approx(value(want), rel=1e-10)
    assert rec.summary["value_current"]["mean"] == pytest.approx(
        value(np.array([400, 200.0])), rel=1e-12
    )
    assert rec.summary["prob_better"] == 1.0


@pytest.mark.parametrize("n_draws", [1, 300])
def test_several_starts_find_the_better_s_shaped_curve(n_draws):
    """Two S-shaped curves (Hill slope 4) with the same knee, 400 over the horizon; the
    second returns 1.5x the first but was bought at a tenth of its spend. From the
    current split the search climbs the first curve and stops with nothing on the second,
    whose slope at zero is zero: a local optimum. The value of a plan is the mean over
    draws of ``H y sum_i beta_i a_i^4 / (a_i^4 + half_i^4)``, ``a_i = b_i / (H s_i)``; a
    dense grid over the split finds the best plan (everything on the second curve). The
    default starts reach it (with 300 draws the extra starts are searched on 100 of them,
    then polished on all); one start stops at two thirds of its value."""
    rng = np.random.default_rng(1)
    jitter = np.exp(rng.normal(0.0, 0.05, size=(n_draws, 2))) if n_draws > 1 else 1.0
    half = np.array([1.0, 10.0]) * np.ones((n_draws, 2)) * jitter
    spend = np.empty((20, 1, 2))
    spend[:, 0, 0], spend[:, 0, 1] = 100.0, 10.0
    beta = np.array([1.0, 1.5])
    fit = synthetic_fit(
        spend,
        SERIES2,
        STAGES,
        half=half,
        weights=np.array([[1.0], [1.0]]),
        beta=beta[None, None, None, :],
        slope=np.array([4.0, 4.0]),
    )
    pl = make_planner(fit, horizon=H, max_draws=None)
    s, y = fit.design.spend_scale[0], fit.design.outcome_scale[0, 0]
    np.testing.assert_allclose(s, [100.0, 10.0])
    budget = 800.0

    def value(b1):  # b1: (n,) spend on the first curve
        a = np.stack([b1, budget - b1], axis=-1)[:, None, :] / (H * s)  # (n, 1, 2)
        h = a**4 / (a**4 + half[None] ** 4)  # (n, draw, 2)
        return (H * y * (beta * h).sum(-1)).mean(-1)

    grid = np.linspace(0.0, budget, 20_001)
    v = value(grid)
    assert grid[np.argmax(v)] == 0.0  # all on the second curve
    rec = optimize_budget(pl, budget=budget)
    assert rec.summary["value_recommended"]["mean"] == pytest.approx(v.max(), rel=1e-6)
    np.testing.assert_allclose(rec.allocation["recommended"], [0.0, budget], atol=1e-3)
    one = optimize_budget(pl, budget=budget, n_starts=1)
    np.testing.assert_allclose(one.allocation["recommended"], [budget, 0.0], atol=1e-3)
    assert one.summary["value_recommended"]["mean"] == pytest.approx(v[-1], rel=1e-6)
    assert v[-1] < 0.7 * v.max()


def test_grid_search_agrees_with_carryover_and_mediator(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    obj = make_objective(carry_fit, "value", value_per_visit=3.0)
    budget = 2400.0
    rec = optimize_budget(pl, budget=budget, value_per_visit=3.0)
    best = -np.inf
    step = budget / 40
    for a, b, c in itertools.product(range(41), repeat=3):
        d = 40 - a - b - c
        if d < 0:
            continue
        tot = np.array([[a, b, c, d]]) * step
        best = max(best, float(pl.value_draws(pl.from_totals(tot), obj).mean()))
    got = rec.summary["value_recommended"]["mean"]
    assert got >= best * (1 - 1e-3)
    # unconstrained, strictly positive series have equal marginal returns
    alloc = rec.allocation
    inside = alloc["recommended"] > 1e-3 * budget
    m = alloc.loc[inside, "mroas_recommended"].to_numpy()
    assert inside.sum() >= 2
    assert np.ptp(m) / m.mean() < 1e-5


def test_optimizer_outcomes_equal_engine_contributions(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    rec = optimize_budget(pl, budget=2000.0, value_per_visit=3.0)
    for plan in (pl.current, rec.plan):
        eng = contributions(carry_fit, spend=pl.path(plan), dates=pl.dates, max_draws=None)
        eng = eng.isel(date=np.flatnonzero(pl.window)).sum(("date", "path", "geo", "series"))
        np.testing.assert_allclose(pl.outcome_draws(plan), eng.values, rtol=1e-10)
    cur = rec.outcomes.query("plan == 'current' and outcome == 'store_visits'")["mean"].item()
    eng = contributions(carry_fit, spend=pl.path(pl.current), dates=pl.dates, max_draws=None)
    eng = eng.isel(date=np.flatnonzero(pl.window)).sel(outcome="store_visits")
    assert cur == pytest.approx(float(eng.sum(("date", "path", "geo", "series")).mean()), rel=1e-10)


def test_gradient_matches_finite_differences(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    obj = make_objective(carry_fit, "value", value_per_visit=2.0)
    coef = pl.value_coef(obj)
    x = pl.current.copy()
    for risk in ("mean", "cvar"):

        def rho(v, risk=risk):
            return risk_weights(v, risk, 0.25)

        vals, r, g = pl.response.value_and_grad(pl.path(x), coef, pl.window, rho, pl.plan_slice)
        for t, s in [(0, 0), (3, 2), (5, 3)]:
            h = 1e-3
            xp, xm = x.copy(), x.copy()
            xp[t, 0, s] += h
            xm[t, 0, s] -= h
            fp = r @ pl.value_draws(xp, obj)
            fm = r @ pl.value_draws(xm, obj)
            assert g[t, 0, s] == pytest.approx((fp - fm) / (2 * h), rel=1e-5)


# ------------------------------------------------------------- constraints
def _max_violation(rec, pl, cons, budget):
    from mmm.optimize.constraints import build_system

    sys_ = build_system(pl, cons, budget)
    return max(sys_.violations(rec.plan.sum(axis=0)).values())


def test_constraints_hold_exactly(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    cur = pl.current.sum(axis=(0, 1))
    cases = [
        Constraints(channels={"search": (None, 300.0)}, min_awareness_share=0.7),
        Constraints(default=change(0.3)),
        Constraints(locked=("video",), audiences={"old": Bound(1.2, None, relative=True)}),
        Constraints(budget_mode="at_most", series={"social|young": 500.0}),
    ]
    for cons in cases:
        rec = optimize_budget(pl, budget=2400.0, value_per_visit=3.0, constraints=cons)
        tot = rec.plan.sum(axis=(0, 1))
        assert _max_violation(rec, pl, cons, 2400.0) <= 1e-6
        if cons.budget_mode == "equal":
            assert tot.sum() == pytest.approx(2400.0, abs=1e-6)
        if cons.locked:
            np.testing.assert_allclose(rec.plan[:, 0, 3], pl.current[:, 0, 3], atol=1e-9)
        if cons.default is not None:
            assert np.all(tot <= 1.3 * cur + 1e-6) and np.all(tot >= 0.7 * cur - 1e-6)
        assert rec.summary["max_constraint_violation"] <= 1e-6
    # the binding constraint is reported
    rec = optimize_budget(
        pl,
        budget=2400.0,
        value_per_visit=3.0,
        constraints=Constraints(channels={"search": (None, 100.0)}),
    )
    assert rec.allocation.query("channel == 'search'")["recommended"].sum() == pytest.approx(
        100.0, abs=1e-6
    )
    assert any("search" in n for n in rec.summary["binding_constraints"])


def test_infeasible_constraints_are_named(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    cons = Constraints(
        channels={"search": (800.0, None), "video": (900.0, None)},
        audiences={"old": (None, 5000.0)},
    )
    with pytest.raises(InfeasibleError) as err:
        optimize_budget(pl, budget=1500.0, constraints=cons)
    msg = str(err.value)
    assert "channel 'search'" in msg and "channel 'video'" in msg and "total budget" in msg
    assert "audience 'old'" not in msg
    # awareness share against locked conversion spend
    cons = Constraints(locked=("search",), min_awareness_share=1.0)
    with pytest.raises(InfeasibleError, match="awareness share"):
        optimize_budget(pl, budget=1500.0, constraints=cons)


def test_cost_per_unit_prefers_the_lower_bounds(two_series):
    pl = make_planner(two_series, horizon=H, max_draws=None)
    cons = Constraints(
        budget_mode="at_most", series={"search|all": (100.0, None), "video|all": (150.0, None)}
    )
    rec = optimize_budget(pl, budget=1000.0, objective="cost_per:online_sales", constraints=cons)
    np.testing.assert_allclose(rec.allocation["recommended"], [100.0, 150.0], atol=1e-6)


def test_risk_weights():
    v = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    assert risk_weights(v, "mean", 0.1) @ v == pytest.approx(3.0)
    assert risk_weights(v, "quantile", 0.3) @ v == pytest.approx(np.quantile(v, 0.3))
    assert risk_weights(v, "cvar", 0.4) @ v == pytest.approx(1.5)  # mean of {1, 2}
    assert risk_weights(v, "cvar", 0.3) @ v == pytest.approx((1.0 + 0.5 * 2.0) / 1.5)


def test_cvar_objective_is_at_least_as_good_on_cvar(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    m = optimize_budget(pl, budget=2400.0, value_per_visit=3.0)
    c = optimize_budget(pl, budget=2400.0, value_per_visit=3.0, risk="cvar", risk_level=0.2)
    obj = make_objective(carry_fit, "value", value_per_visit=3.0)

    def cvar(plan):
        v = pl.value_draws(plan, obj)
        return risk_weights(v, "cvar", 0.2) @ v

    assert cvar(c.plan) >= cvar(m.plan) - 1e-9 * abs(cvar(m.plan))
    assert c.summary["value_recommended"]["mean"] <= m.summary["value_recommended"]["mean"] * (
        1 + 1e-9
    )


def test_carryover_options(carry_fit):
    full = make_planner(carry_fit, horizon=6, max_draws=None)
    short = make_planner(carry_fit, horizon=6, max_draws=None, include_carryover=False)
    fresh = make_planner(carry_fit, horizon=6, max_draws=None, past_carryover=False)
    obj = make_objective(carry_fit, "online_sales")
    zero = np.zeros_like(full.current)
    assert full.value_draws(zero, obj).min() > 0  # the tail of past spend lands in the horizon
    assert np.all(fresh.value_draws(zero, obj) == 0)
    assert np.all(short.value_draws(full.current, obj) < full.value_draws(full.current, obj))
    assert len(full.dates) == 4 + 6 + 4 and len(short.dates) == 4 + 6


def test_same_inputs_same_outputs(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    a = optimize_budget(pl, budget=2000.0, value_per_visit=3.0, n_starts=3, seed=5)
    b = optimize_budget(pl, budget=2000.0, value_per_visit=3.0, n_starts=3, seed=5)
    np.testing.assert_array_equal(a.plan, b.plan)
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):  # when and how long: the only fields that may differ
        d["summary"]["solver"].pop("wall_s")
        d["settings"].pop("created")
    assert da == db
    json.dumps(da)  # JSON-safe


# --------------------------------------------------------------- scenarios
def test_scenarios(carry_fit):
    pl = make_planner(carry_fit, horizon=6, max_draws=None)
    rec = optimize_budget(pl, budget=float(pl.current.sum()), value_per_visit=3.0)
    plans = {
        "recommended": rec,
        "+20% video": {"video": 1.2},
        "cut social by half": {"social": 0.5},
        "search 1000": {"search": {"budget": 1000}},
    }
    df = compare_plans(pl, plans, value_per_visit=3.0)
    total = df[(df.channel == "total")].set_index(["scenario", "metric"])
    assert total.loc[("current", "value"), "uplift_mean"] == 0.0
    assert total.loc[("recommended", "value"), "uplift_mean"] == pytest.approx(
        rec.summary["uplift"]["mean"], rel=1e-10
    )
    cur_video = pl.current[:, :, 3].sum()
    sp = df[(df.metric == "spend")].set_index(["scenario", "channel"])["mean"]
    assert sp[("+20% video", "video")] == pytest.approx(1.2 * cur_video)
    assert sp[("cut social by half", "social")] == pytest.approx(0.5 * pl.current[:, :, 1:3].sum())
    assert sp[("search 1000", "search")] == pytest.approx(1000.0)
    x = resolve_plan(pl, {"video": 1.2})
    v = pl.outcome_draws(x)[:, 0]
    row = df.query("scenario == '+20% video' and channel == 'total' and metric == 'online_sales'")
    assert row["mean"].item() == pytest.approx(v.mean(), rel=1e-12)
    # per channel sums to the total
    val = df.query("scenario == 'recommended' and metric == 'value'").set_index("channel")["mean"]
    assert val.drop("total").sum() == pytest.approx(val["total"], rel=1e-12)
    wide = scenario_table(df)
    assert list(wide.columns) == ["current", *plans]


def test_chance_to_beat_the_current_plan_is_undefined_when_every_line_is_locked(two_series):
    # every line held at its current spend: each draw's uplift is exactly 0, so "the chance
    # the recommendation beats the current plan" is undefined (None), not 0
    pl = make_planner(two_series, horizon=H, max_draws=None)
    channels = sorted({c for c, _ in SERIES2})
    rec = optimize_budget(pl, budget=600.0, constraints=Constraints(locked=tuple(channels)))
    np.testing.assert_allclose(rec.plan.sum(axis=0)[0], [400.0, 200.0], rtol=1e-9)
    assert rec.summary["uplift"]["mean"] == 0.0
    assert rec.summary["prob_better"] is None
