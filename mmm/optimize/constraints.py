"""Budget constraints as named linear rows, and an up-front feasibility check.

Every constraint is linear in the plan's totals per (geo, series) cell over the horizon.
Before optimising, a linear program (``scipy.optimize.linprog``) checks that they can all
hold; if not, a deletion filter finds an irreducible conflicting set and
:class:`mmm.errors.InfeasibleError` names its members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from mmm.errors import InfeasibleError, SpecError

BUDGET_MODES = ("equal", "at_most")


@dataclass(frozen=True)
class Bound:
    """Lower and upper limit on a total over the horizon.

    ``relative=False``: currency. ``relative=True``: multiples of the current plan's total
    (``Bound(0.7, 1.3, relative=True)`` is +/-30 %). ``None`` leaves a side open.
    """

    lower: float | None = None
    upper: float | None = None
    relative: bool = False

    def __post_init__(self) -> None:
        for side in ("lower", "upper"):
            v = getattr(self, side)
            if v is not None and (not np.isfinite(v) or v < 0):
                raise SpecError(f"Bound.{side}={v!r} must be a finite number >= 0 or None.")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise SpecError(f"Bound lower {self.lower} > upper {self.upper}.")

    def resolve(self, current: float) -> tuple[float | None, float | None]:
        """Absolute (lower, upper) in currency given the current total."""
        k = current if self.relative else 1.0
        lo = None if self.lower is None else self.lower * k
        hi = None if self.upper is None else self.upper * k
        return lo, hi

    def describe(self) -> str:
        """The bound in words, e.g. ``">= 0.7 x current and <= 1.3 x current"``."""

        def fmt(v):
            return f"{v:g} x current" if self.relative else f"{v:,.6g}"

        parts = []
        if self.lower is not None:
            parts.append(f">= {fmt(self.lower)}")
        if self.upper is not None:
            parts.append(f"<= {fmt(self.upper)}")
        return " and ".join(parts) or "unbounded"


def change(fraction: float) -> Bound:
    """A relative bound ``current * (1 -/+ fraction)``, e.g. ``change(0.3)`` for +/-30 %."""
    if not 0 <= fraction:
        raise SpecError(f"change({fraction!r}) needs a fraction >= 0 (0.3 for +/-30 %).")
    return Bound(max(1.0 - fraction, 0.0), 1.0 + fraction, relative=True)


def _as_bound(value, where: str) -> Bound:
    if isinstance(value, Bound):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Bound(float(value), float(value))
    if isinstance(value, tuple | list) and len(value) == 2:
        lo, hi = (None if v is None else float(v) for v in value)
        return Bound(lo, hi)
    raise SpecError(
        f"{where}: {value!r} is not a bound; give (lower, upper) in currency (None for an "
        "open side), a number (fixed total), Bound(...) or change(0.3) for +/-30 %."
    )


@dataclass(frozen=True)
class Constraints:
    """What the recommended plan must respect (totals over the horizon, currency).

    Parameters
    ----------
    budget_mode : {"equal", "at_most"}
        Spend exactly the budget, or at most the budget.
    channels, audiences, series, geos : mapping of name -> bound
        Limits on the total of a channel (all its audiences and geos), an audience (all
        channels with that audience), a series ``"channel|audience"`` or a geo. A bound is
        ``(lower, upper)`` in currency, a number (fixed), :class:`Bound` or
        :func:`change`.
    default : Bound, optional
        Applied to every series not locked (e.g. ``change(0.3)``: each within +/-30 %).
    locked : iterable of str
        Channels, series or geos kept exactly at their current plan (spend and weekly
        shape); a geo name locks every series bought in that geo.
    min_awareness_share : float, optional
        Awareness series get at least this share of the total spend.
    national : iterable of str
        Channels or series bought nationally (a TV or video buy not split by region):
        their total may change but its split over geos stays that of the current plan
        (in a geo model national media are spread over geos by a fixed key such as
        population, see :mod:`mmm.data.national`).
    """

    budget_mode: str = "equal"
    channels: Mapping = field(default_factory=dict)
    audiences: Mapping = field(default_factory=dict)
    series: Mapping = field(default_factory=dict)
    geos: Mapping = field(default_factory=dict)
    default: Bound | None = None
    locked: tuple[str, ...] = ()
    min_awareness_share: float | None = None
    national: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.budget_mode not in BUDGET_MODES:
            raise SpecError(
                f"budget_mode={self.budget_mode!r} is not allowed; choose one of {BUDGET_MODES}."
            )
        for name in ("channels", "audiences", "series", "geos"):
            d = getattr(self, name) or {}
            object.__setattr__(
                self, name, {str(k): _as_bound(v, f"{name}[{k!r}]") for k, v in d.items()}
            )
        if self.default is not None:
            object.__setattr__(self, "default", _as_bound(self.default, "default"))
        for name in ("locked", "national"):
            v = getattr(self, name)
            v = (v,) if isinstance(v, str) else tuple(v or ())
            object.__setattr__(self, name, tuple(str(x) for x in v))
        s = self.min_awareness_share
        if s is not None and not 0 <= s <= 1:
            raise SpecError(f"min_awareness_share={s!r} must be in [0, 1].")

    def to_dict(self) -> dict:
        """Plain dict of every bound and option, for JSON."""

        def bd(b: Bound) -> dict:
            return {"lower": b.lower, "upper": b.upper, "relative": b.relative}

        return {
            "budget_mode": self.budget_mode,
            "channels": {k: bd(v) for k, v in self.channels.items()},
            "audiences": {k: bd(v) for k, v in self.audiences.items()},
            "series": {k: bd(v) for k, v in self.series.items()},
            "geos": {k: bd(v) for k, v in self.geos.items()},
            "default": None if self.default is None else bd(self.default),
            "locked": list(self.locked),
            "min_awareness_share": self.min_awareness_share,
            "national": list(self.national),
        }


@dataclass(frozen=True)
class Row:
    """One named linear constraint ``coef . totals (sense) rhs`` on the flattened cells."""

    name: str
    coef: np.ndarray
    sense: str  # "<=", ">=", "=="
    rhs: float
    kind: str = ""  # budget | series | channel | audience | geo (a limit) | "" (other rows)
    target: str | None = None  # the series, channel, audience or geo a limit applies to


@dataclass(frozen=True, eq=False)
class LinearSystem:
    """The constraints on cell totals, dims of ``coef``: (geo * series,), geo-major."""

    rows: tuple[Row, ...]
    locked: np.ndarray  # bool (geo, series)
    inactive: np.ndarray  # bool (geo, series): not bought in that geo, fixed at 0
    budget: float

    def violations(self, totals: np.ndarray) -> dict[str, float]:
        """Amount by which each row is violated (0 when it holds), currency."""
        b = np.asarray(totals, dtype=float).ravel()
        out = {}
        for r in self.rows:
            lhs = float(r.coef @ b)
            if r.sense == "<=":
                out[r.name] = max(lhs - r.rhs, 0.0)
            elif r.sense == ">=":
                out[r.name] = max(r.rhs - lhs, 0.0)
            else:
                out[r.name] = abs(lhs - r.rhs)
        return out


def _cells(planner, name: str, kind: str) -> np.ndarray:
    G, S = planner.shape
    m = np.zeros((G, S), dtype=bool)
    if kind == "channel":
        sel = np.array([c == name for c in planner.channels])
        m[:, sel] = True
        valid = sorted(set(planner.channels))
    elif kind == "audience":
        sel = np.array([a == name for a in planner.audiences])
        m[:, sel] = True
        valid = sorted(set(planner.audiences))
    elif kind == "series":
        sel = np.array([s == name for s in planner.series])
        m[:, sel] = True
        valid = list(planner.series)
    else:
        sel = np.array([g == name for g in planner.geos])
        m[sel, :] = True
        valid = list(planner.geos)
    if not m.any():
        raise SpecError(f"unknown {kind} {name!r} in the constraints; the plan has {valid}.")
    return m


def _inactive_rows(planner, inactive: np.ndarray) -> list[Row]:
    """Spend fixed at zero where a series is not bought in a geo."""
    G, S = planner.shape
    rows: list[Row] = []
    for g, s in zip(*np.nonzero(inactive), strict=True):
        c = np.zeros((G, S))
        c[g, s] = 1.0
        rows.append(
            Row(
                f"series {planner.series[s]!r} is not bought in geo {planner.geos[g]!r}",
                c.ravel(),
                "==",
                0.0,
            )
        )
    return rows


def _lock_kind(planner, name: str) -> str:
    """What a locked name names: a series, a channel or a geo (a SpecError when none, or
    more than one)."""
    G = planner.shape[0]
    kinds = [
        k
        for k, names in (
            ("series", planner.series),
            ("channel", planner.channels),
            ("geo", planner.geos if G > 1 else ()),
        )
        if name in names
    ]
    if not kinds:
        known = [
            f"a channel {sorted(set(planner.channels))}",
            f"a series {list(planner.series)}",
        ]
        if G > 1:
            known.append(f"a geo {list(planner.geos)}")
        raise SpecError(
            f"locked names {name!r}, which is neither {', '.join(known[:-1])} nor {known[-1]}."
        )
    if len(kinds) > 1:
        raise SpecError(
            f"locked names {name!r}, which is both a {kinds[0]} and a {kinds[1]}; "
            "rename the geo or lock the series of that geo by geo bounds instead."
        )
    return kinds[0]


def _national_rows(planner, name: str, cur: np.ndarray, inactive: np.ndarray) -> list[Row]:
    """Rows keeping each geo's share of a series (or a channel's series) bought nationally
    at its current share."""
    G, S = planner.shape
    rows: list[Row] = []
    if name in planner.series:
        kind = "series"
    elif name in planner.channels:
        kind = "channel"
    else:
        raise SpecError(
            f"national names {name!r}, which is neither a channel "
            f"{sorted(set(planner.channels))} nor a series {list(planner.series)}."
        )
    if G == 1:
        return []  # one geo: nothing to split
    for s in np.flatnonzero(_cells(planner, name, kind)[0]):
        active = np.flatnonzero(~inactive[:, s])
        total = float(cur[active, s].sum())
        if total <= 0:
            raise SpecError(
                f"national {kind} {name!r}: series {planner.series[s]!r} has no current "
                "spend, so its split over geos is unknown; give it geo bounds instead."
            )
        for g in active[:-1]:
            share = float(cur[g, s]) / total
            c = np.zeros((G, S))
            c[active, s] = -share
            c[g, s] += 1.0
            rows.append(
                Row(
                    f"national {kind} {name!r}: series {planner.series[s]!r} keeps "
                    f"{share:.4%} of its spend in geo {planner.geos[g]!r}",
                    c.ravel(),
                    "==",
                    0.0,
                )
            )
    return rows


def build_system(planner, constraints: Constraints, budget: float) -> LinearSystem:
    """Turn ``constraints`` into named rows on the planner's cells."""
    if not np.isfinite(budget) or budget < 0:
        raise SpecError(f"budget={budget!r} must be a finite number >= 0 (currency).")
    cur = planner.current.sum(axis=0)  # (geo, series)
    G, S = planner.shape
    rows: list[Row] = []
    ones = np.ones(G * S)
    sense = "==" if constraints.budget_mode == "equal" else "<="
    word = "equal to" if sense == "==" else "at most"
    rows.append(Row(f"total budget {word} {budget:,.6g}", ones, sense, float(budget), "budget"))

    inactive = ~planner.presence
    rows += _inactive_rows(planner, inactive)

    locked = np.zeros((G, S), dtype=bool)
    for name in constraints.locked:
        kind = _lock_kind(planner, name)
        m = _cells(planner, name, kind)
        m &= ~inactive
        locked |= m
        for g, s in zip(*np.nonzero(m), strict=True):
            c = np.zeros((G, S))
            c[g, s] = 1.0
            geo = "" if G == 1 else f" in geo {planner.geos[g]!r}"
            rows.append(
                Row(
                    f"locked {kind} {name!r}: series {planner.series[s]!r}{geo} at current "
                    f"{cur[g, s]:,.6g}",
                    c.ravel(),
                    "==",
                    float(cur[g, s]),
                )
            )

    def add(label: str, mask: np.ndarray, bound: Bound, kind: str, name: str) -> None:
        lo, hi = bound.resolve(float(cur[mask].sum()))
        coef = mask.astype(float).ravel()
        desc = f"{label} {bound.describe()}"
        if lo is not None and hi is not None and lo == hi:
            rows.append(Row(f"{desc} (= {lo:,.6g})", coef, "==", lo, kind, name))
            return
        if lo is not None and lo > 0:
            rows.append(Row(f"{desc}: lower {lo:,.6g}", coef, ">=", lo, kind, name))
        if hi is not None:
            rows.append(Row(f"{desc}: upper {hi:,.6g}", coef, "<=", hi, kind, name))

    if constraints.default is not None:
        for s, name in enumerate(planner.series):
            m = np.zeros((G, S), dtype=bool)
            m[:, s] = True
            m &= ~inactive
            if m.any() and not (m & ~locked).sum() == 0:
                add(f"series {name!r} (default)", m, constraints.default, "series", name)
    for kind, d in (
        ("channel", constraints.channels),
        ("audience", constraints.audiences),
        ("series", constraints.series),
        ("geo", constraints.geos),
    ):
        for name, bound in d.items():
            add(f"{kind} {name!r}", _cells(planner, name, kind), bound, kind, name)

    for name in constraints.national:
        rows += _national_rows(planner, name, cur, inactive)

    if constraints.min_awareness_share:
        share = float(constraints.min_awareness_share)
        aw = np.broadcast_to(planner.is_awareness[None, :], (G, S)).astype(float)
        rows.append(Row(f"awareness share at least {share:.0%}", (aw - share).ravel(), ">=", 0.0))
    return LinearSystem(rows=tuple(rows), locked=locked, inactive=inactive, budget=float(budget))


