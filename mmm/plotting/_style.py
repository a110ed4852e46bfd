"""One style for every figure: sizes, palette, labels, number format, panels.

matplotlib is imported lazily. Shared by every module of :mod:`mmm.plotting`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from mmm.names import SERIES_SEP, display_name
from mmm.plotting.palette import PALETTE, color, colors  # noqa: F401 (used by the figures)

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Neutral colours for what is not a series: the base, spend, prior, observed data.
GREY = "#9A9A9A"
LIGHT_GREY = "#C8C8C8"
BLACK = "#000000"

RC: dict[RcKeyType, Any] = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "figure.titlesize": 12,
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


def label(name) -> str:
    """Display name of a series, channel, component, outcome or parameter element.

    Parameters
    ----------
    name : str
        An id such as ``paid_search|prospecting``, ``paid_search``, ``online_sales`` or
        ``mediator_baseline``.

    Returns
    -------
    str
        ``Paid search · prospecting``, ``Paid search``, ``Online sales``: see
        :func:`mmm.names.display_name`; never contains ``|`` (the parts of longer ids such
        as ``online_sales|all|search`` are joined with ``·``).
    """
    parts = [p for p in str(name).split(SERIES_SEP) if p not in ("", "all")]
    if not parts:
        return display_name(str(name).replace(SERIES_SEP, " ")) if str(name) else ""
    if len(parts) == 2:
        return display_name(parts[0], parts[1])
    head = display_name(parts[0])
    return " · ".join([head, *(display_name(p).lower() for p in parts[1:])])


def short_number(x: float) -> str:
    """A tick value in plain numbers: ``950``, ``2.5``, ``12k``, ``1.2M``, ``3bn``.

    Parameters
    ----------
    x : float

    Returns
    -------
    str
        At most 3 significant figures, no scientific notation.
    """
    if x is None or not math.isfinite(float(x)):
        return ""
    x = float(x)
    if x == 0:
        return "0"
    ax = abs(x)
    for div, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if ax >= div:
            return np.format_float_positional(x / div, precision=3, fractional=False, trim="-") + (
                suffix
            )
    return np.format_float_positional(x, precision=3, fractional=False, trim="-")


def number_formatter(*, prefix: str = "", percent: bool = False):
    """A tick formatter in plain numbers (no offset, no scientific notation).

    Parameters
    ----------
    prefix : str, default ""
        Put before each number, e.g. the currency symbol (``€12k``).
    percent : bool, default False
        Values are shares 0 .. 1, printed as ``45%``.

    Returns
    -------
    matplotlib.ticker.FuncFormatter
    """
    from matplotlib.ticker import FuncFormatter

    if percent:
        return FuncFormatter(lambda v, _: f"{v * 100:.0f}%")

    def fmt(v, _pos=None):
        s = short_number(v)
        if not s:
            return s
        return f"-{prefix}{s[1:]}" if s.startswith("-") else f"{prefix}{s}"

    return FuncFormatter(fmt)


def plain_axis(axis, *, prefix: str = "", percent: bool = False) -> None:
    """Give one axis (``ax.xaxis`` or ``ax.yaxis``) :func:`number_formatter` ticks.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
    prefix : str, default ""
    percent : bool, default False

    Returns
    -------
    None
    """
    axis.set_major_formatter(number_formatter(prefix=prefix, percent=percent))


def outcome_label(outcome) -> str:
    """``online_sales`` -> ``Online sales``.

    Parameters
    ----------
    outcome : str

    Returns
    -------
    str
    """
    return label(outcome)


# ---------------------------------------------------------------- inputs and panels


def is_fit(obj) -> bool:
    """True when ``obj`` is a :class:`~mmm.inference.fit.FitResult`.

    Parameters
    ----------
    obj : Any

    Returns
    -------
    bool
    """
    from mmm.inference.fit import FitResult

    return isinstance(obj, FitResult)


def outcome_kinds(fit) -> dict[str, str]:
    """Outcome name -> ``revenue`` or ``count`` from a fit's spec (empty without a fit).

    Parameters
    ----------
    fit : FitResult or None

    Returns
    -------
    dict of str -> str
    """
    if fit is None:
        return {}
    return {o.name: o.kind for o in fit.spec.outcomes}


def pick_outcomes(available, outcome, *, ax=None, first: bool = False) -> list[str]:
    """The outcomes a figure draws.

    Parameters
    ----------
    available : sequence of str
        Outcomes in the data, in order.
    outcome : str, sequence of str or None
        Asked for; None: every available outcome, or only the first when ``first`` is set
        or ``ax`` is a single Axes.
    ax : matplotlib.axes.Axes, array of Axes or None
    first : bool, default False

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        An asked outcome that is not in the data (the message lists those that are).
    """
    available = [str(o) for o in dict.fromkeys(available)]
    if outcome is None:
        if not available:
            raise ValueError("the data holds no outcome to draw.")
        single = first or (ax is not None and not _is_many(ax))
        return available[:1] if single else available
    asked = [outcome] if isinstance(outcome, str) else [str(o) for o in outcome]
    missing = [o for o in asked if o not in available]
    if missing:
        raise ValueError(
            f"outcome {', '.join(map(repr, missing))} is not in the data; "
            f"choose from {', '.join(map(repr, available))}."
        )
    return asked


def _is_many(ax) -> bool:
    return isinstance(ax, list | tuple | np.ndarray)


def panels(
    ax,
    n: int,
    *,
    ncols: int = 1,
    width: float = 8.0,
    height: float = 3.0,
    sharex: bool = False,
    sharey: bool = False,
):
    """The figure and ``n`` axes to draw on: new ones, or those given.

    Parameters
    ----------
    ax : None, matplotlib.axes.Axes or array of Axes
        None: a new figure with a grid of ``n`` panels (``ncols`` wide; unused cells
        removed). One Axes: drawn there (only when ``n == 1``). An array (or list) of
        ``n`` Axes: one panel on each, in order (e.g. from ``plt.subplots``).
    n : int
        Number of panels.
    ncols : int, default 1
        Columns of a new grid (at most ``n``).
    width, height : float
        Size of a new figure: its width, and the height of one row of panels (inches).
    sharex, sharey : bool, default False
        Shared scales of a new grid.

    Returns
    -------
    (fig, axes) : tuple
        The figure the axes belong to, and a list of ``n`` Axes.

    Raises
    ------
    ValueError
        When the axes given are not ``n``.
    """
    if ax is None:
        ncols = max(1, min(ncols, n))
        nrows = math.ceil(n / ncols)
        fig, grid = figure(
            nrows,
            ncols,
            width=width,
            height=height * nrows + 0.6,
            squeeze=False,
            sharex=sharex,
            sharey=sharey,
        )
        flat = list(grid.ravel())
        for extra in flat[n:]:
            extra.remove()
        if sharex and nrows > 1:  # the panels above a removed cell keep their x tick labels
            for a in flat[n - ncols : ncols * (nrows - 1)] if n % ncols else []:
                a.xaxis.set_tick_params(which="both", labelbottom=True)
        return fig, flat[:n]
    axes = list(np.ravel(np.asarray(ax, dtype=object))) if _is_many(ax) else [ax]
    if len(axes) != n:
        raise ValueError(
            f"this figure draws {n} panel(s) but ax= holds {len(axes)} axes: pass ax=None "
            f"(a new figure) or {n} axes (e.g. plt.subplots(1, {n})[1]), or ask for fewer "
            "panels (outcome=, series=, channels= or variable=)."
        )
    for a in axes:
        style_axes(a)
    return axes[0].figure, axes


def outer_labels(axes, *, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Axis labels on the bottom row (x) and the left column (y) of a grid of panels.

    Parameters
    ----------
    axes : list of matplotlib.axes.Axes
    xlabel, ylabel : str, optional

    Returns
    -------
    None
    """
    for a in axes:
        spec = a.get_subplotspec() if hasattr(a, "get_subplotspec") else None
        last_row = spec is None or spec.is_last_row() or _nothing_below(a, axes)
        first_col = spec is None or spec.is_first_col()
        if xlabel is not None and last_row:
            a.set_xlabel(xlabel)
        if ylabel is not None and first_col:
            a.set_ylabel(ylabel)


