"""Compile time, cold and warm: nutpie's numba and JAX back ends, and PyMC's C back end.

Every fit of the command-line tool runs in a new process, so the model is compiled again
unless a cache on disk serves it. For each variant this script fits the same model twice,
each time in a fresh child process, with the on-disk caches in a new empty folder for the
variant: "cold" is the first process (empty caches), "warm" the second (the caches the
first one filled). Variants (``--variants``):

* ``numba``: ``mmm.inference.fit`` as the CLI runs it (nutpie, numba back end; pytensor's
  compile folder, which holds its numba cache, is the variant's folder);
* ``numba_hashseed``: the same with ``PYTHONHASHSEED=0`` in both processes, to see whether
  the per-process change of pytensor's cache key comes from Python's string hashing;
* ``numba_opt1``: the same with LLVM's optimisation level 1 instead of numba's default 3
  (``NUMBA_OPT=1`` in both processes), trading run-time speed for compile time;
* ``jax``: ``SamplerConfig(backend="jax")`` (nutpie's JAX back end, JAX gradients, JAX's
  persistent compilation cache under ``$MMM_CACHE_DIR/jax``);
* ``jax_1thread``: the same with XLA's CPU thread pool off (``XLA_FLAGS``), so the chains'
  threads do not share cores with XLA's own;
* ``numpyro``: ``SamplerConfig(sampler="numpyro")`` (PyMC's JAX graph sampled by
  NumPyro's NUTS, the whole trajectory in compiled JAX code; JAX's persistent cache as for
  ``jax``); compiling happens inside sampling and is not timed apart from it;
* ``c``: ``SamplerConfig(sampler="pymc")`` (PyMC's own NUTS, pytensor's C back end, whose
  compile folder is persistent); compilation happens inside ``pm.sample`` and is not timed
  apart from sampling.

Models (``--data``): ``demo`` (the demo brand of ``mmm demo``: 156 weeks, 11 channel x
audience series, online sales and store visits, branded search as mediator, default spec)
and ``pmm`` (PyMC-Marketing's ``mmm_example.csv`` with the model of ``bench_fit.py``).

Per process: compile and sampling seconds (``FitResult.provenance["timings"]``), the
fit's wall time, divergences, max R-hat and min bulk ESS over the free parameters, JAX
persistent-cache hits and misses, a digest of the draws (to see whether cold and warm
draw the same numbers), and for each scalar free parameter its posterior mean, sd and
Monte Carlo standard error of the mean, from which the posterior of every variant is
compared with the numba variant's cold fit: ``max |z|`` is the largest
``|mean_a - mean_b| / sqrt(mcse_a^2 + mcse_b^2)`` over the parameters (about 3-4 is
expected from Monte Carlo error alone with ~100 parameters), ``max sd ratio`` the largest
ratio of posterior sds (either way round).

    python benchmarks/bench_compile.py                       # demo, all variants
    python benchmarks/bench_compile.py --data demo pmm --variants numba jax
    python benchmarks/bench_compile.py --draws 100 --tune 100 --chains 2   # smoke run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

VARIANTS = (
    "numba",
    "numba_hashseed",
    "numba_opt1",
    "jax",
    "jax_1thread",
    "numpyro",
    "c",
)
#: variants sampled through ``pm.sample`` (their compile is not timed apart from sampling)
PYMC_SAMPLERS = {"numpyro": "numpyro", "c": "pymc"}
DATA = ("demo", "pmm")


def _dataset_and_spec(name: str):
    if name == "demo":
        from mmm.datasets import demo_simulation
        from mmm.spec import default_spec_for

        ds = demo_simulation().to_dataset()
        return ds, default_spec_for(ds, mediator="brand_search")
    from bench_fit import DEFAULT_DATA, pmm_dataset_and_spec

    return pmm_dataset_and_spec(DEFAULT_DATA)


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) and of its finished child processes."""
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _cpu_timers() -> dict:
    """Count CPU seconds spent in nutpie's compile and sampling calls (wrapped, unchanged).

    CPU time is less sensitive than wall time to other work on the machine."""
    import nutpie

    import mmm.inference.backends as backends

    acc = {"compile": 0.0, "sample": 0.0}

    def wrap(fn, key):
        def timed(*args, **kwargs):
            c0 = _cpu_s()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[key] += _cpu_s() - c0

        return timed

    backends.compile_model = wrap(backends.compile_model, "compile")
    nutpie.sample = wrap(nutpie.sample, "sample")
    return acc


