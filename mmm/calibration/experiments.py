"""The experiments table: lift tests (geo-lift, conversion-lift, holdouts) to calibrate with.

One row per experiment::

    name          text, optional   label of the test (default "exp_1", "exp_2", ...)
    channel       text             tested channel (as in the channel catalogue)
    audience      text, optional   tested audience; empty = every audience of the channel
    geo           text, optional   tested geo; empty = every geo of the data
    outcome       text             outcome the lift was measured on (a modelled outcome)
    start, end    dates            first and last period of the test (inclusive)
    readout_end   date, optional   last period of the outcome reading (>= end; default end):
                                   a cool-down after the test counts the carry-over
    spend         > 0              spend on the tested cells during the test (currency)
    spend_change  0 < . <= spend   spend withheld from (or added to) the test group
                                   against the control, over the test (currency)
    lift          number           measured incremental outcome caused by ``spend_change``
                                   over the test window (outcome units: currency, visits)
    lift_se       > 0              standard error of ``lift``

:func:`load_experiments` checks the table on its own (columns, types, ranges);
:func:`check_experiments` checks it against a dataset and a spec (names, dates, spend).
Both raise :class:`~mmm.errors.DataError` listing every problem with the file, column,
rows and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.errors import DataError

#: Columns of the experiments table (optional ones may be absent).
REQUIRED = ("channel", "outcome", "start", "end", "spend", "spend_change", "lift", "lift_se")
OPTIONAL = ("name", "audience", "geo", "readout_end")
COLUMNS = (
    "name",
    "channel",
    "audience",
    "geo",
    "outcome",
    "start",
    "end",
    "readout_end",
    "spend",
    "spend_change",
    "lift",
    "lift_se",
)
_NUMERIC = ("spend", "spend_change", "lift", "lift_se")


def _rows(mask) -> str:
    idx = np.flatnonzero(np.asarray(mask))
    rows = [str(i + 2) for i in idx[:5]]  # CSV line numbers (header is line 1)
    more = "" if len(idx) <= 5 else f" (and {len(idx) - 5} more)"
    return ", ".join(rows) + more


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | s.astype(str).str.strip().eq("")).to_numpy()


def _test_names(frame: pd.DataFrame, where: str, problems: list[str]) -> list[str]:
    """The tests' names (``exp_<row>`` where empty); a repeated name is a problem."""
    names = frame["name"] if "name" in frame else pd.Series([None] * len(frame))
    fill = [f"exp_{i + 1}" for i in range(len(frame))]
    out = [
        str(n).strip() if not b else f for n, b, f in zip(names, _blank(names), fill, strict=True)
    ]
    dup = pd.Series(out).duplicated(keep=False).to_numpy()
    if dup.any():
        problems.append(
            f"{where} column 'name': rows {_rows(dup)} repeat a name. Fix: give each test a "
            "distinct name."
        )
    return out


def _read_dates(frame: pd.DataFrame, out: pd.DataFrame, where: str, problems: list[str]):
    """Add the tests' ``start``, ``end`` and ``readout_end`` (the end where empty) to
    ``out``; cells that are not dates are problems."""
    for col in ("start", "end"):
        d = pd.to_datetime(frame[col], errors="coerce", format="mixed")
        bad = d.isna().to_numpy()
        if bad.any():
            problems.append(
                f"{where} column {col!r}: rows {_rows(bad)} are not dates. Fix: write ISO "
                "dates such as 2024-03-04."
            )
        out[col] = d
    if "readout_end" in frame:
        blank = _blank(frame["readout_end"])
        d = pd.to_datetime(frame["readout_end"].where(~blank), errors="coerce", format="mixed")
        bad = d.isna().to_numpy() & ~blank
        if bad.any():
            problems.append(
                f"{where} column 'readout_end': rows {_rows(bad)} are not dates. Fix: write "
                "ISO dates, or leave the cell empty to read the outcome over the test only."
            )
        out["readout_end"] = d.where(~pd.Series(blank), out["end"])
    else:
        out["readout_end"] = out["end"]


