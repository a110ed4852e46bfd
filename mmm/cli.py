"""Command line: ``mmm simulate | validate | init | fit | batch | report | export | backtest | optimize | scenarios | reproduce | demo | journeys``.

Exit codes: 0 ok; 2 bad input (data, config, spec); 3 a model health check failed;
1 anything else. Expected errors print a message, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from mmm.errors import (
    ConvergenceWarning,
    DataWarning,
    InfeasibleError,
    MMMError,
    NotFittedError,
)

EXIT_OK, EXIT_OTHER, EXIT_INPUT, EXIT_HEALTH = 0, 1, 2, 3

app = typer.Typer(
    name="mmm",
    help="Bayesian marketing-mix modelling and journey attribution for omnichannel brands.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: switches without a value placeholder, docstrings printed as written
    rich_markup_mode=None,
)


class _Out:
    quiet = False


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("mmm")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            v = "unknown"
        typer.echo(f"mmm {v}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _start(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of mmm and exit.",
        ),
    ] = False,
) -> None:
    """Bayesian marketing-mix modelling and journey attribution for omnichannel brands."""
    _Out.quiet = False  # every invocation starts verbose; a command's --quiet switches it off


def say(msg: str = "") -> None:
    """Print ``msg`` to stdout unless the command runs with ``--quiet``."""
    if not _Out.quiet:
        typer.echo(msg)


def err(msg: str) -> None:
    """Print ``msg`` to stderr (always, also with ``--quiet``)."""
    typer.echo(msg, err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one readable line on stderr (no source path or code line)."""
    name = (
        "warning"
        if issubclass(category, (DataWarning, ConvergenceWarning))
        else (f"warning ({category.__name__})")
    )
    err(f"{name}: {message}")


def _opt_path(p: Path | None) -> Path | None:
    return p if p is not None else None


# --------------------------------------------------------------------- simulate
@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables into.")],
    geos: Annotated[int, typer.Option(help="Number of geos (0 = national).")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    periods: Annotated[int, typer.Option(help="Number of weeks.")] = 156,
    confounded: Annotated[
        float, typer.Option(help="Strength of spend following demand (0-1).")
    ] = 0.0,
) -> None:
    """Simulate omnichannel data with its ground truth (media, outcomes, controls, channels, truth)."""
    from mmm.data.simulate import simulate as _simulate

    sim = _simulate(n_periods=periods, geos=geos, seed=seed, confounded=confounded)
    paths = sim.write(out)
    for name, p in paths.items():
        say(f"{name:10s} {p}")


