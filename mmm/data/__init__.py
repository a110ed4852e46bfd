"""Input tables -> validated, labelled, immutable :class:`Dataset`.

The one door from tables to the model: :func:`load_dataset` (long tables) and
:func:`from_wide` (one wide table) validate every table, report every problem at once as a
:class:`mmm.errors.DataError`, and return a read-only, fingerprinted :class:`Dataset`.
"""

from __future__ import annotations

from .dataset import Dataset, compute_fingerprint, load_dataset
from .io import read_table
from .summary import DataSummary, summarize
from .wide import from_wide, from_wide_map, wide_to_long

__all__ = [
    "Dataset",
    "DataSummary",
    "compute_fingerprint",
    "from_wide",
    "from_wide_map",
    "load_dataset",
    "read_table",
    "summarize",
    "wide_to_long",
]
