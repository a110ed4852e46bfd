"""A readable and JSON-able summary of a :class:`~mmm.data.Dataset`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm.names import AUDIENCE, CHANNEL, DATE, GEO, SERIES, STAGE

from .dataset import Dataset
from .validate import spend_correlations

__all__ = ["DataSummary", "summarize", "SUMMARY_CORRELATION"]

#: Absolute spend correlation above which a pair of series is listed in the summary.
SUMMARY_CORRELATION = 0.7


@dataclass(frozen=True)
class DataSummary:
    """Facts about a Dataset, for people (:meth:`to_text`) and machines (:meth:`to_dict`).

    Attributes
    ----------
    name, fingerprint, freq : str
        As in the Dataset (``name`` may be None).
    start, end : str
        First and last date, ISO format.
    n_periods : int
        Number of dates.
    geos : tuple of str
        Geo labels.
    series_spend : pandas.DataFrame
        One row per series: ``series``, ``channel``, ``audience``, ``stage``, ``total``
        (currency, summed over dates and geos), ``share`` (fraction of all spend, 0..1).
    channel_spend : pandas.DataFrame
        One row per channel: ``channel``, ``stage``, ``total``, ``share``.
    outcomes : pandas.DataFrame
        One row per outcome: ``outcome``, ``total`` (summed over dates and geos),
        ``mean`` (total per period), ``min`` and ``max`` (over (date, geo) cells).
    controls : tuple of str
        Control names.
    correlations : tuple of (str, str, float)
        Series pairs whose spend correlation (over date x geo cells) exceeds
        :data:`SUMMARY_CORRELATION` in absolute value, strongest first.
    not_bought : tuple of (str, str)
        (geo, series) pairs absent from the media table (spend 0 there).
    warnings, repairs : tuple of str
        As in the Dataset.
    """

    name: str | None
    fingerprint: str
    start: str
    end: str
    freq: str
    n_periods: int
    geos: tuple[str, ...]
    series_spend: pd.DataFrame
    channel_spend: pd.DataFrame
    outcomes: pd.DataFrame
    controls: tuple[str, ...]
    correlations: tuple[tuple[str, str, float], ...]
    not_bought: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]
    repairs: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON-serialisable dict (plain str, int, float, list, dict)."""

        def records(frame: pd.DataFrame) -> list[dict]:
            out = []
            for row in frame.to_dict(orient="records"):
                out.append(
                    {
                        str(k): (
                            float(v)
                            if isinstance(v, float | np.floating)
                            else int(v)
                            if isinstance(v, int | np.integer)
                            else str(v)
                        )
                        for k, v in row.items()
                    }
                )
            return out

        return {
            "name": self.name,
            "fingerprint": self.fingerprint,
            "start": self.start,
            "end": self.end,
            "freq": self.freq,
            "n_periods": int(self.n_periods),
            "geos": list(self.geos),
            "series_spend": records(self.series_spend),
            "channel_spend": records(self.channel_spend),
            "outcomes": records(self.outcomes),
            "controls": list(self.controls),
            "correlations": [
                {"series_a": a, "series_b": b, "correlation": float(r)}
                for a, b, r in self.correlations
            ],
            "not_bought": [{"geo": g, "series": s} for g, s in self.not_bought],
            "warnings": list(self.warnings),
            "repairs": list(self.repairs),
        }

    def to_text(self) -> str:
        """A plain-text report with aligned columns."""
        lines = [f"Dataset {self.name or '(unnamed)'}  fingerprint {self.fingerprint[:16]}"]
        lines.append(f"Dates:       {self.start} to {self.end}")
        lines.append(f"Frequency:   {self.freq}")
        lines.append(f"Periods:     {self.n_periods}")
        lines.append(f"Geos:        {', '.join(self.geos)} ({len(self.geos)})")
        lines.append(f"Controls:    {', '.join(self.controls) if self.controls else '(none)'}")
        lines.append("")
        lines.append("Spend by channel and audience")
        rows = [
            [r.channel, r.audience, r.stage, _money(r.total), _pct(r.share)]
            for r in self.series_spend.itertuples()
        ]
        total = float(self.series_spend["total"].sum())
        rows.append(["total", "", "", _money(total), _pct(1.0 if total > 0 else 0.0)])
        lines += _table(["channel", "audience", "stage", "spend", "share"], rows, numeric={3, 4})
        lines.append("")
        lines.append("Spend by channel")
        rows = [
            [r.channel, r.stage, _money(r.total), _pct(r.share)]
            for r in self.channel_spend.itertuples()
        ]
        lines += _table(["channel", "stage", "spend", "share"], rows, numeric={2, 3})
        lines.append("")
        lines.append("Outcomes")
        rows = [
            [r.outcome, _money(r.total), _money(r.mean), _money(r.min), _money(r.max)]
            for r in self.outcomes.itertuples()
        ]
        lines += _table(
            ["outcome", "total", "mean per period", "min", "max"], rows, numeric={1, 2, 3, 4}
        )
        lines.append("")
        lines.append(f"Spend correlations above {SUMMARY_CORRELATION} (absolute)")
        if self.correlations:
            rows = [[a, b, f"{r:+.3f}"] for a, b, r in self.correlations]
            lines += _table(["series", "series", "r"], rows, numeric={2})
        else:
            lines.append("  (none)")
        lines.append("")
        lines.append("Series not bought in some geos (spend 0 there)")
        if self.not_bought:
            rows = [[g, s] for g, s in self.not_bought]
            lines += _table(["geo", "series"], rows, numeric=set())
        else:
            lines.append("  (none)")
        for title, items in (("Warnings", self.warnings), ("Repairs", self.repairs)):
            lines.append("")
            lines.append(f"{title} ({len(items)})")
            lines += [f"  - {item}" for item in items] or ["  (none)"]
        return "\n".join(lines) + "\n"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _table(header: list[str], rows: list[list[str]], *, numeric: set[int]) -> list[str]:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[k]) for row in cells) for k in range(len(header))]

    def fmt(row):
        parts = [
            row[k].rjust(widths[k]) if k in numeric else row[k].ljust(widths[k])
            for k in range(len(row))
        ]
        return "  " + "  ".join(parts).rstrip()

    return [fmt(cells[0]), "  " + "  ".join("-" * w for w in widths)] + [
        fmt(row) for row in cells[1:]
    ]


