"""Find the budget split that maximises a plan's (risk-adjusted) value.

Decision variables are the totals per (geo, series) cell over the horizon, spread over the
periods by the flighting shape (``flighting="shape"``), or the spend of every period
(``flighting="free"``). Locked cells and cells not bought in a geo are fixed. The
objective and its gradient are computed for all posterior draws at once
(:class:`mmm.optimize.response.DrawResponse`) and handed to ``scipy.optimize.minimize``
(SLSQP by default, or trust-constr) with the constraints as linear rows.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import SpecError
from mmm.optimize.constraints import (
    Constraints,
    LinearSystem,
    build_system,
    check_feasible,
    feasible_start,
)
from mmm.optimize.planner import (
    RISKS,
    Objective,
    Planner,
    apply_risk,
    make_objective,
    make_planner,
    require_visit_value,
    risk_weights,
)
from mmm.optimize.results import BudgetRecommendation, interval

FLIGHTING = ("shape", "free")
METHODS = ("SLSQP", "trust-constr")


class _Problem:
    """Maps the optimiser's scaled variables to plans and evaluates the objective."""

    def __init__(
        self,
        planner: Planner,
        system: LinearSystem,
        objective: Objective,
        risk: str,
        level: float,
        flighting: str,
    ):
        self.p = planner
        self.system = system
        self.obj = objective
        self.risk = risk
        self.level = level
        self.flighting = flighting
        G, S = planner.shape
        self.free = ~(system.locked | system.inactive)
        self.free_flat = self.free.ravel()
        self.n_free = int(self.free.sum())
        fixed_tot = np.where(system.locked, planner.current.sum(axis=0), 0.0)
        self.fixed_totals = fixed_tot
        self.fixed_plan = np.where(system.locked[None], planner.current, 0.0)
        self.unit = max(system.budget, float(planner.current.sum()), 1.0)
        self.coef = planner.value_coef(objective)
        self.n_var = self.n_free * (planner.horizon if flighting == "free" else 1)
        self._last: tuple | None = None
        self.n_eval = 0

    # --------------------------------------------------------------- mapping
    def totals(self, u: np.ndarray) -> np.ndarray:
        b = self.fixed_totals.copy()
        if self.flighting == "shape":
            b[self.free] = u * self.unit
        else:
            b[self.free] = u.reshape(self.p.horizon, self.n_free).sum(axis=0) * self.unit
        return b

    def plan(self, u: np.ndarray) -> np.ndarray:
        if self.flighting == "shape":
            return self.p.from_totals(self.totals(u))
        x = self.fixed_plan.copy()
        x[:, self.free] = u.reshape(self.p.horizon, self.n_free) * self.unit
        return x

    def u_from_totals(self, b: np.ndarray) -> np.ndarray:
        b = np.asarray(b, dtype=float).reshape(self.p.shape)
        if self.flighting == "shape":
            return b[self.free] / self.unit
        x = self.p.from_totals(b)
        return x[:, self.free].ravel() / self.unit

    def linear_rows(self):
        """(A, lower, upper) on u, plus variable bounds; rows with one variable -> bounds."""
        H = self.p.horizon
        lb = np.zeros(self.n_var)
        ub = np.full(self.n_var, np.inf)
        a_rows, lo, hi = [], [], []
        fixed_b = self.fixed_totals.ravel()
        for r in self.system.rows:
            c_free = r.coef[self.free_flat]
            rhs = (r.rhs - float(r.coef @ fixed_b)) / self.unit
            nz = np.flatnonzero(c_free)
            if nz.size == 0:
                continue
            rlo = rhs if r.sense in (">=", "==") else -np.inf
            rhi = rhs if r.sense in ("<=", "==") else np.inf
            if self.flighting == "shape" and nz.size == 1:
                j, a = nz[0], c_free[nz[0]]
                if a > 0:
                    lb[j] = max(lb[j], rlo / a)
                    ub[j] = min(ub[j], rhi / a)
                else:
                    lb[j] = max(lb[j], rhi / a)
                    ub[j] = min(ub[j], rlo / a)
                continue
            row = c_free if self.flighting == "shape" else np.tile(c_free, H)
            a_rows.append(row)
            lo.append(rlo)
            hi.append(rhi)
        A = np.array(a_rows) if a_rows else np.zeros((0, self.n_var))
        return A, np.array(lo), np.array(hi), lb, ub

    # ------------------------------------------------------------- objective
    def _evaluate(self, u: np.ndarray):
        key = u.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        self.n_eval += 1
        x = self.plan(u)
        if self.obj.kind == "value":
            vals, _, g = self.p.response.value_and_grad(
                self.p.path(x),
                self.coef,
                self.p.window,
                lambda v: risk_weights(v, self.risk, self.level),
                self.p.plan_slice,
            )
            r = float(risk_weights(vals, self.risk, self.level) @ vals)
            f = -r
            gx = -g
        else:  # cost per incremental unit = spend / R(value - value without the plan)
            base = self.p.no_plan_value(self.obj)
            vals, _, g = self.p.response.value_and_grad(
                self.p.path(x),
                self.coef,
                self.p.window,
                lambda v: risk_weights(v - base, self.risk, self.level),
                self.p.plan_slice,
            )
            inc = float(risk_weights(vals - base, self.risk, self.level) @ (vals - base))
            spend = float(x.sum())
            inc = max(inc, 1e-12)
            f = spend / inc
            gx = (1.0 / inc) - (spend / inc**2) * g
        if self.flighting == "shape":
            gu = (gx * self.p.pattern).sum(axis=0)[self.free] * self.unit
        else:
            gu = gx[:, self.free].ravel() * self.unit
        out = (f, gu)
        self._last = (key, out)
        return out


