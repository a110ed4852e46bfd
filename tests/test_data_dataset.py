"""The Dataset: labels, values, immutability, fingerprint, round trips and summary."""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest_data import GEOS, make_tables, media_row

from mmm.data import Dataset, load_dataset, summarize
from mmm.errors import DataError, DataWarning


def _load(*args, **kwargs) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_dataset(*args, **kwargs)


@pytest.fixture(scope="module")
def tables():
    return make_tables()


@pytest.fixture(scope="module")
def ds(tables):
    return _load(**tables, name="demo")


# ---------------------------------------------------------------- labels and values


def test_dims_coords_and_dtypes(ds):
    assert ds.spend.dims == ("date", "geo", "series")
    assert ds.spend.shape == (60, 2, 4)
    assert ds.spend.dtype == np.float64
    # channel in catalogue order, then audience sorted
    assert ds.series == ("tv|all", "social|old", "social|young", "search|all")
    assert ds.spend["channel"].values.tolist() == ["tv", "social", "social", "search"]
    assert ds.spend["audience"].values.tolist() == ["all", "old", "young", "all"]
    assert ds.geos == GEOS
    assert ds.outcomes.dims == ("date", "geo", "outcome")
    assert ds.outcome_names == ("online_sales", "store_visits")
    assert ds.controls.dims == ("date", "geo", "control")
    assert ds.control_names == ("price_index",)
    assert ds.impressions.dims == ("date", "geo", "series")
    assert ds.freq == "W-MON"
    assert ds.n_dates == 60
    assert ds.dates[0] == pd.Timestamp("2023-01-02") and ds.dates[-1] == pd.Timestamp("2024-02-19")
    assert isinstance(ds.dates, pd.DatetimeIndex)
    assert ds.name == "demo"
    assert ds.sources == {
        "media": "<media DataFrame>",
        "outcomes": "<outcomes DataFrame>",
        "channels": "<channels DataFrame>",
        "controls": "<controls DataFrame>",
        "geos": "<geos DataFrame>",
    }


def test_values_are_those_of_the_input_rows(ds, tables):
    media = tables["media"]
    for p in (0, 7, 133, len(media) - 1):
        row = media.iloc[p]
        label = f"{row['channel']}|{row['audience']}"
        cell = dict(date=row["date"], geo=row["geo"], series=label)
        assert ds.spend.sel(cell).item() == row["spend"]
        assert ds.impressions.sel(cell).item() == row["impressions"]
    # totals per series equal the input sums exactly (same summation order not needed:
    # values are multiples of 0.25, so every partial sum is exact)
    sums = (
        media.assign(series=media["channel"] + "|" + media["audience"])
        .groupby("series")["spend"]
        .sum()
    )
    for label in ds.series:
        assert ds.spend.sel(series=label).sum().item() == sums[label]
    out = tables["outcomes"]
    assert ds.outcomes.sel(outcome="store_visits", geo="south").values.tolist() == (
        out.loc[out["geo"] == "south", "store_visits"].tolist()
    )
    ctrl = tables["controls"]
    assert ds.controls.sel(control="price_index", geo="north").values.tolist() == (
        ctrl.loc[ctrl["geo"] == "north", "price_index"].tolist()
    )


def test_catalogue_and_geo_info(ds):
    cat = ds.channels
    assert list(cat.columns) == ["channel", "stage", "max_lag", "roas_prior", "description"]
    assert cat["channel"].tolist() == ["tv", "social", "search"]
    assert str(cat["max_lag"].dtype) == "Int64"
    assert cat["max_lag"].tolist() == [8, 4, 2]
    assert cat["roas_prior"].dtype == np.float64
    assert ds.geo_info.index.name == "geo"
    assert ds.geo_info.loc["south", "population"] == 2.0e6
    assert ds.geo_info.loc["north", "shops"] == 3


def test_optional_catalogue_columns_default(tables):
    cat = tables["channels"][["channel", "stage"]]
    ds = _load(tables["media"], tables["outcomes"], cat)
    assert ds.channels["max_lag"].isna().all() and str(ds.channels["max_lag"].dtype) == "Int64"
    assert np.isnan(ds.channels["roas_prior"]).all()
    assert ds.channels["description"].tolist() == ["", "", ""]
    assert ds.controls is None and ds.geo_info is None and ds.control_names == ()