def summarize(dataset: Dataset) -> DataSummary:
    """Summarise a Dataset.

    Parameters
    ----------
    dataset : Dataset

    Returns
    -------
    DataSummary
        Date range, frequency, geos, spend totals and shares per series and per channel
        (currency), outcome totals and means, spend correlation pairs above
        :data:`SUMMARY_CORRELATION`, (geo, series) pairs not bought, warnings and repairs.
    """
    spend = dataset.spend
    totals = spend.sum(dim=(DATE, GEO)).values
    grand = float(totals.sum())
    share = totals / grand if grand > 0 else np.zeros_like(totals)
    stage = dataset.series_stage
    series_spend = pd.DataFrame(
        {
            SERIES: list(dataset.series),
            CHANNEL: spend[CHANNEL].values.tolist(),
            AUDIENCE: spend[AUDIENCE].values.tolist(),
            STAGE: stage.tolist(),
            "total": totals.astype(float),
            "share": share.astype(float),
        }
    )
    channel_spend = (
        series_spend.groupby(CHANNEL, sort=False)
        .agg(stage=(STAGE, "first"), total=("total", "sum"), share=("share", "sum"))
        .reset_index()
    )
    out = dataset.outcomes
    outcomes = pd.DataFrame(
        {
            "outcome": list(dataset.outcome_names),
            "total": out.sum(dim=(DATE, GEO)).values.astype(float),
            "mean": (out.sum(dim=(DATE, GEO)).values / dataset.n_dates).astype(float),
            "min": out.min(dim=(DATE, GEO)).values.astype(float),
            "max": out.max(dim=(DATE, GEO)).values.astype(float),
        }
    )
    n_d, n_g, n_s = spend.shape
    correlations = spend_correlations(
        spend.values.reshape(n_d * n_g, n_s), list(dataset.series), threshold=SUMMARY_CORRELATION
    )
    presence = dataset.presence.values
    not_bought = tuple(
        (geo, series)
        for g, geo in enumerate(dataset.geos)
        for k, series in enumerate(dataset.series)
        if not presence[g, k]
    )
    return DataSummary(
        name=dataset.name,
        fingerprint=dataset.fingerprint,
        start=f"{dataset.dates[0]:%Y-%m-%d}",
        end=f"{dataset.dates[-1]:%Y-%m-%d}",
        freq=dataset.freq,
        n_periods=dataset.n_dates,
        geos=dataset.geos,
        series_spend=series_spend,
        channel_spend=channel_spend,
        outcomes=outcomes,
        controls=dataset.control_names,
        correlations=tuple(correlations),
        not_bought=not_bought,
        warnings=dataset.warnings,
        repairs=dataset.repairs,
    )