def _check_ranges(out: pd.DataFrame, where: str, problems: list[str]) -> None:
    """Dates in order and spend, spend change and the lift's standard error positive (the
    change at most the spend)."""
    # range checks (rows with unreadable values, NaN, compare False and were reported above)
    checks = (
        (out["end"] < out["start"], "end", "is before start", "swap start and end"),
        (
            out["readout_end"] < out["end"],
            "readout_end",
            "is before end",
            "the reading ends at or after the test's end",
        ),
        (
            out["spend"] <= 0,
            "spend",
            "is not positive",
            "give the spend on the tested cells during the test",
        ),
        (
            out["spend_change"] <= 0,
            "spend_change",
            "is not positive",
            "give the spend withheld from the test group against the control (> 0)",
        ),
        (
            out["spend_change"] > out["spend"] * (1 + 1e-9),
            "spend_change",
            "exceeds spend",
            "the change cannot be more than the spend during the test",
        ),
        (
            out["lift_se"] <= 0,
            "lift_se",
            "is not positive",
            "give the standard error of the measured lift (> 0)",
        ),
    )
    for mask, col, what, fix in checks:
        m = mask.to_numpy()
        if m.any():
            problems.append(f"{where} column {col!r}: rows {_rows(m)} {what}. Fix: {fix}.")


def load_experiments(source) -> pd.DataFrame:
    """Read and check an experiments table.

    Parameters
    ----------
    source : path or pandas.DataFrame
        CSV / Parquet file or DataFrame with the columns described in
        :mod:`mmm.calibration.experiments`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` in order: ``start``/``end`` as timestamps, numbers as
        floats, ``audience``/``geo`` as text or ``None`` (meaning "all"), ``name``
        filled with ``exp_<row>`` where missing.

    Raises
    ------
    DataError
        Every problem found, each naming the file, column, rows and the fix.
    """
    from mmm.data.io import read_table

    frame, label = read_table(source, role="experiments")
    where = f"[experiments: {label}]"
    problems: list[str] = []
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(
            [
                f"{where} column(s) {missing} missing; the table needs {list(REQUIRED)} "
                f"(optional: {list(OPTIONAL)}). Fix: add the column(s)."
            ]
        )
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if unknown:
        problems.append(
            f"{where} unknown column(s) {unknown}; allowed: {list(COLUMNS)}. "
            "Fix: remove or rename them."
        )
    out = pd.DataFrame(index=frame.index)
    out["name"] = _test_names(frame, where, problems)
    for col in ("channel", "outcome"):
        bad = _blank(frame[col])
        if bad.any():
            problems.append(f"{where} column {col!r}: rows {_rows(bad)} are empty. Fix: fill them.")
        out[col] = frame[col].astype(str).str.strip()
    for col in ("audience", "geo"):
        if col in frame:
            b = _blank(frame[col])
            out[col] = [None if bb else str(v).strip() for v, bb in zip(frame[col], b, strict=True)]
        else:
            out[col] = None
    _read_dates(frame, out, where, problems)
    for col in _NUMERIC:
        v = pd.to_numeric(frame[col], errors="coerce").astype(float)
        bad = ~np.isfinite(v.to_numpy())
        if bad.any():
            problems.append(
                f"{where} column {col!r}: rows {_rows(bad)} are not finite numbers. Fix: "
                "fill in a number."
            )
        out[col] = v
    _check_ranges(out, where, problems)
    if problems:
        raise DataError(problems)
    out.attrs["source"] = label
    return out.reset_index(drop=True)[list(COLUMNS)]