def test_stages(ds):
    assert ds.channel_names == ("tv", "social", "search")
    assert ds.stage_of("search") == "conversion"
    assert ds.stage_of("social") == "awareness"
    assert ds.series_stage.tolist() == ["awareness", "awareness", "awareness", "conversion"]
    with pytest.raises(KeyError, match="unknown channel 'radio'; channels: \\['tv'"):
        ds.stage_of("radio")


def test_spend_grid(ds):
    grid = ds.spend_grid()
    assert grid.dims == ("date", "geo", "channel", "audience")
    assert grid["channel"].values.tolist() == ["tv", "social", "search"]
    assert grid["audience"].values.tolist() == ["all", "old", "young"]
    np.testing.assert_array_equal(
        grid.sel(channel="social", audience="young").values,
        ds.spend.sel(series="social|young").values,
    )
    assert np.all(grid.sel(channel="tv", audience="young").values == 0.0)
    assert np.all(grid.sel(channel="social", audience="all").values == 0.0)
    assert grid.sum().item() == ds.spend.sum().item()


def test_national_defaults():
    media = pd.DataFrame(
        {
            "date": ["2024-01-01", "2024-01-02", "2024-01-03"] * 2,
            "channel": ["tv"] * 3 + ["search"] * 3,
            "spend": [1.0, 2.0, 3.0, 4.0, 5.0, 6.5],
        }
    )
    outcomes = pd.DataFrame(
        {"date": ["2024-01-03", "2024-01-01", "2024-01-02"], "sales": [30, 10, 20]}
    )
    channels = {"channel": ["search", "tv"], "stage": ["conversion", "awareness"]}
    ds = _load(media, outcomes, pd.DataFrame(channels))
    assert ds.freq == "D"
    assert ds.geos == ("all",)
    assert ds.series == ("search|all", "tv|all")
    assert ds.spend.values[:, 0, :].tolist() == [[4.0, 1.0], [5.0, 2.0], [6.5, 3.0]]
    assert ds.outcomes.values[:, 0, 0].tolist() == [10.0, 20.0, 30.0]
    assert ds.impressions is None


@pytest.mark.parametrize(
    ("freq", "expected"),
    [("W-SUN", "W-SUN"), ("W-THU", "W-THU"), ("D", "D"), ("MS", "MS"), ("ME", "ME")],
)
def test_frequency_detection(freq, expected):
    tables = make_tables(n_dates=14, freq=freq, start="2021-01-01", geos=("all",))
    ds = _load(**tables)
    assert ds.freq == expected
    assert ds.dates.equals(pd.date_range(ds.dates[0], periods=14, freq=freq))


# ---------------------------------------------------------------- immutability


def test_arrays_are_read_only(ds):
    for array in (ds.spend, ds.impressions, ds.outcomes, ds.controls, ds.presence):
        assert array.values.flags.writeable is False
    with pytest.raises(ValueError, match="read-only"):
        ds.spend.values[0, 0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.freq = "D"


def test_inputs_are_not_modified(tables):
    before = {k: v.copy(deep=True) for k, v in tables.items()}
    ds = _load(**tables)
    for key, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[key])
    assert ds.spend.values.base is not tables["media"]["spend"].to_numpy().base


def test_direct_construction_is_checked(ds):
    with pytest.raises(ValueError, match="must have dims"):
        dataclasses.replace(ds, spend=ds.spend.transpose("geo", "date", "series"), fingerprint="")
    with pytest.raises(ValueError, match="fingerprint does not match"):
        dataclasses.replace(ds, outcomes=ds.outcomes * 2)
    same = dataclasses.replace(ds, fingerprint="")
    assert same.fingerprint == ds.fingerprint


# ---------------------------------------------------------------- fingerprint


def test_fingerprint_is_sha256_and_deterministic(ds, tables):
    assert len(ds.fingerprint) == 64 and int(ds.fingerprint, 16) >= 0
    assert _load(**tables).fingerprint == ds.fingerprint


def test_fingerprint_ignores_row_and_column_order(ds, tables):
    rng = np.random.default_rng(11)
    shuffled = {
        key: frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
        for key, frame in tables.items()
    }
    shuffled["media"] = shuffled["media"][
        ["spend", "audience", "impressions", "channel", "geo", "date"]
    ]
    shuffled["outcomes"] = shuffled["outcomes"][["store_visits", "geo", "date", "online_sales"]]
    other = _load(**shuffled)
    assert other.fingerprint == ds.fingerprint
    # the shuffled catalogue orders the series differently; the content is the same
    assert other.series == ("search|all", "tv|all", "social|old", "social|young")
    np.testing.assert_array_equal(
        other.spend.sel(series=list(ds.series), geo=list(ds.geos)).values, ds.spend.values
    )


