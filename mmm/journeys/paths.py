"""Aggregated journey paths as integer arrays (CSR layout) and the path-table reader.

A *path* is the ordered list of channels a group of identical journeys touched. A
:class:`PathTable` stores ``n_paths`` paths as one flat array of channel codes (``tokens``)
cut by ``offsets`` (path ``i`` is ``tokens[offsets[i]:offsets[i + 1]]``), with the number of
converting journeys (``conversions``), their conversion value (``value``) and the number of
journeys that did not convert (``nulls``) on each path. Counts may be fractional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.journeys._checks import format_rows, numeric_column, require_columns

DEFAULT_SEPARATOR = " > "


def _frozen(array: np.ndarray | None, dtype) -> np.ndarray | None:
    if array is None:
        return None
    out = np.ascontiguousarray(array, dtype=dtype).view()
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class TouchTiming:
    """Touch times of the converting journeys, kept when paths are built from events.

    Attributes
    ----------
    journey_offsets : numpy.ndarray
        ``(n_journeys + 1,)`` int64; the touches of converting journey ``j`` are
        ``channel[journey_offsets[j]:journey_offsets[j + 1]]``.
    channel : numpy.ndarray
        ``(n_touches,)`` int32 channel codes (index into :attr:`PathTable.channels`).
    days_before : numpy.ndarray
        ``(n_touches,)`` float64, days from the touch to the conversion (0 or more).
    path_index : numpy.ndarray
        ``(n_journeys,)`` int64, the :class:`PathTable` row of each converting journey.
    value : numpy.ndarray
        ``(n_journeys,)`` float64 conversion value of each journey (currency units).

    Each converting journey carries exactly one conversion.
    """

    journey_offsets: np.ndarray
    channel: np.ndarray
    days_before: np.ndarray
    path_index: np.ndarray
    value: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "journey_offsets", _frozen(self.journey_offsets, np.int64))
        object.__setattr__(self, "channel", _frozen(self.channel, np.int32))
        object.__setattr__(self, "days_before", _frozen(self.days_before, np.float64))
        object.__setattr__(self, "path_index", _frozen(self.path_index, np.int64))
        object.__setattr__(self, "value", _frozen(self.value, np.float64))

    @property
    def n_journeys(self) -> int:
        """Number of converting journeys."""
        return int(self.path_index.size)

    @cached_property
    def days_to_convert(self) -> np.ndarray:
        """``(n_journeys,)`` days from the first touch of each journey to its conversion."""
        return self.days_before[self.journey_offsets[:-1]].copy()


@dataclass(frozen=True, eq=False)
class PathTable:
    """Journey paths with their outcome counts, as integer arrays.

    Attributes
    ----------
    channels : tuple of str
        Channel names; ``tokens`` hold indices into this tuple. Sorted alphabetically.
    offsets : numpy.ndarray
        ``(n_paths + 1,)`` int64 start of each path in ``tokens``.
    tokens : numpy.ndarray
        ``(n_touches,)`` int32 channel codes of all paths, back to back.
    conversions : numpy.ndarray
        ``(n_paths,)`` float64 converting journeys on each path (count, may be fractional).
    nulls : numpy.ndarray
        ``(n_paths,)`` float64 journeys on each path that did not convert.
    value : numpy.ndarray or None
        ``(n_paths,)`` float64 conversion value (currency units); ``None`` when the input had
        no value column.
    store_conversions : numpy.ndarray or None
        ``(n_paths,)`` float64 conversions that happened in a store (the rest were online);
        ``None`` when the input did not say where conversions happened.
    audience : numpy.ndarray or None
        ``(n_paths,)`` int32 audience code (index into ``audiences``); ``None`` if no audience.
    audiences : tuple of str
        Audience names.
    timing : TouchTiming or None
        Touch times of converting journeys (only when built from events).
    excluded : Mapping[str, float]
        What journey building left out on purpose, by reason (counts), e.g.
        ``touches_outside_lookback`` or ``conversions_without_touch``.
    source : str
        Where the data came from (file name or a description), used in messages.
    """

    channels: tuple[str, ...]
    offsets: np.ndarray
    tokens: np.ndarray
    conversions: np.ndarray
    nulls: np.ndarray
    value: np.ndarray | None = None
    store_conversions: np.ndarray | None = None
    audience: np.ndarray | None = None
    audiences: tuple[str, ...] = ()
    timing: TouchTiming | None = None
    excluded: Mapping[str, float] = field(default_factory=dict)
    source: str = "paths"

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(str(c) for c in self.channels))
        object.__setattr__(self, "audiences", tuple(str(a) for a in self.audiences))
        object.__setattr__(self, "offsets", _frozen(self.offsets, np.int64))
        object.__setattr__(self, "tokens", _frozen(self.tokens, np.int32))
        object.__setattr__(self, "conversions", _frozen(self.conversions, np.float64))
        object.__setattr__(self, "nulls", _frozen(self.nulls, np.float64))
        object.__setattr__(self, "value", _frozen(self.value, np.float64))
        object.__setattr__(self, "store_conversions", _frozen(self.store_conversions, np.float64))
        object.__setattr__(self, "audience", _frozen(self.audience, np.int32))
        object.__setattr__(self, "excluded", MappingProxyType(dict(self.excluded)))
        m = self.conversions.size
        if self.offsets.size != m + 1 or self.nulls.size != m:
            raise ValueError("offsets must have n_paths + 1 entries and nulls n_paths entries")
        if self.offsets[0] != 0 or self.offsets[-1] != self.tokens.size:
            raise ValueError("offsets must start at 0 and end at len(tokens)")
        if m and np.any(np.diff(self.offsets) < 1):
            raise ValueError("every path needs at least one touch")
        if self.tokens.size and (self.tokens.min() < 0 or self.tokens.max() >= len(self.channels)):
            raise ValueError("tokens must be valid indices into channels")

    # -- sizes -------------------------------------------------------------------------
    @property
    def n_paths(self) -> int:
        """Number of path rows."""
        return int(self.conversions.size)

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    @property
    def has_value(self) -> bool:
        """Whether conversion values are known."""
        return self.value is not None

    @cached_property
    def lengths(self) -> np.ndarray:
        """``(n_paths,)`` int64 touches per path."""
        return np.diff(self.offsets)

    @cached_property
    def path_of_token(self) -> np.ndarray:
        """``(n_touches,)`` int64 path row of every touch."""
        return np.repeat(np.arange(self.n_paths, dtype=np.int64), self.lengths)

    @cached_property
    def position(self) -> np.ndarray:
        """``(n_touches,)`` int64 0-based position of every touch inside its path."""
        return np.arange(self.tokens.size, dtype=np.int64) - self.offsets[self.path_of_token]

    @property
    def journeys(self) -> np.ndarray:
        """``(n_paths,)`` journeys per path: ``conversions + nulls``."""
        return self.conversions + self.nulls

    @property
    def total_conversions(self) -> float:
        """Sum of conversions over all paths."""
        return float(self.conversions.sum())

    @property
    def total_value(self) -> float:
        """Sum of conversion value over all paths (NaN when values are unknown)."""
        return float(self.value.sum()) if self.value is not None else float("nan")

    # -- derived tables ----------------------------------------------------------------
    def path_strings(
        self, rows: np.ndarray | None = None, *, separator: str = DEFAULT_SEPARATOR
    ) -> list[str]:
        """Path strings of ``rows`` (all rows when ``None``), channels joined by ``separator``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        rows = np.arange(self.n_paths) if rows is None else np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        take = np.repeat(self.offsets[rows], lengths) + (
            np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
        )
        names = pa.array(list(self.channels), type=pa.large_string())
        flat = pc.take(names, pa.array(self.tokens[take].astype(np.int64)))
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), flat)
        return pc.binary_join(lists, pa.scalar(separator, type=pa.large_string())).to_pylist()

    def to_frame(self, *, separator: str = DEFAULT_SEPARATOR) -> pd.DataFrame:
        """The table as a DataFrame with columns path, conversions, value, nulls (+ audience)."""
        frame = pd.DataFrame(
            {
                "path": self.path_strings(separator=separator),
                "conversions": self.conversions,
                "value": self.value if self.value is not None else np.nan,
                "nulls": self.nulls,
            }
        )
        if self.store_conversions is not None:
            frame["store_conversions"] = self.store_conversions
        if self.audience is not None:
            frame["audience"] = np.asarray(self.audiences, dtype=object)[self.audience]
        return frame

    def select(self, *, audience: str) -> PathTable:
        """The paths of one audience.

        Raises
        ------
        DataError
            If the table has no audiences or ``audience`` is not one of them.
        """
        if self.audience is None:
            raise DataError(
                f"the paths from {self.source} carry no audience; build them from events with "
                "an audience column to select one",
                source=self.source,
            )
        if audience not in self.audiences:
            raise DataError(
                f"audience '{audience}' is not in {self.source}; audiences found: "
                f"{', '.join(self.audiences)}",
                source=self.source,
            )
        code = self.audiences.index(audience)
        keep = np.flatnonzero(self.audience == code)
        timing = None
        if self.timing is not None:
            new_row = np.full(self.n_paths, -1, dtype=np.int64)
            new_row[keep] = np.arange(keep.size)
            journeys = np.flatnonzero(new_row[self.timing.path_index] >= 0)
            timing = _take_journeys(self.timing, journeys, new_row)
        return _take_paths(self, keep, timing=timing)


