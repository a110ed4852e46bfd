"""``mmm journeys``: journey attribution (the work is done by :mod:`mmm.journeys.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mmm.cli.core import Seed, say


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
    seed: Seed = 0,
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
