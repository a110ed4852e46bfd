"""Sampler health: R-hat, effective sample size, divergences, BFMI, with concrete hints."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mmm.errors import ConvergenceWarning

RHAT_MAX = 1.01
ESS_MIN = 400


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

    def problems(self, *, ess_min: float | None = None) -> list[str]:
        """Human-readable problems, each with a concrete hint; empty when healthy."""
        if self.method != "nuts":
            return [
                f"this is a quick {self.method} fit: intervals are approximate; refit with NUTS "
                "before taking decisions."
            ]
        ess_min = ESS_MIN if ess_min is None else ess_min
        out = []
        if self.divergences > 0:
            out.append(
                f"{self.divergences} divergent transitions: raise target_accept (e.g. 0.95), "
                "or check priors that fight the data."
            )
        if np.isfinite(self.max_rhat) and self.max_rhat > RHAT_MAX:
            out.append(
                f"max R-hat {self.max_rhat:.3f} > {RHAT_MAX}: chains disagree; run more tuning "
                "and draws, or simplify the model."
            )
        if np.isfinite(self.min_ess_bulk) and self.min_ess_bulk < ess_min:
            out.append(
                f"min bulk ESS {self.min_ess_bulk:.0f} < {ess_min}: draw more samples before "
                "reading tail intervals."
            )
        if np.isfinite(self.min_bfmi) and self.min_bfmi < 0.3:
            out.append(
                f"low BFMI {self.min_bfmi:.2f}: the sampler explores the energy poorly; "
                "reparameterise or tighten priors."
            )
        return out

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
