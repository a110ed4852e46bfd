"""Wide tables (one row per date, one column per channel) to the long media contract."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.names import AUDIENCE, CHANNEL, DATE, DEFAULT_AUDIENCE, DEFAULT_GEO, GEO, STAGE

from .dataset import Dataset, build_dataset
from .io import read_table
from .validate import ProblemList, check_dates, check_duplicates, check_numeric

__all__ = ["wide_to_long", "from_wide", "from_wide_map"]

SeriesTarget = str | tuple[str, str]


def _targets(mapping: Mapping[str, SeriesTarget], *, argument: str) -> dict[str, tuple[str, str]]:
    if not isinstance(mapping, Mapping) or not mapping:
        raise TypeError(
            f"{argument} must be a non-empty dict mapping a wide column name to a channel or a "
            f"(channel, audience) pair; got {mapping!r}"
        )
    out: dict[str, tuple[str, str]] = {}
    for column, target in mapping.items():
        if isinstance(target, str):
            out[str(column)] = (target, DEFAULT_AUDIENCE)
        elif (
            isinstance(target, tuple)
            and len(target) == 2
            and all(isinstance(t, str) for t in target)
        ):
            out[str(column)] = (target[0], target[1])
        else:
            raise TypeError(
                f"{argument}[{column!r}] must be a channel name or a (channel, audience) pair "
                f"of strings; got {target!r}"
            )
    return out


def _check_targets(spend: dict, impressions: dict | None, *, label: str) -> list[str]:
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for column, target in spend.items():
        if target in seen:
            problems.append(
                f"[wide: {label}] spend columns {seen[target]!r} and {column!r} both map to "
                f"series {target[0]}|{target[1]}. Fix: add them up into one column, or give "
                "them different audiences."
            )
        seen[target] = column
    if impressions:
        targets = set(spend.values())
        used: dict[tuple[str, str], str] = {}
        for column, target in impressions.items():
            if target not in targets:
                problems.append(
                    f"[wide: {label}] impressions column {column!r} maps to {target[0]}|"
                    f"{target[1]}, which no spend column maps to. Fix: map it to one of "
                    f"{sorted(f'{c}|{a}' for c, a in targets)}."
                )
            if target in used:
                problems.append(
                    f"[wide: {label}] impressions columns {used[target]!r} and {column!r} both "
                    f"map to {target[0]}|{target[1]}. Fix: keep one."
                )
            used[target] = column
    return problems


def _missing_columns(frame: pd.DataFrame, wanted: dict[str, list[str]], *, label: str) -> list[str]:
    problems = []
    columns = list(frame.columns)
    for what, names in wanted.items():
        absent = [c for c in names if c not in columns]
        if absent:
            problems.append(
                f"[wide: {label}] {what} column(s) {absent} not found; available columns: "
                f"{columns}. Fix: correct the column names."
            )
    return problems


def wide_to_long(
    frame: str | os.PathLike | pd.DataFrame,
    *,
    date: str = DATE,
    spend: Mapping[str, SeriesTarget],
    geo: str | None = None,
    impressions: Mapping[str, SeriesTarget] | None = None,
) -> pd.DataFrame:
    """Turn a wide table (one spend column per series) into the long media table.

    Parameters
    ----------
    frame : path or pandas.DataFrame
        One row per date (per geo when ``geo`` is given). Not modified.
    date : str
        Name of the date column.
    spend : dict
        Wide column name -> channel (audience ``"all"``) or ``(channel, audience)``.
        Values are spend in currency.
    geo : str, optional
        Name of the geo column; national (geo ``"all"``) when None.
    impressions : dict, optional
        Wide column name -> channel or ``(channel, audience)`` of a spend series.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``geo``, ``channel``, ``audience``, ``spend`` (and ``impressions``
        when given; NaN for series without impressions), one row per (wide row, spend
        column), grouped by spend column in mapping order. Cell values are copied as they
        are; :func:`mmm.data.load_dataset` validates them.

    Raises
    ------
    DataError
        Named columns are missing, or two columns map to the same series.
    """
    wide, label = read_table(frame, role="wide")
    targets = _targets(spend, argument="spend")
    imp_targets = None if impressions is None else _targets(impressions, argument="impressions")
    problems = _missing_columns(
        wide,
        {
            "date": [date],
            "geo": [] if geo is None else [geo],
            "spend": list(targets),
            "impressions": list(imp_targets or {}),
        },
        label=label,
    )
    problems += _check_targets(targets, imp_targets, label=label)
    if problems:
        raise DataError(problems)
    return _stack(wide, date=date, geo=geo, targets=targets, imp_targets=imp_targets)


def _stack(wide, *, date, geo, targets, imp_targets) -> pd.DataFrame:
    imp_column = {t: c for c, t in (imp_targets or {}).items()}
    n = len(wide)
    parts = []
    for column, (channel, audience) in targets.items():
        part = {
            DATE: wide[date].to_numpy(),
            GEO: wide[geo].to_numpy() if geo is not None else np.full(n, DEFAULT_GEO, object),
            CHANNEL: np.full(n, channel, dtype=object),
            AUDIENCE: np.full(n, audience, dtype=object),
            "spend": wide[column].to_numpy(),
        }
        if imp_targets is not None:
            source = imp_column.get((channel, audience))
            part["impressions"] = (
                wide[source].to_numpy() if source is not None else np.full(n, np.nan)
            )
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


def _role_problems(targets, imp_targets, outcomes, controls, *, date, geo, label) -> list[str]:
    """A column given more than one role, and outcome or control columns with a reserved
    name."""
    problems = []
    roles: dict[str, list[str]] = {}
    for role, names in (
        ("spend", list(targets)),
        ("impressions", list(imp_targets or {})),
        ("outcome", outcomes),
        ("control", controls),
        ("date", [date]),
        ("geo", [] if geo is None else [geo]),
    ):
        for column in names:
            roles.setdefault(column, []).append(role)
    shared = {c: r for c, r in roles.items() if len(r) > 1}
    if shared:
        problems.append(
            f"[wide: {label}] column(s) used in more than one role: {shared}. "
            "Fix: give each column one role."
        )
    reserved = [c for c in outcomes + controls if c in (DATE, GEO)]
    if reserved:
        problems.append(
            f"[wide: {label}] outcome or control column(s) named {reserved}; the names "
            f"{DATE!r} and {GEO!r} are reserved. Fix: rename them."
        )
    return problems


def _check_cells(wide, targets, imp_targets, measures, *, date, geo, label) -> None:
    """Raise a DataError naming the wide table's columns and rows where dates, (date, geo)
    keys, spend, impressions or the outcome and control ``measures`` are bad."""
    # Cell checks on the wide table, so that messages name its columns and rows.
    cells = ProblemList()
    dates = check_dates(wide, date, role="wide", label=label, problems=cells)
    keys = pd.DataFrame({DATE: dates})
    if geo is not None:
        keys[GEO] = wide[geo].to_numpy()
    check_duplicates(
        keys[keys.notna().all(axis=1)],
        role="wide",
        label=label,
        problems=cells,
        key_names=list(keys.columns),
    )
    for column in targets:
        check_numeric(
            wide,
            column,
            role="wide",
            label=label,
            problems=cells,
            minimum=0.0,
            meaning="spend, currency, must be >= 0",
            fix="correct the spend in these rows (0 when nothing was spent)",
        )
    for column in imp_targets or {}:
        check_numeric(
            wide,
            column,
            role="wide",
            label=label,
            problems=cells,
            allow_missing=True,
            minimum=0.0,
            meaning="impressions, must be >= 0",
            fix="correct the impressions in these rows",
        )
    for column in measures:
        check_numeric(
            wide, column, role="wide", label=label, problems=cells, fix="give a number in every row"
        )
    if cells:
        raise DataError(cells.items)


def _catalogue(channels) -> tuple[pd.DataFrame, str]:
    """The channel catalogue and its label, from a DataFrame or a dict channel -> stage."""
    if isinstance(channels, pd.DataFrame):
        return read_table(channels, role="channels")
    if isinstance(channels, Mapping):
        catalogue = pd.DataFrame({CHANNEL: list(channels.keys()), STAGE: list(channels.values())})
        return catalogue, "<channels dict>"
    raise TypeError(
        "channels must be a catalogue DataFrame or a dict channel -> stage; "
        f"got {type(channels).__name__}"
    )


def from_wide(
    frame: str | os.PathLike | pd.DataFrame,
    *,
    date: str = DATE,
    spend: Mapping[str, SeriesTarget],
    outcomes: list[str],
    controls: list[str] | None = None,
    channels: pd.DataFrame | Mapping[str, str],
    geo: str | None = None,
    impressions: Mapping[str, SeriesTarget] | None = None,
    fill_missing_spend: bool = False,
    name: str | None = None,
) -> Dataset:
    """Build a :class:`Dataset` from one wide table (the layout of most MMM examples).

    Parameters
    ----------
    frame : path or pandas.DataFrame
        One row per date (per (date, geo) when ``geo`` is given). Not modified.
    date : str
        Name of the date column.
    spend : dict
        Spend column -> channel or ``(channel, audience)``; values in currency.
    outcomes : list of str
        Outcome columns.
    controls : list of str, optional
        Control columns.
    channels : pandas.DataFrame or dict
        The channel catalogue, or a dict channel -> stage (``"awareness"`` or
        ``"conversion"``).
    geo : str, optional
        Name of the geo column; national data when None.
    impressions : dict, optional
        Impressions column -> channel or ``(channel, audience)`` of a spend series.
    fill_missing_spend : bool
        Passed to :func:`mmm.data.load_dataset`.
    name : str, optional
        Free label of the dataset.

    Returns
    -------
    Dataset
        Sources are labelled ``"<label> [spend columns]"``, ``"<label> [outcome columns]"``
        and so on, where ``<label>`` is the file path or ``"<wide DataFrame>"``.

    Raises
    ------
    DataError
        Every problem at once; cell problems name the wide table's columns and data rows.
    """
    wide, label = read_table(frame, role="wide")
    targets = _targets(spend, argument="spend")
    imp_targets = None if impressions is None else _targets(impressions, argument="impressions")
    outcomes = list(outcomes)
    controls = list(controls or [])
    problems = _missing_columns(
        wide,
        {
            "date": [date],
            "geo": [] if geo is None else [geo],
            "spend": list(targets),
            "impressions": list(imp_targets or {}),
            "outcome": outcomes,
            "control": controls,
        },
        label=label,
    )
    problems += _check_targets(targets, imp_targets, label=label)
    if not outcomes:
        problems.append(f"[wide: {label}] no outcome columns given. Fix: name at least one.")
    problems += _role_problems(
        targets, imp_targets, outcomes, controls, date=date, geo=geo, label=label
    )
    if problems:
        raise DataError(problems)

    _check_cells(wide, targets, imp_targets, outcomes + controls, date=date, geo=geo, label=label)

    media = _stack(wide, date=date, geo=geo, targets=targets, imp_targets=imp_targets)
    keep = [date] + ([] if geo is None else [geo])
    rename = {date: DATE} | ({} if geo is None else {geo: GEO})
    outcome_frame = wide[keep + outcomes].rename(columns=rename)
    control_frame = wide[keep + controls].rename(columns=rename) if controls else None
    catalogue, catalogue_label = _catalogue(channels)
    tables = {
        "media": (media, f"{label} [spend columns]"),
        "outcomes": (outcome_frame, f"{label} [outcome columns]"),
        "channels": (catalogue, catalogue_label),
    }
    if control_frame is not None:
        tables["controls"] = (control_frame, f"{label} [control columns]")
    return build_dataset(
        tables,
        outcome_columns=outcomes,
        fill_missing_spend=fill_missing_spend,
        name=name,
    )


_MAP_KEYS = {"date", "geo", "spend", "impressions", "outcomes", "controls", "channels"}


def _map_targets(table, *, key: str, path) -> dict:
    out = {}
    for column, target in table.items():
        if isinstance(target, list):
            if len(target) != 2 or not all(isinstance(t, str) for t in target):
                raise DataError(
                    f"[wide map: {path}] {key}.{column!r} = {target!r}: give a channel name or "
                    'a [channel, audience] pair, e.g. ["paid_search", "prospecting"].'
                )
            target = (target[0], target[1])
        out[column] = target
    return out


def from_wide_map(frame: str | os.PathLike | pd.DataFrame, map_file: str | os.PathLike) -> Dataset:
    """Build a :class:`Dataset` from a wide table and a TOML file mapping its columns.

    The map holds the arguments of :func:`from_wide` (the format is in ``docs/data.md``)::

        date = "week"
        outcomes = ["online_sales", "store_visits"]
        controls = ["price_index"]            # optional
        # geo = "region"                      # optional: the geo column

        [spend]                               # spend column -> channel or [channel, audience]
        search_eur = ["paid_search", "prospecting"]
        social_eur = "paid_social"

        [channels]                            # channel -> stage
        paid_search = "conversion"
        paid_social = "awareness"

    Parameters
    ----------
    frame : path or pandas.DataFrame
        The wide table (CSV or Parquet).
    map_file : path
        The TOML map.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        The map is missing, unreadable, lacks ``spend``, ``outcomes`` or ``channels`` or has
        unknown keys; or the table fails :func:`from_wide`'s checks.
    """
    import tomllib
    from pathlib import Path

    path = Path(map_file)
    if not path.exists():
        raise DataError(f"the wide-table map {path} does not exist (see docs/data.md).")
    try:
        m = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"the wide-table map {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(m) - _MAP_KEYS)
    missing = [k for k in ("spend", "outcomes", "channels") if k not in m]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"it lacks {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown keys {unknown} (allowed: {sorted(_MAP_KEYS)})")
        raise DataError(f"[wide map: {path}] {'; '.join(parts)}. See docs/data.md.")
    return from_wide(
        frame,
        date=m.get("date", DATE),
        spend=_map_targets(m["spend"], key="spend", path=path),
        impressions=(
            _map_targets(m["impressions"], key="impressions", path=path)
            if "impressions" in m
            else None
        ),
        outcomes=list(m["outcomes"]),
        controls=list(m.get("controls", [])) or None,
        channels=dict(m["channels"]),
        geo=m.get("geo"),
    )
