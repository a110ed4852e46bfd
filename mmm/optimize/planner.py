"""The forward planning problem: horizon, spend paths, the current plan and its value.

A plan covers ``horizon`` future periods after the last fitted date. Its spend path is
evaluated on::

    [ last L-1 observed periods | the plan's H periods | L-1 periods with no spend ]
      past carry-over               the horizon              carry-over after it

where ``L`` is the longest carry-over of the model. The value of a plan is the media
contribution summed over the horizon and, by default, the periods after it (the effects of
horizon spend that land later). Past spend adds its tail to the first periods of the horizon;
since saturation acts on carried-over spend, that tail also changes the returns of new spend.

Assumptions (see docs/optimize.md): the model is additive in media, so the horizon's own
seasonality, trend and controls shift the baseline but not the media uplift; spend after the
horizon is 0 (effects of later plans are not credited to this one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mmm.errors import SpecError
from mmm.names import AWARENESS
from mmm.optimize.response import DrawResponse

if TYPE_CHECKING:  # pragma: no cover
    from mmm.inference.fit import FitResult

RISKS = ("mean", "quantile", "cvar")


def risk_weights(values: np.ndarray, risk: str, level: float) -> np.ndarray:
    """Weights over draws whose weighted sum of ``values`` is the risk functional.

    ``mean``: 1/n each. ``quantile``: the ``level`` quantile (linear interpolation between
    the two nearest order statistics, as ``numpy.quantile``). ``cvar``: the mean of the
    worst ``level`` fraction of draws (the draw at the boundary gets a fractional weight).
    """
    n = values.shape[0]
    r = np.zeros(n)
    if risk == "mean":
        r[:] = 1.0 / n
        return r
    order = np.argsort(values, kind="stable")
    if risk == "quantile":
        pos = level * (n - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, n - 1)
        frac = pos - lo
        r[order[lo]] += 1.0 - frac
        r[order[hi]] += frac
        return r
    if risk == "cvar":
        k = max(level * n, 1.0)
        full = int(np.floor(k))
        r[order[:full]] = 1.0 / k
        if full < n and k > full:
            r[order[full]] = (k - full) / k
        return r
    raise SpecError(f"risk={risk!r} is not allowed; choose one of {RISKS}.")


def apply_risk(values: np.ndarray, risk: str, level: float) -> float:
    """The risk functional of per-draw values (see :func:`risk_weights`)."""
    return float(risk_weights(values, risk, level) @ values)


@dataclass(frozen=True)
class Objective:
    """What a plan is worth.

    Attributes
    ----------
    kind : {"value", "cost_per_unit"}
        ``value``: maximise ``sum_k weights[k] * outcome_k``; ``cost_per_unit``: minimise
        plan spend / incremental units of ``target`` (e.g. cost per store visit).
    weights : tuple of float
        Value of one unit of each outcome (revenue 1, a store visit ``value_per_visit``).
    target : str or None
        Outcome of ``cost_per_unit``.
    label : str
        Human-readable description.
    """

    kind: str
    weights: tuple[float, ...]
    target: str | None = None
    label: str = ""


def make_objective(
    fit,
    objective: str = "value",
    *,
    value_per_visit: float | None = None,
    weights: dict | None = None,
) -> Objective:
    """Resolve the objective options against the fit's outcomes.

    Parameters
    ----------
    objective : str
        ``"value"`` (revenue + value_per_visit x visits, or ``weights``), an outcome name
        (that outcome alone), or ``"cost_per_unit"`` / ``"cost_per:<outcome>"`` (minimise
        spend per incremental unit of a count outcome, the first count outcome by default).
    value_per_visit : float, optional
        Value of one unit of every count outcome; default 0 (revenue only) unless
        ``weights`` says otherwise.
    weights : dict, optional
        Outcome -> value per unit; overrides the defaults for the outcomes it names.
    """
    outs = list(fit.spec.outcome_names)
    kinds = {o.name: o.kind for o in fit.spec.outcomes}
    if objective == "value":
        w = {o: (1.0 if kinds[o] == "revenue" else float(value_per_visit or 0.0)) for o in outs}
        for k, v in (weights or {}).items():
            if k not in w:
                raise SpecError(f"weights names outcome {k!r}; the model has {outs}.")
            w[k] = float(v)
        if not any(v != 0 for v in w.values()):
            raise SpecError("every outcome weight is 0: give value_per_visit or weights.")
        parts = [f"{v:g} x {k}" for k, v in w.items() if v != 0]
        return Objective("value", tuple(w[o] for o in outs), None, " + ".join(parts))
    if objective in outs:
        return Objective("value", tuple(float(o == objective) for o in outs), None, objective)
    if objective == "cost_per_unit" or objective.startswith("cost_per:"):
        target = objective.split(":", 1)[1] if ":" in objective else None
        if target is None:
            counts = [o for o in outs if kinds[o] == "count"]
            target = counts[0] if counts else outs[0]
        if target not in outs:
            raise SpecError(f"cost_per:{target}: the model's outcomes are {outs}.")
        return Objective(
            "cost_per_unit", tuple(float(o == target) for o in outs), target, f"cost per {target}"
        )
    raise SpecError(
        f"objective={objective!r} is not allowed; use 'value', one of the outcomes {outs}, "
        "'cost_per_unit' or 'cost_per:<outcome>'."
    )


def require_visit_value(
    fit,
    objective: str = "value",
    value_per_visit=None,
    weights: dict | None = None,
    *,
    options: bool = False,
) -> None:
    """Refuse to value a plan on a fit with count outcomes when nobody said what a unit is worth.

    With ``objective="value"`` the value of a plan is revenue plus ``value_per_visit`` times
    each count outcome (store visits). Left out, visits would count as worth nothing and a
    plan would cut the lines that bring people to the shops, so the value per visit (or
    ``weights`` naming every count outcome, or an objective naming one outcome) is required.

    Parameters
    ----------
    fit : FitResult
    objective : str
    value_per_visit : float, optional
    weights : dict, optional
    options : bool
        Word the message in ``mmm optimize``'s options (``--value-per-visit``,
        ``--objective``) instead of the Python arguments.

    Raises
    ------
    mmm.errors.SpecError
        The fit has a count outcome, the objective is ``"value"`` and neither
        ``value_per_visit`` nor ``weights`` give its value.
    """
    if objective != "value" or value_per_visit is not None:
        return
    counts = [o.name for o in fit.spec.outcomes if o.kind == "count"]
    missing = [o for o in counts if o not in (weights or {})]
    if not missing:
        return
    revenue = [o.name for o in fit.spec.outcomes if o.kind == "revenue"]
    alone = revenue[0] if revenue else missing[0]
    why = (
        "Visits valued at nothing would make the plan cut the lines that bring people to the shops."
    )
    if options:
        raise SpecError(
            f"the model has a store-visit outcome {missing[0]!r}: give what one visit is worth "
            "with --value-per-visit X (or value_per_visit = X under [optimizer] in the run's "
            f"config.toml), or plan on {alone} alone with --objective {alone}. {why} "
            "(--value-per-visit 0 says so explicitly.)"
        )
    raise SpecError(
        f"the model has a store-visit (count) outcome {missing[0]!r}: give value_per_visit "
        f"(what one visit is worth), or plan on {alone} alone with objective={alone!r}. {why} "
        "(value_per_visit=0 says so explicitly.)"
    )


def _future_dates(dates: pd.DatetimeIndex, freq: str, n: int) -> pd.DatetimeIndex:
    if n <= 0:
        return pd.DatetimeIndex([])
    off = pd.tseries.frequencies.to_offset(freq)
    return pd.date_range(dates[-1] + off, periods=n, freq=off)


@dataclass(frozen=True, eq=False)
class Planner:
    """A fit prepared for planning ``horizon`` periods ahead (see the module docstring).

    Build it with :func:`make_planner`. Spend arrays of a plan have dims
    (horizon date, geo, series) in currency.

    Attributes
    ----------
    fit : FitResult
    response : DrawResponse
    horizon : int
    history : ndarray, dims (L-1, geo, series)
        Observed spend before the horizon (zeros when past carry-over is off).
    pattern : ndarray, dims (horizon, geo, series)
        Weekly shape of each cell's spend (sums to 1 over the horizon): the last
        ``reference_weeks`` observed periods, tiled; flat where they had no spend.
    current : ndarray, dims (horizon, geo, series)
        The current plan: spending as in the last ``reference_weeks`` periods.
    dates : DatetimeIndex
        Dates of the full path (history, horizon, tail).
    window : ndarray of bool, dims (date,)
        Dates whose contributions count.
    """

    fit: FitResult
    response: DrawResponse
    horizon: int
    reference_weeks: int
    include_carryover: bool
    past_carryover: bool
    history: np.ndarray
    pattern: np.ndarray
    current: np.ndarray
    dates: pd.DatetimeIndex
    window: np.ndarray
    series: tuple[str, ...]
    channels: tuple[str, ...]
    audiences: tuple[str, ...]
    stages: tuple[str, ...]
    geos: tuple[str, ...]
    outcomes: tuple[str, ...]
    presence: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False)

    # -------------------------------------------------------------- shapes
    @property
    def n_hist(self) -> int:
        """Number of historical periods before the plan."""
        return int(self.history.shape[0])

    @property
    def plan_slice(self) -> slice:
        """Positions of the planned periods on the full timeline (history + horizon)."""
        return slice(self.n_hist, self.n_hist + self.horizon)

    @property
    def plan_dates(self) -> pd.DatetimeIndex:
        """Dates of the planned periods."""
        return self.dates[self.plan_slice]

    @property
    def shape(self) -> tuple[int, int]:
        """(geo, series)."""
        return (len(self.geos), len(self.series))

    @property
    def is_awareness(self) -> np.ndarray:
        """Boolean mask, dims (series,): True for awareness series."""
        return np.array([s == AWARENESS for s in self.stages])

    def path(self, plan: np.ndarray) -> np.ndarray:
        """Full spend path (history, plan, zero tail), dims (date, geo, series)."""
        plan = np.asarray(plan, dtype=float)
        if plan.shape != (self.horizon, *self.shape):
            raise SpecError(
                f"a plan has dims (date, geo, series) = {(self.horizon, *self.shape)}; "
                f"received {plan.shape}."
            )
        n_tail = len(self.dates) - self.n_hist - self.horizon
        return np.concatenate([self.history, plan, np.zeros((n_tail, *self.shape))], axis=0)

    def from_totals(self, totals: np.ndarray) -> np.ndarray:
        """Plan with the given totals per (geo, series), spread over the horizon by ``pattern``."""
        return self.pattern * np.asarray(totals, dtype=float)[None]

    # ---------------------------------------------------------- evaluation
    def contributions(self, plan: np.ndarray) -> np.ndarray:
        """Contribution draws over the window, dims (sample, outcome, geo, series)."""
        return self.response.contributions(self.path(plan), self.window)

    def outcome_draws(self, plan: np.ndarray) -> np.ndarray:
        """Total media contribution per outcome, dims (sample, outcome)."""
        return self.contributions(plan).sum(axis=(2, 3))

    def value_draws(self, plan: np.ndarray, objective: Objective) -> np.ndarray:
        """Value of a plan per draw, dims (sample,)."""
        return self.outcome_draws(plan) @ np.asarray(objective.weights)

    def value_coef(self, objective: Objective) -> np.ndarray:
        """Value per unit of saturated media, dims (sample, geo, series)."""
        return np.einsum("dkgs,k->dgs", self.response.coef, np.asarray(objective.weights))

    def no_plan_value(self, objective: Objective) -> np.ndarray:
        """Per-draw value of spending nothing in the horizon (past carry-over only)."""
        key = ("none", objective)
        if key not in self._cache:
            zero = np.zeros((self.horizon, *self.shape))
            self._cache[key] = self.value_draws(zero, objective)
        return self._cache[key]

    def marginal_value(self, plan: np.ndarray, objective: Objective) -> np.ndarray:
        """Posterior-mean value of one more currency unit per cell, dims (geo, series).

        The extra unit follows the cell's flighting ``pattern`` (marginal ROAS when the
        objective is revenue).
        """
        coef = self.value_coef(objective)
        n = self.response.n_draws
        _, _, g = self.response.value_and_grad(
            self.path(plan), coef, self.window, lambda v: np.full(n, 1.0 / n), self.plan_slice
        )
        return (g * self.pattern).sum(axis=0)


def _tiled_reference(spend: np.ndarray, n_ref: int, horizon: int) -> np.ndarray:
    ref = spend[-n_ref:]
    reps = int(np.ceil(horizon / ref.shape[0]))
    return np.concatenate([ref] * reps, axis=0)[:horizon]


def _current_plan(spend: np.ndarray, ref: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """The weekly pattern (date, geo, series; each line's shares over the horizon) of the
    last ``ref`` periods, and the current plan: that pattern times their mean spend per
    period over the horizon."""
    tiled = _tiled_reference(spend, ref, horizon)
    per_period = spend[-ref:].mean(axis=0)  # (geo, series)
    totals = per_period * horizon
    sums = tiled.sum(axis=0)
    pattern = np.where(sums[None] > 0, tiled / np.where(sums > 0, sums, 1.0)[None], 1.0 / horizon)
    return pattern, pattern * totals[None]


def _planner_dates(ds, n_hist: int, n_future: int) -> pd.DatetimeIndex:
    """The last ``n_hist`` periods of the data (carry-over in) and ``n_future`` periods
    after it."""
    dates_all = pd.DatetimeIndex(ds.dates)
    hist_dates = dates_all[-n_hist:] if n_hist and n_hist <= len(dates_all) else None
    if hist_dates is None:
        off = pd.tseries.frequencies.to_offset(ds.freq)
        hist_dates = pd.date_range(end=dates_all[-1], periods=n_hist, freq=off)
    future = _future_dates(dates_all, ds.freq, n_future)
    return hist_dates.append(future) if n_hist else future


def make_planner(
    fit,
    *,
    horizon: int = 13,
    reference_weeks: int | None = None,
    include_carryover: bool = True,
    past_carryover: bool = True,
    max_draws: int | None = 1000,
    response: DrawResponse | None = None,
) -> Planner:
    """Prepare ``fit`` for planning the next ``horizon`` periods.

    Parameters
    ----------
    fit : FitResult
    horizon : int
        Number of future periods planned (13 weeks = a quarter of weekly data).
    reference_weeks : int, optional
        The current plan and the flighting shape are the last ``reference_weeks`` observed
        periods (tiled to the horizon); default ``horizon``. The current plan's total per
        cell is its mean spend per period over them times ``horizon``.
    include_carryover : bool
        Count the effects of horizon spend that land after the horizon (default True).
    past_carryover : bool
        Count the carry-over of past spend into the horizon (default True); it adds to the
        outcome and, through saturation, changes the returns of new spend.
    max_draws : int or None
        Posterior draws used (evenly thinned, as in :mod:`mmm.analysis.engine`).
    response : DrawResponse, optional
        Precomputed draws (reuse across planners of the same fit).

    Returns
    -------
    Planner
    """
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise SpecError(f"horizon={horizon!r} must be a positive integer (periods).")
    ref = int(reference_weeks or horizon)
    ds = fit.dataset
    spend = np.asarray(ds.spend.values, dtype=float)
    if ref < 1 or ref > spend.shape[0]:
        raise SpecError(f"reference_weeks={ref} must be between 1 and {spend.shape[0]} periods.")
    resp = response or DrawResponse.from_fit(fit, max_draws=max_draws)
    n_lag = resp.n_lags
    n_hist = n_lag - 1
    hist = np.zeros((n_hist, *spend.shape[1:]))
    if past_carryover and n_hist:
        take = min(n_hist, spend.shape[0])
        hist[n_hist - take :] = spend[-take:]
    pattern, current = _current_plan(spend, ref, horizon)
    n_tail = n_hist if include_carryover else 0
    dates = _planner_dates(ds, n_hist, horizon + n_tail)
    window = np.zeros(len(dates), dtype=bool)
    window[n_hist:] = True
    stages = ds.series_stage
    return Planner(
        fit=fit,
        response=resp,
        horizon=int(horizon),
        reference_weeks=ref,
        include_carryover=bool(include_carryover),
        past_carryover=bool(past_carryover),
        history=hist,
        pattern=pattern,
        current=current,
        dates=pd.DatetimeIndex(dates),
        window=window,
        series=tuple(ds.series),
        channels=tuple(str(c) for c in ds.spend.coords["channel"].values),
        audiences=tuple(str(a) for a in ds.spend.coords["audience"].values),
        stages=tuple(str(s) for s in stages),
        geos=tuple(ds.geos),
        outcomes=tuple(fit.spec.outcome_names),
        presence=np.asarray(ds.presence.values, dtype=bool),
    )
