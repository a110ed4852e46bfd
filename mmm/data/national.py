r"""National media in geo data: media bought nationally, spread over geos.

A geo data set may mix media bought per geo (rows with a geo label) and media bought
nationally (rows whose ``geo`` is ``"national"``). The national rows of a series are
replaced by one row per geo of the geos table, each carrying the geo's share of the
spend and impressions::

    spend[t, g, s] = share_g * spend[t, national, s],   share_g = P_g / sum_h P_h

with :math:`P_g` the ``population`` column of the geos table (the default), or another
column of it (``shops``, ``near_store_population``) when ``by`` names one. Shares sum
to 1, so the geo spend adds up to the national spend (to floating-point precision). The
spread is recorded in the dataset's ``repairs``, and the model then treats the series as
bought in every geo (its per-geo effects are pooled like any other series).

A series is either national or geo on a given date: a (date, series) with both a
national row and geo rows is an error (add the national buy into the geo rows, or give
it its own audience label such as ``"national"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.names import AUDIENCE, CHANNEL, DATE, GEO, series_label

#: Geo label of media rows bought nationally.
NATIONAL_GEO = "national"
#: Geo-table columns that national media can be spread by.
SPREAD_COLUMNS = ("population", "shops", "near_store_population")


def geo_shares(geo_table: pd.DataFrame, by: str = "population") -> pd.Series | None:
    """Share of each geo by column ``by`` of the validated geos table (None if unusable)."""
    if geo_table is None or by not in geo_table.columns:
        return None
    vals = pd.to_numeric(geo_table[by], errors="coerce").astype(float)
    if vals.isna().any() or not np.isfinite(vals).all() or vals.sum() <= 0:
        return None
    return pd.Series(vals.to_numpy() / vals.sum(), index=geo_table[GEO].astype(str).to_numpy())


def _mixed_series(nat: pd.DataFrame, geo_rows: pd.DataFrame) -> str | None:
    """The problem of series bought both nationally and per geo on the same date (None when
    there are none)."""
    key = [DATE, CHANNEL, AUDIENCE]
    both = nat[key].merge(geo_rows[key].drop_duplicates(), on=key, how="inner")
    if not len(both):
        return None
    labels = sorted(
        {series_label(c, a) for c, a in zip(both[CHANNEL], both[AUDIENCE], strict=True)}
    )
    return (
        f"series {labels[:10]} have both national rows and geo "
        f"rows on {len(both)} date(s) (e.g. {pd.Timestamp(both[DATE].iloc[0]).date()}). A "
        "series is bought either nationally or per geo on a date. Fix: add the national "
        "buy into the geo rows, or give it its own audience (e.g. 'national')."
    )


def _spread_rows(nat: pd.DataFrame, shares: pd.Series) -> pd.DataFrame:
    """Each national row repeated once per geo, its spend (and impressions) times the geo's
    share."""
    n_g = len(shares)
    spread = nat.loc[nat.index.repeat(n_g)].reset_index(drop=True)
    share_col = np.tile(shares.to_numpy(), len(nat))
    spread[GEO] = np.tile(shares.index.to_numpy(dtype=object), len(nat))
    spread["spend"] = spread["spend"].to_numpy(dtype=float) * share_col
    if "impressions" in spread.columns:
        spread["impressions"] = spread["impressions"].to_numpy(dtype=float) * share_col
    return spread


def spread_national(
    media: pd.DataFrame,
    geo_table: pd.DataFrame | None,
    *,
    by: str = "population",
    media_label: str = "media",
    geos_label: str | None = None,
) -> tuple[pd.DataFrame, list[str], str | None]:
    """Replace the national rows of a long media table by per-geo rows.

    Parameters
    ----------
    media : pandas.DataFrame
        Validated long media table (``date``, ``geo``, ``channel``, ``audience``,
        ``spend`` [currency], optional ``impressions``).
    geo_table : pandas.DataFrame or None
        Validated geos table (``geo`` and the column ``by``).
    by : str
        Column of the geos table giving each geo's share (``population`` by default).
    media_label, geos_label : str
        Source labels used in messages.

    Returns
    -------
    media : pandas.DataFrame
        The table with national rows replaced (geo rows first, in their order, then the
        spread rows); unchanged when there are no national rows.
    problems : list of str
        Why the national rows cannot be spread (empty when fine).
    note : str or None
        A record of what was spread, for the dataset's repairs.
    """
    is_nat = media[GEO].astype(str).eq(NATIONAL_GEO).to_numpy()
    if not is_nat.any():
        return media, [], None
    rows = np.flatnonzero(is_nat)
    shown = ", ".join(str(r + 2) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
    if by not in SPREAD_COLUMNS:
        return (
            media,
            [f"national media can be spread by {list(SPREAD_COLUMNS)}; got by={by!r}."],
            None,
        )
    shares = geo_shares(geo_table, by)
    if shares is None:
        where = (
            "no geos table was given"
            if geo_table is None
            else (f"the geos table ({geos_label}) has no complete, positive {by!r} column")
        )
        return (
            media,
            [
                f"{len(rows)} row(s) have geo {NATIONAL_GEO!r} (rows "
                f"{shown}): national media are spread over geos by {by}, but {where}. Fix: give "
                f"a geos table with a {by!r} for every geo, or put these rows under a geo label."
            ],
            None,
        )
    nat = media.loc[is_nat]
    geo_rows = media.loc[~is_nat]
    mixed = _mixed_series(nat, geo_rows)
    if mixed:
        return media, [mixed], None
    n_g = len(shares)
    out = pd.concat([geo_rows, _spread_rows(nat, shares)], ignore_index=True)
    series = sorted({series_label(c, a) for c, a in zip(nat[CHANNEL], nat[AUDIENCE], strict=True)})
    note = (
        f"spread {len(nat)} national media row(s) of series {series} over {n_g} geos in "
        f"proportion to {by} (geo {NATIONAL_GEO!r} in {media_label})."
    )
    return out, [], note
