"""Embedding of the report's interactive charts: Vega-Lite specifications drawn by vega-embed.

The specifications are built by :mod:`mmm.plotting.vega`; this module only embeds them.
The Vega, Vega-Lite and vega-embed libraries are inlined once into the HTML file (from
``vl-convert-python``, which bundles them), so the charts hover, zoom and pan with no
network.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class VegaChart:
    """A chart drawn in the browser: ``spec`` is Vega-Lite JSON, ``alt`` says what it shows."""

    spec: str
    alt: str
    kind: str = ""
    id: str = ""
    interactive: bool = True


#: Defined by a complete bundle: a cached file without it is built again.
_MARK = "window.vegaEmbed="


@lru_cache(maxsize=1)
def javascript() -> str:
    """The Vega + Vega-Lite + vega-embed bundle, defining ``window.vegaEmbed``.

    vl-convert builds it in 1-3 s; it is kept once per machine and version in
    :func:`mmm.inference.cache_paths.cache_dir` ``("report")``. An unreadable or unwritable
    cache only costs that time.
    """
    import vl_convert
    from altair.utils.html import vl_version_for_vl_convert

    from mmm.inference.cache_paths import cache_dir, write_atomic

    vl_version = vl_version_for_vl_convert()
    version = getattr(vl_convert, "__version__", "unknown")
    path = cache_dir("report") / f"vega-bundle-{version}-vl{vl_version}.js"
    try:
        text = path.read_text(encoding="utf-8")
        if _MARK in text:
            return text
    except (OSError, UnicodeDecodeError):
        pass
    # vl-convert's stub makes ``snippet`` required; at run time it defaults to the bundle
    # that defines the globals
    text = vl_convert.javascript_bundle(vl_version=vl_version)  # type: ignore[call-arg]
    with contextlib.suppress(OSError):  # the cache is an optimisation only
        write_atomic(path, text)
    return text


def to_chart(spec: dict, *, alt: str, kind: str = "") -> VegaChart:
    """A Vega-Lite specification (from :mod:`mmm.plotting.vega`) as an embeddable chart.

    The JSON is safe inside a ``<script>`` element; the id comes from the content, so a
    rebuilt report is the same byte for byte.
    """
    text = json.dumps(spec, separators=(",", ":"), default=str).replace("</", "<\\/")
    digest = hashlib.sha1(f"{kind}\n{alt}\n{text}".encode()).hexdigest()[:12]
    return VegaChart(text, alt, kind, f"chart-{digest}")
