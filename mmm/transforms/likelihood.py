"""Observation models (likelihoods) of the outcomes: one object per name, for the PyMC
graph and for NumPy analysis.

Each likelihood gives, from one definition:

* :meth:`~Likelihood.observe`: the PyMC observed variable of one outcome (and the priors
  of its own parameters, e.g. the Student-t degrees of freedom), used by
  :func:`mmm.model.build.build_model`;
* :meth:`~Likelihood.draw`: replicated observations around a mean in NumPy, used by
  :func:`mmm.model.numpy_eval.observation_draws`;
* :meth:`~Likelihood.logpdf`: the log-density of observations in NumPy / SciPy, equal
  to the graph's (tested against ``pymc.logp`` of :meth:`~Likelihood.observe`'s variable).

Scales: ``mu`` and ``sigma`` are in the model's scaled space (multiples of the outcome's
``scale``, :attr:`mmm.model.design.Design.outcome_scale`) unless a docstring says
otherwise; ``draw`` and ``logpdf`` take the mean in original units and the scale, so the
noise is ``sigma * scale`` in original units.

Adding a likelihood: subclass :class:`Likelihood` in this file and add it to
:data:`LIKELIHOODS`; the spec, the graph, the analysis and the list of posterior
variables (:meth:`Likelihood.param_names`) pick it up.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from mmm.errors import SpecError
from mmm.transforms.model_data import model_data

__all__ = [
    "LIKELIHOODS",
    "Likelihood",
    "NegativeBinomialLikelihood",
    "NormalLikelihood",
    "StudentTLikelihood",
    "get_likelihood",
]

#: Floor of a negative-binomial mean, in scaled units (the model's and the draws').
NB_MIN_MEAN = 1e-4


def _pymc_prior(pm, name: str, prior: Mapping[str, Any]):
    d = dict(prior)
    dist = d.pop("dist")
    return getattr(pm, dist)(name, **d)


class Likelihood:
    """An outcome's observation model (base class; subclasses are registered by name).

    Attributes
    ----------
    name : str
        Registered name, as in ``OutcomeSpec.likelihood``.
    priors : dict
        ``{prefix: {"dist": <PyMC name>, **kwargs}}``: the likelihood's own parameters;
        the posterior variable of outcome ``o`` is ``f"{prefix}_{o}"``.
    """

    name: ClassVar[str] = ""
    priors: ClassVar[dict[str, dict[str, Any]]] = {}
    #: True for counts (a probability mass, the same in any units), False for densities
    discrete: ClassVar[bool] = False

    def param_names(self, outcome: str) -> tuple[str, ...]:
        """Posterior variables of this likelihood's parameters for ``outcome``.

        Parameters
        ----------
        outcome : str
            Outcome name.

        Returns
        -------
        tuple of str
            ``f"{prefix}_{outcome}"`` per parameter (empty for the normal likelihood);
            each is a scalar per draw.
        """
        return tuple(f"{p}_{outcome}" for p in self.priors)

    def default_priors(self) -> dict[str, dict[str, Any]]:
        """Priors of the likelihood's parameters, ``{prefix: {"dist": ..., **kwargs}}``."""
        return copy.deepcopy(self.priors)

    def check_data(self, outcome: str, raw: np.ndarray) -> None:
        """Raise SpecError when the outcome's observed values do not fit the likelihood.

        Parameters
        ----------
        outcome : str
            Outcome name (for the message).
        raw : numpy.ndarray
            Observed values in original units.
        """

    def observe(self, pm, pt, *, name: str, outcome: str, mu, sigma, y, raw, scale, dims):
        """Add the observed variable of one outcome (and its parameters' priors).

        Parameters
        ----------
        pm, pt : module
            ``pymc`` and ``pytensor.tensor``.
        name : str
            Name of the observed variable (``y_obs`` or ``y_obs_<outcome>``).
        outcome : str
            Outcome name (names the likelihood's parameters).
        mu : TensorVariable
            Mean, scaled units, shape of ``y``.
        sigma : TensorVariable
            Noise sd, scaled units, broadcastable to ``mu``.
        y : TensorVariable
            Observed values, scaled (model data).
        raw : numpy.ndarray
            Observed values in original units, same shape.
        scale : TensorVariable
            Outcome scale (original units per scaled unit), broadcastable to ``mu``.
        dims : tuple of str
            Dims of the observed variable.

        Returns
        -------
        TensorVariable
            The observed random variable.
        """
        raise NotImplementedError

    def draw(self, rng, mu, sigma, scale, params: Mapping[str, Any]) -> np.ndarray:
        """Replicated observations around ``mu``, original units.

        Parameters
        ----------
        rng : numpy.random.Generator
        mu : numpy.ndarray
            Expected values, original units.
        sigma : numpy.ndarray
            Noise sd in scaled units, broadcastable to ``mu``.
        scale : numpy.ndarray
            Outcome scale, broadcastable to ``mu``.
        params : dict
            The likelihood's parameters by prefix (``"nu"``, ``"nb_alpha"``), each
            broadcastable to ``mu``.

        Returns
        -------
        numpy.ndarray, shape of ``mu``
        """
        raise NotImplementedError

    def logpdf(self, y, mu, sigma, scale, params: Mapping[str, Any]) -> np.ndarray:
        """Log-density (log-probability for counts) of observations ``y``, elementwise.

        Parameters
        ----------
        y : numpy.ndarray
            Observations, original units.
        mu, sigma, scale, params
            As in :meth:`draw`.

        Returns
        -------
        numpy.ndarray, shape broadcast(y, mu)
            The density of the scaled observation ``y / scale`` (the model's), in nats.
        """
        raise NotImplementedError

    def logpdf_original(self, y, mu, sigma, scale, params: Mapping[str, Any]) -> np.ndarray:
        """:meth:`logpdf` of ``y`` in its own units (currency or counts), elementwise.

        A continuous outcome's density in original units is the scaled density divided
        by ``scale`` (``- log(scale)`` in nats); counts are already in their own units.
        Fits whose outcomes are scaled differently compare on this footing (LOO, WAIC).

        Parameters
        ----------
        y, mu, sigma, scale, params
            As in :meth:`logpdf`.

        Returns
        -------
        numpy.ndarray, shape broadcast(y, mu)
        """
        lp = self.logpdf(y, mu, sigma, scale, params)
        return lp if self.discrete else lp - np.log(scale)


