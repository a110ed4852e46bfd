"""Journeys from raw event rows: validation, splitting, lookback window, path aggregation.

Everything is vectorised over rows (sorting, cumulative sums, ``reduceat``); no Python loop
runs per row or per journey, so tens of millions of event rows aggregate to a path table that
is small in memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.journeys._checks import format_rows, missing_text, numeric_column, require_columns
from mmm.journeys.paths import PathTable, TouchTiming, _sorted_channels, sequence_groups

REPEATS = ("keep", "collapse", "first")
CONVERSION_TYPES = ("online", "store")
_NS_PER_DAY = 86_400 * 1_000_000_000


def _flag(frame: pd.DataFrame, column: str, problems: list[str]) -> np.ndarray | None:
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.to_numpy(dtype=bool)
    text = raw.astype("str").str.strip().str.lower()
    mapping = {"1": True, "0": False, "1.0": True, "0.0": False, "true": True, "false": False}
    mapped = text.map(mapping)
    bad = mapped.isna().to_numpy() | raw.isna().to_numpy()
    if bad.any():
        problems.append(
            f"column '{column}': {format_rows(np.flatnonzero(bad))} are not a conversion flag; "
            "write 1 on the row of a conversion and 0 on every other touch (true/false also work)"
        )
        return None
    return mapped.to_numpy(dtype=bool)


def validate_events(
    events: pd.DataFrame,
    *,
    id_column: str,
    timestamp_column: str,
    channel_column: str,
    conversion_column: str,
    value_column: str | None,
    type_column: str | None,
    audience_column: str | None,
    source: str,
) -> dict[str, Any]:
    """Check event rows and return their parsed columns; raise DataError listing every problem.

    Returns a dict with ``id`` (int64 codes), ``time`` (int64 ns), ``channel`` (int64 codes,
    -1 where a conversion row has no channel), ``channel_names``, ``conversion`` (bool),
    ``value`` (float64 or None), ``store`` (bool or None), ``audience`` (int64 codes or None)
    and ``audience_names``.
    """
    required = {
        id_column: "journey or user id",
        timestamp_column: "time of the event",
        channel_column: "touchpoint channel",
        conversion_column: "1 on conversion rows, 0 on touches",
    }
    problems = require_columns(events, required, source=source, kind="the events")
    if problems:
        raise DataError(problems, source=source)
    if len(events) == 0:
        raise DataError(f"{source} has no rows; give at least one event", source=source)

    id_codes = _id_codes(events[id_column], id_column, problems)
    stamps = _timestamps(events, timestamp_column, problems)
    conversion = _flag(events, conversion_column, problems)
    channel_missing = missing_text(events[channel_column])
    if conversion is not None:
        touch_without_channel = channel_missing & ~conversion
        if touch_without_channel.any():
            problems.append(
                f"column '{channel_column}': {format_rows(np.flatnonzero(touch_without_channel))}"
                f" are empty on touch rows ('{conversion_column}' = 0); name the channel of "
                "every touch"
            )
    value = None
    if value_column is not None and value_column in events.columns:
        value = _conversion_values(events, value_column, conversion, conversion_column, problems)
    store = None
    if type_column is not None and type_column in events.columns:
        store = _store_conversions(events, type_column, conversion, conversion_column, problems)
    audience: np.ndarray | None = None
    audience_names: list[str] = []
    if audience_column is not None and audience_column in events.columns:
        audience, audience_names = _audiences(
            events, audience_column, id_codes, id_column, problems
        )
    if problems:
        raise DataError(problems, source=source)
    assert conversion is not None and id_codes is not None
    channel_text = events[channel_column].astype("str").to_numpy(dtype=object)
    channel_codes = np.full(len(events), -1, dtype=np.int64)
    present = ~channel_missing
    codes, names = pd.factorize(channel_text[present], sort=True)
    channel_codes[present] = codes
    return {
        "id": id_codes,
        "time": stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64),
        "channel": channel_codes,
        "channel_names": [str(n) for n in names],
        "conversion": conversion,
        "value": value,
        "store": store,
        "audience": audience,
        "audience_names": audience_names,
    }


def _id_codes(ids: pd.Series, id_column: str, problems: list[str]) -> np.ndarray | None:
    """The ids as int64 codes in order of appearance (None when some are empty: a problem)."""
    id_missing = ids.isna().to_numpy()
    if id_missing.any():
        problems.append(
            f"column '{id_column}': {format_rows(np.flatnonzero(id_missing))} are empty; every "
            "event needs the id of its user or journey"
        )
        return None
    id_codes, _ = pd.factorize(ids, sort=False)
    return id_codes.astype(np.int64)


def _timestamps(events: pd.DataFrame, timestamp_column: str, problems: list[str]) -> pd.Series:
    """The events' times (naive, UTC where they carry a time zone); bad ones are problems."""
    stamps = pd.to_datetime(events[timestamp_column], errors="coerce", utc=False)
    bad_time = stamps.isna().to_numpy()
    if bad_time.any():
        problems.append(
            f"column '{timestamp_column}': {format_rows(np.flatnonzero(bad_time))} are empty or "
            "not dates; write times as ISO dates such as 2025-03-01 or 2025-03-01 14:05:00"
        )
    elif getattr(stamps.dtype, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps


def _conversion_values(
    events: pd.DataFrame,
    value_column: str,
    conversion: np.ndarray | None,
    conversion_column: str,
    problems: list[str],
) -> np.ndarray | None:
    """The conversion values (0 on touches); a conversion without a value or a touch with
    one is a problem."""
    value = numeric_column(
        events, value_column, problems, what="conversion values", allow_missing=True
    )
    if value is not None and conversion is not None:
        missing_value = np.isnan(value) & conversion
        if missing_value.any():
            problems.append(
                f"column '{value_column}': {format_rows(np.flatnonzero(missing_value))} "
                "are conversion rows without a value; fill in the conversion value"
            )
        stray = ~np.isnan(value) & (value != 0) & ~conversion
        if stray.any():
            problems.append(
                f"column '{value_column}': {format_rows(np.flatnonzero(stray))} carry a value "
                f"on a touch row ('{conversion_column}' = 0); put values on conversion rows "
                "only"
            )
        value = np.where(conversion, value, 0.0)
    return value


def _store_conversions(
    events: pd.DataFrame,
    type_column: str,
    conversion: np.ndarray | None,
    conversion_column: str,
    problems: list[str],
) -> np.ndarray | None:
    """Which rows are store conversions; a conversion type that is not ``online`` or
    ``store``, or a type on a touch row, is a problem."""
    store = None
    kind = events[type_column].astype("str").str.strip().str.lower()
    kind_missing = missing_text(events[type_column])
    if conversion is not None:
        bad_kind = conversion & (kind_missing | ~kind.isin(CONVERSION_TYPES).to_numpy())
        if bad_kind.any():
            problems.append(
                f"column '{type_column}': {format_rows(np.flatnonzero(bad_kind))} are "
                "conversion rows whose type is not 'online' or 'store'; write where the "
                "purchase happened"
            )
        stray_kind = ~conversion & ~kind_missing
        if stray_kind.any():
            problems.append(
                f"column '{type_column}': {format_rows(np.flatnonzero(stray_kind))} give a "
                f"conversion type on a touch row ('{conversion_column}' = 0); leave it empty "
                "on touches"
            )
        store = conversion & (kind.to_numpy() == "store")
    return store


def _audiences(
    events: pd.DataFrame,
    audience_column: str,
    id_codes: np.ndarray | None,
    id_column: str,
    problems: list[str],
) -> tuple[np.ndarray | None, list[str]]:
    """Audience codes and names; an empty audience, or an id with two audiences, is a
    problem."""
    audience = None
    audience_names: list[str] = []
    aud_missing = missing_text(events[audience_column])
    if aud_missing.any():
        problems.append(
            f"column '{audience_column}': {format_rows(np.flatnonzero(aud_missing))} are "
            "empty; give every event its audience (or drop the column)"
        )
    else:
        audience, uniques = pd.factorize(events[audience_column].astype("str"), sort=True)
        audience = audience.astype(np.int64)
        audience_names = [str(u) for u in uniques]
        if id_codes is not None:
            first = np.full(int(id_codes.max()) + 1, -1, dtype=np.int64)
            first[id_codes[::-1]] = audience[::-1]
            mixed = audience != first[id_codes]
            if mixed.any():
                problems.append(
                    f"column '{audience_column}': {format_rows(np.flatnonzero(mixed))} give "
                    f"an audience that differs from earlier rows of the same "
                    f"'{id_column}'; an id belongs to one audience"
                )
    return audience, audience_names


def _kept_touches(
    touch: np.ndarray,
    journey: np.ndarray,
    chan: np.ndarray,
    days_before: np.ndarray,
    lookback_days: float | None,
    repeats: str,
    excluded: dict[str, float],
) -> np.ndarray:
    """Which events are touches kept: inside the lookback window and, unless ``repeats`` is
    ``keep``, not a repeat; the counts left out are added to ``excluded``."""
    keep = touch.copy()
    if lookback_days is not None:
        outside = touch & (days_before > lookback_days)
        excluded["touches_outside_lookback"] = float(outside.sum())
        keep &= ~outside
    if repeats != "keep":
        idx = np.flatnonzero(keep)
        j, c = journey[idx], chan[idx]
        if repeats == "collapse":
            dup = np.zeros(idx.size, dtype=bool)
            dup[1:] = (j[1:] == j[:-1]) & (c[1:] == c[:-1])
        else:
            frame = pd.DataFrame({"j": j, "c": c})
            dup = frame.duplicated(keep="first").to_numpy()
        keep[idx[dup]] = False
        excluded["repeated_touches_removed"] = float(dup.sum())
    return keep


def _drop_unused_channels(
    tokens: np.ndarray, channels: tuple[str, ...]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Channels without a kept touch (seen only outside the window or as repeats) left out,
    the tokens re-coded."""
    used = np.unique(tokens)
    if used.size < len(channels):
        remap = np.full(len(channels), -1, dtype=np.int32)
        remap[used] = np.arange(used.size, dtype=np.int32)
        tokens = remap[tokens]
        channels = tuple(channels[i] for i in used)
    return tokens, channels


def _gather(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Selected journeys laid end to end: their offsets, and the positions of their touches
    in the token array (journey ``i`` holds ``lengths[i]`` tokens from ``starts[i]``)."""
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    take = np.repeat(starts, lengths) + (
        np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    )
    return offsets, take


def build_journeys(
    events: pd.DataFrame,
    *,
    lookback_days: float | None = 30,
    repeats: str = "keep",
    id_column: str = "journey_id",
    timestamp_column: str = "timestamp",
    channel_column: str = "channel",
    conversion_column: str = "conversion",
    value_column: str | None = "value",
    type_column: str | None = "conversion_type",
    audience_column: str | None = "audience",
    source: str = "events",
) -> PathTable:
    """Build journeys from event rows and aggregate them to a path table.

    Each id's events are ordered by time (touches before a conversion at the same instant,
    ties otherwise in file order). A conversion row ends a journey: the id's next event starts
    a new one. A row may be a pure conversion (empty channel) or a touch that converted (for
    example a ``store_visit`` with a purchase); offline touches are ordinary channels.

    Parameters
    ----------
    events : pandas.DataFrame
        One row per event. Columns (names configurable below): id, timestamp, channel,
        conversion flag (1/0 or true/false); optional value (currency units, on conversion
        rows), conversion type (``online`` or ``store``, on conversion rows) and audience
        (one per id).
    lookback_days : float or None, keyword-only
        Keep only touches at most this many days before the conversion (for journeys that
        did not convert: before their last touch). ``None`` keeps all touches. Left-out
        touches are counted in :attr:`PathTable.excluded` under ``touches_outside_lookback``.
    repeats : {"keep", "collapse", "first"}, keyword-only
        ``"keep"`` every touch; ``"collapse"`` runs of the same channel into one touch
        (``a > a > b`` becomes ``a > b``); ``"first"`` only the first touch of each channel in
        a journey. Removed touches are counted under ``repeated_touches_removed``.
    id_column, timestamp_column, channel_column, conversion_column : str, keyword-only
        Names of the required columns.
    value_column, type_column, audience_column : str or None, keyword-only
        Names of the optional columns; ignored when absent from ``events`` or ``None``.
    source : str, keyword-only
        Name of the input used in messages.

    Returns
    -------
    PathTable
        One row per distinct (path, audience), with converting journeys, non-converting
        journeys, value and store conversions, plus the touch timing of converting journeys
        (for time decay and time-to-convert). Converting journeys left without any touch (no
        touch before the conversion inside the lookback window) cannot be credited to a
        channel; they are counted under ``conversions_without_touch`` and their value under
        ``value_without_touch``.

    Raises
    ------
    DataError
        Listing every problem of the events at once, or when no journey has a conversion.
    """
    if repeats not in REPEATS:
        raise DataError(
            f"repeats must be one of {', '.join(REPEATS)}, got {repeats!r}", source=source
        )
    if lookback_days is not None and not (np.isfinite(lookback_days) and lookback_days > 0):
        raise DataError(
            f"lookback_days must be a positive number of days or None, got {lookback_days!r}",
            source=source,
        )
    cols = validate_events(
        events,
        id_column=id_column,
        timestamp_column=timestamp_column,
        channel_column=channel_column,
        conversion_column=conversion_column,
        value_column=value_column,
        type_column=type_column,
        audience_column=audience_column,
        source=source,
    )
    n = cols["id"].size
    conv_all = cols["conversion"]
    order = np.lexsort((np.arange(n), conv_all.astype(np.int8), cols["time"], cols["id"]))
    uid = cols["id"][order]
    time = cols["time"][order]
    chan = cols["channel"][order]
    conv = conv_all[order]
    value = cols["value"][order] if cols["value"] is not None else None
    store = cols["store"][order] if cols["store"] is not None else None
    audience = cols["audience"][order] if cols["audience"] is not None else None

    # journeys: a new one starts at each new id and after each conversion
    start = np.ones(n, dtype=bool)
    start[1:] = (uid[1:] != uid[:-1]) | conv[:-1]
    journey = np.cumsum(start) - 1
    n_journeys = int(journey[-1]) + 1
    starts = np.flatnonzero(start)
    ends = np.r_[starts[1:], n] - 1
    converts = conv[ends]
    reference = time[ends]  # the conversion, or the last event of a journey that did not convert

    days_before = (reference[journey] - time) / _NS_PER_DAY
    excluded: dict[str, float] = {}
    keep = _kept_touches(chan >= 0, journey, chan, days_before, lookback_days, repeats, excluded)

    kept = np.flatnonzero(keep)
    k_journey = journey[kept]
    touches_per_journey = np.bincount(k_journey, minlength=n_journeys)
    empty = touches_per_journey == 0
    conv_value = value[ends] if value is not None else np.zeros(n_journeys)
    conv_store = store[ends] if store is not None else np.zeros(n_journeys, dtype=bool)
    excluded["conversions_without_touch"] = float((empty & converts).sum())
    if value is not None:
        excluded["value_without_touch"] = float(conv_value[empty & converts].sum())
    if not (converts & ~empty).any():
        raise DataError(
            f"no journey in {source} has a conversion with a touch before it"
            + (f" inside the {lookback_days}-day lookback window" if lookback_days else "")
            + f"; check the '{conversion_column}' column, or widen lookback_days",
            source=source,
        )

    live = np.flatnonzero(~empty)
    j_offsets = np.concatenate([[0], np.cumsum(touches_per_journey[live])]).astype(np.int64)
    tokens_raw = chan[kept]
    tokens, channels = _sorted_channels(tokens_raw.astype(np.int32), cols["channel_names"])
    tokens, channels = _drop_unused_channels(tokens, channels)
    aud_live = audience[starts[live]] if audience is not None else None
    group, rep = sequence_groups(j_offsets, tokens, aud_live)
    n_paths = rep.size
    live_conv = converts[live].astype(np.float64)
    conversions = np.bincount(group, weights=live_conv, minlength=n_paths)
    nulls = np.bincount(group, weights=1.0 - live_conv, minlength=n_paths)
    path_value = (
        np.bincount(group, weights=conv_value[live] * live_conv, minlength=n_paths)
        if value is not None
        else None
    )
    store_conv = (
        np.bincount(group, weights=(conv_store[live] & converts[live]), minlength=n_paths)
        if store is not None
        else None
    )
    p_offsets, take = _gather(j_offsets[rep], touches_per_journey[live][rep])
    # touch timing of converting journeys (time decay, time to convert)
    conv_live = np.flatnonzero(converts[live])
    c_offsets, c_take = _gather(j_offsets[conv_live], touches_per_journey[live][conv_live])
    timing = TouchTiming(
        journey_offsets=c_offsets,
        channel=tokens[c_take],
        days_before=days_before[kept][c_take],
        path_index=group[conv_live],
        value=conv_value[live][conv_live] if value is not None else np.zeros(conv_live.size),
    )
    return PathTable(
        channels=channels,
        offsets=p_offsets,
        tokens=tokens[take],
        conversions=conversions,
        nulls=nulls,
        value=path_value,
        store_conversions=store_conv,
        audience=aud_live[rep] if aud_live is not None else None,
        audiences=tuple(cols["audience_names"]),
        timing=timing,
        excluded=excluded,
        source=source,
    )
