"""Data warnings (not errors): zero or constant series, too few periods, highly correlated
spend."""

from __future__ import annotations

import numpy as np

from mmm.data.checks import (
    _FREQ_WORD,
    CORRELATION_WARNING,
    MIN_PERIODS,
    _family,
)

# --------------------------------------------------------------------------- data warnings


def data_warnings(
    spend: np.ndarray,
    *,
    series: list[str],
    freq: str,
    n_controls: int,
) -> list[str]:
    """Warnings about usable but suspicious data.

    Parameters
    ----------
    spend : numpy.ndarray
        Spend, dims ``(date, geo, series)``, currency.
    series : list of str
        Series labels, in the order of the last axis.
    freq : str
        Pandas offset alias of the dates.
    n_controls : int
        Number of control variables.

    Returns
    -------
    list of str
        One message per finding: series that are all zero or constant; fewer periods than
        a model needs (with a rough parameter count); pairs of series whose spend
        correlation exceeds :data:`CORRELATION_WARNING` in absolute value.
    """
    out: list[str] = []
    n_dates, n_geos, n_series = spend.shape
    flat = spend.reshape(n_dates * n_geos, n_series)
    for k, name in enumerate(series):
        column = flat[:, k]
        if np.all(column == 0):
            out.append(
                f"spend of series {name!r} is zero in every period and geo; its effect cannot "
                "be estimated. Check the export, or leave the channel out."
            )
        elif np.all(column == column[0]):
            out.append(
                f"spend of series {name!r} is constant ({column[0]:g} in every period and "
                "geo); its effect cannot be told apart from the baseline."
            )
    family = _family(freq)
    threshold = MIN_PERIODS[family]
    baseline = 14 if family == "D" else 8
    n_params = 4 * n_series + n_controls + baseline + (n_geos - 1)
    count = (
        f"A model of this data has roughly {n_params} parameters per outcome (about 4 per "
        f"media series x {n_series}, 1 per control x {n_controls}, about {baseline} for trend, "
        f"seasonality and noise, {n_geos - 1} geo offsets) and needs about 2x as many "
        f"observations ({2 * n_params})"
    )
    if n_dates < threshold:
        out.append(
            f"only {n_dates} {_FREQ_WORD[family]} periods (at least {threshold} recommended "
            f"to separate media from seasonality). {count}; expect wide intervals and strong "
            "prior influence."
        )
    elif n_dates * n_geos < 2 * n_params:
        out.append(
            f"{n_dates} {_FREQ_WORD[family]} periods x {n_geos} geo(s) = "
            f"{n_dates * n_geos} observations per outcome is few for this many series. "
            f"{count}; expect wide intervals and strong prior influence."
        )
    for a, b, r in spend_correlations(flat, series, threshold=CORRELATION_WARNING):
        out.append(
            f"spend of series {a!r} and {b!r} is highly correlated (r = {r:.3f}); their "
            "effects will be hard to separate. Consider informative priors or combining them."
        )
    return out


def spend_correlations(flat: np.ndarray, series: list[str], *, threshold: float) -> list:
    """Pairs of series whose spend correlation exceeds ``threshold`` in absolute value.

    Parameters
    ----------
    flat : numpy.ndarray
        Spend, dims ``(cell, series)`` (dates x geos stacked), currency.
    series : list of str
        Series labels.
    threshold : float
        Absolute correlation above which a pair is returned.

    Returns
    -------
    list of tuple (str, str, float)
        Pairs sorted by decreasing absolute correlation; series with constant spend are
        skipped (their correlation is undefined).
    """
    varying = [k for k in range(flat.shape[1]) if not np.all(flat[:, k] == flat[0, k])]
    pairs = []
    if len(varying) >= 2:
        corr = np.corrcoef(flat[:, varying], rowvar=False)
        for a in range(len(varying)):
            for b in range(a + 1, len(varying)):
                r = float(corr[a, b])
                if np.isfinite(r) and abs(r) > threshold:
                    pairs.append((series[varying[a]], series[varying[b]], r))
    pairs.sort(key=lambda p: -abs(p[2]))
    return pairs
