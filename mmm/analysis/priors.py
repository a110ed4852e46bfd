"""Prior vs posterior: how much the data moved each media parameter.

Prior draws come from the fit's ``prior`` group when it was sampled
(``fit(..., prior_samples=n)``); otherwise they are drawn with SciPy from the priors the
spec declares for the carry-over, saturation, return (``log_roas_channel``) and noise
parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm.analysis.engine import draw_index
from mmm.names import STAGES


def scipy_prior(d: dict):
    """The frozen SciPy distribution of a prior as the spec writes it.

    Parameters
    ----------
    d : dict
        ``{"dist": name, **params}`` with a PyMC distribution name (``Beta``, ``Gamma``,
        ``Normal``, ``HalfNormal``, ``TruncatedNormal``, ``LogNormal``) and its PyMC
        parameters, in the model's scaled units; a ``shift`` or ``factor`` moves or
        stretches the law (:mod:`mmm.transforms.prior_spec`).

    Returns
    -------
    scipy.stats frozen distribution
        The same distribution (``.rvs``, ``.mean``, ``.ppf``).

    Raises
    ------
    ValueError
        For a distribution without a SciPy equivalent here.
    """
    from scipy import stats

    from mmm.transforms.prior_spec import split_prior

    p = split_prior(d)
    dist, d = p.dist, p.params
    if dist == "Beta":
        rv = stats.beta(d["alpha"], d["beta"])
    elif dist == "Gamma":
        rv = stats.gamma(d["alpha"], scale=1.0 / d["beta"])
    elif dist == "Normal":
        rv = stats.norm(d.get("mu", 0.0), d.get("sigma", 1.0))
    elif dist == "HalfNormal":
        rv = stats.halfnorm(scale=d.get("sigma", 1.0))
    elif dist == "TruncatedNormal":
        mu, sd = d.get("mu", 0.0), d.get("sigma", 1.0)
        lo, hi = d.get("lower", -np.inf), d.get("upper", np.inf)
        rv = stats.truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)
    elif dist == "LogNormal":
        rv = stats.lognorm(d.get("sigma", 1.0), scale=np.exp(d.get("mu", 0.0)))
    else:
        raise ValueError(f"no SciPy equivalent for prior {dist!r}.")
    return _Affine(rv, p.shift, p.factor) if p.affine else rv


class _Affine:
    """A frozen SciPy distribution moved and stretched, ``shift + factor * law``
    (``rvs``, ``mean``, ``median``, ``ppf``)."""

    def __init__(self, rv, shift: float, factor: float) -> None:
        self.rv, self.shift, self.factor = rv, float(shift), float(factor)

    def rvs(self, *args, **kwargs):
        return self.shift + self.factor * self.rv.rvs(*args, **kwargs)

    def mean(self) -> float:
        return self.shift + self.factor * float(self.rv.mean())

    def median(self) -> float:
        return self.shift + self.factor * float(self.rv.median())

    def ppf(self, q):
        return self.shift + self.factor * self.rv.ppf(q)


def _scipy_draws(d: dict, size, rng) -> np.ndarray:
    return scipy_prior(d).rvs(size=size, random_state=rng)


def prior_draws(fit, *, n: int = 2000, seed: int = 0) -> xr.Dataset:
    """Prior draws of the media parameters, dims (sample, ...).

    Parameters
    ----------
    fit : FitResult
    n : int
        Number of draws (ignored when the fit holds a prior group).
    seed : int

    Returns
    -------
    xarray.Dataset
        Variables named as in the posterior (``adstock_<stage>_<param>`` dims
        (channel_<stage>,), ``saturation_<param>`` (channel,), ``log_roas_channel``
        (outcome, channel), ``sigma`` (outcome,), ``delta`` (outcome,) with a mediator),
        each with a leading ``sample`` dim; scaled-space units as in the model.
    """
    if "prior" in fit.idata.groups():
        pr = fit.idata.prior
        pr = pr.stack(sample=("chain", "draw")).transpose("sample", ...)
        return pr.drop_vars(["chain", "draw", "sample"]).assign_coords(
            sample=np.arange(pr.sizes["sample"])
        )
    from mmm.model.build import prepare_inputs
    from mmm.transforms import get_adstock

    rng = np.random.default_rng(seed)
    post = fit.posterior
    spec = fit.spec
    out: dict[str, tuple] = {}
    for stage in STAGES:
        dim = f"channel_{stage}"
        if dim not in post.coords or not post.sizes.get(dim):
            continue
        st = spec.stage(stage)
        ad = get_adstock(st.adstock, l_max=st.l_max)
        k = post.sizes[dim]
        priors = ad.default_priors(stage, period_days=fit.design.period_days)
        weekly = {p: _scipy_draws(d, (n, k), rng) for p, d in priors.items()}
        for p, v in ad.per_period(weekly, fit.design.period_days).items():
            out[f"adstock_{stage}_{p}"] = (("sample", dim), v)
    sat = spec.saturation_transform()
    C = post.sizes["channel"]
    for p, d in sat.default_priors().items():
        out[f"saturation_{p}"] = (("sample", "channel"), _scipy_draws(d, (n, C), rng))
    lp = prepare_inputs(spec, fit.dataset).log_prior_roas  # (outcome, channel)
    out["log_roas_channel"] = (
        ("sample", "outcome", "channel"),
        lp[None] + spec.priors.roas_prior_sigma * rng.standard_normal((n, *lp.shape)),
    )
    K = len(spec.outcome_names)
    out["sigma"] = (
        ("sample", "outcome"),
        np.abs(rng.standard_normal((n, K))) * spec.likelihood.noise_prior,
    )
    if spec.mediator is not None and "delta" in post:
        out["delta"] = (("sample", "outcome"), np.abs(rng.standard_normal((n, K))) * 0.5)
    coords = {k: post.coords[k].values for k in post.coords if k not in ("chain", "draw")}
    ds = xr.Dataset(out)
    return ds.assign_coords({k: v for k, v in coords.items() if k in ds.dims})


def prior_posterior(
    fit, *, var_names=None, prob: float = 0.9, n_prior: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Prior and posterior summaries side by side, with the shrinkage of each parameter.

    Parameters
    ----------
    fit : FitResult
    var_names : list of str, optional
        Variables to compare (default: every variable of :func:`prior_draws` also in the
        posterior).
    prob : float
    n_prior : int
    seed : int

    Returns
    -------
    pandas.DataFrame
        One row per (variable, element): ``variable``, ``element`` (coordinate labels
        joined by ``,``), ``prior_mean``, ``prior_sd``, ``prior_lower``, ``prior_upper``,
        ``post_mean``, ``post_sd``, ``post_lower``, ``post_upper`` and ``shrinkage`` =
        1 - posterior variance / prior variance (near 1: the data pinned the parameter
        down; near 0: the posterior is the prior).
    """
    pr = prior_draws(fit, n=n_prior, seed=seed)
    names = [v for v in pr.data_vars if v in fit.posterior] if var_names is None else var_names
    lo, hi = (1 - prob) / 2, 1 - (1 - prob) / 2
    idx = draw_index(fit, None)
    rows = []
    for v in names:
        if v not in pr or v not in fit.posterior:
            raise ValueError(f"{v!r} is not in both the prior and the posterior.")
        a = pr[v].transpose("sample", ...)
        other = [d for d in a.dims if d != "sample"]
        b = fit.draws(v).isel(sample=idx).transpose("sample", *other)
        av = a.values.reshape(a.shape[0], -1)
        bv = b.values.reshape(b.shape[0], -1)
        labels = (
            [
                ",".join(map(str, t))
                for t in np.array(np.meshgrid(*[a[d].values for d in other], indexing="ij"))
                .reshape(len(other), -1)
                .T
            ]
            if other
            else [""]
        )
        for j, lab in enumerate(labels):
            pa, pb = av[:, j], bv[:, j]
            rows.append(
                {
                    "variable": v,
                    "element": lab,
                    "prior_mean": pa.mean(),
                    "prior_sd": pa.std(),
                    "prior_lower": np.quantile(pa, lo),
                    "prior_upper": np.quantile(pa, hi),
                    "post_mean": pb.mean(),
                    "post_sd": pb.std(),
                    "post_lower": np.quantile(pb, lo),
                    "post_upper": np.quantile(pb, hi),
                    "shrinkage": 1.0 - pb.var() / pa.var() if pa.var() > 0 else float("nan"),
                }
            )
    return pd.DataFrame(rows)
