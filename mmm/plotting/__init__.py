"""Figures of a fit for analysts; every function returns a matplotlib Figure.

Every function takes a fit (:class:`~mmm.inference.fit.FitResult`) or the computed table
or array of :mod:`mmm.analysis` it draws (the fit's table is computed through that
function: plotting computes no statistics of its own), imports matplotlib lazily and never
calls ``plt.show``. In a notebook the returned figure shows itself; ``fig.savefig(path)``
writes it.

Common arguments:

``outcome``
    Optional. Figures with one panel per outcome (returns, funnel, waterfall, stacked
    contributions, posterior predictive) draw every outcome by default, and only the
    first when ``ax`` is a single Axes. Figures with one panel per series or channel
    (response curves, contributions, adstock) and the rank-odds heatmap draw the first
    outcome by default.
``ax``
    Optional. A matplotlib Axes to draw on (the figure it belongs to is returned) when the
    figure has one panel; an array or list of Axes, one per panel, for several panels
    (e.g. ``plt.subplots(1, 2)[1]``). A count that does not match raises ValueError
    saying how many are needed. Default: a new figure.
``currency``
    Symbol of money axes; default the fit's own (``fit.currency``: the run config's
    ``[optimizer] currency``, stored in ``fit.json``), else ``€`` (as the report).

Labels are display names (``Paid search · prospecting``, from
:func:`mmm.names.display_name`), axes print plain numbers with k / M suffixes, and every
series of a figure has its own colour (:func:`mmm.plotting.color`).

:mod:`mmm.plotting.vega` builds the interactive figures as Vega-Lite specifications, and
:func:`mmm.plotting.ranked.ranked_bars` draws ranked bars from rows already in order
(the report's geo chart).
"""

from mmm.plotting.checks import plot_posterior_predictive, plot_prior_posterior
from mmm.plotting.contributions import (
    plot_contributions,
    plot_media_over_time,
    plot_stacked_contributions,
    plot_waterfall,
)
from mmm.plotting.curves import plot_adstock, plot_response_curves
from mmm.plotting.palette import color, colors
from mmm.plotting.paths import plot_direct_vs_mediated
from mmm.plotting.returns import (
    plot_funnel,
    plot_rank_odds,
    plot_roas,
    plot_spend_vs_effect_share,
)

__all__ = [
    "color",
    "colors",
    "plot_adstock",
    "plot_contributions",
    "plot_direct_vs_mediated",
    "plot_funnel",
    "plot_media_over_time",
    "plot_posterior_predictive",
    "plot_prior_posterior",
    "plot_rank_odds",
    "plot_response_curves",
    "plot_roas",
    "plot_spend_vs_effect_share",
    "plot_stacked_contributions",
    "plot_waterfall",
]
