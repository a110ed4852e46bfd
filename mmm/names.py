"""Canonical names of dimensions, coordinates and default labels."""

from __future__ import annotations

DATE = "date"
GEO = "geo"
CHANNEL = "channel"
AUDIENCE = "audience"
SERIES = "series"  # one media series = one (channel, audience) pair
OUTCOME = "outcome"
CONTROL = "control"
STAGE = "stage"

DEFAULT_AUDIENCE = "all"
DEFAULT_GEO = "all"

AWARENESS = "awareness"
CONVERSION = "conversion"
STAGES = (AWARENESS, CONVERSION)

SERIES_SEP = "|"


def series_label(channel: str, audience: str) -> str:
    """Label of the media series for one (channel, audience) pair, e.g. ``"paid_social|vic"``."""
    return f"{channel}{SERIES_SEP}{audience}"
