"""The optimizer's stored plans as typed, frozen values (recommendations and comparisons).

A recommendation is a :class:`StoredRecommendation`
(``recommendations/NAME/recommendation.json``), a scenario comparison a
:class:`ScenarioComparison` (``scenarios/NAME.json``).

:meth:`mmm.optimize.BudgetRecommendation.stored` and :func:`mmm.optimize.scenarios.run_scenarios`
build them, :class:`mmm.run_folder.RunFolder` writes them (stamped with
:data:`RECOMMENDATION_SCHEMA_VERSION` / :data:`SCENARIOS_SCHEMA_VERSION`) and reads them back
(files written before the versions existed are first brought to the current schema by
:func:`migrate_recommendation` / :func:`migrate_scenarios`); the report, the planner tables,
``mmm optimize`` and ``mmm scenarios`` read their numbers through them.

As for the run summary (:mod:`mmm.run_summary`), ``to_dict`` gives the JSON object the file
holds and ``from_dict`` reads one back; a missing key or one that is not expected raises
:class:`~mmm.run_summary.SummaryError` naming it (``allocation[2].mroas_current``), and the
run folder adds the file. Numbers are as stored: currency over the plan's horizon for spend,
original units for outcomes, ``None`` where undefined.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from mmm.run_summary import (
    Number,
    SummaryError,
    _frozen_map,
    _keys,
    _list,
    _object,
    _path,
    _Record,
)

if TYPE_CHECKING:  # pandas loads only when a table is asked for
    import pandas as pd

#: Schema of ``recommendation.json`` this version writes (files without one are read as
#: written before it was recorded, see :func:`migrate_recommendation`).
RECOMMENDATION_SCHEMA_VERSION = "1.0"
#: Schema of a stored scenario comparison this version writes.
SCENARIOS_SCHEMA_VERSION = "1.0"


def _frame(rows: tuple[_Record, ...], record: type[_Record]) -> pd.DataFrame:
    import pandas as pd

    cols = [f.name for f in fields(record)]  # type: ignore[arg-type]
    return pd.DataFrame([r.to_dict() for r in rows], columns=cols).astype(
        {c: float for c in cols if c in _FLOAT_COLUMNS}
    )


#: Columns that are numbers (None in the file reads as NaN in a table).
_FLOAT_COLUMNS = frozenset(
    {
        "current",
        "recommended",
        "change",
        "change_pct",
        "share_current",
        "share_recommended",
        "mroas_current",
        "mroas_recommended",
        "mean",
        "median",
        "lower",
        "upper",
        "spend",
        "incremental_mean",
        "incremental_median",
        "incremental_lower",
        "incremental_upper",
        "cost_per_unit_median",
        "cost_per_unit_lower",
        "cost_per_unit_upper",
    }
)


# ----------------------------------------------------------------- recommendation
#: a change of spend smaller than this share of the current spend keeps the line's spend
KEEP_SHARE = 0.005


def plan_move(current: float | None, change: float | None) -> str:
    """What a plan does to a line's spend: ``"keep"`` (no change, or one smaller than
    :data:`KEEP_SHARE` of the current spend), ``"raise"`` or ``"cut"``.

    ``current``: spend under the current plan; ``change``: recommended minus current
    (currency; None: unknown, read as no change).
    """
    if change is None or abs(change) <= KEEP_SHARE * abs(current or 0.0):
        return "keep"
    return "raise" if change > 0 else "cut"


@dataclass(frozen=True)
class AllocationRow(_Record):
    """One line in one geo: spend over the horizon under the current and the recommended
    plan (currency), ``change`` and ``change_pct`` (percent; None without current spend),
    budget shares, marginal value per extra currency unit at each plan (``mroas_*``),
    whether the optimizer may move it (``locked``)."""

    geo: str
    series: str
    channel: str
    audience: str
    stage: str
    current: float
    recommended: float
    change: float
    change_pct: Number
    share_current: Number
    share_recommended: Number
    mroas_current: Number
    mroas_recommended: Number
    locked: bool

    @property
    def change_share(self) -> float | None:
        """``change_pct`` as a fraction (0.25 = +25 %); None without current spend."""
        p = self.change_pct
        if p is None or not math.isfinite(float(p)):
            return None
        return float(p) / 100.0

    @property
    def move(self) -> str:
        """:func:`plan_move` of the line: ``keep`` (also when locked), ``raise``, ``cut``."""
        return "keep" if self.locked else plan_move(self.current, self.change)


@dataclass(frozen=True)
class PlanOutcome(_Record):
    """An outcome (or ``value``) from media under one plan (``current`` / ``recommended``)
    over the evaluation window: mean, median and central interval of probability
    ``interval``."""

    plan: str
    outcome: str
    mean: Number
    median: Number
    lower: Number
    upper: Number
    interval: float


@dataclass(frozen=True)
class GeoPlanRow(_Record):
    """One (plan, geo, outcome): spend, media contribution, the increment over spending
    nothing in the horizon and, for count outcomes, spend per incremental unit (None for
    revenue or when no draw has a positive increment)."""

    plan: str
    geo: str
    outcome: str
    kind: str
    spend: Number
    mean: Number
    median: Number
    lower: Number
    upper: Number
    incremental_mean: Number
    incremental_median: Number
    incremental_lower: Number
    incremental_upper: Number
    cost_per_unit_median: Number
    cost_per_unit_lower: Number
    cost_per_unit_upper: Number
    interval: float


@dataclass(frozen=True)
class WeeklyRow(_Record):
    """The spend of one (date, geo, series) of the horizon under both plans (currency)."""

    date: str
    geo: str
    series: str
    channel: str
    audience: str
    current: float
    recommended: float


@dataclass(frozen=True)
class Move:
    """``amount`` (currency over the horizon) moved from the series ``source`` to the
    series ``target`` (stored as ``from`` / ``to``)."""

    source: str
    target: str
    amount: float

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "") -> Move:
        """A ``moves`` entry of the file."""
        d = _object(d, where)
        _keys(d, where, ("from", "to", "amount"))
        return cls(source=d["from"], target=d["to"], amount=d["amount"])

    def to_dict(self) -> dict:
        """The entry as stored."""
        return {"from": self.source, "to": self.target, "amount": self.amount}


@dataclass(frozen=True)
class BindingLimit(_Record):
    """A limit the plan sits at (:func:`mmm.optimize.decisions.binding_limits`): what it
    holds (``series`` / ``channel`` / ``audience`` / ``geo``, None where its cells differ),
    ``kind``, ``side`` (upper / lower), ``limit`` (currency over the horizon),
    ``shadow_price`` (value per currency unit of moving it; None when not exact) and the
    ``constraint`` in words."""

    kind: str
    series: str | None
    channel: str | None
    audience: str | None
    geo: str | None
    side: str
    limit: float
    shadow_price: Number
    constraint: str


@dataclass(frozen=True)
class Interval(_Record):
    """Mean, median and central interval of a quantity's draws."""

    mean: Number
    median: Number
    lower: Number
    upper: Number


