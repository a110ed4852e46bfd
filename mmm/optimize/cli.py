"""Entry point for the command line: optimise a saved run and store the recommendation."""

from __future__ import annotations

import math
import numbers
from pathlib import Path

from mmm.errors import SpecError
from mmm.optimize.constraints import Bound, Constraints, change


def _parse_amount(item: str, option: str) -> tuple[str, float, bool]:
    """``GEO=AMOUNT`` -> (geo, amount, relative); ``AMOUNT`` ending in ``x`` is relative."""
    geo, sep, raw = str(item).partition("=")
    geo, raw = geo.strip(), raw.strip()
    if not sep or not geo or not raw:
        raise SpecError(
            f"{option} {item!r}: write GEO=AMOUNT, e.g. {option} north=50000 (currency over "
            f"the horizon) or {option} north=0.8x (0.8 times the geo's current spend)."
        )
    relative = raw.lower().endswith("x")
    num = raw[:-1] if relative else raw
    try:
        value = float(num.replace("_", ""))
    except ValueError:
        raise SpecError(
            f"{option} {item!r}: {raw!r} is not a number; write an amount such as 50000 or a "
            "multiple of the current spend such as 0.8x."
        ) from None
    if not value >= 0 or value == float("inf"):
        raise SpecError(f"{option} {item!r}: the amount must be a finite number >= 0.")
    return geo, value, relative


def parse_geo_bounds(minimums=(), maximums=()) -> dict[str, Bound]:
    """Geo bounds from ``--geo-min`` / ``--geo-max`` items (``GEO=AMOUNT``).

    Parameters
    ----------
    minimums, maximums : iterable of str
        ``GEO=AMOUNT`` in currency over the horizon, or ``GEO=Fx`` for ``F`` times the
        geo's current spend (``north=0.8x``: at least / at most 80 % of today's).

    Returns
    -------
    dict of str -> Bound
        One bound per geo named; lower and upper of a geo must use the same form.

    Raises
    ------
    mmm.errors.SpecError
        Malformed item, a geo named twice by the same option, or an absolute and a relative
        amount for the same geo.
    """
    parts: dict[str, dict] = {}
    for option, side, items in (("--geo-min", "lower", minimums), ("--geo-max", "upper", maximums)):
        for item in items or ():
            geo, value, rel = _parse_amount(item, option)
            d = parts.setdefault(geo, {})
            if side in d:
                raise SpecError(f"{option} names geo {geo!r} twice; give it once.")
            if "relative" in d and d["relative"] != rel:
                raise SpecError(
                    f"geo {geo!r}: --geo-min and --geo-max mix a currency amount with a "
                    "multiple of current spend (Nx); use the same form for both."
                )
            d[side], d["relative"] = value, rel
    return {
        g: Bound(d.get("lower"), d.get("upper"), relative=d["relative"]) for g, d in parts.items()
    }


#: Default change limit per line of ``mmm optimize`` (a fraction: +/-30 %).
DEFAULT_MAX_CHANGE = 0.3


def parse_max_change(value) -> float | None:
    """``--max-change`` as a fraction, or None for ``none`` (no limit).

    Parameters
    ----------
    value : str, float or None
        ``0.3`` for +/-30 %, ``none`` (or None) for no per-line limit.

    Returns
    -------
    float or None

    Raises
    ------
    mmm.errors.SpecError
        Not a number, negative, written with ``%``, or above 5 (it then looks like a percent:
        ``30`` would mean +/-3000 %).
    """
    if value is None:
        return None
    raw = str(value).strip()
    if raw.lower() in ("none", "off", "no"):
        return None
    try:
        v = float(raw.rstrip("%"))
    except ValueError:
        raise SpecError(
            f"--max-change {raw!r} is not a number; write a fraction such as 0.3 for +/-30 %, "
            "or none for no per-line limit."
        ) from None
    if raw.endswith("%"):
        raise SpecError(
            f"--max-change {raw}: write the fraction {v / 100:g} for +/-{v:g} % (a fraction of "
            "each line's current spend; none for no limit)."
        )
    if v > 5:
        raise SpecError(
            f"--max-change {raw} means +/-{v * 100:g} % of each line's current spend; did you "
            f"mean {v / 100:g}? The limit is a fraction (0.3 = +/-30 %; none for no limit)."
        )
    if not math.isfinite(v) or v < 0:
        raise SpecError(
            f"--max-change {raw}: write a fraction >= 0 such as 0.3 for +/-30 %, or none."
        )
    return v


