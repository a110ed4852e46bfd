"""The colours of every figure: one colour-blind safe palette that never repeats a colour."""

from __future__ import annotations

import colorsys

#: Okabe-Ito's colour-blind safe colours first (black kept for observed data, yellow
#: swapped for a darker olive that shows on white), then Paul Tol's indigo, wine, sand and
#: teal and a brown, each far from the others; :func:`color` goes on past these with
#: generated hues, never repeating one.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#999933",
    "#332288",
    "#882255",
    "#DDCC77",
    "#8C564B",
    "#44AA99",
)


def color(i: int) -> str:
    """The ``i``-th colour: no two values of ``i`` give the same colour.

    Parameters
    ----------
    i : int
        Position (0, 1, 2, ...): the 12 colours of :data:`PALETTE` first (colour-blind
        safe Okabe-Ito colours, then Paul Tol's), then hues spaced by the golden ratio, so
        that one figure never draws two series in the same colour however many it has.

    Returns
    -------
    str
        A hex colour, ``"#rrggbb"``.

    Raises
    ------
    ValueError
        For a negative ``i``.
    """
    i = int(i)
    if i < 0:
        raise ValueError(f"color(i) takes i >= 0, got {i}.")
    if i < len(PALETTE):
        return PALETTE[i]
    k = i - len(PALETTE)
    hue = (0.13 + k * 0.6180339887498949) % 1.0
    light = (0.35, 0.5, 0.65)[k % 3]
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.75)
    return "#{:02X}{:02X}{:02X}".format(*(round(c * 255) for c in (r, g, b)))


def colors(n: int) -> list[str]:
    """The first ``n`` colours of :func:`color`, all different.

    Parameters
    ----------
    n : int
        How many.

    Returns
    -------
    list of str
        Hex colours.
    """
    return [color(i) for i in range(n)]


#: Colour of each funnel stage in the report's charts (awareness purple, conversion blue);
#: a bar of any other kind (a geo) is drawn in :data:`NEUTRAL`.
STAGE_COLOURS = {"awareness": "#6a51a3", "conversion": "#2171b5"}
#: Hatching of each funnel stage, so that the stages differ without colour too.
STAGE_HATCHES = {"awareness": "///", "conversion": ""}
NEUTRAL = "#6b6b6b"
