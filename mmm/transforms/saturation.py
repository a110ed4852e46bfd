"""Saturation (diminishing returns) kernels and their declarative classes.

A saturation maps non-negative media input ``x`` to a response that is 0 at 0 and
non-decreasing in ``x``. Every kernel works elementwise, on NumPy arrays and on
PyTensor tensors (``xp=numpy`` or ``xp=pytensor.tensor``), with parameters that
broadcast against ``x`` (for example one value per media series against ``x`` of
shape ``(date, series)``).

The model divides each media series by its mean spend over non-zero periods
before saturation, so ``x = 1`` is a typical period's spend; the default priors
are set on that scale (half-saturation near the mean spend).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from mmm.errors import DataError, SpecError
from mmm.transforms.adstock import _as_array, _check_domain, _is_numpy
from mmm.transforms.adstock_families import _select_params

__all__ = [
    "HillSaturation",
    "LogisticSaturation",
    "MichaelisMentenSaturation",
    "ESTIMATE",
    "Saturation",
    "hill",
    "hill_derivative",
    "hill_value_and_derivative",
    "logistic",
    "logistic_derivative",
    "logistic_value_and_derivative",
    "michaelis_menten",
    "michaelis_menten_derivative",
    "michaelis_menten_value_and_derivative",
]


def _check_input(x: Any, xp: ModuleType, *, func: str) -> None:
    """Raise DataError when NumPy input holds negative values (NaN passes through)."""
    if not _is_numpy(xp):
        return
    negative = x < 0
    if np.any(negative):
        positions = [tuple(int(i) for i in idx) for idx in np.argwhere(negative)[:5]]
        raise DataError(
            f"{func}: x (media input) must be >= 0; {int(np.sum(negative))} negative "
            f"value(s), the first at positions {positions} with values "
            f"{[float(v) for v in np.atleast_1d(x[negative])[:5]]}. Check the spend "
            "columns: saturation is defined for non-negative spend only."
        )


def _tail(z: Any, xp: ModuleType) -> Any:
    """``exp(-|z|)``, at most 1: ``s(z) = 1 / (1 + e)`` for ``z >= 0``, ``e / (1 + e)`` below,
    and ``s(z) * s(-z) = e / (1 + e) ** 2``."""
    return xp.exp(-xp.abs(z))


def _sigmoid(z: Any, xp: ModuleType, e: Any = None) -> Any:
    """``1 / (1 + exp(-z))``, exact in both tails, with a finite gradient everywhere.

    Each branch of the ``where`` only sees arguments for which ``exp`` is at most 1,
    so the unused branch can neither overflow nor turn the gradient into NaN. With NumPy
    both branches are formed from one exponential, ``e = exp(-|z|)`` (:func:`_tail`,
    passed in when the caller has it): the same numbers as the branch form, bit for bit.
    """
    nonneg = z >= 0
    if _is_numpy(xp):
        e = _tail(z, xp) if e is None else e
        ope = 1.0 + e
        return np.where(nonneg, 1.0 / ope, e / ope)
    z_pos = xp.where(nonneg, z, 0.0)
    e_neg = xp.exp(xp.where(nonneg, 0.0, z))
    return xp.where(nonneg, 1.0 / (1.0 + xp.exp(-z_pos)), e_neg / (1.0 + e_neg))


def _hill_terms(
    x: Any, half: Any, slope: Any, xp: ModuleType, *, func: str, check: bool = True
) -> tuple[Any, Any, Any, Any, Any]:
    """Checked inputs of the Hill curve and its log-odds ``z = slope * (log x - log half)``.

    Returns ``(at_zero, x_safe, z, half, slope)``: where ``x == 0``, ``x`` with 1 there
    (so the logarithm stays finite), ``z`` and the parameters as arrays / tensors.
    ``check=False`` skips the domain checks (for callers that made them once).
    """
    x = _as_array(x, xp)
    half = _as_array(half, xp)
    slope = _as_array(slope, xp)
    if check:
        _check_domain(half, xp, func=func, param="half", lower=0.0, lower_open=True)
        _check_domain(slope, xp, func=func, param="slope", lower=0.0, lower_open=True)
        _check_input(x, xp, func=func)
    at_zero = xp.equal(x, 0.0)
    x_safe = xp.where(at_zero, 1.0, x)
    z = slope * (xp.log(x_safe) - xp.log(half))
    return at_zero, x_safe, z, half, slope


def _hill_value(at_zero: Any, z: Any, xp: ModuleType, e: Any = None) -> Any:
    """The Hill value from :func:`_hill_terms` (0 at zero input)."""
    return xp.where(at_zero, 0.0, _sigmoid(z, xp, e))


def _hill_slope(at_zero, x_safe, z, half, slope, xp: ModuleType, e: Any = None) -> Any:
    """The Hill derivative from :func:`_hill_terms` (the limit at zero input)."""
    # s(z) * s(-z) = e / (1 + e) ** 2 with e = exp(-|z|) <= 1: exact in both tails
    e = _tail(z, xp) if e is None else e
    ope = 1.0 + e
    inner = slope * e / (ope * ope) / x_safe
    limit = xp.where(slope > 1.0, 0.0, xp.where(xp.equal(slope, 1.0), 1.0 / half, np.inf))
    return xp.where(at_zero, limit, inner)


def hill(x: Any, half: Any, slope: Any, *, xp: ModuleType = np, check: bool = True) -> Any:
    """Hill saturation ``x ** slope / (x ** slope + half ** slope)``.

    Computed as the sigmoid of ``slope * (log x - log half)`` with ``x = 0`` handled
    exactly (output 0); the gradient with respect to ``x``, ``half`` and ``slope`` stays
    finite at ``x = 0`` for any slope (it is 0 there), and the value cannot overflow for
    large ``x / half`` or large ``slope``.

    Parameters
    ----------
    x : array_like or TensorVariable, shape (...)
        Media input, >= 0, on the model's scale (1 = mean spend per period).
    half : array_like or TensorVariable, broadcastable to x
        Half-saturation point (output 0.5), > 0, in the unit of ``x``.
    slope : array_like or TensorVariable, broadcastable to x
        Hill coefficient, > 0 (dimensionless); > 1 gives an S-shape, <= 1 a concave curve.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        Check the domains of ``x`` and the parameters (NumPy only; a DataError or
        SpecError names the offending values). ``False`` skips the checks, for callers
        that validated the parameters once and evaluate many inputs.

    Returns
    -------
    array or TensorVariable, shape broadcast(x, half, slope)
        Response in [0, 1).

    Examples
    --------
    >>> float(hill(1.0, half=1.0, slope=2.0))
    0.5
    """
    at_zero, _, z, _, _ = _hill_terms(x, half, slope, xp, func="hill", check=check)
    return _hill_value(at_zero, z, xp)


def hill_derivative(
    x: Any, half: Any, slope: Any, *, xp: ModuleType = np, check: bool = True
) -> Any:
    """Derivative of :func:`hill` with respect to ``x``.

    ``d/dx hill = slope * s(z) * s(-z) / x`` with ``s`` the sigmoid and
    ``z = slope * (log x - log half)`` (the same ``z`` as the value), computed as
    ``slope * e / (1 + e) ** 2 / x`` with ``e = exp(-|z|)``, accurate in both tails; at
    ``x = 0`` the limit: 0 for ``slope > 1``, ``1 / half`` for ``slope = 1``, infinite for
    ``slope < 1``.

    Parameters
    ----------
    x, half, slope : array_like or TensorVariable
        As in :func:`hill`.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    array or TensorVariable, shape broadcast(x, half, slope)
        Response per unit of ``x``, >= 0.

    Examples
    --------
    >>> float(hill_derivative(1.0, half=1.0, slope=2.0))  # 2 * 0.5 * 0.5 / 1
    0.5
    """
    terms = _hill_terms(x, half, slope, xp, func="hill_derivative", check=check)
    return _hill_slope(*terms, xp)


def hill_value_and_derivative(
    x: Any, half: Any, slope: Any, *, xp: ModuleType = np, check: bool = True
) -> tuple[Any, Any]:
    """:func:`hill` and :func:`hill_derivative` in one pass.

    The log-odds ``z`` and, with NumPy, ``exp(-|z|)`` are computed once and shared; the
    results are those of the two functions (bit for bit with NumPy).

    Parameters
    ----------
    x, half, slope : array_like or TensorVariable
        As in :func:`hill`.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    value, derivative : array or TensorVariable, shape broadcast(x, half, slope)

    Examples
    --------
    >>> [float(v) for v in hill_value_and_derivative(1.0, half=1.0, slope=2.0)]
    [0.5, 0.5]
    """
    at_zero, x_safe, z, half, slope = _hill_terms(
        x, half, slope, xp, func="hill_value_and_derivative", check=check
    )
    e = _tail(z, xp) if _is_numpy(xp) else None
    value = _hill_value(at_zero, z, xp, e)
    return value, _hill_slope(at_zero, x_safe, z, half, slope, xp, e)


def _logistic_terms(x: Any, lam: Any, xp: ModuleType, *, func: str, check: bool = True):
    """``(tanh(lam * x / 2), lam)`` with the inputs checked unless ``check=False``."""
    x = _as_array(x, xp)
    lam = _as_array(lam, xp)
    if check:
        _check_domain(lam, xp, func=func, param="lam", lower=0.0, lower_open=True)
        _check_input(x, xp, func=func)
    return xp.tanh(0.5 * lam * x), lam


def _logistic_slope(f: Any, lam: Any) -> Any:
    """The logistic derivative from its value ``f``: ``lam / 2 * (1 - f ** 2)``."""
    return 0.5 * lam * (1.0 - f * f)


def logistic(x: Any, lam: Any, *, xp: ModuleType = np, check: bool = True) -> Any:
    """Logistic saturation ``(1 - exp(-lam * x)) / (1 + exp(-lam * x))``.

    Computed as the identical ``tanh(lam * x / 2)``, which is stable for any ``lam * x``.

    Parameters
    ----------
    x : array_like or TensorVariable, shape (...)
        Media input, >= 0, on the model's scale (1 = mean spend per period).
    lam : array_like or TensorVariable, broadcastable to x
        Steepness, > 0, per unit of ``x``; output 0.5 at ``x = 2 * artanh(0.5) / lam
        = 1.0986 / lam``.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    array or TensorVariable, shape broadcast(x, lam)
        Response in [0, 1).

    Examples
    --------
    >>> round(float(logistic(1.0, lam=2.0)), 6)  # (1 - e^-2) / (1 + e^-2)
    0.761594
    """
    return _logistic_terms(x, lam, xp, func="logistic", check=check)[0]


def logistic_derivative(x: Any, lam: Any, *, xp: ModuleType = np, check: bool = True) -> Any:
    """Derivative of :func:`logistic` with respect to ``x``: ``lam / 2 * (1 - tanh(lam x / 2) ** 2)``.

    Parameters
    ----------
    x, lam : array_like or TensorVariable
        As in :func:`logistic`.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    array or TensorVariable, shape broadcast(x, lam)
        Response per unit of ``x``, in (0, lam / 2].

    Examples
    --------
    >>> float(logistic_derivative(0.0, lam=2.0))
    1.0
    """
    return _logistic_slope(*_logistic_terms(x, lam, xp, func="logistic_derivative", check=check))


def logistic_value_and_derivative(
    x: Any, lam: Any, *, xp: ModuleType = np, check: bool = True
) -> tuple[Any, Any]:
    """:func:`logistic` and :func:`logistic_derivative` in one pass (one ``tanh``).

    Parameters
    ----------
    x, lam : array_like or TensorVariable
        As in :func:`logistic`.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    value, derivative : array or TensorVariable, shape broadcast(x, lam)

    Examples
    --------
    >>> [float(v) for v in logistic_value_and_derivative(0.0, lam=2.0)]
    [0.0, 1.0]
    """
    f, lam = _logistic_terms(x, lam, xp, func="logistic_value_and_derivative", check=check)
    return f, _logistic_slope(f, lam)


def _mm_terms(x: Any, vmax: Any, k: Any, xp: ModuleType, *, func: str, check: bool = True):
    """``(x, vmax, k, k + x)`` as arrays / tensors, checked unless ``check=False``."""
    x = _as_array(x, xp)
    vmax = _as_array(vmax, xp)
    k = _as_array(k, xp)
    if check:
        _check_domain(vmax, xp, func=func, param="vmax", lower=0.0, lower_open=True)
        _check_domain(k, xp, func=func, param="k", lower=0.0, lower_open=True)
        _check_input(x, xp, func=func)
    return x, vmax, k, k + x


def michaelis_menten(x: Any, vmax: Any, k: Any, *, xp: ModuleType = np, check: bool = True) -> Any:
    """Michaelis-Menten saturation ``vmax * x / (k + x)``.

    Parameters
    ----------
    x : array_like or TensorVariable, shape (...)
        Media input, >= 0, on the model's scale (1 = mean spend per period).
    vmax : array_like or TensorVariable, broadcastable to x
        Asymptotic response, > 0, in the output's unit.
    k : array_like or TensorVariable, broadcastable to x
        Input at which the response is ``vmax / 2``, > 0, in the unit of ``x``.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    array or TensorVariable, shape broadcast(x, vmax, k)
        Response in [0, vmax).

    Examples
    --------
    >>> float(michaelis_menten(3.0, vmax=2.0, k=1.0))
    1.5
    """
    x, vmax, _, kx = _mm_terms(x, vmax, k, xp, func="michaelis_menten", check=check)
    return vmax * x / kx


def michaelis_menten_derivative(
    x: Any, vmax: Any, k: Any, *, xp: ModuleType = np, check: bool = True
) -> Any:
    """Derivative of :func:`michaelis_menten` with respect to ``x``: ``vmax * k / (k + x) ** 2``.

    Parameters
    ----------
    x, vmax, k : array_like or TensorVariable
        As in :func:`michaelis_menten`.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    array or TensorVariable, shape broadcast(x, vmax, k)
        Response per unit of ``x``, in (0, vmax / k].

    Examples
    --------
    >>> float(michaelis_menten_derivative(1.0, vmax=2.0, k=1.0))  # 2 * 1 / 2 ** 2
    0.5
    """
    _, vmax, k, kx = _mm_terms(x, vmax, k, xp, func="michaelis_menten_derivative", check=check)
    return vmax * k / kx**2


def michaelis_menten_value_and_derivative(
    x: Any, vmax: Any, k: Any, *, xp: ModuleType = np, check: bool = True
) -> tuple[Any, Any]:
    """:func:`michaelis_menten` and :func:`michaelis_menten_derivative` in one pass.

    Parameters
    ----------
    x, vmax, k : array_like or TensorVariable
        As in :func:`michaelis_menten`.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.
    check : bool, default True
        As in :func:`hill`.

    Returns
    -------
    value, derivative : array or TensorVariable, shape broadcast(x, vmax, k)

    Examples
    --------
    >>> [float(v) for v in michaelis_menten_value_and_derivative(1.0, vmax=2.0, k=1.0)]
    [1.0, 0.5]
    """
    x, vmax, k, kx = _mm_terms(
        x, vmax, k, xp, func="michaelis_menten_value_and_derivative", check=check
    )
    return vmax * x / kx, vmax * k / kx**2


# --------------------------------------------------------------------------------------
# Declarative classes
# --------------------------------------------------------------------------------------


@runtime_checkable
class Saturation(Protocol):
    """What the model needs from a saturation: its parameters, the curve and priors."""

    name: str
    param_names: tuple[str, ...]

    def apply(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Saturated input, shape broadcast(x, params); ``check=False`` skips the domain
        checks (for callers that validated the parameters once)."""
        ...

    def derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Derivative of :meth:`apply` with respect to ``x``, shape broadcast(x, params)."""
        ...

    def value_and_derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> tuple[Any, Any]:
        """:meth:`apply` and :meth:`derivative` in one pass over shared intermediates."""
        ...

    def default_priors(self) -> dict[str, dict[str, Any]]:
        """Prior per parameter as ``{"dist": <PyMC name>, **kwargs}``."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON / TOML) that the registry turns back into the same saturation."""
        ...


