"""Validation of the input tables: every problem is collected and reported at once.

The functions here never repair data silently. Each problem names the table (role and
file label), the column, the first offending data rows (at most five, 1-based: data row
``i`` is line ``i + 1`` of a CSV file with a header row) with their values, and the fix.
The only repairs are explicit options (``fill_missing_spend``) and the trimming of outcome
or control dates outside the media range; both are recorded in ``repairs``.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mmm.errors import DataError
from mmm.names import (
    AUDIENCE,
    CHANNEL,
    DATE,
    DEFAULT_AUDIENCE,
    DEFAULT_GEO,
    GEO,
    SERIES_SEP,
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

_MAX_SHOWN = 5

#: Fewest periods, per frequency family, below which a warning is issued.
MIN_PERIODS = {"D": 180, "W": 52, "M": 36}

#: Absolute spend correlation between two series above which a warning is issued.
CORRELATION_WARNING = 0.9

_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_DATE_MIN = pd.Timestamp("1678-01-01")
_DATE_MAX = pd.Timestamp("2261-12-31")

MEDIA_REQUIRED = (DATE, CHANNEL, "spend")
MEDIA_OPTIONAL = (AUDIENCE, GEO, "impressions")
CATALOGUE_REQUIRED = (CHANNEL, STAGE)
CATALOGUE_OPTIONAL = ("max_lag", "roas_prior", "description")
GEO_REQUIRED = (GEO,)
GEO_OPTIONAL = ("population", "shops", "near_store_population")


# --------------------------------------------------------------------------- formatting


def _fmt_value(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return "missing"
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if isinstance(value, str):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt_date(value: pd.Timestamp | np.datetime64) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _fmt_dates(values, limit: int = _MAX_SHOWN) -> str:
    values = list(values)
    text = ", ".join(_fmt_date(v) for v in values[:limit])
    if len(values) > limit:
        text += f" and {len(values) - limit} more"
    return text


def format_rows(positions, values=None, *, limit: int = _MAX_SHOWN) -> str:
    """Format offending rows for an error message.

    Parameters
    ----------
    positions : array-like of int
        0-based positions in the table; printed as 1-based data-row numbers.
    values : array-like, optional
        The offending values at those positions, printed next to the row numbers.
    limit : int
        How many rows to show; the rest are counted.

    Returns
    -------
    str
        For example ``"row(s) 3 (-5.0), 7 ('abc') and 2 more"``.
    """
    positions = [int(p) for p in positions]
    values = None if values is None else list(values)
    shown = []
    for k, pos in enumerate(positions[:limit]):
        item = str(pos + 1)
        if values is not None:
            item += f" ({_fmt_value(values[k])})"
        shown.append(item)
    text = "row(s) " + ", ".join(shown)
    if len(positions) > limit:
        text += f" and {len(positions) - limit} more"
    return text


class ProblemList:
    """Collects problem descriptions, each prefixed with the table role and label."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, role: str, label: str, text: str) -> None:
        self.items.append(f"[{role}: {label}] {text}")

    def __bool__(self) -> bool:
        return bool(self.items)