def check_experiments(experiments: pd.DataFrame, dataset, spec) -> None:
    """Check experiments against the data and the model.

    Every experiment must name a channel (and audience, geo) of ``dataset``, a modelled
    outcome of ``spec`` (not the mediator), a window holding at least one date of the
    data, and a ``spend`` no larger than the data's spend on the tested cells in the window.

    Raises
    ------
    DataError
        Every problem found, naming the file, column, rows and the fix.
    """
    label = experiments.attrs.get("source", "<experiments DataFrame>")
    where = f"[experiments: {label}]"
    problems: list[str] = []
    channels = [str(c) for c in dataset.channels["channel"]]
    ser_ch = np.asarray([str(c) for c in dataset.spend.coords["channel"].values])
    ser_aud = np.asarray([str(a) for a in dataset.spend.coords["audience"].values])
    geos = [str(g) for g in dataset.geos]
    dates = pd.DatetimeIndex(dataset.dates)
    outcomes = list(spec.outcome_names)

    def bad(mask, col, what, fix):
        m = np.asarray(mask, dtype=bool)
        if m.any():
            problems.append(f"{where} column {col!r}: rows {_rows(m)} {what}. Fix: {fix}.")

    e = experiments
    bad(
        ~e["channel"].isin(channels),
        "channel",
        "name a channel not in the data",
        f"use one of {channels}",
    )
    bad(
        ~e["outcome"].isin(outcomes),
        "outcome",
        "name an outcome the model does not fit",
        f"use one of {outcomes}",
    )
    aud_bad = [
        a is not None and c in channels and a not in set(ser_aud[ser_ch == c])
        for c, a in zip(e["channel"], e["audience"], strict=True)
    ]
    bad(
        aud_bad,
        "audience",
        "name an audience the channel does not have in the data",
        "use an audience of that channel or leave it empty for all",
    )
    bad(
        [g is not None and g not in geos for g in e["geo"]],
        "geo",
        "name a geo not in the data",
        f"use one of {geos[:10]} or leave it empty for all",
    )
    _check_windows(e, dates, bad)
    if problems:
        raise DataError(problems)
    _check_spend(e, dataset, bad)
    if problems:
        raise DataError(problems)


def _check_windows(e: pd.DataFrame, dates: pd.DatetimeIndex, bad) -> None:
    """Each experiment's readout ends inside the data, and its window holds a date of it
    (``bad(mask, column, what, fix)`` reports the rows that do not)."""
    no_dates = [
        not ((dates >= s) & (dates <= t)).any() for s, t in zip(e["start"], e["end"], strict=True)
    ]
    bad(
        e["readout_end"] > dates[-1],
        "readout_end",
        f"end after the data's last date {dates[-1].date()}, so the model cannot read the lift",
        "end the reading inside the data or extend the data",
    )
    bad(
        no_dates,
        "start",
        f"give windows holding no date of the data ({dates[0].date()} .. {dates[-1].date()})",
        "use a window inside the data's dates",
    )


def _check_spend(e: pd.DataFrame, dataset, bad) -> None:
    """Each experiment's spend is positive in the data on its cells and window, and at most
    1 % above it (``bad`` reports the rows that are not)."""
    data_spend = window_spend(e, dataset)
    bad(
        data_spend <= 0,
        "spend",
        "have no spend in the data on the tested cells in the window",
        "check channel, audience, geo and dates",
    )
    over = e["spend"].to_numpy() > data_spend * 1.01
    bad(
        over & (data_spend > 0),
        "spend",
        "exceed the data's spend on the tested cells in the window by more than 1 %",
        "give the spend of the test cells, or check the window",
    )


def cell_mask(row, dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of one experiment: ``(date,)`` window, ``(geo,)`` and ``(series,)`` cells."""
    dates = pd.DatetimeIndex(dataset.dates)
    in_win = np.asarray((dates >= row.start) & (dates <= row.end))
    geos = np.asarray([str(g) for g in dataset.geos])
    g = np.ones(len(geos), bool) if row.geo is None else geos == row.geo
    ser_ch = np.asarray([str(c) for c in dataset.spend.coords["channel"].values])
    ser_aud = np.asarray([str(a) for a in dataset.spend.coords["audience"].values])
    s = ser_ch == row.channel
    if row.audience is not None:
        s &= ser_aud == row.audience
    return in_win, g, s


def window_spend(experiments: pd.DataFrame, dataset) -> np.ndarray:
    """Spend of the data on each experiment's cells over its window, dims (experiment,)."""
    spend = np.asarray(dataset.spend.values, dtype=float)  # (date, geo, series)
    out = np.zeros(len(experiments))
    for i, row in enumerate(experiments.itertuples(index=False)):
        t, g, s = cell_mask(row, dataset)
        out[i] = spend[np.ix_(t, g, s)].sum()
    return out
