"""``mmm backtest``, ``mmm optimize`` and ``mmm scenarios``: check the fit, plan budgets."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mmm.cli.core import (
    Horizon,
    Name,
    NoCarryover,
    Objective,
    Quiet,
    Replace,
    RunDir,
    Seed,
    ValuePerVisit,
    say,
    set_quiet,
)
from mmm.cli.printers import print_backtest, print_recommendation, print_scenarios
from mmm.cli.report import refresh_tables
from mmm.run_folder import RunFolder


def backtest(
    run_dir: RunDir,
    holdout: Annotated[
        int | None, typer.Option(help="Hold back the last N periods and predict them.")
    ] = None,
    initial: Annotated[
        int | None, typer.Option(help="Rolling origins: periods in the first training window.")
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(help="Rolling origins: periods predicted after each origin.")
    ] = None,
    step: Annotated[
        int | None,
        typer.Option(help="Rolling origins: periods added between folds (default HORIZON)."),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(help="Posterior draws per chain of each refit (default: the run's)."),
    ] = None,
    tune: Annotated[
        int | None, typer.Option(help="Tuning steps of each refit (default: the run's).")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Out-of-sample check: refit on early periods, predict the held-back ones, score them.

    Writes backtest.json and backtest.csv into the run folder; `mmm report` then shows them.
    """
    from mmm.backtest import run_backtest

    set_quiet(quiet)
    res = run_backtest(
        run_dir,
        holdout=holdout,
        initial=initial,
        horizon=horizon,
        step=step,
        draws=draws,
        tune=tune,
        log=say,
    )
    print_backtest(res)
    say(f"backtest   {RunFolder(run_dir).backtest_file}")


# ------------------------------------------------------------------- optimize
_Budget = Annotated[
    float, typer.Option(help="Total media budget over the horizon (currency, > 0).")
]
_AtMost = Annotated[
    bool, typer.Option("--at-most", help="Spend at most the budget instead of exactly.")
]
_MaxChange = Annotated[
    str,
    typer.Option(
        help="Largest change of each line vs its current spend, as a fraction: 0.3 = "
        "+/-30 % (the default); 'none' for no per-line limit."
    ),
]


def _repeatable(flag: str, metavar: str, text: str) -> Any:
    """A repeatable option taking one NAME (or GEO=AMOUNT) per use (``list[str] | None``)."""
    return typer.Option(flag, metavar=metavar, help=text)


_Lock = Annotated[
    list[str] | None,
    _repeatable("--lock", "NAME", "Channel, series or geo to keep at its current spend; repeat."),
]
_National = Annotated[
    list[str] | None,
    _repeatable(
        "--national",
        "NAME",
        "Channel or series bought nationally: its split over geos stays as today; repeat.",
    ),
]
_GeoMin = Annotated[
    list[str] | None,
    _repeatable(
        "--geo-min",
        "GEO=AMOUNT",
        "GEO=AMOUNT: spend at least AMOUNT in GEO over the horizon (AMOUNT like 50000, or 0.8x "
        "= 0.8 x current); repeat.",
    ),
]
_GeoMax = Annotated[
    list[str] | None,
    _repeatable(
        "--geo-max",
        "GEO=AMOUNT",
        "GEO=AMOUNT: spend at most AMOUNT in GEO (50000, or 1.2x = 1.2 x current); repeat.",
    ),
]
_AwarenessShare = Annotated[
    float | None, typer.Option(help="Minimum share of budget for awareness channels.")
]
_Risk = Annotated[str, typer.Option(help="'mean', 'quantile' or 'cvar' over posterior draws.")]
_RiskLevel = Annotated[float, typer.Option(help="Quantile / CVaR level for risk-aware plans.")]
_Starts = Annotated[
    int,
    typer.Option(
        min=1,
        help="Starting points of the search: the current split plus random plans "
        "(S-shaped curves can hold a search at a local optimum); 1 is fastest.",
    ),
]
_Plots = Annotated[bool, typer.Option("--plots", help="Also write PNG charts.")]