def _lp_arrays(rows: Iterable[Row], unit: float):
    a_ub, b_ub, a_eq, b_eq = [], [], [], []
    for r in rows:
        if r.sense == "<=":
            a_ub.append(r.coef)
            b_ub.append(r.rhs / unit)
        elif r.sense == ">=":
            a_ub.append(-r.coef)
            b_ub.append(-r.rhs / unit)
        else:
            a_eq.append(r.coef)
            b_eq.append(r.rhs / unit)

    def arr(a):
        return np.array(a) if a else None

    return arr(a_ub), arr(b_ub), arr(a_eq), arr(b_eq)


def _solve_lp(rows, n: int, unit: float, c: np.ndarray | None = None):
    from scipy.optimize import linprog

    a_ub, b_ub, a_eq, b_eq = _lp_arrays(rows, unit)
    res = linprog(
        np.zeros(n) if c is None else c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0, None)] * n,
        method="highs",
    )
    return res


def check_feasible(system: LinearSystem) -> None:
    """Raise :class:`InfeasibleError` naming a minimal set of conflicting constraints."""
    rows = list(system.rows)
    n = rows[0].coef.size
    unit = _unit(system)
    res = _solve_lp(rows, n, unit)
    if res.status == 0:
        return
    if res.status != 2:  # not "infeasible": a solver problem, report it as such
        raise InfeasibleError(f"the feasibility check failed: {res.message}")
    # deletion filter: drop every row whose removal keeps the rest infeasible
    keep = list(rows)
    i = 0
    while i < len(keep):
        trial = keep[:i] + keep[i + 1 :]
        if _solve_lp(trial, n, unit).status == 2:
            keep = trial
        else:
            i += 1
    names = "\n".join(f"  - {r.name}" for r in keep)
    raise InfeasibleError(
        f"the constraints cannot all hold; these {len(keep)} conflict (drop or loosen one of "
        f"them; spend cannot be negative):\n{names}"
    )


