"""The adstock families as declarative, frozen classes: parameters, default priors
(written for weeks, :meth:`per_period` converts them), lag weights and their application.

The kernels they evaluate live in :mod:`mmm.transforms.adstock`; the registry
(:mod:`mmm.transforms.registry`) builds these classes by name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from mmm.errors import SpecError
from mmm.names import STAGES
from mmm.transforms.adstock import (
    WEIBULL_KINDS,
    _check_bool,
    _check_l_max,
    convolve_adstock,
    delayed_weights,
    geometric_weights,
    weibull_weights,
)
from mmm.transforms.prior_spec import bounded_lag_prior


@runtime_checkable
class Adstock(Protocol):
    """What the model needs from an adstock: lag weights, their application and priors."""

    name: str
    l_max: int
    normalize: bool
    param_names: tuple[str, ...]

    def weights(self, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Lag weights of shape ``(..., l_max)`` from parameters of shape ``(...)``."""
        ...

    def apply(self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Adstocked input, the shape of ``x`` ``(date, *series_dims)``."""
        ...

    def default_priors(self, stage: str, *, period_days: float = 7.0) -> dict[str, dict[str, Any]]:
        """Prior per parameter as ``{"dist": <PyMC name>, **kwargs}`` (see
        :mod:`mmm.transforms.prior_spec`), for the weekly parameters of data whose periods
        last ``period_days`` days."""
        ...

    def per_period(
        self, weekly: Mapping[str, Any], period_days: float, *, xp: ModuleType = np
    ) -> dict[str, Any]:
        """Weekly parameters converted to periods of ``period_days`` days."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON / TOML) that the registry turns back into the same adstock."""
        ...


def _select_params(
    params: Mapping[str, Any], names: tuple[str, ...], *, owner: str
) -> dict[str, Any]:
    if not isinstance(params, Mapping):
        raise SpecError(
            f"{owner}: params must be a dict mapping {list(names)} to values; "
            f"received {type(params).__name__}."
        )
    missing = [n for n in names if n not in params]
    extra = sorted(str(k) for k in params if k not in names)
    if missing or extra:
        raise SpecError(
            f"{owner}: params must have exactly the keys {list(names)}; "
            f"missing {missing}, unexpected {extra}."
        )
    return {n: params[n] for n in names}


def _check_stage(stage: Any, *, owner: str) -> str:
    if stage not in STAGES:
        raise SpecError(
            f"{owner}.default_priors: stage must be one of {list(STAGES)}; received {stage!r}. "
            "Awareness channels get longer carry-over priors than conversion channels."
        )
    return stage


@dataclass(frozen=True, kw_only=True)
class _AdstockBase:
    """Shared behaviour of the adstock classes (not registered itself)."""

    l_max: int = 8
    normalize: bool = True

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    _PRIORS: ClassVar[dict[str, dict[str, dict[str, Any]]]] = {}
    #: how each parameter changes with the length of a period, the default priors being
    #: written for weeks: ``"retention"`` (a share kept per period, ``x ** (days / 7)``),
    #: ``"retention_sq"`` (per squared period, ``x ** ((days / 7) ** 2)``), ``"lag"`` (in
    #: periods, ``x * 7 / days``) or ``"shape"`` (no unit, unchanged)
    param_units: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        owner = type(self).__name__
        object.__setattr__(self, "l_max", _check_l_max(self.l_max, func=owner))
        object.__setattr__(
            self, "normalize", _check_bool(self.normalize, func=owner, option="normalize")
        )

    def weights(self, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Lag weights of shape ``(..., l_max)``, lag 0 first.

        Parameters
        ----------
        params : dict
            Maps each name in ``param_names`` to an array (or tensor) of shape ``(...)``
            that broadcasts with the others, e.g. ``(n_series,)``.
        xp : module, default numpy
            ``numpy`` or ``pytensor.tensor``.
        """
        raise NotImplementedError

    def apply(self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Adstock ``x`` of shape ``(date, *series_dims)``; see :func:`convolve_adstock`.

        Parameters
        ----------
        x : array_like or TensorVariable, shape (date, *series_dims)
            Media input per period; the output has the same unit and shape.
        params : dict
            Maps each name in ``param_names`` to values of shape broadcasting to
            ``series_dims`` (for example ``(n_series,)`` for x of shape ``(date, n_series)``).
        xp : module, default numpy
            ``numpy`` or ``pytensor.tensor``.
        """
        return convolve_adstock(x, self.weights(params, xp=xp), xp=xp)

    def default_priors(self, stage: str, *, period_days: float = 7.0) -> dict[str, dict[str, Any]]:
        """Default prior of each parameter for a funnel stage.

        The priors are written for weeks (:meth:`per_period` converts the values to the
        data's periods); ``period_days`` only matters to a family whose prior depends on
        how long its window ``l_max`` is in weeks (``delayed``).

        Parameters
        ----------
        stage : {"awareness", "conversion"}
            Awareness channels carry over longer than conversion channels.
        period_days : float, default 7
            Length of one period of the data, in days.

        Returns
        -------
        dict
            ``{param_name: {"dist": <PyMC distribution name>, **keyword arguments}}``
            (see :mod:`mmm.transforms.prior_spec`), a fresh copy on every call.
        """
        return copy.deepcopy(self._PRIORS[_check_stage(stage, owner=type(self).__name__)])

    def per_period(
        self, weekly: Mapping[str, Any], period_days: float, *, xp: ModuleType = np
    ) -> dict[str, Any]:
        """Parameters given for weekly periods, converted to periods of ``period_days``
        days (the same carry-over in calendar time; see :attr:`param_units`).

        Parameters
        ----------
        weekly : dict
            ``param_names`` to values (arrays or tensors) for weeks.
        period_days : float
            Length of one period of the data, in days (1 for daily data, 7 for weekly).
        xp : module, default numpy

        Returns
        -------
        dict
            The same keys; values for the data's periods (unchanged when
            ``period_days == 7``).

        Examples
        --------
        >>> from mmm.transforms import get_adstock
        >>> round(float(get_adstock("geometric").per_period({"alpha": 0.5}, 1.0)["alpha"]), 4)
        0.9057
        """
        p = _select_params(weekly, self.param_names, owner=type(self).__name__)
        r = float(period_days) / 7.0
        out = {}
        for name, value in p.items():
            unit = self.param_units[name]
            if unit == "retention":
                out[name] = value**r
            elif unit == "retention_sq":
                out[name] = value ** (r * r)
            elif unit == "lag":
                out[name] = value / r
            else:
                out[name] = value
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "l_max": ..., "normalize": ...}``; see ``registry.adstock_from_dict``."""
        return {"name": self.name, "l_max": self.l_max, "normalize": self.normalize}


@dataclass(frozen=True, kw_only=True)
class GeometricAdstock(_AdstockBase):
    """Geometric decay, ``w_l = alpha ** l``; parameter ``alpha`` (retention per period).

    Parameters
    ----------
    l_max : int, default 8
        Number of lags, lag 0 included (periods).
    normalize : bool, default True
        Weights sum to 1.
    """

    l_max: int = 8
    normalize: bool = True

    name: ClassVar[str] = "geometric"
    param_names: ClassVar[tuple[str, ...]] = ("alpha",)
    param_units: ClassVar[dict[str, str]] = {"alpha": "retention"}
    _PRIORS: ClassVar[dict[str, dict[str, dict[str, Any]]]] = {
        # awareness: mean retention 0.625 per period; conversion: mean 0.29
        "awareness": {"alpha": {"dist": "Beta", "alpha": 5.0, "beta": 3.0}},
        "conversion": {"alpha": {"dist": "Beta", "alpha": 2.0, "beta": 5.0}},
    }

    def weights(self, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Lag weights of shape ``(..., l_max)``, lag 0 first (see the class docstring)."""
        p = _select_params(params, self.param_names, owner=type(self).__name__)
        return geometric_weights(p["alpha"], l_max=self.l_max, normalize=self.normalize, xp=xp)


@dataclass(frozen=True, kw_only=True)
class DelayedAdstock(_AdstockBase):
    """Delayed peak, ``w_l = alpha ** ((l - theta) ** 2)``; parameters ``alpha``, ``theta``.

    Parameters
    ----------
    l_max : int, default 13
        Number of lags, lag 0 included (periods).
    normalize : bool, default True
        Weights sum to 1.
    """

    l_max: int = 13
    normalize: bool = True

    name: ClassVar[str] = "delayed"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "theta")
    param_units: ClassVar[dict[str, str]] = {"alpha": "retention_sq", "theta": "lag"}
    #: awareness: Beta(8, 4), a bell a week or more wide (90 % of ``alpha`` in 0.44-0.86);
    #: under Beta(5, 3) fits wandered to a narrow bell (``alpha`` near 0.1) whose peak lag
    #: the data pin to a sliver, and diverged there (docs/model.md, section 2)
    _PRIORS: ClassVar[dict[str, dict[str, dict[str, Any]]]] = {
        "awareness": {"alpha": {"dist": "Beta", "alpha": 8.0, "beta": 4.0}},
        "conversion": {"alpha": {"dist": "Beta", "alpha": 2.0, "beta": 5.0}},
    }
    #: the peak lag's mean and sd in weeks: awareness about 2 weeks after spend (sd 1),
    #: conversion within the week of spend or the next (mean 0.5, sd 0.35)
    _THETA: ClassVar[dict[str, tuple[float, float]]] = {
        "awareness": (2.0, 1.0),
        "conversion": (0.5, 0.35),
    }

    def default_priors(self, stage: str, *, period_days: float = 7.0) -> dict[str, dict[str, Any]]:
        """Default priors of ``alpha`` and ``theta`` for a funnel stage (weekly values).

        The peak lag ``theta`` is bounded by half the window: ``U * Beta(a, b)`` with
        ``U = l_max * period_days / 7 / 2`` weeks (6.5 for the weekly default, 13 lags),
        ``a, b`` matching the stage's mean and sd
        (:func:`mmm.transforms.prior_spec.bounded_lag_prior`). A peak beyond half the
        window would cut most of the carry-over off at the window's end; an unbounded
        prior let a chain of a large geo model settle in such a far mode.

        Parameters
        ----------
        stage : {"awareness", "conversion"}
        period_days : float, default 7
            Length of one period of the data, in days.

        Returns
        -------
        dict
            ``{"alpha": {...}, "theta": {...}}``, a fresh copy on every call.

        Examples
        --------
        >>> DelayedAdstock().default_priors("awareness")["theta"]
        {'dist': 'Beta', 'alpha': 2.46, 'beta': 5.54, 'factor': 6.5}
        """
        stage = _check_stage(stage, owner=type(self).__name__)
        out = copy.deepcopy(self._PRIORS[stage])
        upper = self.l_max * float(period_days) / 7.0 / 2.0
        out["theta"] = bounded_lag_prior(*self._THETA[stage], upper)
        return out

    def weights(self, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Lag weights of shape ``(..., l_max)``, lag 0 first (see the class docstring)."""
        p = _select_params(params, self.param_names, owner=type(self).__name__)
        return delayed_weights(
            p["alpha"], p["theta"], l_max=self.l_max, normalize=self.normalize, xp=xp
        )


@dataclass(frozen=True, kw_only=True)
class WeibullAdstock(_AdstockBase):
    """Weibull adstock (see :func:`weibull_weights`); parameters ``shape``, ``scale``.

    Registered as ``"weibull_pdf"`` and ``"weibull_cdf"``; ``name`` follows ``kind``.

    Parameters
    ----------
    l_max : int, default 13
        Number of lags, lag 0 included (periods).
    kind : {"pdf", "cdf"}, default "pdf"
        Delayed-peak density ("pdf") or survival-style decay ("cdf").
    normalize : bool, default True
        Weights sum to 1.
    """

    l_max: int = 13
    kind: str = "pdf"
    normalize: bool = True

    param_names: ClassVar[tuple[str, ...]] = ("shape", "scale")
    param_units: ClassVar[dict[str, str]] = {"shape": "shape", "scale": "lag"}
    _PRIORS_BY_KIND: ClassVar[dict[str, dict[str, dict[str, dict[str, Any]]]]] = {
        "pdf": {
            # awareness: hump with its mode near 3 periods (shape mean 2, scale mean 4)
            "awareness": {
                "shape": {"dist": "Gamma", "alpha": 6.0, "beta": 3.0},
                "scale": {"dist": "Gamma", "alpha": 8.0, "beta": 2.0},
            },
            # conversion: decay from lag 0 (shape mean 1, scale mean 1 period)
            "conversion": {
                "shape": {"dist": "Gamma", "alpha": 4.0, "beta": 4.0},
                "scale": {"dist": "Gamma", "alpha": 4.0, "beta": 4.0},
            },
        },
        "cdf": {
            # awareness: slow decay (scale mean 4 periods: weights 1, .78, .47, .22 at shape 1)
            "awareness": {
                "shape": {"dist": "Gamma", "alpha": 4.0, "beta": 4.0},
                "scale": {"dist": "Gamma", "alpha": 8.0, "beta": 2.0},
            },
            # conversion: fast decay (scale mean 1 period: weights 1, .37, .05 at shape 1)
            "conversion": {
                "shape": {"dist": "Gamma", "alpha": 4.0, "beta": 4.0},
                "scale": {"dist": "Gamma", "alpha": 4.0, "beta": 4.0},
            },
        },
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kind not in WEIBULL_KINDS:
            raise SpecError(
                f"WeibullAdstock: kind must be one of {list(WEIBULL_KINDS)}; "
                f"received {self.kind!r}."
            )

    @property
    def name(self) -> str:  # type: ignore[override]
        """Registry name: ``"weibull_pdf"`` or ``"weibull_cdf"``."""
        return f"weibull_{self.kind}"

    def weights(self, params: Mapping[str, Any], *, xp: ModuleType = np) -> Any:
        """Lag weights of shape ``(..., l_max)``, lag 0 first (see the class docstring)."""
        p = _select_params(params, self.param_names, owner=type(self).__name__)
        return weibull_weights(
            p["shape"],
            p["scale"],
            l_max=self.l_max,
            kind=self.kind,
            normalize=self.normalize,
            xp=xp,
        )

    def default_priors(self, stage: str, *, period_days: float = 7.0) -> dict[str, dict[str, Any]]:
        """Default prior of each parameter for a funnel stage and this ``kind``."""
        stage = _check_stage(stage, owner=type(self).__name__)
        return copy.deepcopy(self._PRIORS_BY_KIND[self.kind][stage])
