"""Small helpers shared by the journey validators: row lists and column checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_ROWS_SHOWN = 5


def format_rows(positions: np.ndarray) -> str:
    """Spreadsheet row numbers of offending data rows, e.g. ``"rows 2, 5 (2 rows)"``.

    Parameters
    ----------
    positions : numpy.ndarray
        0-based positions of the offending data rows. Data row ``i`` (1-based) sits on
        spreadsheet line ``i + 1`` because of the header row, so position ``p`` is shown as
        ``p + 2``.
    """
    positions = np.asarray(positions, dtype=np.int64)
    n = positions.size
    shown = ", ".join(str(int(p) + 2) for p in positions[:MAX_ROWS_SHOWN])
    more = f" and {n - MAX_ROWS_SHOWN} more" if n > MAX_ROWS_SHOWN else ""
    word = "row" if n == 1 else "rows"
    return f"{word} {shown}{more} ({n} {word} in all)"


def numeric_column(
    frame: pd.DataFrame,
    column: str,
    problems: list[str],
    *,
    what: str,
    allow_missing: bool = False,
) -> np.ndarray | None:
    """Float64 values of ``column``; report non-numeric, missing, infinite or negative rows.

    Returns ``None`` when the column cannot be read as numbers (a problem is recorded).
    """
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad_text = values.isna().to_numpy() & raw.notna().to_numpy()
    if bad_text.any():
        problems.append(
            f"column '{column}': {format_rows(np.flatnonzero(bad_text))} are not numbers; "
            f"write {what} as plain numbers (e.g. 3 or 2.5)"
        )
        return None
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(arr)
    if missing.any() and not allow_missing:
        problems.append(
            f"column '{column}': {format_rows(np.flatnonzero(missing))} are empty; "
            f"fill in {what} (0 where there is none)"
        )
    infinite = np.isinf(arr)
    if infinite.any():
        problems.append(
            f"column '{column}': {format_rows(np.flatnonzero(infinite))} are infinite; "
            f"write finite {what}"
        )
    negative = arr < 0
    if negative.any():
        problems.append(
            f"column '{column}': {format_rows(np.flatnonzero(negative))} are negative; "
            f"{what} must be 0 or more"
        )
    return arr


def missing_text(series: pd.Series) -> np.ndarray:
    """Boolean mask of missing or blank (only whitespace) text cells."""
    missing = series.isna().to_numpy()
    as_text = series.astype("str")
    blank = as_text.str.strip().str.len().to_numpy() == 0
    return missing | blank


def require_columns(
    frame: pd.DataFrame, required: dict[str, str], *, source: str, kind: str
) -> list[str]:
    """Problems for required columns that are absent (``required`` maps name -> meaning)."""
    if not isinstance(frame, pd.DataFrame):
        return [f"{kind} must be a pandas DataFrame, got {type(frame).__name__}"]
    problems = []
    present = [str(c) for c in frame.columns]
    for column, meaning in required.items():
        if column not in frame.columns:
            problems.append(
                f"column '{column}' ({meaning}) is missing from {source}; columns found: "
                f"{', '.join(present) if present else '(none)'}; rename the column or pass "
                f"its name as an option"
            )
    return problems