def _nothing_below(a, axes) -> bool:
    spec = a.get_subplotspec()
    rows, cols = spec.rowspan, spec.colspan
    for b in axes:
        s = b.get_subplotspec() if b is not a else None
        if s is None or s.get_gridspec() is not spec.get_gridspec():
            continue
        if s.rowspan.start >= rows.stop and set(s.colspan) & set(cols):
            return False
    return True


def panel_title(ax, text: str) -> None:
    """Title of a small panel: smaller type, a long display name broken at its ``·``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    text : str

    Returns
    -------
    None
    """
    if len(text) > 22 and " · " in text:
        text = text.replace(" · ", "\n", 1)
    ax.set_title(text, fontsize=9)


def finish(fig, ax_given, title: str | None) -> None:
    """Set the figure title of a new figure (a figure given through ``ax=`` keeps its own).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    ax_given : bool
        Whether the axes came from the caller.
    title : str or None

    Returns
    -------
    None
    """
    if title and not ax_given:
        fig.suptitle(title)


#: Currency symbol used when neither the call nor the fit names one (as in the report).
DEFAULT_CURRENCY = "€"


def currency_of(fit, currency: str | None) -> str:
    """The currency symbol of a figure: the one place every plotting module resolves it.

    Parameters
    ----------
    fit : FitResult or None
    currency : str or None
        Asked for; wins when given.

    Returns
    -------
    str
        ``currency``, else the fit's own (:attr:`FitResult.currency
        <mmm.inference.fit.FitResult>`: the run config's ``[optimizer] currency``, stored
        in ``fit.json``), else :data:`DEFAULT_CURRENCY` (``€``, the report's default).
    """
    if currency:
        return currency
    return getattr(fit, "currency", None) or DEFAULT_CURRENCY


def fit_and_table(data, compute):
    """The fit a figure was given (or None) and the table it draws.

    Parameters
    ----------
    data : FitResult or a table of :mod:`mmm.analysis`
    compute : callable
        ``compute(fit)`` gives the table from a fit (an :mod:`mmm.analysis` function).

    Returns
    -------
    (fit, table) : tuple
        ``(data, compute(data))`` for a fit; ``(None, data)`` for a table.
    """
    if is_fit(data):
        return data, compute(data)
    return None, data