ESTIMATE = "estimate"


def _check_fixed(value: Any, *, owner: str, option: str) -> float | None:
    """Validate an optional fixed parameter: None or "estimate" (estimated), or a number > 0."""
    if value is None or value == ESTIMATE:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise SpecError(
            f"{owner}: {option} must be None or {ESTIMATE!r} (estimate it) or a finite "
            f"number > 0 (fix it); received {value!r}."
        )
    return float(value)


# priors on the model's scale: x = 1 is the mean spend per non-zero period
_HALF_PRIOR = {"dist": "LogNormal", "mu": 0.0, "sigma": 0.5}  # median 1; sampled as log H
# slope > 1: concave near 1, S-shaped above; never steeper at zero spend than the
# Michaelis-Menten curve (a slope below 1 has an infinite marginal return at zero spend).
# The excess over 1 is log-normal (median 0.5, 90 % in 0.26-0.96): its density vanishes
# at the bound, so the sampler's log scale has no long tail towards slope 1 to wander in
# (a prior with weight at the bound, e.g. 1 + HalfNormal, left the slope of an awareness
# channel, traded against its half-saturation, with too few effective draws). Its spread
# is 0.4 on the log scale. Where the data say little about the curve's shape (Meridian's
# national demo data) the slope follows its prior; with a spread of 0.7 the divergent
# trajectories there ran into the slope's tails (excess e^-5.8 to e^1.7, slopes up to 6)
# together with the channel's return and half-saturation: divergences in 4 of 6 default
# fits, none in 12 with 0.4 (docs/model.md, section 3)
_SLOPE_PRIOR = {"dist": "LogNormal", "mu": float(np.log(0.5)), "sigma": 0.4, "shift": 1.0}
_LAM_PRIOR = {"dist": "Gamma", "alpha": 3.0, "beta": 3.0}  # mean 1 (46 % saturated at x = 1)
_K_PRIOR = {"dist": "Gamma", "alpha": 4.0, "beta": 4.0}  # mean 1, sd 0.5
_VMAX_PRIOR = {"dist": "Gamma", "alpha": 4.0, "beta": 4.0}  # mean 1, sd 0.5


