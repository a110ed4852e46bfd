"""What a planner acts on: the limits that bind a plan, what relaxing them is worth, and the
plan's changes as transfers between lines.

Shadow prices come from the optimality (KKT) conditions at the recommended plan. With the
totals ``b`` per (geo, series) cell, the value's gradient ``g`` (posterior-mean marginal
value of one more currency unit per cell, :meth:`mmm.optimize.planner.Planner.marginal_value`)
is a combination of the gradients of the constraints that hold with equality::

    g[free cells] = sum_j nu_j * a_j[free cells]

and ``nu_j`` is the change of the optimal value per unit of the row's right-hand side. For
the total budget that is the value of one more currency unit of budget (with an equal-budget
constraint and no other limit: the common marginal value of the lines). For a line at its
upper limit it is the line's marginal value minus the budget's multiplier; for a line at its
lower limit (or at zero spend) the budget's multiplier minus the line's marginal value.
``shadow_price`` is reported as the value gained per currency unit the limit is *relaxed*
(an upper limit raised, a lower limit lowered), so it is >= 0 at an optimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LIMIT_KINDS = ("series", "channel", "audience", "geo")


def _active(row, b: np.ndarray, tol: float) -> bool:
    return abs(float(row.coef @ b) - row.rhs) <= tol


def _limit_entry(r, v: float | None, metas: list[tuple]) -> dict:
    """One binding limit: what it holds (series, channel, audience, geo where its cells
    share one, else None), its side and the value per currency unit of moving it."""
    common = [metas[0][k] if len({m[k] for m in metas}) == 1 else None for k in range(4)]
    side = "upper" if r.sense == "<=" else "lower"
    if r.sense == "==":  # a fixed total: report it as the side the plan presses on
        side = "upper" if (v or 0.0) >= 0 else "lower"
    price = None if v is None else (v if side == "upper" else -v)
    return {
        "kind": r.kind,
        "series": common[0],
        "channel": common[1],
        "audience": common[2],
        "geo": common[3],
        "side": side,
        "limit": float(r.rhs),
        "shadow_price": price,
        "constraint": r.name,
    }


def binding_limits(
    planner, system, plan: np.ndarray, marginal: np.ndarray, *, exact: bool = True
) -> tuple[list[dict], float | None]:
    """The limits the plan sits at, with their shadow prices.

    Parameters
    ----------
    planner : Planner
    system : LinearSystem
        The constraints the plan was optimised under.
    plan : ndarray, dims (horizon, geo, series)
        The recommended spend path.
    marginal : ndarray, dims (geo, series)
        Marginal value per currency unit of each cell at the plan.
    exact : bool
        False when the marginal values are not the gradient of what was optimised (a risk
        objective, cost per unit, free flighting): shadow prices are then None.

    Returns
    -------
    (list of dict, float or None)
        One record per binding limit (``series``, ``channel``, ``audience``, ``geo``,
        ``kind`` (series / channel / audience / geo / zero spend), ``side`` (upper / lower),
        ``limit`` (currency over the horizon), ``shadow_price``), largest shadow price
        first; and the budget's shadow price (value per extra currency unit of budget).
    """
    b = plan.sum(axis=0).ravel()
    G, S = planner.shape
    free = ~(system.locked | system.inactive).ravel()
    tol = 1e-6 * max(system.budget, float(b.sum()), 1.0)
    act_rows = [r for r in system.rows if np.any(r.coef[free] != 0) and _active(r, b, tol)]
    zero = np.flatnonzero(free & (b <= tol))
    cols = [r.coef[free] for r in act_rows]
    for i in zero:
        e = np.zeros(G * S)
        e[i] = 1.0
        cols.append(e[free])
    nu = np.full(len(cols), np.nan)
    if exact and cols:
        A = np.array(cols).T  # (free cells, active constraints)
        nu = np.linalg.lstsq(A, marginal.ravel()[free], rcond=None)[0]
    budget_price = None
    out = []

    def cell_meta(i):
        g, s = divmod(int(i), S)
        return planner.series[s], planner.channels[s], planner.audiences[s], planner.geos[g]

    for j, r in enumerate(act_rows):
        v = None if not np.isfinite(nu[j]) else float(nu[j])
        if r.kind == "budget":
            budget_price = v
            continue
        if r.kind not in LIMIT_KINDS:
            continue
        out.append(_limit_entry(r, v, [cell_meta(i) for i in np.flatnonzero(r.coef != 0)]))
    for k, i in enumerate(zero):
        v = nu[len(act_rows) + k]
        s, c, a, g = cell_meta(i)
        out.append(
            {
                "kind": "zero spend",
                "series": s,
                "channel": c,
                "audience": a,
                "geo": g,
                "side": "lower",
                "limit": 0.0,
                "shadow_price": None if not np.isfinite(v) else float(-v),
                "constraint": f"no negative spend on {s!r}" + ("" if G == 1 else f" in {g!r}"),
            }
        )
    if budget_price is None and exact and system.rows[0].kind == "budget":
        budget_price = 0.0 if not _active(system.rows[0], b, tol) else None
    out.sort(key=lambda d: -(d["shadow_price"] if d["shadow_price"] is not None else -np.inf))
    return out, budget_price


def transfer_moves(allocation: pd.DataFrame) -> list[dict]:
    """The plan's changes per series as transfers from the lines cut to the lines raised.

    Greedy: the largest cut pays the largest raise first. An amount with ``from`` None is
    new budget (the plan spends more than today); one with ``to`` None is budget left
    unspent. The amounts from a line sum to its cut and the amounts to a line to its raise.

    Parameters
    ----------
    allocation : DataFrame
        ``BudgetRecommendation.allocation`` (``series``, ``current``, ``recommended``).

    Returns
    -------
    list of dict
        ``{"from", "to", "amount"}``, series ids and currency over the horizon, largest
        first.
    """
    ch = allocation.groupby("series", sort=False)[["current", "recommended"]].sum()
    d = ch["recommended"] - ch["current"]
    tol = 1e-9 * max(float(ch["current"].abs().sum()), float(ch["recommended"].abs().sum()), 1.0)
    cuts = [[s, -float(v)] for s, v in d.items() if v < -tol]
    raises = [[s, float(v)] for s, v in d.items() if v > tol]
    net = float(d.sum())
    if net > tol:
        cuts.append([None, net])
    elif net < -tol:
        raises.append([None, -net])
    cuts.sort(key=lambda x: -x[1])
    raises.sort(key=lambda x: -x[1])
    moves = []
    i = j = 0
    while i < len(cuts) and j < len(raises):
        amt = min(cuts[i][1], raises[j][1])
        if amt > tol:
            moves.append({"from": cuts[i][0], "to": raises[j][0], "amount": amt})
        cuts[i][1] -= amt
        raises[j][1] -= amt
        if cuts[i][1] <= tol:
            i += 1
        if raises[j][1] <= tol:
            j += 1
    moves.sort(key=lambda m: -m["amount"])
    return moves