# --------------------------------------------------------------------- validate
@app.command()
def validate(
    media: Annotated[Path, typer.Option(help="Media table (CSV or Parquet).")],
    outcomes: Annotated[Path, typer.Option(help="Outcomes table.")],
    channels: Annotated[Path, typer.Option(help="Channel catalogue.")],
    controls: Annotated[Path | None, typer.Option(help="Controls table.")] = None,
    geos: Annotated[Path | None, typer.Option(help="Geo table (population, shops).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Validate the input tables and print a data summary (exit 2 with every problem if invalid)."""
    from mmm.data import load_dataset, summarize

    with warnings.catch_warnings():  # the summary lists every data warning once
        warnings.simplefilter("ignore", DataWarning)
        ds = load_dataset(media, outcomes, channels, controls=controls, geos=geos)
    s = summarize(ds)
    typer.echo(json.dumps(s.to_dict(), indent=2, default=str) if as_json else s.to_text())


# ------------------------------------------------------------------------- init
@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the config template.")],
) -> None:
    """Write a commented config template (config.toml) into DIRECTORY."""
    from mmm.config import TEMPLATE

    directory.mkdir(parents=True, exist_ok=True)
    p = directory / "config.toml"
    if p.exists():
        raise MMMError(f"{p} already exists; remove it or choose another folder.")
    p.write_text(TEMPLATE)
    say(f"wrote {p}")


# -------------------------------------------------------------------------- fit
def _config_from_files(
    media, outcomes, channels, controls, geos, seed, draws, tune, chains, mediator, experiments=None
):
    from mmm.config import parse_config

    data = {"media": str(media), "outcomes": str(outcomes), "channels": str(channels)}
    if controls:
        data["controls"] = str(controls)
    if experiments:
        data["experiments"] = str(experiments)
    if geos:
        data["geos"] = str(geos)
    sampler = {"seed": seed, "draws": draws, "tune": tune, "chains": chains}
    return parse_config({"data": data, "sampler": sampler}, base=Path.cwd()), mediator


def _stage(line: str) -> None:
    """A stage line of a fit (compiling, sampling, with elapsed time) on stderr, so stdout
    stays parseable; none with ``--quiet``."""
    if not _Out.quiet:
        err(line)


def run_fit(
    cfg,
    out: Path,
    *,
    mediator_hint: str | None = None,
    progress: bool = False,
    announce: str | None = None,
    tables: bool = True,
):
    """Load and check the data, fit, and write the run folder; returns (fit, paths).

    ``tables`` also writes RUN/tables/ (:func:`mmm.report.tables.write_tables`).

    ``announce`` is printed once the inputs are checked (see mmm.pipeline.fit_run); the
    fit's stage lines go to stderr unless the command runs with ``--quiet``.
    """
    from mmm.pipeline import fit_run

    on = progress and not _Out.quiet
    result, paths = fit_run(
        cfg,
        out,
        mediator_hint=mediator_hint,
        progress=on,
        log=say,
        stages=_stage if on else None,
        announce=announce,
    )
    _print_calibration(paths)
    if tables:
        paths.update(_write_tables(out, fit=result))
    return result, paths


def _write_tables(run_dir, fit=None) -> dict[str, Path]:
    """Write RUN/tables/ (CSV files and report.xlsx); returns ``{"tables": xlsx path}``."""
    from mmm.report.tables import write_tables

    return {"tables": write_tables(run_dir, fit=fit)["xlsx"]}


def _print_calibration(paths) -> None:
    cal = json.loads(Path(paths["summary"]).read_text()).get("calibration")
    if not cal or not cal.get("experiments"):
        return
    say("")
    say(
        f"{'experiment':14s} {'channel':18s} {'measured lift':>14s} {'model before':>14s} {'model after':>14s}"
    )
    for r in cal["experiments"]:

        def num(v):
            return f"{v:14,.0f}" if v is not None else f"{'-':>14s}"

        say(
            f"{r['name']:14s} {r['channel']:18s} {num(r['lift'])} {num(r.get('lift_before'))} {num(r.get('lift_after'))}"
        )
    for w in cal.get("warnings", []):
        err(f"warning: {w}")


def _print_roas(result) -> None:
    from mmm.analysis.returns import roas_table

    t = roas_table(result, max_draws=500)
    t = t[t["path"] == "total"]
    say("")
    say(
        f"{'outcome':14s} {'channel':22s} {'audience':12s} {'spend':>12s} {'return/EUR':>11s} {'90% interval':>19s} {'cost/unit':>10s}"
    )
    for r in t.itertuples():
        cpu = f"{r.cost_per_unit:10.2f}" if r.kind == "count" else f"{'':10s}"
        say(
            f"{r.outcome:14s} {r.channel:22s} {r.audience:12s} {r.spend:12,.0f} {r.median:11.3f} "
            f"{r.lower:9.3f}..{r.upper:<9.3f} {cpu}"
        )


def _print_geos(result) -> None:
    """Per-geo totals of a fit with several geos: spend, return and cost per unit."""
    if len(result.dataset.geos) < 2:
        return
    from mmm.analysis.geo import geo_table

    t = geo_table(result, max_draws=500)
    kinds = {o.name: o.kind for o in result.spec.outcomes}
    rev = next((o for o, k in kinds.items() if k == "revenue"), None)
    cnt = next((o for o, k in kinds.items() if k == "count"), None)
    say("")
    head = f"{'geo':22s} {'spend':>12s}"
    head += f" {'return/EUR':>11s}" if rev else ""
    head += f" {'cost/' + cnt:>20s}" if cnt else ""
    say(head)
    for g in t["geo"].drop_duplicates():
        rows = t[t["geo"] == g].set_index("outcome")
        line = f"{str(g)[:22]:22s} {rows['spend'].iloc[0]:12,.0f}"
        if rev:
            line += f" {rows.loc[rev, 'per_spend_median']:11.3f}"
        if cnt:
            line += f" {rows.loc[cnt, 'cost_per_unit_median']:20.2f}"
        say(line)


def _health_exit(result) -> int:
    probs = result.diagnostics.problems()
    if probs:
        err("model health check failed:")
        for p in probs:
            err(f"  - {p}")
        return EXIT_HEALTH
    return EXIT_OK


#: sampler settings of ``mmm fit`` without a config file (with one, the file's values)
FIT_DEFAULTS = {"seed": 1, "draws": 1000, "tune": 1000, "chains": 4}


def _reject_switch_value(config: Path | None) -> None:
    """``mmm fit --quiet true``: a switch takes no value; say so instead of reading a config."""
    if config is not None and not config.exists() and config.name.lower() in _SWITCH_WORDS:
        raise typer.BadParameter(
            f"{config.name!r} is not a config file; switches such as --quiet take no value "
            "(write --quiet, or leave it out)."
        )


_SWITCH_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def _write_wide_tables(wide: Path, wide_map: Path, out: Path):
    """Read the wide table through its map; write the long tables into ``OUT/input``."""
    from mmm.data import from_wide_map

    ds = from_wide_map(wide, wide_map)
    folder = out / "input"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in ds.to_frames().items():
        if frame is not None:
            paths[name] = folder / f"{name}.csv"
            frame.to_csv(paths[name], index=False, float_format="%.17g")
    return paths["media"], paths["outcomes"], paths["channels"], paths.get("controls")


@app.command()
def fit(
    config: Annotated[Path | None, typer.Argument(help="Run config (TOML). Optional.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Run folder to write.")] = Path("runs/latest"),
    media: Annotated[Path | None, typer.Option(help="Media table (without a config).")] = None,
    outcomes: Annotated[Path | None, typer.Option(help="Outcomes table.")] = None,
    channels: Annotated[Path | None, typer.Option(help="Channel catalogue.")] = None,
    controls: Annotated[Path | None, typer.Option(help="Controls table.")] = None,
    geos: Annotated[Path | None, typer.Option(help="Geo table.")] = None,
    experiments: Annotated[
        Path | None,
        typer.Option(help="Lift tests to calibrate with (CSV / Parquet; see docs/calibration.md)."),
    ] = None,
    mediator: Annotated[
        str | None, typer.Option(help="Outcome column to treat as mediator.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: the config's, else 1).")
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(help="Posterior draws per chain (default: the config's, else 1000)."),
    ] = None,
    tune: Annotated[
        int | None,
        typer.Option(help="Tuning steps per chain (default: the config's, else 1000)."),
    ] = None,
    chains: Annotated[
        int | None, typer.Option(help="Chains (default: the config's, else 4).")
    ] = None,
    wide: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="One wide table (a row per date, a spend column per channel); needs --map.",
        ),
    ] = None,
    wide_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            metavar="MAP.toml",
            help="TOML map of the wide table's columns (format: docs/data.md).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Fit a model from a config file, from data files, or from one wide table and its map.

    With a config file, --seed, --draws, --tune, --chains and --mediator override the
    file's values; the run's config.toml records what was used.
    """
    from mmm.config import load_config, with_overrides

    _Out.quiet = quiet
    flags = {"seed": seed, "draws": draws, "tune": tune, "chains": chains}
    _reject_switch_value(config)
    if wide is not None or wide_map is not None:
        if config is not None or media is not None or wide is None or wide_map is None:
            raise typer.BadParameter(
                "a wide table needs both --wide FILE and --map MAP.toml, and no config file "
                "or --media."
            )
        media, outcomes, channels, controls = _write_wide_tables(wide, wide_map, out)
    if config is not None:
        cfg, hint = with_overrides(load_config(config), **flags), mediator
        if experiments is not None:
            from dataclasses import replace

            cfg = replace(cfg, data={**cfg.data, "experiments": experiments.resolve()})
    else:
        missing = [
            n
            for n, v in (("--media", media), ("--outcomes", outcomes), ("--channels", channels))
            if v is None
        ]
        if missing:
            raise typer.BadParameter(f"without a config file, {', '.join(missing)} are required.")
        cfg, hint = _config_from_files(
            media,
            outcomes,
            channels,
            controls,
            geos,
            *(FIT_DEFAULTS[k] if v is None else v for k, v in flags.items()),
            mediator,
            experiments,
        )
    result, paths = run_fit(
        cfg,
        out,
        mediator_hint=hint,
        progress=not quiet,
        announce=f"fitting {cfg.data['media']} ...",
    )
    _print_roas(result)
    _print_geos(result)
    say("")
    for k, p in paths.items():
        say(f"{k:10s} {p}")
    raise typer.Exit(_health_exit(result))


# ------------------------------------------------------------------------ batch
@app.command()
def batch(
    batch_file: Annotated[Path, typer.Argument(help="Batch file (TOML) listing the runs.")],
    out: Annotated[
        str, typer.Option("--out", help="Output folder (or fsspec URL) for the runs and summary.")
    ],
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running Dask scheduler (default: a local cluster)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Workers of the local cluster (default: sized to the machine)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Refit runs whose folder is complete and unchanged.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Fit many runs (brands, markets, backtest origins, prior variants) on Dask."""
    from mmm.batch.cli import run_batch_cli

    _Out.quiet = quiet
    raise typer.Exit(
        run_batch_cli(
            batch_file, out, scheduler=scheduler, workers=workers, force=force, say=say, err=err
        )
    )


# ----------------------------------------------------------------------- report
@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write the report files into (default RUN_DIR).")
    ] = None,
    value_per_visit: Annotated[
        float | None,
        typer.Option(
            help="Euros one store visit is worth, to combine both outcomes (default: the "
            "config's [optimizer] value, else the one the recommendation was made with)."
        ),
    ] = None,
    recommendation: Annotated[
        str | None,
        typer.Option(
            "--recommendation",
            help="Name of the stored budget recommendation to show "
            "(RUN_DIR/recommendations/NAME; default: 'recommended' when stored, else the "
            "newest).",
        ),
    ] = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="html, md or pdf; repeat for several (default: html and md).",
        ),
    ] = None,
    print_md: Annotated[
        bool, typer.Option("--print-md", help="Also print the Markdown report (for CI logs).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Print nothing but errors (and --print-md).")
    ] = False,
) -> None:
    """Write the planner report of a run folder: report.html (self-contained), report.md (for CI logs) and, on request, report.pdf."""
    from mmm.report.write import write_report

    _Out.quiet = quiet
    say(
        f"building the report of {run_dir} (numbers, charts, {', '.join(fmt or ('html', 'md'))}) ..."
    )
    paths = write_report(
        run_dir,
        formats=tuple(fmt or ("html", "md")),
        out_dir=out,
        value_per_visit=value_per_visit,
        recommendation=recommendation,
    )
    for kind, path in paths.items():
        say(f"report     {path}" if kind == "html" else f"report.{kind:<4} {path}")
    say(f"tables     {_write_tables(run_dir)['tables']}")
    if print_md and "md" in paths:
        typer.echo(paths["md"].read_text(encoding="utf-8"))


