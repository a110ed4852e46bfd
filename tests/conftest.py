"""Shared fixtures: one small seeded fit of simulated data, compiled once per test run.

Compiling the model dominates small fits, so every test that needs a fitted model uses
``demo_fit`` (or ``demo_run``, the same fit written as a run folder) instead of fitting
its own. The data are the demo brand's (156 weeks, 11 channel x audience series, known
truth); the fit is short (2 chains x 400 draws) but serves the recovery tests too.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import pytest

#: modules that use the shared ``demo_fit``: they run on one worker under pytest-xdist,
#: so the demo model is compiled and sampled once (``make test`` runs ``-n 2 --dist
#: loadscope``)
DEMO_FIT_MODULES = {
    "test_analysis_demo",
    "test_cli_run",
    "test_doc_examples",
    "test_model",
    "test_optimize_cli",
    "test_optimize_demo",
    "test_optimize_truth",
    "test_recovery",
    "test_report_budget",
}

#: a report section whose builder raises fails the test instead of showing a notice
os.environ.setdefault("MMM_REPORT_STRICT", "1")


#: modules that use the shared fits of five simulated brands (``brand_fits``): one unit
BRAND_FIT_MODULES = {"test_health_defaults", "test_split_recovery"}

#: simulator seeds of the brands fitted with default settings by ``brand_fits``
BRAND_SEEDS = (1, 2, 3, 4, 5)


def _scope(nodeid: str) -> str:
    """The work unit of a test under ``--dist loadscope``: its module, except that the
    modules sharing the demo fit form one unit, and those sharing the brand fits another."""
    path = nodeid.split("::", 1)[0]
    stem = Path(path).stem
    if stem in DEMO_FIT_MODULES:
        return "demo_fit"
    return "brand_fits" if stem in BRAND_FIT_MODULES else path


if importlib.util.find_spec("xdist") is not None:

    def pytest_xdist_make_scheduler(config, log):
        """``--dist loadscope`` with :func:`_scope` as the unit (module fixtures and the
        in-process compiled-model cache are then shared as in a serial run)."""
        if config.getvalue("dist") != "loadscope":
            return None
        from xdist.scheduler import LoadScopeScheduling

        class ModuleScheduling(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return _scope(nodeid)

        return ModuleScheduling(config, log)


@pytest.fixture(scope="session")
def demo_sim():
    """The demo brand's simulated national data with known truth (156 weeks)."""
    from mmm.datasets import demo_simulation

    return demo_simulation()


@pytest.fixture(scope="session")
def demo_fit(demo_sim):
    """A FitResult of the default spec (with the brand_search mediator) on ``demo_sim``."""
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.spec import SamplerConfig, default_spec_for

    ds = demo_sim.to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(  # with the posterior predictive, as every CLI run
            spec,
            ds,
            sampler=SamplerConfig(draws=400, tune=400, chains=2, seed=5, progress=False),
            predictive=True,
        )


@pytest.fixture(scope="session")
def brand_sims():
    """Five simulated brands of the demo's shape (156 weeks, 11 series), seeds
    :data:`BRAND_SEEDS`, each with its own truths (carry-over, curves, returns)."""
    from mmm.data.simulate import simulate

    return {seed: simulate(seed=seed) for seed in BRAND_SEEDS}


@pytest.fixture(scope="session")
def brand_fits(brand_sims):
    """Each brand fitted by :func:`mmm.inference.fit` with its default settings (the
    default spec with the brand_search mediator, 4 chains x 1000 draws after 1000 tuning
    steps, seed 0): seed -> (FitResult, convergence warnings raised). One compiled model
    serves all five (same shape); about 2 minutes on 2 cores with it on disk."""
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.spec import default_spec_for

    out = {}
    for seed, sim in brand_sims.items():
        ds = sim.to_dataset()
        spec = default_spec_for(ds, mediator="brand_search")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)  # fit() warns per problem
            result = fit(spec, ds)
        warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
        out[seed] = (result, warned)
    return out


@pytest.fixture(scope="session")
def demo_run(demo_fit, tmp_path_factory):
    """``demo_fit`` written as a run folder (fit.nc, config.toml, manifest, summary)."""
    from mmm.runs import write_run

    out = tmp_path_factory.mktemp("runs") / "demo"
    write_run(demo_fit, out)
    return out