def test_fingerprint_same_for_csv_parquet_and_frames(ds, tables, tmp_path):
    paths = {}
    for key, frame in tables.items():
        suffix = ".parquet" if key in ("outcomes", "geos") else ".csv"
        path = tmp_path / f"{key}{suffix}"
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path)
        paths[key] = path
    from_files = _load(**paths)
    assert from_files.fingerprint == ds.fingerprint
    assert from_files.sources["media"] == str(paths["media"])


def test_fingerprint_changes_with_content(ds, tables):
    media = tables["media"].copy()
    media.loc[media_row(30, 1, 2), "spend"] += 0.25
    assert _load(**dict(tables, media=media)).fingerprint != ds.fingerprint
    cat = tables["channels"].copy()
    cat.loc[0, "roas_prior"] = 1.6
    assert _load(**dict(tables, channels=cat)).fingerprint != ds.fingerprint
    geo = tables["geos"].copy()
    geo.loc[1, "shops"] = 9
    assert _load(**dict(tables, geos=geo)).fingerprint != ds.fingerprint
    assert _load(**dict(tables, geos=None)).fingerprint != ds.fingerprint


def test_fingerprint_ignores_name_and_sources(ds, tables):
    assert _load(**tables, name="other").fingerprint == ds.fingerprint


# ---------------------------------------------------------------- derived datasets


def test_to_frames_round_trip(ds):
    frames = ds.to_frames()
    assert set(frames) == {"media", "outcomes", "channels", "controls", "geos"}
    assert len(frames["media"]) == 60 * 2 * 4
    assert list(frames["outcomes"].columns) == ["date", "geo", "online_sales", "store_visits"]
    again = _load(**frames)
    assert again.fingerprint == ds.fingerprint
    xr.testing.assert_identical(again.spend, ds.spend)


def test_to_frames_round_trip_through_csv(ds, tmp_path):
    paths = {}
    for key, frame in ds.to_frames().items():
        if frame is not None:
            paths[key] = tmp_path / f"{key}.csv"
            frame.to_csv(paths[key], index=False)
    assert _load(**paths).fingerprint == ds.fingerprint


def test_to_frames_keeps_absent_pairs_absent(tables):
    media = tables["media"]
    media = media[~((media["geo"] == "north") & (media["channel"] == "tv"))]
    ds = _load(**dict(tables, media=media.reset_index(drop=True)))
    frames = ds.to_frames()
    assert len(frames["media"]) == len(media)
    again = _load(**frames)
    assert again.fingerprint == ds.fingerprint
    assert again.presence.sel(geo="north", series="tv|all").item() is False


def test_subset(ds):
    with pytest.warns(DataWarning, match="only 17 weekly periods"):
        part = ds.subset(start="2023-03-06", end="2023-06-26")
    assert part.dates[0] == pd.Timestamp("2023-03-06")
    assert part.dates[-1] == pd.Timestamp("2023-06-26")
    assert part.n_dates == 17
    np.testing.assert_array_equal(part.spend.values, ds.spend.values[9:26])
    np.testing.assert_array_equal(part.outcomes.values, ds.outcomes.values[9:26])
    assert part.fingerprint != ds.fingerprint
    assert part.spend.values.flags.writeable is False
    assert any("only 17 weekly periods" in w for w in part.warnings)
    with pytest.warns(DataWarning, match="only 8 weekly periods"):
        open_end = ds.subset(start="2024-01-01")
    assert open_end.dates[-1] == ds.dates[-1] and open_end.n_dates == 8
    with pytest.raises(DataError, match="keeps 1 date"):
        ds.subset(start="2024-02-19")
    assert ds.subset().fingerprint == ds.fingerprint


def test_subset_back_to_full_range_has_same_fingerprint(ds):
    part = ds.subset(start=ds.dates[0], end=ds.dates[-1])
    assert part.fingerprint == ds.fingerprint