# ----------------------------------------------------------------------- export
@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")],
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Write the planner tables of a run folder: RUN_DIR/tables/*.csv and report.xlsx.

    Returns and contributions per line (from summary.json), contributions per week, and
    every stored plan (RUN_DIR/recommendations/NAME); `mmm fit`, `mmm optimize` and
    `mmm report` refresh them too.
    """
    from mmm.report.tables import write_tables

    _Out.quiet = quiet
    for name, path in write_tables(run_dir).items():
        say(f"{name:26s} {path}")


# --------------------------------------------------------------------- backtest
@app.command()
def backtest(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")],
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
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Out-of-sample check: refit on early periods, predict the held-back ones, score them.

    Writes backtest.json and backtest.csv into the run folder; `mmm report` then shows them.
    """
    from mmm.backtest import run_backtest

    _Out.quiet = quiet
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
    say(
        f"{'fold':>4}  {'outcome':<16} {'trained to':<11} {'predicted':<23} {'MAPE':>6} "
        f"{'flat':>6} {'R2':>6} {'in range':>8}"
    )

    def num(x, spec: str, width: int) -> str:  # undefined scores (e.g. MAPE of zeros) are null
        return f"{x:>{width}{spec}}" if isinstance(x, (int, float)) else f"{'-':>{width}}"

    for r in res["folds"]:
        say(
            f"{r['fold']:>4}  {r['outcome']:<16} {r['train_end']:<11} "
            f"{r['test_start'] + '..' + r['test_end']:<23} {num(r['mape'], '.1%', 6)} "
            f"{num(r['naive_mape'], '.1%', 6)} {num(r['r2'], '.2f', 6)} "
            f"{num(r['coverage'], '.0%', 8)}"
        )
    say(
        f"MAPE: mean absolute percentage error of the model's forecast; flat: the same for a "
        f"forecast at the training average; in range: share of periods inside the "
        f"{res['folds'][0]['interval']:.0%} interval."
    )
    if res["experiments_left_out"]:
        say(
            f"{res['experiments_left_out']} lift test(s) read out after a training window were "
            "left out of that window's refit."
        )
    say(f"backtest   {Path(run_dir) / 'backtest.json'}")


# --------------------------------------------------------------------- optimize
@app.command()
def optimize(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")],
    budget: Annotated[
        float, typer.Option(help="Total media budget over the horizon (currency, > 0).")
    ],
    horizon: Annotated[
        int, typer.Option(help="Weeks to plan (1 to the number of weeks in the data).")
    ] = 13,
    value_per_visit: Annotated[
        float | None,
        typer.Option(
            help="What one store visit is worth (currency); required when the model has store "
            "visits and the objective is 'value' (default: value_per_visit of the run's "
            "config.toml)."
        ),
    ] = None,
    objective: Annotated[
        str,
        typer.Option(
            help="'value' (revenue + value per visit x visits), an outcome name such as "
            "'online_sales' (that outcome alone), or 'cost_per:<outcome>'."
        ),
    ] = "value",
    at_most: Annotated[
        bool, typer.Option("--at-most", help="Spend at most the budget instead of exactly.")
    ] = False,
    max_change: Annotated[
        str,
        typer.Option(
            help="Largest change of each line vs its current spend, as a fraction: 0.3 = "
            "+/-30 % (the default); 'none' for no per-line limit."
        ),
    ] = "0.3",
    lock: Annotated[
        list[str] | None,
        typer.Option(
            "--lock",
            metavar="NAME",
            help="Channel, series or geo to keep at its current spend; repeat.",
        ),
    ] = None,
    national: Annotated[
        list[str] | None,
        typer.Option(
            "--national",
            metavar="NAME",
            help="Channel or series bought nationally: its split over geos stays as today; repeat.",
        ),
    ] = None,
    geo_min: Annotated[
        list[str] | None,
        typer.Option(
            "--geo-min",
            metavar="GEO=AMOUNT",
            help="GEO=AMOUNT: spend at least AMOUNT in GEO over the horizon (AMOUNT like 50000, or 0.8x = 0.8 x current); repeat.",
        ),
    ] = None,
    geo_max: Annotated[
        list[str] | None,
        typer.Option(
            "--geo-max",
            metavar="GEO=AMOUNT",
            help="GEO=AMOUNT: spend at most AMOUNT in GEO (50000, or 1.2x = 1.2 x current); repeat.",
        ),
    ] = None,
    min_awareness_share: Annotated[
        float | None, typer.Option(help="Minimum share of budget for awareness channels.")
    ] = None,
    risk: Annotated[
        str, typer.Option(help="'mean', 'quantile' or 'cvar' over posterior draws.")
    ] = "mean",
    risk_level: Annotated[
        float, typer.Option(help="Quantile / CVaR level for risk-aware plans.")
    ] = 0.1,
    no_carryover: Annotated[
        bool, typer.Option("--no-carryover", help="Ignore effects after the horizon.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    starts: Annotated[
        int,
        typer.Option(
            min=1,
            help="Starting points of the search: the current split plus random plans "
            "(S-shaped curves can hold a search at a local optimum); 1 is fastest.",
        ),
    ] = 5,
    plots: Annotated[bool, typer.Option("--plots", help="Also write PNG charts.")] = False,
    name: Annotated[
        str,
        typer.Option(
            help="Name to store the plan under (RUN/recommendations/NAME/); 'recommended' is "
            "the plan the report shows, another name keeps it as a what-if."
        ),
    ] = "recommended",
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a stored plan of the same --name.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Recommend a budget split for the next weeks and store it in the run folder by name.

    Each line (channel and audience) may move at most +/-30 % from its current spend unless
    --max-change says otherwise; a model with store visits needs --value-per-visit (or
    --objective online_sales). Prints the allocation per line and writes
    RUN/recommendations/NAME/ (recommendation.json, allocation.csv, weekly.csv); an existing
    NAME needs --replace.
    """
    from mmm.optimize.cli import (
        parse_geo_bounds,
        parse_max_change,
        run_currency,
        run_optimize_cli,
    )

    _Out.quiet = quiet
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
    _print_recommendation(paths, currency=run_currency(run_dir))
    paths.update(_write_tables(run_dir))
    for k, p in paths.items():
        say(f"{k:14s} {p}")


def _print_recommendation(paths, currency: str = "€") -> None:
    """The allocation table, the settings and the expected uplift of a stored recommendation."""
    from mmm.optimize.cli import allocation_table
    from mmm.report import fmt

    rec = json.loads(Path(paths["json"]).read_text())
    s, st = rec.get("summary", {}), rec.get("settings", {})
    obj = st.get("objective") or "value"
    is_money = obj == "value" or s.get("objective") == "value"

    def amount(x, sign=False):
        if not fmt.is_number(x):
            return "–"
        x = float(x)
        text = f"{currency}{abs(x):,.0f}"
        return ("-" if x < 0 else "+" if sign and x > 0 else "") + text

    def ratio(x):
        return f"{float(x):.2f}" if fmt.is_number(x) else "–"

    limit = st.get("max_change")
    say("")
    say(
        f"plan {st.get('name', '')!r}: {st.get('plan_start', '?')} to {st.get('plan_end', '?')} "
        f"({st.get('horizon', '?')} "
        f"{fmt.plan_period_word(st.get('plan_start'), st.get('plan_end'), st.get('horizon'))}), "
        f"budget {amount(s.get('budget'))}, objective "
        f"{s.get('objective_label') or obj}, "
        + (
            f"each line within +/-{float(limit) * 100:g}%"
            if fmt.is_number(limit)
            else "no per-line change limit"
        )
    )
    tab = allocation_table(rec)
    width = max([len("line"), *(len(x) for x in tab["line"])]) + 2
    head = ["current", "recommended", "change", "change %", "marg. before", "marg. after"]
    say(f"{'line':{width}s}" + "".join(f"{h:>14s}" for h in head) + "  binding limit")
    for r in tab.itertuples():
        pct = f"{r.change_pct:+.1f}%" if fmt.is_number(r.change_pct) else "new"
        cells = [
            amount(r.current),
            amount(r.recommended),
            amount(r.change, sign=True),
            pct,
            ratio(r.marginal_current),
            ratio(r.marginal_recommended),
        ]
        say(f"{r.line:{width}s}" + "".join(f"{c:>14s}" for c in cells) + f"  {r.limit}".rstrip())
    tot = [amount(tab["current"].sum()), amount(tab["recommended"].sum())]
    tot.append(amount(tab["recommended"].sum() - tab["current"].sum(), sign=True))
    say(f"{'total':{width}s}" + "".join(f"{c:>14s}" for c in tot))
    unit = f"value per extra {currency}1" if is_money else "outcome per extra 1"
    say(f"marg.: {unit} spent on the line, at the current and at the recommended plan")
    up = s.get("uplift") or {}
    if isinstance(up, dict) and "mean" in up:
        val = amount if is_money else fmt.count
        say(
            f"expected uplift vs current plan: {val(up['mean'])} "
            f"({val(up.get('lower'))} .. {val(up.get('upper'))}, "
            f"{s.get('interval', 0.9):.0%} interval)"
        )
    if "prob_better" in s:
        say(f"probability the recommendation beats the current plan: {s['prob_better']:.0%}")
    if fmt.is_number(s.get("budget_shadow_price")):
        say(
            f"each extra {currency}1 of budget would add about "
            f"{ratio(s['budget_shadow_price'])} of value"
        )
    geos: dict[str, list[float]] = {}
    for a in rec.get("allocation", []):
        g = geos.setdefault(str(a.get("geo")), [0.0, 0.0])
        g[0] += a.get("current") or 0.0
        g[1] += a.get("recommended") or 0.0
    if len(geos) > 1:
        say(f"{'geo':22s} {'current':>14s} {'recommended':>14s}")
        for g, (c, r) in geos.items():
            say(f"{g[:22]:22s} {amount(c):>14s} {amount(r):>14s}")


# -------------------------------------------------------------------- scenarios
@app.command()
def scenarios(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")],
    plan: Annotated[
        list[str] | None,
        typer.Option(
            "--plan",
            metavar="NAME=FILE",
            help="A plan to compare: NAME=FILE, FILE a CSV of spend per line and week (date, "
            "channel, audience, spend[, geo]) or of a total per line (channel, audience, "
            "spend[, geo]); repeat.",
        ),
    ] = None,
    recommendation: Annotated[
        list[str] | None,
        typer.Option(
            "--recommendation",
            metavar="NAME",
            help="Stored recommendation to compare (RUN/recommendations/NAME); repeat "
            "(default: every stored one with the comparison's horizon).",
        ),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option(
            help="Weeks planned (default: the horizon of the stored recommendations, else 13)."
        ),
    ] = None,
    value_per_visit: Annotated[
        float | None,
        typer.Option(
            help="What one store visit is worth (currency); required when the model has store "
            "visits and the objective is 'value' (default: value_per_visit of the run's "
            "config.toml)."
        ),
    ] = None,
    objective: Annotated[
        str,
        typer.Option(
            help="'value' (revenue + value per visit x visits), an outcome name such as "
            "'online_sales' (that outcome alone), or 'cost_per:<outcome>'."
        ),
    ] = "value",
    interval: Annotated[
        float, typer.Option(help="Width of the intervals, a probability (0.9 = 90 %).")
    ] = 0.9,
    no_carryover: Annotated[
        bool, typer.Option("--no-carryover", help="Ignore effects after the horizon.")
    ] = False,
    name: Annotated[
        str,
        typer.Option(
            help="Name to store the comparison under (RUN/scenarios/NAME.json and NAME.csv)."
        ),
    ] = "scenarios",
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a stored comparison of the same --name.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
) -> None:
    """Compare the current plan, the stored recommendations and your plans side by side.

    For each plan: spend, expected online sales, store visits and value from media with
    intervals, and the chance the plan beats the current one (over the posterior draws; '—'
    for the current plan itself). A plan file that names an unknown line, misses a line (write
    it with spend 0), has negative spend or dates outside the horizon exits 2 with the file,
    column and rows. Stored as RUN/scenarios/NAME.json (with the settings used) and NAME.csv;
    the report shows every stored comparison.
    """
    from mmm.errors import SpecError
    from mmm.optimize.cli import run_currency
    from mmm.optimize.scenarios import run_scenarios

    _Out.quiet = quiet
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
    _print_scenarios(res["result"], currency=run_currency(run_dir))
    for k in ("json", "csv"):
        say(f"{k:6s} {res[k]}")
    say(f"tables {_write_tables(run_dir)['tables']}")


def _print_scenarios(result: dict, currency: str = "€") -> None:
    """The stored comparison as two tables: outcomes per plan, spend per line and plan."""
    from mmm.names import display_name
    from mmm.report import fmt

    st = result.get("settings") or {}
    kinds = st.get("outcome_kinds") or {}  # revenue / count per outcome, from the spec

    def amount(x):
        if not fmt.is_number(x):
            return "–"
        return ("-" if x < 0 else "") + f"{currency}{abs(float(x)):,.0f}"

    def num(x, o):
        if o == "value" or kinds.get(o) == "revenue":
            return amount(x)
        return f"{float(x):,.0f}" if fmt.is_number(x) else "–"

    pct = f"{float(st.get('interval', 0.9)):.0%}"
    say("")
    say(
        f"scenarios {st.get('name', '')!r}: {st.get('plan_start', '?')} to "
        f"{st.get('plan_end', '?')} ({st.get('horizon', '?')} "
        f"{fmt.plan_period_word(st.get('plan_start'), st.get('plan_end'), st.get('horizon'))}), "
        "objective "
        f"{st.get('objective_label') or st.get('objective')}, {pct} intervals"
    )
    plans = result.get("plans") or []
    metrics = [m for m in (plans[0]["outcomes"] if plans else {}) if m != "value"] + ["value"]
    head = ["plan", "spend", *[fmt.pretty(m) for m in metrics], "beats current"]
    body = []
    for p in plans:
        cells = [p["plan"], amount(p["spend"])]
        for m in metrics:
            o = p["outcomes"][m]
            cells.append(f"{num(o['mean'], m)} ({num(o['lower'], m)} .. {num(o['upper'], m)})")
        pb = p.get("prob_better")
        cells.append("—" if not fmt.is_number(pb) else f"{float(pb):.0%}")
        body.append(cells)
    widths = [max(len(r[k]) for r in [head, *body]) for k in range(len(head))]

    def row(cells):
        return f"{cells[0]:{widths[0]}s}" + "".join(
            f"  {c:>{w}s}" for c, w in zip(cells[1:], widths[1:], strict=True)
        )

    say(row(head))
    for cells in body:
        say(row(cells))
    say(
        "beats current: share of posterior draws where the plan's value is higher than the "
        "current plan's ('—': the same draws, no chance to tell)"
    )
    names = [p["plan"] for p in plans]
    lines = result.get("lines") or []
    lw = max([len("line"), *(len(display_name(r["channel"], r["audience"])) for r in lines)]) + 2
    say("")
    say(f"{'line':{lw}s}" + "".join(f"{n[:14]:>15s}" for n in names))
    for r in lines:
        say(
            f"{display_name(r['channel'], r['audience']):{lw}s}"
            + "".join(f"{amount(r['spend'].get(n)):>15s}" for n in names)
        )
    if st.get("left_out"):
        for lo in st["left_out"]:
            say(f"left out: recommendation {lo['plan']!r} ({lo['why']}); compare it with --horizon")


# -------------------------------------------------------------------- reproduce
@app.command()
def reproduce(
    run_dir: Annotated[Path, typer.Argument(help="Run folder written by `mmm fit`.")],
    rel_tol: Annotated[float, typer.Option(help="Relative tolerance on ROAS medians.")] = 0.1,
    quiet: Annotated[bool, typer.Option("--quiet")] = False,
) -> None:
    """Refit from the stored config and data, and compare with the stored summary."""
    import tempfile

    from mmm.config import load_config
    from mmm.runs import _file_sha256, compare_summaries

    _Out.quiet = quiet
    cfg_path = run_dir / "config.toml"
    man_path = run_dir / "manifest.json"
    if not cfg_path.exists() or not man_path.exists():
        raise NotFittedError(
            f"{run_dir} is not a run folder (config.toml or manifest.json missing)."
        )
    manifest = json.loads(man_path.read_text())
    cfg = load_config(cfg_path)
    changed = []
    for role, info in manifest.get("data_files", {}).items():
        p = Path(info["path"])
        if not p.exists():
            changed.append(f"{role}: {p} is missing")
        elif _file_sha256(p) != info["sha256"]:
            changed.append(f"{role}: {p} changed (SHA-256 differs from the manifest)")
    if changed:
        err("the input data differs from the stored run:")
        for c in changed:
            err(f"  - {c}")
        raise typer.Exit(EXIT_INPUT)
    stored = json.loads((run_dir / "summary.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        say("refitting from the stored config ...")
        _, paths = run_fit(cfg, Path(tmp) / "run", progress=not quiet, tables=False)
        new = json.loads(paths["summary"].read_text())
    diffs = compare_summaries(stored, new, rel_tol=rel_tol)
    if diffs:
        err(f"the refit disagrees with {run_dir / 'summary.json'}:")
        for d in diffs:
            err(f"  - {d}")
        raise typer.Exit(EXIT_HEALTH)
    say(f"reproduced: {len(stored.get('roas', []))} ROAS records agree within tolerance.")


# ------------------------------------------------------------------------- demo
@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo outputs.")] = Path(
        "runs/demo"
    ),
    draws: Annotated[int, typer.Option(help="Draws per chain.")] = 1000,
    tune: Annotated[int, typer.Option(help="Tuning steps per chain.")] = 1000,
    chains: Annotated[int, typer.Option(help="Chains.")] = 4,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 3 when a model health check fails.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet")] = False,
) -> None:
    """Simulate the demo brand, validate, fit, plan the next quarter and write the report.

    The demo samples as `mmm fit` does (4 chains x 1000 draws after 1000 tuning steps);
    its health checks are printed and shown in the report, and only fail the command
    with --strict.
    """
    from mmm.data import summarize
    from mmm.datasets import demo_simulation

    _Out.quiet = quiet
    t0 = time.perf_counter()
    sim = demo_simulation()
    data_paths = sim.write(out / "input")
    ds = sim.to_dataset()
    say(summarize(ds).to_text())
    cfg, hint = _config_from_files(
        data_paths["media"],
        data_paths["outcomes"],
        data_paths["channels"],
        data_paths.get("controls"),
        None,
        1,
        draws,
        tune,
        chains,
        "brand_search",
    )
    say("\nfitting the demo model ...")
    result, paths = run_fit(cfg, out / "run", mediator_hint=hint, progress=not quiet, tables=False)
    _print_roas(result)
    from mmm.optimize.cli import run_currency, run_optimize_cli
    from mmm.report.write import write_report

    budget = float(ds.spend.isel(date=slice(-13, None)).sum())
    say(f"\nplanning the next 13 weeks with the same budget ({budget:,.0f}) ...")
    # the demo values a store visit at 25 and lets each line move +/-50 % (docs/optimize.md)
    opt = run_optimize_cli(
        out / "run",
        budget=budget,
        horizon=13,
        value_per_visit=25.0,
        max_change=0.5,
        name="recommended",
        replace=True,
    )
    _print_recommendation(opt, currency=run_currency(out / "run"))
    paths["recommendation"] = opt["json"]
    rep = write_report(out / "run", value_per_visit=25.0)
    paths["report"], paths["report_md"] = rep["html"], rep["md"]
    paths.update(_write_tables(out / "run", fit=result))
    say("")
    say(f"demo finished in {time.perf_counter() - t0:.0f} s; outputs:")
    for k, p in {**data_paths, **paths}.items():
        say(f"  {k:10s} {p}")
    probs = result.diagnostics.problems()
    if probs:
        err("model health: review before relying on these numbers:")
        for p in probs:
            err(f"  - {p}")
    raise typer.Exit(EXIT_HEALTH if (strict and probs) else EXIT_OK)


# --------------------------------------------------------------------- journeys
@app.command()
def journeys(
    source: Annotated[Path, typer.Argument(help="Events or aggregated paths (CSV / Parquet).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    method: Annotated[
        list[str] | None,
        typer.Option("--method", metavar="METHOD", help="Method(s); repeat the option."),
    ] = None,
    separator: Annotated[str, typer.Option(help="Path separator of aggregated paths.")] = " > ",
    lookback_days: Annotated[int, typer.Option(help="Lookback window for events (days).")] = 30,
    markov_order: Annotated[int, typer.Option(help="Markov chain order (1-4).")] = 1,
    n_bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for intervals.")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Journey attribution: credit touchpoints of online and offline journeys."""
    from mmm.journeys import run_journeys_cli

    paths = run_journeys_cli(
        source,
        method=method or ["last_touch", "linear", "markov", "shapley"],
        out=out,
        separator=separator,
        lookback_days=lookback_days,
        markov_order=markov_order,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )
    for k, p in paths.items():
        say(f"{k:12s} {p}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, mapping expected errors to exit codes without tracebacks."""
    import os

    debug = bool(os.environ.get("MMM_DEBUG"))
    _Out.quiet = False  # each invocation starts verbose; --quiet switches it off
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            rc = app(args=argv, standalone_mode=False)
        return int(rc) if isinstance(rc, int) else EXIT_OK
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except SystemExit as e:  # click's own exits
        return int(e.code or 0) if isinstance(e.code, int) else EXIT_OTHER
    except (MMMError, InfeasibleError) as e:
        if debug:
            raise
        err(f"error: {e}")
        return EXIT_INPUT
    except FileNotFoundError as e:
        if debug:
            raise
        err(f"error: file not found: {e.filename}")
        return EXIT_INPUT
    except Exception as e:  # noqa: BLE001 - the last line of defence for users
        try:  # typer >= 0.20 vendors click as typer._click
            from typer._click import exceptions as click_exc
        except ImportError:  # pragma: no cover - older typer with click installed
            from click import exceptions as click_exc

        if isinstance(e, click_exc.ClickException):
            e.show()
            return EXIT_INPUT
        if isinstance(e, getattr(click_exc, "Abort", typer.Abort)):
            return EXIT_OTHER
        if debug:
            raise
        err(f"unexpected error ({type(e).__name__}): {e}\nset MMM_DEBUG=1 to see the traceback.")
        return EXIT_OTHER


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
