"""Embedding of the report's static charts: matplotlib figures as base64 PNG data URIs.

The figures are drawn by :mod:`mmm.plotting`; this module only encodes them (PNG at 100
dpi) with their alt text and size.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """An embedded image: ``src`` is a data URI, ``alt`` describes what it shows."""

    src: str
    alt: str
    width: int
    height: int
    kind: str = ""


def encode(fig, alt: str, kind: str = "", *, width: float | None = None) -> Chart:
    """A matplotlib Figure (from :mod:`mmm.plotting`) as an embedded PNG chart.

    ``kind`` names the chart for the template's caption; ``width`` (inches) resizes the
    figure first, keeping its height.
    """
    if width is not None:
        fig.set_size_inches(width, fig.get_size_inches()[1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    w, h = (int(round(v)) for v in fig.get_size_inches() * 100)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return Chart(f"data:image/png;base64,{data}", alt, w, h, kind)
