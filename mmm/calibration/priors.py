"""Priors from past studies: per-channel ROAS (or cost per unit) overriding the default.

In the model each channel's return per currency unit has a log-normal prior,
``log roas[outcome, channel] ~ Normal(log median, sigma)`` (the channel mean of its
audiences). ``PriorSpec.roas_priors`` sets ``median`` and ``sigma`` per channel and
outcome from earlier experiments or studies::

    {"paid_search": {"online_sales": {"median": 2.5, "sigma": 0.3},
                     "store_visits": {"cost_per_unit": 12.0, "sigma": 0.4}}}

``cost_per_unit`` (currency per visit) is the inverse of the return: median ``1 / c``.
"""

from __future__ import annotations

import numpy as np

from mmm.errors import SpecError
from mmm.spec import _thaw, check_roas_priors

__all__ = ["apply_roas_priors", "calibrated_channels", "check_roas_priors"]


def apply_roas_priors(spec, channels, log_prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prior location and spread of ``log roas_channel`` after the past-study overrides.

    Parameters
    ----------
    spec : ModelSpec
    channels : list of str
        The data's channels, in model order.
    log_prior : ndarray, dims (outcome, channel)
        Default prior medians (log scale).

    Returns
    -------
    log_median, sigma : ndarray, dims (outcome, channel)

    Raises
    ------
    SpecError
        A channel of ``roas_priors`` is not in the data.
    """
    priors = _thaw(spec.priors.roas_priors)
    mu = np.array(log_prior, dtype=float)
    sigma = np.full_like(mu, spec.priors.roas_prior_sigma)
    outs = list(spec.outcome_names)
    for ch, per in priors.items():
        if ch not in channels:
            raise SpecError(
                f"roas_priors names channel {ch!r}, which the data does not have; channels: "
                f"{list(channels)}."
            )
        c = channels.index(ch)
        for out, d in per.items():
            k = outs.index(out)
            med = d["median"] if "median" in d else 1.0 / d["cost_per_unit"]
            mu[k, c] = np.log(med)
            sigma[k, c] = d.get("sigma", spec.priors.roas_prior_sigma)
    return mu, sigma


def calibrated_channels(spec) -> list[dict]:
    """The past-study priors of ``spec`` as records (channel, outcome, median, sigma)."""
    recs = []
    for ch, per in _thaw(spec.priors.roas_priors).items():
        for out, d in per.items():
            med = d["median"] if "median" in d else 1.0 / d["cost_per_unit"]
            recs.append(
                {
                    "channel": ch,
                    "outcome": out,
                    "median": float(med),
                    "cost_per_unit": d.get("cost_per_unit"),
                    "sigma": float(d.get("sigma", spec.priors.roas_prior_sigma)),
                }
            )
    return recs
