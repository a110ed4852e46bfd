"""A tiny PyMC model for the compile and cache tests: a line through data with normal
noise, its data as ``pm.Data`` (``x``, ``y_obs``)."""

from __future__ import annotations

import numpy as np


def tiny_model(y, *, deterministic: bool = False):
    """A model of ``y`` (free variables ``a`` and ``s``, in that order); with
    ``deterministic``, the traced ``double_a = 2 a`` too."""
    import pymc as pm

    with pm.Model() as m:
        x = pm.Data("x", np.linspace(0.0, 1.0, len(y)))
        yd = pm.Data("y_obs", y)
        a = pm.Normal("a", 0.0, 1.0)
        s = pm.HalfNormal("s", 1.0)
        pm.Normal("y", a * x, s, observed=yd, shape=x.shape)
        if deterministic:
            pm.Deterministic("double_a", 2.0 * a)
    return m
