"""One style for every figure: sizes, palette, grid; matplotlib imported lazily."""

from __future__ import annotations

PALETTE = (
    "#1f4e79",
    "#d9822b",
    "#3a7d44",
    "#a23b72",
    "#6c757d",
    "#c0392b",
    "#17a2b8",
    "#8e6c8a",
    "#b8860b",
    "#2e8b57",
    "#4682b4",
    "#cd5c5c",
)
RC = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
}


def figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    width: float = 8.0,
    height: float = 4.5,
    squeeze: bool = True,
    **kw,
):
    """A new Figure and its axes in the package style (no pyplot state is kept).

    Parameters
    ----------
    nrows, ncols : int, default 1
        Grid of subplots.
    width : float, default 8.0
        Figure width in inches.
    height : float, default 4.5
        Figure height in inches.
    squeeze : bool, default True
        As in :meth:`matplotlib.figure.Figure.subplots`: drop length-1 grid dims (a
        single Axes for a 1 x 1 grid); False: always a 2-D array (nrows, ncols).
    **kw : Any
        Passed on to :meth:`matplotlib.figure.Figure.subplots` (e.g. ``sharex``).

    Returns
    -------
    (fig, axes) : tuple
        A :class:`matplotlib.figure.Figure` with constrained layout, and its Axes (one
        Axes, or a NumPy array of Axes, as ``squeeze`` says).
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context(RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=squeeze, **kw)
    return fig, axes


def style_axes(ax) -> None:
    """Apply the package style to an axes created outside :func:`figure`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Styled in place: top and right spines hidden, a light grid.

    Returns
    -------
    None
    """
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, alpha=0.3)


def color(i: int) -> str:
    """The ``i``-th colour of the palette (cycling).

    Parameters
    ----------
    i : int
        Position in the palette; wraps around after its 12 colours (negative values
        count from the end).

    Returns
    -------
    str
        A hex colour, ``"#rrggbb"``.
    """
    return PALETTE[i % len(PALETTE)]
