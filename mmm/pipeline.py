"""One fit, end to end: load the data a config names, fit, write the run folder.

``mmm fit``, ``mmm reproduce``, ``mmm demo`` and every task of ``mmm batch`` call
:func:`fit_run`, so a run folder means the same thing whichever way it was made.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import fields, replace
from pathlib import Path

from mmm.errors import ConfigError, ConvergenceWarning

__all__ = ["fit_run", "resolve_model"]


def resolve_model(cfg, ds, mediator_hint: str | None = None):
    """Fill model defaults that depend on the data (outcomes present, mediator if declared).

    Parameters
    ----------
    cfg : mmm.config.RunConfig
    ds : mmm.data.Dataset
    mediator_hint : str, optional
        Outcome column to treat as the mediator (``mmm fit --mediator``).

    Returns
    -------
    mmm.config.RunConfig
        ``cfg`` with its model spec completed.
    """
    from mmm.spec import default_spec_for

    spec = cfg.model
    names = set(ds.outcome_names)
    if not set(spec.outcome_names) <= names:
        # the outcomes come from the data; every other configured setting is kept
        med = mediator_hint if mediator_hint is not None else spec.mediator
        if med is None and "brand_search" in names:
            med = "brand_search"
        rest = {
            f.name: getattr(spec, f.name)
            for f in fields(spec)
            if f.init and f.name not in ("outcomes", "mediator")
        }
        spec = default_spec_for(ds, mediator=med, **rest)
    elif mediator_hint is not None:
        # --mediator changes the configured model's mediator, nothing else
        kept = tuple(o for o in spec.outcomes if o.name != mediator_hint)
        if not kept:
            raise ConfigError(
                f"--mediator {mediator_hint!r} is the configured model's only outcome; a "
                "mediator needs at least one other outcome."
            )
        spec = replace(spec, mediator=mediator_hint, outcomes=kept)
    elif (
        spec.mediator is None
        and "brand_search" in names
        and "brand_search" not in spec.outcome_names
    ):
        # branded search in the data and not configured as an outcome: the mediator
        spec = replace(spec, mediator="brand_search")
    return replace(cfg, model=spec)


def _experiments(path, ds, spec):
    """The lift tests in ``path``, checked against the data and the model."""
    from mmm.calibration import check_experiments, load_experiments

    experiments = load_experiments(path)
    check_experiments(experiments, ds, spec)
    return experiments


def _fit_with_experiments(spec, ds, sampler, experiments, log, stages):
    """The fit (with the posterior predictive), and the same model fitted without the lift
    terms when the experiments are used (to show their effect; else None)."""
    from mmm.inference import fit as _fit

    before = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if experiments is not None and spec.likelihood.use_experiments:
            # the same model without the lift terms, to show the experiments' effect
            log("fitting without the experiments (for comparison) ...")
            before = _fit(
                spec.replace(use_experiments=False),
                ds,
                sampler=sampler,
                experiments=experiments,
                log=stages,
            )
            log("fitting with the experiments ...")
        result = _fit(
            spec, ds, sampler=sampler, experiments=experiments, predictive=True, log=stages
        )
    return result, before


def fit_run(
    cfg,
    out,
    *,
    mediator_hint: str | None = None,
    progress: bool = False,
    log=None,
    stages=None,
    announce: str | None = None,
):
    """Load the data of ``cfg``, fit, and write the run folder ``out``.

    With an experiments file in ``cfg.data`` (and ``use_experiments`` on), the model is
    fitted twice, without and with the lift-test terms (one compiled model), and the run
    folder's ``summary.json`` carries the calibration before and after.

    Parameters
    ----------
    cfg : mmm.config.RunConfig
        Validated run configuration (data paths, model, sampler).
    out : path-like
        Run folder to write (fit.nc, fit.json, data/, config.toml, manifest.json,
        summary.json); created if missing, files in it are overwritten.
    mediator_hint : str, optional
        Outcome column to treat as the mediator.
    progress : bool
        Show the sampler's progress bar (``SamplerConfig.progress`` of the fits).
    log : callable, optional
        Called with one line of text before each fit (e.g. ``print``); silent by default.
    stages : callable, optional
        Called with the stage lines of each fit (compiling, compiled in, sampling,
        sampled in; see :func:`mmm.inference.fit`). None: the fit's default (standard
        error when ``progress`` is on).
    announce : str, optional
        A line passed to ``log`` once the data (and experiments) are loaded and checked,
        before the first fit.

    Returns
    -------
    tuple
        ``(FitResult, dict of name -> pathlib.Path)`` of the files written.
    """
    from mmm.data import load_dataset
    from mmm.inference.fit import check_currency, with_currency
    from mmm.runs import write_run

    d = cfg.data
    where = f"{cfg.source}: [optimizer] currency" if cfg.source else "[optimizer] currency"
    currency = check_currency(cfg.optimizer.get("currency"), where=where)
    ds = load_dataset(
        d["media"], d["outcomes"], d["channels"], controls=d.get("controls"), geos=d.get("geos")
    )
    cfg = resolve_model(cfg, ds, mediator_hint)
    log = log or (lambda _line: None)
    experiments = _experiments(d["experiments"], ds, cfg.model) if d.get("experiments") else None
    sampler = replace(cfg.sampler, progress=progress)
    if announce:
        log(announce)
    t0 = time.perf_counter()
    result, before = _fit_with_experiments(cfg.model, ds, sampler, experiments, log, stages)
    timings = {"fit_wall_s": round(time.perf_counter() - t0, 3)}
    result = with_currency(result, currency)  # figures of the fit label money with it
    paths = write_run(result, Path(out), config=cfg, timings=timings, before=before)
    return result, paths