@dataclass(frozen=True, kw_only=True)
class HillSaturation:
    """Hill curve (see :func:`hill`); parameters ``half`` and, unless fixed, ``slope``.

    Parameters
    ----------
    slope : float, None or "estimate", default None
        None (or ``"estimate"``) estimates the slope (prior 1 + LogNormal(log 0.5, 0.4):
        median 1.5, 90 % in 1.26-1.97); a number fixes it (``slope=1.0`` gives a concave curve,
        the Michaelis-Menten shape).
    """

    slope: float | str | None = None

    name: ClassVar[str] = "hill"

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "slope", _check_fixed(self.slope, owner="HillSaturation", option="slope")
        )

    @property
    def param_names(self) -> tuple[str, ...]:
        """``("half", "slope")``, or ``("half",)`` when the slope is fixed."""
        return ("half",) if self.slope is not None else ("half", "slope")

    def apply(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Hill response of ``x``; ``params`` maps ``param_names`` to broadcastable values."""
        p = _select_params(params, self.param_names, owner="HillSaturation")
        slope = p["slope"] if self.slope is None else self.slope
        return hill(x, p["half"], slope, xp=xp, check=check)

    def derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Derivative of :meth:`apply` with respect to ``x`` (see :func:`hill_derivative`)."""
        p = _select_params(params, self.param_names, owner="HillSaturation")
        slope = p["slope"] if self.slope is None else self.slope
        return hill_derivative(x, p["half"], slope, xp=xp, check=check)

    def value_and_derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> tuple[Any, Any]:
        """:meth:`apply` and :meth:`derivative` in one pass (see
        :func:`hill_value_and_derivative`)."""
        p = _select_params(params, self.param_names, owner="HillSaturation")
        slope = p["slope"] if self.slope is None else self.slope
        return hill_value_and_derivative(x, p["half"], slope, xp=xp, check=check)

    def default_priors(self) -> dict[str, dict[str, Any]]:
        """Half-saturation near the mean spend, ``half ~ LogNormal(0, 0.5)``; slope at least 1,
        ``slope = 1 + LogNormal(log 0.5, 0.4)`` (the model samples the excess over 1,
        ``saturation_slope_excess``)."""
        priors = {"half": _HALF_PRIOR}
        if self.slope is None:
            priors["slope"] = _SLOPE_PRIOR
        return copy.deepcopy(priors)

    def to_dict(self) -> dict[str, Any]:
        """``{"name": "hill", "slope": <number or "estimate">}``."""
        return {"name": self.name, "slope": ESTIMATE if self.slope is None else self.slope}


@dataclass(frozen=True, kw_only=True)
class LogisticSaturation:
    """Logistic curve (see :func:`logistic`); parameter ``lam``.

    The default prior ``lam ~ Gamma(3, 3)`` (mean 1) puts the typical channel at 46 %
    of saturation at its mean spend, the analogue on mean-scaled spend of the usual
    ``Gamma(3, 1)`` on spend scaled to its maximum.
    """

    name: ClassVar[str] = "logistic"
    param_names: ClassVar[tuple[str, ...]] = ("lam",)

    def apply(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Logistic response of ``x``; ``params = {"lam": values broadcastable to x}``."""
        p = _select_params(params, self.param_names, owner="LogisticSaturation")
        return logistic(x, p["lam"], xp=xp, check=check)

    def derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Derivative of :meth:`apply` with respect to ``x`` (see :func:`logistic_derivative`)."""
        p = _select_params(params, self.param_names, owner="LogisticSaturation")
        return logistic_derivative(x, p["lam"], xp=xp, check=check)

    def value_and_derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> tuple[Any, Any]:
        """:meth:`apply` and :meth:`derivative` in one pass (see
        :func:`logistic_value_and_derivative`)."""
        p = _select_params(params, self.param_names, owner="LogisticSaturation")
        return logistic_value_and_derivative(x, p["lam"], xp=xp, check=check)

    def default_priors(self) -> dict[str, dict[str, Any]]:
        """``lam ~ Gamma(3, 3)``."""
        return copy.deepcopy({"lam": _LAM_PRIOR})

    def to_dict(self) -> dict[str, Any]:
        """``{"name": "logistic"}``."""
        return {"name": self.name}


@dataclass(frozen=True, kw_only=True)
class MichaelisMentenSaturation:
    """Michaelis-Menten curve (see :func:`michaelis_menten`); parameters ``k`` and maybe ``vmax``.

    Parameters
    ----------
    vmax : float, None or "estimate", default 1.0
        A number fixes the asymptote; the default 1.0 leaves the scale of the response
        to the model's media coefficient (an estimated ``vmax`` and a coefficient are not
        separately identified). None (or ``"estimate"``) estimates it (prior Gamma(4, 4)).
    """

    vmax: float | str | None = 1.0

    name: ClassVar[str] = "michaelis_menten"

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "vmax",
            _check_fixed(self.vmax, owner="MichaelisMentenSaturation", option="vmax"),
        )

    @property
    def param_names(self) -> tuple[str, ...]:
        """``("k",)``, or ``("vmax", "k")`` when ``vmax`` is estimated."""
        return ("k",) if self.vmax is not None else ("vmax", "k")

    def apply(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Michaelis-Menten response of ``x``; ``params`` maps ``param_names`` to values."""
        p = _select_params(params, self.param_names, owner="MichaelisMentenSaturation")
        vmax = p["vmax"] if self.vmax is None else self.vmax
        return michaelis_menten(x, vmax, p["k"], xp=xp, check=check)

    def derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> Any:
        """Derivative of :meth:`apply` with respect to ``x`` (see
        :func:`michaelis_menten_derivative`)."""
        p = _select_params(params, self.param_names, owner="MichaelisMentenSaturation")
        vmax = p["vmax"] if self.vmax is None else self.vmax
        return michaelis_menten_derivative(x, vmax, p["k"], xp=xp, check=check)

    def value_and_derivative(
        self, x: Any, params: Mapping[str, Any], *, xp: ModuleType = np, check: bool = True
    ) -> tuple[Any, Any]:
        """:meth:`apply` and :meth:`derivative` in one pass (see
        :func:`michaelis_menten_value_and_derivative`)."""
        p = _select_params(params, self.param_names, owner="MichaelisMentenSaturation")
        vmax = p["vmax"] if self.vmax is None else self.vmax
        return michaelis_menten_value_and_derivative(x, vmax, p["k"], xp=xp, check=check)

    def default_priors(self) -> dict[str, dict[str, Any]]:
        """``k ~ Gamma(4, 4)`` (half response near the mean spend); ``vmax ~ Gamma(4, 4)``."""
        priors = {"k": _K_PRIOR}
        if self.vmax is None:
            priors = {"vmax": _VMAX_PRIOR, **priors}
        return copy.deepcopy(priors)

    def to_dict(self) -> dict[str, Any]:
        """``{"name": "michaelis_menten", "vmax": <number or "estimate">}``."""
        return {"name": self.name, "vmax": ESTIMATE if self.vmax is None else self.vmax}
