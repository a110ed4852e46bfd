"""Sampler diagnostics: R-hat, effective sample size, divergences, BFMI.

What they mean for the fit (the checks, their thresholds and the verdict) is the health
policy of :mod:`mmm.inference.health`.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mmm.errors import ConvergenceWarning
from mmm.inference.health import ESS_MIN as ESS_MIN  # the policy's figures, kept importable here
from mmm.inference.health import RHAT_MAX as RHAT_MAX
from mmm.inference.health import Health, assess


@dataclass(frozen=True)
class Diagnostics:
    """Summary of sampler health over all free parameters.

    Attributes
    ----------
    max_rhat : float
        Largest rank-normalised split R-hat (NaN for quick fits).
    min_ess_bulk, min_ess_tail : float
        Smallest bulk and tail effective sample sizes.
    divergences : int
        Divergent transitions after tuning.
    min_bfmi : float
        Smallest per-chain Bayesian fraction of missing information.
    n_draws, n_chains : int
    method : str
        ``"nuts"`` or a quick method (``"map"``, ``"advi"``, ``"pathfinder"``).
    """

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    n_draws: int
    n_chains: int
    method: str = "nuts"

    def health(self, *, ess_min: float | None = None) -> Health:
        """The checks and verdict of the health policy (:func:`mmm.inference.health.assess`).

        Parameters
        ----------
        ess_min : float, optional
            The smallest min bulk ESS that passes (default :data:`~mmm.inference.health.ESS_MIN`).

        Returns
        -------
        Health
        """
        return assess(self, ess_min=ess_min)

    def problems(self, *, ess_min: float | None = None) -> list[str]:
        """The health policy's checks that are not PASS, one message each with what to do;
        empty when healthy (see :mod:`mmm.inference.health`)."""
        return self.health(ess_min=ess_min).problems

    def to_dict(self) -> dict:
        """Plain dict for JSON (non-finite numbers as None)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float) and not np.isfinite(v):
                d[k] = None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Diagnostics:
        """Inverse of :meth:`to_dict` (None read back as NaN)."""
        kw: dict[str, Any] = {k: (float("nan") if v is None else v) for k, v in d.items()}
        return cls(**kw)


def free_variable_names(idata) -> list[str]:
    """Posterior variables that are sampled (not deterministic) in ``idata``."""
    stored = idata.posterior.attrs.get("free_variables")
    if stored:
        return [v for v in str(stored).split(",") if v in idata.posterior]
    return list(idata.posterior.data_vars)


def compute_diagnostics(
    idata, *, var_names: list[str] | None = None, method: str = "nuts"
) -> Diagnostics:
    """Compute :class:`Diagnostics` from an InferenceData."""
    import arviz as az

    post = idata.posterior
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    if method != "nuts":
        return Diagnostics(np.nan, np.nan, np.nan, 0, np.nan, n_draws, n_chains, method)
    names = var_names or free_variable_names(idata)
    sub = post[names]
    rhat = az.rhat(sub) if n_chains > 1 else None
    ess_b = az.ess(sub, method="bulk")
    ess_t = az.ess(sub, method="tail")

    def _extreme(ds, fn):
        vals = [fn(np.asarray(ds[v].values, dtype=float)) for v in ds.data_vars if ds[v].size]
        vals = [v for v in vals if np.isfinite(v)]
        return float(fn(np.array(vals))) if vals else float("nan")

    max_rhat = _extreme(rhat, np.nanmax) if rhat is not None else float("nan")
    div = 0
    bfmi = float("nan")
    if "sample_stats" in idata.groups():
        ss = idata.sample_stats
        for key in ("diverging", "divergent"):
            if key in ss:
                div = int(np.asarray(ss[key].values).sum())
                break
        if "energy" in ss:
            try:
                bfmi = float(np.min(az.bfmi(idata)))
            except Exception:  # noqa: BLE001 - BFMI is advisory
                bfmi = float("nan")
    return Diagnostics(
        max_rhat=max_rhat,
        min_ess_bulk=_extreme(ess_b, np.nanmin),
        min_ess_tail=_extreme(ess_t, np.nanmin),
        divergences=div,
        min_bfmi=bfmi,
        n_draws=n_draws,
        n_chains=n_chains,
        method=method,
    )


def warn_if_unhealthy(diag: Diagnostics, *, ess_min: float | None = None) -> list[str]:
    """Emit one :class:`ConvergenceWarning` per problem and return the messages."""
    probs = diag.problems(ess_min=ess_min)
    for p in probs:
        warnings.warn(p, ConvergenceWarning, stacklevel=3)
    return probs
