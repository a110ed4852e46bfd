"""The demo fit: time and sampler health of the model `make demo` fits.

Fits the demo brand (156 weeks, 11 channel x audience series, online sales and store visits,
branded search as mediator) with the default spec and the demo's sampler settings (2 chains
x 500 draws after 1,000 tuning steps, target acceptance 0.9, seed 1), in a fresh child
process per case, and prints build, compile and sampling time, divergences, max R-hat and
min bulk ESS over the free parameters.

Cases (``--backends``):

* ``numba``: ``mmm.inference.fit`` as ``make demo`` runs it (nutpie, numba backend);
* ``jax``: the same PyMC model compiled by nutpie's JAX backend (JAX gradients), sampled
  with the same settings (now also ``SamplerConfig(backend="jax")``; cold and warm
  processes are compared by ``bench_compile.py``).

    python benchmarks/bench_demo_fit.py
    python benchmarks/bench_demo_fit.py --backends numba --draws 200 --tune 200
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_fit import _diagnostics, _versions  # noqa: E402


def child(backend: str, cfg: dict) -> dict:
    from mmm.datasets import demo_simulation
    from mmm.errors import ConvergenceWarning
    from mmm.spec import SamplerConfig, default_spec_for

    warnings.simplefilter("ignore")
    ds = demo_simulation().to_dataset()
    spec = default_spec_for(ds, mediator="brand_search")
    sampler = SamplerConfig(
        draws=cfg["draws"], tune=cfg["tune"], chains=2, seed=cfg["seed"], progress=False
    )
    from mmm.model.build import build_model

    t0 = time.perf_counter()
    model = build_model(spec, ds)
    build_s = time.perf_counter() - t0
    free = [v.name for v in model.free_RVs]
    if backend == "numba":
        from mmm.inference import fit

        t0 = time.perf_counter()  # fit builds the model again: its own build is timed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = fit(spec, ds, sampler=sampler)
        wall = time.perf_counter() - t0
        t = res.provenance["timings"]
        idata, compile_s, sample_s = res.idata, t["compile_s"], t["sample_s"]
    else:
        import nutpie

        t1 = time.perf_counter()
        compiled = nutpie.compile_pymc_model(model, backend="jax", gradient_backend="jax")
        t2 = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=sampler.draws,
            tune=sampler.tune,
            chains=2,
            cores=2,
            seed=sampler.seed,
            progress_bar=False,
            target_accept=sampler.target_accept,
            low_rank_modified_mass_matrix=True,
        )
        compile_s, sample_s = t2 - t1, time.perf_counter() - t2
        wall = build_s + compile_s + sample_s
    row = {"backend": backend, "wall_s": wall, "compile_s": compile_s, "sample_s": sample_s}
    return row | _diagnostics(idata, free, wall)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--backends", nargs="+", choices=["numba", "jax"], default=["numba", "jax"])
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--child", choices=["numba", "jax"], help=argparse.SUPPRESS)
    p.add_argument("--cfg", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, json.loads(a.cfg))))
        return
    cfg = {"draws": a.draws, "tune": a.tune, "seed": a.seed}
    print(f"config: {json.dumps(cfg)}", flush=True)
    rows = []
    for b in a.backends:
        out = subprocess.run(
            [sys.executable, __file__, "--child", b, "--cfg", json.dumps(cfg)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        "| backend | wall (s) | compile (s) | sampling (s) | divergences | max R-hat | min bulk ESS |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['wall_s']:.1f} | {r['compile_s']:.1f} | {r['sample_s']:.1f} "
            f"| {r['divergences']} | {r['max_rhat']:.3f} | {r['min_ess_bulk']:.0f} |"
        )
    print("\nversions: " + json.dumps(_versions()))


if __name__ == "__main__":
    main()
