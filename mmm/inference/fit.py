"""Fit a model and keep everything needed to analyse it later.

``fit(spec, dataset)`` builds the model, samples it (nutpie by default), computes
diagnostics and returns a :class:`FitResult`: spec + dataset + posterior + provenance.
A ``FitResult`` saves to a folder without pickle::

    run/fit.nc        posterior, sample stats, prior (NetCDF)
    run/fit.json      spec, design constants, sampler settings, data fingerprint,
                      package versions, seed, timings, diagnostics
    run/data/*.csv    the dataset's tables, re-validated (and fingerprint-checked) on load
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mmm.errors import NotFittedError, SpecError
from mmm.inference.diagnostics import Diagnostics, compute_diagnostics, warn_if_unhealthy
from mmm.model.design import Design
from mmm.spec import QUICK_METHODS, ModelSpec, SamplerConfig

FIT_FORMAT_VERSION = 1

# compiled nutpie models, keyed by model structure (spec + shapes); data is swapped in
_COMPILED: dict[str, object] = {}


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape a fit's numbers."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("mmm", "numpy", "pandas", "xarray", "pymc", "pytensor", "nutpie", "arviz"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass(frozen=True, eq=False)
class FitResult:
    """A fitted model: everything analysis needs, no live PyMC model.

    Attributes
    ----------
    spec : ModelSpec
    dataset : Dataset
    idata : arviz.InferenceData
        ``posterior`` (dims chain, draw, + named dims), ``sample_stats``, optionally ``prior``.
    design : Design
        Scaling constants and feature settings used by the model.
    sampler : SamplerConfig
    diagnostics : Diagnostics
    provenance : dict
        Data fingerprint, spec hash, package versions, seed, timings (seconds).
    experiments : pandas.DataFrame or None
        Lift tests the fit was calibrated with (:mod:`mmm.calibration`), if any.
    """

    spec: ModelSpec
    dataset: object
    idata: object
    design: Design
    sampler: SamplerConfig
    diagnostics: Diagnostics
    provenance: dict = field(default_factory=dict)
    experiments: object = None

    @property
    def posterior(self):
        """The posterior group (xarray Dataset, dims chain, draw, ...)."""
        return self.idata.posterior

    def draws(self, var: str):
        """Posterior of ``var`` stacked to one ``sample`` dim (chain x draw) first."""
        if var not in self.idata.posterior:
            raise NotFittedError(f"the posterior has no variable {var!r}.")
        da = self.idata.posterior[var].stack(sample=("chain", "draw"))
        return da.transpose("sample", ...)

    # ------------------------------------------------------------ persistence
    def save(self, directory) -> Path:
        """Write the fit to ``directory`` (created if needed). Returns the folder."""
        d = Path(directory)
        (d / "data").mkdir(parents=True, exist_ok=True)
        self.idata.to_netcdf(str(d / "fit.nc"), engine="h5netcdf")
        for name, frame in self.dataset.to_frames().items():
            if frame is not None:
                frame.to_csv(d / "data" / f"{name}.csv", index=False, float_format="%.17g")
        if self.experiments is not None:
            ex = self.experiments.copy()
            for c in ("start", "end", "readout_end"):
                ex[c] = ex[c].dt.strftime("%Y-%m-%d")
            ex.to_csv(d / "data" / "experiments.csv", index=False, float_format="%.17g")
        meta = {
            "format_version": FIT_FORMAT_VERSION,
            "spec": self.spec.to_dict(),
            "design": self.design.to_dict(),
            "sampler": self.sampler.to_dict(),
            "diagnostics": self.diagnostics.to_dict(),
            "provenance": self.provenance,
        }
        (d / "fit.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        return d

    @classmethod
    def load(cls, directory) -> FitResult:
        """Read a fit saved by :meth:`save`; the data's fingerprint is checked."""
        import arviz as az

        from mmm.data import load_dataset

        d = Path(directory)
        for need in ("fit.nc", "fit.json", "data/media.csv"):
            if not (d / need).exists():
                raise NotFittedError(
                    f"{d} is not a saved fit: {need} is missing. Run `mmm fit` to create one."
                )
        meta = json.loads((d / "fit.json").read_text())
        if meta.get("format_version") != FIT_FORMAT_VERSION:
            raise NotFittedError(
                f"{d / 'fit.json'} has format_version {meta.get('format_version')}; this "
                f"version of mmm reads {FIT_FORMAT_VERSION}. Refit with this version."
            )
        data = d / "data"

        def opt(name):
            p = data / f"{name}.csv"
            return p if p.exists() else None

        ds = load_dataset(
            data / "media.csv",
            data / "outcomes.csv",
            data / "channels.csv",
            controls=opt("controls"),
            geos=opt("geos"),
        )
        fp = meta["provenance"].get("data_fingerprint")
        if fp and ds.fingerprint != fp:
            raise NotFittedError(
                f"the data stored in {data} does not match the fit (fingerprint "
                f"{ds.fingerprint[:12]} != {fp[:12]}); the folder was modified."
            )
        experiments = None
        if (data / "experiments.csv").exists():
            from mmm.calibration.experiments import load_experiments

            experiments = load_experiments(data / "experiments.csv")
        idata = az.from_netcdf(str(d / "fit.nc"), engine="h5netcdf")
        for group in idata.groups():  # read into memory, then release the file for re-saving
            getattr(idata, group).load().close()
        return cls(
            spec=ModelSpec.from_dict(meta["spec"]),
            dataset=ds,
            idata=idata,
            design=Design.from_dict(meta["design"]),
            sampler=SamplerConfig(**meta["sampler"]),
            diagnostics=Diagnostics.from_dict(meta["diagnostics"]),
            provenance=meta["provenance"],
            experiments=experiments,
        )


