"""Entry point for the command line: optimise a saved run and write the recommendation."""

from __future__ import annotations

import json
from pathlib import Path

from mmm.optimize.constraints import Bound, Constraints, change


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
    locked: tuple[str, ...] | list[str] = (),
    min_awareness_share: float | None = None,
    risk: str = "mean",
    risk_level: float = 0.1,
    flighting: str = "shape",
    include_carryover: bool = True,
    max_draws: int | None = 1000,
    seed: int = 0,
    plots: bool = False,
    out=None,
) -> dict[str, Path]:
    """Optimise the budget of the fit saved in ``run_dir`` and write the recommendation.

    Signature (for the ``mmm optimize`` command)::

        run_optimize_cli(run_dir, *, budget, horizon=13, value_per_visit=None,
                         objective="value", budget_mode="equal", max_change=None,
                         channel_bounds=None, locked=(), min_awareness_share=None,
                         risk="mean", risk_level=0.1, flighting="shape",
                         include_carryover=True, max_draws=1000, seed=0, plots=False,
                         out=None) -> dict[str, Path]

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
    locked : list of str
        Channels or series kept at their current plan.
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
        channels={k: v if isinstance(v, Bound) else tuple(v)
                  for k, v in (channel_bounds or {}).items()},
        default=None if max_change is None else change(float(max_change)),
        locked=tuple(locked or ()),
        min_awareness_share=min_awareness_share,
    )
    rec = optimize_budget(
        fit, budget=budget, horizon=horizon, objective=objective,
        value_per_visit=value_per_visit, constraints=cons, risk=risk, risk_level=risk_level,
        flighting=flighting, include_carryover=include_carryover, max_draws=max_draws,
        seed=seed,
    )
    folder = Path(out) if out is not None else Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": folder / "recommendation.json",
        "csv": folder / "recommendation.csv",
        "weekly_csv": folder / "recommendation_weekly.csv",
    }
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