#: Posterior draws the extra (random) starts are searched with before the best is polished.
SCREEN_DRAWS = 100


def _thinned(planner: Planner, n: int) -> Planner:
    """``planner`` on ``n`` evenly spaced of its draws (itself when it has no more)."""
    r = planner.response
    if r.n_draws <= n:
        return planner
    idx = np.unique(np.linspace(0, r.n_draws - 1, n).round().astype(int))
    resp = dataclasses.replace(
        r,
        weights=r.weights[idx],
        sat_params={k: v[idx] for k, v in r.sat_params.items()},
        coef=r.coef[idx],
        coef_paths=r.coef_paths[idx],
        index=r.index[idx],
    )
    return dataclasses.replace(planner, response=resp, _cache={})


def _random_targets(rng, system: LinearSystem, current: np.ndarray, n: int):
    for _ in range(n):
        w = rng.dirichlet(np.ones(current.size)).reshape(current.shape)
        yield w * max(system.budget, 1.0)


def optimize_budget(
    fit_or_planner,
    *,
    budget: float | None = None,
    horizon: int = 13,
    objective: str = "value",
    value_per_visit: float | None = None,
    weights: dict | None = None,
    constraints: Constraints | None = None,
    risk: str = "mean",
    risk_level: float = 0.1,
    flighting: str = "shape",
    include_carryover: bool = True,
    past_carryover: bool = True,
    reference_weeks: int | None = None,
    max_draws: int | None = 1000,
    prob: float = 0.9,
    n_starts: int = 5,
    method: str = "SLSQP",
    maxiter: int = 500,
    tol: float | None = None,
    seed: int = 0,
) -> BudgetRecommendation:
    """Recommend how to split ``budget`` over the next ``horizon`` periods.

    Parameters
    ----------
    fit_or_planner : FitResult or Planner
        A fit, or a :class:`~mmm.optimize.planner.Planner` built by
        :func:`~mmm.optimize.planner.make_planner` (then ``horizon``, ``include_carryover``,
        ``past_carryover``, ``reference_weeks`` and ``max_draws`` are taken from it).
    budget : float, optional
        Total spend over the horizon (currency); default the current plan's total.
    horizon : int
        Periods planned (13 = a quarter of weeks).
    objective : str
        ``"value"`` (revenue + ``value_per_visit`` x visits, or ``weights``), one outcome
        name, or ``"cost_per_unit"`` / ``"cost_per:<outcome>"`` (minimise spend per
        incremental unit).
    value_per_visit, weights
        See :func:`~mmm.optimize.planner.make_objective`.
    constraints : Constraints, optional
        Budget mode, per channel / audience / series / geo bounds, locks, awareness share.
    risk : {"mean", "quantile", "cvar"}
        Optimise the posterior mean of the value, its ``risk_level`` quantile, or its CVaR
        (the mean of the worst ``risk_level`` fraction of draws).
    risk_level : float
        Quantile level or CVaR tail fraction, in (0, 1).
    flighting : {"shape", "free"}
        ``shape`` keeps each series' weekly pattern of the reference weeks (scaled);
        ``free`` optimises the spend of every period.
    include_carryover : bool
        Credit effects of horizon spend that land after the horizon (default True).
    past_carryover : bool
        Count the carry-over of past spend into the horizon (default True).
    reference_weeks : int, optional
        Periods defining the current plan and the weekly shape (default ``horizon``).
    max_draws : int or None
        Posterior draws used (evenly thinned).
    prob : float
        Width of the reported intervals.
    n_starts : int
        Starting points: the feasible plan nearest to the current split scaled to the
        budget, plus ``n_starts - 1`` random feasible plans (seeded); the best is kept.
        Default 5: with an estimated Hill slope above 1 a curve is S-shaped and the value
        is not concave in spend, so one search can stop at a local optimum. With more
        than ``SCREEN_DRAWS`` (100) draws the random starts are searched on 100 evenly
        spaced draws and only the best end point (judged on all draws) is searched again
        with all of them, beside the search from the current split; 1 is the fastest
        (one search from the current split).
    method : {"SLSQP", "trust-constr"}
    maxiter, tol
        Solver settings; ``tol`` applies to the objective scaled to about 1 (default
        1e-15 for the smooth mean objective, 1e-10 for the quantile and CVaR ones).
    seed : int
        Seed of the random starting points.

    Returns
    -------
    BudgetRecommendation

    Raises
    ------
    InfeasibleError
        The constraints cannot all hold; the message names a minimal conflicting set.
    """
    t0 = time.perf_counter()
    if tol is None:
        tol = 1e-15 if risk == "mean" else 1e-10
    _check_options(risk, risk_level, flighting, method)
    if isinstance(fit_or_planner, Planner):
        planner = fit_or_planner
    else:
        planner = make_planner(
            fit_or_planner,
            horizon=horizon,
            reference_weeks=reference_weeks,
            include_carryover=include_carryover,
            past_carryover=past_carryover,
            max_draws=max_draws,
        )
    fit = planner.fit
    obj = make_objective(fit, objective, value_per_visit=value_per_visit, weights=weights)
    cons = constraints or Constraints()
    created = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    cur_tot = planner.current.sum(axis=0)
    budget = float(cur_tot.sum()) if budget is None else float(budget)
    if not np.isfinite(budget) or budget <= 0:
        raise SpecError(
            f"budget={budget!r} must be a positive, finite amount (currency over the horizon)."
        )
    system = build_system(planner, cons, budget)
    check_feasible(system)
    # after the constraints' own checks, so that a conflict or a bad name is reported first
    require_visit_value(fit, objective, value_per_visit, weights)

    prob_ = _Problem(planner, system, obj, risk, risk_level, flighting)
    # starting points: nearest feasible plan to the current split scaled to the budget
    share = (
        cur_tot / cur_tot.sum() if cur_tot.sum() > 0 else np.full(cur_tot.shape, 1 / cur_tot.size)
    )
    targets = [share * budget]
    rng = np.random.default_rng(seed)
    targets += list(_random_targets(rng, system, cur_tot, max(n_starts - 1, 0)))
    u_best, res, n_iter, screen = _multistart(
        prob_, system, planner, targets, method=method, maxiter=maxiter, tol=tol
    )
    totals = prob_.totals(u_best)
    viol = system.violations(totals)
    worst = max(viol.values()) if viol else 0.0
    if worst > 1e-9 * prob_.unit:  # polish onto the feasible set (L1-nearest, an LP)
        totals = feasible_start(system, totals).reshape(planner.shape)
        u_best = prob_.u_from_totals(totals)
        totals = prob_.totals(u_best)
    plan = prob_.plan(u_best)
    wall = time.perf_counter() - t0
    return _build_result(
        planner,
        system,
        obj,
        cons,
        plan,
        budget=budget,
        risk=risk,
        level=risk_level,
        prob=prob,
        flighting=flighting,
        solver={
            "method": method,
            "success": bool(res.success),
            "message": str(res.message),
            "iterations": n_iter,
            "evaluations": prob_.n_eval,
            "screen_evaluations": 0 if screen is None else screen.n_eval,
            "starts": len(targets),
            "wall_s": round(wall, 4),
        },
        seed=seed,
        inputs={
            "name": None,
            "created": created,
            "budget": budget,
            "objective": objective,
            "value_per_visit": None if value_per_visit is None else float(value_per_visit),
            "max_change": _max_change(cons),
        },
    )


