"""The labelled, immutable, fingerprinted :class:`Dataset` and :func:`load_dataset`."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import pandas as pd
import xarray as xr

from mmm.errors import DataError, DataWarning
from mmm.names import (
    AUDIENCE,
    CHANNEL,
    CONTROL,
    DATE,
    GEO,
    OUTCOME,
    SERIES,
    STAGE,
    series_label,
)

from .io import read_table
from .validate import ValidatedTables, data_warnings, validate_tables

__all__ = ["Dataset", "load_dataset", "compute_fingerprint"]

Source: TypeAlias = str | os.PathLike | pd.DataFrame

_CATALOGUE_COLUMNS = [CHANNEL, STAGE, "max_lag", "roas_prior", "description"]
_FINGERPRINT_VERSION = b"mmm-dataset-fingerprint-v1"


def _freeze(array: xr.DataArray | None) -> None:
    if array is not None:
        array.values.flags.writeable = False


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Validated model inputs: media spend, outcomes and controls on one date grid.

    Build one with :func:`load_dataset` or :func:`mmm.data.from_wide`; every array is
    read-only, and every change (:meth:`subset`, :meth:`with_outcomes`) returns a new
    Dataset with a recomputed fingerprint.

    Attributes
    ----------
    spend : xarray.DataArray
        Media spend, dims ``(date, geo, series)``, float64, currency. ``series`` labels are
        ``"channel|audience"`` with non-index coords ``channel`` and ``audience``; series are
        ordered by channel as in the catalogue, then by audience. Spend is 0 in geos where
        a series is not bought (see ``presence``).
    impressions : xarray.DataArray or None
        Impressions, dims ``(date, geo, series)``, float64, count; NaN for series without
        impressions. None when the media table has no impressions.
    outcomes : xarray.DataArray
        Outcomes, dims ``(date, geo, outcome)``, float64, in the units of the input table.
    controls : xarray.DataArray or None
        Control variables, dims ``(date, geo, control)``, float64, input units.
    channels : pandas.DataFrame
        Channel catalogue: ``channel``, ``stage``, ``max_lag`` (nullable Int64, periods),
        ``roas_prior`` (float, revenue per unit of spend, NaN if absent), ``description``;
        in catalogue order, only channels present in the media table.
    geo_info : pandas.DataFrame or None
        Geo attributes indexed by ``geo`` (``population``, ``shops``,
        ``near_store_population`` where given).
    freq : str
        Pandas offset alias of the dates (``"D"``, ``"W-MON"`` ... ``"W-SUN"``, ``"MS"``,
        ``"ME"``).
    presence : xarray.DataArray
        bool, dims ``(geo, series)``: whether the media table has rows for the series in
        the geo (False: not bought there, spend 0).
    fingerprint : str
        SHA-256 hex digest of the content (see :func:`compute_fingerprint`); computed on
        construction.
    warnings : tuple of str
        Findings about usable but suspicious data (also emitted as
        :class:`mmm.errors.DataWarning` when loading).
    repairs : tuple of str
        What explicit repair options and date trimming did.
    sources : dict of str to str
        Table role -> file path or ``"<role DataFrame>"``.
    name : str or None
        Free label; not part of the fingerprint.
    """

    spend: xr.DataArray
    impressions: xr.DataArray | None
    outcomes: xr.DataArray
    controls: xr.DataArray | None
    channels: pd.DataFrame
    geo_info: pd.DataFrame | None
    freq: str
    presence: xr.DataArray
    fingerprint: str = ""
    warnings: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    name: str | None = None

    def __post_init__(self) -> None:
        expected = {
            "spend": (DATE, GEO, SERIES),
            "impressions": (DATE, GEO, SERIES),
            "outcomes": (DATE, GEO, OUTCOME),
            "controls": (DATE, GEO, CONTROL),
            "presence": (GEO, SERIES),
        }
        for attr, dims in expected.items():
            array = getattr(self, attr)
            if array is None:
                continue
            if array.dims != dims:
                raise ValueError(f"Dataset.{attr} must have dims {dims}; got {array.dims}")
        for attr in ("impressions", "outcomes", "controls"):
            array = getattr(self, attr)
            if array is not None and not array.indexes[DATE].equals(self.spend.indexes[DATE]):
                raise ValueError(f"Dataset.{attr} dates differ from the spend dates")
        computed = compute_fingerprint(self)
        if self.fingerprint and self.fingerprint != computed:
            raise ValueError(
                "fingerprint does not match the content; leave it empty to have it computed"
            )
        object.__setattr__(self, "fingerprint", computed)
        object.__setattr__(self, "warnings", tuple(self.warnings))
        object.__setattr__(self, "repairs", tuple(self.repairs))
        object.__setattr__(self, "sources", dict(self.sources))
        for attr in ("spend", "impressions", "outcomes", "controls", "presence"):
            _freeze(getattr(self, attr))

    def __repr__(self) -> str:
        dates = self.dates
        return (
            f"Dataset(name={self.name!r}, dates={dates[0]:%Y-%m-%d}..{dates[-1]:%Y-%m-%d} "
            f"({self.n_dates} x {self.freq}), geos={len(self.geos)}, "
            f"series={len(self.series)}, outcomes={list(self.outcome_names)}, "
            f"fingerprint={self.fingerprint[:12]})"
        )

    # ------------------------------------------------------------------ labels

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The dates, one per period (start of the period as given)."""
        return pd.DatetimeIndex(self.spend.indexes[DATE])

    @property
    def n_dates(self) -> int:
        """Number of periods."""
        return int(self.spend.sizes[DATE])

    @property
    def geos(self) -> tuple[str, ...]:
        """Geo labels, sorted; ``("all",)`` for national data."""
        return tuple(str(g) for g in self.spend[GEO].values)

    @property
    def series(self) -> tuple[str, ...]:
        """Media series labels ``"channel|audience"``."""
        return tuple(str(s) for s in self.spend[SERIES].values)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Outcome names, in table order."""
        return tuple(str(o) for o in self.outcomes[OUTCOME].values)

    @property
    def control_names(self) -> tuple[str, ...]:
        """Control names (empty when there are none)."""
        if self.controls is None:
            return ()
        return tuple(str(c) for c in self.controls[CONTROL].values)

    @property
    def channel_names(self) -> tuple[str, ...]:
        """Channel names, in catalogue order."""
        return tuple(self.channels[CHANNEL].tolist())

    def stage_of(self, channel: str) -> str:
        """Funnel stage (``"awareness"`` or ``"conversion"``) of a channel.

        Raises
        ------
        KeyError
            The channel is not in the dataset (the message lists those that are).
        """
        match = self.channels.loc[self.channels[CHANNEL] == channel, STAGE]
        if match.empty:
            raise KeyError(f"unknown channel {channel!r}; channels: {list(self.channel_names)}")
        return str(match.iloc[0])

    @property
    def series_stage(self) -> np.ndarray:
        """Funnel stage of each series, dims ``(series,)``, str."""
        stage = dict(zip(self.channels[CHANNEL], self.channels[STAGE], strict=True))
        return np.array([stage[c] for c in self.spend[CHANNEL].values.tolist()], dtype=str)

    # ------------------------------------------------------------------ views

    def spend_grid(self) -> xr.DataArray:
        """Spend on a full channel x audience grid.

        Returns
        -------
        xarray.DataArray
            dims ``(date, geo, channel, audience)``, float64, currency; channels in catalogue
            order, audiences sorted; 0 where a (channel, audience) pair is not a series.
        """
        channels = list(self.channel_names)
        audiences = sorted(set(self.spend[AUDIENCE].values.tolist()))
        grid = np.zeros((self.n_dates, len(self.geos), len(channels), len(audiences)))
        for k, (ch, au) in enumerate(
            zip(
                self.spend[CHANNEL].values.tolist(),
                self.spend[AUDIENCE].values.tolist(),
                strict=True,
            )
        ):
            grid[:, :, channels.index(ch), audiences.index(au)] = self.spend.values[:, :, k]
        return xr.DataArray(
            grid,
            dims=(DATE, GEO, CHANNEL, AUDIENCE),
            coords={DATE: self.dates, GEO: list(self.geos), CHANNEL: channels, AUDIENCE: audiences},
            name="spend",
            attrs={"units": "currency"},
        )

    def subset(
        self, *, start: str | pd.Timestamp | None = None, end: str | pd.Timestamp | None = None
    ) -> Dataset:
        """A new Dataset over the dates from ``start`` to ``end`` (both included).

        Parameters
        ----------
        start, end : str or pandas.Timestamp, optional
            First and last date kept; default the first and last date of the data.

        Returns
        -------
        Dataset
            With recomputed fingerprint and data warnings; repairs and sources are kept.

        Raises
        ------
        DataError
            Fewer than two dates fall in the range.
        """
        lo = self.dates[0] if start is None else pd.Timestamp(start)
        hi = self.dates[-1] if end is None else pd.Timestamp(end)
        keep = (self.dates >= lo) & (self.dates <= hi)
        if keep.sum() < 2:
            raise DataError(
                f"subset {lo:%Y-%m-%d}..{hi:%Y-%m-%d} keeps {int(keep.sum())} date(s); at least "
                f"2 are needed. The data run from {self.dates[0]:%Y-%m-%d} to "
                f"{self.dates[-1]:%Y-%m-%d}. Fix: widen the range."
            )

        def cut(array):
            return None if array is None else array.isel({DATE: np.flatnonzero(keep)}).copy()

        spend = cut(self.spend)
        table_warnings = [w for w in self.warnings if w.startswith("[")]
        new_warnings = data_warnings(
            spend.values,
            series=list(self.series),
            freq=self.freq,
            n_controls=len(self.control_names),
        )
        for message in new_warnings:
            warnings.warn(message, DataWarning, stacklevel=2)
        return Dataset(
            spend=spend,
            impressions=cut(self.impressions),
            outcomes=cut(self.outcomes),
            controls=cut(self.controls),
            channels=self.channels.copy(),
            geo_info=None if self.geo_info is None else self.geo_info.copy(),
            freq=self.freq,
            presence=self.presence.copy(),
            warnings=tuple(table_warnings + new_warnings),
            repairs=self.repairs,
            sources=self.sources,
            name=self.name,
        )

    def with_outcomes(self, names: list[str] | tuple[str, ...] | str) -> Dataset:
        """A new Dataset keeping only the named outcomes, in the order given.

        Raises
        ------
        DataError
            A name is unknown or repeated, or no name is given.
        """
        names = [names] if isinstance(names, str) else list(names)
        unknown = [n for n in names if n not in self.outcome_names]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if not names or unknown or repeated:
            raise DataError(
                f"with_outcomes: unknown {unknown}, repeated {repeated} or empty selection "
                f"{names}; available outcomes: {list(self.outcome_names)}. Fix: name one or "
                "more available outcomes, each once."
            )
        return Dataset(
            spend=self.spend.copy(),
            impressions=None if self.impressions is None else self.impressions.copy(),
            outcomes=self.outcomes.sel({OUTCOME: names}).copy(),
            controls=None if self.controls is None else self.controls.copy(),
            channels=self.channels.copy(),
            geo_info=None if self.geo_info is None else self.geo_info.copy(),
            freq=self.freq,
            presence=self.presence.copy(),
            warnings=self.warnings,
            repairs=self.repairs,
            sources=self.sources,
            name=self.name,
        )

    def to_frames(self) -> dict[str, pd.DataFrame | None]:
        """Long tables that :func:`load_dataset` reads back to the same fingerprint.

        Returns
        -------
        dict
            Keys ``media``, ``outcomes``, ``channels``, ``controls``, ``geos`` (the parameter
            names of :func:`load_dataset`, so ``load_dataset(**ds.to_frames())`` works);
            ``controls`` and ``geos`` are None when absent. The media table has one row per
            date for every (geo, series) present, in date, geo, series order.
        """
        dates = self.dates
        rows = []
        present = self.presence.values
        for g, geo in enumerate(self.geos):
            for k in range(len(self.series)):
                if not present[g, k]:
                    continue
                part = {
                    DATE: dates,
                    GEO: geo,
                    CHANNEL: str(self.spend[CHANNEL].values[k]),
                    AUDIENCE: str(self.spend[AUDIENCE].values[k]),
                    "spend": self.spend.values[:, g, k],
                }
                if self.impressions is not None:
                    part["impressions"] = self.impressions.values[:, g, k]
                rows.append(pd.DataFrame(part))
        media = pd.concat(rows, ignore_index=True)
        media = media.sort_values([DATE], kind="stable").reset_index(drop=True)
        return {
            "media": media,
            "outcomes": _long(self.outcomes, OUTCOME),
            "channels": self.channels.copy(),
            "controls": None if self.controls is None else _long(self.controls, CONTROL),
            "geos": None if self.geo_info is None else self.geo_info.reset_index(),
        }