def _records(d: Mapping, key: str, cls, where: str = "") -> tuple:
    return tuple(
        cls.from_dict(r, where=f"{_path(where, key)}[{i}]")
        for i, r in enumerate(_list(d, key, where))
    )


@dataclass(frozen=True)
class PlanSummary:
    """The plan in numbers: budget and spend of both plans (currency), the objective and
    its outcome weights, risk, the value of both plans and the uplift (intervals, value
    units), ``uplift_pct`` (percent of the current value), ``prob_better`` (share of draws
    where the plan beats the current one; None when no draw tells them apart), the
    solver's record and the binding limits with the budget's shadow price."""

    budget: float
    budget_mode: str
    spend_current: float
    spend_recommended: float
    objective: str
    objective_label: str
    outcome_weights: Mapping[str, float]
    risk: str
    risk_level: Number
    objective_current: Number
    objective_recommended: Number
    value_current: Interval
    value_recommended: Interval
    uplift: Interval
    uplift_pct: Number
    prob_better: Number
    interval: float
    n_draws: int
    max_constraint_violation: float
    binding_constraints: tuple[str, ...]
    solver: Mapping[str, Any]
    binding: tuple[BindingLimit, ...]
    budget_shadow_price: Number

    _NESTED: ClassVar[tuple[str, ...]] = (
        "outcome_weights",
        "value_current",
        "value_recommended",
        "uplift",
        "binding_constraints",
        "solver",
        "binding",
    )

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "summary") -> PlanSummary:
        """The ``summary`` object of a recommendation."""
        d = _object(d, where)
        names = [f.name for f in fields(cls)]
        _keys(d, where, names)
        return cls(
            **{n: d[n] for n in names if n not in cls._NESTED},
            outcome_weights=_frozen_map(d["outcome_weights"], _path(where, "outcome_weights")),
            value_current=Interval.from_dict(
                d["value_current"], where=_path(where, "value_current")
            ),
            value_recommended=Interval.from_dict(
                d["value_recommended"], where=_path(where, "value_recommended")
            ),
            uplift=Interval.from_dict(d["uplift"], where=_path(where, "uplift")),
            binding_constraints=tuple(_list(d, "binding_constraints", where)),
            solver=_frozen_map(d["solver"], _path(where, "solver")),
            binding=_records(d, "binding", BindingLimit, where),
        )

    def to_dict(self) -> dict:
        """The object as stored."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(
            outcome_weights=dict(self.outcome_weights),
            value_current=self.value_current.to_dict(),
            value_recommended=self.value_recommended.to_dict(),
            uplift=self.uplift.to_dict(),
            binding_constraints=list(self.binding_constraints),
            solver=dict(self.solver),
            binding=[b.to_dict() for b in self.binding],
        )
        return out


@dataclass(frozen=True)
class PlanSettings:
    """What the plan was made with: its name and time of creation, the inputs given
    (budget, objective, value per visit, per-line change limit), horizon and dates,
    carry-over, flighting, the constraints (as given to the optimizer), seed and draws."""

    name: str | None
    created: str | None
    budget: float | None
    objective: str | None
    value_per_visit: Number
    max_change: Number
    horizon: int
    plan_start: str
    plan_end: str
    reference_weeks: int
    include_carryover: bool
    past_carryover: bool
    window_end: str
    flighting: str
    constraints: Mapping[str, Any]
    seed: int | None
    n_draws: int

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "settings") -> PlanSettings:
        """The ``settings`` object of a recommendation."""
        d = _object(d, where)
        names = [f.name for f in fields(cls)]
        _keys(d, where, names)
        return cls(
            **{n: d[n] for n in names if n != "constraints"},
            constraints=_frozen_map(d["constraints"], _path(where, "constraints")),
        )

    def to_dict(self) -> dict:
        """The object as stored."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["constraints"] = dict(self.constraints)
        return out