def _check_options(risk: str, risk_level: float, flighting: str, method: str) -> None:
    """Raise a SpecError naming the first option of :func:`optimize_budget` not allowed."""
    if risk not in RISKS:
        raise SpecError(f"risk={risk!r} is not allowed; choose one of {RISKS}.")
    if risk != "mean" and not 0 < risk_level < 1:
        raise SpecError(f"risk_level={risk_level!r} must be in (0, 1).")
    if flighting not in FLIGHTING:
        raise SpecError(f"flighting={flighting!r} is not allowed; choose one of {FLIGHTING}.")
    if method not in METHODS:
        raise SpecError(f"method={method!r} is not allowed; choose one of {METHODS}.")


def _multistart(
    prob_: _Problem, system, planner: Planner, targets: list, *, method: str, maxiter: int, tol
) -> tuple[np.ndarray, Any, int, _Problem | None]:
    """Local searches from the feasible plans nearest to ``targets`` (the first: the current
    split), the extra starts screened on thinned draws: the best end point, the solver's
    result for it, the iterations of all searches and the screening problem (or None)."""
    from scipy.optimize import Bounds, LinearConstraint, minimize

    A, lo, hi, lb, ub = prob_.linear_rows()
    bounds = Bounds(lb, ub)
    eq = lo == hi  # equality and inequality rows in separate blocks (SLSQP prefers it)
    lin = [LinearConstraint(A[m], lo[m], hi[m]) for m in (eq, ~eq) if m.any()]

    f_scale = None
    n_iter = 0

    def search(problem, u0):
        """Local search from ``u0`` on ``problem``: (scaled value, u, scipy result)."""
        nonlocal n_iter

        def fun(u, _s=f_scale):
            return problem._evaluate(u)[0] / _s

        def jac(u, _s=f_scale):
            return problem._evaluate(u)[1] / _s

        opts: dict[str, float] = {"maxiter": maxiter}
        if method == "SLSQP":
            opts["ftol"] = tol
        else:
            opts.update(gtol=max(tol, 1e-10), xtol=max(tol, 1e-12))
        res = minimize(
            fun, u0, jac=jac, method=method, bounds=bounds, constraints=lin, options=opts
        )
        n_iter += int(getattr(res, "nit", 0) or 0)
        u = np.clip(res.x, lb, ub)
        return fun(u), u, res

    def full_value(u):
        return prob_._evaluate(u)[0] / f_scale

    starts = []
    for tgt in targets:
        b0 = feasible_start(system, tgt)
        starts.append(np.clip(prob_.u_from_totals(b0), lb, ub))
    f_scale = max(abs(prob_._evaluate(starts[0])[0]), 1e-12)
    screen = None
    thin = _thinned(planner, SCREEN_DRAWS) if len(starts) > 1 else planner
    if thin is not planner:
        # the extra starts only look for a better basin: each is searched on a thinned
        # set of draws (the same curves, cheaper), and the best end point, judged on all
        # draws, is polished with all of them
        screen = _Problem(thin, system, prob_.obj, prob_.risk, prob_.level, prob_.flighting)
        ends = [search(screen, u0)[1] for u0 in starts[1:]]
        starts = [starts[0], min(ends, key=full_value)]
    best: tuple | None = None
    for u0 in starts:
        cand = search(prob_, u0)
        if full_value(u0) < cand[0]:  # never return something worse than the feasible start
            cand = (full_value(u0), u0, cand[2])
        if best is None or cand[0] < best[0] - 1e-12:
            best = cand
    assert best is not None  # at least one start is searched
    _, u_best, res = best
    return u_best, res, n_iter, screen


