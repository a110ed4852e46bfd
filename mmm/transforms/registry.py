"""Registry of adstock and saturation transforms, by the names used in model specs.

Registration is explicit: the two dicts below are the whole registry of transforms
(likelihoods have theirs, :data:`mmm.transforms.likelihood.LIKELIHOODS`, re-exported
here with :func:`get_likelihood`). A spec
stores a transform as ``transform.to_dict()`` (a plain dict of strings, numbers
and booleans, valid in JSON and TOML) and gets it back with
:func:`adstock_from_dict` / :func:`saturation_from_dict`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mmm.errors import SpecError
from mmm.transforms.adstock_families import (
    Adstock,
    DelayedAdstock,
    GeometricAdstock,
    WeibullAdstock,
)
from mmm.transforms.likelihood import LIKELIHOODS, get_likelihood
from mmm.transforms.saturation import (
    HillSaturation,
    LogisticSaturation,
    MichaelisMentenSaturation,
    Saturation,
)

__all__ = [
    "ADSTOCKS",
    "LIKELIHOODS",
    "SATURATIONS",
    "adstock_from_dict",
    "get_adstock",
    "get_likelihood",
    "get_saturation",
    "saturation_from_dict",
]

ADSTOCKS: dict[str, type] = {
    "geometric": GeometricAdstock,
    "delayed": DelayedAdstock,
    "weibull_pdf": WeibullAdstock,
    "weibull_cdf": WeibullAdstock,
}
"""Adstock name -> class. ``weibull_pdf`` / ``weibull_cdf`` are WeibullAdstock with that kind."""

SATURATIONS: dict[str, type] = {
    "hill": HillSaturation,
    "logistic": LogisticSaturation,
    "michaelis_menten": MichaelisMentenSaturation,
}
"""Saturation name -> class."""

# options a registered name fixes (the name says which Weibull form it is)
_PRESETS: dict[str, dict[str, Any]] = {
    "weibull_pdf": {"kind": "pdf"},
    "weibull_cdf": {"kind": "cdf"},
}


def _build(registry: dict[str, type], what: str, name: Any, kwargs: dict[str, Any]) -> Any:
    if not isinstance(name, str) or name not in registry:
        raise SpecError(
            f"Unknown {what} {name!r}. Valid {what} names: {', '.join(sorted(registry))}."
        )
    cls = registry[name]
    options = {f.name for f in dataclasses.fields(cls)}
    preset = _PRESETS.get(name, {})
    settable = sorted(options - set(preset))
    unknown = sorted(k for k in kwargs if k not in options)
    if unknown:
        raise SpecError(
            f"{what} {name!r} has no option(s) {unknown}; "
            f"its options are {settable if settable else 'none'}."
        )
    for key, value in preset.items():
        if key in kwargs and kwargs[key] != value:
            raise SpecError(
                f"{what} {name!r} has {key}={value!r}; received {key}={kwargs[key]!r}. Use "
                f"the matching name among {sorted(n for n, c in registry.items() if c is cls)}."
            )
    return cls(**{**kwargs, **preset})


def get_adstock(name: str, **kwargs: Any) -> Adstock:
    """Adstock registered under ``name``, built with keyword options.

    Parameters
    ----------
    name : str
        One of ``ADSTOCKS``: "delayed", "geometric", "weibull_cdf", "weibull_pdf".
    **kwargs
        Options of the class, e.g. ``l_max=8``, ``normalize=True``.

    Returns
    -------
    Adstock

    Raises
    ------
    SpecError
        Unknown name (the message lists the valid ones) or unknown option.
    """
    return _build(ADSTOCKS, "adstock", name, kwargs)


def get_saturation(name: str, **kwargs: Any) -> Saturation:
    """Saturation registered under ``name``, built with keyword options.

    Parameters
    ----------
    name : str
        One of ``SATURATIONS``: "hill", "logistic", "michaelis_menten".
    **kwargs
        Options of the class, e.g. ``slope=1.0`` for "hill".

    Returns
    -------
    Saturation

    Raises
    ------
    SpecError
        Unknown name (the message lists the valid ones) or unknown option.
    """
    return _build(SATURATIONS, "saturation", name, kwargs)


def _split(d: Any, what: str) -> tuple[Any, dict[str, Any]]:
    if not isinstance(d, Mapping) or "name" not in d:
        raise SpecError(
            f"A {what} must be given as a dict with a 'name' key and its options, e.g. "
            f"{{'name': 'geometric', 'l_max': 8}}; received {d!r}."
        )
    rest = {str(k): v for k, v in d.items() if k != "name"}
    return d["name"], rest


def adstock_from_dict(d: Mapping[str, Any]) -> Adstock:
    """Rebuild an adstock from ``Adstock.to_dict()`` output (e.g. read from TOML or JSON)."""
    name, options = _split(d, "adstock")
    return get_adstock(name, **options)


def saturation_from_dict(d: Mapping[str, Any]) -> Saturation:
    """Rebuild a saturation from ``Saturation.to_dict()`` output (e.g. read from TOML or JSON)."""
    name, options = _split(d, "saturation")
    return get_saturation(name, **options)