class NormalLikelihood(Likelihood):
    """``y ~ Normal(mu, sigma)`` in scaled units."""

    name: ClassVar[str] = "normal"
    priors: ClassVar[dict[str, dict[str, Any]]] = {}

    def observe(self, pm, pt, *, name, outcome, mu, sigma, y, raw, scale, dims):
        """See :meth:`Likelihood.observe`."""
        return pm.Normal(name, mu, sigma, observed=y, dims=dims)

    def draw(self, rng, mu, sigma, scale, params):
        """``mu + z * sigma * scale`` with standard normal ``z``."""
        mu = np.asarray(mu, dtype=float)
        return mu + rng.standard_normal(mu.shape) * sigma * scale

    def logpdf(self, y, mu, sigma, scale, params):
        """Normal log-density of ``y / scale`` with mean ``mu / scale`` and sd ``sigma``."""
        from scipy import stats

        return stats.norm.logpdf(np.asarray(y) / scale, np.asarray(mu) / scale, sigma)


class StudentTLikelihood(Likelihood):
    """``y ~ StudentT(nu, mu, sigma)`` in scaled units, ``nu_<outcome> ~ Gamma(2, 0.1)``."""

    name: ClassVar[str] = "student_t"
    priors: ClassVar[dict[str, dict[str, Any]]] = {
        "nu": {"dist": "Gamma", "alpha": 2.0, "beta": 0.1}
    }

    def observe(self, pm, pt, *, name, outcome, mu, sigma, y, raw, scale, dims):
        """See :meth:`Likelihood.observe`."""
        nu = _pymc_prior(pm, f"nu_{outcome}", self.priors["nu"])
        return pm.StudentT(name, nu=nu, mu=mu, sigma=sigma, observed=y, dims=dims)

    def draw(self, rng, mu, sigma, scale, params):
        """``mu + t * sigma * scale`` with ``t`` from a t distribution with ``nu`` dof."""
        mu = np.asarray(mu, dtype=float)
        z = rng.standard_t(np.broadcast_to(params["nu"], mu.shape))
        return mu + z * sigma * scale

    def logpdf(self, y, mu, sigma, scale, params):
        """Student-t log-density of ``y / scale``."""
        from scipy import stats

        return stats.t.logpdf(np.asarray(y) / scale, params["nu"], np.asarray(mu) / scale, sigma)


