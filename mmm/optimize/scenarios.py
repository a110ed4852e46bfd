"""Scenario planner: compare named spend plans side by side, with intervals.

A plan is given as

* a dict of multipliers on the current plan, keyed by channel, series ``"channel|audience"``,
  audience, geo or ``"*"`` (every series): ``{"online_video": 1.2}`` is "+20 % video";
* a dict whose values are ``{"budget": total}``: an absolute total over the horizon for that
  key, spread over its cells in proportion to the current plan (evenly if it has none);
  both kinds may be mixed (``{"multiplier": m}`` is the same as ``m``); keys are applied in
  order, later ones overriding earlier ones on the cells they share;
* a :class:`~mmm.optimize.results.BudgetRecommendation` (its recommended plan);
* an array of spend, dims (horizon date, geo, series) or (geo, series) totals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mmm.errors import SpecError
from mmm.optimize.planner import Planner, make_objective
from mmm.optimize.results import BudgetRecommendation


def _mask(planner: Planner, key: str) -> np.ndarray:
    G, S = planner.shape
    if key == "*":
        return np.ones((G, S), dtype=bool)
    m = np.zeros((G, S), dtype=bool)
    for names in (planner.series, planner.channels, planner.audiences):
        sel = np.array([n == key for n in names])
        if sel.any():
            m[:, sel] = True
            return m
    sel = np.array([g == key for g in planner.geos])
    if sel.any():
        m[sel] = True
        return m
    raise SpecError(
        f"plan key {key!r} is not a channel {sorted(set(planner.channels))}, a series, an "
        f"audience {sorted(set(planner.audiences))}, a geo {list(planner.geos)} or '*'."
    )


def resolve_plan(planner: Planner, plan) -> np.ndarray:
    """Spend path of ``plan`` (see the module docstring), dims (horizon, geo, series)."""
    if isinstance(plan, BudgetRecommendation):
        return np.asarray(plan.plan, dtype=float)
    if isinstance(plan, str) and plan == "current":
        return planner.current.copy()
    if isinstance(plan, np.ndarray) or hasattr(plan, "values") and not isinstance(plan, Mapping):
        arr = np.asarray(getattr(plan, "values", plan), dtype=float)
        if arr.shape == planner.shape:
            return planner.from_totals(arr)
        return planner.path(arr)[planner.plan_slice]  # validates the shape
    if not isinstance(plan, Mapping):
        raise SpecError(
            f"a plan is a dict of multipliers / budgets, a recommendation or an array; "
            f"received {type(plan).__name__}."
        )
    x = planner.current.copy()
    for key, spec in plan.items():
        m = _mask(planner, str(key))
        if isinstance(spec, Mapping):
            if set(spec) - {"budget", "multiplier"} or len(spec) != 1:
                raise SpecError(
                    f"plan[{key!r}] = {spec!r}: use a number (multiplier), "
                    "{'multiplier': m} or {'budget': total over the horizon}."
                )
            if "multiplier" in spec:
                spec = float(spec["multiplier"])
            else:
                total = float(spec["budget"])
                if total < 0:
                    raise SpecError(f"plan[{key!r}]: budget {total} must be >= 0.")
                cur = planner.current[:, m]
                cells = m & planner.presence
                if cur.sum() > 0:
                    x[:, m] = cur * (total / cur.sum())
                else:
                    share = np.where(cells, 1.0 / max(cells.sum(), 1), 0.0)
                    x[:, m] = (planner.pattern * share[None] * total)[:, m]
                continue
        mult = float(spec)
        if not np.isfinite(mult) or mult < 0:
            raise SpecError(f"plan[{key!r}]: multiplier {spec!r} must be a number >= 0.")
        x[:, m] = planner.current[:, m] * mult
    return x


def compare_plans(
    planner: Planner,
    plans: Mapping,
    *,
    objective: str = "value",
    value_per_visit: float | None = None,
    weights: dict | None = None,
    prob: float = 0.9,
    include_current: bool = True,
) -> pd.DataFrame:
    """Expected outcomes and value of named plans, per channel and in total.

    Parameters
    ----------
    planner : Planner
        From :func:`mmm.optimize.make_planner` (horizon, carry-over settings, draws).
    plans : mapping of name -> plan
        See the module docstring; ``"current"`` is added first unless given or
        ``include_current=False``.
    objective, value_per_visit, weights
        How outcomes are valued (see :func:`mmm.optimize.make_objective`); ``cost_per_*``
        objectives value plans with the outcome weights of their target.
    prob : float
        Width of the central intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, channel, metric), ``channel == "total"`` for the sum;
        ``metric`` is ``spend``, each outcome or ``value``. Columns: scenario, channel,
        metric, mean, median, lower, upper, uplift_mean, uplift_lower, uplift_upper
        (vs the current plan, per draw) and prob_better (share of draws where the
        scenario beats the current plan; NaN for spend). Original units; contributions
        are media effects over the planner's window (horizon plus carry-over).
    """
    obj = make_objective(planner.fit, objective, value_per_visit=value_per_visit, weights=weights)
    w = np.asarray(obj.weights)
    named = dict(plans)
    if include_current and "current" not in named:
        named = {"current": "current", **named}
    channels = list(dict.fromkeys(planner.channels))
    ch_idx = np.array([channels.index(c) for c in planner.channels])
    lo_q, hi_q = (1 - prob) / 2, 1 - (1 - prob) / 2

    def per_channel(plan):
        c = planner.contributions(plan).sum(axis=2)  # (sample, outcome, series)
        out = np.zeros((c.shape[0], c.shape[1], len(channels)))
        for j in range(len(channels)):
            out[:, :, j] = c[:, :, ch_idx == j].sum(axis=-1)
        spend = np.array([plan.sum(axis=(0, 1))[ch_idx == j].sum() for j in range(len(channels))])
        return out, spend

    cur_draws, cur_spend = per_channel(planner.current)
    rows = []
    for name, plan in named.items():
        x = resolve_plan(planner, plan)
        draws, spend = per_channel(x)
        for j, ch in enumerate([*channels, "total"]):
            if ch == "total":
                d, dc, sp, spc = draws.sum(-1), cur_draws.sum(-1), spend.sum(), cur_spend.sum()
            else:
                d, dc, sp, spc = draws[..., j], cur_draws[..., j], spend[j], cur_spend[j]
            rows.append(
                {
                    "scenario": name,
                    "channel": ch,
                    "metric": "spend",
                    "mean": sp,
                    "median": sp,
                    "lower": sp,
                    "upper": sp,
                    "uplift_mean": sp - spc,
                    "uplift_lower": sp - spc,
                    "uplift_upper": sp - spc,
                    "prob_better": np.nan,
                }
            )
            metrics = [(o, d[:, k], dc[:, k]) for k, o in enumerate(planner.outcomes)]
            metrics.append(("value", d @ w, dc @ w))
            for metric, v, vc in metrics:
                up = v - vc
                rows.append(
                    {
                        "scenario": name,
                        "channel": ch,
                        "metric": metric,
                        "mean": float(v.mean()),
                        "median": float(np.median(v)),
                        "lower": float(np.quantile(v, lo_q)),
                        "upper": float(np.quantile(v, hi_q)),
                        "uplift_mean": float(up.mean()),
                        "uplift_lower": float(np.quantile(up, lo_q)),
                        "uplift_upper": float(np.quantile(up, hi_q)),
                        "prob_better": float(np.mean(up > 0)),
                    }
                )
    df = pd.DataFrame(rows)
    df["interval"] = prob
    return df


def scenario_table(df: pd.DataFrame, *, metric: str = "value") -> pd.DataFrame:
    """Wide view of :func:`compare_plans`: one row per channel, one column per scenario
    (posterior mean of ``metric``)."""
    sub = df[df["metric"] == metric]
    order = list(dict.fromkeys(sub["scenario"]))
    wide = sub.pivot(index="channel", columns="scenario", values="mean")[order]
    chans = [c for c in dict.fromkeys(sub["channel"]) if c != "total"] + ["total"]
    return wide.loc[chans]
