"""Model health in plain words: one PASS / REVIEW / FAIL verdict per sampler check."""

from __future__ import annotations

from dataclasses import dataclass

from mmm.inference.diagnostics import ESS_MIN, RHAT_MAX
from mmm.report.fmt import is_number

PASS, REVIEW, FAIL = "PASS", "REVIEW", "FAIL"
_RANK = {PASS: 0, REVIEW: 1, FAIL: 2}

RHAT_FAIL = 1.05
ESS_FAIL = 100
BFMI_MIN = 0.3
DIVERGENCE_FAIL_SHARE = 0.01


@dataclass(frozen=True)
class Check:
    """One health check with its verdict, the observed value and what to do."""

    name: str
    status: str
    value: str
    meaning: str
    action: str = ""

    @property
    def symbol(self) -> str:
        """A text symbol that repeats the verdict (the colour is never the only cue)."""
        return {PASS: "✓", REVIEW: "!", FAIL: "✗"}[self.status]


@dataclass(frozen=True)
class Health:
    """All checks and an overall verdict with a headline sentence."""

    checks: tuple[Check, ...]
    status: str
    headline: str


def assess(diag: dict | None) -> Health:
    """Turn a diagnostics dict (as in ``manifest.json``) into checks and a verdict."""
    if not diag:
        c = Check(
            "Sampler diagnostics",
            REVIEW,
            "missing",
            "The run folder holds no sampler diagnostics, so the fit cannot be checked.",
            "Refit with `mmm fit` so the diagnostics are recorded.",
        )
        return Health((c,), REVIEW, _headline(REVIEW, (c,)))
    method = diag.get("method", "nuts")
    n_total = int(diag.get("n_draws") or 0) * int(diag.get("n_chains") or 0)
    checks: list[Check] = []
    if method != "nuts":
        checks.append(
            Check(
                "Fitting method",
                REVIEW,
                f"quick {method} fit",
                "This is a fast approximation: the ranges shown are approximate and often "
                "too narrow.",
                "Refit with the full sampler (NUTS) before taking budget decisions.",
            )
        )
        return Health(tuple(checks), REVIEW, _headline(REVIEW, tuple(checks)))

    checks.append(_divergence_check(diag, n_total))
    checks.append(_rhat_check(diag.get("max_rhat")))
    for key, label in (("min_ess_bulk", "typical values"), ("min_ess_tail", "interval ends")):
        checks.append(_ess_check(diag.get(key), label))
    bfmi = diag.get("min_bfmi")
    if is_number(bfmi):
        checks.append(_bfmi_check(float(bfmi)))
    status = max((c.status for c in checks), key=_RANK.__getitem__)
    return Health(tuple(checks), status, _headline(status, tuple(checks)))


def _divergence_check(diag: dict, n_total: int) -> Check:
    """Divergent transitions: none passes; a share above DIVERGENCE_FAIL_SHARE fails."""
    div = int(diag.get("divergences") or 0)
    if div == 0:
        return Check(
            "Divergent transitions",
            PASS,
            "0",
            "The sampler explored the model without getting stuck.",
        )
    share = div / n_total if n_total else 1.0
    status = FAIL if share > DIVERGENCE_FAIL_SHARE else REVIEW
    return Check(
        "Divergent transitions",
        status,
        f"{div} divergent transitions" + (f" out of {n_total} draws" if n_total else ""),
        "Parts of the model were hard to explore, so some estimates may be biased.",
        "Refit with a higher target_accept (e.g. 0.95) in [sampler]; if they remain, "
        "check priors that conflict with the data.",
    )


def _rhat_check(rhat) -> Check:
    """Agreement between chains: the largest R-hat (unknown with a single chain)."""
    if not is_number(rhat):
        return Check(
            "Agreement between chains (R-hat)",
            REVIEW,
            "not available",
            "With a single chain the agreement between chains cannot be checked.",
            "Run at least two chains (chains = 4 in [sampler]).",
        )
    rhat = float(rhat)
    status = PASS if rhat <= RHAT_MAX else (REVIEW if rhat <= RHAT_FAIL else FAIL)
    return Check(
        "Agreement between chains (R-hat)",
        status,
        f"max R-hat {rhat:.3f} (should be at most {RHAT_MAX})",
        "Independent chains agree on the answer."
        if status == PASS
        else "Independent chains do not fully agree on the answer.",
        "" if status == PASS else "Refit with more tune and draws in [sampler].",
    )


def _ess_check(ess, label: str) -> Check:
    """Effective draws for the typical values (bulk) or the interval ends (tail)."""
    name = f"Effective draws for {label} (ESS)"
    if not is_number(ess):
        return Check(
            name,
            REVIEW,
            "not available",
            "The number of effective draws is unknown.",
            "Refit so the diagnostics are recorded.",
        )
    ess = float(ess)
    status = PASS if ess >= ESS_MIN else (REVIEW if ess >= ESS_FAIL else FAIL)
    return Check(
        name,
        status,
        f"min ESS {ess:.0f} (should be at least {ESS_MIN})",
        f"Enough independent draws to pin down the {label}."
        if status == PASS
        else f"Too few independent draws: the {label} are noisy.",
        "" if status == PASS else "Refit with more draws (e.g. draws = 2000) or chains.",
    )


def _bfmi_check(bfmi: float) -> Check:
    """Energy: the smallest BFMI over chains."""
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
