"""Write Meridian's two geo datasets as the long tables the ``mmm`` CLI reads.

Reads ``meridian/geo_all_channels.csv`` (40 geos x 156 weeks) and
``meridian/geo_full_funnel_data.csv`` (20 geos x 156 weeks) from ``--root`` (default
``../shared/datasets`` next to the repository) and writes, for each, ``media.csv``,
``outcomes.csv``, ``channels.csv``, ``controls.csv`` and ``geos.csv`` (geo,
population) under ``examples/meridian_geo/tables/<name>/``, where the configs
``examples/meridian_geo/<name>.toml`` expect them. Nothing is changed in the numbers:

- revenue = ``conversions`` x ``revenue_per_conversion`` (the KPI Meridian's ROI uses);
- geo_all_channels: ``Channel0..4`` spend and impressions (awareness channels, as in our
  national Meridian fit); controls ``competitor_sales_control``,
  ``sentiment_score_control``, ``Promo``, ``Organic_channel0_impression``;
- geo_full_funnel: ``AwarenessVideo`` (awareness), ``PerformanceDisplay`` and
  ``PerformanceNative`` (conversion); ``BrandedGQV_control`` is the mid-funnel mediator
  (an outcome column), ``GenericGQV_control`` a control.

    python benchmarks/meridian_geo_tables.py [--root ../shared/datasets]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
OUT = ROOT / "examples" / "meridian_geo" / "tables"

DATASETS = {
    "geo_all_channels": {
        "file": "meridian/geo_all_channels.csv",
        "channels": {f"Channel{i}": "awareness" for i in range(5)},
        "outcomes": ["revenue"],
        "controls": [
            "competitor_sales_control",
            "sentiment_score_control",
            "Promo",
            "Organic_channel0_impression",
        ],
    },
    "geo_full_funnel": {
        "file": "meridian/geo_full_funnel_data.csv",
        "channels": {
            "AwarenessVideo": "awareness",
            "PerformanceDisplay": "conversion",
            "PerformanceNative": "conversion",
        },
        "outcomes": ["revenue", "BrandedGQV_control"],
        "controls": ["GenericGQV_control"],
    },
}


def long_tables(frame: pd.DataFrame, spec: dict) -> dict[str, pd.DataFrame]:
    """The five long tables of one Meridian geo frame (see the module docstring)."""
    f = frame.rename(columns={"time": "date"}).copy()
    f["revenue"] = f["conversions"] * f["revenue_per_conversion"]
    media = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": f["date"],
                    "geo": f["geo"],
                    "channel": ch,
                    "audience": "all",
                    "spend": f[f"{ch}_spend"],
                    "impressions": f[f"{ch}_impression"],
                }
            )
            for ch in spec["channels"]
        ],
        ignore_index=True,
    )
    channels = pd.DataFrame(
        {"channel": list(spec["channels"]), "stage": list(spec["channels"].values())}
    )
    geos = f.groupby("geo", sort=True)["population"].first().reset_index()
    return {
        "media": media,
        "outcomes": f[["date", "geo", *spec["outcomes"]]],
        "controls": f[["date", "geo", *spec["controls"]]],
        "channels": channels,
        "geos": geos,
    }


def main(argv: list[str] | None = None) -> dict[str, Path]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=SHARED)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    written = {}
    for name, spec in DATASETS.items():
        frame = pd.read_csv(args.root / spec["file"])
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        for table, df in long_tables(frame, spec).items():
            df.to_csv(folder / f"{table}.csv", index=False, float_format="%.17g")
        written[name] = folder
        print(
            f"{name}: {frame['geo'].nunique()} geos x {frame['time'].nunique()} weeks -> {folder}"
        )
    return written


if __name__ == "__main__":
    main()