def child(variant: str, data: str, cfg: dict) -> dict:
    import numpy as np

    t0 = time.perf_counter()
    import arviz as az

    from mmm.inference import fit
    from mmm.inference.backends import jax_cache_events
    from mmm.inference.diagnostics import compute_diagnostics, free_variable_names
    from mmm.spec import SamplerConfig

    import_s = time.perf_counter() - t0
    warnings.simplefilter("ignore")
    ds, spec = _dataset_and_spec(data)
    kw = {"sampler": PYMC_SAMPLERS[variant]} if variant in PYMC_SAMPLERS else {}
    if variant.startswith("jax"):
        kw["backend"] = "jax"
    sampler = SamplerConfig(
        draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"], seed=cfg["seed"], **kw
    )
    cpu = _cpu_timers()
    t1, c1 = time.perf_counter(), _cpu_s()
    res = fit(spec, ds, sampler=sampler, warn=False)
    wall, fit_cpu = time.perf_counter() - t1, _cpu_s() - c1
    free = free_variable_names(res.idata)
    d = compute_diagnostics(res.idata, var_names=free)
    post = res.idata.posterior
    digest = hashlib.sha256()
    summary = {}
    mcse = az.mcse(post[free], method="mean")
    for v in free:
        arr = np.ascontiguousarray(post[v].values, dtype=np.float64)
        digest.update(arr.tobytes())
        flat = arr.reshape(arr.shape[0] * arr.shape[1], -1)
        err = np.asarray(mcse[v].values, dtype=np.float64).reshape(-1)
        for i in range(flat.shape[1]):
            summary[f"{v}[{i}]"] = [
                float(flat[:, i].mean()),
                float(flat[:, i].std()),
                float(err[i]),
            ]
    tm = res.provenance["timings"]
    stats = res.idata.sample_stats
    steps = next((stats[k] for k in ("n_steps", "tree_size") if k in stats), None)
    return {
        # leapfrog steps (gradient evaluations) per kept draw
        "mean_steps": None if steps is None else float(steps.mean()),
        "variant": variant,
        "data": data,
        "import_s": import_s,
        "build_s": tm["build_s"],
        "compile_s": tm["compile_s"],
        "sample_s": tm["sample_s"],
        "wall_s": wall,
        "compile_cpu_s": None if variant in PYMC_SAMPLERS else cpu["compile"],
        "sample_cpu_s": None if variant in PYMC_SAMPLERS else cpu["sample"],
        "fit_cpu_s": fit_cpu,
        "divergences": int(d.divergences),
        "max_rhat": float(d.max_rhat),
        "min_ess_bulk": float(d.min_ess_bulk),
        "jax_cache": jax_cache_events(),
        "load_1min_after": os.getloadavg()[0],  # other work on the machine during the fit
        "digest": digest.hexdigest()[:16],
        "summary": summary,
    }


def compare(a: dict, b: dict) -> dict:
    """Largest standardised difference of means and largest sd ratio between two fits."""
    zs, ratios = [], []
    for k, (m1, s1, e1) in a.items():
        m2, s2, e2 = b[k]
        zs.append(abs(m1 - m2) / max((e1**2 + e2**2) ** 0.5, 1e-300))
        ratios.append(max(s1, s2) / max(min(s1, s2), 1e-300))
    n = len(zs)
    return {
        "n": n,
        "max_z": max(zs),
        "n_z_gt_3": sum(z > 3 for z in zs),
        "max_sd_ratio": max(ratios),
    }


def run_child(variant: str, data: str, cfg: dict, root: Path, timeout: float) -> dict:
    env = dict(os.environ)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={root / 'pytensor'}"
    env["MMM_CACHE_DIR"] = str(root / "mmm")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if variant == "numba_hashseed":
        env["PYTHONHASHSEED"] = "0"
    if variant == "numba_opt1":
        env["NUMBA_OPT"] = "1"
    if variant == "jax_1thread":
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    t0 = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", variant, data, json.dumps(cfg)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"variant": variant, "data": data, "failed": f"over {timeout:.0f} s"}
    if out.returncode != 0:
        return {"variant": variant, "data": data, "failed": out.stderr.strip()[-2000:]}
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["process_s"] = time.perf_counter() - t0
    return row


