"""File in, attribution out: the function behind ``mmm journeys``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.journeys.attribution import MEASURES, attribute, journey_patterns, top_paths
from mmm.journeys.build import build_journeys
from mmm.journeys.paths import DEFAULT_SEPARATOR, PathTable, paths_from_frame

TEMPLATE = "attribution.html.j2"
PATH_COLUMNS = "path, conversions, nulls (value optional)"
EVENT_COLUMNS = (
    "journey_id (or user_id), timestamp, channel, conversion "
    "(value, conversion_type, audience optional)"
)


def read_table(source: Path) -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet file; DataError if missing or unknown."""
    source = Path(source)
    if not source.is_file():
        raise DataError(f"file {source} does not exist; check the path", source=str(source))
    name = source.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(source)
        if name.endswith((".csv", ".csv.gz", ".txt")):
            return pd.read_csv(source)
    except (ValueError, OSError) as err:
        raise DataError(f"could not read {source}: {err}", source=str(source)) from err
    raise DataError(
        f"file {source} is neither CSV (.csv, .csv.gz) nor Parquet (.parquet); convert it",
        source=str(source),
    )


def load_paths(
    source: Path,
    *,
    separator: str = DEFAULT_SEPARATOR,
    lookback_days: float | None = 30,
) -> PathTable:
    """Read events or aggregated paths from a file, telling them apart by their columns.

    A table with a ``path`` column is read as aggregated paths (``lookback_days`` does not
    apply: paths carry no times); a table with a ``timestamp`` column as events, the id taken
    from ``journey_id`` or else ``user_id``.
    """
    frame = read_table(source)
    name = Path(source).name
    if "path" in frame.columns:
        return paths_from_frame(frame, separator=separator, source=name)
    if "timestamp" in frame.columns:
        id_column = "journey_id" if "journey_id" in frame.columns else "user_id"
        return build_journeys(frame, lookback_days=lookback_days, id_column=id_column, source=name)
    raise DataError(
        f"{name} is neither aggregated paths (columns {PATH_COLUMNS}) nor events (columns "
        f"{EVENT_COLUMNS}); columns found: {', '.join(map(str, frame.columns))}",
        source=name,
    )


def _format_share(share: float, lower: float, upper: float) -> str:
    if not np.isfinite(share):
        return "n/a"
    text = f"{share * 100:.1f}%"
    if np.isfinite(lower) and np.isfinite(upper):
        text += f" [{lower * 100:.1f}, {upper * 100:.1f}]"
    return text


def _credit_svg(result: pd.DataFrame) -> str:
    from mmm.journeys.plots import plot_credit_by_method

    fig = plot_credit_by_method(result)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def render_html(
    paths: PathTable,
    result: pd.DataFrame,
    *,
    separator: str = DEFAULT_SEPARATOR,
    figure: bool = True,
) -> str:
    """The self-contained HTML page of an attribution result (user text is escaped)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    methods = list(dict.fromkeys(result["method"]))
    rows = []
    for channel in paths.channels:
        cells = []
        for m in methods:
            r = result[(result["method"] == m) & (result["channel"] == channel)].iloc[0]
            cells.append(_format_share(r["share"], r["lower"], r["upper"]))
        rows.append({"channel": channel, "cells": cells})
    top = top_paths(paths, n=10, separator=separator).to_dict("records")
    patterns = journey_patterns(paths).to_dict("records")
    for p in patterns:
        s = p["store_conversions"]
        p["store"] = "n/a" if not np.isfinite(s) else f"{s:.6g}"
    context = {
        "source": paths.source,
        "n_paths": paths.n_paths,
        "n_channels": paths.n_channels,
        "total_conversions": paths.total_conversions,
        "total_value": paths.total_value if paths.has_value else None,
        "total_journeys": float(paths.journeys.sum()),
        "excluded": [(k, v) for k, v in paths.excluded.items() if v],
        "methods": methods,
        "share_rows": rows,
        "interval": result.attrs.get("interval"),
        "n_bootstrap": result.attrs.get("n_bootstrap", 0),
        "seed": result.attrs.get("seed", 0),
        "measures": [(m, MEASURES[m]) for m in methods],
        "top": top,
        "patterns": patterns,
        "options": [(k, v) for k, v in result.attrs.items()],
        "figure_svg": _credit_svg(result) if figure else "",
    }
    return env.get_template(TEMPLATE).render(**context)


def run_journeys_cli(
    source: Path,
    *,
    method: list[str],
    out: Path,
    separator: str = DEFAULT_SEPARATOR,
    lookback_days: int | None = 30,
    markov_order: int = 1,
    n_bootstrap: int = 0,
    seed: int = 0,
) -> dict[str, Path]:
    """Attribute the journeys in ``source`` and write ``attribution.csv`` and ``attribution.html``.

    Parameters
    ----------
    source : pathlib.Path
        CSV or Parquet file of events or aggregated paths (see :func:`load_paths`).
    method : list of str, keyword-only
        Methods as in :func:`mmm.journeys.attribute`.
    out : pathlib.Path, keyword-only
        Output folder (created if needed).
    separator : str, keyword-only
        Separator of path strings.
    lookback_days : int or None, keyword-only
        Lookback window for events (ignored for aggregated paths).
    markov_order : int, keyword-only
        Order of the Markov methods (1 to 4).
    n_bootstrap : int, keyword-only
        Bootstrap replicates for intervals (0: none).
    seed : int, keyword-only
        Seed of the bootstrap and of sampled Shapley orderings.

    Returns
    -------
    dict
        ``{"csv": path of attribution.csv, "html": path of attribution.html}``.

    Raises
    ------
    DataError
        Unreadable file or invalid rows (every problem listed), or a method that needs
        event data given aggregated paths.
    mmm.errors.SpecError
        Unknown method or invalid option.
    """
    source = Path(source)
    paths = load_paths(source, separator=separator, lookback_days=lookback_days)
    result = attribute(
        paths, methods=method, markov_order=markov_order, n_bootstrap=n_bootstrap, seed=seed
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "attribution.csv"
    table = result.copy()
    table["interval"] = result.attrs.get("interval") if n_bootstrap > 0 else np.nan
    table.to_csv(csv_path, index=False)
    html_path = out / "attribution.html"
    html_path.write_text(render_html(paths, result, separator=separator), encoding="utf-8")
    return {"csv": csv_path, "html": html_path}