def check_horizon(fit, horizon) -> None:
    """Refuse a horizon that is not a whole number between 1 and the observed periods.

    The current plan and the weekly shape repeat the last ``horizon`` observed periods.

    Raises
    ------
    mmm.errors.SpecError
    """
    n = len(fit.dataset.dates)
    if (
        isinstance(horizon, bool)
        or not isinstance(horizon, numbers.Integral)
        or not 1 <= int(horizon) <= n
    ):
        raise SpecError(
            f"--horizon {horizon!r}: plan between 1 and {n} periods (the data's length; the "
            "current plan repeats the last HORIZON observed periods), e.g. --horizon 13."
        )


def check_plan_inputs(fit, *, budget: float, horizon: int) -> None:
    """Refuse a budget that is not a positive finite amount and a horizon out of range.

    The horizon must be between 1 and the number of observed periods (see
    :func:`check_horizon`).

    Raises
    ------
    mmm.errors.SpecError
    """
    try:
        b = float(budget)
    except (TypeError, ValueError):
        b = float("nan")
    if not math.isfinite(b) or b <= 0:
        raise SpecError(
            f"--budget {budget!r}: the budget must be a positive amount (currency over the "
            "horizon), e.g. --budget 5000000."
        )
    check_horizon(fit, horizon)


def stored_value_per_visit(run_dir) -> float | None:
    """``value_per_visit`` of the run's config, when it is set to a positive number.

    0 is what older config templates wrote as a placeholder, so it is not taken as an
    answer; give ``--value-per-visit 0`` to value visits at nothing.
    """
    from mmm.run_folder import RunFolder

    v = RunFolder(run_dir).settings.get("value_per_visit")
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0:
        return float(v)
    return None


def resolve_value_per_visit(run_dir, fit, objective: str, value_per_visit=None):
    """The value of one store visit a command values plans with, checked.

    ``value_per_visit`` when given (a finite amount >= 0), else, for ``objective="value"``,
    the run config's ``[optimizer] value_per_visit`` when positive
    (:func:`stored_value_per_visit`). A fit with a store-visit (count) outcome valued with
    ``objective="value"`` needs one of them (:func:`mmm.optimize.planner.require_visit_value`,
    worded in the command's options). Used by ``mmm optimize`` and ``mmm scenarios``.

    Returns
    -------
    float or None

    Raises
    ------
    mmm.errors.SpecError
        A negative or non-finite value, or no value for a model with store visits.
    """
    from mmm.optimize.planner import require_visit_value

    if value_per_visit is None and objective == "value":
        value_per_visit = stored_value_per_visit(run_dir)
    elif value_per_visit is not None and (
        not math.isfinite(value_per_visit) or value_per_visit < 0
    ):
        raise SpecError(
            f"--value-per-visit {value_per_visit!r} must be a finite amount >= 0 (currency)."
        )
    require_visit_value(fit, objective, value_per_visit, options=True)
    return value_per_visit


