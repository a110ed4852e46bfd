"""Small, valid input tables for the data tests (imported by the test modules)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SERIES = [("tv", "all"), ("social", "young"), ("social", "old"), ("search", "all")]
GEOS = ("north", "south")
OUTCOMES = ("online_sales", "store_visits")


def make_tables(
    *,
    n_dates: int = 60,
    start: str = "2023-01-02",
    freq: str = "W-MON",
    geos: tuple[str, ...] = GEOS,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Valid long tables, keyed by the parameter names of ``load_dataset``.

    Media rows are ordered by date, then geo, then series as in :data:`SERIES`, so data
    row ``p + 1`` of the media table is position ``p`` and position
    ``(d * len(geos) + g) * 4 + s`` holds date ``d``, geo ``g`` and series ``s``.
    Spend values are multiples of 0.25 drawn independently (no collinearity).
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_dates, freq=freq)
    rows = []
    for date in dates:
        for geo in geos:
            for channel, audience in SERIES:
                spend = float(rng.integers(0, 4000)) / 4
                rows.append(
                    {
                        "date": date.strftime("%Y-%m-%d"),
                        "geo": geo,
                        "channel": channel,
                        "audience": audience,
                        "spend": spend,
                        "impressions": float(rng.integers(0, 100_000)),
                    }
                )
    media = pd.DataFrame(rows)
    out_rows = []
    ctrl_rows = []
    for date in dates:
        for geo in geos:
            out_rows.append(
                {
                    "date": date.strftime("%Y-%m-%d"),
                    "geo": geo,
                    "online_sales": float(rng.integers(1000, 5000)),
                    "store_visits": float(rng.integers(100, 900)),
                }
            )
            ctrl_rows.append(
                {
                    "date": date.strftime("%Y-%m-%d"),
                    "geo": geo,
                    "price_index": float(rng.integers(90, 110)) / 100,
                }
            )
    channels = pd.DataFrame(
        {
            "channel": ["tv", "social", "search"],
            "stage": ["awareness", "awareness", "conversion"],
            "max_lag": [8, 4, 2],
            "roas_prior": [1.5, 2.0, 3.0],
            "description": ["linear TV", "paid social", "paid search"],
        }
    )
    geo_table = pd.DataFrame(
        {
            "geo": list(geos),
            "population": [1.0e6 * (k + 1) for k in range(len(geos))],
            "shops": [3 + k for k in range(len(geos))],
            "near_store_population": [2.0e5 * (k + 1) for k in range(len(geos))],
        }
    )
    return {
        "media": media,
        "outcomes": pd.DataFrame(out_rows),
        "channels": channels,
        "controls": pd.DataFrame(ctrl_rows),
        "geos": geo_table,
    }


def media_row(d: int, g: int, s: int, *, n_geos: int = len(GEOS)) -> int:
    """0-based position of (date index, geo index, series index) in ``make_tables`` media."""
    return (d * n_geos + g) * len(SERIES) + s


def outcome_row(d: int, g: int, *, n_geos: int = len(GEOS)) -> int:
    """0-based position of (date index, geo index) in the outcomes / controls tables."""
    return d * n_geos + g