def _fmt(x, spec=".1f") -> str:
    return "n/a" if x is None else format(x, spec)


def print_table(rows: list[dict]) -> None:
    """Markdown table of the rows; posteriors compared with each model's numba cold fit."""
    ref = {}
    for r in rows:
        if r["variant"] == "numba" and r["run"] == "cold" and "failed" not in r:
            ref.setdefault(r["data"], r)
    cold = {}
    for r in rows:
        if r["run"] == "cold":
            cold.setdefault((r["data"], r["variant"]), r)
    print(
        "\n| data | variant | run | compile (s) | compile CPU (s) | sampling (s) "
        "| sampling CPU (s) | fit wall (s) | fit CPU (s) | load | steps per draw | divergences | max R-hat "
        "| min bulk ESS | JAX cache hits/misses | same draws as cold "
        "| vs numba cold: max abs z (n > 3 of N) | max sd ratio |"
    )
    print("|---" * 18 + "|")
    for r in rows:
        if "failed" in r:
            print(f"| {r['data']} | {r['variant']} | {r['run']} | failed: {r['failed'][-200:]} |")
            continue
        c = cold[(r["data"], r["variant"])]
        same = "-" if r["run"] == "cold" else ("yes" if r["digest"] == c["digest"] else "no")
        ref_row = ref.get(r["data"])
        if ref_row is None or ref_row["digest"] == r["digest"]:
            cmp_s, ratio_s = "-", "-"
        else:
            cm = compare(r["summary"], ref_row["summary"])
            cmp_s = f"{cm['max_z']:.2f} ({cm['n_z_gt_3']} of {cm['n']})"
            ratio_s = f"{cm['max_sd_ratio']:.3f}"
        jc = r["jax_cache"]
        jc_s = (
            f"{jc['hits']}/{jc['misses']}" if r["variant"].startswith(("jax", "numpyro")) else "-"
        )
        print(
            f"| {r['data']} | {r['variant']} | {r['run']} | {_fmt(r['compile_s'])} "
            f"| {_fmt(r.get('compile_cpu_s'))} | {_fmt(r['sample_s'])} "
            f"| {_fmt(r.get('sample_cpu_s'))} | {r['wall_s']:.1f} | {_fmt(r.get('fit_cpu_s'))} "
            f"| {_fmt(r.get('load_1min_after'))} | {_fmt(r.get('mean_steps'))} "
            f"| {r['divergences']} | {r['max_rhat']:.3f} | {r['min_ess_bulk']:.0f} | {jc_s} "
            f"| {same} | {cmp_s} | {ratio_s} |"
        )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", nargs="+", choices=DATA, default=["demo"])
    p.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900, help="seconds per child process")
    p.add_argument("--json", help="also write all rows (with summaries) to this file")
    p.add_argument(
        "--report", nargs="+", help="print the table of rows saved with --json (no fitting)"
    )
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.report:
        print_table([r for f in a.report for r in json.loads(Path(f).read_text())])
        return
    if a.child:
        print(json.dumps(child(a.child[0], a.child[1], json.loads(a.child[2]))))
        return
    cfg = {"draws": a.draws, "tune": a.tune, "chains": a.chains, "seed": a.seed}
    print(f"config: {json.dumps(cfg)}", flush=True)
    rows = []
    for data in a.data:
        for variant in a.variants:
            root = Path(tempfile.mkdtemp(prefix=f"bench_compile_{data}_{variant}_"))
            try:
                for run in ("cold", "warm"):
                    row = run_child(variant, data, cfg, root, a.timeout)
                    row["run"] = run
                    rows.append(row)
                    brief = {k: v for k, v in row.items() if k != "summary"}
                    print(json.dumps(brief), flush=True)
                    if "failed" in row:
                        break
            finally:
                shutil.rmtree(root, ignore_errors=True)
    print_table(rows)
    from bench_fit import _versions

    print("\nversions: " + json.dumps(_versions()))
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
