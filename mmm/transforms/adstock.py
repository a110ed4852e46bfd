"""Adstock (carry-over) kernels: lag weights, their application and summaries (the
declarative classes are in :mod:`mmm.transforms.adstock_families`).

Adstock spreads the effect of one period's spend over the following periods.
A kernel returns lag weights of shape ``(..., l_max)``, lag 0 (the period of
spend) first, where ``...`` is the broadcast shape of the parameters (for
example one value per media series). :func:`convolve_adstock` applies weights
of that shape to spend of shape ``(date, *series_dims)``.

Every kernel works on NumPy arrays and on PyTensor tensors: pass ``xp=numpy``
(the default) or ``xp=pytensor.tensor``. The same code builds the PyMC model
and evaluates posterior draws, so the two can never disagree. Parameter
domains are checked for NumPy input only; for PyTensor input the priors
enforce them.

Periods are the model's time step (weeks for weekly data): ``l_max``,
``theta`` and the Weibull ``scale`` are counted in periods.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from mmm.errors import SpecError
from mmm.transforms.carryover import carryover_numpy

__all__ = [
    "convolve_adstock",
    "delayed_weights",
    "geometric_weights",
    "half_life",
    "mean_lag",
    "weibull_weights",
]

WEIBULL_KINDS = ("pdf", "cdf")


# --------------------------------------------------------------------------------------
# Array-module helpers (shared with mmm.transforms.saturation)
# --------------------------------------------------------------------------------------


def _is_numpy(xp: ModuleType) -> bool:
    """Return True for NumPy, False for PyTensor; raise SpecError for any other module."""
    if xp is np:
        return True
    if getattr(xp, "__name__", None) == "pytensor.tensor":
        return False
    raise SpecError(
        f"xp must be the module numpy or pytensor.tensor; received {xp!r}. "
        "Pass `xp=numpy` for arrays or `xp=pytensor.tensor` for symbolic tensors."
    )


def _as_array(value: Any, xp: ModuleType) -> Any:
    """Return ``value`` as a float64 NumPy array, or as a PyTensor variable.

    Python and NumPy numbers become float64 constants in PyTensor too (PyTensor
    would otherwise turn a Python float into float32).
    """
    if _is_numpy(xp):
        return np.asarray(value, dtype=np.float64)
    from pytensor.graph.basic import Variable

    if isinstance(value, Variable):
        return value
    return xp.as_tensor_variable(np.asarray(value, dtype=np.float64))


def _check_domain(
    value: Any,
    xp: ModuleType,
    *,
    func: str,
    param: str,
    lower: float,
    upper: float = np.inf,
    lower_open: bool = False,
    upper_open: bool = False,
) -> None:
    """Raise SpecError when a NumPy parameter lies outside its domain (NaN included).

    Symbolic (PyTensor) values are not checked: the priors keep them in their domain.
    """
    if not _is_numpy(xp):
        return
    arr = np.asarray(value, dtype=np.float64)
    above = arr > lower if lower_open else arr >= lower
    below = arr < upper if upper_open else arr <= upper
    bad = ~(above & below)
    if not np.any(bad):
        return
    positions = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)[:5]]
    values = [float(v) for v in np.atleast_1d(arr[bad])[:5]]
    left = "(" if lower_open else "["
    right = ")" if upper_open else "]"
    raise SpecError(
        f"{func}: parameter {param!r} must lie in {left}{lower}, {upper}{right}; "
        f"{int(np.sum(bad))} value(s) lie outside, the first at positions {positions} "
        f"with values {values}. Pass values inside the domain (check the prior or the draws)."
    )


def _check_l_max(l_max: Any, *, func: str) -> int:
    """Return ``l_max`` as an int after checking it is a whole number >= 1."""
    if isinstance(l_max, bool) or not isinstance(l_max, int | np.integer) or l_max < 1:
        raise SpecError(
            f"{func}: l_max (the number of lags, lag 0 included) must be an integer >= 1; "
            f"received {l_max!r}. Use for example l_max=8 for eight periods of carry-over."
        )
    return int(l_max)


def _check_bool(value: Any, *, func: str, option: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise SpecError(f"{func}: {option} must be True or False; received {value!r}.")
    return bool(value)


def _last_axis(param: Any, xp: ModuleType) -> Any:
    """Add a trailing length-1 axis so a parameter broadcasts against the lag axis."""
    return xp.expand_dims(param, -1)


def _normalise(w: Any, xp: ModuleType, *, func: str) -> Any:
    total = xp.sum(w, axis=-1, keepdims=True)
    if _is_numpy(xp) and np.any(total <= 0):
        raise SpecError(
            f"{func}: the lag weights sum to 0 for some parameter values, so they cannot be "
            "normalised (every weight underflowed). Widen the window (l_max) or move the "
            "parameters towards longer carry-over."
        )
    return w / total


# --------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------


def geometric_weights(
    alpha: Any, *, l_max: int, normalize: bool = True, xp: ModuleType = np
) -> Any:
    """Geometric (exponential decay) adstock weights ``w_l = alpha ** l``.

    Parameters
    ----------
    alpha : array_like or TensorVariable, shape (...)
        Retention rate per period, in [0, 1]; 0 means no carry-over.
    l_max : int
        Number of lags, lag 0 included (periods).
    normalize : bool, default True
        Divide by the sum over lags so the weights sum to 1 (the total effect of one
        unit of spend is then independent of ``alpha``).
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array or TensorVariable, shape (..., l_max)
        Weights per lag, lag 0 first; dimensionless.

    Examples
    --------
    >>> geometric_weights(0.5, l_max=3)  # [1, 1/2, 1/4] / (7/4)
    array([0.57142857, 0.28571429, 0.14285714])
    """
    func = "geometric_weights"
    l_max = _check_l_max(l_max, func=func)
    normalize = _check_bool(normalize, func=func, option="normalize")
    alpha = _as_array(alpha, xp)
    _check_domain(alpha, xp, func=func, param="alpha", lower=0.0, upper=1.0)
    lags = np.arange(l_max, dtype=np.float64)
    w = xp.power(_last_axis(alpha, xp), lags)
    return _normalise(w, xp, func=func) if normalize else w


def delayed_weights(
    alpha: Any, theta: Any, *, l_max: int, normalize: bool = True, xp: ModuleType = np
) -> Any:
    """Delayed adstock weights ``w_l = alpha ** ((l - theta) ** 2)`` (Jin et al., 2017).

    The effect peaks ``theta`` periods after the spend and decays on both sides.

    Parameters
    ----------
    alpha : array_like or TensorVariable, shape (...)
        Retention rate, in (0, 1]; smaller values concentrate the effect at the peak.
    theta : array_like or TensorVariable, shape (...)
        Lag of the peak effect, in periods, >= 0 (may be fractional).
    l_max : int
        Number of lags, lag 0 included (periods).
    normalize : bool, default True
        Divide by the sum over lags so the weights sum to 1.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array or TensorVariable, shape (..., l_max)
        Weights per lag, lag 0 first; ``...`` is the broadcast shape of alpha and theta.
    """
    func = "delayed_weights"
    l_max = _check_l_max(l_max, func=func)
    normalize = _check_bool(normalize, func=func, option="normalize")
    alpha = _as_array(alpha, xp)
    theta = _as_array(theta, xp)
    _check_domain(alpha, xp, func=func, param="alpha", lower=0.0, upper=1.0, lower_open=True)
    _check_domain(theta, xp, func=func, param="theta", lower=0.0)
    lags = np.arange(l_max, dtype=np.float64)
    w = xp.power(_last_axis(alpha, xp), xp.power(lags - _last_axis(theta, xp), 2))
    return _normalise(w, xp, func=func) if normalize else w


def weibull_weights(
    shape: Any,
    scale: Any,
    *,
    l_max: int,
    kind: str = "pdf",
    normalize: bool = True,
    xp: ModuleType = np,
) -> Any:
    """Weibull adstock weights, in the two forms used by Robyn.

    With ``k = shape`` and ``s = scale`` (in periods), the Weibull distribution has
    ``CDF(u) = 1 - exp(-(u / s) ** k)`` and
    ``pdf(u) = (k / s) * (u / s) ** (k - 1) * exp(-(u / s) ** k)``.

    * ``kind="cdf"``: a decay whose rate changes over time. Lag 0 has weight 1 and each
      later lag keeps the survival ``1 - CDF(j)`` of the previous one::

          w_l = prod_{j=1}^{l} (1 - CDF(j)) = exp(-sum_{j=1}^{l} (j / s) ** k)

      ``k = 1`` gives a decay that speeds up linearly; ``k < 1`` gives a long tail.
    * ``kind="pdf"``: a flexible, possibly delayed, peak: ``w_l = pdf(l + 1)``. ``k > 1``
      puts the peak after lag 0, ``k <= 1`` decays from lag 0.

    Robyn expresses the scale as a quantile of the window (a number in [0, 1] that it
    rounds to a whole lag); here ``scale`` is in periods and is not rounded, so it has a
    gradient.

    Parameters
    ----------
    shape : array_like or TensorVariable, shape (...)
        Weibull shape ``k`` > 0 (dimensionless).
    scale : array_like or TensorVariable, shape (...)
        Weibull scale ``s`` > 0, in periods.
    l_max : int
        Number of lags, lag 0 included (periods).
    kind : {"pdf", "cdf"}, default "pdf"
        Which form, see above.
    normalize : bool, default True
        Divide by the sum over lags so the weights sum to 1. With ``False`` the "cdf"
        weights start at 1 (Robyn's convention) and the "pdf" weights are density values.
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array or TensorVariable, shape (..., l_max)
        Weights per lag, lag 0 first; ``...`` is the broadcast shape of shape and scale.
    """
    func = "weibull_weights"
    l_max = _check_l_max(l_max, func=func)
    normalize = _check_bool(normalize, func=func, option="normalize")
    if kind not in WEIBULL_KINDS:
        raise SpecError(
            f"{func}: kind must be one of {list(WEIBULL_KINDS)}; received {kind!r}. "
            "Use 'cdf' for a decay with a time-varying rate or 'pdf' for a delayed peak."
        )
    shape = _as_array(shape, xp)
    scale = _as_array(scale, xp)
    _check_domain(shape, xp, func=func, param="shape", lower=0.0, lower_open=True)
    _check_domain(scale, xp, func=func, param="scale", lower=0.0, lower_open=True)
    k = _last_axis(shape, xp)
    s = _last_axis(scale, xp)
    if kind == "pdf":
        u = np.arange(1, l_max + 1, dtype=np.float64) / s
        w = (k / s) * xp.power(u, k - 1.0) * xp.exp(-xp.power(u, k))
    else:
        # hazard terms (j / s) ** k for j = 1 .. l_max - 1, summed over j <= l by a fixed
        # 0/1 matrix (exact, differentiable, and valid for l_max = 1 where no term exists)
        j = np.arange(1, l_max, dtype=np.float64)
        terms = xp.power(j / s, k)  # (..., l_max - 1)
        upto = (j[:, None] <= np.arange(l_max)[None, :]).astype(np.float64)  # (l_max - 1, l_max)
        cumulative = xp.sum(xp.expand_dims(terms, -1) * upto, axis=-2)  # (..., l_max)
        w = xp.exp(-cumulative)
    return _normalise(w, xp, func=func) if normalize else w


def convolve_adstock(x: Any, weights: Any, *, xp: ModuleType = np) -> Any:
    """Apply lag weights to spend: ``y[t, ...] = sum_l weights[..., l] * x[t - l, ...]``.

    Spend before the first date is taken as 0 (the first ``l_max - 1`` outputs see only
    the spend inside the data). In NumPy the loop runs over lags; every series is
    handled at once by broadcasting. In PyTensor it is one operation
    (:func:`mmm.transforms.carryover_op.carryover`) whose NumPy form is that loop.

    Parameters
    ----------
    x : array_like or TensorVariable, shape (date, *series_dims)
        Spend (or any media input) per period, in any unit; the output is in the same unit.
    weights : array_like or TensorVariable, shape (*series_dims, l_max)
        Lag weights, lag 0 first; the leading dims broadcast against ``x.shape[1:]``
        (for example ``(series, l_max)`` against ``x`` of shape ``(date, geo, series)``,
        or ``(l_max,)`` for one set of weights for every series). For PyTensor the lag
        length must be known statically (use ``pytensor.tensor.specify_shape`` if not).
    xp : module, default numpy
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    array or TensorVariable, shape (date, *broadcast(series_dims))
        Adstocked input; the shape of ``x`` whenever the weights' leading dims broadcast to it.

    Examples
    --------
    >>> convolve_adstock([1.0, 0.0, 0.0, 2.0], [0.5, 0.3, 0.2])
    array([0.5, 0.3, 0.2, 1. ])
    """
    func = "convolve_adstock"
    x = _as_array(x, xp)
    weights = _as_array(weights, xp)
    if x.ndim < 1 or weights.ndim < 1:
        raise SpecError(
            f"{func}: x needs a leading date axis and weights a trailing lag axis; received "
            f"x with {x.ndim} dims and weights with {weights.ndim} dims."
        )
    if weights.ndim > x.ndim:
        raise SpecError(
            f"{func}: weights have {weights.ndim - 1} series dims but x has only "
            f"{x.ndim - 1} (after its date axis); the weights' leading dims must broadcast "
            "against x.shape[1:]. Give x the series dims, e.g. x of shape (date, series)."
        )
    if _is_numpy(xp):
        l_max = weights.shape[-1]
        try:
            np.broadcast_shapes(x.shape[1:], weights.shape[:-1])
        except ValueError:
            raise SpecError(
                f"{func}: weights of shape {weights.shape} (series dims {weights.shape[:-1]}, "
                f"then lags) do not broadcast against x of shape {x.shape} (date, then "
                f"series dims {x.shape[1:]}). Give one set of weights per series, in the "
                "order of x's series dims."
            ) from None
    else:
        l_max = weights.type.shape[-1]
        if l_max is None:
            raise SpecError(
                f"{func}: the lag length of the weights (last axis) is not known statically. "
                "Build them with the kernels of mmm.transforms (which fix it from l_max) or "
                "wrap them in pytensor.tensor.specify_shape."
            )
    if l_max < 1:
        raise SpecError(f"{func}: weights need at least one lag; received {l_max}.")
    if not _is_numpy(xp):
        # one operation with its own gradient (mmm.transforms.carryover_op), whose NumPy
        # form is carryover_numpy
        from mmm.transforms.carryover_op import carryover

        return carryover(x, weights)
    return carryover_numpy(x, weights)


# --------------------------------------------------------------------------------------
# Summaries of weights (NumPy only)
# --------------------------------------------------------------------------------------


def lag_stack(x: Any, l_max: int) -> np.ndarray:
    """Lagged copies of ``x`` on a new last axis: ``out[t, ..., l] = x[t - l, ...]``.

    Values before the first date are 0, as in :func:`convolve_adstock`, so that
    ``(lag_stack(x, L) * w).sum(-1) == convolve_adstock(x, w)`` for weights ``w`` of
    length ``L``. Used by the lift-test term, which holds the spend of each experiment's
    window and its counterfactual by lag.

    Parameters
    ----------
    x : array_like, shape (date, ...)
    l_max : int
        Number of lags (lag 0 included).

    Returns
    -------
    numpy.ndarray, shape (date, ..., l_max)
    """
    l_max = _check_l_max(l_max, func="lag_stack")
    x = np.asarray(x, dtype=float)
    if x.ndim < 1:
        raise SpecError(f"lag_stack: x needs a leading date axis; received a {x.ndim}-d value.")
    out = np.zeros((*x.shape, l_max))
    for lag in range(l_max):
        if lag == 0:
            out[..., 0] = x
        elif lag < x.shape[0]:
            out[lag:, ..., lag] = x[:-lag]
    return out


def _checked_weights(weights: Any, *, func: str) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim < 1 or w.shape[-1] < 1:
        raise SpecError(f"{func}: weights need a trailing lag axis; received shape {w.shape}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise SpecError(
            f"{func}: weights must be finite and >= 0; received {int(np.sum(~(w >= 0)))} "
            "negative or NaN value(s) and "
            f"{int(np.sum(np.isinf(w)))} infinite value(s). Pass weights from an adstock kernel."
        )
    total = w.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise SpecError(f"{func}: weights sum to 0 along the lag axis for some series.")
    return w / total


def half_life(weights: Any) -> np.ndarray:
    """Lag by which half of the total adstock effect has been delivered.

    The weights are normalised to sum to 1 and accumulated over lags,
    ``C_l = w_0 + ... + w_l``. The half-life is the first lag ``l`` with ``C_l >= 0.5``,
    refined by linear interpolation between the points ``(l - 1, C_{l-1})`` and
    ``(l, C_l)``: ``half_life = l - 1 + (0.5 - C_{l-1}) / w_l``. When lag 0 already
    carries at least half of the weight, the half-life is 0. It is the (interpolated)
    median lag, on the same lag scale as :func:`mean_lag`.

    Parameters
    ----------
    weights : array_like, shape (..., l_max)
        Non-negative lag weights, lag 0 first (normalised or not).

    Returns
    -------
    numpy.ndarray, shape (...)
        Half-life in periods, in [0, l_max - 1].

    Examples
    --------
    >>> round(float(half_life([0.2, 0.2, 0.6])), 6)  # C = [0.2, 0.4, 1.0] -> 1 + 0.1 / 0.6
    1.166667
    """
    w = _checked_weights(weights, func="half_life")
    cum = np.cumsum(w, axis=-1)
    # guard against a last cumulative value a rounding error below 0.5
    first = np.argmax(cum >= 0.5 - 1e-12, axis=-1)[..., None]
    prev = np.where(first > 0, np.take_along_axis(cum, np.maximum(first - 1, 0), axis=-1), 0.0)
    w_first = np.take_along_axis(w, first, axis=-1)
    frac = np.clip((0.5 - prev) / w_first, 0.0, 1.0)
    out = np.where(first > 0, first - 1 + frac, 0.0)
    return out[..., 0]


def mean_lag(weights: Any) -> np.ndarray:
    """Weighted mean lag ``sum_l l * w_l / sum_l w_l``.

    Parameters
    ----------
    weights : array_like, shape (..., l_max)
        Non-negative lag weights, lag 0 first (normalised or not).

    Returns
    -------
    numpy.ndarray, shape (...)
        Mean lag in periods, in [0, l_max - 1]; 0 means no carry-over.

    Examples
    --------
    >>> float(mean_lag([4, 2, 1]))  # (0 * 4 + 1 * 2 + 2 * 1) / 7
    0.5714285714285714
    """
    w = _checked_weights(weights, func="mean_lag")
    return np.sum(w * np.arange(w.shape[-1], dtype=np.float64), axis=-1)


# --------------------------------------------------------------------------------------
# Declarative classes
# --------------------------------------------------------------------------------------
