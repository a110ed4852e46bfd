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
from mmm.plan_results import ScenarioComparison, StoredRecommendation
from mmm.run_folder import DEFAULT_SCENARIOS, RunFolder


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


def _prob_better(uplift: np.ndarray) -> float:
    """Share of draws where a plan beats the current one; NaN when no draw tells them apart.

    A plan equal to the current one (or a line it leaves as it is) has the same draws: every
    difference is 0 and "the chance it beats the current plan" is undefined, not 0.
    """
    up = np.asarray(uplift, dtype=float)
    if not np.any(up != 0):
        return float("nan")
    return float(np.mean(up > 0))


def _spend_row(name: str, ch: str, sp: float, spc: float) -> dict:
    """A plan's spend on a channel (or in total) and its change from the current plan."""
    return {
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


def _metric_row(name: str, ch: str, metric: str, v, vc, prob: float) -> dict:
    """A plan's draws ``v`` of a metric against the current plan's ``vc``: summaries of both
    and the chance the plan does better."""
    lo_q, hi_q = (1 - prob) / 2, 1 - (1 - prob) / 2
    up = v - vc
    return {
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
        "prob_better": _prob_better(up),
    }


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
        scenario beats the current plan; NaN for spend, and NaN where the scenario's draws
        equal the current plan's in every draw: the current plan itself, or a line a plan
        leaves unchanged, has no chance of beating it, it ties). Original units; contributions
        are media effects over the planner's window (horizon plus carry-over).
    """
    obj = make_objective(planner.fit, objective, value_per_visit=value_per_visit, weights=weights)
    w = np.asarray(obj.weights)
    named = dict(plans)
    if include_current and "current" not in named:
        named = {"current": "current", **named}
    channels = list(dict.fromkeys(planner.channels))
    ch_idx = np.array([channels.index(c) for c in planner.channels])

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
            rows.append(_spend_row(name, ch, sp, spc))
            metrics = [(o, d[:, k], dc[:, k]) for k, o in enumerate(planner.outcomes)]
            metrics.append(("value", d @ w, dc @ w))
            rows += [_metric_row(name, ch, m, v, vc, prob) for m, v, vc in metrics]
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


# ----------------------------------------------------------------------------- stored comparisons
#: Name of a comparison when none is given.
DEFAULT_NAME = DEFAULT_SCENARIOS
_STAT = ("mean", "median", "lower", "upper", "uplift_mean", "uplift_lower", "uplift_upper")


def scenario_summary(df: pd.DataFrame) -> list[dict]:
    """Totals per plan of :func:`compare_plans`: spend, each outcome and value.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`compare_plans`.

    Returns
    -------
    list of dict
        One dict per scenario, in order: ``plan``, ``spend`` (currency over the horizon),
        ``outcomes`` (outcome name, and ``value``, -> mean, median, lower, upper,
        uplift_mean / _lower / _upper and prob_better, the ``channel == "total"`` rows of
        ``df`` unchanged) and ``prob_better`` (that of ``value``: the share of draws where the
        plan is worth more than the current one; NaN when the draws cannot tell them apart).
    """
    tot = df[df["channel"] == "total"]
    out = []
    for name in dict.fromkeys(tot["scenario"]):
        sub = tot[tot["scenario"] == name].set_index("metric")
        outcomes = {
            m: {
                **{k: float(sub.loc[m, k]) for k in _STAT},
                "prob_better": sub.loc[m, "prob_better"],
            }
            for m in sub.index
            if m != "spend"
        }
        out.append(
            {
                "plan": name,
                "spend": float(sub.loc["spend", "mean"]),
                "outcomes": outcomes,
                "prob_better": float(outcomes["value"]["prob_better"]),
            }
        )
    return out


def _chosen(stored: dict, recommendations, run_dir) -> list[str]:
    """The stored recommendations to compare: those named (each must be stored), else all."""
    if recommendations is None:
        return list(stored)
    unknown = [r for r in recommendations if r not in stored]
    if unknown:
        raise SpecError(
            f"--recommendation {', '.join(unknown)}: {run_dir} stores "
            f"{', '.join(stored) if stored else 'no recommendation'}; run `mmm optimize "
            f"{run_dir} --budget X --name {unknown[0]}` first or pick a stored one."
        )
    return list(dict.fromkeys(recommendations))


def _stored_horizon(recs: dict[str, StoredRecommendation], *, strict: bool) -> int:
    """The horizon the recommendations share (``strict``: named ones must share one), else
    that of ``recommended``, else 13."""
    hs = {r.settings.horizon for r in recs.values()}
    if len(hs) > 1 and strict:
        raise SpecError(
            f"the recommendations {', '.join(recs)} plan different horizons "
            f"({sorted(hs, key=str)}); give --horizon or compare them separately."
        )
    if len(hs) == 1:
        return next(iter(hs))
    if "recommended" in recs:
        return recs["recommended"].settings.horizon
    return 13


def _named_plans(planner: Planner, recs: dict, stored: dict, plans: dict, *, keep_all: bool):
    """The plans compared by name (the current plan first, the recommendations, the plans
    given), where each comes from, and the recommendations left out (another horizon or
    start; ``keep_all`` keeps them, and their mismatch is then an error)."""
    from pathlib import Path

    from mmm.optimize.plan_file import read_plan_file

    start = str(planner.plan_dates[0].date())
    left_out = []
    named: dict = {"current": "current"}
    sources: dict = {"current": {"source": "current"}}
    for r, rec in recs.items():
        st = rec.settings
        if not keep_all and (st.horizon != planner.horizon or st.plan_start != start):
            left_out.append({"plan": r, "why": f"plans {st.horizon} periods from {st.plan_start}"})
            continue
        named[r] = _recommended_plan(planner, rec, r)
        sources[r] = {"source": "recommendation", "path": str(stored[r])}
    for p, plan in plans.items():
        if isinstance(plan, str | Path) and str(plan) != "current":
            named[p] = read_plan_file(planner, plan)
            kind = (
                "weekly" if "date" in pd.read_csv(plan, nrows=0).columns.str.strip() else "totals"
            )
            sources[p] = {"source": "file", "path": str(plan), "layout": kind}
        else:
            named[p] = plan
            sources[p] = {"source": "python"}
    return named, sources, left_out


def _read_recommendations(source: RunFolder, names: list[str]) -> dict[str, StoredRecommendation]:
    """The stored recommendations ``names`` of the run folder (each is stored: see
    :func:`_chosen`)."""
    recs = {}
    for name in names:
        rec, _ = source.read_recommendation(name)
        assert rec is not None  # a stored name reads or raises
        recs[name] = rec
    return recs


def _recommended_plan(planner: Planner, rec: StoredRecommendation, name: str) -> np.ndarray:
    """The recommended spend path stored in ``recommendation.json`` (its ``weekly`` table)."""
    st = rec.settings
    start = str(planner.plan_dates[0].date())
    if st.horizon != planner.horizon or st.plan_start != start:
        raise SpecError(
            f"recommendation {name!r} plans {st.horizon} periods from "
            f"{st.plan_start}; this comparison plans {planner.horizon} from {start}. "
            f"Compare it with --horizon {st.horizon}, or leave it out (--recommendation "
            "names the ones to compare)."
        )
    weekly = rec.weekly
    G, S = planner.shape
    x = np.zeros((planner.horizon, G, S))
    seen = np.zeros_like(x, dtype=bool)
    t_of = {str(d.date()): t for t, d in enumerate(planner.plan_dates)}
    g_of = {g: i for i, g in enumerate(planner.geos)}
    s_of = {s: i for i, s in enumerate(planner.series)}
    for r in weekly:
        t, g, s = t_of.get(str(r.date)[:10]), g_of.get(r.geo), s_of.get(r.series)
        if t is None or g is None or s is None:
            raise SpecError(
                f"recommendation {name!r} has spend for {r.series!r} in {r.geo!r} on "
                f"{str(r.date)[:10]}, which this fit does not plan; it was made with another "
                f"fit. Make it again with `mmm optimize --name {name} --replace`."
            )
        x[t, g, s] = float(r.recommended)
        seen[t, g, s] = True
    if not seen[:, planner.presence].all():
        raise SpecError(
            f"recommendation {name!r} lacks the weekly spend of some lines of this fit; make it "
            f"again with `mmm optimize --name {name} --replace`."
        )
    return x


def run_scenarios(
    run_dir,
    plans: Mapping | None = None,
    *,
    recommendations: list[str] | tuple[str, ...] | None = None,
    horizon: int | None = None,
    objective: str = "value",
    value_per_visit: float | None = None,
    prob: float = 0.9,
    include_carryover: bool = True,
    max_draws: int | None = 1000,
    name: str = DEFAULT_NAME,
    replace: bool = False,
    out=None,
) -> dict:
    """Compare the current plan, stored recommendations and plan files; store the result.

    Signature (for the ``mmm scenarios`` command)::

        run_scenarios(run_dir, plans=None, *, recommendations=None, horizon=None,
                      objective="value", value_per_visit=None, prob=0.9,
                      include_carryover=True, max_draws=1000, name="scenarios",
                      replace=False, out=None) -> dict

    Parameters
    ----------
    run_dir : path
        A run folder with a saved fit.
    plans : mapping of name -> path or plan, optional
        Plan CSV files (see :mod:`mmm.optimize.plan_file`) or anything
        :func:`compare_plans` takes, by scenario name.
    recommendations : list of str, optional
        Stored recommendations (``RUN/recommendations/<name>/``) to compare; default every
        stored one with the comparison's horizon (the others are listed under
        ``settings.left_out``).
    horizon : int, optional
        Periods planned; default the horizon of the recommendations compared when they
        agree, else 13.
    objective, value_per_visit
        As for ``mmm optimize``: a model with store visits and ``objective="value"`` needs a
        value per visit (or the run config's ``[optimizer] value_per_visit`` > 0), see
        :func:`mmm.optimize.cli.resolve_value_per_visit`.
    prob : float
        Width of the intervals (0.9).
    include_carryover : bool
        Count effects that land after the horizon.
    max_draws : int or None
        Posterior draws used (the optimizer's default, so a recommendation is valued on the
        draws it was made with).
    name : str
        The comparison's name: it is stored as ``RUN/scenarios/<name>.json`` and
        ``<name>.csv``; an existing name needs ``replace``.
    replace : bool
        Overwrite a stored comparison of the same name.
    out : path, optional
        Run folder to store it in (default ``run_dir``).

    Returns
    -------
    dict
        ``json`` and ``csv`` (the paths written), ``table`` (the :func:`compare_plans`
        frame), ``result`` (the :class:`~mmm.plan_results.ScenarioComparison` stored).

    Raises
    ------
    mmm.errors.SpecError
        Bad options, a scenario name used twice, a name already stored without ``replace``,
        a recommendation that does not fit the horizon, no value per visit.
    mmm.errors.DataError
        A plan file with problems (every one named, with rows and fixes).
    """
    from datetime import UTC, datetime

    from mmm.inference.fit import FitResult
    from mmm.optimize.cli import check_horizon, resolve_value_per_visit
    from mmm.optimize.planner import make_planner
    from mmm.run_folder import check_name

    folder = RunFolder(out if out is not None else run_dir)
    source = RunFolder(run_dir)
    folder.check_scenarios_free(name, replace)
    if not 0 < prob < 1:
        raise SpecError(f"--interval {prob!r}: give a probability between 0 and 1, e.g. 0.9.")
    plans = dict(plans or {})
    for p in plans:
        check_name(str(p))
    stored = source.stored_recommendations()
    recs = _read_recommendations(source, _chosen(stored, recommendations, run_dir))
    taken = [p for p in plans if p == "current" or p in recs]
    if taken:
        raise SpecError(
            f"--plan {taken[0]}=...: {taken[0]!r} already names "
            + ("the current plan" if taken[0] == "current" else "a stored recommendation")
            + "; give the plan another name."
        )
    source.require_fit()
    fit = FitResult.load(run_dir)
    if horizon is None:
        horizon = _stored_horizon(recs, strict=recommendations is not None)
    check_horizon(fit, horizon)
    value_per_visit = resolve_value_per_visit(run_dir, fit, objective, value_per_visit)
    planner = make_planner(
        fit, horizon=horizon, include_carryover=include_carryover, max_draws=max_draws
    )
    start = str(planner.plan_dates[0].date())
    named, sources, left_out = _named_plans(
        planner, recs, stored, plans, keep_all=recommendations is not None
    )
    table = compare_plans(
        planner, named, objective=objective, value_per_visit=value_per_visit, prob=prob
    )
    obj = make_objective(fit, objective, value_per_visit=value_per_visit)
    settings = {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "horizon": planner.horizon,
        "plan_start": start,
        "plan_end": str(planner.plan_dates[-1].date()),
        "window_end": str(planner.dates[-1].date()),
        "reference_weeks": planner.reference_weeks,
        "include_carryover": planner.include_carryover,
        "objective": objective,
        "objective_label": obj.label,
        "value_per_visit": value_per_visit,
        "outcome_weights": dict(zip(planner.outcomes, obj.weights, strict=True)),
        "outcome_kinds": {o.name: o.kind for o in fit.spec.outcomes},
        "interval": prob,
        "n_draws": planner.response.n_draws,
        "plans": sources,
        "left_out": left_out,
    }
    result = _comparison(planner, named, settings, table)
    files = folder.write_scenarios(name, result, table, replace=replace)
    return {**files, "table": table, "result": result}


def _comparison(planner: Planner, named: dict, settings: dict, table) -> ScenarioComparison:
    """What ``scenarios/NAME.json`` stores: the settings, the totals per plan, each line's
    spend per plan and the rows of :func:`compare_plans`."""
    from mmm.optimize.results import json_safe, records
    from mmm.plan_results import SCENARIOS_SCHEMA_VERSION

    arrays = {p: resolve_plan(planner, x) for p, x in named.items()}
    lines = [
        {
            "series": s,
            "channel": planner.channels[si],
            "audience": planner.audiences[si],
            "spend": {p: float(x[:, :, si].sum()) for p, x in arrays.items()},
        }
        for si, s in enumerate(planner.series)
    ]
    stored = {
        "settings": settings,
        "plans": scenario_summary(table),
        "lines": lines,
        "rows": records(table),
        "schema_version": SCENARIOS_SCHEMA_VERSION,
    }
    return ScenarioComparison.from_dict(json_safe(stored))


def read_scenarios(run_dir) -> list[ScenarioComparison]:
    """Every scenario comparison stored in ``run_dir`` (``RUN/scenarios/*.json``), by name.

    Returns
    -------
    list of ScenarioComparison
        The stored comparisons (see :func:`run_scenarios`), each with the ``path`` it was
        read from; empty when none is stored.

    Raises
    ------
    mmm.errors.RunFolderError
        A file is not valid JSON or lacks a key of its schema (the message names it).
    """
    return RunFolder(run_dir).read_scenarios()