def run_optimize_cli(
    run_dir,
    *,
    budget: float,
    horizon: int = 13,
    value_per_visit: float | None = None,
    objective: str = "value",
    budget_mode: str = "equal",
    max_change: float | str | None = DEFAULT_MAX_CHANGE,
    channel_bounds: dict | None = None,
    geo_bounds: dict | None = None,
    locked: tuple[str, ...] | list[str] = (),
    national: tuple[str, ...] | list[str] = (),
    min_awareness_share: float | None = None,
    risk: str = "mean",
    risk_level: float = 0.1,
    flighting: str = "shape",
    include_carryover: bool = True,
    max_draws: int | None = 1000,
    seed: int = 0,
    plots: bool = False,
    out=None,
    n_starts: int = 5,
    name: str = "recommended",
    replace: bool = False,
) -> dict[str, Path]:
    """Optimise the budget of the fit saved in ``run_dir`` and store the recommendation.

    Signature (for the ``mmm optimize`` command)::

        run_optimize_cli(run_dir, *, budget, horizon=13, value_per_visit=None,
                         objective="value", budget_mode="equal", max_change=0.3,
                         channel_bounds=None, geo_bounds=None, locked=(), national=(),
                         min_awareness_share=None,
                         risk="mean", risk_level=0.1, flighting="shape",
                         include_carryover=True, max_draws=1000, seed=0, plots=False,
                         out=None, n_starts=5, name="recommended",
                         replace=False) -> dict[str, Path]

    Parameters
    ----------
    run_dir : path
        A run folder with ``fit.nc`` / ``fit.json`` / ``data/`` (``FitResult.save``).
    budget : float
        Total spend over the horizon, currency (positive, finite).
    horizon : int
        Periods to plan (1 to the data's length).
    value_per_visit : float, optional
        Value of one unit of each count outcome (store visit); default the run config's
        ``[optimizer] value_per_visit`` if positive. Required for ``objective="value"`` on
        a fit with a count outcome (see :func:`mmm.optimize.planner.require_visit_value`).
    objective : str
        ``value``, an outcome name, or ``cost_per:<outcome>``.
    budget_mode : {"equal", "at_most"}
    max_change : float, str or None
        Every series within +/- this fraction of its current spend (default 0.3 =
        +/-30 %); None or ``"none"`` for no per-line limit (see :func:`parse_max_change`).
    channel_bounds : dict, optional
        Channel -> (lower, upper) in currency, or a ``Bound``.
    national : list of str
        Channels or series bought nationally: their split over geos stays as today.
    geo_bounds : dict, optional
        Geo -> (lower, upper) in currency over the horizon, or a ``Bound`` (relative to the
        geo's current spend with ``relative=True``); see :func:`parse_geo_bounds`.
    locked : list of str
        Channels, series or geos kept at their current plan.
    min_awareness_share : float, optional
    risk, risk_level : see :func:`mmm.optimize.optimize_budget`.
    flighting : {"shape", "free"}
    include_carryover : bool
    max_draws : int or None
    seed : int
    plots : bool
        Also write ``allocation.png`` and ``uplift.png`` beside the recommendation.
    out : path, optional
        Run folder to store the recommendation in (default ``run_dir``).
    n_starts : int
        Starting points of the search (see :func:`mmm.optimize.optimize_budget`).
    name : str
        The recommendation's name (``RUN/recommendations/<name>/``); ``recommended`` is
        the plan the report shows.
    replace : bool
        Overwrite a recommendation of the same name (otherwise an error).

    Returns
    -------
    dict of str -> Path
        ``json``, ``allocation_csv``, ``weekly_csv``, for geo fits ``geos_csv`` and, with
        ``plots``, ``allocation_png`` and ``uplift_png``.

    Raises
    ------
    mmm.errors.NotFittedError
        ``run_dir`` holds no saved fit.
    mmm.errors.SpecError
        Budget, horizon, change limit or value per visit missing or out of range, or the
        name exists and ``replace`` is False.
    mmm.errors.InfeasibleError
        The constraints conflict (the message names them).
    """
    from mmm.inference.fit import FitResult
    from mmm.optimize.optimizer import optimize_budget
    from mmm.run_folder import RunFolder

    folder = RunFolder(out if out is not None else run_dir)
    max_change = parse_max_change(max_change)
    RunFolder(run_dir).require_fit()
    fit = FitResult.load(run_dir)
    check_plan_inputs(fit, budget=budget, horizon=horizon)
    value_per_visit = resolve_value_per_visit(run_dir, fit, objective, value_per_visit)
    folder.check_free(name, replace)
    cons = Constraints(
        budget_mode=budget_mode,
        channels={
            k: v if isinstance(v, Bound) else tuple(v) for k, v in (channel_bounds or {}).items()
        },
        geos={k: v if isinstance(v, Bound) else tuple(v) for k, v in (geo_bounds or {}).items()},
        default=None if max_change is None else change(float(max_change)),
        locked=tuple(locked or ()),
        national=tuple(national or ()),
        min_awareness_share=min_awareness_share,
    )
    rec = optimize_budget(
        fit,
        budget=budget,
        horizon=horizon,
        objective=objective,
        value_per_visit=value_per_visit,
        constraints=cons,
        risk=risk,
        risk_level=risk_level,
        flighting=flighting,
        include_carryover=include_carryover,
        max_draws=max_draws,
        seed=seed,
        n_starts=n_starts,
    )
    paths = folder.save_recommendation(rec, name, replace=replace)
    if plots:
        import matplotlib.pyplot as plt

        from mmm.optimize.plots import plot_allocation, plot_uplift

        files = folder.recommendation_files(name)
        for key, fn in (("allocation_png", plot_allocation), ("uplift_png", plot_uplift)):
            fig = fn(rec)
            paths[key] = files[key]
            fig.savefig(paths[key], dpi=110)
            plt.close(fig)
    return paths


