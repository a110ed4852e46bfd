"""The model's response: adstock, saturation and likelihoods, one implementation each.

Kernels are pure functions taking ``xp`` (``numpy`` or ``pytensor.tensor``), so the same
code builds the PyMC graph and evaluates posterior draws; each saturation kernel has its
derivative in the input next to it (used by the budget optimizer). The classes are thin
frozen descriptions (name, options, parameter names, default priors) that the model and
the spec use; the registries map names to classes. :mod:`mmm.transforms.response`
composes them into the media response used by the model graph, the analysis engine,
calibration and the optimizer; :mod:`mmm.transforms.likelihood` holds the outcomes'
observation models.
"""

from __future__ import annotations

from mmm.transforms.adstock import (
    convolve_adstock,
    delayed_weights,
    geometric_weights,
    half_life,
    lag_stack,
    mean_lag,
    weibull_weights,
)
from mmm.transforms.adstock_families import (
    Adstock,
    DelayedAdstock,
    GeometricAdstock,
    WeibullAdstock,
)
from mmm.transforms.likelihood import (
    Likelihood,
    NegativeBinomialLikelihood,
    NormalLikelihood,
    StudentTLikelihood,
)
from mmm.transforms.registry import (
    ADSTOCKS,
    LIKELIHOODS,
    SATURATIONS,
    adstock_from_dict,
    get_adstock,
    get_likelihood,
    get_saturation,
    saturation_from_dict,
)
from mmm.transforms.saturation import (
    ESTIMATE,
    HillSaturation,
    LogisticSaturation,
    MichaelisMentenSaturation,
    Saturation,
    hill,
    hill_derivative,
    logistic,
    logistic_derivative,
    michaelis_menten,
    michaelis_menten_derivative,
)

__all__ = [
    "ADSTOCKS",
    "ESTIMATE",
    "LIKELIHOODS",
    "SATURATIONS",
    "Adstock",
    "DelayedAdstock",
    "GeometricAdstock",
    "HillSaturation",
    "Likelihood",
    "LogisticSaturation",
    "MichaelisMentenSaturation",
    "NegativeBinomialLikelihood",
    "NormalLikelihood",
    "Saturation",
    "StudentTLikelihood",
    "WeibullAdstock",
    "adstock_from_dict",
    "convolve_adstock",
    "delayed_weights",
    "geometric_weights",
    "get_adstock",
    "get_likelihood",
    "get_saturation",
    "half_life",
    "hill",
    "hill_derivative",
    "lag_stack",
    "logistic",
    "logistic_derivative",
    "mean_lag",
    "michaelis_menten",
    "michaelis_menten_derivative",
    "saturation_from_dict",
    "weibull_weights",
]
