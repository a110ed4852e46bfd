"""``mmm fit``, ``mmm batch``, ``mmm reproduce`` and ``mmm demo``: commands that fit."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli.core import (
    EXIT_HEALTH,
    EXIT_INPUT,
    Quiet,
    RunDir,
    err,
    is_quiet,
    say,
    set_quiet,
    stage,
)
from mmm.cli.printers import (
    health_exit_code,
    print_calibration,
    print_geos,
    print_recommendation,
    print_roas,
)
from mmm.cli.report import refresh_tables, tables_beside
from mmm.run_folder import RunFolder

#: sampler settings of ``mmm fit`` without a config file (with one, the file's values)
FIT_DEFAULTS = {"seed": 1, "draws": 1000, "tune": 1000, "chains": 4}

_SWITCH_WORDS = {"true", "false", "yes", "no", "on", "off", "1", "0"}


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

    on = progress and not is_quiet()
    result, paths = fit_run(
        cfg,
        out,
        mediator_hint=mediator_hint,
        progress=on,
        log=say,
        stages=stage if on else None,
        announce=announce,
    )
    print_calibration(RunFolder(out))
    if tables:
        paths.update(refresh_tables(out, fit=result))
    return result, paths


def _reject_switch_value(config: Path | None) -> None:
    """``mmm fit --quiet true``: a switch takes no value; say so instead of reading a config."""
    if config is not None and not config.exists() and config.name.lower() in _SWITCH_WORDS:
        raise typer.BadParameter(
            f"{config.name!r} is not a config file; switches such as --quiet take no value "
            "(write --quiet, or leave it out)."
        )


def _write_wide_tables(wide: Path, wide_map: Path, out: Path):
    """Read the wide table through its map; write the long tables into ``OUT/input``."""
    from mmm.data import from_wide_map

    ds = from_wide_map(wide, wide_map)
    folder = RunFolder(out).input_dir
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in ds.to_frames().items():
        if frame is not None:
            paths[name] = folder / f"{name}.csv"
            frame.to_csv(paths[name], index=False, float_format="%.17g")
    return paths["media"], paths["outcomes"], paths["channels"], paths.get("controls")


def _fit_config(config, files: dict, flags: dict, mediator, experiments):
    """The run config of ``mmm fit`` and its mediator hint: from the config file (flags
    override its values) or from the data files and flags alone."""
    from mmm.config import load_config, with_overrides

    if config is not None:
        cfg = with_overrides(load_config(config), **flags)
        if experiments is not None:
            from dataclasses import replace

            cfg = replace(cfg, data={**cfg.data, "experiments": experiments.resolve()})
        return cfg, mediator
    missing = [f"--{k}" for k in ("media", "outcomes", "channels") if files[k] is None]
    if missing:
        raise typer.BadParameter(f"without a config file, {', '.join(missing)} are required.")
    return _config_from_files(
        **{k: files[k] for k in ("media", "outcomes", "channels", "controls", "geos")},
        **{k: FIT_DEFAULTS[k] if v is None else v for k, v in flags.items()},
        mediator=mediator,
        experiments=experiments,
    )


_Experiments = Annotated[
    Path | None,
    typer.Option(help="Lift tests to calibrate with (CSV / Parquet; see docs/calibration.md)."),
]
_Wide = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="One wide table (a row per date, a spend column per channel); needs --map.",
    ),
]
_WideMap = Annotated[
    Path | None,
    typer.Option(
        "--map",
        metavar="MAP.toml",
        help="TOML map of the wide table's columns (format: docs/data.md).",
    ),
]


def fit(
    config: Annotated[Path | None, typer.Argument(help="Run config (TOML). Optional.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Run folder to write.")] = Path("runs/latest"),
    media: Annotated[Path | None, typer.Option(help="Media table (without a config).")] = None,
    outcomes: Annotated[Path | None, typer.Option(help="Outcomes table.")] = None,
    channels: Annotated[Path | None, typer.Option(help="Channel catalogue.")] = None,
    controls: Annotated[Path | None, typer.Option(help="Controls table.")] = None,
    geos: Annotated[Path | None, typer.Option(help="Geo table.")] = None,
    experiments: _Experiments = None,
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
    wide: _Wide = None,
    wide_map: _WideMap = None,
    quiet: Quiet = False,
) -> None:
    """Fit a model from a config file, from data files, or from one wide table and its map.

    With a config file, --seed, --draws, --tune, --chains and --mediator override the
    file's values; the run's config.toml records what was used.
    """
    set_quiet(quiet)
    flags = {"seed": seed, "draws": draws, "tune": tune, "chains": chains}
    _reject_switch_value(config)
    if wide is not None or wide_map is not None:
        if config is not None or media is not None or wide is None or wide_map is None:
            raise typer.BadParameter(
                "a wide table needs both --wide FILE and --map MAP.toml, and no config file "
                "or --media."
            )
        media, outcomes, channels, controls = _write_wide_tables(wide, wide_map, out)
    files = {"media": media, "outcomes": outcomes, "channels": channels}
    files.update(controls=controls, geos=geos)
    cfg, hint = _fit_config(config, files, flags, mediator, experiments)
    result, paths = run_fit(
        cfg,
        out,
        mediator_hint=hint,
        progress=not quiet,
        announce=f"fitting {cfg.data['media']} ...",
    )
    print_roas(result)
    print_geos(result)
    say("")
    for k, p in paths.items():
        say(f"{k:10s} {p}")
    raise typer.Exit(health_exit_code(result.diagnostics))


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
    quiet: Quiet = False,
) -> None:
    """Fit many runs (brands, markets, backtest origins, prior variants) on Dask."""
    from mmm.batch.cli import run_batch_cli

    set_quiet(quiet)
    raise typer.Exit(
        run_batch_cli(
            batch_file, out, scheduler=scheduler, workers=workers, force=force, say=say, err=err
        )
    )


def reproduce(
    run_dir: RunDir,
    rel_tol: Annotated[float, typer.Option(help="Relative tolerance on ROAS medians.")] = 0.1,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 3 also when the refit fails a model health check."),
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Refit from the stored config and data, and compare with the stored summary.

    Exits 3 when the refit disagrees with the stored summary. The refit's health checks
    that are not PASS are printed (the same as `mmm fit` prints and the report shows), and
    fail the command only with --strict.
    """
    import tempfile

    from mmm.config import load_config
    from mmm.runs import compare_summaries

    set_quiet(quiet)
    run = RunFolder(run_dir)
    run.read_config(required=True)  # missing or not TOML: an error naming the file
    cfg = load_config(run.config_file)
    manifest = run.read_manifest(required=True)
    stored = run.read_summary(required=True)
    changed = _changed_inputs(manifest)
    if changed:
        err("the input data differs from the stored run:")
        for c in changed:
            err(f"  - {c}")
        raise typer.Exit(EXIT_INPUT)
    with tempfile.TemporaryDirectory() as tmp:
        say("refitting from the stored config ...")
        result, paths = run_fit(cfg, Path(tmp) / "run", progress=not quiet, tables=False)
        new = RunFolder(paths["summary"].parent).read_summary(required=True)
    diffs = compare_summaries(stored, new, rel_tol=rel_tol)
    health_rc = health_exit_code(result.diagnostics, strict=strict)
    if diffs:
        err(f"the refit disagrees with {run.summary_file}:")
        for d in diffs:
            err(f"  - {d}")
        raise typer.Exit(EXIT_HEALTH)
    say(f"reproduced: {len(stored.roas)} ROAS records agree within tolerance.")
    raise typer.Exit(health_rc)


