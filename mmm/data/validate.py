"""Validation of the input tables: every problem is collected and reported at once.

The functions here never repair data silently. Each problem names the table (role and
file label), the column, the first offending rows (at most five, as spreadsheet rows: the
header is row 1, the first data row is row 2) with their values, and the fix.
The only repairs are explicit options (``fill_missing_spend``) and the trimming of outcome
or control dates outside the media range; both are recorded in ``repairs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.checks import (
    _FREQ_WORD,
    _MAX_SHOWN,
    CATALOGUE_OPTIONAL,
    CATALOGUE_REQUIRED,
    CORRELATION_WARNING,
    GEO_OPTIONAL,
    GEO_REQUIRED,
    MEDIA_OPTIONAL,
    MEDIA_REQUIRED,
    MIN_PERIODS,
    ProblemList,
    _family,
    _fmt_date,
    _fmt_dates,
    _is_missing,
    _require_columns,
    _unused_columns,
    check_dates,
    check_duplicates,
    check_labels,
    check_numeric,
    detect_frequency,
    format_rows,
)
from mmm.data.national import spread_national
from mmm.data.quality import data_warnings, spend_correlations
from mmm.errors import DataError
from mmm.names import (
    AUDIENCE,
    CHANNEL,
    DATE,
    DEFAULT_AUDIENCE,
    DEFAULT_GEO,
    GEO,
    STAGE,
    STAGES,
    series_label,
)

__all__ = [
    "ValidatedTables",
    "validate_tables",
    "detect_frequency",
    "data_warnings",
    "format_rows",
    "check_numeric",
    "check_dates",
    "check_labels",
    "check_duplicates",
    "ProblemList",
    "spend_correlations",
    "MIN_PERIODS",
    "CORRELATION_WARNING",
]

# --------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class ValidatedTables:
    """Clean, aligned long tables produced by :func:`validate_tables`."""

    media: pd.DataFrame
    outcomes: pd.DataFrame
    outcome_names: list[str]
    controls: pd.DataFrame | None
    control_names: list[str]
    catalogue: pd.DataFrame
    geo_info: pd.DataFrame | None
    dates: pd.DatetimeIndex
    freq: str
    geos: list[str]
    series: list[tuple[str, str]]
    impressions_series: frozenset[tuple[str, str]] | None
    missing_cells: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)


def _validate_media(frame, label, problems, warnings_out):
    role = "media"
    if not _require_columns(
        frame, MEDIA_REQUIRED, MEDIA_OPTIONAL, role=role, label=label, problems=problems
    ):
        return None
    _unused_columns(
        frame, MEDIA_REQUIRED + MEDIA_OPTIONAL, role=role, label=label, warnings_out=warnings_out
    )
    n = len(frame)
    n_before = len(problems.items)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out[DATE] = check_dates(frame, DATE, role=role, label=label, problems=problems)
    date_problem = len(problems.items) > n_before
    out[CHANNEL] = check_labels(
        frame, CHANNEL, role=role, label=label, problems=problems, forbid_sep=True
    )
    for col, default in ((AUDIENCE, DEFAULT_AUDIENCE), (GEO, DEFAULT_GEO)):
        if col in frame.columns:
            out[col] = check_labels(
                frame, col, role=role, label=label, problems=problems, forbid_sep=col == AUDIENCE
            )
        else:
            out[col] = np.full(n, default, dtype=object)
    out["spend"] = check_numeric(
        frame,
        "spend",
        role=role,
        label=label,
        problems=problems,
        minimum=0.0,
        meaning="spend, currency, must be >= 0",
        fix="correct the spend of these rows (0 when nothing was spent)",
    )
    if "impressions" in frame.columns:
        out["impressions"] = check_numeric(
            frame,
            "impressions",
            role=role,
            label=label,
            problems=problems,
            allow_missing=True,
            minimum=0.0,
            meaning="impressions, must be >= 0",
            fix="correct the impressions of these rows",
        )
    keys = out[[DATE, GEO, CHANNEL, AUDIENCE]]
    valid = keys.notna().all(axis=1)
    check_duplicates(
        keys[valid],
        role=role,
        label=label,
        problems=problems,
        key_names=[DATE, GEO, CHANNEL, AUDIENCE],
    )
    return out, date_problem


def _check_stages(frame: pd.DataFrame, label: str, problems: ProblemList):
    """The catalogue's funnel stages; a stage not in STAGES is a problem (with a hint when
    it differs from one only in case or spaces)."""
    stages = check_labels(frame, STAGE, role="channels", label=label, problems=problems)
    unknown = [i for i, s in enumerate(stages) if s is not None and s not in STAGES]
    if unknown:
        values = [stages[i] for i in unknown]
        hint = ""
        near = sorted({v for v in values if v.strip().lower() in STAGES})
        if near:
            hint = f" (values {near} differ from an allowed stage only in case or spaces)"
        problems.add(
            "channels",
            label,
            f"column {STAGE!r}: {len(unknown)} unknown funnel stage(s) at "
            f"{format_rows(unknown, values)}; allowed: {list(STAGES)}{hint}. "
            "Fix: set each channel's stage to one of the allowed values.",
        )
    return stages


def _validate_catalogue(frame, label, problems, warnings_out):
    role = "channels"
    if not _require_columns(
        frame, CATALOGUE_REQUIRED, CATALOGUE_OPTIONAL, role=role, label=label, problems=problems
    ):
        return None
    _unused_columns(
        frame,
        CATALOGUE_REQUIRED + CATALOGUE_OPTIONAL,
        role=role,
        label=label,
        warnings_out=warnings_out,
    )
    n = len(frame)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out[CHANNEL] = check_labels(
        frame, CHANNEL, role=role, label=label, problems=problems, forbid_sep=True
    )
    out[STAGE] = _check_stages(frame, label, problems)
    if "max_lag" in frame.columns:
        lag = check_numeric(
            frame,
            "max_lag",
            role=role,
            label=label,
            problems=problems,
            allow_missing=True,
            minimum=0.0,
            strict=True,
            integer=True,
            meaning="longest carry-over in periods, a whole number > 0",
            fix="give a whole number of periods > 0, or leave the cell empty",
        )
        lag = np.where(np.isfinite(lag) & (lag > 0) & (np.round(lag) == lag), lag, np.nan)
        out["max_lag"] = pd.array([pd.NA if np.isnan(v) else int(v) for v in lag], dtype="Int64")
    else:
        out["max_lag"] = pd.array([pd.NA] * n, dtype="Int64")
    if "roas_prior" in frame.columns:
        out["roas_prior"] = check_numeric(
            frame,
            "roas_prior",
            role=role,
            label=label,
            problems=problems,
            allow_missing=True,
            minimum=0.0,
            strict=True,
            meaning="prior guess of revenue per unit of spend, must be > 0",
            fix="give a positive number, or leave the cell empty",
        )
    else:
        out["roas_prior"] = np.full(n, np.nan)
    if "description" in frame.columns:
        out["description"] = [
            "" if _is_missing(v) else str(v) for v in frame["description"].tolist()
        ]
    else:
        out["description"] = [""] * n
    names = out[CHANNEL]
    valid = names.notna()
    check_duplicates(
        out.loc[valid, [CHANNEL]],
        role=role,
        label=label,
        problems=problems,
        key_names=[CHANNEL],
    )
    return out


def _validate_geo_table(frame, label, problems, warnings_out):
    role = "geos"
    if not _require_columns(
        frame, GEO_REQUIRED, GEO_OPTIONAL, role=role, label=label, problems=problems
    ):
        return None
    _unused_columns(
        frame, GEO_REQUIRED + GEO_OPTIONAL, role=role, label=label, warnings_out=warnings_out
    )
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    out[GEO] = check_labels(frame, GEO, role=role, label=label, problems=problems)
    if "population" in frame.columns:
        out["population"] = check_numeric(
            frame,
            "population",
            role=role,
            label=label,
            problems=problems,
            minimum=0.0,
            strict=True,
            meaning="people, must be > 0",
            fix="give the population of every geo",
        )
    if "shops" in frame.columns:
        shops = check_numeric(
            frame,
            "shops",
            role=role,
            label=label,
            problems=problems,
            minimum=0.0,
            integer=True,
            meaning="number of shops, a whole number >= 0",
            fix="give the number of shops of every geo (0 if none)",
        )
        ok = np.isfinite(shops) & (shops >= 0) & (np.round(shops) == shops)
        out["shops"] = pd.array(
            [int(v) if k else pd.NA for v, k in zip(shops, ok, strict=True)], dtype="Int64"
        )
    if "near_store_population" in frame.columns:
        out["near_store_population"] = check_numeric(
            frame,
            "near_store_population",
            role=role,
            label=label,
            problems=problems,
            minimum=0.0,
            meaning="people living near a shop, must be >= 0",
            fix="give a value for every geo (0 if none)",
        )
    check_duplicates(
        out.loc[out[GEO].notna(), [GEO]],
        role=role,
        label=label,
        problems=problems,
        key_names=[GEO],
    )
    return out


def _validate_measures(frame, label, role, columns, problems, warnings_out):
    """Outcomes or controls: date, optional geo, numeric value columns."""
    if not _require_columns(frame, (DATE,), (GEO,), role=role, label=label, problems=problems):
        return None
    available = [c for c in frame.columns if c not in (DATE, GEO)]
    if columns is None:
        names = available
    else:
        names = list(columns)
        absent = [c for c in names if c not in available]
        repeated = sorted({c for c in names if names.count(c) > 1})
        if absent or repeated:
            parts = []
            if absent:
                parts.append(f"requested {role} column(s) {absent} not found")
            if repeated:
                parts.append(f"column(s) {repeated} requested more than once")
            problems.add(
                role,
                label,
                f"{'; '.join(parts)}; available: {available}. "
                "Fix: correct outcome_columns or the table's header.",
            )
            names = [c for c in dict.fromkeys(names) if c in available]
    if not names:
        problems.add(
            role,
            label,
            f"no {role} value columns (columns: {list(frame.columns)}). "
            f"Fix: add at least one numeric column besides {DATE!r} and {GEO!r}.",
        )
        return None
    n = len(frame)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out[DATE] = check_dates(frame, DATE, role=role, label=label, problems=problems)
    has_geo = GEO in frame.columns
    if has_geo:
        out[GEO] = check_labels(frame, GEO, role=role, label=label, problems=problems)
    else:
        out[GEO] = np.full(n, DEFAULT_GEO, dtype=object)
    hint = " or pass outcome_columns to choose the outcome columns" if role == "outcomes" else ""
    for col in names:
        out[col] = check_numeric(
            frame,
            col,
            role=role,
            label=label,
            problems=problems,
            fix=f"give a number in every row{hint}",
        )
    keys = out[[DATE, GEO]]
    check_duplicates(
        keys[keys.notna().all(axis=1)],
        role=role,
        label=label,
        problems=problems,
        key_names=[DATE, GEO],
    )
    return out, names, has_geo


def _check_geos(media_geos, other_geos, *, role, label, has_geo_column, problems) -> None:
    media_geos, other_geos = set(media_geos), set(other_geos)
    if media_geos == other_geos:
        return
    only_media = sorted(media_geos - other_geos)
    only_other = sorted(other_geos - media_geos)
    parts = []
    if only_media:
        parts.append(f"in media but not in {role}: {only_media}")
    if only_other:
        parts.append(f"in {role} but not in media: {only_other}")
    text = f"geos differ between tables: {'; '.join(parts)}."
    if not has_geo_column:
        text += (
            f" The {role} table has no {GEO!r} column, so it is read as national "
            f"(geo {DEFAULT_GEO!r})."
        )
    text += f" Fix: use the same geo names in the media and {role} tables."
    problems.add(role, label, text)


def _align_dates(table, *, dates, freq, role, label, problems, repairs):
    """Check that a per-(date, geo) table covers every media date; drop dates outside."""
    valid = table[DATE].notna() & table[GEO].notna()
    table = table[valid]
    start, end = dates[0], dates[-1]
    outside = (table[DATE] < start) | (table[DATE] > end)
    inside = table[~outside]
    grid = set(dates.values.astype("datetime64[ns]").tolist())
    off_grid = ~inside[DATE].isin(dates)
    if off_grid.any():
        idx = inside.index[off_grid.to_numpy()].tolist()
        problems.add(
            role,
            label,
            f"{len(idx)} row(s) dated inside the media range but not on the media dates "
            f"({freq}) at {format_rows(idx, [table.loc[i, DATE] for i in idx])}. "
            f"Fix: aggregate the {role} to the media frequency.",
        )
    for geo, part in inside.groupby(GEO, sort=True):
        have = set(part[DATE].values.astype("datetime64[ns]").tolist())
        lacking = sorted(grid - have)
        if lacking:
            problems.add(
                role,
                label,
                f"{role} do not cover the media dates: geo {geo!r} lacks {len(lacking)} "
                f"date(s): {_fmt_dates(pd.to_datetime(lacking))}. "
                f"Fix: add {role} rows for these dates (the media run from "
                f"{_fmt_date(start)} to {_fmt_date(end)}).",
            )
    if outside.any():
        dropped = table.loc[outside, DATE]
        repairs.append(
            f"dropped {int(outside.sum())} {role} row(s) dated outside the media range "
            f"{_fmt_date(start)} to {_fmt_date(end)} ({label}; dates "
            f"{_fmt_dates(sorted(dropped.unique()))})"
        )
    return inside[~off_grid].reset_index(drop=True)


def validate_tables(
    media: tuple[pd.DataFrame, str],
    outcomes: tuple[pd.DataFrame, str],
    channels: tuple[pd.DataFrame, str],
    controls: tuple[pd.DataFrame, str] | None = None,
    geos: tuple[pd.DataFrame, str] | None = None,
    *,
    outcome_columns: list[str] | None = None,
    fill_missing_spend: bool = False,
    national_by: str = "population",
) -> ValidatedTables:
    """Validate the input tables together and return clean, aligned long tables.

    Parameters
    ----------
    media, outcomes, channels, controls, geos : tuple of (pandas.DataFrame, str)
        Each table as returned by :func:`mmm.data.io.read_table` (frame, source label).
    outcome_columns : list of str, optional
        Outcome columns to keep; default every column of the outcomes table but
        ``date`` and ``geo``.
    fill_missing_spend : bool
        Fill absent (date, geo, series) media rows with spend 0 (recorded in ``repairs``)
        instead of raising.
    national_by : str
        Geos-table column by which media rows with geo ``"national"`` are spread over the
        geos (:mod:`mmm.data.national`; recorded in ``repairs``).

    Returns
    -------
    ValidatedTables

    Raises
    ------
    DataError
        Listing every problem found in every table.
    """
    problems = ProblemList()
    warnings_out: list[str] = []
    repairs: list[str] = []
    media_label = media[1]
    t = _read_each(
        media, outcomes, channels, controls, geos, outcome_columns, problems, warnings_out
    )
    if t.media is None:
        raise DataError(problems.items)
    m, date_problem = t.media
    freq, dates = _media_dates(m, media_label, problems)
    media_channels = list(dict.fromkeys(m[CHANNEL].dropna().tolist()))
    catalogue_channels = _check_channels(
        m, media_channels, t.catalogue, channels[1], problems, warnings_out
    )
    m = _spread_national_media(m, t, national_by, media_label, problems, repairs)
    media_geos = sorted(set(m[GEO].dropna().tolist()))
    _check_table_geos(media_geos, t, problems)
    dates_ok = None if date_problem else dates
    missing_cells, impressions_series = _coverage(
        m, dates_ok, fill_missing_spend, media_label, problems, repairs, warnings_out
    )
    aligned_outcomes, aligned_controls = _aligned(t, dates, freq, problems, repairs)
    if problems:
        raise DataError(problems.items)
    assert freq is not None and dates is not None  # problems above raised otherwise
    return ValidatedTables(
        media=m.reset_index(drop=True),
        outcomes=aligned_outcomes,
        outcome_names=t.outcomes[1],
        controls=aligned_controls,
        control_names=[] if t.controls is None else t.controls[1],
        catalogue=t.catalogue[t.catalogue[CHANNEL].isin(media_channels)].reset_index(drop=True),
        geo_info=None if t.geo_table is None else t.geo_table.set_index(GEO).loc[media_geos],
        dates=dates,
        freq=freq,
        geos=media_geos,
        series=_ordered_series(m, catalogue_channels),
        impressions_series=impressions_series,
        missing_cells=missing_cells,
        warnings=warnings_out,
        repairs=repairs,
    )


@dataclass
class _EachTable:
    """Each input table checked on its own: the parsed media (with whether its dates had a
    problem), catalogue, outcomes, controls (each with their column names) and geos table,
    None where a table is missing or unreadable; and the labels of the tables."""

    media: tuple[pd.DataFrame, bool] | None
    catalogue: Any
    outcomes: Any
    controls: Any
    geo_table: pd.DataFrame | None
    outcomes_label: str
    controls_label: str
    geos_label: str | None


def _read_each(
    media, outcomes, channels, controls, geos, outcome_columns, problems, warnings_out
) -> _EachTable:
    """Check each table on its own (problems and warnings noted, nothing raised)."""
    media_result = _validate_media(media[0], media[1], problems, warnings_out)
    catalogue = _validate_catalogue(channels[0], channels[1], problems, warnings_out)
    outcome_result = _validate_measures(
        outcomes[0], outcomes[1], "outcomes", outcome_columns, problems, warnings_out
    )
    control_result = None
    if controls is not None:
        control_result = _validate_measures(
            controls[0], controls[1], "controls", None, problems, warnings_out
        )
    geo_table = None
    if geos is not None:
        geo_table = _validate_geo_table(geos[0], geos[1], problems, warnings_out)
    return _EachTable(
        media=media_result,
        catalogue=catalogue,
        outcomes=outcome_result,
        controls=control_result,
        geo_table=geo_table,
        outcomes_label=outcomes[1],
        controls_label=controls[1] if controls is not None else "controls",
        geos_label=None if geos is None else geos[1],
    )


def _coverage(m, dates, fill_missing_spend, media_label, problems, repairs, warnings_out):
    """The (date, geo, series) rows missing from each (geo, series) present (none checked
    without ``dates``), and the series with impressions."""
    mk = m[m[[DATE, GEO, CHANNEL, AUDIENCE]].notna().all(axis=1)]  # rows with every key
    missing_cells = pd.DataFrame(columns=[DATE, GEO, CHANNEL, AUDIENCE])
    if dates is not None:
        missing_cells = _missing_cells(
            mk, dates, fill_missing_spend, media_label, problems, repairs
        )
    impressions_series = None
    if "impressions" in m.columns:
        impressions_series = _impressions_series(mk, media_label, problems, warnings_out)
    return missing_cells, impressions_series


def _aligned(t: _EachTable, dates, freq, problems, repairs):
    """The outcomes and controls on the media dates (None without regular media dates)."""
    if dates is None:
        return None, None
    align = partial(_align_dates, dates=dates, freq=freq, problems=problems, repairs=repairs)
    outs = ctrls = None
    if t.outcomes is not None:
        outs = align(t.outcomes[0], role="outcomes", label=t.outcomes_label)
    if t.controls is not None:
        ctrls = align(t.controls[0], role="controls", label=t.controls_label)
    return outs, ctrls


def _spread_national_media(m, t: _EachTable, by: str, media_label: str, problems, repairs):
    """The media with rows of geo ``national`` spread over the geos (mmm.data.national);
    what cannot be spread is a problem, what was spread a repair."""
    m, national_problems, note = spread_national(
        m, t.geo_table, by=by, media_label=media_label, geos_label=t.geos_label
    )
    for text in national_problems:
        problems.add("media", media_label, text)
    if note:
        repairs.append(note)
    return m


def _ordered_series(m: pd.DataFrame, catalogue_channels: list[str]) -> list[tuple[str, str]]:
    """The media's (channel, audience) pairs: channels as in the catalogue, audiences
    sorted."""
    order = {c: i for i, c in enumerate(catalogue_channels)}
    return sorted(
        {(ch, au) for ch, au in zip(m[CHANNEL], m[AUDIENCE], strict=True)},
        key=lambda s: (order[s[0]], s[1]),
    )


def _media_dates(
    m: pd.DataFrame, media_label: str, problems: ProblemList
) -> tuple[str | None, pd.DatetimeIndex | None]:
    """The media table's frequency and its full date grid (None where the dates are not
    regular: off-grid dates or gaps are problems)."""
    media_dates = pd.DatetimeIndex(np.unique(m[DATE].dropna().to_numpy()))
    freq, dates = None, None
    if len(media_dates) > 0:
        freq, why = detect_frequency(media_dates)
        if freq is None:
            problems.add(
                "media",
                media_label,
                f"column {DATE!r}: no regular frequency: {why} (dates "
                f"{_fmt_dates(media_dates)}). Fix: give one row per period at a daily, "
                "weekly or monthly frequency.",
            )
        else:
            grid = pd.date_range(media_dates[0], media_dates[-1], freq=freq)
            off = media_dates.difference(grid)
            if len(off):
                rows = np.flatnonzero(m[DATE].isin(off).to_numpy()).tolist()
                problems.add(
                    "media",
                    media_label,
                    f"column {DATE!r}: irregular dates: {len(off)} date(s) are not on the "
                    f"detected {_FREQ_WORD[_family(freq)]} ({freq}) grid: {_fmt_dates(off)} at "
                    f"{format_rows(rows, m[DATE].iloc[rows].tolist())}. "
                    "Fix: correct these dates or aggregate the data to one frequency.",
                )
            gaps = grid.difference(media_dates)
            if len(gaps):
                problems.add(
                    "media",
                    media_label,
                    f"column {DATE!r}: gaps in the {_FREQ_WORD[_family(freq)]} ({freq}) dates: "
                    f"{len(gaps)} date(s) have no media row at all: {_fmt_dates(gaps)}. "
                    "Fix: add rows for these dates (spend 0 when nothing was bought).",
                )
            if not len(off) and not len(gaps):
                dates = grid
    return freq, dates


def _check_channels(
    m: pd.DataFrame,
    media_channels: list[str],
    catalogue: pd.DataFrame | None,
    label: str,
    problems: ProblemList,
    warnings_out: list[str],
) -> list[str]:
    """The catalogue's channels; media channels missing from it are problems, catalogue
    channels without media rows a warning."""
    catalogue_channels: list[str] = []
    if catalogue is not None:
        catalogue_channels = catalogue[CHANNEL].dropna().tolist()
        absent = [c for c in media_channels if c not in catalogue_channels]
        if absent:
            counts = m[CHANNEL].value_counts()
            detail = ", ".join(f"{c!r} ({int(counts[c])} rows)" for c in absent[:20])
            problems.add(
                "channels",
                label,
                f"channel(s) in media but missing from the channel catalogue: {detail}; "
                f"catalogue has {catalogue_channels}. Fix: add a catalogue row (channel, "
                "stage) for each, or correct the channel names in the media table.",
            )
        unused = [c for c in catalogue_channels if c not in media_channels]
        if unused:
            warnings_out.append(
                f"[channels: {label}] catalogue channel(s) {unused} have no rows in the "
                "media table and are left out of the dataset."
            )
    return catalogue_channels


def _check_table_geos(media_geos: list[str], t: _EachTable, problems: ProblemList) -> None:
    """The geos of the outcomes, controls and geos tables against those of the media."""
    if t.outcomes is not None:
        o, _, o_has_geo = t.outcomes
        _check_geos(
            media_geos,
            set(o[GEO].dropna().tolist()),
            role="outcomes",
            label=t.outcomes_label,
            has_geo_column=o_has_geo,
            problems=problems,
        )
    if t.controls is not None:
        c, _, c_has_geo = t.controls
        _check_geos(
            media_geos,
            set(c[GEO].dropna().tolist()),
            role="controls",
            label=t.controls_label,
            has_geo_column=c_has_geo,
            problems=problems,
        )
    if t.geo_table is not None:
        _check_geos(
            media_geos,
            set(t.geo_table[GEO].dropna().tolist()),
            role="geos",
            label=t.geos_label or "geos",
            has_geo_column=True,
            problems=problems,
        )


def _missing_cells(
    mk: pd.DataFrame,
    dates: pd.DatetimeIndex,
    fill_missing_spend: bool,
    media_label: str,
    problems: ProblemList,
    repairs: list[str],
) -> pd.DataFrame:
    """The absent (date, geo, series) rows of each (geo, series) present: a problem, or a
    repair (spend 0) with ``fill_missing_spend``."""
    present = mk[[GEO, CHANNEL, AUDIENCE]].drop_duplicates()
    full = present.merge(pd.DataFrame({DATE: dates}), how="cross")
    merged = full.merge(
        mk[[DATE, GEO, CHANNEL, AUDIENCE]].assign(_row=1),
        on=[DATE, GEO, CHANNEL, AUDIENCE],
        how="left",
    )
    missing_cells = merged.loc[merged["_row"].isna(), [DATE, GEO, CHANNEL, AUDIENCE]]
    missing_cells = missing_cells.reset_index(drop=True)
    if len(missing_cells):
        detail = _missing_detail(missing_cells)
        if fill_missing_spend:
            repairs.append(
                f"filled {len(missing_cells)} missing (date, geo, series) spend cell(s) "
                f"with 0 because fill_missing_spend=True: {detail}"
            )
        else:
            problems.add(
                "media",
                media_label,
                f"{len(missing_cells)} (date, geo, series) row(s) missing: {detail}. Every "
                "series must have a row for every date in each geo where it appears. Fix: "
                "add rows with spend 0 for these dates, or pass fill_missing_spend=True to "
                "fill them with 0 (recorded in Dataset.repairs).",
            )
    return missing_cells


def _impressions_series(
    mk: pd.DataFrame, media_label: str, problems: ProblemList, warnings_out: list[str]
) -> frozenset[tuple[str, str]] | None:
    """The series with impressions (None when no row has any); a series with impressions
    in some rows but not all is a problem."""
    with_impressions: set[tuple[str, str]] = set()
    incomplete = []
    for (ch, au), part in mk.groupby([CHANNEL, AUDIENCE], sort=False):
        nan = part["impressions"].isna()
        # rows whose impressions were invalid are already reported
        if nan.all():
            continue
        with_impressions.add((ch, au))
        if nan.any():
            incomplete.append((series_label(ch, au), part.index[nan.to_numpy()].tolist()))
    if incomplete:
        detail = "; ".join(
            f"series {s!r} at {format_rows(rows)}" for s, rows in incomplete[:_MAX_SHOWN]
        )
        problems.add(
            "media",
            media_label,
            f"column 'impressions': empty cells in series that have impressions elsewhere: "
            f"{detail}. Fix: give impressions in every row of a series, or leave the "
            "column empty for the whole series.",
        )
    if not with_impressions:
        warnings_out.append(
            f"[media: {media_label}] column 'impressions' is empty in every row and is not used."
        )
        return None
    return frozenset(with_impressions)


def _missing_detail(missing: pd.DataFrame) -> str:
    parts = []
    groups = missing.groupby([CHANNEL, AUDIENCE, GEO], sort=False)
    for (ch, au, geo), part in list(groups)[:_MAX_SHOWN]:
        parts.append(
            f"series {series_label(ch, au)!r} in geo {geo!r} lacks {len(part)} date(s) "
            f"(first: {_fmt_dates(sorted(part[DATE]), limit=3)})"
        )
    if groups.ngroups > _MAX_SHOWN:
        parts.append(f"and {groups.ngroups - _MAX_SHOWN} more (geo, series) pair(s)")
    return "; ".join(parts)
