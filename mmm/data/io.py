"""Reading input tables from CSV, Parquet or pandas DataFrames.

Every table enters the package through :func:`read_table`, which returns a private copy
of the data and a label naming where it came from (the file path, or
``"<media DataFrame>"`` for an in-memory table). Labels travel into every error message.
"""

from __future__ import annotations

import lzma
import os
import zipfile
import zlib
from pathlib import Path

import pandas as pd

from mmm.errors import DataError

__all__ = ["read_table", "TABLE_ROLES", "LABEL_COLUMNS"]

#: Roles of the input tables, as named in error messages and ``Dataset.sources``.
TABLE_ROLES = ("media", "outcomes", "controls", "channels", "geos", "wide", "experiments")

#: Columns holding labels (read from CSV as text so that ``"01"`` stays ``"01"``).
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "media": ("date", "channel", "audience", "geo"),
    "outcomes": ("date", "geo"),
    "controls": ("date", "geo"),
    "channels": ("channel", "stage", "description"),
    "geos": ("geo",),
    "wide": (),
    "experiments": ("name", "channel", "audience", "geo", "outcome", "start", "end"),
}

_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")
_PARQUET_SUFFIXES = (".parquet", ".pq")

# What reading a malformed or truncated file can raise (besides pandas' own errors):
# truncated .gz/.bz2/.xz raise EOFError, corrupt ones OSError, zlib.error or LZMAError,
# a file that is not a ZIP archive BadZipFile.
_READ_ERRORS = (
    pd.errors.ParserError,
    UnicodeDecodeError,
    ValueError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    lzma.LZMAError,
    zlib.error,
)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in _CSV_SUFFIXES + _PARQUET_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def read_table(source: str | os.PathLike | pd.DataFrame, *, role: str) -> tuple[pd.DataFrame, str]:
    """Read one input table.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A ``.csv`` file (optionally compressed: ``.csv.gz``, ``.csv.bz2``, ``.csv.zip``,
        ``.csv.xz``), a ``.parquet`` / ``.pq`` file, or a DataFrame. A DataFrame is copied;
        the caller's object is never modified.
    role : str
        What the table is (``"media"``, ``"outcomes"``, ``"controls"``, ``"channels"``,
        ``"geos"`` or ``"wide"``); used in labels and to read label columns of CSV files
        as text.

    Returns
    -------
    frame : pandas.DataFrame
        A copy of the table with string column names and a default ``RangeIndex``, so that
        position ``i`` is data row ``i + 1`` (line ``i + 2`` of a CSV file with a header).
    label : str
        The file path as given, or ``"<{role} DataFrame>"``.

    Raises
    ------
    DataError
        The file does not exist, is empty, has no data rows, is neither CSV nor Parquet,
        cannot be parsed, or has duplicated column names.
    TypeError
        ``source`` is neither a path nor a DataFrame.
    """
    if role not in TABLE_ROLES:
        raise ValueError(f"role must be one of {list(TABLE_ROLES)}; got {role!r}")
    if isinstance(source, pd.DataFrame):
        label = f"<{role} DataFrame>"
        frame = source.copy(deep=True)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = str(source)
        frame = _read_file(path, label=label, role=role)
    else:
        raise TypeError(
            f"{role} table must be a path to a CSV or Parquet file or a pandas DataFrame; "
            f"got {type(source).__name__}"
        )
    columns = [str(c) for c in frame.columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise DataError(
            [
                f"[{role}: {label}] duplicated column name(s) {duplicated}. "
                "Fix: give every column a distinct name."
            ]
        )
    frame.columns = columns
    frame = frame.reset_index(drop=True)
    if len(frame) == 0:
        raise DataError(
            [
                f"[{role}: {label}] the table has no data rows (columns: {columns}). "
                "Fix: pass the table with its data."
            ]
        )
    return frame, label


def _read_file(path: Path, *, label: str, role: str) -> pd.DataFrame:
    suffix = _suffix(path)
    if suffix not in _CSV_SUFFIXES + _PARQUET_SUFFIXES:
        raise DataError(
            [
                f"[{role}: {label}] unsupported file type {suffix or '(no extension)'!r}; "
                f"allowed: {list(_CSV_SUFFIXES + _PARQUET_SUFFIXES)}. "
                "Fix: export the table as CSV or Parquet."
            ]
        )
    if not path.is_file():
        raise DataError([f"[{role}: {label}] file not found. Fix: check the path."])
    if path.stat().st_size == 0:
        raise DataError(
            [f"[{role}: {label}] the file is empty (0 bytes). Fix: export the table again."]
        )
    try:
        if suffix in _PARQUET_SUFFIXES:
            return pd.read_parquet(path)
        text_columns = {c: "str" for c in LABEL_COLUMNS[role]}
        return pd.read_csv(path, dtype=text_columns)
    except pd.errors.EmptyDataError as err:
        raise DataError(
            [f"[{role}: {label}] the file has no header or data. Fix: export the table again."]
        ) from err
    except _READ_ERRORS as err:
        kind = "Parquet" if suffix in _PARQUET_SUFFIXES else "CSV"
        raise DataError(
            [
                f"[{role}: {label}] could not be read as {kind}: {err}. "
                f"Fix: check that the file is a valid {kind} file"
                + (
                    " and that the compressed file is complete"
                    if suffix not in (".csv",) + _PARQUET_SUFFIXES
                    else ""
                )
                + "."
            ]
        ) from err
