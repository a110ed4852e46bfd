"""Validation of the input tables: every problem is named with file, column, rows and fix."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest_data import GEOS, SERIES, make_tables, media_row, outcome_row

from mmm.data import load_dataset, read_table
from mmm.errors import DataError, DataWarning


def _error(**tables) -> DataError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with pytest.raises(DataError) as info:
            load_dataset(**tables)
    return info.value


def _load(**tables):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_dataset(**tables)


@pytest.fixture
def tables():
    return make_tables()


# ---------------------------------------------------------------- columns and files


def test_missing_required_column_lists_available_columns(tables):
    tables["media"] = tables["media"].drop(columns="spend")
    err = _error(**tables)
    assert len(err.problems) == 1
    msg = err.problems[0]
    assert msg.startswith("[media: <media DataFrame>]")
    assert "missing required column(s) ['spend']" in msg
    assert "available columns: ['date', 'geo', 'channel', 'audience', 'impressions']" in msg
    assert "Fix:" in msg


def test_missing_column_hints_at_case_and_spaces(tables):
    tables["media"] = tables["media"].rename(columns={"spend": " Spend"})
    msg = str(_error(**tables))
    assert "' Spend' looks like 'spend'" in msg


def test_file_not_csv_or_parquet(tmp_path, tables):
    path = tmp_path / "media.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DataError) as info:
        read_table(path, role="media")
    msg = str(info.value)
    assert "unsupported file type '.xlsx'" in msg
    assert str(path) in msg
    assert "'.csv'" in msg and "'.parquet'" in msg


def test_empty_file_and_header_only_file(tmp_path, tables):
    empty = tmp_path / "media.csv"
    empty.write_text("")
    header = tmp_path / "outcomes.csv"
    header.write_text("date,geo,online_sales\n")
    err = _error(media=empty, outcomes=header, channels=tables["channels"])
    assert len(err.problems) == 2  # both files reported at once
    assert f"[media: {empty}] the file is empty (0 bytes)" in err.problems[0]
    assert f"[outcomes: {header}] the table has no data rows" in err.problems[1]
    assert "['date', 'geo', 'online_sales']" in err.problems[1]


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv", role="media")


def test_read_table_returns_copy_and_label(tables):
    frame, label = read_table(tables["media"], role="media")
    assert label == "<media DataFrame>"
    frame.loc[0, "spend"] = -1.0
    assert tables["media"].loc[0, "spend"] != -1.0


def test_read_table_csv_keeps_label_text(tmp_path):
    path = tmp_path / "geos.csv"
    path.write_text("geo,population\n01,5\n02,7\n")
    frame, label = read_table(path, role="geos")
    assert label == str(path)
    assert frame["geo"].tolist() == ["01", "02"]
    assert frame["population"].tolist() == [5, 7]


# ---------------------------------------------------------------- dates


def test_missing_and_unparsable_dates_name_rows_and_values(tables):
    media = tables["media"].copy()
    media.loc[2, "date"] = None
    media.loc[10, "date"] = "2023-02-30"
    media.loc[11, "date"] = "next monday"
    tables["media"] = media
    msg = str(_error(**tables))
    assert "column 'date': 1 missing date(s) at row(s) 4." in msg
    assert "2 value(s) that are not valid dates" in msg
    assert "row(s) 12 ('2023-02-30'), 13 ('next monday')" in msg
    assert "ISO 8601" in msg


def test_dates_with_time_zone_or_time_of_day_are_rejected(tables):
    media = tables["media"].copy()
    media.loc[0, "date"] = "2023-01-02T10:30:00"
    media.loc[1, "date"] = "2023-01-02T00:00:00+01:00"
    tables["media"] = media
    msg = str(_error(**tables))
    assert "has a time of day" in msg and "has a time-zone offset" in msg
    assert "row(s) 2 ('2023-01-02T10:30:00'), 3 ('2023-01-02T00:00:00+01:00')" in msg


def test_gap_in_dates_names_missing_dates_and_frequency(tables):
    media = tables["media"]
    tables["media"] = media[~media["date"].isin(["2023-01-16", "2023-03-06"])]
    tables["media"] = tables["media"].reset_index(drop=True)
    msg = str(_error(**tables))
    assert "gaps in the weekly (W-MON) dates: 2 date(s) have no media row at all" in msg
    assert "2023-01-16, 2023-03-06" in msg


def test_irregular_date_off_the_weekly_grid(tables):
    media = tables["media"].copy()
    # every row of the fourth date moves from Monday 2023-01-23 to Tuesday 2023-01-24
    media.loc[media["date"] == "2023-01-23", "date"] = "2023-01-24"
    tables["media"] = media
    msg = str(_error(**tables))
    assert "irregular dates: 1 date(s) are not on the detected weekly (W-MON) grid" in msg
    assert f"row(s) {media_row(3, 0, 0) + 2} (2023-01-24)" in msg
    assert "2023-01-23" in msg  # the Monday is now a gap


def test_no_regular_frequency():
    tables = make_tables(n_dates=20, freq="3D")
    msg = str(_error(**tables))
    assert "no regular frequency" in msg
    assert "the most common spacing between dates is 3 days" in msg


# ---------------------------------------------------------------- keys


def test_duplicated_media_keys_name_rows(tables):
    media = tables["media"]
    tables["media"] = pd.concat([media, media.iloc[[5]]], ignore_index=True)
    msg = str(_error(**tables))
    n = len(media)
    assert "2 rows have a duplicated (date, geo, channel, audience) key" in msg
    assert f"rows 7, {n + 2} share (2023-01-02, 'south', 'social', 'young')" in msg
    assert "Nothing is de-duplicated automatically" in msg


def test_duplicated_outcome_keys_name_rows(tables):
    out = tables["outcomes"]
    tables["outcomes"] = pd.concat([out, out.iloc[[3]]], ignore_index=True)
    msg = str(_error(**tables))
    assert "[outcomes: <outcomes DataFrame>] 2 rows have a duplicated (date, geo) key" in msg
    assert f"rows 5, {len(out) + 2} share (2023-01-09, 'south')" in msg


def test_duplicated_catalogue_channel(tables):
    cat = tables["channels"]
    tables["channels"] = pd.concat([cat, cat.iloc[[0]]], ignore_index=True)
    msg = str(_error(**tables))
    assert "[channels: <channels DataFrame>] 2 rows have a duplicated (channel) key" in msg
    assert "rows 2, 5 share ('tv')" in msg


# ---------------------------------------------------------------- spend


def test_bad_spend_values_all_reported_at_once(tables):
    media = tables["media"].copy()
    media["spend"] = media["spend"].astype(object)
    media.loc[3, "spend"] = -5.0
    media.loc[7, "spend"] = "12,5"
    media.loc[8, "spend"] = np.nan
    media.loc[9, "spend"] = np.inf
    tables["media"] = media
    err = _error(**tables)
    msg = str(err)
    assert "1 non-numeric value(s) at row(s) 9 ('12,5')" in msg
    assert "1 missing (empty or NaN) value(s) at row(s) 10" in msg
    assert "1 infinite value(s) at row(s) 11 (inf)" in msg
    assert "1 value(s) not >= 0 at row(s) 5 (-5.0)" in msg
    assert all("column 'spend' (spend, currency, must be >= 0)" in p for p in err.problems)
    assert len(err.problems) == 4


def test_many_bad_rows_show_five_and_count_the_rest(tables):
    media = tables["media"].copy()
    media.loc[0:7, "spend"] = -1.0
    tables["media"] = media
    msg = str(_error(**tables))
    assert "8 value(s) not >= 0 at row(s) 2 (-1.0), 3 (-1.0), 4 (-1.0), 5 (-1.0), 6 (-1.0)" in msg
    assert "and 3 more" in msg


def test_missing_media_rows_are_an_error_with_count_series_dates_and_fix(tables):
    media = tables["media"]
    drop = [media_row(4, 1, 2), media_row(9, 1, 2), media_row(12, 0, 0)]
    tables["media"] = media.drop(index=drop).reset_index(drop=True)
    msg = str(_error(**tables))
    assert "3 (date, geo, series) row(s) missing" in msg
    assert (
        "series 'social|old' in geo 'south' lacks 2 date(s) (first: 2023-01-30, 2023-03-06)" in msg
    )
    assert "series 'tv|all' in geo 'north' lacks 1 date(s) (first: 2023-03-27)" in msg
    assert "add rows with spend 0" in msg and "fill_missing_spend=True" in msg


def test_fill_missing_spend_fills_zero_and_records_repair(tables):
    media = tables["media"]
    drop = [media_row(4, 1, 2), media_row(9, 1, 2)]
    tables["media"] = media.drop(index=drop).reset_index(drop=True)
    ds = _load(**tables, fill_missing_spend=True)
    assert ds.spend.sel(geo="south", series="social|old").values[[4, 9]].tolist() == [0.0, 0.0]
    assert ds.impressions.sel(geo="south", series="social|old").values[[4, 9]].tolist() == [0, 0]
    kept = media.loc[media_row(5, 1, 2), "spend"]
    assert ds.spend.sel(geo="south", series="social|old").values[5] == kept
    assert len(ds.repairs) == 1
    assert ds.repairs[0].startswith(
        "filled 2 missing (date, geo, series) spend cell(s) with 0 because fill_missing_spend=True"
    )


def test_series_absent_from_a_geo_is_zero_not_an_error(tables):
    media = tables["media"]
    absent = (media["geo"] == "south") & (media["channel"] == "search")
    tables["media"] = media[~absent].reset_index(drop=True)
    ds = _load(**tables)
    assert ds.presence.sel(geo="south", series="search|all").item() is False
    assert ds.presence.sel(geo="north", series="search|all").item() is True
    assert np.all(ds.spend.sel(geo="south", series="search|all").values == 0.0)
    assert ds.repairs == ()


def test_impressions_partly_empty_within_a_series(tables):
    media = tables["media"].copy()
    media.loc[media_row(2, 0, 0), "impressions"] = np.nan
    tables["media"] = media
    msg = str(_error(**tables))
    assert "column 'impressions': empty cells in series that have impressions elsewhere" in msg
    assert f"series 'tv|all' at row(s) {media_row(2, 0, 0) + 2}" in msg


def test_impressions_empty_for_a_whole_series_is_nan(tables):
    media = tables["media"].copy()
    media.loc[media["channel"] == "search", "impressions"] = np.nan
    tables["media"] = media
    ds = _load(**tables)
    assert np.all(np.isnan(ds.impressions.sel(series="search|all").values))
    expected = media.loc[media_row(1, 1, 0), "impressions"]
    assert ds.impressions.sel(series="tv|all", geo="south").values[1] == expected


def test_separator_in_channel_name(tables):
    media = tables["media"].copy()
    media.loc[0, "channel"] = "tv|linear"
    tables["media"] = media
    msg = str(_error(**tables))
    assert "column 'channel': 1 value(s) contain '|'" in msg
    assert "row(s) 2 ('tv|linear')" in msg


def test_empty_label_cells(tables):
    media = tables["media"].copy()
    media.loc[4, "audience"] = "  "
    media.loc[6, "geo"] = None
    tables["media"] = media
    msg = str(_error(**tables))
    assert "column 'audience': 1 empty cell(s) at row(s) 6." in msg
    assert "column 'geo': 1 empty cell(s) at row(s) 8." in msg


# ---------------------------------------------------------------- outcomes and controls


def test_bad_outcome_values(tables):
    out = tables["outcomes"].copy()
    out["store_visits"] = out["store_visits"].astype(object)
    out.loc[1, "online_sales"] = np.nan
    out.loc[2, "online_sales"] = -np.inf
    out.loc[5, "store_visits"] = "n/a?"
    tables["outcomes"] = out
    err = _error(**tables)
    msg = str(err)
    assert "[outcomes: <outcomes DataFrame>] column 'online_sales': 1 missing" in msg
    assert "at row(s) 3." in msg
    assert "column 'online_sales': 1 infinite value(s) at row(s) 4 (-inf)" in msg
    assert "column 'store_visits': 1 non-numeric value(s) at row(s) 7 ('n/a?')" in msg
    assert len(err.problems) == 3


def test_outcomes_not_covering_media_dates(tables):
    out = tables["outcomes"]
    drop = [outcome_row(0, 1), outcome_row(59, 1)]
    tables["outcomes"] = out.drop(index=drop).reset_index(drop=True)
    msg = str(_error(**tables))
    assert "outcomes do not cover the media dates: geo 'south' lacks 2 date(s)" in msg
    assert "2023-01-02, 2023-02-26" not in msg
    last = (pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=59)).strftime("%Y-%m-%d")
    assert f"2023-01-02, {last}" in msg


def test_outcome_dates_outside_media_range_are_dropped_and_recorded(tables):
    out = tables["outcomes"]
    extra = pd.DataFrame(
        {
            "date": ["2022-12-26", "2022-12-26", "2030-01-07", "2030-01-07"],
            "geo": ["north", "south", "north", "south"],
            "online_sales": [1.0, 2.0, 3.0, 4.0],
            "store_visits": [1.0, 2.0, 3.0, 4.0],
        }
    )
    tables["outcomes"] = pd.concat([extra.iloc[:2], out, extra.iloc[2:]], ignore_index=True)
    ds = _load(**tables)
    assert ds.outcomes.sizes["date"] == 60
    assert ds.repairs == (
        "dropped 4 outcomes row(s) dated outside the media range 2023-01-02 to 2024-02-19 "
        "(<outcomes DataFrame>; dates 2022-12-26, 2030-01-07)",
    )
    assert (
        ds.outcomes.sel(geo="north", outcome="online_sales").values[0] == out.loc[0, "online_sales"]
    )


def test_outcome_dates_off_the_media_grid(tables):
    out = tables["outcomes"]
    extra = pd.DataFrame(
        {"date": ["2023-01-05"], "geo": ["north"], "online_sales": [1.0], "store_visits": [1.0]}
    )
    tables["outcomes"] = pd.concat([out, extra], ignore_index=True)
    msg = str(_error(**tables))
    assert "1 row(s) dated inside the media range but not on the media dates (W-MON)" in msg
    assert f"row(s) {len(out) + 2} (2023-01-05)" in msg


def test_outcome_columns_selects_and_checks(tables):
    out = tables["outcomes"].copy()
    out["notes"] = "free text"
    tables["outcomes"] = out
    msg = str(_error(**tables))
    assert "column 'notes': 120 non-numeric value(s)" in msg
    assert "pass outcome_columns" in msg
    ds = _load(**tables, outcome_columns=["store_visits"])
    assert ds.outcome_names == ("store_visits",)
    msg = str(_error(**tables, outcome_columns=["sales"]))
    assert "requested outcomes column(s) ['sales'] not found" in msg


def test_controls_with_nan(tables):
    ctrl = tables["controls"].copy()
    ctrl.loc[[4, 17], "price_index"] = np.nan
    tables["controls"] = ctrl
    msg = str(_error(**tables))
    assert "[controls: <controls DataFrame>] column 'price_index': 2 missing (empty or NaN)" in msg
    assert "row(s) 6, 19" in msg


# ---------------------------------------------------------------- catalogue


def test_channel_missing_from_catalogue(tables):
    tables["channels"] = tables["channels"][tables["channels"]["channel"] != "search"]
    msg = str(_error(**tables))
    assert "channel(s) in media but missing from the channel catalogue: 'search' (120 rows)" in msg
    assert "catalogue has ['tv', 'social']" in msg


def test_catalogue_channel_absent_from_media_is_a_warning(tables):
    cat = pd.concat(
        [tables["channels"], pd.DataFrame({"channel": ["radio"], "stage": ["awareness"]})],
        ignore_index=True,
    )
    tables["channels"] = cat
    with pytest.warns(DataWarning, match=r"catalogue channel\(s\) \['radio'\] have no rows"):
        ds = load_dataset(**tables)
    assert ds.channel_names == ("tv", "social", "search")
    assert any("radio" in w for w in ds.warnings)


def test_unknown_funnel_stage(tables):
    cat = tables["channels"].copy()
    cat.loc[1, "stage"] = "Awareness"
    cat.loc[2, "stage"] = "consideration"
    tables["channels"] = cat
    msg = str(_error(**tables))
    assert "column 'stage': 2 unknown funnel stage(s)" in msg
    assert "row(s) 3 ('Awareness'), 4 ('consideration')" in msg
    assert "allowed: ['awareness', 'conversion']" in msg
    assert "differ from an allowed stage only in case" in msg


def test_bad_catalogue_numbers(tables):
    cat = tables["channels"].copy()
    cat["max_lag"] = [0.0, 2.5, np.nan]
    cat["roas_prior"] = [-1.0, 2.0, np.nan]
    tables["channels"] = cat
    msg = str(_error(**tables))
    assert "column 'max_lag'" in msg and "1 value(s) not > 0 at row(s) 2 (0.0)" in msg
    assert "1 value(s) that are not whole numbers at row(s) 3 (2.5)" in msg
    assert "column 'roas_prior'" in msg and "row(s) 2 (-1.0)" in msg


# ---------------------------------------------------------------- geos


def test_geos_differ_between_tables(tables):
    out = tables["outcomes"]
    tables["outcomes"] = out.assign(geo=out["geo"].replace({"south": "sud"}))
    ctrl = tables["controls"]
    tables["controls"] = ctrl[ctrl["geo"] == "north"].reset_index(drop=True)
    tables["geos"] = pd.concat(
        [
            tables["geos"],
            pd.DataFrame(
                {"geo": ["east"], "population": [5.0], "shops": [1], "near_store_population": [1.0]}
            ),
        ],
        ignore_index=True,
    )
    err = _error(**tables)
    msg = str(err)
    assert (
        "[outcomes: <outcomes DataFrame>] geos differ between tables: in media but not in "
        "outcomes: ['south']; in outcomes but not in media: ['sud']" in msg
    )
    assert (
        "[controls: <controls DataFrame>] geos differ between tables: in media but not in controls: ['south']"
        in msg
    )
    assert (
        "[geos: <geos DataFrame>] geos differ between tables: in geos but not in media: ['east']"
        in msg
    )


def test_outcomes_without_geo_column_for_geo_media(tables):
    tables["outcomes"] = tables["outcomes"].drop(columns="geo")
    msg = str(_error(**tables))
    assert (
        "in media but not in outcomes: ['north', 'south']; in outcomes but not in media: ['all']"
        in msg
    )
    assert "has no 'geo' column, so it is read as national" in msg


def test_bad_geo_table_values(tables):
    geo = tables["geos"].copy()
    geo["population"] = [0.0, 5.0]
    geo["shops"] = [1.5, 2.0]
    tables["geos"] = geo
    msg = str(_error(**tables))
    assert "column 'population' (people, must be > 0): 1 value(s) not > 0 at row(s) 2 (0.0)" in msg
    assert "column 'shops'" in msg and "not whole numbers at row(s) 2 (1.5)" in msg


# ---------------------------------------------------------------- collection and CSV rows


def test_problems_in_several_tables_are_reported_together(tmp_path, tables):
    media = tables["media"].copy()
    media.loc[12, "spend"] = -2.5
    media_path = tmp_path / "media.csv"
    media.to_csv(media_path, index=False)
    out = tables["outcomes"].copy()
    out.loc[7, "online_sales"] = np.nan
    cat = tables["channels"].copy()
    cat.loc[0, "stage"] = "upper"
    err = _error(media=media_path, outcomes=out, channels=cat)
    assert len(err.problems) == 3
    text = str(err)
    assert text.startswith("3 problem(s) in the input data:")
    # data row 13 is line 14 of the CSV file
    assert f"[media: {media_path}] column 'spend'" in text and "row(s) 14 (-2.5)" in text
    line = media_path.read_text().splitlines()[13]
    assert line.split(",")[4] == "-2.5"
    assert "[outcomes: <outcomes DataFrame>] column 'online_sales'" in text
    assert "row(s) 9." in text
    assert "[channels: <channels DataFrame>] column 'stage'" in text


def test_time_zone_aware_datetime_column(tables):
    media = tables["media"].copy()
    media["date"] = pd.to_datetime(media["date"]).dt.tz_localize("Europe/Paris")
    tables["media"] = media
    msg = str(_error(**tables))
    assert "time-zone-aware timestamps" in msg


def test_unused_columns_are_warned_about(tables):
    tables["media"] = tables["media"].assign(campaign="spring")
    with pytest.warns(DataWarning, match=r"column\(s\) \['campaign'\] are not used"):
        load_dataset(**tables)


# ---------------------------------------------------------------- warnings


def _warnings_of(**tables) -> tuple[tuple[str, ...], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_dataset(**tables)
    emitted = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    return ds.warnings, emitted


def test_clean_data_has_no_warnings(tables):
    found, emitted = _warnings_of(**tables)
    assert found == () and emitted == []


def test_zero_and_constant_series_warn(tables):
    media = tables["media"].copy()
    media.loc[media["channel"] == "tv", "spend"] = 0.0
    media.loc[media["channel"] == "search", "spend"] = 250.0
    tables["media"] = media
    found, emitted = _warnings_of(**tables)
    assert list(found) == emitted
    assert any("spend of series 'tv|all' is zero in every period and geo" in w for w in found)
    assert any("spend of series 'search|all' is constant (250 in every period" in w for w in found)
    assert len(found) == 2


def test_few_periods_warn_with_parameter_count():
    tables = make_tables(n_dates=30)
    found, _ = _warnings_of(**tables)
    (msg,) = [w for w in found if "periods" in w]
    # 4 series x 4 + 1 control + 8 baseline + 1 geo offset = 26 parameters
    assert "only 30 weekly periods (at least 52 recommended" in msg
    assert "roughly 26 parameters per outcome" in msg
    assert "about 2x as many observations (52)" in msg


def test_few_daily_periods_warn():
    tables = make_tables(n_dates=100, freq="D")
    found, _ = _warnings_of(**tables)
    assert any("only 100 daily periods (at least 180 recommended" in w for w in found)


def test_enough_periods_but_too_many_series_warn_without_contradiction():
    from mmm.data.quality import data_warnings

    spend = np.random.default_rng(0).uniform(1, 2, size=(60, 1, 20))
    found = data_warnings(
        spend, series=[f"s{i}|all" for i in range(20)], freq="W-MON", n_controls=0
    )
    (msg,) = [w for w in found if "observations" in w]
    # 20 series x 4 + 0 controls + 8 baseline + 0 geo offsets = 88 parameters
    assert msg.startswith("60 weekly periods x 1 geo(s) = 60 observations per outcome")
    assert "roughly 88 parameters" in msg and "(176)" in msg
    assert "only" not in msg


def test_highly_correlated_series_warn(tables):
    media = tables["media"].copy()
    social_young = media["channel"].eq("social") & media["audience"].eq("young")
    search = media["channel"].eq("search")
    # search spend = 2 x social|young spend + 1: correlation exactly 1
    media.loc[search, "spend"] = 2 * media.loc[social_young, "spend"].to_numpy() + 1
    tables["media"] = media
    found, _ = _warnings_of(**tables)
    (msg,) = [w for w in found if "correlated" in w]
    assert "'social|young' and 'search|all' is highly correlated (r = 1.000)" in msg


def test_correlation_warning_threshold_is_point_nine(tables):
    media = tables["media"].copy()
    rng = np.random.default_rng(3)
    a = media.loc[media["channel"].eq("tv"), "spend"].to_numpy()
    noise = rng.normal(size=a.size)
    noise = noise - noise.mean()
    # build b with corr(a, b) = 0.85 exactly: b = a_std * 0.85 + e_perp * sqrt(1 - 0.85^2)
    za = (a - a.mean()) / a.std()
    e = noise - (noise @ za) / (za @ za) * za
    e = e / e.std()
    b = 1000 + 100 * (0.85 * za + np.sqrt(1 - 0.85**2) * e)
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(0.85)
    media.loc[media["channel"].eq("search"), "spend"] = b
    tables["media"] = media
    found, _ = _warnings_of(**tables)
    assert not any("correlated" in w for w in found)


def test_series_and_geos_constants_match_helper():
    assert len(SERIES) == 4 and GEOS == ("north", "south")
    assert re.fullmatch(r"\d+", str(media_row(1, 1, 3))) and media_row(1, 1, 3) == 15