def test_with_outcomes(ds):
    one = ds.with_outcomes(["store_visits"])
    assert one.outcome_names == ("store_visits",)
    np.testing.assert_array_equal(one.outcomes.values[..., 0], ds.outcomes.values[..., 1])
    assert one.fingerprint != ds.fingerprint
    swapped = ds.with_outcomes(["store_visits", "online_sales"])
    assert swapped.outcome_names == ("store_visits", "online_sales")
    assert swapped.fingerprint == ds.fingerprint  # same content, other order
    with pytest.raises(DataError, match=r"unknown \['sales'\]"):
        ds.with_outcomes(["sales"])


# ---------------------------------------------------------------- summary


def test_summary_numbers(ds, tables):
    summary = summarize(ds)
    media = tables["media"]
    by_series = (
        media.assign(series=media["channel"] + "|" + media["audience"])
        .groupby("series")["spend"]
        .sum()
    )
    table = summary.series_spend.set_index("series")
    for label in ds.series:
        assert table.loc[label, "total"] == by_series[label]
        assert table.loc[label, "share"] == pytest.approx(by_series[label] / media["spend"].sum())
    channel = summary.channel_spend.set_index("channel")
    assert channel.loc["social", "total"] == by_series["social|old"] + by_series["social|young"]
    out = tables["outcomes"]
    outcomes = summary.outcomes.set_index("outcome")
    assert outcomes.loc["online_sales", "total"] == out["online_sales"].sum()
    assert outcomes.loc["online_sales", "mean"] == pytest.approx(out["online_sales"].sum() / 60)
    assert outcomes.loc["store_visits", "max"] == out["store_visits"].max()
    assert summary.n_periods == 60 and summary.start == "2023-01-02" and summary.end == "2024-02-19"


def test_summary_text_and_dict(tables):
    media = tables["media"].copy()
    tv = media["channel"].eq("tv")
    search = media["channel"].eq("search")
    rng = np.random.default_rng(5)
    # search = tv + small noise: correlation between 0.7 and 1
    media.loc[search, "spend"] = media.loc[tv, "spend"].to_numpy() + rng.integers(0, 400, tv.sum())
    media = media[~(media["geo"].eq("south") & media["audience"].eq("old"))]
    out = tables["outcomes"]
    extra = out.iloc[:2].assign(date="2022-12-26")
    ds = _load(**dict(tables, media=media.reset_index(drop=True), outcomes=pd.concat([extra, out])))
    summary = summarize(ds)
    r = np.corrcoef(
        ds.spend.sel(series="tv|all").values.ravel(),
        ds.spend.sel(series="search|all").values.ravel(),
    )[0, 1]
    assert summary.correlations[0][:2] == ("tv|all", "search|all")
    assert summary.correlations[0][2] == pytest.approx(r)
    assert summary.not_bought == (("south", "social|old"),)
    text = summary.to_text()
    assert "Dates:       2023-01-02 to 2024-02-19" in text
    assert "Frequency:   W-MON" in text
    assert "Periods:     60" in text
    assert "north, south (2)" in text
    total = media["spend"].sum()
    assert f"{total:,.2f}" in text
    tv_line = next(line for line in text.splitlines() if line.strip().startswith("tv "))
    share = media.loc[media["channel"].eq("tv"), "spend"].sum() / total
    assert f"{100 * share:.1f}%" in tv_line
    assert re.search(rf"\n  tv\|all +search\|all +{re.escape(f'{r:+.3f}')}\n", text)
    assert "south  social|old" in text
    assert "Repairs (1)" in text and "dropped 2 outcomes row(s)" in text
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["n_periods"] == 60
    assert data["geos"] == ["north", "south"]
    assert data["not_bought"] == [{"geo": "south", "series": "social|old"}]
    assert data["correlations"][0]["correlation"] == pytest.approx(r)
    assert sum(row["total"] for row in data["series_spend"]) == pytest.approx(total)


def test_summary_text_columns_are_aligned(ds):
    lines = summarize(ds).to_text().splitlines()
    start = lines.index("Spend by channel and audience") + 1
    block = lines[start : start + 7]
    # the right-aligned spend and share columns end at the same position on every row
    ends = {len(line) for line in block}
    assert len(ends) == 1


def test_repr(ds):
    text = repr(ds)
    assert text.startswith("Dataset(name='demo', dates=2023-01-02..2024-02-19 (60 x W-MON)")
    assert ds.fingerprint[:12] in text
