"""The written form of a default prior, read in one place.

A prior is a plain dict ``{"dist": <PyMC distribution name>, **parameters}``, optionally
with ``"shift"`` and ``"factor"``: the variable is then ``shift + factor * law``, where
``law`` is the named distribution (``shift`` 0 and ``factor`` 1 when absent). A shift puts
a law on ``(shift, inf)`` (the Hill slope above 1); a factor stretches a law on ``(0, 1)``
to ``(0, factor)`` (the delayed peak lag, bounded by half its window).

The model (:mod:`mmm.model.build`), the SciPy form of the priors
(:func:`mmm.analysis.priors.scipy_prior`) and the model page's statement of them all read
priors through :func:`split_prior`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PriorParts:
    """A prior dict taken apart: the variable is ``shift + factor * dist(**params)``."""

    dist: str
    params: dict[str, Any]
    shift: float = 0.0
    factor: float = 1.0

    @property
    def affine(self) -> bool:
        """Whether the variable is a moved or stretched law (not the law itself)."""
        return self.shift != 0.0 or self.factor != 1.0

    def text(self) -> str:
        """The prior as the model page writes it, e.g. ``1 + LogNormal(-0.693, 0.7)``
        or ``6.5 * Beta(2.46, 5.54)`` (parameters in PyMC's order, ``:g``-formatted)."""
        out = f"{self.dist}({', '.join(f'{v:g}' for v in self.params.values())})"
        if self.factor != 1.0:
            out = f"{self.factor:g} * {out}"
        if self.shift != 0.0:
            out = f"{self.shift:g} + {out}"
        return out


def split_prior(d: Mapping[str, Any]) -> PriorParts:
    """Take a prior dict apart (see the module docstring).

    Parameters
    ----------
    d : dict
        ``{"dist": name, **params}``, with ``"shift"`` and ``"factor"`` optional.

    Returns
    -------
    PriorParts

    Examples
    --------
    >>> p = split_prior({"dist": "Beta", "alpha": 2.0, "beta": 5.0, "factor": 6.5})
    >>> p.dist, p.params, p.factor, p.text()
    ('Beta', {'alpha': 2.0, 'beta': 5.0}, 6.5, '6.5 * Beta(2, 5)')
    """
    params = dict(d)
    dist = params.pop("dist")
    shift = float(params.pop("shift", 0.0))
    factor = float(params.pop("factor", 1.0))
    if factor <= 0.0:
        raise ValueError(f"prior {dist!r}: factor must be positive; received {factor!r}.")
    return PriorParts(dist=dist, params=params, shift=shift, factor=factor)


def bounded_lag_prior(mean: float, sd: float, upper: float) -> dict[str, Any]:
    """A lag prior on ``(0, upper)``: ``upper * Beta(a, b)`` with the given mean and sd.

    When the bound is tight the mean is capped at ``upper / 2`` and the sd at ``upper / 4``
    (``a = b = 1.5`` when both caps apply, a density that vanishes at both ends). ``a``
    and ``b`` are rounded to two decimals (the model page states them).

    Parameters
    ----------
    mean, sd : float
        Mean and standard deviation of the lag, in the unit of ``upper``.
    upper : float
        The largest lag the prior allows.

    Returns
    -------
    dict
        ``{"dist": "Beta", "alpha": a, "beta": b, "factor": upper}``.

    Examples
    --------
    >>> bounded_lag_prior(2.0, 1.0, 6.5)
    {'dist': 'Beta', 'alpha': 2.46, 'beta': 5.54, 'factor': 6.5}
    """
    if not upper > 0.0:
        raise ValueError(f"bounded_lag_prior: upper must be positive; received {upper!r}.")
    m = min(float(mean), upper / 2.0) / upper
    s = min(float(sd), upper / 4.0) / upper
    k = m * (1.0 - m) / (s * s) - 1.0
    return {
        "dist": "Beta",
        "alpha": round(k * m, 2),
        "beta": round(k * (1.0 - m), 2),
        "factor": round(float(upper), 4),
    }