# --------------------------------------------------------------------------- cell parsers


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def _factorize(series: pd.Series) -> tuple[np.ndarray, list] | None:
    """Codes and unique values of a column, or None when its values are not hashable."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:
        return None
    return codes, list(uniques)


def _per_unique(series: pd.Series, parse, parse_many=None) -> tuple[list, list]:
    """Apply ``parse(value) -> (result, reason)`` once per distinct value of a column.

    ``parse_many(uniques)``, when given, parses all distinct values at once (same output as
    ``[parse(u) for u in uniques]``, faster). Returns per-row lists of results and reasons
    (reason ``None`` means valid, ``"missing"`` means an empty cell).
    """
    n = len(series)
    factorized = _factorize(series)
    if factorized is None:
        pairs = [parse(v) if not _is_missing(v) else (None, "missing") for v in series.tolist()]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    codes, uniques = factorized
    parsed = parse_many(uniques) if parse_many is not None else [parse(u) for u in uniques]
    results: list = [None] * n
    reasons: list = ["missing"] * n
    for i, code in enumerate(codes.tolist()):
        if code >= 0:
            results[i], reasons[i] = parsed[code]
    return results, reasons


def _parse_date(value: object) -> tuple[pd.Timestamp | None, str | None]:
    if _is_missing(value):
        return None, "missing"
    if isinstance(value, bool | np.bool_) or isinstance(value, numbers.Number):
        return None, "a number, not a date"
    if isinstance(value, str):
        if not value.strip():
            return None, "missing"
        try:
            ts = pd.to_datetime(value.strip(), format="ISO8601")
        except (ValueError, TypeError, OverflowError) as err:
            del err
            return None, "not an ISO 8601 date"
    elif isinstance(value, _dt.date | np.datetime64 | pd.Timestamp):
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            return None, "out of range"
    else:
        return None, f"a {type(value).__name__}, not a date"
    if ts is pd.NaT or pd.isna(ts):
        return None, "missing"
    if ts.tzinfo is not None:
        return None, "has a time-zone offset"
    if ts != ts.normalize():
        return None, "has a time of day"
    if ts < _DATE_MIN or ts > _DATE_MAX:
        return None, "out of range (years 1678-2261)"
    return ts, None


def _parse_dates_many(uniques: list) -> list[tuple[pd.Timestamp | None, str | None]]:
    """Vectorised :func:`_parse_date` for plain ISO date strings; other values one by one."""
    out: list = [None] * len(uniques)
    text_idx = [i for i, u in enumerate(uniques) if isinstance(u, str) and u.strip()]
    if text_idx:
        texts = pd.Index([uniques[i].strip() for i in text_idx], dtype=object)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce")
        except (ValueError, TypeError, OverflowError):
            parsed = None
        if parsed is not None and getattr(parsed, "tz", None) is None:
            ok = (
                ~parsed.isna()
                & (parsed == parsed.normalize())
                & (parsed >= _DATE_MIN)
                & (parsed <= _DATE_MAX)
            )
            for j, i in enumerate(text_idx):
                if ok[j]:
                    out[i] = (parsed[j], None)
    return [r if r is not None else _parse_date(u) for r, u in zip(out, uniques, strict=True)]


def _parse_float(value: object) -> tuple[float | None, str | None]:
    if _is_missing(value):
        return None, "missing"
    if isinstance(value, bool | np.bool_):
        return None, "a boolean"
    if isinstance(value, numbers.Real):
        try:
            return float(value), None
        except (OverflowError, ValueError):
            return None, "not a finite number"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, "missing"
        if "_" in text:
            return None, "not a number"
        try:
            out = float(text)
        except ValueError:
            return None, "not a number"
        if np.isnan(out):
            return None, "missing"
        return out, None
    return None, "not a number"


def check_dates(
    frame: pd.DataFrame, column: str, *, role: str, label: str, problems: ProblemList
) -> np.ndarray:
    """Parse a date column; add a problem for missing and unparsable cells.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]`` values, ``NaT`` where the cell is invalid.
    """
    series = frame[column]
    out = np.full(len(series), np.datetime64("NaT"), dtype="datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if getattr(series.dtype, "tz", None) is not None:
            problems.add(
                role,
                label,
                f"column {column!r} holds time-zone-aware timestamps ({series.dtype}). "
                "Fix: convert to plain calendar dates (e.g. .dt.tz_localize(None).dt.normalize()).",
            )
            return out
    results, reasons = _per_unique(series, _parse_date, _parse_dates_many)
    missing = [i for i, r in enumerate(reasons) if r == "missing"]
    bad = [i for i, r in enumerate(reasons) if r not in (None, "missing")]
    for i, r in enumerate(reasons):
        if r is None:
            out[i] = np.datetime64(results[i].as_unit("ns").asm8)
    if missing:
        problems.add(
            role,
            label,
            f"column {column!r}: {len(missing)} missing date(s) at {format_rows(missing)}. "
            "Fix: fill in the date of every row.",
        )
    if bad:
        values = series.iloc[bad].tolist()
        kinds = sorted({reasons[i] for i in bad})
        problems.add(
            role,
            label,
            f"column {column!r}: {len(bad)} value(s) that are not valid dates "
            f"({'; '.join(kinds)}) at {format_rows(bad, values)}. "
            "Fix: write dates as ISO 8601 calendar dates (YYYY-MM-DD) without time or time zone.",
        )
    return out


def check_labels(
    frame: pd.DataFrame,
    column: str,
    *,
    role: str,
    label: str,
    problems: ProblemList,
    forbid_sep: bool = False,
) -> np.ndarray:
    """Read a label column as text; add a problem for empty cells (and ``|`` if forbidden).

    Returns
    -------
    numpy.ndarray
        Object array of ``str``; ``None`` where the cell is empty.
    """
    series = frame[column]
    values = series.tolist()
    out = np.empty(len(values), dtype=object)
    missing = []
    for i, v in enumerate(values):
        if _is_missing(v) or (isinstance(v, str) and not v.strip()):
            missing.append(i)
            out[i] = None
        else:
            out[i] = v if isinstance(v, str) else str(v)
    if missing:
        problems.add(
            role,
            label,
            f"column {column!r}: {len(missing)} empty cell(s) at {format_rows(missing)}. "
            f"Fix: fill in the {column} of every row.",
        )
    if forbid_sep:
        with_sep = [i for i, v in enumerate(out) if v is not None and SERIES_SEP in v]
        if with_sep:
            problems.add(
                role,
                label,
                f"column {column!r}: {len(with_sep)} value(s) contain {SERIES_SEP!r}, which "
                f"separates channel and audience in series labels, at "
                f"{format_rows(with_sep, [out[i] for i in with_sep])}. Fix: rename them.",
            )
    return out


def check_numeric(
    frame: pd.DataFrame,
    column: str,
    *,
    role: str,
    label: str,
    problems: ProblemList,
    allow_missing: bool = False,
    minimum: float | None = None,
    strict: bool = False,
    integer: bool = False,
    meaning: str = "",
    fix: str = "correct these cells in the source table",
) -> np.ndarray:
    """Parse a numeric column and report non-numeric, missing, infinite and out-of-range cells.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, positions ``0..n-1``.
    column : str
        Column to check.
    role, label : str
        Table role and source label used in messages.
    problems : ProblemList
        Collector the problems are added to.
    allow_missing : bool
        Whether empty cells are allowed (kept as NaN).
    minimum : float, optional
        Smallest allowed value; with ``strict`` the value itself is excluded.
    integer : bool
        Whether values must be whole numbers.
    meaning : str
        Short description of the column for messages (e.g. ``"spend (currency)"``).
    fix : str
        What the user should do.

    Returns
    -------
    numpy.ndarray
        float64 values; NaN where a cell is empty or invalid.
    """
    series = frame[column]
    what = f"column {column!r}" + (f" ({meaning})" if meaning else "")
    n = len(series)
    if pd.api.types.is_bool_dtype(series.dtype):
        problems.add(
            role,
            label,
            f"{what} holds booleans, not numbers, at {format_rows(range(n), series.tolist())}. "
            f"Fix: {fix}.",
        )
        return np.full(n, np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        nonnumeric: list[int] = []
    else:
        results, reasons = _per_unique(series, _parse_float)
        values = np.array([np.nan if r is None else r for r in results], dtype="float64")
        nonnumeric = [i for i, r in enumerate(reasons) if r not in (None, "missing")]
    if nonnumeric:
        problems.add(
            role,
            label,
            f"{what}: {len(nonnumeric)} non-numeric value(s) at "
            f"{format_rows(nonnumeric, series.iloc[nonnumeric].tolist())}. Fix: {fix}.",
        )
    bad_set = set(nonnumeric)
    missing = [i for i in range(n) if np.isnan(values[i]) and i not in bad_set]
    if missing and not allow_missing:
        problems.add(
            role,
            label,
            f"{what}: {len(missing)} missing (empty or NaN) value(s) at {format_rows(missing)}. "
            f"Nothing is filled in automatically. Fix: {fix}.",
        )
    infinite = np.flatnonzero(np.isinf(values)).tolist()
    if infinite:
        problems.add(
            role,
            label,
            f"{what}: {len(infinite)} infinite value(s) at "
            f"{format_rows(infinite, values[infinite].tolist())}. Fix: {fix}.",
        )
    finite = np.isfinite(values)
    if minimum is not None:
        low = finite & ((values <= minimum) if strict else (values < minimum))
        low_rows = np.flatnonzero(low).tolist()
        if low_rows:
            sign = ">" if strict else ">="
            problems.add(
                role,
                label,
                f"{what}: {len(low_rows)} value(s) not {sign} {minimum:g} at "
                f"{format_rows(low_rows, values[low_rows].tolist())}. Fix: {fix}.",
            )
    if integer:
        frac = finite & (np.round(values) != values)
        frac_rows = np.flatnonzero(frac).tolist()
        if frac_rows:
            problems.add(
                role,
                label,
                f"{what}: {len(frac_rows)} value(s) that are not whole numbers at "
                f"{format_rows(frac_rows, values[frac_rows].tolist())}. Fix: {fix}.",
            )
    values = values.copy()
    values[list(bad_set)] = np.nan
    return values


def _require_columns(
    frame: pd.DataFrame,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    *,
    role: str,
    label: str,
    problems: ProblemList,
) -> bool:
    columns = list(frame.columns)
    absent = [c for c in required if c not in columns]
    if not absent:
        return True
    hints = []
    for c in absent:
        near = [x for x in columns if x.strip().lower() == c]
        if near:
            hints.append(f"{near[0]!r} looks like {c!r} (check case and spaces)")
    text = (
        f"missing required column(s) {absent}; available columns: {columns}. "
        f"Required: {list(required)}; optional: {list(optional)}."
    )
    if hints:
        text += " Note: " + "; ".join(hints) + "."
    text += " Fix: rename or add the column(s)."
    problems.add(role, label, text)
    return False


def check_duplicates(
    keys: pd.DataFrame, *, role: str, label: str, problems: ProblemList, key_names: list[str]
) -> None:
    """Report rows sharing a key; ``keys`` holds only rows whose keys are all valid."""
    dup = keys.duplicated(keep=False)
    if not dup.any():
        return
    by = key_names[0] if len(key_names) == 1 else key_names
    groups = keys[dup].groupby(by, sort=False, dropna=False).groups
    shown = []
    for key, index in list(groups.items())[:_MAX_SHOWN]:
        key = key if isinstance(key, tuple) else (key,)
        key_text = ", ".join(_fmt_value(k) for k in key)
        rows = ", ".join(str(int(i) + 1) for i in list(index)[:_MAX_SHOWN])
        shown.append(f"rows {rows} share ({key_text})")
    more = f"; and {len(groups) - _MAX_SHOWN} more key(s)" if len(groups) > _MAX_SHOWN else ""
    problems.add(
        role,
        label,
        f"{int(dup.sum())} rows have a duplicated ({', '.join(key_names)}) key: "
        f"{'; '.join(shown)}{more}. Nothing is de-duplicated automatically. "
        "Fix: remove the repeated rows or aggregate them (e.g. sum spend) before loading.",
    )


def _unused_columns(frame, known, *, role, label, warnings_out) -> None:
    unused = [c for c in frame.columns if c not in known]
    if unused:
        warnings_out.append(
            f"[{role}: {label}] column(s) {unused} are not used (known columns: {list(known)})."
        )


# --------------------------------------------------------------------------- frequency


def detect_frequency(dates: pd.DatetimeIndex) -> tuple[str | None, str | None]:
    """Detect the pandas offset alias of a sorted set of distinct dates.

    Parameters
    ----------
    dates : pandas.DatetimeIndex
        Distinct dates in increasing order (midnight timestamps).

    Returns
    -------
    freq : str or None
        ``"D"``, ``"W-MON"`` ... ``"W-SUN"``, ``"MS"`` (month starts) or ``"ME"`` (month
        ends); None when no regular frequency is found.
    problem : str or None
        Why no frequency was found.
    """
    if len(dates) < 2:
        return None, (
            f"only {len(dates)} distinct date(s); at least 2 are needed to detect the frequency"
        )
    days = np.diff(dates.values).astype("timedelta64[D]").astype(np.int64)
    values, counts = np.unique(days, return_counts=True)
    step = int(values[np.argmax(counts)])
    if step == 1:
        return "D", None
    if step == 7:
        weekdays, wcounts = np.unique(dates.day_of_week, return_counts=True)
        return f"W-{_WEEKDAYS[int(weekdays[np.argmax(wcounts)])]}", None
    if 28 <= step <= 31:
        if bool(np.all(dates.is_month_start)):
            return "MS", None
        if bool(np.all(dates.is_month_end)):
            return "ME", None
        return None, (
            "dates are about a month apart but not all on the first or all on the last day of "
            "a month"
        )
    return None, (
        f"the most common spacing between dates is {step} days; supported frequencies are "
        "daily (1 day), weekly (7 days, same weekday) and monthly (month starts or ends)"
    )


def _family(freq: str) -> str:
    return "W" if freq.startswith("W") else ("M" if freq in ("MS", "ME") else "D")


_FREQ_WORD = {"D": "daily", "W": "weekly", "M": "monthly"}


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
    stages = check_labels(frame, STAGE, role=role, label=label, problems=problems)
    unknown = [i for i, s in enumerate(stages) if s is not None and s not in STAGES]
    if unknown:
        values = [stages[i] for i in unknown]
        hint = ""
        near = sorted({v for v in values if v.strip().lower() in STAGES})
        if near:
            hint = f" (values {near} differ from an allowed stage only in case or spaces)"
        problems.add(
            role,
            label,
            f"column {STAGE!r}: {len(unknown)} unknown funnel stage(s) at "
            f"{format_rows(unknown, values)}; allowed: {list(STAGES)}{hint}. "
            "Fix: set each channel's stage to one of the allowed values.",
        )
    out[STAGE] = stages
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
    media_frame, media_label = media

    media_result = _validate_media(media_frame, media_label, problems, warnings_out)
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

    if media_result is None:
        raise DataError(problems.items)
    m, date_problem = media_result

    # --- dates and frequency of the media table
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

    # --- channels vs catalogue
    media_channels = list(dict.fromkeys(m[CHANNEL].dropna().tolist()))
    catalogue_channels: list[str] = []
    if catalogue is not None:
        catalogue_channels = catalogue[CHANNEL].dropna().tolist()
        absent = [c for c in media_channels if c not in catalogue_channels]
        if absent:
            counts = m[CHANNEL].value_counts()
            detail = ", ".join(f"{c!r} ({int(counts[c])} rows)" for c in absent[:20])
            problems.add(
                "channels",
                channels[1],
                f"channel(s) in media but missing from the channel catalogue: {detail}; "
                f"catalogue has {catalogue_channels}. Fix: add a catalogue row (channel, "
                "stage) for each, or correct the channel names in the media table.",
            )
        unused = [c for c in catalogue_channels if c not in media_channels]
        if unused:
            warnings_out.append(
                f"[channels: {channels[1]}] catalogue channel(s) {unused} have no rows in the "
                "media table and are left out of the dataset."
            )

    # --- geos
    media_geos = sorted(set(m[GEO].dropna().tolist()))
    if outcome_result is not None:
        o, _, o_has_geo = outcome_result
        _check_geos(
            media_geos,
            set(o[GEO].dropna().tolist()),
            role="outcomes",
            label=outcomes[1],
            has_geo_column=o_has_geo,
            problems=problems,
        )
    if control_result is not None:
        c, _, c_has_geo = control_result
        _check_geos(
            media_geos,
            set(c[GEO].dropna().tolist()),
            role="controls",
            label=controls[1],
            has_geo_column=c_has_geo,
            problems=problems,
        )
    if geo_table is not None:
        _check_geos(
            media_geos,
            set(geo_table[GEO].dropna().tolist()),
            role="geos",
            label=geos[1],
            has_geo_column=True,
            problems=problems,
        )

    # --- completeness of each (geo, series) present, and impressions per series
    missing_cells = pd.DataFrame(columns=[DATE, GEO, CHANNEL, AUDIENCE])
    impressions_series = None
    keys_ok = m[[DATE, GEO, CHANNEL, AUDIENCE]].notna().all(axis=1)
    mk = m[keys_ok]
    if dates is not None and not date_problem:
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
    if "impressions" in m.columns:
        impressions_series = set()
        partial = []
        for (ch, au), part in mk.groupby([CHANNEL, AUDIENCE], sort=False):
            nan = part["impressions"].isna()
            # rows whose impressions were invalid are already reported
            if nan.all():
                continue
            impressions_series.add((ch, au))
            if nan.any():
                partial.append((series_label(ch, au), part.index[nan.to_numpy()].tolist()))
        if partial:
            detail = "; ".join(
                f"series {s!r} at {format_rows(rows)}" for s, rows in partial[:_MAX_SHOWN]
            )
            problems.add(
                "media",
                media_label,
                f"column 'impressions': empty cells in series that have impressions elsewhere: "
                f"{detail}. Fix: give impressions in every row of a series, or leave the "
                "column empty for the whole series.",
            )
        if not impressions_series:
            warnings_out.append(
                f"[media: {media_label}] column 'impressions' is empty in every row and is "
                "not used."
            )
            impressions_series = None
        else:
            impressions_series = frozenset(impressions_series)

    # --- align outcomes and controls to the media dates
    aligned_outcomes = aligned_controls = None
    if dates is not None and outcome_result is not None:
        aligned_outcomes = _align_dates(
            outcome_result[0],
            dates=dates,
            freq=freq,
            role="outcomes",
            label=outcomes[1],
            problems=problems,
            repairs=repairs,
        )
    if dates is not None and control_result is not None:
        aligned_controls = _align_dates(
            control_result[0],
            dates=dates,
            freq=freq,
            role="controls",
            label=controls[1],
            problems=problems,
            repairs=repairs,
        )

    if problems:
        raise DataError(problems.items)

    # --- order: channels as in the catalogue, audiences sorted
    order = {c: i for i, c in enumerate(catalogue_channels)}
    series = sorted(
        {(ch, au) for ch, au in zip(m[CHANNEL], m[AUDIENCE], strict=True)},
        key=lambda s: (order[s[0]], s[1]),
    )
    cat = catalogue[catalogue[CHANNEL].isin(media_channels)].reset_index(drop=True)
    geo_info = None
    if geo_table is not None:
        geo_info = geo_table.set_index(GEO).loc[media_geos]
    return ValidatedTables(
        media=m.reset_index(drop=True),
        outcomes=aligned_outcomes,
        outcome_names=outcome_result[1],
        controls=aligned_controls,
        control_names=[] if control_result is None else control_result[1],
        catalogue=cat,
        geo_info=geo_info,
        dates=dates,
        freq=freq,
        geos=media_geos,
        series=series,
        impressions_series=impressions_series,
        missing_cells=missing_cells,
        warnings=warnings_out,
        repairs=repairs,
    )


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


# --------------------------------------------------------------------------- data warnings


def data_warnings(
    spend: np.ndarray,
    *,
    series: list[str],
    freq: str,
    n_controls: int,
) -> list[str]:
    """Warnings about usable but suspicious data.

    Parameters
    ----------
    spend : numpy.ndarray
        Spend, dims ``(date, geo, series)``, currency.
    series : list of str
        Series labels, in the order of the last axis.
    freq : str
        Pandas offset alias of the dates.
    n_controls : int
        Number of control variables.

    Returns
    -------
    list of str
        One message per finding: series that are all zero or constant; fewer periods than
        a model needs (with a rough parameter count); pairs of series whose spend
        correlation exceeds :data:`CORRELATION_WARNING` in absolute value.
    """
    out: list[str] = []
    n_dates, n_geos, n_series = spend.shape
    flat = spend.reshape(n_dates * n_geos, n_series)
    for k, name in enumerate(series):
        column = flat[:, k]
        if np.all(column == 0):
            out.append(
                f"spend of series {name!r} is zero in every period and geo; its effect cannot "
                "be estimated. Check the export, or leave the channel out."
            )
        elif np.all(column == column[0]):
            out.append(
                f"spend of series {name!r} is constant ({column[0]:g} in every period and "
                "geo); its effect cannot be told apart from the baseline."
            )
    family = _family(freq)
    threshold = MIN_PERIODS[family]
    baseline = 14 if family == "D" else 8
    n_params = 4 * n_series + n_controls + baseline + (n_geos - 1)
    if n_dates < threshold or n_dates * n_geos < 2 * n_params:
        out.append(
            f"only {n_dates} {_FREQ_WORD[family]} periods x {n_geos} geo(s) "
            f"(at least {threshold} periods recommended). A model of this data has roughly "
            f"{n_params} parameters per outcome (about 4 per media series x {n_series}, 1 per "
            f"control x {n_controls}, about {baseline} for trend, seasonality and noise, "
            f"{n_geos - 1} geo offsets) and needs about 2x as many observations "
            f"({2 * n_params}); expect wide intervals and strong prior influence."
        )
    for a, b, r in spend_correlations(flat, series, threshold=CORRELATION_WARNING):
        out.append(
            f"spend of series {a!r} and {b!r} is highly correlated (r = {r:.3f}); their "
            "effects will be hard to separate. Consider informative priors or combining them."
        )
    return out


def spend_correlations(flat: np.ndarray, series: list[str], *, threshold: float) -> list:
    """Pairs of series whose spend correlation exceeds ``threshold`` in absolute value.

    Parameters
    ----------
    flat : numpy.ndarray
        Spend, dims ``(cell, series)`` (dates x geos stacked), currency.
    series : list of str
        Series labels.
    threshold : float
        Absolute correlation above which a pair is returned.

    Returns
    -------
    list of tuple (str, str, float)
        Pairs sorted by decreasing absolute correlation; series with constant spend are
        skipped (their correlation is undefined).
    """
    varying = [k for k in range(flat.shape[1]) if not np.all(flat[:, k] == flat[0, k])]
    pairs = []
    if len(varying) >= 2:
        corr = np.corrcoef(flat[:, varying], rowvar=False)
        for a in range(len(varying)):
            for b in range(a + 1, len(varying)):
                r = float(corr[a, b])
                if np.isfinite(r) and abs(r) > threshold:
                    pairs.append((series[varying[a]], series[varying[b]], r))
    pairs.sort(key=lambda p: -abs(p[2]))
    return pairs