def _max_change(cons: Constraints) -> float | None:
    """The per-line change limit of ``cons.default`` as a fraction (0.3 = +/-30 %), if any."""
    d = cons.default
    if d is None or not d.relative or d.upper is None:
        return None
    return round(float(d.upper - 1.0), 12)


def _allocation_table(planner: Planner, system, cur, plan, mv_cur, mv_rec) -> pd.DataFrame:
    """One row per (geo, series): current and recommended totals over the horizon, change,
    shares, marginal value at each and whether the line is locked."""
    G, S = planner.shape
    tc, tr = cur.sum(axis=0), plan.sum(axis=0)
    rows = []
    for g in range(G):
        for s in range(S):
            c, r = float(tc[g, s]), float(tr[g, s])
            rows.append(
                {
                    "geo": planner.geos[g],
                    "series": planner.series[s],
                    "channel": planner.channels[s],
                    "audience": planner.audiences[s],
                    "stage": planner.stages[s],
                    "current": c,
                    "recommended": r,
                    "change": r - c,
                    "change_pct": (r - c) / c * 100 if c > 0 else np.nan,
                    "share_current": c / tc.sum() if tc.sum() > 0 else np.nan,
                    "share_recommended": r / tr.sum() if tr.sum() > 0 else np.nan,
                    "mroas_current": float(mv_cur[g, s]),
                    "mroas_recommended": float(mv_rec[g, s]),
                    "locked": bool(system.locked[g, s]),
                }
            )
    return pd.DataFrame(rows)