def _limit_label(b: dict) -> str:
    if b.get("kind") == "zero spend":
        return "zero spend"
    kind = "line" if b.get("kind") == "series" else b.get("kind") or "limit"
    return f"{kind} {b.get('side', '')}".strip()


def allocation_table(rec: dict):
    """The recommendation's allocation per line, as ``mmm optimize`` prints it.

    Parameters
    ----------
    rec : dict
        A stored ``recommendation.json`` (see :meth:`mmm.run_folder.RunFolder.save_recommendation`).

    Returns
    -------
    pandas.DataFrame
        One row per line (channel and audience, summed over geos) in the order of the
        allocation: ``series``, ``line`` (display name, e.g. ``Paid search · retargeting``),
        ``current`` and ``recommended`` (currency over the horizon), ``change`` and
        ``change_pct`` (percent of the current spend; NaN for a line without current spend),
        ``marginal_current`` and ``marginal_recommended`` (value per extra currency unit at
        each plan: ``mroas_*`` of the allocation, spend-weighted over geos) and ``limit``
        (the binding limits the line sits at, e.g. ``line upper``; empty when none).
    """
    import numpy as np
    import pandas as pd

    from mmm.names import display_name

    alloc = pd.DataFrame(rec.get("allocation") or [])
    cols = [
        "series",
        "line",
        "current",
        "recommended",
        "change",
        "change_pct",
        "marginal_current",
        "marginal_recommended",
        "limit",
    ]
    if alloc.empty:
        return pd.DataFrame(columns=cols)
    labels: dict[str, list[str]] = {}
    for b in (rec.get("summary") or {}).get("binding") or []:
        for s in alloc["series"].unique():
            a = alloc[alloc["series"] == s].iloc[0]
            keys = ("series", "channel", "audience")
            if all(b.get(k) is None or b.get(k) == a[k] for k in keys):
                lab = _limit_label(b)
                if lab not in labels.setdefault(s, []):
                    labels[s].append(lab)

    def wmean(v, w):
        v, w = np.asarray(v, float), np.asarray(w, float)
        ok = np.isfinite(v)
        if not ok.any():
            return float("nan")
        if w[ok].sum() > 0:
            return float((v[ok] * w[ok]).sum() / w[ok].sum())
        return float(v[ok].mean())

    rows = []
    for s, g in alloc.groupby("series", sort=False):
        cur, new = float(g["current"].sum()), float(g["recommended"].sum())
        rows.append(
            {
                "series": s,
                "line": display_name(g["channel"].iloc[0], g["audience"].iloc[0]),
                "current": cur,
                "recommended": new,
                "change": new - cur,
                "change_pct": (new - cur) / cur * 100 if cur > 0 else float("nan"),
                "marginal_current": wmean(g["mroas_current"], g["current"]),
                "marginal_recommended": wmean(g["mroas_recommended"], g["recommended"]),
                "limit": ", ".join(labels.get(s, [])),
            }
        )
    return pd.DataFrame(rows, columns=cols)
