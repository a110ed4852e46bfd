"""Figures from computed analysis results; every function returns a matplotlib Figure.

Functions take the tables and arrays of :mod:`mmm.analysis` (never a live model), import
matplotlib lazily and never call ``plt.show``.
"""

from mmm.plotting.checks import plot_posterior_predictive, plot_prior_posterior
from mmm.plotting.contributions import plot_stacked_contributions, plot_waterfall
from mmm.plotting.curves import plot_adstock, plot_response_curves
from mmm.plotting.returns import plot_funnel, plot_rank_odds, plot_roas

__all__ = [
    "plot_adstock",
    "plot_funnel",
    "plot_posterior_predictive",
    "plot_prior_posterior",
    "plot_rank_odds",
    "plot_response_curves",
    "plot_roas",
    "plot_stacked_contributions",
    "plot_waterfall",
]