def _weekly_table(planner: Planner, cur, plan) -> pd.DataFrame:
    """The current and recommended spend of every (date, geo, series) of the horizon."""
    dates = planner.plan_dates
    idx = pd.MultiIndex.from_product(
        [dates, planner.geos, planner.series], names=["date", "geo", "series"]
    )
    weekly = pd.DataFrame({"current": cur.ravel(), "recommended": plan.ravel()}, index=idx)
    weekly = weekly.reset_index()
    weekly.insert(
        3, "channel", weekly["series"].map(dict(zip(planner.series, planner.channels, strict=True)))
    )
    weekly.insert(
        4,
        "audience",
        weekly["series"].map(dict(zip(planner.series, planner.audiences, strict=True))),
    )
    return weekly


def _outcome_table(planner: Planner, current: tuple, recommended: tuple, prob) -> pd.DataFrame:
    """Each outcome and the value under both plans: ``current`` and ``recommended`` are
    (outcome draws, value draws)."""
    orow = []
    for name, draws in (("current", current), ("recommended", recommended)):
        per, val = draws
        for k, o in enumerate(planner.outcomes):
            orow.append({"plan": name, "outcome": o, **interval(per[:, k], prob)})
        orow.append({"plan": name, "outcome": "value", **interval(val, prob)})
    outcomes = pd.DataFrame(orow)
    outcomes["interval"] = prob
    return outcomes


def _plan_settings(planner: Planner, inputs, cons: Constraints, *, flighting, seed) -> dict:
    """What the plan was made with: the inputs given, horizon and window, carry-over,
    flighting, constraints, seed and draws."""
    dates = planner.plan_dates
    return {
        **(inputs or {}),
        "horizon": planner.horizon,
        "plan_start": str(dates[0].date()),
        "plan_end": str(dates[-1].date()),
        "reference_weeks": planner.reference_weeks,
        "include_carryover": planner.include_carryover,
        "past_carryover": planner.past_carryover,
        "window_end": str(planner.dates[-1].date()),
        "flighting": flighting,
        "constraints": cons.to_dict(),
        "seed": seed,
        "n_draws": planner.response.n_draws,
    }


