"""``mmm simulate``, ``mmm validate`` and ``mmm init``: data in, a config template out."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated

import typer

from mmm.cli.core import Seed, say
from mmm.errors import DataWarning, MMMError


def simulate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the tables into.")],
    geos: Annotated[int, typer.Option(help="Number of geos (0 = national).")] = 0,
    seed: Seed = 0,
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


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the config template.")],
) -> None:
    """Write a commented config template (config.toml) into DIRECTORY."""
    from mmm.config import TEMPLATE
    from mmm.run_folder import CONFIG_FILE

    directory.mkdir(parents=True, exist_ok=True)
    p = directory / CONFIG_FILE
    if p.exists():
        raise MMMError(f"{p} already exists; remove it or choose another folder.")
    p.write_text(TEMPLATE)
    say(f"wrote {p}")