@dataclass(frozen=True)
class StoredRecommendation:
    """A stored budget recommendation (``recommendation.json``).

    ``summary`` and ``settings`` as above; ``allocation`` one row per (geo, line);
    ``outcomes`` each outcome and ``value`` under both plans; ``geos`` per (plan, geo,
    outcome) (empty for fits of one geo written before geos were stored); ``moves`` the
    changes as transfers between lines; ``weekly`` the spend of both plans per period.
    """

    summary: PlanSummary
    settings: PlanSettings
    allocation: tuple[AllocationRow, ...]
    outcomes: tuple[PlanOutcome, ...]
    geos: tuple[GeoPlanRow, ...]
    moves: tuple[Move, ...]
    weekly: tuple[WeeklyRow, ...]

    _KEYS: ClassVar[tuple[str, ...]] = (
        "summary",
        "settings",
        "allocation",
        "outcomes",
        "geos",
        "moves",
        "weekly",
        "schema_version",
    )

    @classmethod
    def from_dict(cls, d: Mapping) -> StoredRecommendation:
        """The recommendation ``d`` in the current schema (see :func:`migrate_recommendation`).

        Raises
        ------
        mmm.run_summary.SummaryError
            A key is missing or not expected; the message names it.
        """
        d = _object(d, "")
        _keys(d, "", cls._KEYS)
        return cls(
            summary=PlanSummary.from_dict(d["summary"]),
            settings=PlanSettings.from_dict(d["settings"]),
            allocation=_records(d, "allocation", AllocationRow),
            outcomes=_records(d, "outcomes", PlanOutcome),
            geos=_records(d, "geos", GeoPlanRow),
            moves=_records(d, "moves", Move),
            weekly=_records(d, "weekly", WeeklyRow),
        )

    def to_dict(self) -> dict:
        """The JSON object the file holds, stamped with :data:`RECOMMENDATION_SCHEMA_VERSION`."""
        return {
            "summary": self.summary.to_dict(),
            "settings": self.settings.to_dict(),
            "allocation": [r.to_dict() for r in self.allocation],
            "outcomes": [r.to_dict() for r in self.outcomes],
            "geos": [r.to_dict() for r in self.geos],
            "moves": [m.to_dict() for m in self.moves],
            "weekly": [r.to_dict() for r in self.weekly],
            "schema_version": RECOMMENDATION_SCHEMA_VERSION,
        }

    # ---------------------------------------------------------------- views
    def allocation_frame(self) -> pd.DataFrame:
        """``allocation`` as a table (what ``allocation.csv`` holds; None -> NaN)."""
        return _frame(self.allocation, AllocationRow)

    def weekly_frame(self) -> pd.DataFrame:
        """``weekly`` as a table (dates as ISO strings)."""
        return _frame(self.weekly, WeeklyRow)

    def outcomes_frame(self) -> pd.DataFrame:
        """``outcomes`` as a table."""
        return _frame(self.outcomes, PlanOutcome)

    def value_per_visit(self, kinds: Mapping[str, str]) -> float | None:
        """The value of one store visit the plan was made with: ``settings.value_per_visit``,
        else the weight of the first count outcome (``kinds``: outcome -> kind) in the
        objective; None when neither is positive."""
        v = self.settings.value_per_visit
        if v is not None and v > 0:
            return float(v)
        for o, w in self.summary.outcome_weights.items():
            if kinds.get(o) == "count" and w is not None and w > 0:
                return float(w)
        return None

    def geo_spend(self) -> dict[str, dict[str, float | None]]:
        """Spend per geo under both plans: geo -> ``current`` and ``recommended`` (sums of
        the ``allocation`` rows of that geo, currency) and ``change`` (recommended over
        current, minus 1; None without current spend), geos in the order they first
        appear."""
        cur: dict[str, float] = {}
        rec: dict[str, float] = {}
        for a in self.allocation:
            cur[a.geo] = cur.get(a.geo, 0.0) + a.current
            rec[a.geo] = rec.get(a.geo, 0.0) + a.recommended
        return {
            g: {
                "current": cur[g],
                "recommended": rec[g],
                "change": (rec[g] - cur[g]) / cur[g] if cur[g] else None,
            }
            for g in cur
        }

    def value_is_count(self, kinds: Mapping[str, str]) -> bool:
        """Whether value counts units: every outcome weighted in the objective is a count."""
        weighted = [o for o, w in self.summary.outcome_weights.items() if w]
        return bool(weighted) and all(kinds.get(o) == "count" for o in weighted)