def _structure_key(spec: ModelSpec, inputs, lift=None) -> str:
    if lift is not None:  # use_experiments only switches model data (lift_active)
        spec = replace(spec, use_experiments=True)
    shapes = {k: len(v) for k, v in inputs.coords.items()}
    extra = {
        "aw": inputs.awareness_series.tolist(),
        "ch": inputs.channel_index.tolist(),
        "aud": inputs.shared_audience.round(12).tolist(),
        "stage": inputs.channel_stage.tolist(),
        # experiments are model data; only their shapes fix the compiled model
        "lift": None if lift is None else lift.structure(),
        "geo": [inputs.geo.shops, inputs.geo.pooled_baseline],
    }
    return spec.hash() + json.dumps(shapes, sort_keys=True) + json.dumps(extra, sort_keys=True)


def _data_updates(model) -> dict:
    return {v.name: v.get_value() for v in model.data_vars}


def _free_names(model) -> list[str]:
    return [v.name for v in model.free_RVs]


def _numba(**flags):
    """pytensor settings for every numba compile of a model: fast-math flags off.

    With them (pytensor's default) a model compiled afresh and the same model read from
    the compile cache gave different floating-point results, so the first fit on a machine
    drew a different chain from the same seed than every later one (LLVM can contract and
    reorder across the parts it compiles together, not across parts loaded from the
    cache). ``flags``: further pytensor config flags, e.g. ``mode="NUMBA"``.
    """
    import pytensor

    return pytensor.config.change_flags(numba__fastmath=False, **flags)


def _sample_nutpie(model, key: str, cfg: SamplerConfig):
    import nutpie

    from mmm.inference.backends import compile_model, compiled_key, with_data

    key = compiled_key(cfg.backend, key, _data_updates(model))
    compiled = _COMPILED.get(key)
    t0 = time.perf_counter()
    if compiled is None:
        compiled = compile_model(model, cfg.backend)
        _COMPILED[key] = compiled
    else:
        # data the compiled graph does not use (e.g. time with trend="none") is not swapped in
        compiled = with_data(compiled, _data_updates(model))
    t_compile = time.perf_counter() - t0
    t1 = time.perf_counter()
    idata = nutpie.sample(
        compiled,
        draws=cfg.draws,
        tune=cfg.tune,
        chains=cfg.chains,
        cores=min(cfg.chains, 2),
        seed=cfg.seed,
        progress_bar=cfg.progress,
        save_warmup=False,
        target_accept=cfg.target_accept,
        # effects, carry-over and baseline terms are correlated a posteriori; the
        # low-rank mass matrix adapts to those directions and cuts tree depth
        low_rank_modified_mass_matrix=True,
    )
    return idata, t_compile, time.perf_counter() - t1


def _jax_kwargs(nuts_sampler: str) -> dict:
    """NumPyro on an accelerator runs the chains vectorised on the one device."""
    if nuts_sampler != "numpyro":
        return {}
    import jax

    if jax.default_backend() in ("gpu", "tpu") and jax.local_device_count() < 2:
        return {"nuts_sampler_kwargs": {"chain_method": "vectorized"}}
    return {}


def _sample_pymc(model, cfg: SamplerConfig, nuts_sampler: str):
    import pymc as pm

    t1 = time.perf_counter()
    with model:
        idata = pm.sample(
            **_jax_kwargs(nuts_sampler),
            draws=cfg.draws,
            tune=cfg.tune,
            chains=cfg.chains,
            cores=min(cfg.chains, 2),
            random_seed=cfg.seed,
            target_accept=cfg.target_accept,
            progressbar=cfg.progress,
            nuts_sampler=nuts_sampler,
            compute_convergence_checks=False,
        )
    return idata, float("nan"), time.perf_counter() - t1


