"""Fitting, diagnostics and persistence of models."""

from mmm.inference.diagnostics import Diagnostics, compute_diagnostics
from mmm.inference.fit import FitResult, fit

__all__ = ["Diagnostics", "FitResult", "compute_diagnostics", "fit"]