# --------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class ScenarioStat(_Record):
    """A metric (an outcome or ``value``) of one plan in total: its draws' mean, median
    and interval, the uplift against the current plan and ``prob_better`` (None where the
    draws cannot tell the plans apart)."""

    mean: Number
    median: Number
    lower: Number
    upper: Number
    uplift_mean: Number
    uplift_lower: Number
    uplift_upper: Number
    prob_better: Number


@dataclass(frozen=True)
class ScenarioPlan:
    """One plan of a comparison: spend (currency over the horizon), each metric and the
    chance its value beats the current plan."""

    plan: str
    spend: float
    outcomes: Mapping[str, ScenarioStat]
    prob_better: Number

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "") -> ScenarioPlan:
        """A ``plans`` entry of the file."""
        d = _object(d, where)
        _keys(d, where, ("plan", "spend", "outcomes", "prob_better"))
        where_o = _path(where, "outcomes")
        outs = _object(d["outcomes"], where_o)
        return cls(
            plan=d["plan"],
            spend=d["spend"],
            outcomes=MappingProxyType(
                {m: ScenarioStat.from_dict(v, where=_path(where_o, m)) for m, v in outs.items()}
            ),
            prob_better=d["prob_better"],
        )

    def to_dict(self) -> dict:
        """The entry as stored."""
        return {
            "plan": self.plan,
            "spend": self.spend,
            "outcomes": {m: s.to_dict() for m, s in self.outcomes.items()},
            "prob_better": self.prob_better,
        }


@dataclass(frozen=True)
class LeftOut(_Record):
    """A stored recommendation the comparison left out, and why."""

    plan: str
    why: str


