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

import contextlib
import json
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mmm.errors import NotFittedError, SpecError
from mmm.inference.backends import numba_flags as _numba
from mmm.inference.diagnostics import Diagnostics, compute_diagnostics, warn_if_unhealthy
from mmm.model.design import Design
from mmm.model.numpy_eval import _stack, expected, observation_draws, to_chain_draw
from mmm.model.roas import roas_draws
from mmm.spec import QUICK_METHODS, ModelSpec, SamplerConfig

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from mmm.data.dataset import Dataset

FIT_FORMAT_VERSION = 1

#: Currency of a fit whose run config names none (``[optimizer] currency``), and of fits
#: saved before the currency was stored.
DEFAULT_CURRENCY = "€"

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
        Data fingerprint, spec hash, package versions, seed, timings (seconds), and
        ``compiled_from``: how nutpie's compiled model was obtained (``"compiled"``,
        ``"disk"`` from the compile cache, ``"reused"`` within the process; None for the
        other samplers).
    experiments : pandas.DataFrame or None
        Lift tests the fit was calibrated with (:mod:`mmm.calibration`), if any.
    currency : str
        Symbol of the money amounts (spend, revenue): the run config's ``[optimizer]
        currency``, default :data:`DEFAULT_CURRENCY`. Figures of the fit label their
        money axes with it (see :mod:`mmm.plotting`); see :func:`with_currency`.
    """

    spec: ModelSpec
    dataset: Dataset
    idata: Any  # arviz.InferenceData: its groups are dynamic attributes
    design: Design
    sampler: SamplerConfig
    diagnostics: Diagnostics
    provenance: dict = field(default_factory=dict)
    experiments: pd.DataFrame | None = None
    currency: str = DEFAULT_CURRENCY

    def _overview(self) -> list[tuple[str, str]]:
        """(label, value) rows of the short description (``repr`` and the notebook table)."""
        ds, d = self.dataset, self.diagnostics
        dates = ds.dates
        probs = d.problems()
        dims = {k: v for k, v in self.posterior.sizes.items() if k not in ("chain", "draw")}
        return [
            ("dates", f"{str(dates[0])[:10]} .. {str(dates[-1])[:10]} ({len(dates)} periods)"),
            ("geos", str(len(ds.geos))),
            ("series", str(len(ds.series))),
            ("outcomes", ", ".join(self.spec.outcome_names)),
            ("dims", ", ".join(f"{k}={v}" for k, v in dims.items())),
            (
                "sampler",
                f"{d.method}: {d.n_chains} chains x {d.n_draws} draws, {d.divergences} divergences",
            ),
            ("max R-hat", f"{d.max_rhat:.3f}"),
            ("min ESS", f"{d.min_ess_bulk:.0f} bulk, {d.min_ess_tail:.0f} tail"),
            ("verdict", "healthy" if not probs else f"{len(probs)} health problem(s)"),
            ("groups", ", ".join(self.idata.groups())),
        ]

    def __repr__(self) -> str:
        rows = self._overview()
        width = max(len(k) for k, _ in rows)
        return "FitResult\n" + "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)

    def _repr_html_(self) -> str:
        from html import escape

        body = "".join(
            f"<tr><th style='text-align:left'>{escape(k)}</th><td style='text-align:left'>"
            f"{escape(v)}</td></tr>"
            for k, v in self._overview()
        )
        return f"<table><caption>FitResult</caption>{body}</table>"

    @property
    def free_variables(self) -> list[str]:
        """Names of the sampled parameters (the default for ``az.summary(..., var_names=)``)."""
        names = self.posterior.attrs.get("free_variables", "")
        return [n for n in str(names).split(",") if n and n in self.posterior]

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
        from mmm.run_folder import DATA_DIR, FIT_FILE, FIT_META_FILE

        d = Path(directory)
        (d / DATA_DIR).mkdir(parents=True, exist_ok=True)
        # uncompressed: draws are random floats, which zlib shrank by 9 % for three times
        # the time to write (the demo's fit: 1.3 s against 0.45 s) and more time to read
        self.idata.to_netcdf(str(d / FIT_FILE), engine="h5netcdf", compress=False)
        for name, frame in self.dataset.to_frames().items():
            if frame is not None:
                frame.to_csv(d / DATA_DIR / f"{name}.csv", index=False, float_format="%.17g")
        if self.experiments is not None:
            ex = self.experiments.copy()
            for c in ("start", "end", "readout_end"):
                ex[c] = ex[c].dt.strftime("%Y-%m-%d")
            ex.to_csv(d / DATA_DIR / "experiments.csv", index=False, float_format="%.17g")
        meta = {
            "format_version": FIT_FORMAT_VERSION,
            "spec": self.spec.to_dict(),
            "design": self.design.to_dict(),
            "sampler": self.sampler.to_dict(),
            "diagnostics": self.diagnostics.to_dict(),
            "provenance": self.provenance,
            "currency": self.currency,
        }
        (d / FIT_META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
        return d

    @classmethod
    def load(cls, directory) -> FitResult:
        """Read a fit saved by :meth:`save`; the data's fingerprint is checked.

        A ``fit.nc`` written before ``observed_data``, ``constant_data``,
        ``log_likelihood`` and ``posterior_predictive`` were stored gets them from its
        posterior (:func:`complete_idata`), and its ``roas`` is read as ``roas_direct``.
        """
        from mmm.data import load_dataset
        from mmm.run_folder import DATA_DIR, FIT_FILE, FIT_META_FILE

        d = Path(directory)
        for need in (FIT_FILE, FIT_META_FILE, f"{DATA_DIR}/media.csv"):
            if not (d / need).exists() and (d / "run" / need).exists():
                raise NotFittedError(
                    f"{d} is not a saved fit, but {d / 'run'} is (the run folder of "
                    f"`mmm demo`): load FitResult.load({str(d / 'run')!r})."
                )
            if not (d / need).exists():
                raise NotFittedError(
                    f"{d} is not a saved fit: {need} is missing. Run `mmm fit` to create one."
                )
        meta = json.loads((d / FIT_META_FILE).read_text())
        if meta.get("format_version") != FIT_FORMAT_VERSION:
            raise NotFittedError(
                f"{d / FIT_META_FILE} has format_version {meta.get('format_version')}; this "
                f"version of mmm reads {FIT_FORMAT_VERSION}. Refit with this version."
            )
        data = d / DATA_DIR

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
        idata = _read_idata(d / FIT_FILE)
        result = cls(
            spec=ModelSpec.from_dict(meta["spec"]),
            dataset=ds,
            idata=idata,
            design=Design.from_dict(meta["design"]),
            sampler=SamplerConfig(**meta["sampler"]),
            diagnostics=Diagnostics.from_dict(meta["diagnostics"]),
            provenance=meta["provenance"],
            experiments=experiments,
            currency=meta.get("currency") or DEFAULT_CURRENCY,  # older fits: the default
        )
        if "log_likelihood" not in idata.groups():
            # a fit saved before these groups were stored: add them from its posterior
            result = complete_idata(result, predictive="posterior_predictive" not in idata.groups())
        return result


# ------------------------------------------------------------------ ArviZ groups
def _observed_group(result):
    import xarray as xr

    ds = result.dataset
    out = {}
    for name in result.spec.outcome_names:
        da = ds.outcomes.sel(outcome=name, drop=True)
        out[name] = da.astype(float).rename(name)
    return xr.Dataset(out)


def _constant_group(result):
    import xarray as xr

    ds, design = result.dataset, result.design
    names = list(result.spec.outcome_names)
    series = ds.spend.coords["series"]
    data = {
        "spend": ds.spend.astype(float),
        "spend_scale": xr.DataArray(
            # fits saved before spend was scaled per (geo, series) hold one scale per series
            np.broadcast_to(np.asarray(design.spend_scale, float), (len(ds.geos), len(series))),
            dims=("geo", "series"),
            coords={"geo": list(ds.geos), "series": series},
        ),
        "outcome_scale": xr.DataArray(
            np.asarray(design.outcome_scale, float),
            dims=("geo", "outcome"),
            coords={"geo": list(ds.geos), "outcome": names},
        ),
    }
    if ds.controls is not None:
        data["controls"] = ds.controls.astype(float)
    if result.spec.mediator is not None and design.mediator_scale is not None:
        data["mediator_scale"] = xr.DataArray(
            np.asarray(design.mediator_scale, float), dims="geo", coords={"geo": list(ds.geos)}
        )
    return xr.Dataset(data)


def _pointwise_groups(result, *, predictive: bool, seed: int):
    """``log_likelihood`` (and ``posterior_predictive``) per outcome, from the posterior.

    The outcomes' means are the model's mean in NumPy (:func:`mmm.model.numpy_eval.expected`,
    no compile); each outcome's log-density is its registered likelihood's
    (:meth:`mmm.transforms.likelihood.Likelihood.logpdf_original`), in the outcome's own
    units (currency or counts), so fits scaled differently compare on the same footing.
    """
    import xarray as xr

    from mmm.transforms import get_likelihood

    post = result.posterior
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    mu_da = expected(result, max_draws=None)  # (sample, date, geo, outcome), original units
    mu = mu_da.values
    idx = np.arange(mu.shape[0])
    sigma = _stack(result, "sigma")  # (sample, outcome), scaled
    ys = np.asarray(result.design.outcome_scale, float)  # (geo, outcome)
    coords = {
        "chain": post.coords["chain"].values,
        "draw": post.coords["draw"].values,
        "date": mu_da.coords["date"].values,
        "geo": mu_da.coords["geo"].values,
    }
    dims = ("chain", "draw", "date", "geo")
    ll = {}
    for k, o in enumerate(result.spec.outcomes):
        lik = get_likelihood(o.likelihood, where=f"outcomes[{o.name}].likelihood")
        y = result.dataset.outcomes.sel(outcome=o.name).values.astype(float)[None]  # (1, t, g)
        params = {
            prefix: _stack(result, var)[:, None, None]
            for prefix, var in zip(lik.priors, lik.param_names(o.name), strict=True)
        }
        lp = lik.logpdf_original(
            y, mu[..., k], sigma[:, k, None, None], ys[None, None, :, k], params
        )
        ll[o.name] = xr.DataArray(lp.reshape(n_chain, n_draw, *lp.shape[1:]), dims=dims)
    groups = {"log_likelihood": xr.Dataset(ll, coords=coords)}
    if predictive:
        rep = observation_draws(result, mu, idx, np.random.default_rng(seed))
        pp = {
            o.name: xr.DataArray(rep[..., k].reshape(n_chain, n_draw, *rep.shape[1:3]), dims=dims)
            for k, o in enumerate(result.spec.outcomes)
        }
        groups["posterior_predictive"] = xr.Dataset(pp, coords=coords)
    return groups


def complete_idata(result, *, predictive: bool = True, seed: int | None = None) -> FitResult:
    """A copy of ``result`` whose ``idata`` holds every ArviZ group analysis tools expect.

    Adds ``observed_data`` (each outcome, dims date, geo, original units),
    ``constant_data`` (spend, controls, spend and outcome scales), ``log_likelihood``
    (one variable per outcome, dims chain, draw, date, geo: ``az.loo(result.idata,
    var_name="online_sales")``) and, with ``predictive``, ``posterior_predictive`` (one
    replicated series per outcome and draw, same names as ``observed_data``, so
    ``az.plot_ppc(result.idata)`` works). The posterior gains ``roas_total`` (dims chain,
    draw, outcome, series): the total return per currency unit over the fitted period,
    direct plus through the mediator (:func:`mmm.model.roas.roas_draws`, ``path="total"``),
    the return the report shows, beside the model's ``roas_direct``. Everything is
    computed from the saved posterior: no refit, no compile.

    Parameters
    ----------
    result : FitResult
    predictive : bool, default True
        Also draw the posterior predictive.
    seed : int, optional
        Seed of the observation noise of the posterior predictive (default: the sampler's).

    Returns
    -------
    FitResult
    """
    import arviz as az

    groups = {g: getattr(result.idata, g) for g in result.idata.groups()}
    groups["observed_data"] = _observed_group(result)
    groups["constant_data"] = _constant_group(result)
    seed = result.sampler.seed if seed is None else seed
    groups.update(_pointwise_groups(result, predictive=predictive, seed=seed))
    groups["posterior"] = _with_total_return(result)
    return replace(result, idata=az.InferenceData(**groups))


def _with_total_return(result):
    """The posterior with ``roas_total`` (see :func:`complete_idata`) added or refreshed."""
    total = roas_draws(result, max_draws=None).sel(path="total", drop=True)
    post = result.idata.posterior
    da = to_chain_draw(total, result).transpose("chain", "draw", "outcome", "series")
    da.attrs["description"] = (
        "total return per currency unit over the fitted period (direct + mediated)"
    )
    return post.assign(roas_total=da)


def _structure_key(spec: ModelSpec, inputs, lift=None) -> str:
    if lift is not None:  # use_experiments only switches model data (lift_active)
        spec = spec.replace(use_experiments=True)
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


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _library_notices_off():
    """Silence two notices the libraries print on every fit, and nothing else.

    ArviZ announces its refactor (a FutureWarning, once a day, when it is first imported)
    and PyTensor warns that it found no BLAS library (the C backend's matrix products;
    nutpie's numba-compiled model does not use it). Other warnings pass as before.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"\s*ArviZ is undergoing a major refactor", category=FutureWarning
        )
        warnings.filterwarnings(
            "ignore",
            message=r"PyTensor could not link to a BLAS installation",
            category=UserWarning,
        )
        yield


def _sampling_line(cfg: SamplerConfig, extra: str = "") -> str:
    return f"sampling {cfg.chains} chains x {cfg.draws} draws{extra} ..."


def _sample_nutpie(model, key: str, cfg: SamplerConfig, log=None):
    import nutpie
    from threadpoolctl import threadpool_limits

    from mmm.inference.backends import (
        compile_cache_events,
        compile_model,
        compiled_key,
        with_model_data,
    )

    log = log or (lambda _line: None)
    key = compiled_key(cfg.backend, key, _data_updates(model))
    compiled = _COMPILED.get(key)
    t0 = time.perf_counter()
    if compiled is None:
        log("compiling the model ...")
        before = compile_cache_events(cfg.backend)
        compiled = compile_model(model, cfg.backend)
        _COMPILED[key] = compiled
        after = compile_cache_events(cfg.backend)
        from_disk = after["hits"] > before["hits"] and after["misses"] == before["misses"]
        source = "disk" if from_disk else "compiled"
        how = "read the compiled model from the disk cache in" if from_disk else "compiled in"
        log(f"{how} {time.perf_counter() - t0:.1f} s")
    else:
        # data the compiled graph does not use (e.g. time with trend="none") is not swapped
        # in; the starting points are the new model's (its prior medians are data too)
        compiled = with_model_data(compiled, model)
        source = "reused"
        log(f"reused the compiled model ({time.perf_counter() - t0:.1f} s)")
    t_compile = time.perf_counter() - t0
    log(_sampling_line(cfg))
    t1 = time.perf_counter()
    # one BLAS thread per chain: nutpie runs the chains in threads of its own, and the
    # model's matrix products inside each would otherwise start BLAS's thread pool too,
    # more threads than cores (two chains on 2 cores sampled 2.3x slower with it)
    with threadpool_limits(limits=1, user_api="blas"):
        idata = _nutpie_sample(nutpie, compiled, cfg)
    t_sample = time.perf_counter() - t1
    log(f"sampled in {t_sample:.1f} s")
    return idata, t_compile, t_sample, source


def _nutpie_sample(nutpie, compiled, cfg: SamplerConfig):
    return nutpie.sample(
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

    if nuts_sampler == "numpyro":  # JAX compiles the sampler: keep what it compiles on disk
        from mmm.inference.backends import configure_jax_cache
        from mmm.transforms.carryover_op import register_jax

        configure_jax_cache()
        register_jax()
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
    predictive: bool = False,
    log=None,
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
        ``spec.likelihood.use_experiments`` is true (see ``docs/calibration.md``).
    predictive : bool
        Also store a posterior predictive draw per posterior draw (``idata``'s
        ``posterior_predictive`` group, for ``az.plot_ppc``; about 0.5 s on the demo).
        ``observed_data``, ``constant_data`` and ``log_likelihood`` are always stored (see
        :func:`complete_idata`).
    log : callable, optional
        Called with one line of text at each stage, with its elapsed time
        (``compiling the model ...``, ``compiled in 12.3 s``, ``sampling 4 chains x 1000
        draws ...``, ``sampled in 30.1 s``). By default the lines go to standard error
        when ``sampler.progress`` is on (beside the sampler's progress bar), and nowhere
        when it is off.

    Returns
    -------
    FitResult
    """
    cfg = sampler or SamplerConfig()
    if quick is not None and quick not in QUICK_METHODS:
        raise SpecError(f"quick={quick!r} is not allowed; choose one of {QUICK_METHODS}.")
    if log is None:
        log = _stderr_line if cfg.progress else (lambda _line: None)
    with _library_notices_off():
        result = _fit(spec, dataset, cfg, quick, prior_samples, experiments, log, predictive)
    if warn:
        warn_if_unhealthy(result.diagnostics)
    return result


def _draw(model, key: str, cfg: SamplerConfig, quick, log):
    """(draws, compile s, sampling s, method, how the compile stage got the model) of the
    quick approximation, nutpie, or PyMC's samplers."""
    if quick is not None:
        log(f"fitting the quick {quick} approximation ...")
        idata, t_compile, t_sample = _quick(model, cfg, quick)
        log(f"fitted in {t_sample:.1f} s")
        return idata, t_compile, t_sample, quick, None
    if cfg.sampler == "nutpie":
        idata, t_compile, t_sample, compiled_from = _sample_nutpie(model, key, cfg, log)
        return idata, t_compile, t_sample, "nuts", compiled_from
    log(_sampling_line(cfg, f" with {cfg.sampler} (compiling first)"))
    idata, t_compile, t_sample = _sample_pymc(model, cfg, cfg.sampler)
    log(f"compiled and sampled in {t_sample:.1f} s")
    return idata, t_compile, t_sample, "nuts", None


def _fit(spec, dataset, cfg, quick, prior_samples, experiments, log, predictive) -> FitResult:
    from mmm.model.build import build_model, prepare_inputs

    t_start = time.perf_counter()
    inputs = prepare_inputs(spec, dataset)
    lift = None
    if experiments is not None:
        from mmm.calibration.experiments import check_experiments, load_experiments
        from mmm.calibration.lift import prepare_lift

        experiments = load_experiments(experiments)
        check_experiments(experiments, dataset, spec)
        # with use_experiments off the term is built inactive (weight 0): the posterior
        # is the uncalibrated one and the compiled model is shared with the calibrated fit
        lift = prepare_lift(
            experiments, dataset, spec, inputs.design, active=spec.likelihood.use_experiments
        )
    model = build_model(spec, dataset, inputs=inputs, lift=lift)
    t_build = time.perf_counter() - t_start
    idata, t_compile, t_sample, method, compiled_from = _draw(
        model, _structure_key(spec, inputs, lift), cfg, quick, log
    )
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
        # how the compile stage got nutpie's model: "compiled", "disk" (numba's and the
        # layout's files), "reused" (this process's, new data swapped in); None otherwise
        "compiled_from": compiled_from,
    }
    result = FitResult(
        spec=spec,
        dataset=dataset,
        idata=idata,
        design=inputs.design,
        sampler=cfg,
        diagnostics=diag,
        provenance=provenance,
        experiments=experiments,
    )
    t_groups = time.perf_counter()
    result = complete_idata(result, predictive=predictive)
    result.provenance["timings"]["arviz_groups_s"] = round(time.perf_counter() - t_groups, 3)
    return result


def check_currency(currency, *, where: str = "currency") -> str | None:
    """``currency`` if it is a usable symbol (a non-empty string) or None.

    Raises
    ------
    SpecError
        Anything else, naming ``where`` (e.g. the config file and key).
    """
    if currency is None or (isinstance(currency, str) and currency.strip()):
        return currency
    raise SpecError(f"{where} must be a non-empty string such as '€' or '$', got {currency!r}.")


def _read_idata(path: Path):
    """The InferenceData of a saved ``fit.nc``, read into memory (the file is released for
    re-saving); a fit written before the rename gets ``roas_direct`` for its ``roas``."""
    import arviz as az

    d = path.parent
    try:
        idata = az.from_netcdf(str(path), engine="h5netcdf")
        for group in idata.groups():  # read into memory, then release the file for re-saving
            getattr(idata, group).load().close()
    except (OSError, ValueError, KeyError) as exc:
        raise NotFittedError(
            f"fit.nc in {d} is not a readable fit: {exc}. Refit with `mmm fit` to write it again."
        ) from exc
    if "posterior" not in idata.groups():
        raise NotFittedError(
            f"fit.nc in {d} is not a readable fit: it has no posterior group. Refit with "
            "`mmm fit` to write it again."
        )
    if "roas" in idata.posterior and "roas_direct" not in idata.posterior:
        # fits written before the rename: the direct return was called ``roas``
        idata.rename_vars({"roas": "roas_direct"}, groups="posterior", inplace=True)
    return idata


def with_currency(result: FitResult, currency: str | None) -> FitResult:
    """A copy of ``result`` whose money is in ``currency`` (None: unchanged)."""
    currency = check_currency(currency)
    return result if currency is None else replace(result, currency=currency)
