"""Public demo datasets of other MMM libraries, read with :func:`mmm.data.from_wide`.

The tests run on trimmed copies kept in ``tests/data/peers`` (see its SOURCE.md) and, when
the full original files are available next to the repository (``../shared/datasets``), on
those too. Every check compares the Dataset with the source table read by pandas.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.data import from_wide, load_dataset, summarize, wide_to_long
from mmm.errors import DataWarning

# pandas deprecations (e.g. DatetimeIndex.weekday on pandas 3) fail these tests
pytestmark = [
    pytest.mark.filterwarnings("error::DeprecationWarning"),
    pytest.mark.filterwarnings("error::FutureWarning"),
]

HERE = Path(__file__).resolve().parent
COPIES = HERE / "data" / "peers"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"

MERIDIAN_SPEND = {f"Channel{i}_spend": f"channel{i}" for i in range(4)}
MERIDIAN_IMPRESSIONS = {f"Channel{i}_impression": f"channel{i}" for i in range(4)}
MERIDIAN_CONTROLS = ["competitor_activity_score_control", "sentiment_score_control"]


@dataclass(frozen=True)
class Peer:
    name: str
    copy: str  # file name in tests/data/peers
    original: str  # path under shared/datasets
    date: str
    geo: str | None
    spend: dict
    outcomes: tuple[str, ...]
    controls: tuple[str, ...]
    impressions: dict | None
    channels: dict
    n_geos: int
    first: str
    n_full: int  # weeks in the original file

    def frame_kwargs(self) -> dict:
        return dict(
            date=self.date,
            geo=self.geo,
            spend=self.spend,
            outcomes=list(self.outcomes),
            controls=list(self.controls),
            impressions=self.impressions,
            channels=self.channels,
        )


PEERS = {
    "meridian_national": Peer(
        name="meridian_national",
        copy="meridian_national_media.csv",
        original="meridian/national_media.csv",
        date="time",
        geo=None,
        spend=MERIDIAN_SPEND,
        outcomes=("conversions",),
        controls=tuple(MERIDIAN_CONTROLS),
        impressions=MERIDIAN_IMPRESSIONS,
        channels={f"channel{i}": "awareness" for i in range(4)},
        n_geos=1,
        first="2021-01-25",
        n_full=156,
    ),
    "meridian_geo": Peer(
        name="meridian_geo",
        copy="meridian_geo_media.csv",
        original="meridian/geo_media.csv",
        date="time",
        geo="geo",
        spend=MERIDIAN_SPEND,
        outcomes=("conversions",),
        controls=tuple(MERIDIAN_CONTROLS),
        impressions=None,
        channels={f"channel{i}": "awareness" for i in range(4)},
        n_geos=20,
        first="2021-01-25",
        n_full=156,
    ),
    "pymc_marketing": Peer(
        name="pymc_marketing",
        copy="pymc_marketing_mmm_example.csv",
        original="pymc-marketing/mmm_example.csv",
        date="date_week",
        geo=None,
        spend={"x1": "x1", "x2": "x2"},
        outcomes=("y",),
        controls=("event_1", "event_2", "t"),
        impressions=None,
        channels={"x1": "awareness", "x2": "conversion"},
        n_geos=1,
        first="2018-04-02",
        n_full=179,
    ),
}


def _sources():
    """(peer, path, expected weeks) for the copies, and for the originals when present."""
    out = []
    for key, peer in PEERS.items():
        out.append(pytest.param(peer, COPIES / peer.copy, 104, id=f"{key}-copy"))
        out.append(pytest.param(peer, SHARED / peer.original, peer.n_full, id=f"{key}-original"))
    return out


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared dataset folder is optional)")


def _from_wide(peer: Peer, source):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return from_wide(source, **peer.frame_kwargs(), name=peer.name)


@pytest.mark.parametrize("peer, path, weeks", _sources())
def test_peer_dataset_loads_faithfully(peer, path, weeks):
    _need(path)
    ds = _from_wide(peer, path)
    source = pd.read_csv(path)

    # dates, frequency, geos
    dates = pd.DatetimeIndex(sorted(pd.to_datetime(source[peer.date].unique())))
    assert ds.n_dates == weeks == len(dates)
    assert ds.dates.equals(dates)
    assert ds.dates[0] == pd.Timestamp(peer.first)
    assert ds.freq == "W-MON"
    expected_geos = ("all",) if peer.geo is None else tuple(sorted(source[peer.geo].unique()))
    assert ds.geos == expected_geos
    assert len(ds.geos) == peer.n_geos
    if peer.geo is not None:
        assert len(source) == weeks * peer.n_geos

    # spend: the sum per channel equals the source column's sum, and every cell its row
    assert ds.series == tuple(f"{c}|all" for c in peer.spend.values())
    assert ds.channel_names == tuple(peer.channels)
    for column, channel in peer.spend.items():
        total = ds.spend.sel(series=f"{channel}|all").sum().item()
        assert math.isclose(total, source[column].sum(), rel_tol=1e-12), column
    positions = (
        ds.dates.get_indexer(pd.to_datetime(source[peer.date])),
        np.zeros(len(source), dtype=int)
        if peer.geo is None
        else pd.Index(ds.geos).get_indexer(source[peer.geo]),
    )
    assert (positions[0] >= 0).all() and (positions[1] >= 0).all()
    for k, column in enumerate(peer.spend):
        np.testing.assert_array_equal(ds.spend.values[positions + (k,)], source[column])
    assert ds.presence.values.all()

    # impressions, outcomes and controls cell by cell
    if peer.impressions is None:
        assert ds.impressions is None
    else:
        for k, column in enumerate(peer.impressions):
            np.testing.assert_array_equal(ds.impressions.values[positions + (k,)], source[column])
    assert ds.outcome_names == peer.outcomes
    for k, column in enumerate(peer.outcomes):
        np.testing.assert_array_equal(ds.outcomes.values[positions + (k,)], source[column])
    assert ds.control_names == peer.controls
    for k, column in enumerate(peer.controls):
        np.testing.assert_array_equal(ds.controls.values[positions + (k,)], source[column])
    assert ds.repairs == ()


@pytest.mark.parametrize("peer, path, weeks", _sources())
def test_peer_dataset_summary(peer, path, weeks):
    _need(path)
    ds = _from_wide(peer, path)
    source = pd.read_csv(path)
    summary = summarize(ds)
    last = pd.to_datetime(source[peer.date]).max()
    assert summary.start == peer.first
    assert summary.end == f"{last:%Y-%m-%d}"
    assert summary.n_periods == weeks
    assert summary.freq == "W-MON"
    totals = dict(
        zip(summary.channel_spend["channel"], summary.channel_spend["total"], strict=True)
    )
    grand = sum(source[c].sum() for c in peer.spend)
    for column, channel in peer.spend.items():
        assert math.isclose(totals[channel], source[column].sum(), rel_tol=1e-12)
        share = summary.channel_spend.set_index("channel").loc[channel, "share"]
        assert math.isclose(share, source[column].sum() / grand, rel_tol=1e-9)
    for name in peer.outcomes:
        row = summary.outcomes.set_index("outcome").loc[name]
        assert math.isclose(row["total"], source[name].sum(), rel_tol=1e-12)
        assert row["min"] == source[name].min() and row["max"] == source[name].max()
    text = summary.to_text()
    assert f"Dates:       {peer.first} to {last:%Y-%m-%d}" in text
    assert f"Periods:     {weeks}" in text
    for channel in peer.spend.values():
        assert f"\n  {channel} " in text
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["geos"] == list(ds.geos)
    assert data["n_periods"] == weeks


@pytest.mark.parametrize("key", list(PEERS))
def test_from_wide_agrees_with_wide_to_long_and_load_dataset(key):
    peer = PEERS[key]
    path = COPIES / peer.copy
    wide = pd.read_csv(path)
    ds = _from_wide(peer, path)
    # a DataFrame and the file give the same content
    assert _from_wide(peer, wide).fingerprint == ds.fingerprint
    media = wide_to_long(
        wide, date=peer.date, spend=peer.spend, geo=peer.geo, impressions=peer.impressions
    )
    assert len(media) == len(wide) * len(peer.spend)
    keep = [peer.date] + ([] if peer.geo is None else [peer.geo])
    rename = {peer.date: "date"} | ({} if peer.geo is None else {peer.geo: "geo"})
    outcomes = wide[keep + list(peer.outcomes)].rename(columns=rename)
    controls = wide[keep + list(peer.controls)].rename(columns=rename)
    catalogue = pd.DataFrame(
        {"channel": list(peer.channels), "stage": list(peer.channels.values())}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        long = load_dataset(media, outcomes, catalogue, controls=controls)
    assert long.fingerprint == ds.fingerprint


@pytest.mark.parametrize("key", list(PEERS))
def test_copies_are_the_leading_rows_of_the_originals(key):
    peer = PEERS[key]
    original = SHARED / peer.original
    _need(original)
    copy = pd.read_csv(COPIES / peer.copy, dtype=str, keep_default_na=False)
    full = pd.read_csv(original, dtype=str, keep_default_na=False)
    first_dates = sorted(full[peer.date].unique())[:104]
    expected = full.loc[full[peer.date].isin(first_dates), list(copy.columns)]
    pd.testing.assert_frame_equal(copy, expected.reset_index(drop=True))
    assert (COPIES / peer.copy).stat().st_size < 200_000
