"""Run folders: a fit plus its resolved config, manifest and summary.

:func:`write_run` writes one (the layout and its file names are
:class:`mmm.run_folder.RunFolder`'s); :func:`build_summary` computes the headline results
stored in its summary; :func:`compare_summaries` compares two of them (``mmm reproduce``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

import numpy as np

from mmm.config import RunConfig
from mmm.run_folder import SUMMARY_SCHEMA_VERSION, RunFolder
from mmm.run_summary import (
    AudienceCost,
    AwarenessPath,
    BestOdds,
    Calibration,
    ContributionRecord,
    Funnel,
    GeoRecord,
    MediaTotal,
    ReturnRecord,
    RunSummary,
    _Record,
)

_R = TypeVar("_R", bound=_Record)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _round(x, digits: int = 6):
    if x is None:
        return None
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return x
    if not np.isfinite(xf):
        return None
    return float(f"{xf:.{digits}g}")


def _record(cls: type[_R], row: Mapping, **fixed) -> _R:
    """A summary record of type ``cls`` from ``row`` (a table row: column -> value).

    Each field of ``cls`` is the column of its name, text as is and anything else to 6
    significant digits (:func:`_round`), unless ``fixed`` gives it (taken as it is). The
    fields a record writes for count outcomes only (``cost_per_unit*``) are taken for
    those only; other columns of ``row`` are left out.
    """
    names = cls._names(fixed.get("kind", row.get("kind")))
    return cls(**{n: fixed[n] if n in fixed else _value(row[n]) for n in names})


def _value(v):
    return str(v) if isinstance(v, str) else _round(v)


def _records(tab, cls: type[_R], **fixed) -> tuple[_R, ...]:
    """Every row of the table ``tab`` as a record of type ``cls`` (see :func:`_record`)."""
    return tuple(_record(cls, r, **fixed) for r in tab.to_dict("records"))


def build_summary(fit, *, prob: float = 0.9, max_draws: int | None = 1000) -> RunSummary:
    """Headline results of a fit, as the run folder's summary holds them.

    ``roas`` and ``contributions`` records carry ``geo``: ``"all"`` for totals across geos
    and, when the fit has several geos, one record per geo as well; ``geos`` (several geos
    only) holds spend, media-driven outcomes, returns and cost per visit per geo
    (:func:`mmm.analysis.geo.geo_table`); ``media_totals`` the same for all media and
    geos together per outcome (:func:`mmm.analysis.returns.media_totals`); ``audiences``
    the cost per extra unit of count outcomes by audience
    (:func:`mmm.analysis.online_store.audience_costs`). Numbers keep 6 significant digits.
    """
    import pandas as pd

    from mmm.analysis.returns import contribution_table, contribution_totals, roas_table

    multi_geo = len(fit.dataset.geos) > 1
    roas = roas_table(fit, prob=prob, max_draws=max_draws)
    if multi_geo:  # totals across geos (geo "all") first, then one record per geo
        roas = pd.concat(
            [roas, roas_table(fit, prob=prob, by_geo=True, max_draws=max_draws)], ignore_index=True
        )
    # the contribution draws across geos: the contributions, the funnel and the media totals
    totals = contribution_totals(fit, max_draws=max_draws)
    national = contribution_table(fit, prob=prob, max_draws=max_draws, totals=totals)
    contrib = national
    if multi_geo:
        contrib = pd.concat(
            [contrib, contribution_table(fit, prob=prob, by_geo=True, max_draws=max_draws)],
            ignore_index=True,
        )
    return RunSummary(
        schema_version=SUMMARY_SCHEMA_VERSION,
        data_fingerprint=fit.dataset.fingerprint,
        outcomes=tuple(o.name for o in fit.spec.outcomes),
        diagnostics=fit.diagnostics,
        roas=_records(roas, ReturnRecord, interval=prob),
        contributions=_records(contrib, ContributionRecord, interval=prob),
        funnel=_funnel_summary(fit, national, totals, prob=prob),
        media_totals=media_total_records(fit, prob=prob, max_draws=max_draws, totals=totals),
        audiences=audience_records(fit, prob=prob, max_draws=max_draws),
        geos=_geo_summary(fit, prob=prob, max_draws=max_draws) if multi_geo else None,
        best_odds=best_odds_records(fit, max_draws=max_draws),
    )


def _geo_summary(fit, *, prob: float, max_draws: int | None) -> tuple[GeoRecord, ...]:
    """Per-geo totals (and ``geo == "all"``) from :func:`mmm.analysis.geo.geo_table`."""
    from mmm.analysis.geo import geo_table

    return _records(geo_table(fit, prob=prob, max_draws=max_draws), GeoRecord)


def media_total_records(
    fit, *, prob: float = 0.9, max_draws: int | None = 1000, totals=None
) -> tuple[MediaTotal, ...]:
    """The summary's ``media_totals``: :func:`mmm.analysis.returns.media_totals` as
    records, numbers to 6 significant digits (``totals``: the contribution draws when the
    caller has them, see there)."""
    from mmm.analysis.returns import media_totals

    tab = media_totals(fit, prob=prob, max_draws=max_draws, totals=totals)
    return _records(tab, MediaTotal)


def audience_records(
    fit, *, prob: float = 0.9, max_draws: int | None = 1000
) -> tuple[AudienceCost, ...]:
    """The summary's ``audiences``: :func:`mmm.analysis.online_store.audience_costs` as
    records, numbers to 6 significant digits."""
    from mmm.analysis.online_store import audience_costs

    return _records(audience_costs(fit, prob=prob, max_draws=max_draws), AudienceCost)


def best_odds_records(fit, *, max_draws: int | None = 1000) -> tuple[BestOdds, ...]:
    """The summary's ``best_odds``: :func:`mmm.analysis.ranking.best_odds` of the
    total-path returns across geos (:func:`mmm.analysis.returns.roas_draws`), chances to
    6 significant digits."""
    from mmm.analysis.ranking import best_odds
    from mmm.analysis.returns import roas_draws

    return _records(best_odds(roas_draws(fit, max_draws=max_draws).sel(path="total")), BestOdds)


#: The summary entries an older schema lacks, which :func:`complete_summary` computes.
LATER_ENTRIES = ("media_totals", "audiences", "best_odds")


def missing_entries(summary: RunSummary) -> list[str]:
    """The entries of :data:`LATER_ENTRIES` that ``summary`` lacks (written by an older
    schema); empty for a current one, whose reader then needs no fit."""
    return [name for name in LATER_ENTRIES if getattr(summary, name) is None]


def complete_summary(
    summary: RunSummary, fit, *, max_draws: int | None = 1000
) -> tuple[RunSummary, list[str]]:
    """``summary`` with the entries an older schema lacks computed from ``fit``, and
    their names (``media_totals`` and ``audiences`` for a summary of schema 1.0,
    ``best_odds`` for one older than 1.3; none for a current one)."""
    added = missing_entries(summary)
    if "media_totals" in added:
        totals = media_total_records(fit, prob=summary.interval, max_draws=max_draws)
        summary = replace(summary, media_totals=totals)
    if "audiences" in added:
        aud = audience_records(fit, prob=summary.interval, max_draws=max_draws)
        summary = replace(summary, audiences=aud)
    if "best_odds" in added:
        summary = replace(summary, best_odds=best_odds_records(fit, max_draws=max_draws))
    return summary, added


def _funnel_summary(fit, contrib, totals, *, prob: float = 0.9) -> Funnel:
    """The summary's ``funnel``: shares of spend and of the mean effect per stage, and
    the awareness paths, from the contributions table and draws (``contrib``, ``totals``:
    all geos together)."""
    ds = fit.dataset
    stage_of = {str(r.channel): str(r.stage) for r in ds.channels.itertuples()}
    spend = ds.spend.sum(("date", "geo"))
    sp_stage: dict[str, float] = {}
    for s, ch in zip(ds.series, ds.spend.coords["channel"].values, strict=True):
        st = stage_of[str(ch)]
        sp_stage[st] = sp_stage.get(st, 0.0) + float(spend.sel(series=s))
    total_sp = sum(sp_stage.values()) or 1.0
    shares = {}
    tot = contrib[contrib["path"] == "total"].copy()
    tot["stage"] = tot["channel"].map(stage_of)
    for o, g in tot.groupby("outcome"):
        s = g.groupby("stage")["mean"].sum()
        denom = s.sum() or 1.0
        shares[o] = MappingProxyType({k: _round(v / denom) for k, v in s.items()})
    aw = contrib[contrib["channel"].map(stage_of) == "awareness"]
    return Funnel(
        spend_share=MappingProxyType({k: _round(v / total_sp) for k, v in sp_stage.items()}),
        outcome_share=MappingProxyType(shares),
        awareness_paths=_awareness_paths(fit, aw, totals, prob=prob),
    )


def _awareness_paths(fit, aw, totals, *, prob: float) -> tuple[AwarenessPath, ...]:
    """Direct and mediated mean effect of each awareness channel (``aw``: its rows of the
    contributions table) with the identification of the split
    (:func:`mmm.analysis.funnel.path_identification` of the draws ``totals``)."""
    from mmm.analysis.funnel import path_identification

    if not len(aw):
        return ()
    ident = path_identification(fit, prob=prob, totals=totals).to_dict("records")
    by_line = {(r["outcome"], r["channel"]): r for r in ident}
    paths = []
    for (o, ch), g in aw.groupby(["outcome", "channel"]):
        d = g.groupby("path")["mean"].sum()
        idn = by_line[(o, ch)]
        weak = fit.spec.mediator is not None and bool(idn["weakly_identified"])
        direct, mediated = _round(d.get("direct", 0.0)), _round(d.get("mediated", 0.0))
        paths.append(
            _record(AwarenessPath, idn, direct=direct, mediated=mediated, weakly_identified=weak)
        )
    return tuple(paths)


def write_run(
    fit, out, *, config: RunConfig | None = None, timings: dict | None = None, before=None
) -> dict:
    """Save a fit as a run folder and return the paths written (fit, fit_meta, config,
    manifest, summary; see :class:`mmm.run_folder.RunFolder`).

    ``before`` is the uncalibrated fit of a run calibrated with experiments; the
    ``calibration`` entry of ``summary.json`` sets both beside the experiments.
    """
    from mmm.inference.fit import package_versions

    run = RunFolder(out)
    fit.save(run.path)
    paths = {"fit": run.fit_file, "fit_meta": run.fit_meta_file}
    resolved = (
        config.resolved()
        if config is not None
        else {
            "data": {k: str(run.data_dir / f"{k}.csv") for k in ("media", "outcomes", "channels")},
            "model": fit.spec.to_dict(),
            "sampler": fit.sampler.to_dict(),
            "optimizer": {},
        }
    )
    paths["config"] = run.write_config(resolved)
    data_files = {}
    for k, v in resolved["data"].items():
        p = Path(v)
        if p.exists():
            data_files[k] = {"path": str(p), "sha256": _file_sha256(p)}
    manifest = {
        "data_fingerprint": fit.dataset.fingerprint,
        "data_files": data_files,
        "config_hash": config.hash() if config is not None else None,
        "spec_hash": fit.spec.hash(),
        "seed": fit.sampler.seed,
        "versions": package_versions(),
        "timings": {**fit.provenance.get("timings", {}), **(timings or {})},
        "compiled_from": fit.provenance.get("compiled_from"),
        "diagnostics": fit.diagnostics.to_dict(),
    }
    paths["manifest"] = run.write_manifest(manifest)
    summary = build_summary(fit)
    from mmm.calibration.report import calibration_summary

    calibration = calibration_summary(fit, before=before)
    if calibration is not None:
        summary = replace(summary, calibration=Calibration.from_dict(calibration))
    paths["summary"] = run.write_summary(summary)
    return paths


def compare_summaries(
    old: RunSummary, new: RunSummary, *, rel_tol: float = 0.1, abs_tol: float = 1e-9
) -> list[str]:
    """Differences between two summaries beyond Monte Carlo tolerance, as readable lines.

    A ROAS record differs when its median moved by more than ``rel_tol`` relative to the
    old value *and* by more than a quarter of the old interval's width.
    """
    diffs = []

    def key(r: ReturnRecord) -> tuple[str, ...]:
        return (r.outcome, r.channel, r.audience, r.geo, r.path)

    o = {key(r): r for r in old.roas}
    n = {key(r): r for r in new.roas}
    for k in sorted(set(o) | set(n)):
        if k not in o or k not in n:
            diffs.append(
                f"roas {'/'.join(k)}: present only in the {'new' if k in n else 'stored'} run"
            )
            continue
        a, b = o[k].median, n[k].median
        if a is None or b is None:
            if a != b:
                diffs.append(f"roas {'/'.join(k)}: median {a} -> {b}")
            continue
        width = abs((o[k].upper or 0) - (o[k].lower or 0))
        if abs(b - a) > max(rel_tol * abs(a), 0.25 * width, abs_tol):
            diffs.append(
                f"roas {'/'.join(k)}: median {a:.4g} -> {b:.4g} "
                f"(stored interval {o[k].lower:.4g}..{o[k].upper:.4g})"
            )
    if old.data_fingerprint != new.data_fingerprint:
        diffs.append("data fingerprint differs")
    return diffs
