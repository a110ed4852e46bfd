"""The simulator's channel catalogue: the default one and the checks of a user-given one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.data._sim_constants import (
    _CATALOGUE_ROWS,
    _CPM,
    _CPM_BY_STAGE,
    _MEAN_SPEND_BY_STAGE,
)
from mmm.errors import DataError
from mmm.names import (
    AWARENESS,
    STAGES,
)

# --------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------


#: Optional catalogue columns that set a series' true return instead of drawing it.
_SET_RETURNS = ("online_roas", "online_mediated_roas", "store_visits_per_euro")


def default_catalogue() -> pd.DataFrame:
    """Media series of the default luxury fashion brand.

    Returns
    -------
    pandas.DataFrame
        One row per series: ``channel``, ``audience``, ``stage`` (``"awareness"`` or
        ``"conversion"``), ``mean_spend`` (euros a week, national), ``description``.
    """
    return pd.DataFrame(
        list(_CATALOGUE_ROWS),
        columns=["channel", "audience", "stage", "mean_spend", "description"],
    )


def _rows(mask: np.ndarray) -> str:
    rows = [str(i + 2) for i in np.flatnonzero(mask)[:5]]
    more = "" if mask.sum() <= 5 else f" (and {int(mask.sum()) - 5} more)"
    return ", ".join(rows) + more


def _label_problems(cat: pd.DataFrame) -> list[str]:
    """Problems of the text columns: empty cells, unknown stages, '|' in names, repeated
    (channel, audience) pairs, a channel with two stages."""
    problems: list[str] = []
    for col in ("channel", "audience", "stage"):
        bad = cat[col].isna().to_numpy() | ~cat[col].map(lambda v: isinstance(v, str)).to_numpy()
        bad |= cat[col].astype(str).str.strip().eq("").to_numpy()
        if bad.any():
            problems.append(
                f"column {col!r} must hold non-empty text; rows {_rows(bad)} do not. Fill them in."
            )
    if not problems:
        bad = ~cat["stage"].isin(STAGES).to_numpy()
        if bad.any():
            problems.append(
                f"column 'stage' must be one of {', '.join(STAGES)}; rows {_rows(bad)} are not."
            )
        bad = (
            cat["channel"].str.contains("|", regex=False).to_numpy()
            | cat["audience"].str.contains("|", regex=False).to_numpy()
        )
        if bad.any():
            problems.append(
                f"channel and audience names may not contain '|'; rows {_rows(bad)} do. "
                "Rename them."
            )
        dup = cat.duplicated(["channel", "audience"], keep=False).to_numpy()
        if dup.any():
            problems.append(
                f"(channel, audience) pairs must be unique; rows {_rows(dup)} repeat a pair. "
                "Keep one row per pair."
            )
        stages = cat.groupby("channel", sort=False)["stage"].nunique()
        for ch in stages[stages > 1].index:
            mask = cat["channel"].eq(ch).to_numpy()
            problems.append(
                f"channel {ch!r} has more than one stage (rows {_rows(mask)}); a channel has "
                "one stage. Use the same stage on every row of the channel."
            )
    return problems


def _number_problems(cat: pd.DataFrame) -> list[str]:
    """Problems of the number columns: spend and CPM not positive, set returns negative, a
    mediated return on a series that is not awareness."""
    problems: list[str] = []
    for col in ("mean_spend", "cpm"):
        if col in cat.columns:
            values = pd.to_numeric(cat[col], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(values) | (values <= 0)
            if bad.any():
                problems.append(
                    f"column {col!r} must be a positive number (euros); rows {_rows(bad)} "
                    "are not. Fix or remove the column to use the defaults."
                )
    for col in _SET_RETURNS:
        if col in cat.columns:
            raw = cat[col]
            values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
            bad = (raw.notna().to_numpy() & ~np.isfinite(values)) | (values < 0)
            if bad.any():
                problems.append(
                    f"column {col!r} must be a number >= 0 (or empty to draw it); rows "
                    f"{_rows(bad)} are not. Fix them or leave them empty."
                )
    if "online_mediated_roas" in cat.columns:
        given = pd.to_numeric(cat["online_mediated_roas"], errors="coerce").notna().to_numpy()
        bad = given & cat["stage"].ne(AWARENESS).to_numpy()
        if bad.any():
            problems.append(
                f"column 'online_mediated_roas' is set on rows {_rows(bad)}, which are not "
                "awareness series; only awareness spend acts through branded search. Leave "
                "those cells empty."
            )
    return problems


def _completed(cat: pd.DataFrame) -> pd.DataFrame:
    """The checked catalogue with every optional column (defaults where absent), in the
    Dataset's series order."""
    stage = cat["stage"].astype(str)
    if "mean_spend" not in cat.columns:
        cat["mean_spend"] = stage.map(_MEAN_SPEND_BY_STAGE).astype(float)
    if "cpm" not in cat.columns:
        cat["cpm"] = [
            _CPM.get(ch, _CPM_BY_STAGE[st]) for ch, st in zip(cat["channel"], stage, strict=True)
        ]
    if "description" not in cat.columns:
        cat["description"] = cat["channel"].astype(str).str.replace("_", " ")
    # series order: channels as first listed, then audiences by name (the Dataset's order)
    first_seen = {ch: i for i, ch in reversed(list(enumerate(cat["channel"].astype(str))))}
    order = sorted(
        range(len(cat)),
        key=lambda i: (first_seen[str(cat["channel"].iloc[i])], str(cat["audience"].iloc[i])),
    )
    cat = cat.iloc[order].reset_index(drop=True)
    stage = stage.iloc[order].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "channel": cat["channel"].astype(str).to_numpy(),
            "audience": cat["audience"].astype(str).to_numpy(),
            "stage": stage.to_numpy(),
            "mean_spend": pd.to_numeric(cat["mean_spend"]).to_numpy(dtype=float),
            "cpm": pd.to_numeric(cat["cpm"]).to_numpy(dtype=float),
            "description": cat["description"].fillna("").astype(str).to_numpy(),
        }
    )
    for col in _SET_RETURNS:
        vals = cat[col] if col in cat.columns else pd.Series(np.nan, index=cat.index)
        out[col] = pd.to_numeric(vals, errors="coerce").to_numpy(dtype=float)
    return out


def _check_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Validate a catalogue; return a cleaned private copy with every optional column."""
    src = "catalogue DataFrame"
    if not isinstance(catalogue, pd.DataFrame):
        raise DataError(
            f"catalogue must be a pandas DataFrame with columns channel, audience, stage; "
            f"got {type(catalogue).__name__}.",
            source=src,
        )
    problems: list[str] = []
    missing = [c for c in ("channel", "audience", "stage") if c not in catalogue.columns]
    if missing:
        problems.append(
            f"column(s) {', '.join(missing)} missing; the catalogue needs channel, audience, "
            "stage (optional: mean_spend, cpm, description)."
        )
        raise DataError(problems, source=src)
    if len(catalogue) == 0:
        raise DataError("the catalogue has no rows; add at least one media series.", source=src)
    cat = catalogue.copy()
    problems += _label_problems(cat)
    problems += _number_problems(cat)
    if problems:
        raise DataError(problems, source=src)
    return _completed(cat)
