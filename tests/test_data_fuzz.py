"""Property-based tests: malformed tables either load faithfully or raise DataError.

Each example starts from small valid tables (:func:`conftest_data.make_tables`), applies a
random list of mutations (dropped or renamed columns, bad cells, duplicated, dropped or
shuffled rows, odd dtypes, unicode labels, geo mismatches, empty tables ...) and calls
:func:`mmm.data.load_dataset`. The only acceptable outcomes are a :class:`DataError`, or a
Dataset whose every value is the value of the input row it came from.
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import io
import lzma
import math
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest_data import make_tables
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mmm.data import load_dataset
from mmm.errors import DataError, DataWarning

# pandas deprecations (e.g. DatetimeIndex.weekday on pandas 3) fail these tests
pytestmark = [
    pytest.mark.filterwarnings("error::DeprecationWarning"),
    pytest.mark.filterwarnings("error::FutureWarning"),
]

ROLES = ("media", "outcomes", "channels", "controls", "geos")
BASE = make_tables(n_dates=6, geos=("north", "south"), seed=11)
BASE_NATIONAL = make_tables(n_dates=6, geos=("all",), seed=12)

SETTINGS = dict(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- strategies

labels = st.one_of(
    st.sampled_from(["tv", "social", "search", "north", "south", "all", "old", "young"]),
    st.text(min_size=0, max_size=6),
    st.sampled_from(["Télé", "社交", "😀", " tv", "tv ", "a|b", "", "   ", "nan", "None"]),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)
numbers_ish = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=1e6),
    st.integers(-(10**20), 10**20),
    st.sampled_from(
        [
            "12.5",
            " 7 ",
            "-1",
            "1e3",
            "1_000",
            "abc",
            "",
            "nan",
            "inf",
            "-inf",
            "1,5",
            "٣",
            "0x10",
            "½",
        ]
    ),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.just(10**400),
    st.just(np.float32(2.5)),
    st.just(np.int64(-4)),
    st.just(pd.NA),
    st.just(pd.NaT),
)
dates_ish = st.one_of(
    st.sampled_from(
        [
            "2023-01-02",
            "2023-01-09 ",
            "2023-01-09T00:00:00",
            "2023-01-09T10:30:00",
            "2023-01-09+02:00",
            "2023-13-45",
            "02/01/2023",
            "2023-W02",
            "20230102",
            "",
            "not a date",
            "1500-01-01",
            "9999-12-31",
            "2023-02-29",
            "NaT",
        ]
    ),
    st.datetimes(min_value=dt.datetime(1600, 1, 1), max_value=dt.datetime(2300, 1, 1)),
    st.dates(min_value=dt.date(1600, 1, 1), max_value=dt.date(2300, 1, 1)),
    st.just(pd.Timestamp("2023-01-16")),
    st.just(np.datetime64("2023-01-23")),
    st.integers(-5, 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.none(),
    st.booleans(),
)
column_names = st.one_of(
    st.sampled_from(
        ["date", "geo", "channel", "audience", "spend", "impressions", "stage", "Date", " spend"]
    ),
    st.text(max_size=6),
    st.integers(0, 3),
)


def _as_object(frame: pd.DataFrame, column: str) -> None:
    frame[column] = pd.Series(frame[column].tolist(), index=frame.index, dtype=object)


def _set_cell(frame: pd.DataFrame, column: str, row: int, value: object) -> None:
    _as_object(frame, column)
    frame.iat[row, frame.columns.get_loc(column)] = value


def _convert(frame: pd.DataFrame, column: str, kind: str) -> pd.DataFrame | None:
    """A copy of ``frame`` with ``column`` converted to another dtype; None if impossible."""
    frame = frame.copy()
    values = frame[column]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # to_datetime's format inference
        try:
            if kind == "str":
                frame[column] = values.astype(str)
            elif kind == "datetime":
                frame[column] = pd.to_datetime(values, errors="coerce")
            elif kind == "tz":
                frame[column] = pd.to_datetime(values, errors="coerce").dt.tz_localize(
                    "Europe/Paris", ambiguous="NaT", nonexistent="NaT"
                )
            elif kind == "category":
                frame[column] = values.astype("category")
            elif kind == "string":
                frame[column] = values.astype("string")
            elif kind == "float32":
                frame[column] = pd.to_numeric(values, errors="coerce").astype("float32")
            elif kind == "date":
                parsed = pd.to_datetime(values, errors="coerce")
                frame[column] = pd.Series(
                    [None if pd.isna(t) else t.date() for t in parsed],
                    index=frame.index,
                    dtype=object,
                )
        except (TypeError, ValueError):
            return None
    return frame


@st.composite
def mutation(draw, tables: dict[str, pd.DataFrame]):
    """Apply one random mutation to ``tables`` in place."""
    role = draw(st.sampled_from(("media", "media", *ROLES)))  # media is the richest table
    frame = tables[role]
    if frame is None or frame.columns.duplicated().any():
        return  # a duplicated column name is reported before anything else is looked at
    op = draw(
        st.sampled_from(
            [
                "drop_column",
                "rename_column",
                "numeric_cell",
                "numeric_cell",
                "date_cell",
                "date_cell",
                "label_cell",
                "label_cell",
                "duplicate_rows",
                "drop_rows",
                "shuffle",
                "empty",
                "extra_column",
                "relabel",
                "column_dtype",
                "odd_index",
                "omit_table",
            ]
        )
    )
    columns = list(frame.columns)
    n = len(frame)
    if op == "drop_column" and columns:
        tables[role] = frame.drop(columns=draw(st.sampled_from(columns)))
    elif op == "rename_column" and columns:
        old = draw(st.sampled_from(columns))
        tables[role] = frame.rename(columns={old: draw(column_names)})
    elif op == "numeric_cell" and n:
        numeric = [c for c in columns if c not in ("date", "geo", "channel", "audience", "stage")]
        if numeric:
            column = draw(st.sampled_from(numeric))
            for _ in range(draw(st.integers(1, 3))):
                _set_cell(frame, column, draw(st.integers(0, n - 1)), draw(numbers_ish))
    elif op == "date_cell" and n and "date" in columns:
        for _ in range(draw(st.integers(1, 3))):
            _set_cell(frame, "date", draw(st.integers(0, n - 1)), draw(dates_ish))
    elif op == "label_cell" and n:
        label_columns = [c for c in ("geo", "channel", "audience", "stage") if c in columns]
        if label_columns:
            column = draw(st.sampled_from(label_columns))
            _set_cell(frame, column, draw(st.integers(0, n - 1)), draw(labels))
    elif op == "duplicate_rows" and n:
        rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))
        tables[role] = pd.concat([frame, frame.iloc[rows]], ignore_index=True)
    elif op == "drop_rows" and n:
        rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4, unique=True))
        tables[role] = frame.drop(index=frame.index[rows])
    elif op == "shuffle":
        seed = draw(st.integers(0, 2**32 - 1))
        tables[role] = frame.sample(frac=1.0, random_state=seed)
    elif op == "empty":
        tables[role] = frame.iloc[:0]
    elif op == "extra_column":
        name = draw(st.sampled_from(["notes", "ünïcode", "extra 1", "0"]))
        value = draw(st.one_of(numbers_ish, labels))
        frame = frame.copy()
        frame[name] = pd.Series([value] * n, index=frame.index, dtype=object)
        tables[role] = frame
    elif op == "relabel":
        # rename one label consistently in every table that has the column
        column = draw(st.sampled_from(["channel", "geo", "audience"]))
        values = [v for t in tables.values() if t is not None and column in t for v in t[column]]
        if values:
            old = draw(st.sampled_from(sorted({str(v) for v in values})))
            new = draw(labels)
            for key, t in tables.items():
                if t is not None and column in t.columns:
                    t = t.copy()
                    _as_object(t, column)
                    t[column] = [new if str(v) == old else v for v in t[column]]
                    tables[key] = t
    elif op == "column_dtype" and columns:
        column = draw(st.sampled_from(columns))
        kind = draw(
            st.sampled_from(["str", "datetime", "tz", "category", "string", "float32", "date"])
        )
        converted = _convert(frame, column, kind)
        if converted is not None:
            tables[role] = converted
    elif op == "odd_index":
        frame = frame.copy()
        frame.index = draw(
            st.sampled_from([np.arange(n)[::-1], np.full(n, 7), [str(i) for i in range(n)]])
        )
        tables[role] = frame
    elif op == "omit_table" and role in ("controls", "geos"):
        tables[role] = None


def _copy(tables):
    return {k: (None if v is None else v.copy(deep=True)) for k, v in tables.items()}


# ---------------------------------------------------------------- the oracle


def _label(value) -> str:
    return value if isinstance(value, str) else str(value)


def _number(value) -> float:
    return float(value.strip()) if isinstance(value, str) else float(value)


def _date(value) -> pd.Timestamp:
    return pd.Timestamp(value.strip() if isinstance(value, str) else value)


def _lookup(array, dim):
    """``cell(date, geo, name)`` -> float, by position (much faster than ``.sel``)."""
    dates = {t: i for i, t in enumerate(pd.DatetimeIndex(array["date"].values))}
    geos = {str(g): i for i, g in enumerate(array["geo"].values)}
    names = {str(x): i for i, x in enumerate(array[dim].values)}
    values = array.values

    def cell(date, geo, name):
        return float(values[dates[date], geos[geo], names[name]])

    return cell


def _assert_faithful(ds, tables) -> None:
    """Every value of the Dataset equals the value of the input row it came from."""
    tables = {k: (None if v is None else v.rename(columns=str)) for k, v in tables.items()}
    media = tables["media"]
    has_geo = "geo" in media.columns
    has_audience = "audience" in media.columns
    n = len(media)
    geos = [_label(v) for v in media["geo"]] if has_geo else ["all"] * n
    audiences = [_label(v) for v in media["audience"]] if has_audience else ["all"] * n
    expected = pd.DataFrame(
        {
            "date": [_date(v) for v in media["date"]],
            "geo": geos,
            "series": [
                f"{_label(c)}|{a}" for c, a in zip(media["channel"], audiences, strict=True)
            ],
            "spend": [_number(v) for v in media["spend"]],
        }
    )
    # labels and dates are exactly those of the input
    assert set(ds.dates) == set(expected["date"])
    assert list(ds.geos) == sorted(set(expected["geo"]))
    assert set(ds.series) == set(expected["series"])
    # the dates form a regular grid
    assert pd.date_range(ds.dates[0], periods=ds.n_dates, freq=ds.freq).equals(ds.dates)
    # every row lands in its cell; totals per (geo, series) match a pandas groupby
    spend_cell = _lookup(ds.spend, "series")
    for r in expected.itertuples():
        assert spend_cell(r.date, r.geo, r.series) == r.spend
    totals = expected.groupby(["geo", "series"])["spend"].sum()
    got = ds.spend.sum("date")
    for (geo, series), total in totals.items():
        assert math.isclose(got.sel(geo=geo, series=series).item(), total, rel_tol=1e-12)
    # pairs absent from the media table are 0 and marked not present
    present = set(zip(expected["geo"], expected["series"], strict=True))
    for geo in ds.geos:
        for series in ds.series:
            assert bool(ds.presence.sel(geo=geo, series=series)) == ((geo, series) in present)
            if (geo, series) not in present:
                assert float(got.sel(geo=geo, series=series)) == 0.0
    # the contract: spend finite and >= 0, outcomes and controls finite
    assert np.isfinite(ds.spend.values).all() and (ds.spend.values >= 0).all()
    assert np.isfinite(ds.outcomes.values).all()
    for role, array, dim in (
        ("outcomes", ds.outcomes, "outcome"),
        ("controls", ds.controls, "control"),
    ):
        frame = tables[role]
        if array is None:
            assert frame is None
            continue
        names = [str(n) for n in array[dim].values]
        assert set(names) <= {str(c) for c in frame.columns}
        frame_has_geo = "geo" in frame.columns
        cell = _lookup(array, dim)
        for row in frame.to_dict(orient="records"):
            date = _date(row["date"])
            if date < ds.dates[0] or date > ds.dates[-1]:
                continue  # dropped, and recorded in repairs
            geo = _label(row["geo"]) if frame_has_geo else "all"
            for name in names:
                assert cell(date, geo, name) == _number(row[name])
    catalogue = tables["channels"]
    assert set(ds.channel_names) <= {_label(c) for c in catalogue["channel"]}


def _load_or_data_error(tables, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        try:
            return load_dataset(**tables, **options)
        except DataError as err:
            # every problem names its table and source, and says what to do
            assert err.problems, "a DataError must list at least one problem"
            for problem in err.problems:
                assert problem.startswith("[") and "]" in problem, problem
                assert "Fix:" in problem, problem
            return None


# ---------------------------------------------------------------- properties


@settings(max_examples=220, **SETTINGS)
@given(data=st.data(), national=st.booleans(), fill=st.booleans())
def test_mutated_tables_load_faithfully_or_raise_data_error(data, national, fill):
    tables = _copy(BASE_NATIONAL if national else BASE)
    for _ in range(data.draw(st.integers(1, 4), label="n_mutations")):
        data.draw(mutation(tables))
    inputs = _copy(tables)
    ds = _load_or_data_error(tables, fill_missing_spend=fill)
    # the caller's frames are never modified
    for role in ROLES:
        if inputs[role] is None:
            continue
        pd.testing.assert_frame_equal(tables[role], inputs[role])
    if ds is not None:
        _assert_faithful(ds, inputs)


bad_spend = st.one_of(
    st.floats(max_value=-1e-9, allow_infinity=True),
    st.just(float("nan")),
    st.just(float("inf")),
    st.sampled_from(["abc", "", "-3", "1_000", "inf", "1,5"]),
    st.none(),
    st.booleans(),
)


@settings(max_examples=60, **SETTINGS)
@given(row=st.integers(0, len(BASE["media"]) - 1), value=bad_spend)
def test_bad_spend_cell_always_raises_naming_column_and_row(row, value):
    tables = _copy(BASE)
    _set_cell(tables["media"], "spend", row, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(DataError) as info:
            load_dataset(**tables)
    spend_problems = [p for p in info.value.problems if "column 'spend'" in p]
    assert len(spend_problems) == 1, info.value.problems
    assert spend_problems[0].startswith("[media: <media DataFrame>]")
    assert f"row(s) {row + 2}" in spend_problems[0]
    assert "Fix:" in spend_problems[0]


@settings(max_examples=40, **SETTINGS)
@given(rows=st.lists(st.integers(0, len(BASE["media"]) - 1), min_size=1, max_size=3, unique=True))
def test_duplicated_media_rows_always_raise(rows):
    tables = _copy(BASE)
    tables["media"] = pd.concat([tables["media"], tables["media"].iloc[rows]], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(DataError, match="duplicated"):
            load_dataset(**tables)


@settings(max_examples=25, **SETTINGS)
@given(seeds=st.lists(st.integers(0, 2**32 - 1), min_size=5, max_size=5), national=st.booleans())
def test_shuffling_rows_never_changes_the_fingerprint(seeds, national):
    base = BASE_NATIONAL if national else BASE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        reference = load_dataset(**base)
        shuffled = {
            role: base[role].sample(frac=1.0, random_state=seed)
            for role, seed in zip(ROLES, seeds, strict=True)
        }
        ds = load_dataset(**shuffled)
    assert ds.fingerprint == reference.fingerprint
    # series follow the (shuffled) catalogue order; the values per label are unchanged
    assert set(ds.series) == set(reference.series)
    order = list(reference.series)
    np.testing.assert_array_equal(ds.spend.sel(series=order).values, reference.spend.values)
    np.testing.assert_array_equal(ds.outcomes.values, reference.outcomes.values)
    np.testing.assert_array_equal(ds.controls.values, reference.controls.values)


@settings(max_examples=40, **SETTINGS)
@given(
    channel=st.text(min_size=1, max_size=8).filter(lambda s: s.strip() and "|" not in s),
    geo=st.text(min_size=1, max_size=8).filter(lambda s: s.strip()),
)
def test_unicode_labels_load_unchanged(channel, geo):
    assume(channel not in ("social", "search") and geo != "south")
    tables = _copy(BASE)
    for role in ROLES:
        frame = tables[role]
        if "channel" in frame.columns:
            frame["channel"] = frame["channel"].replace({"tv": channel})
        if "geo" in frame.columns:
            frame["geo"] = frame["geo"].replace({"north": geo})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ds = load_dataset(**tables)
    assert channel in ds.channel_names
    assert geo in ds.geos
    assert f"{channel}|all" in ds.series
    _assert_faithful(ds, tables)


@settings(max_examples=60, **SETTINGS)
@given(
    content=st.one_of(st.binary(max_size=200), st.text(max_size=200)),
    suffix=st.sampled_from([".csv", ".parquet", ".csv.gz"]),
)
def test_arbitrary_file_content_raises_only_data_error(tmp_path_factory, content, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"media{suffix}"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    tables = _copy(BASE)
    tables["media"] = path
    ds = _load_or_data_error(tables)
    assert ds is None  # random bytes never make a complete media table


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("media.csv", data)
    return buffer.getvalue()


_MEDIA_CSV = BASE["media"].to_csv(index=False, lineterminator="\n").encode()
COMPRESSED = {
    ".csv.gz": gzip.compress(_MEDIA_CSV, mtime=0),
    ".csv.bz2": bz2.compress(_MEDIA_CSV),
    ".csv.xz": lzma.compress(_MEDIA_CSV),
    ".csv.zip": _zip(_MEDIA_CSV),
}


def test_intact_compressed_media_loads_like_the_frame(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        reference = load_dataset(**BASE)
        for suffix, data in COMPRESSED.items():
            path = tmp_path / f"media{suffix}"
            path.write_bytes(data)
            ds = load_dataset(**(BASE | {"media": path}))
            assert ds.fingerprint == reference.fingerprint, suffix


@settings(max_examples=60, **SETTINGS)
@given(
    suffix=st.sampled_from(sorted(COMPRESSED)),
    cut=st.floats(0.0, 0.999),
    flips=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(1, 255)), max_size=3),
)
def test_truncated_or_corrupted_compressed_csv_raises_only_data_error(
    tmp_path_factory, suffix, cut, flips
):
    data = bytearray(COMPRESSED[suffix])
    for where, xor in flips:
        data[int(where * len(data))] ^= xor
    data = bytes(data[: max(1, int(cut * len(data)))]) if cut > 0 else bytes(data)
    assume(data != COMPRESSED[suffix])
    path = tmp_path_factory.mktemp("corrupt") / f"media{suffix}"
    path.write_bytes(data)
    ds = _load_or_data_error(_copy(BASE) | {"media": path})
    if ds is not None:  # checksums make silent corruption all but impossible
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            assert ds.fingerprint == load_dataset(**BASE).fingerprint