def _build_result(
    planner: Planner,
    system: LinearSystem,
    obj: Objective,
    cons: Constraints,
    plan: np.ndarray,
    *,
    budget,
    risk,
    level,
    prob,
    flighting,
    solver,
    seed,
    inputs=None,
):
    from mmm.optimize.decisions import binding_limits, transfer_moves

    cur = planner.current
    out_cur = planner.outcome_draws(cur)  # (sample, outcome)
    out_rec = planner.outcome_draws(plan)
    w = np.asarray(obj.weights)
    v_cur, v_rec = out_cur @ w, out_rec @ w
    uplift = v_rec - v_cur
    mv_cur = planner.marginal_value(cur, obj)
    mv_rec = planner.marginal_value(plan, obj)
    tc, tr = cur.sum(axis=0), plan.sum(axis=0)
    allocation = _allocation_table(planner, system, cur, plan, mv_cur, mv_rec)
    weekly = _weekly_table(planner, cur, plan)
    outcomes = _outcome_table(planner, (out_cur, v_cur), (out_rec, v_rec), prob)
    geo_table = _geo_table(planner, cur, plan, prob)
    viol = system.violations(tr)
    summary = {
        "budget": budget,
        "budget_mode": cons.budget_mode,
        "spend_current": float(tc.sum()),
        "spend_recommended": float(tr.sum()),
        "objective": obj.kind,
        "objective_label": obj.label,
        "outcome_weights": dict(zip(planner.outcomes, obj.weights, strict=True)),
        "risk": risk,
        "risk_level": level if risk != "mean" else None,
        "objective_current": _objective_value(planner, obj, cur, v_cur, risk, level),
        "objective_recommended": _objective_value(planner, obj, plan, v_rec, risk, level),
        "value_current": interval(v_cur, prob),
        "value_recommended": interval(v_rec, prob),
        "uplift": interval(uplift, prob),
        "uplift_pct": float(uplift.mean() / v_cur.mean() * 100) if v_cur.mean() != 0 else None,
        # undefined (None) when no draw tells the plans apart, e.g. every line locked
        "prob_better": float(np.mean(uplift > 0)) if np.any(uplift != 0) else None,
        "interval": prob,
        "n_draws": int(uplift.size),
        "max_constraint_violation": float(max(viol.values()) if viol else 0.0),
        "binding_constraints": [r.name for r in system.rows if _binding(r, tr, system.budget)],
        "solver": solver,
    }
    exact = obj.kind == "value" and risk == "mean" and flighting == "shape"
    summary["binding"], summary["budget_shadow_price"] = binding_limits(
        planner, system, plan, mv_rec, exact=exact
    )
    settings = _plan_settings(planner, inputs, cons, flighting=flighting, seed=seed)
    return BudgetRecommendation(
        allocation=allocation,
        weekly=weekly,
        outcomes=outcomes,
        summary=summary,
        settings=settings,
        plan=plan,
        current=cur,
        uplift_draws=uplift,
        geos=geo_table,
        moves=transfer_moves(allocation),
    )


def _geo_table(planner: Planner, cur: np.ndarray, plan: np.ndarray, prob: float) -> pd.DataFrame:
    """Spend and media effect per (plan, geo, outcome), with intervals.

    ``mean`` ... ``upper``: media contribution in the geo over the evaluation window
    (original units, as the ``outcomes`` table); ``incremental_*``: the same minus what the
    geo gets with no spend in the horizon (past carry-over only); ``cost_per_unit_*``: the
    geo's plan spend per incremental unit (count outcomes; over the draws whose increment
    is positive, NaN when none is).
    """
    kinds = {o.name: o.kind for o in planner.fit.spec.outcomes}
    none = planner.contributions(np.zeros_like(plan)).sum(axis=3)  # (sample, outcome, geo)
    rows = []
    for name, x in (("current", cur), ("recommended", plan)):
        c = planner.contributions(x).sum(axis=3)
        inc = c - none
        spend = x.sum(axis=(0, 2))  # (geo,)
        for g, geo in enumerate(planner.geos):
            for k, o in enumerate(planner.outcomes):
                row = {
                    "plan": name,
                    "geo": geo,
                    "outcome": o,
                    "kind": kinds[o],
                    "spend": float(spend[g]),
                    **interval(c[:, k, g], prob),
                }
                row.update({f"incremental_{q}": v for q, v in interval(inc[:, k, g], prob).items()})
                cpu = {"median": np.nan, "lower": np.nan, "upper": np.nan}
                d = inc[:, k, g]
                if kinds[o] == "count" and spend[g] > 0 and (d > 0).any():
                    per = spend[g] / d[d > 0]  # draws without a positive effect: no cost
                    lo, hi = np.quantile(per, [(1 - prob) / 2, 1 - (1 - prob) / 2])
                    cpu = {"median": float(np.median(per)), "lower": float(lo), "upper": float(hi)}
                row.update({f"cost_per_unit_{q}": v for q, v in cpu.items()})
                rows.append(row)
    df = pd.DataFrame(rows)
    df["interval"] = prob
    return df


def _objective_value(planner, obj, plan, values, risk, level) -> float:
    if obj.kind == "value":
        return apply_risk(values, risk, level)
    inc = apply_risk(values - planner.no_plan_value(obj), risk, level)
    return float(plan.sum() / inc) if inc > 0 else float("inf")


def _binding(row, totals, budget) -> bool:
    lhs = float(row.coef @ np.asarray(totals).ravel())
    return abs(lhs - row.rhs) <= 1e-6 * max(budget, 1.0)