@dataclass(frozen=True)
class ScenarioSettings:
    """What the comparison was made with; ``plans`` says where each plan came from
    (``{"source": "current" | "recommendation" | "file" | "python", ...}``)."""

    name: str
    created: str
    horizon: int
    plan_start: str
    plan_end: str
    window_end: str
    reference_weeks: int
    include_carryover: bool
    objective: str
    objective_label: str
    value_per_visit: Number
    outcome_weights: Mapping[str, float]
    outcome_kinds: Mapping[str, str]
    interval: float
    n_draws: int
    plans: Mapping[str, Mapping[str, Any]]
    left_out: tuple[LeftOut, ...]

    _NESTED: ClassVar[tuple[str, ...]] = ("outcome_weights", "outcome_kinds", "plans", "left_out")

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "settings") -> ScenarioSettings:
        """The ``settings`` object of a comparison."""
        d = _object(d, where)
        names = [f.name for f in fields(cls)]
        _keys(d, where, names)
        plans = _object(d["plans"], _path(where, "plans"))
        return cls(
            **{n: d[n] for n in names if n not in cls._NESTED},
            outcome_weights=_frozen_map(d["outcome_weights"], _path(where, "outcome_weights")),
            outcome_kinds=_frozen_map(d["outcome_kinds"], _path(where, "outcome_kinds")),
            plans=MappingProxyType(
                {p: _frozen_map(s, _path(where, f"plans.{p}")) for p, s in plans.items()}
            ),
            left_out=_records(d, "left_out", LeftOut, where),
        )

    def to_dict(self) -> dict:
        """The object as stored."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(
            outcome_weights=dict(self.outcome_weights),
            outcome_kinds=dict(self.outcome_kinds),
            plans={p: dict(s) for p, s in self.plans.items()},
            left_out=[lo.to_dict() for lo in self.left_out],
        )
        return out


@dataclass(frozen=True)
class ScenarioLine(_Record):
    """One line's spend (currency over the horizon) under each plan, by plan name."""

    series: str
    channel: str
    audience: str
    spend: Mapping[str, float]


@dataclass(frozen=True)
class ScenarioRow(_Record):
    """One (scenario, channel, metric) row of :func:`mmm.optimize.scenarios.compare_plans`."""

    scenario: str
    channel: str
    metric: str
    mean: Number
    median: Number
    lower: Number
    upper: Number
    uplift_mean: Number
    uplift_lower: Number
    uplift_upper: Number
    prob_better: Number
    interval: float


@dataclass(frozen=True)
class ScenarioComparison:
    """A stored scenario comparison (``scenarios/NAME.json``): its settings, the totals per
    plan, each line's spend per plan and every row of the comparison table. ``path`` is
    the file it was read from (not stored in it)."""

    settings: ScenarioSettings
    plans: tuple[ScenarioPlan, ...]
    lines: tuple[ScenarioLine, ...]
    rows: tuple[ScenarioRow, ...]
    path: str | None = field(default=None, compare=False)

    _KEYS: ClassVar[tuple[str, ...]] = ("settings", "plans", "lines", "rows", "schema_version")

    @classmethod
    def from_dict(cls, d: Mapping, *, path: str | None = None) -> ScenarioComparison:
        """The comparison ``d`` in the current schema (see :func:`migrate_scenarios`).

        Raises
        ------
        mmm.run_summary.SummaryError
            A key is missing or not expected; the message names it.
        """
        d = _object(d, "")
        _keys(d, "", cls._KEYS)
        lines = []
        for i, r in enumerate(_list(d, "lines", "")):
            line = ScenarioLine.from_dict(r, where=f"lines[{i}]")
            spend = _frozen_map(line.spend, f"lines[{i}].spend")
            lines.append(ScenarioLine(line.series, line.channel, line.audience, spend))
        return cls(
            settings=ScenarioSettings.from_dict(d["settings"]),
            plans=_records(d, "plans", ScenarioPlan),
            lines=tuple(lines),
            rows=_records(d, "rows", ScenarioRow),
            path=path,
        )

    def to_dict(self) -> dict:
        """The JSON object the file holds, stamped with :data:`SCENARIOS_SCHEMA_VERSION`."""
        return {
            "settings": self.settings.to_dict(),
            "plans": [p.to_dict() for p in self.plans],
            "lines": [{**r.to_dict(), "spend": dict(r.spend)} for r in self.lines],
            "rows": [r.to_dict() for r in self.rows],
            "schema_version": SCENARIOS_SCHEMA_VERSION,
        }

    @property
    def name(self) -> str:
        """The comparison's name."""
        return self.settings.name


# --------------------------------------------------------------------- migration
_LEGACY_LIMIT = re.compile(r"series '([^']+)'.*:\s*(upper|lower)\s+([\d,.eE+-]+)")
#: Settings that recommendations written before the plans had names lack (read as None).
_SETTINGS_1_0 = ("name", "created", "budget", "objective", "value_per_visit", "max_change")


