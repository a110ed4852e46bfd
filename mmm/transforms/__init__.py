"""Adstock and saturation transforms: one implementation for NumPy and PyTensor.

Kernels are pure functions taking ``xp`` (``numpy`` or ``pytensor.tensor``); the
classes are thin frozen descriptions (name, options, parameter names, default
priors) that the model and the spec use; the registry maps names to classes.
"""

from __future__ import annotations

from mmm.transforms.adstock import (
    Adstock,
    DelayedAdstock,
    GeometricAdstock,
    WeibullAdstock,
    convolve_adstock,
    delayed_weights,
    geometric_weights,
    half_life,
    lag_stack,
    mean_lag,
    weibull_weights,
)
from mmm.transforms.registry import (
    ADSTOCKS,
    SATURATIONS,
    adstock_from_dict,
    get_adstock,
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
    logistic,
    michaelis_menten,
)

__all__ = [
    "ADSTOCKS",
    "ESTIMATE",
    "SATURATIONS",
    "Adstock",
    "DelayedAdstock",
    "GeometricAdstock",
    "HillSaturation",
    "LogisticSaturation",
    "MichaelisMentenSaturation",
    "Saturation",
    "WeibullAdstock",
    "adstock_from_dict",
    "convolve_adstock",
    "delayed_weights",
    "geometric_weights",
    "get_adstock",
    "get_saturation",
    "half_life",
    "hill",
    "lag_stack",
    "logistic",
    "mean_lag",
    "michaelis_menten",
    "saturation_from_dict",
    "weibull_weights",
]
