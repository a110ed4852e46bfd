"""Tests of journey attribution (mmm.journeys) against hand-computed cases and known truth."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest
from journey_helpers import assert_credit, credit

from mmm.errors import DataError, SpecError
from mmm.journeys import (
    METHODS,
    attribute,
    build_journeys,
    compare_with_mmm,
    explain_differences,
    journey_patterns,
    paths_from_frame,
    simulate_journeys,
    top_paths,
)


# --------------------------------------------------------------------- heuristics by hand
@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    # channels (alphabetical): direct, display, email, search, store_visit
    return pd.DataFrame(
        {
            "path": [
                "search >> email >> direct",
                "email >> search",
                "direct",
                "search >> store_visit >> email >> search",
                "display",
            ],
            "conversions": [2, 1, 1, 4, 0],
            "value": [200.0, 50.0, 40.0, 400.0, 0.0],
            "nulls": [2, 3, 1, 0, 5],
        }
    )


@pytest.fixture(scope="module")
def small_paths(small):
    return paths_from_frame(small, separator=" >> ", source="small.csv")


def test_paths_parse_multi_character_separator(small_paths):
    p = small_paths
    assert p.channels == ("direct", "display", "email", "search", "store_visit")
    assert p.lengths.tolist() == [3, 2, 1, 4, 1]
    assert p.total_conversions == 8.0
    assert p.total_value == 690.0
    assert p.path_strings(separator=">") == [
        "search>email>direct",
        "email>search",
        "direct",
        "search>store_visit>email>search",
        "display",
    ]
    back = p.to_frame(separator=" >> ")
    assert back["path"].tolist() == [
        "search >> email >> direct",
        "email >> search",
        "direct",
        "search >> store_visit >> email >> search",
        "display",
    ]


def test_first_last_and_last_non_direct_by_hand(small_paths):
    r = attribute(small_paths, methods=["first_touch", "last_touch", "last_non_direct"])
    zero = {"display": 0.0, "store_visit": 0.0}
    # first touch: P1 search 2, P2 email 1, P3 direct 1, P4 search 4
    assert_credit(credit(r, "first_touch"), {"direct": 1, "email": 1, "search": 6, **zero})
    # value follows the conversions of each path: search 200 + 400, email 50, direct 40
    assert_credit(
        credit(r, "first_touch", "value"), {"direct": 40, "email": 50, "search": 600, **zero}
    )
    # last touch: P1 direct 2, P2 search 1, P3 direct 1, P4 search 4
    assert_credit(credit(r, "last_touch"), {"direct": 3, "email": 0, "search": 5, **zero})
    # last non-direct: P1 skips direct -> email 2; P3 is only direct and keeps direct 1
    assert_credit(credit(r, "last_non_direct"), {"direct": 1, "email": 2, "search": 5, **zero})
    # shares add up to 1 and conversions to the total, per method
    assert r.groupby("method")["share"].sum().to_numpy() == pytest.approx(1.0, abs=1e-12)
    assert set(r["measures"]) == {"path position heuristic"}


def test_linear_by_hand(small_paths):
    r = attribute(small_paths, methods="linear")
    # P1 (2 conv, 3 touches): 2/3 each to search, email, direct
    # P2 (1 conv, 2 touches): 1/2 each to email, search
    # P3 (1 conv): direct 1
    # P4 (4 conv, 4 touches, search twice): search 2, store_visit 1, email 1
    expected = {
        "direct": F(2, 3) + 1,  # 5/3
        "display": 0,
        "email": F(2, 3) + F(1, 2) + 1,  # 13/6
        "search": F(2, 3) + F(1, 2) + 2,  # 19/6
        "store_visit": 1,
    }
    assert sum(expected.values()) == 8
    assert_credit(credit(r, "linear"), expected)
    # value: P1 200/3 each, P2 25 each, P3 40, P4 search 200, store 100, email 100
    expected_value = {
        "direct": F(200, 3) + 40,
        "display": 0,
        "email": F(200, 3) + 25 + 100,
        "search": F(200, 3) + 25 + 200,
        "store_visit": 100,
    }
    assert_credit(credit(r, "linear", "value"), expected_value)


def test_position_based_by_hand(small_paths):
    r = attribute(small_paths, methods="position_based")
    # default U shape (0.4, 0.2, 0.4)
    # P1 x2: search 0.4, email 0.2, direct 0.4 -> 0.8, 0.4, 0.8
    # P2 x1: two touches split 0.4 : 0.4 -> email 0.5, search 0.5
    # P3 x1: one touch -> direct 1
    # P4 x4: search first 0.4 + last 0.4, store 0.1, email 0.1 -> 3.2, 0.4, 0.4
    expected = {
        "direct": 0.8 + 1,
        "display": 0,
        "email": 0.4 + 0.5 + 0.4,
        "search": 0.8 + 0.5 + 3.2,
        "store_visit": 0.4,
    }
    assert_credit(credit(r, "position_based"), expected)
    # a custom shape (0.2, 0.6, 0.2)
    r = attribute(small_paths, methods="position_based", position_weights=(0.2, 0.6, 0.2))
    # P1 x2: 0.4, 1.2, 0.4; P2: 0.5 / 0.5; P3: direct 1; P4 x4: search 0.4 * 4 = 1.6,
    # store 0.3 * 4 = 1.2, email 0.3 * 4 = 1.2
    expected = {
        "direct": 0.4 + 1,
        "display": 0,
        "email": 1.2 + 0.5 + 1.2,
        "search": 0.4 + 0.5 + 1.6,
        "store_visit": 1.2,
    }
    assert_credit(credit(r, "position_based"), expected)
    with pytest.raises(DataError, match="add up to 1"):
        attribute(small_paths, methods="position_based", position_weights=(0.5, 0.5, 0.5))


def _events(rows):
    return pd.DataFrame(
        rows, columns=["journey_id", "timestamp", "channel", "conversion", "value"]
    ).assign(timestamp=lambda f: pd.to_datetime(f["timestamp"]))


def test_time_decay_by_hand():
    events = _events(
        [
            ("u1", "2025-01-01", "search", 0, None),
            ("u1", "2025-01-08", "email", 0, None),
            ("u1", "2025-01-15", None, 1, 100.0),
            ("u2", "2025-01-03", "direct", 0, None),
            ("u2", "2025-01-03", None, 1, 30.0),
            ("u3", "2025-01-02", "email", 0, None),
        ]
    )
    paths = build_journeys(events, lookback_days=None)
    r = attribute(paths, methods="time_decay", half_life_days=7)
    # u1: search 14 days before -> 2^-2 = 0.25, email 7 days -> 2^-1 = 0.5;
    #     shares 0.25 / 0.75 = 1/3 and 0.5 / 0.75 = 2/3
    # u2: direct at the instant of the conversion -> weight 1, all of it
    # u3 did not convert: nothing
    assert_credit(credit(r, "time_decay"), {"direct": 1, "email": F(2, 3), "search": F(1, 3)})
    assert_credit(
        credit(r, "time_decay", "value"),
        {"direct": 30, "email": F(200, 3), "search": F(100, 3)},
    )
    # half-life 14 days: 2^-1 = 0.5 and 2^-0.5; search gets 0.5 / (0.5 + 2^-0.5)
    r = attribute(paths, methods="time_decay", half_life_days=14)
    s = 0.5 / (0.5 + 2**-0.5)
    assert_credit(credit(r, "time_decay"), {"direct": 1, "email": 1 - s, "search": s})
    # aggregated paths carry no times: a clear error
    agg = paths_from_frame(paths.to_frame())
    with pytest.raises(DataError, match="time_decay needs the time"):
        attribute(agg, methods="time_decay")


# ------------------------------------------------------------------------- bootstrap
def test_bootstrap_intervals_are_seeded_and_cover(small_paths):
    methods = ["first_touch", "linear", "markov_removal_split", "shapley"]
    a = attribute(small_paths, methods=methods, n_bootstrap=50, seed=3)
    b = attribute(small_paths, methods=methods, n_bootstrap=50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["interval"] == 0.95 and a.attrs["n_bootstrap"] == 50
    assert (a["lower"] <= a["upper"] + 1e-12).all()
    # display never converts: zero credit in every replicate of the position rules
    disp = a[(a["channel"] == "display") & a["method"].isin(["first_touch", "linear"])]
    assert (disp[["lower", "upper"]].to_numpy() == 0).all()
    # a table with one channel gives it everything in every replicate
    one = paths_from_frame(
        pd.DataFrame({"path": ["x", "x > x"], "conversions": [1.5, 2], "nulls": [3, 0.25]})
    )
    r = attribute(one, methods=list(set(METHODS) - {"time_decay"}), n_bootstrap=20)
    assert np.allclose(r[["share", "lower", "upper"]].to_numpy(), 1.0)
    c = attribute(small_paths, methods=methods, n_bootstrap=50, seed=4)
    assert not np.allclose(a["lower"], c["lower"])


def test_bootstrap_interval_narrows_with_more_journeys(small):
    big = small.assign(conversions=small["conversions"] * 400, nulls=small["nulls"] * 400)
    big["value"] = small["value"] * 400
    w_small = attribute(
        paths_from_frame(small, separator=" >> "), methods="linear", n_bootstrap=100
    )
    w_big = attribute(paths_from_frame(big, separator=" >> "), methods="linear", n_bootstrap=100)
    width_small = (w_small["upper"] - w_small["lower"]).sum()
    width_big = (w_big["upper"] - w_big["lower"]).sum()
    # sqrt(400) = 20 times more precise, roughly
    assert width_big < width_small / 8


# ------------------------------------------------------------------------ journey building
def test_build_journeys_splits_lookback_and_repeats():
    events = pd.DataFrame(
        {
            "journey_id": [1, 1, 1, 1, 1, 1, 2, 2, 2],
            "timestamp": pd.to_datetime(
                [
                    "2025-01-01",  # display, 40 days before the first conversion
                    "2025-02-01",  # search
                    "2025-02-05",  # search
                    "2025-02-10",  # store_visit that converts in store
                    "2025-02-11",  # email after the conversion -> a new journey
                    "2025-02-12",  # online conversion
                    "2025-01-05",
                    "2025-01-06",
                    "2025-01-07",
                ]
            ),
            "channel": [
                "display",
                "search",
                "search",
                "store_visit",
                "email",
                None,
                "email",
                "search",
                "email",
            ],
            "conversion": [0, 0, 0, 1, 0, 1, 0, 0, 0],
            "value": [None, None, None, 80.0, None, 20.0, None, None, None],
            "conversion_type": [None, None, None, "store", None, "online", None, None, None],
        }
    )
    p = build_journeys(events, lookback_days=30)
    f = p.to_frame().sort_values("path").reset_index(drop=True)
    assert f["path"].tolist() == [
        "email",
        "email > search > email",
        "search > search > store_visit",
    ]
    assert f["conversions"].tolist() == [1, 0, 1]
    assert f["nulls"].tolist() == [0, 1, 0]
    assert f["value"].tolist() == [20, 0, 80]
    assert f["store_conversions"].tolist() == [0, 0, 1]
    assert p.excluded["touches_outside_lookback"] == 1  # the display touch
    # repeats collapsed: search > search becomes search; 'first' drops the second email
    fc = build_journeys(events, lookback_days=30, repeats="collapse").to_frame()
    assert sorted(fc["path"]) == ["email", "email > search > email", "search > store_visit"]
    ff = build_journeys(events, lookback_days=30, repeats="first")
    assert sorted(ff.to_frame()["path"]) == ["email", "email > search", "search > store_visit"]
    assert ff.excluded["repeated_touches_removed"] == 2
    # no lookback: display is kept
    fa = build_journeys(events, lookback_days=None).to_frame()
    assert "display > search > search > store_visit" in set(fa["path"])
    # time to conversion: first kept touch 2025-02-01 -> conversion 2025-02-10 is 9 days
    days = sorted(p.timing.days_to_convert.tolist())
    assert days == [1.0, 9.0]


def test_build_aggregates_identical_journeys_and_audiences():
    sim = simulate_journeys(n_users=3000, seed=2, audiences=("new", "returning"))
    p = build_journeys(sim.events, lookback_days=None)
    n_conv = sim.events["conversion"].sum()
    assert p.total_conversions + p.excluded["conversions_without_touch"] == n_conv
    assert p.total_value + p.excluded["value_without_touch"] == pytest.approx(
        sim.events["value"].sum()
    )
    users_touched = sim.events.loc[sim.events["channel"].notna(), "journey_id"].nunique()
    assert p.journeys.sum() == users_touched
    # identical paths of one audience are merged into one row
    key = pd.Series(p.path_strings()) + "|" + pd.Series(p.audiences)[p.audience].to_numpy()
    assert key.is_unique
    parts = [p.select(audience=a) for a in ("new", "returning")]
    assert sum(q.total_conversions for q in parts) == p.total_conversions
    assert sum(q.timing.n_journeys for q in parts) == p.timing.n_journeys
    r = attribute(parts[0], methods="time_decay")
    assert r["conversions"].sum() == pytest.approx(parts[0].total_conversions)


def test_simulator_orderings_ropo_and_showrooming():
    sim = simulate_journeys(n_users=20_000, seed=4, ropo_share=0.7)
    p = build_journeys(sim.events, lookback_days=None)
    pat = journey_patterns(p).set_index("pattern")
    # research online, purchase offline: store conversions only; showrooming: online only
    ropo = pat.loc["research online, purchase offline"]
    show = pat.loc["showrooming"]
    assert ropo["conversions"] > 0 and ropo["store_conversions"] == ropo["conversions"]
    assert show["conversions"] > 0 and show["store_conversions"] == 0
    assert pat.loc["online only", "store_conversions"] == 0
    ratio = ropo["journeys"] / (ropo["journeys"] + show["journeys"])
    assert 0.65 < ratio < 0.75
    # the same inputs give the same events
    again = simulate_journeys(n_users=20_000, seed=4, ropo_share=0.7)
    pd.testing.assert_frame_equal(sim.events, again.events)


# ---------------------------------------------------------------------------- validation
def test_path_table_validation_names_rows_and_fix():
    bad = pd.DataFrame(
        {
            "path": ["a > b", "a >  > b", None, "c"],
            "conversions": [1, "x", 1, -1],
            "nulls": [0, 1, None, 2],
        }
    )
    with pytest.raises(DataError) as info:
        paths_from_frame(bad, source="paths.csv")
    msg = str(info.value)
    assert "paths.csv" in msg
    assert "column 'conversions': row 3 (1 row in all) are not numbers" in msg
    assert "column 'nulls': row 4" in msg
    assert "column 'path': row 4" in msg
    with pytest.raises(DataError, match="column 'nulls' .* is missing"):
        paths_from_frame(pd.DataFrame({"path": ["a"], "conversions": [1]}))
    with pytest.raises(DataError, match="spaces at the start or end"):
        paths_from_frame(
            pd.DataFrame({"path": ["a > b"], "conversions": [1], "nulls": [0]}), separator=">"
        )
    with pytest.raises(DataError, match="adds up to 0"):
        paths_from_frame(pd.DataFrame({"path": ["a"], "conversions": [0], "nulls": [3]}))
    with pytest.raises(DataError, match="value but no conversions"):
        paths_from_frame(
            pd.DataFrame(
                {"path": ["a", "b"], "conversions": [1, 0], "nulls": [0, 1], "value": [5, 5]}
            )
        )


def test_event_validation_names_rows_and_fix():
    events = pd.DataFrame(
        {
            "journey_id": [1, 1, None, 2],
            "timestamp": ["2025-01-01", "not a date", "2025-01-02", "2025-01-03"],
            "channel": ["a", None, "b", "c"],
            "conversion": [0, 0, 1, 0],
            "conversion_type": [None, None, "web", None],
        }
    )
    with pytest.raises(DataError) as info:
        build_journeys(events, source="events.csv")
    msg = str(info.value)
    assert "events.csv" in msg
    assert "column 'journey_id': row 4" in msg
    assert "column 'timestamp': row 3" in msg
    assert "column 'channel': row 3" in msg and "name the channel of every touch" in msg
    assert "column 'conversion_type': row 4" in msg and "'online' or 'store'" in msg
    with pytest.raises(DataError, match=r"column 'conversion': row 5 .* not a conversion flag"):
        build_journeys(events.assign(conversion=[0, 0, 1, "yes"]), source="events.csv")
    with pytest.raises(DataError, match="no journey .* has a conversion"):
        build_journeys(
            pd.DataFrame(
                {
                    "journey_id": [1],
                    "timestamp": ["2025-01-01"],
                    "channel": ["a"],
                    "conversion": [0],
                }
            )
        )


def test_unknown_method_and_options():
    p = paths_from_frame(pd.DataFrame({"path": ["a"], "conversions": [1], "nulls": [0]}))
    with pytest.raises(SpecError, match="unknown attribution method"):
        attribute(p, methods=["magic"])
    with pytest.raises(SpecError, match="n_bootstrap"):
        attribute(p, methods="linear", n_bootstrap=-1)
    r = attribute(p, methods=["markov"])  # alias
    assert r["method"].tolist() == ["markov_removal_share"]


def test_fractional_counts_are_accepted():
    p = paths_from_frame(
        pd.DataFrame({"path": ["a > b", "b"], "conversions": [0.5, 1.25], "nulls": [0.25, 2.5]})
    )
    r = attribute(p, methods=["last_touch", "linear"])
    # last touch: b gets 0.5 + 1.25; linear: a 0.25, b 0.25 + 1.25
    assert_credit(credit(r, "last_touch"), {"a": 0, "b": 1.75})
    assert_credit(credit(r, "linear"), {"a": 0.25, "b": 1.5})


# ---------------------------------------------------------------- tables, compare, plots
def test_top_paths_adds_identical_rows(small):
    frame = pd.concat([small, small.iloc[[0]]], ignore_index=True)  # P1 twice
    p = paths_from_frame(frame, separator=" >> ")
    top = top_paths(p, n=2)
    assert top["path"].tolist() == [
        "search > email > direct",
        "search > store_visit > email > search",
    ]
    assert top["conversions"].tolist() == [4, 4]  # P1 2 + 2; P4 4 (ties by first appearance)
    assert top["journeys"].tolist() == [8, 4]
    assert top["conversion_rate"].tolist() == [0.5, 1.0]
    assert top["share_of_conversions"].tolist() == [0.4, 0.4]


def test_compare_with_mmm_table_and_reading():
    credit_table = pd.DataFrame(
        {
            "method": ["shapley"] * 4,
            "channel": ["search", "social", "direct", "email"],
            "conversions": [50.0, 20.0, 20.0, 10.0],
        }
    )
    mmm = pd.DataFrame(
        {
            "channel": ["search", "social", "email", "tv", "search"],
            "contribution": [10.0, 40.0, 10.0, 40.0, 10.0],
        }
    )
    table = compare_with_mmm(credit_table, mmm)
    t = table.set_index("channel")
    # shared channels: search, social, email; journeys 50 : 20 : 10 of 80, media mix
    # 20 : 40 : 10 of 70
    assert t.loc["search", "journey_share"] == pytest.approx(50 / 80)
    assert t.loc["search", "mmm_share"] == pytest.approx(20 / 70)
    assert t.loc["social", "difference"] == pytest.approx(20 / 80 - 40 / 70)
    assert t.loc["direct", "journey_share_all"] == pytest.approx(0.2)
    assert np.isnan(t.loc["direct", "mmm_share"])
    assert t.loc["tv", "mmm_share_all"] == pytest.approx(40 / 110)
    assert table["channel"].tolist()[:3] == ["search", "social", "email"]
    lines = explain_differences(table)
    assert lines[0].startswith("On the 3 channels both sides measure")
    assert any(line.startswith("search: journeys give it 62.5%") for line in lines)
    assert any(line.startswith("tv:") and "TV" in line for line in lines)
    assert any(line.startswith("direct:") for line in lines)
    with pytest.raises(DataError, match="pass method="):
        compare_with_mmm(pd.concat([credit_table, credit_table.assign(method="x")]), mmm)


def test_plots_build_figures(small_paths):
    import matplotlib

    matplotlib.use("Agg")
    from mmm.journeys import plots

    events = simulate_journeys(n_users=2000, seed=1).events
    built = build_journeys(events)
    r = attribute(built, methods=["linear", "shapley"], n_bootstrap=5)
    figs = [
        plots.plot_credit_by_method(r),
        plots.plot_top_paths(top_paths(built, n=5)),
        plots.plot_transition_heatmap(built),
        plots.plot_path_lengths(built),
        plots.plot_time_to_convert(built),
        plots.plot_journey_vs_mmm(
            compare_with_mmm(
                r,
                pd.DataFrame({"channel": ["display", "email"], "contribution": [1.0, 2.0]}),
                method="shapley",
            )
        ),
    ]
    assert all(len(f.axes) >= 1 for f in figs)
    assert len(figs[0].axes[0].patches) == 2 * built.n_channels
    with pytest.raises(DataError, match="touch times"):
        plots.plot_time_to_convert(small_paths)


def test_bootstrap_survives_replicates_without_conversions():
    # one conversion in 101 journeys: about e^-1 of the replicates draw no conversion at all
    p = paths_from_frame(
        pd.DataFrame({"path": ["a > b", "b", "a"], "conversions": [1, 0, 0], "nulls": [30, 40, 30]})
    )
    methods = ["linear", "markov_removal_share", "markov_removal_split", "shapley"]
    r = attribute(p, methods=methods, n_bootstrap=40, seed=1)
    assert 5 < r.attrs["bootstrap_without_conversions"] < 30
    # the one converting path is 'a > b': linear splits it 1/2 : 1/2 in every replicate
    lin = r[r["method"] == "linear"]
    assert np.allclose(lin[["share", "lower", "upper"]].to_numpy(), 0.5)
    with pytest.raises(DataError, match="none of the 3 bootstrap replicates"):
        attribute(
            paths_from_frame(pd.DataFrame({"path": ["a"], "conversions": [1e-6], "nulls": [1e6]})),
            methods="linear",
            n_bootstrap=3,
        )