def _take_journeys(timing: TouchTiming, journeys: np.ndarray, new_row: np.ndarray) -> TouchTiming:
    starts = timing.journey_offsets[journeys]
    lengths = timing.journey_offsets[journeys + 1] - starts
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    take = np.repeat(starts, lengths) + (
        np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    )
    return TouchTiming(
        journey_offsets=offsets,
        channel=timing.channel[take],
        days_before=timing.days_before[take],
        path_index=new_row[timing.path_index[journeys]],
        value=timing.value[journeys],
    )


def _take_paths(paths: PathTable, rows: np.ndarray, *, timing: TouchTiming | None) -> PathTable:
    lengths = paths.lengths[rows]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    take = np.repeat(paths.offsets[rows], lengths) + (
        np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    )

    def sub(a):
        return None if a is None else a[rows]

    return replace(
        paths,
        offsets=offsets,
        tokens=paths.tokens[take],
        conversions=paths.conversions[rows],
        nulls=paths.nulls[rows],
        value=sub(paths.value),
        store_conversions=sub(paths.store_conversions),
        audience=sub(paths.audience),
        timing=timing,
    )


def _sorted_channels(codes: np.ndarray, names: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Re-code channel codes so that channel names are in alphabetical order."""
    order = np.argsort(np.asarray(names, dtype=object), kind="stable")
    remap = np.empty(len(names), dtype=np.int32)
    remap[order] = np.arange(len(names), dtype=np.int32)
    return remap[codes], tuple(names[i] for i in order)


# separators a file may use instead of the one given (longest first)
_SEPARATOR_CANDIDATES = (" > ", " -> ", " | ", " / ", "->", ">", "|", ",", ";", "/", "\t")


def split_paths(
    path: pd.Series, *, separator: str, column: str, problems: list[str]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]] | None:
    """Parse path strings into CSR offsets, int32 channel codes and channel names.

    Vectorised with Arrow string kernels (split, flatten, dictionary-encode); no Python loop
    over rows. Problems (empty channels, stray whitespace around a channel) are appended to
    ``problems`` naming the rows; ``None`` is returned when there are any.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(path.astype("str"), type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):  # Arrow-backed string columns arrive in chunks
        text = text.combine_chunks()
    if not pc.any(pc.match_substring(text, separator)).as_py():
        found = [c for c in _SEPARATOR_CANDIDATES if pc.any(pc.match_substring(text, c)).as_py()]
        found = [c for c in found if not any(c != o and c in o for o in found)]
        if found:  # every path would be one channel named like 'a > b'
            problems.append(
                f"column '{column}': no path contains the separator {separator!r}, but the "
                f"paths contain {', '.join(repr(c) for c in found)}; pass the separator the "
                f"file uses (e.g. --separator {found[0]!r})"
            )
            return None
    parts = pc.split_pattern(text, separator)
    offsets = parts.offsets.to_numpy().astype(np.int64)
    encoded = pc.dictionary_encode(parts.flatten())
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    names = [str(s) for s in encoded.dictionary.to_pylist()]
    bad_empty = np.array([n.strip() == "" for n in names], dtype=bool)
    bad_space = np.array([n != n.strip() and n.strip() != "" for n in names], dtype=bool)
    ok = True
    lengths = np.diff(offsets)
    path_of_token = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    if bad_empty.any():
        rows = np.unique(path_of_token[bad_empty[codes]])
        problems.append(
            f"column '{column}': {format_rows(rows)} have an empty channel (a path that is "
            f"empty, starts or ends with the separator {separator!r}, or has two separators "
            "in a row); write every touch as a channel name"
        )
        ok = False
    if bad_space.any():
        rows = np.unique(path_of_token[bad_space[codes]])
        examples = ", ".join(repr(n) for n in np.asarray(names, dtype=object)[bad_space][:3])
        problems.append(
            f"column '{column}': {format_rows(rows)} have channel names with spaces at the "
            f"start or end ({examples}); the separator is {separator!r}: pass the separator "
            "the file uses (e.g. separator='>' or ' > ')"
        )
        ok = False
    if not ok:
        return None
    codes, channels = _sorted_channels(codes, names)
    return offsets, codes, channels


def paths_from_frame(
    frame: pd.DataFrame,
    *,
    separator: str = DEFAULT_SEPARATOR,
    path_column: str = "path",
    conversions_column: str = "conversions",
    value_column: str | None = "value",
    nulls_column: str = "nulls",
    source: str = "path table",
) -> PathTable:
    """Read aggregated paths: one row per path with its outcome counts.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per path. Rows with the same path are kept as separate rows (every method
        adds them up); nothing is dropped or merged.
    separator : str, keyword-only
        Text between two channels of a path; may be several characters, e.g. ``" > "``.
    path_column : str, keyword-only
        Column with the path strings, e.g. ``"paid_search > email > store_visit"``.
    conversions_column : str, keyword-only
        Converting journeys on the path (count, 0 or more, may be fractional).
    value_column : str or None, keyword-only
        Conversion value of those journeys (currency units). If the column is absent (or
        ``None``), values are unknown and credited value is reported as NaN.
    nulls_column : str, keyword-only
        Journeys on the path that did not convert (count, 0 or more, may be fractional).
    source : str, keyword-only
        Name of the input used in error messages (e.g. the file name).

    Returns
    -------
    PathTable

    Raises
    ------
    DataError
        Listing every problem at once: missing columns, empty or malformed paths, counts that
        are not numbers, missing, negative or infinite, value on a row without conversions, or
        a table without any conversion.
    """
    problems = _require_path_table(
        frame, separator, (path_column, conversions_column, nulls_column), source
    )

    path = frame[path_column]
    paths_ok = _check_path_text(path, path_column, separator, problems)
    conversions = numeric_column(frame, conversions_column, problems, what="conversion counts")
    nulls = numeric_column(frame, nulls_column, problems, what="non-converting journey counts")
    value = None
    if value_column is not None and value_column in frame.columns:
        value = _path_values(frame, value_column, conversions, conversions_column, problems)
    parsed = None
    if paths_ok:
        parsed = split_paths(path, separator=separator, column=path_column, problems=problems)
    if conversions is not None and not problems and conversions.sum() <= 0:
        problems.append(
            f"column '{conversions_column}' adds up to 0: there is nothing to attribute; "
            "check the column or the file"
        )
    if problems:
        raise DataError(problems, source=source)
    assert parsed is not None and conversions is not None and nulls is not None
    offsets, tokens, channels = parsed
    return PathTable(
        channels=channels,
        offsets=offsets,
        tokens=tokens,
        conversions=conversions,
        nulls=nulls,
        value=value,
        source=source,
    )


def _require_path_table(
    frame: pd.DataFrame, separator, columns: tuple[str, str, str], source: str
) -> list[str]:
    """Raise a DataError unless the separator is text and the table has rows and its path,
    conversions and nulls ``columns``; the (empty) list the other checks add problems to."""
    if not isinstance(separator, str) or separator == "":
        raise DataError(
            f"separator must be a non-empty string, got {separator!r}; pass the text between "
            "two channels, e.g. ' > '",
            source=source,
        )
    path_column, conversions_column, nulls_column = columns
    required = {
        path_column: "the path string",
        conversions_column: "converting journeys per path",
        nulls_column: "non-converting journeys per path",
    }
    problems = require_columns(frame, required, source=source, kind="the path table")
    if problems:
        raise DataError(problems, source=source)
    if len(frame) == 0:
        raise DataError(f"{source} has no rows; give at least one path", source=source)
    return problems


def _check_path_text(path: pd.Series, path_column: str, separator: str, problems) -> bool:
    """Whether every path is given as text; empty paths and other values are problems."""
    missing = path.isna().to_numpy()
    if missing.any():
        problems.append(
            f"column '{path_column}': {format_rows(np.flatnonzero(missing))} are empty; "
            "write the channels of every path"
        )
    if isinstance(path.dtype, pd.StringDtype):
        not_text = np.zeros(len(path), dtype=bool)
    else:
        is_text = np.fromiter((isinstance(v, str) for v in path), dtype=bool, count=len(path))
        not_text = ~missing & ~is_text
    if not_text.any():
        problems.append(
            f"column '{path_column}': {format_rows(np.flatnonzero(not_text))} are not text; "
            f"write paths as channel names joined by {separator!r}"
        )
    return not missing.any() and not not_text.any()


def _path_values(
    frame: pd.DataFrame, value_column: str, conversions, conversions_column: str, problems
) -> np.ndarray | None:
    """The paths' conversion values; a value on a path without conversions is a problem."""
    value = numeric_column(frame, value_column, problems, what="conversion values")
    if value is not None and conversions is not None:
        orphan = (value > 0) & (conversions == 0)
        if orphan.any():
            problems.append(
                f"column '{value_column}': {format_rows(np.flatnonzero(orphan))} have a "
                f"value but no conversions in '{conversions_column}'; fix the counts or "
                "set the value to 0"
            )
    return value


def sequence_groups(
    offsets: np.ndarray, tokens: np.ndarray, extra: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Group identical token sequences (and equal ``extra`` keys) without a Python loop.

    Parameters
    ----------
    offsets : numpy.ndarray
        ``(n + 1,)`` CSR offsets of ``n`` sequences (each at least one token long).
    tokens : numpy.ndarray
        Integer tokens.
    extra : numpy.ndarray, optional
        ``(n,)`` integer key that must also match (e.g. an audience code).

    Returns
    -------
    group : numpy.ndarray
        ``(n,)`` int64 group of each sequence, numbered by first appearance.
    representative : numpy.ndarray
        ``(n_groups,)`` int64 index of the first sequence of each group.

    Notes
    -----
    Sequences are keyed by their length and two independent 64-bit polynomial hashes; every
    grouping is then verified token by token, so a hash collision can never merge two
    different sequences (a collision falls back to an exact comparison of tuples).
    """
    n = offsets.size - 1
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.diff(offsets)
    seq = np.repeat(np.arange(n, dtype=np.int64), lengths)
    pos = np.arange(tokens.size, dtype=np.int64) - offsets[seq]
    t = tokens.astype(np.uint64) + np.uint64(1)
    max_len = int(lengths.max())
    keys = [lengths.astype(np.uint64)]
    for base in (np.uint64(1_000_003), np.uint64(2_147_483_659)):
        powers = np.ones(max_len, dtype=np.uint64)
        if max_len > 1:
            powers[1:] = base
            powers = np.cumprod(powers, dtype=np.uint64)
        with np.errstate(over="ignore"):
            keys.append(np.add.reduceat(t * powers[pos], offsets[:-1]).astype(np.uint64))
    if extra is not None:
        keys.append(np.asarray(extra).astype(np.uint64))
    order = np.lexsort(keys[::-1])
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for k in keys:
        ks = k[order]
        change[1:] |= ks[1:] != ks[:-1]
    sorted_group = np.cumsum(change) - 1
    group_sorted_first = order[change]
    # number groups by first appearance so results do not depend on hash values
    group_of = np.empty(n, dtype=np.int64)
    group_of[order] = sorted_group
    first_index = np.full(group_sorted_first.size, n, dtype=np.int64)
    np.minimum.at(first_index, group_of, np.arange(n, dtype=np.int64))
    rank = np.empty_like(first_index)
    rank[np.argsort(first_index, kind="stable")] = np.arange(first_index.size)
    group = rank[group_of]
    representative = np.sort(first_index)
    # exact verification against the representative of each group
    rep_start = offsets[representative[group]]
    same = tokens[rep_start[seq] + pos] == tokens
    if extra is not None:
        extra_ok = bool(np.all(np.asarray(extra)[representative[group]] == np.asarray(extra)))
    else:
        extra_ok = True
    if not (np.all(same) and extra_ok):  # pragma: no cover - needs a 128-bit hash collision
        return _exact_groups(offsets, tokens, extra)
    return group, representative


def _exact_groups(
    offsets: np.ndarray, tokens: np.ndarray, extra: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - fallback after a hash collision
    seen: dict[tuple, int] = {}
    group = np.empty(offsets.size - 1, dtype=np.int64)
    reps: list[int] = []
    for i in range(offsets.size - 1):
        key = (
            tuple(tokens[offsets[i] : offsets[i + 1]].tolist()),
            None if extra is None else int(extra[i]),
        )
        if key not in seen:
            seen[key] = len(reps)
            reps.append(i)
        group[i] = seen[key]
    return group, np.asarray(reps, dtype=np.int64)
