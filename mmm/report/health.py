"""Model health in plain words: the checks of the shared health policy and a headline.

The checks, their thresholds and the verdict are those of :mod:`mmm.inference.health`,
the policy that also decides ``mmm fit``'s exit code; this module only adds the headline
sentence the report shows above them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mmm.inference.health import FAIL, PASS, REVIEW, Check
from mmm.inference.health import assess as assess_health


@dataclass(frozen=True)
class HealthSection:
    """The report's model health: the policy's checks, its verdict and a headline sentence."""

    checks: tuple[Check, ...]
    status: str
    headline: str


def assess(diag: Mapping[str, Any] | None) -> HealthSection:
    """The health section of a diagnostics dict (as in ``manifest.json``), or of None.

    Parameters
    ----------
    diag : mapping or None
        The run's sampler diagnostics (:meth:`mmm.inference.diagnostics.Diagnostics.to_dict`).

    Returns
    -------
    HealthSection
        The checks and verdict of :func:`mmm.inference.health.assess`, with a headline.
    """
    health = assess_health(diag)
    return HealthSection(health.checks, health.status, _headline(health.status, health.checks))


def _headline(status: str, checks: tuple[Check, ...]) -> str:
    if status == PASS:
        return "The model's checks passed: the estimates below can be used for planning."

    def names(st):
        return ", ".join(c.name.split(" (")[0].lower() for c in checks if c.status == st)

    if status == REVIEW:
        return (
            f"Review before acting: some checks need attention ({names(REVIEW)}). The "
            "estimates are usable for direction but their ranges may be off; see what to do "
            "in the model health section."
        )
    more = f"; others need review ({names(REVIEW)})" if names(REVIEW) else ""
    return (
        f"Do not base decisions on this fit yet: checks failed ({names(FAIL)}){more}. "
        "Refit as suggested in the model health section, then rebuild this report."
    )