def optimize(
    run_dir: RunDir,
    budget: _Budget,
    horizon: Horizon = 13,
    value_per_visit: ValuePerVisit = None,
    objective: Objective = "value",
    at_most: _AtMost = False,
    max_change: _MaxChange = "0.3",
    lock: _Lock = None,
    national: _National = None,
    geo_min: _GeoMin = None,
    geo_max: _GeoMax = None,
    min_awareness_share: _AwarenessShare = None,
    risk: _Risk = "mean",
    risk_level: _RiskLevel = 0.1,
    no_carryover: NoCarryover = False,
    seed: Seed = 0,
    starts: _Starts = 5,
    plots: _Plots = False,
    name: Name = "recommended",
    replace: Replace = False,
    quiet: Quiet = False,
) -> None:
    """Recommend a budget split for the next weeks and store it in the run folder by name.

    Each line (channel and audience) may move at most +/-30 % from its current spend unless
    --max-change says otherwise; a model with store visits needs --value-per-visit (or
    --objective online_sales). Prints the allocation per line and writes
    RUN/recommendations/NAME/ (recommendation.json, allocation.csv, weekly.csv); an existing
    NAME needs --replace.
    """
    from mmm.optimize.cli import parse_geo_bounds, parse_max_change, run_optimize_cli

    set_quiet(quiet)
    horizon = 13 if horizon is None else horizon
    geo_bounds = parse_geo_bounds(geo_min or (), geo_max or ())
    limit = parse_max_change(max_change)
    say(f"optimising the budget of {run_dir} over {horizon} weeks ({risk} objective) ...")
    paths = run_optimize_cli(
        run_dir,
        budget=budget,
        horizon=horizon,
        value_per_visit=value_per_visit,
        objective=objective,
        budget_mode="at_most" if at_most else "equal",
        max_change=limit,
        geo_bounds=geo_bounds,
        national=tuple(national or ()),
        locked=tuple(lock or ()),
        min_awareness_share=min_awareness_share,
        risk=risk,
        risk_level=risk_level,
        include_carryover=not no_carryover,
        seed=seed,
        plots=plots,
        n_starts=starts,
        name=name,
        replace=replace,
    )
    print_recommendation(paths, currency=RunFolder(run_dir).currency())
    paths.update(refresh_tables(run_dir))
    for k, p in paths.items():
        say(f"{k:14s} {p}")


# ------------------------------------------------------------------ scenarios
_Plan = Annotated[
    list[str] | None,
    typer.Option(
        "--plan",
        metavar="NAME=FILE",
        help="A plan to compare: NAME=FILE, FILE a CSV of spend per line and week (date, "
        "channel, audience, spend[, geo]) or of a total per line (channel, audience, "
        "spend[, geo]); repeat.",
    ),
]
_Recommendation = Annotated[
    list[str] | None,
    typer.Option(
        "--recommendation",
        metavar="NAME",
        help="Stored recommendation to compare (RUN/recommendations/NAME); repeat "
        "(default: every stored one with the comparison's horizon).",
    ),
]
_Interval = Annotated[
    float, typer.Option(help="Width of the intervals, a probability (0.9 = 90 %).")
]


def _plan_files(plan) -> dict[str, str]:
    """``--plan NAME=FILE`` items as name -> file, each name once."""
    from mmm.errors import SpecError

    files: dict[str, str] = {}
    for item in plan or ():
        key, sep, path = str(item).partition("=")
        key, path = key.strip(), path.strip()
        if not sep or not key or not path:
            raise SpecError(
                f"--plan {item!r}: write NAME=FILE, e.g. --plan video_up=plans/video_up.csv."
            )
        if key in files:
            raise SpecError(f"--plan names {key!r} twice; give each plan its own name.")
        files[key] = path
    return files


def scenarios(
    run_dir: RunDir,
    plan: _Plan = None,
    recommendation: _Recommendation = None,
    horizon: Horizon = None,
    value_per_visit: ValuePerVisit = None,
    objective: Objective = "value",
    interval: _Interval = 0.9,
    no_carryover: NoCarryover = False,
    name: Name = "scenarios",
    replace: Replace = False,
    quiet: Quiet = False,
) -> None:
    """Compare the current plan, the stored recommendations and your plans side by side.

    For each plan: spend, expected online sales, store visits and value from media with
    intervals, and the chance the plan beats the current one (over the posterior draws; '—'
    for the current plan itself). A plan file that names an unknown line, misses a line (write
    it with spend 0), has negative spend or dates outside the horizon exits 2 with the file,
    column and rows. Stored as RUN/scenarios/NAME.json (with the settings used) and NAME.csv;
    the report shows every stored comparison.
    """
    from mmm.optimize.scenarios import run_scenarios

    set_quiet(quiet)
    files = _plan_files(plan)
    say(f"comparing plans on {run_dir} ...")
    res = run_scenarios(
        run_dir,
        files,
        recommendations=list(recommendation) if recommendation else None,
        horizon=horizon,
        objective=objective,
        value_per_visit=value_per_visit,
        prob=interval,
        include_carryover=not no_carryover,
        name=name,
        replace=replace,
    )
    print_scenarios(res["result"].to_dict(), currency=RunFolder(run_dir).currency())
    for k in ("json", "csv"):
        say(f"{k:6s} {res[k]}")
    say(f"tables {refresh_tables(run_dir)['tables']}")
