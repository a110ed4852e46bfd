"""Journey-level (multi-touch) attribution of online and offline customer journeys.

Independent of the media-mix model. Paths come from raw events
(:func:`build_journeys`) or from aggregated path counts (:func:`paths_from_frame`) and are
held as integer arrays (:class:`PathTable`). :func:`attribute` credits conversions and value
by path-position heuristics, Markov-chain removal effects (order 1-4, solved exactly) and a
set-based Shapley value, with bootstrap intervals, and labels what each method measures.
:func:`compare_with_mmm` sets the journey credit beside media-mix contributions.

Plots live in :mod:`mmm.journeys.plots` (imports matplotlib only when called).
"""

from __future__ import annotations

from mmm.journeys.attribution import (
    MEASURES,
    METHODS,
    attribute,
    journey_patterns,
    top_paths,
)
from mmm.journeys.build import build_journeys
from mmm.journeys.cli import load_paths, run_journeys_cli
from mmm.journeys.compare import compare_with_mmm, explain_differences
from mmm.journeys.markov import fit_markov, removal_effects, transition_matrix
from mmm.journeys.paths import PathTable, TouchTiming, paths_from_frame
from mmm.journeys.simulate import SimulatedJourneys, simulate_journeys

__all__ = [
    "MEASURES",
    "METHODS",
    "PathTable",
    "SimulatedJourneys",
    "TouchTiming",
    "attribute",
    "build_journeys",
    "compare_with_mmm",
    "explain_differences",
    "fit_markov",
    "journey_patterns",
    "load_paths",
    "paths_from_frame",
    "removal_effects",
    "run_journeys_cli",
    "simulate_journeys",
    "top_paths",
    "transition_matrix",
]
