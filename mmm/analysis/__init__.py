"""What a fit says: contributions, returns, funnel, online-to-store effects, curves, checks.

Every function reads a saved :class:`~mmm.inference.fit.FitResult` (never a live PyMC
model) and returns labelled xarray objects or tidy pandas DataFrames in original units.
"""

from mmm.analysis.curves import (
    adstock_curves,
    curve_points,
    curve_table,
    marginal_curve,
    response_curves,
)
from mmm.analysis.data_checks import model_residuals, residual_checks, stl_decomposition, vif
from mmm.analysis.decompose import component_totals, contributions_over_time, decompose
from mmm.analysis.engine import (
    contributions,
    expected,
    posterior_params,
    posterior_predictive,
    response,
    to_chain_draw,
)
from mmm.analysis.frequentist import (
    FrequentistResult,
    compare_estimates,
    frequentist_baseline,
    media_features,
)
from mmm.analysis.funnel import (
    awareness_paths,
    carryover,
    funnel_shares,
    path_identification,
    path_split,
    stage_shares,
)
from mmm.analysis.geo import geo_attributes, geo_table
from mmm.analysis.known import fit_from_params
from mmm.analysis.measures import combined_value, marginal_draws, return_measures
from mmm.analysis.online_store import (
    audience_cost_stats,
    audience_costs,
    cost_per_visit_by_group,
    media_driven_shares,
    near_store_vs_broad,
    outcome_shares,
    store_value_share_stats,
    store_value_shares,
)
from mmm.analysis.priors import prior_draws, prior_posterior
from mmm.analysis.ranking import best_odds, pairwise_beats, rank_draws, rank_table
from mmm.analysis.returns import (
    channel_roas_draws,
    contribution_table,
    contribution_totals,
    media_total_stats,
    media_totals,
    roas_draws,
    roas_table,
    spend_totals,
)
from mmm.analysis.summary import summarize_draws
from mmm.analysis.validation import (
    Backtest,
    backtest_averages,
    crps_ensemble,
    forecast_metrics,
    holdout,
    in_sample_metrics,
    predict,
    predictive_checks,
    rolling_origin,
)

__all__ = [
    "Backtest",
    "FrequentistResult",
    "adstock_curves",
    "audience_cost_stats",
    "audience_costs",
    "awareness_paths",
    "backtest_averages",
    "best_odds",
    "path_identification",
    "carryover",
    "channel_roas_draws",
    "combined_value",
    "compare_estimates",
    "component_totals",
    "contribution_table",
    "contribution_totals",
    "contributions",
    "contributions_over_time",
    "cost_per_visit_by_group",
    "crps_ensemble",
    "curve_points",
    "curve_table",
    "decompose",
    "expected",
    "fit_from_params",
    "forecast_metrics",
    "frequentist_baseline",
    "funnel_shares",
    "geo_attributes",
    "geo_table",
    "holdout",
    "in_sample_metrics",
    "marginal_curve",
    "marginal_draws",
    "media_driven_shares",
    "media_features",
    "media_total_stats",
    "media_totals",
    "model_residuals",
    "near_store_vs_broad",
    "outcome_shares",
    "pairwise_beats",
    "path_split",
    "posterior_params",
    "posterior_predictive",
    "predict",
    "predictive_checks",
    "prior_draws",
    "prior_posterior",
    "rank_draws",
    "rank_table",
    "residual_checks",
    "response",
    "response_curves",
    "return_measures",
    "roas_draws",
    "roas_table",
    "rolling_origin",
    "spend_totals",
    "stage_shares",
    "stl_decomposition",
    "store_value_share_stats",
    "store_value_shares",
    "summarize_draws",
    "to_chain_draw",
    "vif",
]
