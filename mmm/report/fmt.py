"""Number formatting and plain-words phrasing of estimates with uncertainty."""

from __future__ import annotations

import math


def is_number(x) -> bool:
    """True for a finite int or float (not bool, not None, not NaN)."""
    if x is None or isinstance(x, bool):
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _scaled(x: float, digits: int = 3) -> str:
    """``x`` with k / M / bn suffix and ``digits`` significant figures."""
    ax = abs(x)
    for div, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if ax >= div:
            return f"{_sig(x / div, digits)}{suffix}"
    return _sig(x, digits)


def _sig(x: float, digits: int) -> str:
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - mag)
    s = f"{x:,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def money(x, currency: str = "€", digits: int = 3) -> str:
    """Currency amount, e.g. ``€1.23M``; an en dash when unknown."""
    if not is_number(x):
        return "–"
    x = float(x)
    sign = "-" if x < 0 else ""
    return f"{sign}{currency}{_scaled(abs(x), digits)}"


def count(x, digits: int = 3) -> str:
    """A count such as store visits, e.g. ``1.2M``."""
    if not is_number(x):
        return "–"
    return _scaled(float(x), digits)


def ratio(x, digits: int = 3) -> str:
    """A return per currency unit such as ROAS, e.g. ``2.35``."""
    if not is_number(x):
        return "–"
    x = float(x)
    if abs(x) >= 1000:
        return _scaled(x, digits)
    if abs(x) < 0.01 and x != 0:
        return f"{x:.2g}"
    return f"{x:.2f}"


def pct(x, digits: int = 0) -> str:
    """A share as a percentage, e.g. ``36%``."""
    if not is_number(x):
        return "–"
    return f"{float(x) * 100:.{digits}f}%"


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
