"""Entry point for the command line: optimise a saved run and write the recommendation."""

from __future__ import annotations

import json
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


def run_optimize_cli(
    run_dir,
    *,
    budget: float,
    horizon: int = 13,
    value_per_visit: float | None = None,
    objective: str = "value",
    budget_mode: str = "equal",
    max_change: float | None = None,
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
) -> dict[str, Path]:
    """Optimise the budget of the fit saved in ``run_dir`` and write the recommendation.

    Signature (for the ``mmm optimize`` command)::

        run_optimize_cli(run_dir, *, budget, horizon=13, value_per_visit=None,
                         objective="value", budget_mode="equal", max_change=None,
                         channel_bounds=None, geo_bounds=None, locked=(), national=(),
                         min_awareness_share=None,
                         risk="mean", risk_level=0.1, flighting="shape",
                         include_carryover=True, max_draws=1000, seed=0, plots=False,
                         out=None, n_starts=5) -> dict[str, Path]

    Parameters
    ----------
    run_dir : path
        A run folder with ``fit.nc`` / ``fit.json`` / ``data/`` (``FitResult.save``).
    budget : float
        Total spend over the horizon, currency.
    horizon : int
        Periods to plan.
    value_per_visit : float, optional
        Value of one unit of each count outcome (store visit); default 0 (revenue only).
    objective : str
        ``value``, an outcome name, or ``cost_per:<outcome>``.
    budget_mode : {"equal", "at_most"}
    max_change : float, optional
        Every series within +/- this fraction of its current spend (0.3 = +/-30 %).
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
        Also write ``recommendation_allocation.png`` and ``recommendation_uplift.png``.
    out : path, optional
        Folder for the outputs (default ``run_dir``).
    n_starts : int
        Starting points of the search (see :func:`mmm.optimize.optimize_budget`).

    Returns
    -------
    dict of str -> Path
        ``json``, ``csv``, ``weekly_csv`` and, with ``plots``, ``allocation_png`` and
        ``uplift_png``.

    Raises
    ------
    mmm.errors.NotFittedError
        ``run_dir`` holds no saved fit.
    mmm.errors.InfeasibleError
        The constraints conflict (the message names them).
    """
    from mmm.inference.fit import FitResult
    from mmm.optimize.optimizer import optimize_budget

    fit = FitResult.load(run_dir)
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
    folder = Path(out) if out is not None else Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": folder / "recommendation.json",
        "csv": folder / "recommendation.csv",
        "weekly_csv": folder / "recommendation_weekly.csv",
    }
    if len(fit.dataset.geos) > 1:
        paths["geos_csv"] = folder / "recommendation_geos.csv"
        rec.geos.to_csv(paths["geos_csv"], index=False, float_format="%.10g")
    paths["json"].write_text(json.dumps(rec.to_dict(), indent=2, sort_keys=True))
    rec.allocation.to_csv(paths["csv"], index=False, float_format="%.10g")
    rec.weekly.to_csv(paths["weekly_csv"], index=False, float_format="%.10g")
    if plots:
        import matplotlib.pyplot as plt

        from mmm.optimize.plots import plot_allocation, plot_uplift

        for key, fn in (("allocation_png", plot_allocation), ("uplift_png", plot_uplift)):
            fig = fn(rec)
            paths[key] = folder / f"recommendation_{key.split('_')[0]}.png"
            fig.savefig(paths[key], dpi=110)
            plt.close(fig)
    return paths
