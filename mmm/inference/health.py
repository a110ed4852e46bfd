"""The health policy of a fit: one set of checks and one verdict, for every command.

Every place that judges a fit reads it here: ``mmm fit`` (exit code 3), ``mmm demo
--strict``, ``mmm reproduce`` (which flags the refit's checks, and fails on them with
``--strict``), a batch run's ``unhealthy`` status, ``Diagnostics.problems()`` and the
:class:`~mmm.errors.ConvergenceWarning` of :func:`mmm.inference.fit`, and the report's
model health section, which only words and lays out the checks below.

Each check ends PASS, REVIEW or FAIL:

* PASS: healthy by this policy.
* REVIEW: not healthy; the estimates are usable for direction, but their ranges (and
  possibly their centres) may be off. Fix before taking decisions.
* FAIL: not healthy; do not base decisions on the fit.

The verdict is the worst check. A fit is *healthy* when the verdict is PASS; REVIEW and
FAIL both make ``mmm fit`` exit 3 and give :meth:`Diagnostics.problems` one message per
check that is not PASS.

| check | PASS | REVIEW | FAIL |
|---|---|---|---|
| fitting method | NUTS | a quick method | |
| divergent transitions | 0 | up to 1 % of draws | more than 1 % |
| R-hat (chains agree) | <= 1.01 | <= 1.05, or one chain | > 1.05 |
| bulk ESS (typical values) | >= 400 | >= 100, or unknown | < 100 |
| tail ESS (interval ends) | >= 100 | < 100, or unknown | |
| BFMI (energy) | >= 0.3 | < 0.3 | |

A quick fit (MAP, ADVI, pathfinder) has no sampler checks: its one check is the method.
BFMI is left out when it could not be computed.

Why tail ESS has its own, lower bar. The tail effective sample size is that of the 5 %
and 95 % quantiles, the ends of the 90 % intervals shown everywhere. With ``n`` effective
draws, the probability level of an estimated 5 % quantile has a Monte Carlo standard
error of about ``sqrt(0.05 * 0.95 / n)``: 2.2 percentage points at ``n = 100``, 1.2 at
307 and 1.1 at 400. The default settings gave a min tail ESS of 307-696 on the demo and
five simulated brands (``docs/model.md``, section 9), with R-hat and bulk ESS passing:
asking 400, as for the bulk, would fail some of those fits to buy at most about one
point of precision on the interval ends; below 100 the ends are too imprecise to print.
This is deliberately looser than the guideline of Stan's authors (bulk and tail ESS both
above 100 per chain). Bulk ESS keeps 400 because it also makes R-hat and the medians
reliable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

PASS, REVIEW, FAIL = "PASS", "REVIEW", "FAIL"
_RANK = {PASS: 0, REVIEW: 1, FAIL: 2}

#: largest max R-hat that passes; above it chains disagree (REVIEW)
RHAT_MAX = 1.01
#: largest max R-hat that is only REVIEW; above it the fit fails
RHAT_FAIL = 1.05
#: smallest min bulk ESS that passes
ESS_MIN = 400
#: smallest min bulk ESS that is only REVIEW; below it the fit fails
ESS_FAIL = 100
#: smallest min tail ESS that passes (the precision of the 90 % interval ends)
TAIL_ESS_MIN = 100
#: smallest min BFMI that passes
BFMI_MIN = 0.3
#: share of divergent draws above which divergences fail the fit (any divergence: REVIEW)
DIVERGENCE_FAIL_SHARE = 0.01


class SamplerDiagnostics(Protocol):
    """What the policy reads: the fields of :class:`~mmm.inference.diagnostics.Diagnostics`."""

    @property
    def max_rhat(self) -> float: ...
    @property
    def min_ess_bulk(self) -> float: ...
    @property
    def min_ess_tail(self) -> float: ...
    @property
    def divergences(self) -> int: ...
    @property
    def min_bfmi(self) -> float: ...
    @property
    def n_draws(self) -> int: ...
    @property
    def n_chains(self) -> int: ...
    @property
    def method(self) -> str: ...


@dataclass(frozen=True)
class Check:
    """One health check: its status, the observed value, what it means and what to do.

    Attributes
    ----------
    name : str
        The check, in plain words (``"Divergent transitions"``).
    status : str
        ``"PASS"``, ``"REVIEW"`` or ``"FAIL"``.
    value : str
        The observed value and the bar it is held to.
    meaning : str
        What the value means for the estimates, in plain words.
    action : str
        What to do; empty when the check passes.
    """

    name: str
    status: str
    value: str
    meaning: str
    action: str = ""

    @property
    def symbol(self) -> str:
        """A text symbol that repeats the status (✓, ! or ✗), so colour is never the only cue."""
        return {PASS: "✓", REVIEW: "!", FAIL: "✗"}[self.status]

    @property
    def message(self) -> str:
        """One line for a terminal or a warning: status, check, value, meaning and action."""
        return f"{self.status} {self.name}: {self.value}. {self.meaning} {self.action}".strip()


@dataclass(frozen=True)
class Health:
    """The checks of a fit and the overall verdict (the worst check's status).

    Attributes
    ----------
    checks : tuple of Check
    status : str
        ``"PASS"``, ``"REVIEW"`` or ``"FAIL"``.
    """

    checks: tuple[Check, ...]
    status: str

    @property
    def healthy(self) -> bool:
        """True when every check passes (the verdict is PASS)."""
        return self.status == PASS

    @property
    def problems(self) -> list[str]:
        """The message of each check that is not PASS (empty when healthy)."""
        return [c.message for c in self.checks if c.status != PASS]


def assess(
    diag: SamplerDiagnostics | Mapping[str, Any] | None, *, ess_min: float | None = None
) -> Health:
    """Judge a fit's sampler diagnostics by the health policy (see the module docstring).

    Parameters
    ----------
    diag : Diagnostics, mapping or None
        A :class:`~mmm.inference.diagnostics.Diagnostics`, or its dict as stored in
        ``manifest.json`` and ``fit.json`` (None or NaN for a value that is not
        available); None when the run folder holds no diagnostics.
    ess_min : float, optional
        The smallest min bulk ESS that passes (default :data:`ESS_MIN`).

    Returns
    -------
    Health
        The checks, in a fixed order, and the verdict.
    """
    if diag is None or (isinstance(diag, Mapping) and not diag):
        return _verdict(
            Check(
                "Sampler diagnostics",
                REVIEW,
                "missing",
                "The run folder holds no sampler diagnostics, so the fit cannot be checked.",
                "Refit with `mmm fit` so the diagnostics are recorded.",
            )
        )
    method = str(_field(diag, "method") or "nuts")
    if method != "nuts":
        return _verdict(
            Check(
                "Fitting method",
                REVIEW,
                f"quick {method} fit",
                "This is a fast approximation: the ranges shown are approximate and often "
                "too narrow.",
                "Refit with the full sampler (NUTS) before taking budget decisions.",
            )
        )
    n_total = int(_number(diag, "n_draws", 0)) * int(_number(diag, "n_chains", 0))
    checks = [
        _divergences(int(_number(diag, "divergences", 0)), n_total),
        _rhat(_number(diag, "max_rhat")),
        _ess(
            _number(diag, "min_ess_bulk"),
            "typical values",
            ESS_MIN if ess_min is None else ess_min,
            ESS_FAIL,
        ),
        _ess(_number(diag, "min_ess_tail"), "interval ends", TAIL_ESS_MIN, None),
    ]
    bfmi = _number(diag, "min_bfmi")
    if math.isfinite(bfmi):
        checks.append(_bfmi(bfmi))
    return _verdict(*checks)


def _field(diag: SamplerDiagnostics | Mapping[str, Any], name: str) -> Any:
    return diag.get(name) if isinstance(diag, Mapping) else getattr(diag, name, None)


def _number(
    diag: SamplerDiagnostics | Mapping[str, Any], name: str, default: float = math.nan
) -> float:
    """A field as a float; ``default`` when it is missing, None or not a number."""
    v = _field(diag, name)
    if v is None or isinstance(v, bool):
        return default
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _verdict(*checks: Check) -> Health:
    return Health(tuple(checks), max((c.status for c in checks), key=_RANK.__getitem__))


def _divergences(div: int, n_total: int) -> Check:
    name = "Divergent transitions"
    if div == 0:
        return Check(name, PASS, "0", "The sampler explored the model without getting stuck.")
    share = div / n_total if n_total else 1.0
    return Check(
        name,
        FAIL if share > DIVERGENCE_FAIL_SHARE else REVIEW,
        f"{div} divergent transitions" + (f" out of {n_total} draws" if n_total else ""),
        "Parts of the model were hard to explore, so some estimates may be biased.",
        "Refit with a higher target_accept (e.g. 0.95) in [sampler]; if they remain, "
        "check priors that conflict with the data.",
    )


def _rhat(rhat: float) -> Check:
    name = "Agreement between chains (R-hat)"
    if not math.isfinite(rhat):
        return Check(
            name,
            REVIEW,
            "not available",
            "With a single chain the agreement between chains cannot be checked.",
            "Run at least two chains (chains = 4 in [sampler]).",
        )
    status = PASS if rhat <= RHAT_MAX else (REVIEW if rhat <= RHAT_FAIL else FAIL)
    return Check(
        name,
        status,
        f"max R-hat {rhat:.3f} (should be at most {RHAT_MAX})",
        "Independent chains agree on the answer."
        if status == PASS
        else "Independent chains do not fully agree on the answer.",
        "" if status == PASS else "Refit with more tune and draws in [sampler].",
    )


def _ess(ess: float, label: str, pass_min: float, fail_below: float | None) -> Check:
    """An ESS check: PASS at ``pass_min`` or more, FAIL below ``fail_below`` (when given)."""
    name = f"Effective draws for {label} (ESS)"
    if not math.isfinite(ess):
        return Check(
            name,
            REVIEW,
            "not available",
            "The number of effective draws is unknown.",
            "Refit so the diagnostics are recorded.",
        )
    if ess >= pass_min:
        status = PASS
    elif fail_below is not None and ess < fail_below:
        status = FAIL
    else:
        status = REVIEW
    return Check(
        name,
        status,
        f"min ESS {ess:.0f} (should be at least {pass_min:g})",
        f"Enough independent draws to pin down the {label}."
        if status == PASS
        else f"Too few independent draws: the {label} are noisy.",
        "" if status == PASS else "Refit with more draws (e.g. draws = 2000) or chains.",
    )


def _bfmi(bfmi: float) -> Check:
    status = PASS if bfmi >= BFMI_MIN else REVIEW
    return Check(
        "Energy (BFMI)",
        status,
        f"min BFMI {bfmi:.2f} (should be at least {BFMI_MIN})",
        "The sampler moved freely."
        if status == PASS
        else "The sampler moved sluggishly through the model.",
        "" if status == PASS else "Tighten priors or simplify the model, then refit.",
    )
