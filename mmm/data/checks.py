"""Cell and column checks shared by the loaders: parsing, formatting of offending rows,
problem collection, frequency detection.

Every problem names the table, the column, the first offending data rows (1-based, as in
a spreadsheet with a header row) with their values, and the fix."""

from __future__ import annotations

import datetime as _dt
import numbers
import warnings

import numpy as np
import pandas as pd

from mmm.names import (
    AUDIENCE,
    CHANNEL,
    DATE,
    GEO,
    SERIES_SEP,
    STAGE,
)

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
        0-based positions in the table; printed as spreadsheet rows, the header being
        row 1 (position ``p`` is row ``p + 2``), the convention of every validator.
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
        item = str(pos + 2)
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
        """Record one problem of table ``role`` (file ``label``)."""
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


def _as_floats(series: pd.Series) -> tuple[np.ndarray, list[int]]:
    """The cells as floats (NaN where empty or not a number) and the rows that are not
    numbers."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan), []
    results, reasons = _per_unique(series, _parse_float)
    values = np.array([np.nan if r is None else r for r in results], dtype="float64")
    return values, [i for i, r in enumerate(reasons) if r not in (None, "missing")]


def _out_of_range(
    values: np.ndarray, what: str, fix: str, *, minimum, strict: bool, integer: bool
) -> list[str]:
    """The problems of the finite values: infinite ones, ones below ``minimum`` (at or below
    with ``strict``), and fractions where whole numbers are asked for."""
    out = []
    infinite = np.flatnonzero(np.isinf(values)).tolist()
    if infinite:
        out.append(
            f"{what}: {len(infinite)} infinite value(s) at "
            f"{format_rows(infinite, values[infinite].tolist())}. Fix: {fix}."
        )
    finite = np.isfinite(values)
    if minimum is not None:
        low = finite & ((values <= minimum) if strict else (values < minimum))
        low_rows = np.flatnonzero(low).tolist()
        if low_rows:
            sign = ">" if strict else ">="
            out.append(
                f"{what}: {len(low_rows)} value(s) not {sign} {minimum:g} at "
                f"{format_rows(low_rows, values[low_rows].tolist())}. Fix: {fix}."
            )
    if integer:
        frac = finite & (np.round(values) != values)
        frac_rows = np.flatnonzero(frac).tolist()
        if frac_rows:
            out.append(
                f"{what}: {len(frac_rows)} value(s) that are not whole numbers at "
                f"{format_rows(frac_rows, values[frac_rows].tolist())}. Fix: {fix}."
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
    values, nonnumeric = _as_floats(series)
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
    for text in _out_of_range(values, what, fix, minimum=minimum, strict=strict, integer=integer):
        problems.add(role, label, text)
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
        rows = ", ".join(str(int(i) + 2) for i in list(index)[:_MAX_SHOWN])
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
