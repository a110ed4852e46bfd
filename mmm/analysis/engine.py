"""The counterfactual engine: the model's equations in NumPy, evaluated on posterior draws.

Everything downstream of a fit (contributions, ROAS, response curves, budgets,
forecasts) goes through these functions, so the optimizer, the report and the
tables agree with each other and with the model by construction. The equations are
those of :mod:`mmm.model.numpy_eval` (the model layer, which the fit itself uses to
complete its ArviZ groups), re-exported here under their names; the posterior
predictive is added.

Conventions: ``sample`` is the stacked (chain, draw) dim; all returned values are in
original units (currency for revenue outcomes, units for counts).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from mmm.model.numpy_eval import (
    PATHS,
    Params,
    baseline_scaled,
    channel_index,
    contributions,
    contributions_from_response,
    draw_index,
    expected,
    observation_draws,
    posterior_params,
    response,
    to_chain_draw,
)
from mmm.model.numpy_eval import _stack as _stack

__all__ = [
    "PATHS",
    "Params",
    "baseline_scaled",
    "channel_index",
    "contributions",
    "contributions_from_response",
    "draw_index",
    "expected",
    "observation_draws",
    "posterior_params",
    "posterior_predictive",
    "response",
    "to_chain_draw",
]


def posterior_predictive(fit, *, max_draws: int | None = 500, seed: int = 0) -> xr.DataArray:
    """Replicated outcomes (expected + observation noise of each outcome's likelihood),
    dims (sample, date, geo, outcome), original units (see :func:`observation_draws`).

    Parameters
    ----------
    fit : FitResult
    max_draws : int or None, default 500
        Thin the posterior to at most this many draws (None: all; see
        :func:`draw_index`).
    seed : int, default 0
        Seed of the NumPy generator that draws the observation noise.

    Returns
    -------
    xarray.DataArray, dims (sample, date, geo, outcome)
        One replicated outcome per draw and period, in original units (currency for
        revenue outcomes, units for counts; whole counts for negative-binomial outcomes);
        same coords as :func:`expected`, named ``posterior_predictive``.
    """
    mu = expected(fit, max_draws=max_draws)
    idx = draw_index(fit, max_draws)
    rng = np.random.default_rng(seed)
    return mu.copy(data=observation_draws(fit, mu.values, idx, rng)).rename("posterior_predictive")