def _quick(model, cfg: SamplerConfig, method: str):
    import arviz as az
    import pymc as pm

    t1 = time.perf_counter()
    with model:
        if method == "map":
            # the numba backend compiles this model several times faster than the C one
            with _numba(mode="NUMBA"):
                point = pm.find_MAP(seed=cfg.seed, progressbar=cfg.progress)
            names = [v.name for v in model.free_RVs] + [v.name for v in model.deterministics]
            post = {n: np.asarray(point[n])[None, None] for n in names if n in point}
            dims = {n: list(model.named_vars_to_dims.get(n, ())) for n in post}
            coords = {k: list(v) for k, v in model.coords.items() if v is not None}
            idata = az.from_dict(posterior=post, dims=dims, coords=coords)
        elif method == "advi":
            approx = pm.fit(n=20000, method="advi", random_seed=cfg.seed, progressbar=cfg.progress)
            idata = approx.sample(cfg.draws, random_seed=cfg.seed)
        else:
            import pymc.sampling  # noqa: F401

            try:
                import pymc_extras as pmx
            except ImportError as exc:
                raise SpecError(
                    "quick='pathfinder' needs the pymc-extras package; use 'map' or 'advi'."
                ) from exc
            idata = pmx.fit(method="pathfinder", random_seed=cfg.seed, num_draws=cfg.draws)
    return idata, float("nan"), time.perf_counter() - t1


def fit(
    spec: ModelSpec,
    dataset,
    *,
    sampler: SamplerConfig | None = None,
    quick: str | None = None,
    prior_samples: int = 0,
    warn: bool = True,
    experiments=None,
) -> FitResult:
    """Fit ``spec`` to ``dataset``.

    Parameters
    ----------
    spec : ModelSpec
    dataset : Dataset
    sampler : SamplerConfig, optional
        Sampler, draws, tune, chains, target_accept and seed (defaults recorded).
    quick : {"map", "advi", "pathfinder"}, optional
        A fast approximate fit for first looks instead of NUTS.
    prior_samples : int
        Draws of the prior (and prior predictive) stored in ``idata.prior``; 0 skips.
    warn : bool
        Emit :class:`~mmm.errors.ConvergenceWarning` for every health problem.
    experiments : path or pandas.DataFrame, optional
        Lift tests (:func:`mmm.calibration.load_experiments` format). Each adds a
        likelihood term on the model's own incremental effect when
        ``spec.use_experiments`` is true (see ``docs/calibration.md``).

    Returns
    -------
    FitResult
    """
    from mmm.model.build import build_model, prepare_inputs

    cfg = sampler or SamplerConfig()
    if quick is not None and quick not in QUICK_METHODS:
        raise SpecError(f"quick={quick!r} is not allowed; choose one of {QUICK_METHODS}.")
    t_start = time.perf_counter()
    inputs = prepare_inputs(spec, dataset)
    lift = None
    if experiments is not None:
        from mmm.calibration import check_experiments, load_experiments, prepare_lift

        experiments = load_experiments(experiments)
        check_experiments(experiments, dataset, spec)
        # with use_experiments off the term is built inactive (weight 0): the posterior
        # is the uncalibrated one and the compiled model is shared with the calibrated fit
        lift = prepare_lift(experiments, dataset, spec, inputs.design, active=spec.use_experiments)
    model = build_model(spec, dataset, inputs=inputs, lift=lift)
    t_build = time.perf_counter() - t_start
    if quick is not None:
        idata, t_compile, t_sample = _quick(model, cfg, quick)
        method = quick
    elif cfg.sampler == "nutpie":
        idata, t_compile, t_sample = _sample_nutpie(model, _structure_key(spec, inputs, lift), cfg)
        method = "nuts"
    else:
        idata, t_compile, t_sample = _sample_pymc(model, cfg, cfg.sampler)
        method = "nuts"
    keep = set(_free_names(model)) | {v.name for v in model.deterministics}
    post = idata.posterior[[v for v in idata.posterior.data_vars if v in keep]]
    post = post.assign_coords({k: list(v) for k, v in model.coords.items() if k in post.dims})
    post.attrs = {"free_variables": ",".join(_free_names(model))}
    import arviz as az

    groups = {"posterior": post}
    if "sample_stats" in idata.groups():
        groups["sample_stats"] = idata.sample_stats
    if prior_samples:
        import pymc as pm

        with model, _numba():
            prior = pm.sample_prior_predictive(
                prior_samples, random_seed=cfg.seed, compile_kwargs={"mode": "NUMBA"}
            )
        groups["prior"] = prior.prior
        groups["prior_predictive"] = prior.prior_predictive
    idata = az.InferenceData(**groups)
    diag = compute_diagnostics(idata, var_names=_free_names(model), method=method)
    if warn:
        warn_if_unhealthy(diag)
    provenance = {
        "data_fingerprint": dataset.fingerprint,
        "spec_hash": spec.hash(),
        "seed": cfg.seed,
        "versions": package_versions(),
        "timings": {
            "build_s": round(t_build, 3),
            "compile_s": None if not np.isfinite(t_compile) else round(t_compile, 3),
            "sample_s": round(t_sample, 3),
            "total_s": round(time.perf_counter() - t_start, 3),
        },
    }
    return FitResult(
        spec=spec,
        dataset=dataset,
        idata=idata,
        design=inputs.design,
        sampler=cfg,
        diagnostics=diag,
        provenance=provenance,
        experiments=experiments,
    )


def with_provenance(result: FitResult, **extra) -> FitResult:
    """A copy of ``result`` with more provenance entries (e.g. the config hash)."""
    prov = dict(result.provenance)
    prov.update(extra)
    return replace(result, provenance=prov)