def _unit(system: LinearSystem) -> float:
    scale = max([abs(r.rhs) for r in system.rows] + [system.budget, 1.0])
    return float(scale)


def feasible_start(system: LinearSystem, target: np.ndarray) -> np.ndarray:
    """A feasible cell-total vector nearest to ``target`` in L1 distance (an LP)."""
    from scipy.optimize import linprog

    rows = list(system.rows)
    n = rows[0].coef.size
    unit = _unit(system)
    t = np.asarray(target, dtype=float).ravel() / unit
    # variables: b (n), e (n) with e >= |b - t|
    a_ub, b_ub, a_eq, b_eq = _lp_arrays(rows, unit)
    ub = [] if a_ub is None else [np.hstack([a_ub, np.zeros_like(a_ub)])]
    ubr = [] if b_ub is None else [b_ub]
    eye = np.eye(n)
    ub += [np.hstack([eye, -eye]), np.hstack([-eye, -eye])]
    ubr += [t, -t]
    eq = None if a_eq is None else np.hstack([a_eq, np.zeros_like(a_eq)])
    res = linprog(
        np.concatenate([np.zeros(n), np.ones(n)]),
        A_ub=np.vstack(ub),
        b_ub=np.concatenate(ubr),
        A_eq=eq,
        b_eq=b_eq,
        bounds=[(0, None)] * (2 * n),
        method="highs",
    )
    if res.status != 0:
        check_feasible(system)
        raise InfeasibleError(f"no feasible starting plan: {res.message}")
    return np.maximum(res.x[:n], 0.0) * unit