def _long(array: xr.DataArray, dim: str) -> pd.DataFrame:
    n_dates, n_geos, n_vars = array.shape
    frame = pd.DataFrame(
        {
            DATE: np.repeat(array.indexes[DATE].values, n_geos),
            GEO: np.tile(np.asarray(array[GEO].values.tolist(), dtype=object), n_dates),
        }
    )
    values = array.values.reshape(n_dates * n_geos, n_vars)
    for k, name in enumerate(array[dim].values.tolist()):
        frame[str(name)] = values[:, k]
    return frame


# ---------------------------------------------------------------------- fingerprint


def _float_bytes(values: np.ndarray) -> bytes:
    out = np.ascontiguousarray(values, dtype="<f8") + 0.0  # -0.0 -> 0.0
    out[np.isnan(out)] = np.nan  # one NaN bit pattern
    return out.tobytes()


def _json_value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def compute_fingerprint(dataset: Dataset) -> str:
    """SHA-256 hex digest of a Dataset's content.

    The digest covers the frequency, the dates, geos, series, outcome and control labels,
    every array value (spend, impressions, outcomes, controls, presence), the channel
    catalogue and the geo table. Every labelled axis and the catalogue rows are put in
    sorted order first, so the digest does not depend on the row or column order of the
    input tables, nor on whether they came from CSV, Parquet or DataFrames. ``name``,
    ``warnings``, ``repairs`` and ``sources`` are not content and are left out.
    """
    h = hashlib.sha256()

    def put(tag: str, payload: bytes) -> None:
        h.update(tag.encode())
        h.update(len(payload).to_bytes(8, "little"))
        h.update(payload)

    put("version", _FINGERPRINT_VERSION)
    put("freq", dataset.freq.encode())
    for attr in ("spend", "impressions", "outcomes", "controls", "presence"):
        array = getattr(dataset, attr)
        if array is None:
            put(attr, b"none")
            continue
        values = array.values
        labels = {}
        for axis, d in enumerate(array.dims):
            index = array.indexes[d]
            if d == DATE:
                text = [f"{t:%Y-%m-%d}" for t in index]
            else:
                text = [str(x) for x in index]
            order = sorted(range(len(text)), key=text.__getitem__)
            labels[d] = [text[i] for i in order]
            values = np.take(values, order, axis=axis)
        put(attr + ".labels", json.dumps({"dims": list(array.dims), "labels": labels}).encode())
        if values.dtype == bool:
            put(attr + ".values", np.ascontiguousarray(values, dtype=np.uint8).tobytes())
        else:
            put(attr + ".values", _float_bytes(values))
    catalogue = dataset.channels.sort_values(CHANNEL)
    records = [
        [_json_value(v) for v in row]
        for row in catalogue[_CATALOGUE_COLUMNS].astype(object).itertuples(index=False)
    ]
    put("channels", json.dumps(records).encode())
    if dataset.geo_info is None:
        put("geos", b"none")
    else:
        info = dataset.geo_info.sort_index()
        info = info[sorted(info.columns)]
        records = [
            [str(g)] + [_json_value(v) for v in row]
            for g, row in zip(info.index, info.astype(object).itertuples(index=False), strict=True)
        ]
        put("geos", json.dumps({"columns": list(info.columns), "rows": records}).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------- loading


def _read_all(sources: dict[str, Source | None]) -> dict[str, tuple[pd.DataFrame, str]]:
    tables: dict[str, tuple[pd.DataFrame, str]] = {}
    problems: list[str] = []
    for role, source in sources.items():
        if source is None:
            continue
        try:
            tables[role] = read_table(source, role=role)
        except DataError as err:
            problems.extend(err.problems)
    if problems:
        raise DataError(problems)
    return tables


def load_dataset(
    media: Source,
    outcomes: Source,
    channels: Source,
    controls: Source | None = None,
    geos: Source | None = None,
    *,
    outcome_columns: list[str] | None = None,
    fill_missing_spend: bool = False,
    national_by: str = "population",
    name: str | None = None,
) -> Dataset:
    """Read, validate and assemble the input tables into a :class:`Dataset`.

    Parameters
    ----------
    media : path or pandas.DataFrame
        Long media table: ``date``, ``channel``, ``spend`` (currency, >= 0) and optional
        ``audience`` (default ``"all"``), ``geo`` (default ``"all"``), ``impressions``
        (>= 0; a series may leave it empty in every row). Every series must have one row
        per date in each geo where it appears. Rows with geo ``"national"`` (media bought
        nationally) are spread over the geos of the ``geos`` table by ``national_by``
        (see :mod:`mmm.data.national`), so national and geo media mix in one data set.
    outcomes : path or pandas.DataFrame
        ``date``, optional ``geo``, and one numeric column per outcome. Must cover every
        media date; rows dated outside the media range are dropped (recorded in
        ``repairs``).
    channels : path or pandas.DataFrame
        Channel catalogue: ``channel``, ``stage`` (``awareness`` or ``conversion``),
        optional ``max_lag`` (whole periods > 0), ``roas_prior`` (> 0, revenue per unit of
        spend) and ``description``.
    controls : path or pandas.DataFrame, optional
        ``date``, optional ``geo``, numeric control columns (no empty cells); same date
        rules as outcomes.
    geos : path or pandas.DataFrame, optional
        ``geo``, optional ``population`` (> 0), ``shops`` (whole number >= 0),
        ``near_store_population`` (>= 0).
    outcome_columns : list of str, optional
        Outcome columns to keep, in this order; default all but ``date`` and ``geo``.
    fill_missing_spend : bool
        Fill absent (date, geo, series) media rows with spend 0 instead of raising; what
        was filled is recorded in ``Dataset.repairs``.
    national_by : str
        Column of the geos table (``population``, ``shops``, ``near_store_population``)
        whose shares spread national media rows over geos; recorded in ``repairs``.
    name : str, optional
        Free label for the dataset.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Listing every problem of every table (file, column, rows, values, fix).

    Warns
    -----
    DataWarning
        For each entry of ``Dataset.warnings``.
    """
    tables = _read_all(
        {
            "media": media,
            "outcomes": outcomes,
            "channels": channels,
            "controls": controls,
            "geos": geos,
        }
    )
    return build_dataset(
        tables,
        outcome_columns=outcome_columns,
        fill_missing_spend=fill_missing_spend,
        national_by=national_by,
        name=name,
    )


def build_dataset(
    tables: dict[str, tuple[pd.DataFrame, str]],
    *,
    outcome_columns: list[str] | None = None,
    fill_missing_spend: bool = False,
    national_by: str = "population",
    name: str | None = None,
    stacklevel: int = 3,
) -> Dataset:
    """Validate tables already read (role -> (frame, label)) and assemble the Dataset."""
    v = validate_tables(
        tables["media"],
        tables["outcomes"],
        tables["channels"],
        tables.get("controls"),
        tables.get("geos"),
        outcome_columns=outcome_columns,
        fill_missing_spend=fill_missing_spend,
        national_by=national_by,
    )
    spend, impressions, presence = _media_arrays(v)
    outcomes = _measure_array(v.outcomes, v, v.outcome_names, OUTCOME)
    controls = None
    if v.controls is not None:
        controls = _measure_array(v.controls, v, v.control_names, CONTROL)
    found = data_warnings(
        spend.values,
        series=spend[SERIES].values.tolist(),
        freq=v.freq,
        n_controls=len(v.control_names),
    )
    all_warnings = list(v.warnings) + found
    for message in all_warnings:
        warnings.warn(message, DataWarning, stacklevel=stacklevel)
    catalogue = v.catalogue[_CATALOGUE_COLUMNS].copy()
    catalogue[CHANNEL] = catalogue[CHANNEL].astype(str)
    catalogue[STAGE] = catalogue[STAGE].astype(str)
    catalogue["roas_prior"] = catalogue["roas_prior"].astype("float64")
    catalogue["description"] = catalogue["description"].astype(str)
    return Dataset(
        spend=spend,
        impressions=impressions,
        outcomes=outcomes,
        controls=controls,
        channels=catalogue,
        geo_info=v.geo_info,
        freq=v.freq,
        presence=presence,
        warnings=tuple(all_warnings),
        repairs=tuple(v.repairs),
        sources={role: label for role, (_, label) in tables.items()},
        name=name,
    )


def _series_coords(v: ValidatedTables) -> dict:
    return {
        SERIES: [series_label(ch, au) for ch, au in v.series],
        CHANNEL: (SERIES, [ch for ch, _ in v.series]),
        AUDIENCE: (SERIES, [au for _, au in v.series]),
    }


def _media_arrays(v: ValidatedTables):
    m = v.media
    n_d, n_g, n_s = len(v.dates), len(v.geos), len(v.series)
    d = v.dates.get_indexer(pd.DatetimeIndex(m[DATE]))
    geo_pos = {g: i for i, g in enumerate(v.geos)}
    series_pos = {s: i for i, s in enumerate(v.series)}
    g = np.array([geo_pos[x] for x in m[GEO].tolist()], dtype=np.int64)
    s = np.array(
        [
            series_pos[(c, a)]
            for c, a in zip(m[CHANNEL].tolist(), m[AUDIENCE].tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    # Cells of a (geo, series) not bought are 0; missing rows of a bought pair reach this
    # point only when fill_missing_spend=True (validation rejects them otherwise).
    spend = np.zeros((n_d, n_g, n_s))
    spend[d, g, s] = m["spend"].to_numpy(dtype="float64")
    presence = np.zeros((n_g, n_s), dtype=bool)
    presence[g, s] = True
    coords = {DATE: v.dates.rename(DATE), GEO: list(v.geos), **_series_coords(v)}
    spend_da = xr.DataArray(
        spend, dims=(DATE, GEO, SERIES), coords=coords, name="spend", attrs={"units": "currency"}
    )
    impressions_da = None
    if v.impressions_series is not None:
        has = np.array([ser in v.impressions_series for ser in v.series])
        imp = np.where(has[None, None, :], 0.0, np.nan) * np.ones((n_d, n_g, n_s))
        rows = has[s]
        imp[d[rows], g[rows], s[rows]] = m["impressions"].to_numpy(dtype="float64")[rows]
        impressions_da = xr.DataArray(
            imp,
            dims=(DATE, GEO, SERIES),
            coords=coords,
            name="impressions",
            attrs={"units": "count"},
        )
    presence_da = xr.DataArray(
        presence,
        dims=(GEO, SERIES),
        coords={GEO: list(v.geos), **_series_coords(v)},
        name="presence",
    )
    return spend_da, impressions_da, presence_da


def _measure_array(table: pd.DataFrame, v: ValidatedTables, names: list[str], dim: str):
    n_d, n_g = len(v.dates), len(v.geos)
    d = v.dates.get_indexer(pd.DatetimeIndex(table[DATE]))
    geo_pos = {g: i for i, g in enumerate(v.geos)}
    g = np.array([geo_pos[x] for x in table[GEO].tolist()], dtype=np.int64)
    values = np.full((n_d, n_g, len(names)), np.nan)
    for k, column in enumerate(names):
        values[d, g, k] = table[column].to_numpy(dtype="float64")
    if np.isnan(values).any():  # validation guarantees full coverage
        raise AssertionError(f"internal error: {dim} cells left empty after validation")
    return xr.DataArray(
        values,
        dims=(DATE, GEO, dim),
        coords={DATE: v.dates.rename(DATE), GEO: list(v.geos), dim: list(names)},
        name=dim + "s",
    )
