"""Budget optimizer on geo problems: fits with fixed, known media parameters (no MCMC).

Mirrors tests/test_optimize_analytic.py for spend split by (geo, series): closed-form and
grid-search optima, geo constraints held exactly, equal marginal returns of the free cells,
and the optimizer's predictions equal to the analysis engine's.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mmm.analysis.engine import contributions
from mmm.cli import main
from mmm.errors import InfeasibleError, SpecError
from mmm.optimize import Bound, Constraints, make_objective, make_planner, optimize_budget
from mmm.optimize.cli import parse_geo_bounds, run_optimize_cli
from mmm.optimize.constraints import build_system
from mmm.optimize.testing import synthetic_fit

H = 4
SERIES = [("search", "all"), ("video", "all")]
STAGES = {"search": "conversion", "video": "awareness"}
GEOS = ("north", "south")
HALF = np.array([1.0, 2.0])
BETA = np.array([[3.0, 5.0], [2.0, 6.0]])  # (geo, series)


@pytest.fixture(scope="module")
def geo_fit():
    """Two geos x two Hill slope-1 curves, no carry-over, constant past spend."""
    spend = np.zeros((20, 2, 2))
    spend[:, 0] = [100.0, 50.0]
    spend[:, 1] = [60.0, 90.0]
    return synthetic_fit(
        spend,
        SERIES,
        STAGES,
        half=HALF,
        weights=np.array([[1.0], [1.0]]),
        beta=BETA[None],
        geos=GEOS,
    )


def closed_form(fit, budget, cells=None):
    """argmax sum_i C_i H b_i / (b_i + K_i) s.t. sum_i b_i = budget (all b_i > 0).

    C_i = beta[g, s] * outcome_scale[g], K_i = H * spend_scale[g, s] * half[s]; equal marginal
    returns C_i K_i / (b_i + K_i)^2 give b_i = sqrt(C_i K_i) (B + sum K) / sum sqrt(C K) - K_i.
    """
    c = BETA * fit.design.outcome_scale[:, 0][:, None]
    k = np.broadcast_to(H * fit.design.spend_scale * HALF, c.shape)
    m = np.ones(c.shape, bool) if cells is None else cells
    root = np.sqrt(c[m] * k[m])
    out = np.zeros(c.shape)
    out[m] = root * (budget + k[m].sum()) / root.sum() - k[m]
    return out


def test_geo_split_matches_closed_form(geo_fit):
    pl = make_planner(geo_fit, horizon=H, max_draws=None)
    rec = optimize_budget(pl, budget=1500.0)
    got = rec.plan.sum(axis=0)  # (geo, series)
    np.testing.assert_allclose(got, closed_form(geo_fit, 1500.0), rtol=1e-6)
    # every (geo, series) cell is free: equal marginal returns everywhere
    m = rec.allocation["mroas_recommended"].to_numpy()
    assert np.ptp(m) / m.mean() < 1e-6
    mc = rec.allocation["mroas_current"].to_numpy()
    assert np.ptp(mc) / mc.mean() > 0.01
    # allocation rows are (geo, series) cells with a geo column
    assert list(zip(rec.allocation["geo"], rec.allocation["series"], strict=True)) == [
        (g, f"{c}|{a}") for g in GEOS for c, a in SERIES
    ]
    gt = rec.geo_totals.set_index("geo")
    np.testing.assert_allclose(gt["recommended"], got.sum(axis=1), rtol=1e-12)


def test_binding_geo_constraint_splits_into_per_geo_optima(geo_fit):
    pl = make_planner(geo_fit, horizon=H, max_draws=None)
    free = closed_form(geo_fit, 1500.0)
    cap = 0.5 * free[0].sum()  # north gets half of its unconstrained optimum
    cons = Constraints(geos={"north": (None, cap)})
    rec = optimize_budget(pl, budget=1500.0, constraints=cons)
    got = rec.plan.sum(axis=0)
    assert got[0].sum() == pytest.approx(cap, abs=1e-6)
    # with north's total fixed, each geo is its own two-cell problem
    north = np.zeros((2, 2), bool)
    north[0] = True
    want = closed_form(geo_fit, cap, north) + closed_form(geo_fit, 1500.0 - cap, ~north)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    mr = rec.allocation.set_index(["geo", "series"])["mroas_recommended"]
    n, s = mr.loc["north"].to_numpy(), mr.loc["south"].to_numpy()
    assert np.ptp(n) / n.mean() < 1e-5 and np.ptp(s) / s.mean() < 1e-5
    assert n.mean() > s.mean() * 1.01  # the cap binds: north would earn more per euro
    assert any("geo 'north'" in b for b in rec.summary["binding_constraints"])


@pytest.fixture(scope="module")
def geo_carry():
    """Two geos x two series with carry-over, a mediator, 30 draws; video not bought in
    the south (its cell is fixed at 0)."""
    rng = np.random.default_rng(11)
    n_t, n_d = 30, 30
    series = [("search", "all"), ("social", "all"), ("video", "all")]
    stages = {"search": "conversion", "social": "awareness", "video": "awareness"}
    spend = rng.uniform(20, 200, size=(n_t, 2, 3))
    spend[:, 1, 2] = np.nan
    alpha = rng.uniform(0.2, 0.7, size=(n_d, 3))
    w = alpha[:, :, None] ** np.arange(4)
    w /= w.sum(-1, keepdims=True)
    half = rng.uniform(0.5, 2.0, size=(n_d, 3))
    beta = rng.uniform(0.5, 3.0, size=(n_d, 2, 2, 3))
    gamma = rng.uniform(0.1, 0.5, size=(n_d, 2, 2))
    delta = rng.uniform(0.1, 0.4, size=(n_d, 2))
    return synthetic_fit(
        spend,
        series,
        stages,
        half=half,
        weights=w,
        beta=beta,
        geos=GEOS,
        outcomes=(("online_sales", "revenue"), ("store_visits", "count")),
        mediator="brand_search",
        gamma=gamma,
        delta=delta,
    )


def _grid_best(pl, obj, budget, n, ok):
    """Brute force: best mean value over a grid of the active cells' totals (step
    budget / n), then over finer grids (half the step each time, +/-2 steps per cell)
    around the best point found."""
    act = np.argwhere(pl.presence)

    def search(center, step, span):
        best, arg = -np.inf, None
        for combo in itertools.product(span, repeat=len(act) - 1):
            q = (
                np.array([*combo, -sum(combo)])
                if center is not None
                else np.array([*combo, n - sum(combo)])
            )
            tot = np.zeros(pl.shape)
            for (g, s), v in zip(act, q, strict=True):
                tot[g, s] = v * step + (0.0 if center is None else center[g, s])
            if (tot < -1e-9).any() or not ok(tot):
                continue
            v = float(pl.value_draws(pl.from_totals(np.maximum(tot, 0.0)), obj).mean())
            if v > best:
                best, arg = v, tot
        return best, arg

    step = budget / n
    best, arg = search(None, step, range(n + 1))
    for _ in range(5):
        step /= 2
        b, a = search(arg, step, range(-2, 3))
        if b > best:
            best, arg = b, a
    return best, arg


@pytest.mark.parametrize("north_cap", [None, 0.3])
def test_grid_search_agrees_on_geo_problem(geo_carry, north_cap):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    obj = make_objective(geo_carry, "value", value_per_visit=3.0)
    budget = 2000.0
    cons = (
        Constraints()
        if north_cap is None
        else Constraints(geos={"north": (None, north_cap * budget)})
    )
    rec = optimize_budget(pl, budget=budget, value_per_visit=3.0, constraints=cons)

    def ok(tot):
        return north_cap is None or tot[0].sum() <= north_cap * budget + 1e-9

    best, _ = _grid_best(pl, obj, budget, 10, ok)  # the cap lies on every grid
    got = rec.summary["value_recommended"]["mean"]
    assert got >= best * (1 - 1e-3)
    assert got <= best * (1 + 1e-3)  # the grid comes within 0.1 % of the optimum
    assert got >= best - 1e-9 * abs(best)  # and never beats it by more than rounding
    tot = rec.plan.sum(axis=0)
    assert tot[1, 2] == 0.0  # not bought in the south
    assert rec.summary["max_constraint_violation"] <= 1e-6
    # free, strictly positive cells share one marginal return per constraint block
    a = rec.allocation[rec.allocation["recommended"] > 1e-3 * budget]
    blocks = [a] if north_cap is None else [a[a.geo == "north"], a[a.geo == "south"]]
    for b in blocks:
        m = b["mroas_recommended"].to_numpy()
        assert len(m) >= 2
        assert np.ptp(m) / m.mean() < 1e-4


def test_geo_constraints_hold_exactly(geo_carry):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    cur = pl.current.sum(axis=(0, 2))  # per geo
    budget = 2400.0
    cases = [
        Constraints(geos={"north": (1500.0, None)}),
        Constraints(geos={"south": Bound(None, 0.8, relative=True)}),
        Constraints(geos={"south": Bound(1.2, 1.2, relative=True)}),
        Constraints(locked=("north",)),
        Constraints(budget_mode="at_most", geos={"north": (200.0, 300.0), "south": (None, 400.0)}),
    ]
    for cons in cases:
        rec = optimize_budget(pl, budget=budget, value_per_visit=3.0, constraints=cons)
        tot = rec.plan.sum(axis=(0, 2))
        viol = build_system(pl, cons, budget).violations(rec.plan.sum(axis=0))
        assert max(viol.values()) <= 1e-6, viol
        if cons.budget_mode == "equal":
            assert tot.sum() == pytest.approx(budget, abs=1e-6)
        geo_bounds = cons.geos
        if "north" in geo_bounds and geo_bounds["north"].lower == 1500.0:
            assert tot[0] >= 1500.0 - 1e-6
        if "south" in geo_bounds and geo_bounds["south"].relative:
            b = geo_bounds["south"]
            if b.lower is not None:
                assert tot[1] == pytest.approx(1.2 * cur[1], abs=1e-6)
            else:
                assert tot[1] <= 0.8 * cur[1] + 1e-6
        if cons.locked:
            np.testing.assert_allclose(rec.plan[:, 0], pl.current[:, 0], atol=1e-9)
            assert rec.allocation.query("geo == 'north'")["locked"].all()
            assert not rec.allocation.query("geo == 'south'")["locked"].any()
        if cons.budget_mode == "at_most":
            assert 200.0 - 1e-6 <= tot[0] <= 300.0 + 1e-6 and tot[1] <= 400.0 + 1e-6


def test_infeasible_geo_constraints_are_named(geo_carry):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    cons = Constraints(
        geos={"north": (800.0, None), "south": (900.0, None)}, channels={"search": (None, 5000.0)}
    )
    with pytest.raises(InfeasibleError) as err:
        optimize_budget(pl, budget=1500.0, constraints=cons)
    msg = str(err.value)
    assert "geo 'north'" in msg and "geo 'south'" in msg and "total budget" in msg
    assert "channel 'search'" not in msg
    # a locked geo above the geo's cap
    cur_north = pl.current[:, 0].sum()
    cons = Constraints(locked=("north",), geos={"north": (None, 0.5 * cur_north)})
    with pytest.raises(InfeasibleError) as err:
        optimize_budget(pl, budget=2000.0, constraints=cons)
    msg = str(err.value)
    assert "locked geo 'north'" in msg and "geo 'north' <=" in msg
    assert "south" not in msg


def test_unknown_geo_is_a_clear_error(geo_carry):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    with pytest.raises(SpecError, match="unknown geo 'east'.*north"):
        optimize_budget(pl, budget=2000.0, constraints=Constraints(geos={"east": (1.0, None)}))
    with pytest.raises(SpecError, match="'east'.*nor a geo"):
        optimize_budget(pl, budget=2000.0, constraints=Constraints(locked=("east",)))


def test_predictions_equal_engine_per_geo(geo_carry):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    rec = optimize_budget(
        pl,
        budget=2000.0,
        value_per_visit=3.0,
        constraints=Constraints(geos={"south": (None, 600.0)}),
    )
    zero = contributions(
        geo_carry, spend=pl.path(np.zeros_like(pl.current)), dates=pl.dates, max_draws=None
    )
    zero = zero.isel(date=np.flatnonzero(pl.window)).sum(("date", "path", "series"))
    for name, plan in (("current", pl.current), ("recommended", rec.plan)):
        eng = contributions(geo_carry, spend=pl.path(plan), dates=pl.dates, max_draws=None)
        eng = eng.isel(date=np.flatnonzero(pl.window)).sum(("date", "path", "series"))
        # totals across geos: the optimizer's outcome draws
        np.testing.assert_allclose(pl.outcome_draws(plan), eng.sum("geo").values, rtol=1e-10)
        # per geo: the recommendation's geo table
        tab = rec.geos[rec.geos["plan"] == name].set_index(["geo", "outcome"])
        for g in GEOS:
            for o in ("online_sales", "store_visits"):
                e = eng.sel(geo=g, outcome=o).values
                assert tab.loc[(g, o), "mean"] == pytest.approx(e.mean(), rel=1e-10)
                inc = e - zero.sel(geo=g, outcome=o).values
                assert tab.loc[(g, o), "incremental_median"] == pytest.approx(
                    np.median(inc), rel=1e-10
                )
                assert tab.loc[(g, o), "spend"] == pytest.approx(plan[:, GEOS.index(g)].sum())
            cpv = tab.loc[(g, "store_visits")]
            inc = (
                eng.sel(geo=g, outcome="store_visits").values
                - zero.sel(geo=g, outcome="store_visits").values
            )
            assert cpv["cost_per_unit_median"] == pytest.approx(
                np.median(plan[:, GEOS.index(g)].sum() / inc), rel=1e-10
            )
        # outcomes table (totals across geos) agrees with the geo table
        o = rec.outcomes.query(f"plan == '{name}' and outcome == 'store_visits'")["mean"].item()
        assert o == pytest.approx(tab.xs("store_visits", level="outcome")["mean"].sum(), rel=1e-10)


def test_national_series_keep_their_geo_split(geo_carry):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    cur = pl.current.sum(axis=0)  # (geo, series)
    free = optimize_budget(pl, budget=2400.0, value_per_visit=3.0)
    rec = optimize_budget(
        pl, budget=2400.0, value_per_visit=3.0, constraints=Constraints(national=("search",))
    )
    tot = rec.plan.sum(axis=0)
    share_now = cur[:, 0] / cur[:, 0].sum()
    np.testing.assert_allclose(tot[:, 0] / tot[:, 0].sum(), share_now, rtol=1e-6)
    assert tot.sum() == pytest.approx(2400.0, abs=1e-6)
    # without the tie the optimizer would split search differently over the geos
    ftot = free.plan.sum(axis=0)
    assert abs(ftot[0, 0] / ftot[:, 0].sum() - share_now[0]) > 0.01
    # tying costs value, never gains it
    assert rec.summary["value_recommended"]["mean"] <= free.summary["value_recommended"]["mean"] * (
        1 + 1e-9
    )
    with pytest.raises(SpecError, match="national names 'tv'"):
        optimize_budget(pl, budget=2400.0, constraints=Constraints(national=("tv",)))


def test_same_inputs_same_outputs_geo(geo_carry):
    pl = make_planner(geo_carry, horizon=6, max_draws=None)
    cons = Constraints(geos={"north": Bound(0.9, 1.1, relative=True)})
    a = optimize_budget(pl, budget=2000.0, value_per_visit=3.0, constraints=cons, n_starts=3)
    b = optimize_budget(pl, budget=2000.0, value_per_visit=3.0, constraints=cons, n_starts=3)
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        d["summary"]["solver"].pop("wall_s")
        d["settings"].pop("created")  # the time it was made, to the second
    assert da == db
    assert {r["geo"] for r in da["geos"]} == set(GEOS)
    json.dumps(da)


# --------------------------------------------------------------------- CLI
def test_parse_geo_bounds():
    b = parse_geo_bounds(["north=1000", "south=0.8x"], ["north=2_000", "south=1.2X"])
    assert b["north"] == Bound(1000.0, 2000.0)
    assert b["south"] == Bound(0.8, 1.2, relative=True)
    assert parse_geo_bounds([], ["east=0"]) == {"east": Bound(None, 0.0)}
    for mins, maxs, msg in [
        (["north"], [], "GEO=AMOUNT"),
        (["north=abc"], [], "not a number"),
        (["north=-5"], [], ">= 0"),
        (["north=5", "north=6"], [], "twice"),
        (["north=5"], ["north=1.2x"], "same form"),
        ([], ["=5"], "GEO=AMOUNT"),
    ]:
        with pytest.raises(SpecError, match=msg):
            parse_geo_bounds(mins, maxs)


@pytest.fixture(scope="module")
def geo_run(geo_carry, tmp_path_factory):
    out = tmp_path_factory.mktemp("georun") / "run"
    geo_carry.save(out)
    return out


def test_cli_geo_options(geo_run, tmp_path, capsys):
    rc = main(
        [
            "optimize",
            str(geo_run),
            "--budget",
            "2000",
            "--horizon",
            "6",
            "--value-per-visit",
            "3",
            "--geo-min",
            "north=1200",
            "--geo-max",
            "south=0.5x",
            "--max-change",
            "none",
        ]
    )
    assert rc == 0
    rec = json.loads(
        (geo_run / "recommendations" / "recommended" / "recommendation.json").read_text()
    )
    alloc = rec["allocation"]
    north = sum(r["recommended"] for r in alloc if r["geo"] == "north")
    south = sum(r["recommended"] for r in alloc if r["geo"] == "south")
    south_cur = sum(r["current"] for r in alloc if r["geo"] == "south")
    assert north >= 1200 - 1e-6 and south <= 0.5 * south_cur + 1e-6
    assert north + south == pytest.approx(2000.0, abs=1e-6)
    assert (geo_run / "recommendations" / "recommended" / "geos.csv").exists()
    assert rec["settings"]["constraints"]["geos"]["south"] == {
        "lower": None,
        "upper": 0.5,
        "relative": True,
    }
    # infeasible geo limits: exit 2, the message names them, no traceback
    capsys.readouterr()
    rc = main(
        [
            "optimize",
            str(geo_run),
            "--budget",
            "1000",
            "--horizon",
            "6",
            "--geo-min",
            "north=800",
            "--geo-min",
            "south=900",
            "--value-per-visit",
            "3",
            "--max-change",
            "none",
            "--name",
            "infeasible",
        ]
    )
    cap = capsys.readouterr()
    assert rc == 2
    assert "geo 'north'" in cap.err and "geo 'south'" in cap.err
    assert "Traceback" not in cap.err
    rc = main(["optimize", str(geo_run), "--budget", "1000", "--geo-max", "north=lots"])
    cap = capsys.readouterr()
    assert rc == 2 and "--geo-max" in cap.err and "Traceback" not in cap.err
    # locking a geo from the command line keeps its plan
    paths = run_optimize_cli(
        geo_run,
        budget=2000.0,
        horizon=6,
        value_per_visit=3.0,
        locked=("south",),
        max_change=None,
        out=tmp_path / "locked",
    )
    rec = json.loads(paths["json"].read_text())
    for r in rec["allocation"]:
        if r["geo"] == "south":
            assert r["recommended"] == pytest.approx(r["current"], abs=1e-9)
