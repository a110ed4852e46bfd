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


#: Words printed in capitals in display names.
ACRONYMS = {"crm", "vic", "tv", "ctv", "ooh", "dooh", "seo", "sem", "sms", "dm"}


def _words(name) -> str:
    words = str(name).replace("_", " ").split()
    return " ".join(w.upper() if w.lower() in ACRONYMS else w for w in words)


def display_name(channel, audience="all", geo="all") -> str:
    """Readable name of a channel line, e.g. ``Paid search · retargeting``.

    Parameters
    ----------
    channel : str
        Channel id (``paid_search``); a series label ``channel|audience`` is split.
    audience : str, default "all"
        Audience id; ``all`` (or empty) is left out.
    geo : str, default "all"
        Geo id, added in brackets unless ``all``.

    Returns
    -------
    str
        Underscores read as spaces, known acronyms in capitals (``CRM``, ``TV``), first
        letter capitalised, audience after a middle dot; never contains ``|``.
    """
    channel = str(channel)
    if SERIES_SEP in channel and audience in (None, "", DEFAULT_AUDIENCE):
        channel, audience = channel.split(SERIES_SEP, 1)
    name = _words(channel)
    name = name[:1].upper() + name[1:]
    if audience not in (None, "", DEFAULT_AUDIENCE):
        name += f" · {_words(audience)}"
    if geo not in (None, "", DEFAULT_GEO):
        name += f" ({geo})"
    return name
