"""Number formatting and plain-words phrasing of estimates with uncertainty."""

from __future__ import annotations

import math
from typing import TypeGuard


def is_number(x) -> TypeGuard[float]:
    """True for a finite int or float (not bool, not None, not NaN).

    A type guard: where it is true the value is used as a number.
    """
    if x is None or isinstance(x, bool):
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def mapping(x) -> dict:
    """``x`` when it is a dict, else an empty one: a field of a stored file that older
    versions did not write, or wrote in another shape, reads as empty."""
    return x if isinstance(x, dict) else {}


def _scaled(x: float, digits: int = 3) -> str:
    """``x`` with k / M / bn suffix and ``digits`` significant figures."""
    if x != 0:
        x = float(f"{x:.{digits - 1}e}")  # round first: 999.6 -> 1.00k, not 1,000
    ax = abs(x)
    for div, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if ax >= div:
            return f"{_sig(x / div, digits, whole=False)}{suffix}"
    return _sig(x, digits)


#: Amounts smaller than this (in absolute value) print as ``< 0.01`` rather than in full.
TINY = 0.01


def _sig(x: float, digits: int, whole: bool = True) -> str:
    """``x`` to ``digits`` significant figures, trailing zeros kept (``2.60``, ``950``).

    With ``whole``, a whole number below 1000 prints without decimals (``25``, not ``25.0``).
    """
    if x == 0:
        return "0"
    if whole and abs(x) < 1000 and float(x).is_integer():
        return f"{int(x)}"
    x = float(f"{x:.{digits - 1}e}")
    mag = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - mag)
    return f"{x:,.{decimals}f}"


def money(x, currency: str = "€", digits: int = 3) -> str:
    """Currency amount to 3 significant figures, e.g. ``€1.23M``, ``€2.60``, ``< €0.01``.

    An en dash when unknown. Amounts below one cent (in absolute value) print as
    ``< €0.01`` (``> -€0.01`` when negative) instead of as a long row of zeros.
    """
    if not is_number(x):
        return "–"
    x = float(x)
    if x == 0:
        return f"{currency}0"
    if abs(x) < TINY:
        return f"< {currency}{TINY}" if x > 0 else f"> -{currency}{TINY}"
    sign = "-" if x < 0 else ""
    return f"{sign}{currency}{_scaled(abs(x), digits)}"


def count(x, digits: int = 3) -> str:
    """A count such as store visits, e.g. ``1.20M``; below 0.01 as ``< 0.01``."""
    if not is_number(x):
        return "–"
    x = float(x)
    if x != 0 and abs(x) < TINY:
        return f"< {TINY}" if x > 0 else f"> -{TINY}"
    return _scaled(x, digits)


def ratio(x, digits: int = 3) -> str:
    """A return per currency unit such as ROAS to 3 significant figures, e.g. ``2.35``."""
    return count(x, digits)


def pct(x, digits: int = 0) -> str:
    """A share as a percentage, e.g. ``36%``."""
    if not is_number(x):
        return "–"
    return f"{float(x) * 100:.{digits}f}%"


def prob(p) -> str:
    """A probability in words-ready form, the same rule everywhere: ``over 99%``,
    ``under 1%`` or a whole percentage such as ``64%``."""
    if not is_number(p):
        return "–"
    p = float(p)
    if p > 0.99:
        return "over 99%"
    if p < 0.01:
        return "under 1%"
    return pct(p)


def period_word(freq, n: int | None = None) -> str:
    """``weeks`` / ``days`` / ``months`` for a pandas frequency string (``W-MON``, ``D``).

    Singular when ``n == 1``; ``periods`` when the frequency is unknown.
    """
    f = str(freq or "").upper()
    word = "period"
    if f.startswith("W"):
        word = "week"
    elif f.startswith(("D", "B")):
        word = "day"
    elif f.startswith("M"):
        word = "month"
    return word if n == 1 else word + "s"


def parse_amount(text: str) -> float:
    """Inverse of :func:`money` / :func:`count` for one printed amount (``€1.23M`` -> 1.23e6).

    Used to check rendered text against stored numbers; raises ``ValueError`` on text that is
    not one amount.
    """
    s = str(text).strip().replace(",", "").replace("\u2212", "-")
    s = s.lstrip("€$£").replace("€", "").replace("$", "").replace("£", "")
    mult = 1.0
    for suffix, m in (("bn", 1e9), ("M", 1e6), ("k", 1e3)):
        if s.endswith(suffix):
            s, mult = s[: -len(suffix)], m
            break
    return float(s) * mult


def interval_words(median, lower, upper, fmt) -> str:
    """``"between X and Y, most likely about Z"`` (the interval's level is stated once)."""
    if not is_number(median):
        return "not estimable from this fit"
    if not (is_number(lower) and is_number(upper)):
        return f"most likely about {fmt(median)}"
    return f"between {fmt(lower)} and {fmt(upper)}, most likely about {fmt(median)}"


def interval_short(lower, upper, fmt) -> str:
    """``"X – Y"`` for table cells."""
    if not (is_number(lower) and is_number(upper)):
        return "–"
    return f"{fmt(lower)} – {fmt(upper)}"


def pretty(name) -> str:
    """A data label made readable: ``paid_social`` -> ``paid social``."""
    return str(name).replace("_", " ")


def plan_period_word(start, end, n) -> str:
    """``weeks`` / ``days`` / ``months`` for a plan of ``n`` periods from ``start`` to ``end``.

    The frequency is read from the spacing of the first and last period's dates (7 days:
    weeks; 1 day: days; 28 to 31 days: months); ``periods`` when it cannot be told.
    """
    import pandas as pd

    try:
        n = int(n)
        days = (pd.Timestamp(end) - pd.Timestamp(start)).days / (n - 1) if n > 1 else None
    except (TypeError, ValueError):
        return "periods"
    if days is None:
        return "period" if n == 1 else "periods"
    freq = {7: "W", 1: "D"}.get(round(days)) or ("M" if 28 <= days <= 31 else None)
    return period_word(freq, n)
