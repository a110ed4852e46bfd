"""Journey credit beside the media-mix model: one table and a plain-words reading."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.errors import DataError

COMPARISON_COLUMNS = [
    "channel",
    "journey_share",
    "mmm_share",
    "difference",
    "journey_share_all",
    "mmm_share_all",
]


def _journey_totals(journey_credit: pd.DataFrame, method: str | None) -> pd.Series:
    problems = []
    for column in ("channel", "conversions"):
        if column not in journey_credit.columns:
            problems.append(
                f"column '{column}' is missing from the journey credit table; pass the output "
                "of mmm.journeys.attribute (columns method, channel, conversions, ...)"
            )
    if problems:
        raise DataError(problems, source="journey credit")
    frame = journey_credit
    if "method" in frame.columns:
        available = list(dict.fromkeys(frame["method"].astype("str")))
        if method is None:
            if len(available) != 1:
                raise DataError(
                    f"the journey credit table holds {len(available)} methods "
                    f"({', '.join(available)}); pass method= to choose one",
                    source="journey credit",
                )
            method = available[0]
        if method not in available:
            raise DataError(
                f"method '{method}' is not in the journey credit table; methods found: "
                f"{', '.join(available)}",
                source="journey credit",
            )
        frame = frame[frame["method"].astype("str") == method]
    return frame.groupby(frame["channel"].astype("str"), sort=False)["conversions"].sum()


def _mmm_totals(mmm_contributions: pd.DataFrame) -> pd.Series:
    problems = []
    for column in ("channel", "contribution"):
        if column not in mmm_contributions.columns:
            problems.append(
                f"column '{column}' is missing from the media-mix contributions; give one row "
                "per channel (or per channel and date, geo, audience: rows are added up) with "
                "columns channel and contribution (incremental outcome in the outcome's units); "
                f"columns found: {', '.join(map(str, mmm_contributions.columns))}"
            )
    if problems:
        raise DataError(problems, source="media-mix contributions")
    values = pd.to_numeric(mmm_contributions["contribution"], errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        rows = ", ".join(str(int(i) + 2) for i in np.flatnonzero(bad)[:5])
        raise DataError(
            f"column 'contribution': rows {rows} are empty or not numbers; give every channel "
            "its contribution",
            source="media-mix contributions",
        )
    return values.groupby(mmm_contributions["channel"].astype("str"), sort=False).sum()


def compare_with_mmm(
    journey_credit: pd.DataFrame,
    mmm_contributions: pd.DataFrame,
    *,
    method: str | None = None,
) -> pd.DataFrame:
    """Compare journey credit with media-mix contributions channel by channel.

    Shares are compared on the channels that appear on both sides (each side renormalised to
    add up to 1 over them), because journeys also credit touches that are not media (direct,
    store visits) and the media mix also credits media without tracked touches (TV, print)
    and a baseline.

    Parameters
    ----------
    journey_credit : pandas.DataFrame
        Output of :func:`mmm.journeys.attribute` (or any table with ``channel`` and
        ``conversions``; a ``method`` column is filtered by ``method``).
    mmm_contributions : pandas.DataFrame
        Columns ``channel`` and ``contribution`` (incremental outcome attributed by the
        media-mix model); several rows per channel (dates, geos, audiences) are added up.
    method : str, optional, keyword-only
        Journey method to compare; required when ``journey_credit`` holds several.

    Returns
    -------
    pandas.DataFrame
        One row per channel of either side: ``channel``; ``journey_share`` and ``mmm_share``
        (fractions over the shared channels; NaN for a channel missing on either side);
        ``difference`` = ``journey_share - mmm_share`` (fraction; NaN when one is missing);
        ``journey_share_all`` and ``mmm_share_all`` (share of each side's own total, NaN where
        the channel is absent). Shared channels come first, by size of the difference.
        ``attrs["method"]`` names the journey method.
    """
    journey = _journey_totals(journey_credit, method)
    mmm = _mmm_totals(mmm_contributions)
    shared = [c for c in journey.index if c in mmm.index]
    only_journey = [c for c in journey.index if c not in mmm.index]
    only_mmm = [c for c in mmm.index if c not in journey.index]
    j_total, m_total = journey.sum(), mmm.sum()
    j_shared, m_shared = journey[shared].sum(), mmm[shared].sum()
    rows = []
    for c in shared:
        js = journey[c] / j_shared if j_shared != 0 else np.nan
        ms = mmm[c] / m_shared if m_shared != 0 else np.nan
        rows.append((c, js, ms, js - ms, journey[c] / j_total, mmm[c] / m_total))
    rows.sort(key=lambda r: -abs(r[3]) if np.isfinite(r[3]) else 0.0)
    for c in only_journey:
        rows.append((c, np.nan, np.nan, np.nan, journey[c] / j_total, np.nan))
    for c in only_mmm:
        rows.append((c, np.nan, np.nan, np.nan, np.nan, mmm[c] / m_total))
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    used = method
    if used is None and "method" in journey_credit.columns:
        used = str(journey_credit["method"].iloc[0])
    table.attrs["method"] = used
    return table


def explain_differences(table: pd.DataFrame, *, threshold: float = 0.05) -> list[str]:
    """A short reading, in plain words, of where and why journey credit and the media mix differ.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`compare_with_mmm`.
    threshold : float, keyword-only
        Differences in share smaller than this (a fraction; 0.05 = 5 points) count as
        agreement.

    Returns
    -------
    list of str
        One sentence per notable channel, plus a summary sentence first.
    """
    shared = table[table["difference"].notna()]
    lines: list[str] = []
    points = threshold * 100
    close = shared[shared["difference"].abs() < threshold]
    lines.append(
        f"On the {len(shared)} channels both sides measure, journey credit and the media mix "
        f"agree within {points:.0f} points for {len(close)}."
    )
    for row in shared[shared["difference"].abs() >= threshold].itertuples(index=False):
        j, m, d = row.journey_share * 100, row.mmm_share * 100, row.difference * 100
        head = (
            f"{row.channel}: journeys give it {j:.1f}% of the shared credit, the media mix "
            f"{m:.1f}% ({d:+.1f} points)."
        )
        if d > 0:
            why = (
                " Journey methods credit touches seen on the way to a purchase whether or not "
                "they changed it, so a channel that meets customers who were going to buy "
                "anyway (search on the brand, email, retargeting) collects more path credit "
                "than the incremental sales the media mix finds."
            )
        else:
            why = (
                " Part of this channel's effect leaves no tracked touch (views, reach, "
                "offline exposure, later visits through other channels): journeys cannot "
                "see it, while the media mix measures it in sales."
            )
        lines.append(head + why)
    for row in table[table["mmm_share_all"].isna() & table["journey_share_all"].notna()].itertuples(
        index=False
    ):
        lines.append(
            f"{row.channel}: {row.journey_share_all * 100:.1f}% of journey credit, with no "
            "media-mix series: a touch that is not bought media (such as direct visits or "
            "store visits) or media the model does not include."
        )
    for row in table[table["journey_share_all"].isna() & table["mmm_share_all"].notna()].itertuples(
        index=False
    ):
        lines.append(
            f"{row.channel}: {row.mmm_share_all * 100:.1f}% of the media-mix contribution, "
            "with no touch in the journeys: typically media without click or visit tracking "
            "(TV, radio, print, out-of-home)."
        )
    return lines
