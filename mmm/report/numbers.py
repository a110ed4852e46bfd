"""Numbers for the report, computed from the saved fit and the run folder's JSON files.

Per-channel figures (ROAS, cost per visit, contributions, funnel shares) and all media's
totals come from ``summary.json`` (:class:`mmm.run_summary.RunSummary`) so that the report
and the summary agree exactly; what depends on the report's own options (the combined
value at a value per visit) or ranks the lines draw by draw uses the posterior draws of the
saved fit through :mod:`mmm.analysis`.
"""

from __future__ import annotations

from typing import Any

from mmm.report import fmt
from mmm.run_summary import ContributionRecord, RunSummary

MAX_DRAWS = 1000


def outcome_kinds(fit) -> dict[str, str]:
    """Outcome name -> ``revenue`` or ``count``."""
    return {o.name: o.kind for o in fit.spec.outcomes}


def series_stage(fit) -> dict[tuple[str, str], str]:
    """(channel, audience) -> funnel stage."""
    ds = fit.dataset
    stages = ds.series_stage
    ch = [str(v) for v in ds.spend.coords["channel"].values]
    au = [str(v) for v in ds.spend.coords["audience"].values]
    return {(c, a): str(s) for c, a, s in zip(ch, au, stages, strict=True)}


def return_draws(fit, *, max_draws: int = MAX_DRAWS):
    """Total-path return per currency unit, all geos together: dims (sample, outcome,
    series), for :func:`combined_value`."""
    from mmm.analysis.returns import roas_draws

    return roas_draws(fit, max_draws=max_draws).sel(path="total")


def combined_value(fit, draws, value_per_visit: float, *, prob: float):
    """Value per currency unit counting both outcomes: revenue + visits x value per visit
    (:func:`mmm.analysis.measures.combined_value` per draw, then its median and interval).

    ``draws``: :func:`return_draws` of ``fit``.

    Returns
    -------
    dict
        (channel, audience) -> {median, lower, upper}, currency per currency unit (None
        where undefined, e.g. a line without spend).
    """
    from mmm.analysis.measures import combined_value as value_draws
    from mmm.analysis.summary import summarize_draws

    df = summarize_draws(value_draws(draws, fit, value_per_visit=value_per_visit), prob=prob)
    return {
        (str(r.channel), str(r.audience)): {
            k: (float(v) if fmt.is_number(v) else None)
            for k, v in (("median", r.median), ("lower", r.lower), ("upper", r.upper))
        }
        for r in df.itertuples()
    }


def roas_rows(summary: RunSummary, stages: dict, *, geo: str | None = "all") -> list[dict]:
    """One row per (channel, audience, geo) with every outcome's total-path record.

    ``outcomes`` maps each outcome to its :class:`~mmm.run_summary.ReturnRecord`.
    ``geo``: keep the records of that geo only (default the totals across geos, ``"all"``);
    None keeps every geo.
    """
    rows: dict[tuple, dict] = {}
    for r in summary.returns(path="total", geo=geo):
        row = rows.setdefault(
            (r.channel, r.audience, r.geo),
            {
                "channel": r.channel,
                "audience": r.audience,
                "geo": r.geo,
                "stage": stages.get((r.channel, r.audience), ""),
                "spend": r.spend,
                "outcomes": {},
            },
        )
        row["outcomes"][r.outcome] = r
    return list(rows.values())


def outcome_value(row: dict, outcome: str, field: str = "median"):
    """``field`` of a :func:`roas_rows` row's record for ``outcome``; None without one."""
    rec = row["outcomes"].get(outcome)
    return None if rec is None else getattr(rec, field)


def contribution_by_series(summary: RunSummary) -> dict[tuple[str, str, str], ContributionRecord]:
    """(outcome, channel, audience) -> total-path contribution record (totals across geos)."""
    return {(r.outcome, r.channel, r.audience): r for r in summary.contributions_of()}


def data_summary(fit) -> dict:
    """Period, geos, channels, spend and outcome totals of the fitted data
    (:func:`mmm.analysis.data_checks.data_totals`), with the warnings in words."""
    from mmm.analysis.data_checks import data_totals

    ds = fit.dataset
    dates = ds.dates
    spend, totals, total_spend = data_totals(ds)
    series: list[dict[str, Any]] = [
        {
            "channel": r.channel,
            "audience": r.audience,
            "stage": r.stage,
            "spend": float(r.spend),
            "spend_share": float(r.spend_share),
            "active_weeks": int(r.active_periods),
            "sparse": bool(r.sparse),
        }
        for r in spend.itertuples()
    ]
    outcomes = [
        {"name": r.outcome, "total": float(r.total), "mean": float(r.mean), "missing": r.missing}
        for r in totals.itertuples()
    ]
    warnings = []
    unit = fmt.period_word(getattr(ds, "freq", None))
    for r in series:
        if r["active_weeks"] == 0:
            warnings.append(
                f"{r['channel']} / {r['audience']} has no spend in the data: its return cannot "
                "be estimated."
            )
        elif r["sparse"]:
            warnings.append(
                f"{r['channel']} / {r['audience']} is active in only {r['active_weeks']} of "
                f"{len(dates)} {unit}: its estimates rest on little data."
            )
    if len(dates) < 52:
        warnings.append(
            f"Only {len(dates)} {unit} of data: seasonality and carry-over are hard to separate "
            "from media with less than a year."
        )
    return {
        "start": dates[0],
        "end": dates[-1],
        "n_periods": len(dates),
        "freq": getattr(ds, "freq", None),
        "geos": list(ds.geos),
        "series": series,
        "outcomes": outcomes,
        "controls": list(ds.control_names),
        "total_spend": total_spend,
        "warnings": warnings,
    }
