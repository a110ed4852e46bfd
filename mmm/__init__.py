"""mmm: Bayesian marketing-mix and journey attribution for omnichannel brands.

Importing the package is cheap and changes nothing global: heavy modules (PyMC,
matplotlib) load only when the functions that need them are called.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