def legacy_binding(constraints: list) -> list[dict]:
    """``binding`` records from the ``binding_constraints`` strings of recommendations
    written before binding limits were stored (``series 'a|x' <= ...: upper 1234``): the
    series limits, with no shadow price; the budget and other rows are left out."""
    out = []
    for text in constraints:
        m = _LEGACY_LIMIT.search(str(text))
        if not m:
            continue
        series = m.group(1)
        channel, _, audience = series.partition("|")
        out.append(
            {
                "kind": "series",
                "series": series,
                "channel": channel,
                "audience": audience or "all",
                "geo": None,
                "side": m.group(2),
                "limit": float(m.group(3).replace(",", "")),
                "shadow_price": None,
                "constraint": str(text),
            }
        )
    return out


def _check_version(d: Any, version: str, current: str, error) -> dict:
    if not isinstance(d, dict):
        raise error("is not a JSON object")
    if version.split(".")[0] != current.split(".")[0]:
        raise error(f"has schema_version {version}; this version of mmm reads {current}")
    return dict(d)


def migrate_recommendation(rec: Any, error) -> dict:
    """``rec`` (a parsed ``recommendation.json``) in :data:`RECOMMENDATION_SCHEMA_VERSION`.

    Files without a ``schema_version`` were written before it was recorded: the inputs
    the optimizer stores in ``settings`` since plans have names (``name``, ``created``,
    ``budget``, ``objective``, ``value_per_visit``, ``max_change``) read as None where
    absent, ``summary.binding`` is read from the ``binding_constraints`` strings when
    absent (no shadow prices), ``summary.budget_shadow_price`` as None, ``moves`` and
    ``geos`` as empty. Nothing else is filled in.

    ``error(problem)`` makes the exception raised when ``rec`` is not an object or was
    written by another major version.
    """
    version = str(rec.get("schema_version") or "0") if isinstance(rec, dict) else "0"
    if version == "0":
        rec = _check_version(rec, "1.0", RECOMMENDATION_SCHEMA_VERSION, error)
        settings, summary = rec.get("settings"), rec.get("summary")
        if isinstance(settings, dict):
            rec["settings"] = {**dict.fromkeys(_SETTINGS_1_0), **settings}
        if isinstance(summary, dict):
            summary = {"budget_shadow_price": None, **summary}
            if "binding" not in summary:
                summary["binding"] = legacy_binding(summary.get("binding_constraints") or [])
            rec["summary"] = summary
        rec = {"moves": [], "geos": [], **rec}
    else:
        rec = _check_version(rec, version, RECOMMENDATION_SCHEMA_VERSION, error)
    rec["schema_version"] = RECOMMENDATION_SCHEMA_VERSION
    return rec


def migrate_scenarios(result: Any, error) -> dict:
    """``result`` (a parsed scenario comparison) in :data:`SCENARIOS_SCHEMA_VERSION`.

    Files without a ``schema_version`` were written before it was recorded; those of the
    first comparisons lack ``settings.outcome_kinds`` (read as empty). ``error`` as for
    :func:`migrate_recommendation`.
    """
    version = str(result.get("schema_version") or "0") if isinstance(result, dict) else "0"
    out = _check_version(
        result, "1.0" if version == "0" else version, SCENARIOS_SCHEMA_VERSION, error
    )
    if version == "0" and isinstance(out.get("settings"), dict):
        out["settings"] = {"outcome_kinds": {}, **out["settings"]}
    out["schema_version"] = SCENARIOS_SCHEMA_VERSION
    return out


__all__ = [
    "RECOMMENDATION_SCHEMA_VERSION",
    "SCENARIOS_SCHEMA_VERSION",
    "AllocationRow",
    "BindingLimit",
    "GeoPlanRow",
    "Interval",
    "LeftOut",
    "Move",
    "PlanOutcome",
    "PlanSettings",
    "PlanSummary",
    "ScenarioComparison",
    "ScenarioLine",
    "ScenarioPlan",
    "ScenarioRow",
    "ScenarioSettings",
    "ScenarioStat",
    "StoredRecommendation",
    "SummaryError",
    "WeeklyRow",
    "legacy_binding",
    "migrate_recommendation",
    "migrate_scenarios",
]