class NegativeBinomialLikelihood(Likelihood):
    """Counts ``y ~ NegativeBinomial(mean = max(mu, 1e-4) * scale, alpha)`` (original units),
    variance ``mean + mean ** 2 / alpha``, ``nb_alpha_<outcome> ~ Gamma(2, 0.05)``."""

    name: ClassVar[str] = "negative_binomial"
    discrete: ClassVar[bool] = True
    priors: ClassVar[dict[str, dict[str, Any]]] = {
        "nb_alpha": {"dist": "Gamma", "alpha": 2.0, "beta": 0.05}
    }

    def check_data(self, outcome, raw):
        """Counts only: non-negative whole numbers."""
        raw = np.asarray(raw)
        if np.any(raw < 0) or np.any(raw != np.round(raw)):
            raise SpecError(
                f"outcome {outcome!r} uses likelihood 'negative_binomial' but holds "
                "negative or non-integer values; use 'normal' or round the counts."
            )

    def observe(self, pm, pt, *, name, outcome, mu, sigma, y, raw, scale, dims):
        """See :meth:`Likelihood.observe`; the observed counts are model data
        ``counts_<outcome>`` (so a compiled model reused for new data sees new counts)."""
        self.check_data(outcome, raw)
        alpha = _pymc_prior(pm, f"nb_alpha_{outcome}", self.priors["nb_alpha"])
        counts = model_data(pm, f"counts_{outcome}", np.asarray(raw).astype("int64"), dims=dims)
        return pm.NegativeBinomial(
            name, mu=pt.maximum(mu, NB_MIN_MEAN) * scale, alpha=alpha, observed=counts, dims=dims
        )

    def draw(self, rng, mu, sigma, scale, params):
        """Counts with mean ``max(mu, 1e-4 * scale)`` and dispersion ``nb_alpha``."""
        alpha = params["nb_alpha"]
        mean = np.maximum(np.asarray(mu, dtype=float), NB_MIN_MEAN * scale)
        return rng.negative_binomial(alpha, alpha / (alpha + mean))

    def logpdf(self, y, mu, sigma, scale, params):
        """Negative-binomial log-probability of the counts ``y``."""
        from scipy import stats

        alpha = params["nb_alpha"]
        mean = np.maximum(np.asarray(mu, dtype=float) / scale, NB_MIN_MEAN) * scale
        return stats.nbinom.logpmf(np.asarray(y), alpha, alpha / (alpha + mean))


LIKELIHOODS: dict[str, type[Likelihood]] = {
    cls.name: cls for cls in (NormalLikelihood, StudentTLikelihood, NegativeBinomialLikelihood)
}
"""Likelihood name -> class (the whole registry)."""


def get_likelihood(name: Any, *, where: str = "likelihood") -> Likelihood:
    """The likelihood registered under ``name``.

    Parameters
    ----------
    name : str
        One of ``LIKELIHOODS``: "negative_binomial", "normal", "student_t".
    where : str, default "likelihood"
        What the name was given as, for the message (e.g. ``outcomes[sales].likelihood``).

    Returns
    -------
    Likelihood

    Raises
    ------
    SpecError
        Unknown name; the message lists the valid ones.
    """
    if not isinstance(name, str) or name not in LIKELIHOODS:
        raise SpecError(
            f"{where}={name!r} is not a known likelihood; choose one of "
            f"{', '.join(sorted(LIKELIHOODS))}."
        )
    return LIKELIHOODS[name]()