def _changed_inputs(manifest: dict) -> list[str]:
    """The manifest's data files that are missing or whose SHA-256 differs, as lines."""
    from mmm.runs import _file_sha256

    changed = []
    for role, info in manifest.get("data_files", {}).items():
        p = Path(info["path"])
        if not p.exists():
            changed.append(f"{role}: {p} is missing")
        elif _file_sha256(p) != info["sha256"]:
            changed.append(f"{role}: {p} changed (SHA-256 differs from the manifest)")
    return changed


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
    quiet: Quiet = False,
) -> None:
    """Simulate the demo brand, validate, fit, plan the next quarter and write the report.

    The demo samples as `mmm fit` does (4 chains x 1000 draws after 1000 tuning steps);
    its health checks are printed and shown in the report, and only fail the command
    with --strict.
    """
    set_quiet(quiet)
    t0 = time.perf_counter()
    ds, data_paths, result, paths = _demo_fit(out, draws=draws, tune=tune, chains=chains)
    paths.update(_demo_plan(out / "run", ds))
    say("")
    say(f"demo finished in {time.perf_counter() - t0:.0f} s; outputs:")
    for k, p in {**data_paths, **paths}.items():
        say(f"  {k:10s} {p}")
    raise typer.Exit(health_exit_code(result.diagnostics, strict=strict))


def _demo_fit(out: Path, *, draws: int, tune: int, chains: int):
    """Simulate the demo brand into ``OUT/input``, summarise and fit it into ``OUT/run``."""
    from mmm.data import summarize
    from mmm.datasets import demo_simulation

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
    result, paths = run_fit(
        cfg, out / "run", mediator_hint=hint, progress=not is_quiet(), tables=False
    )
    print_roas(result)
    return ds, data_paths, result, paths


def _demo_plan(run_dir: Path, ds) -> dict[str, Path]:
    """Plan the next 13 weeks at the last 13 weeks' budget, then write the report and,
    beside it, the tables."""
    from mmm.optimize.cli import run_optimize_cli
    from mmm.report.write import write_report

    budget = float(ds.spend.isel(date=slice(-13, None)).sum())
    say(f"\nplanning the next 13 weeks with the same budget ({budget:,.0f}) ...")
    # the demo values a store visit at 25 and lets each line move +/-50 % (docs/optimize.md)
    opt = run_optimize_cli(
        run_dir,
        budget=budget,
        horizon=13,
        value_per_visit=25.0,
        max_change=0.5,
        name="recommended",
        replace=True,
    )
    print_recommendation(opt, currency=RunFolder(run_dir).currency())
    with tables_beside(run_dir) as tables:
        rep = write_report(run_dir, value_per_visit=25.0)
    return {
        "recommendation": opt["json"],
        "report": rep["html"],
        "report_md": rep["md"],
        **tables,
    }
