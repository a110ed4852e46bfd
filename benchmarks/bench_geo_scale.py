"""Geo-level scale: fit time and peak memory of the geo model, and PyMC-Marketing beside it.

Runs (each in a fresh child process, so every fit is cold):

1. ``ours``: our model on simulated geo data (default 50 geos x 156 weeks x 12 media
   series; outcomes online sales and store visits, branded search as mediator, shop
   context on) with the chosen backend:

   * ``nutpie`` (default): nutpie's numba backend, CPU;
   * ``numpyro``: PyMC's JAX graph sampled by NumPyro (``SamplerConfig(sampler="numpyro")``);
     runs on a GPU when JAX sees one (install ``jax[cuda12]``), else on the CPU.

2. ``peer``: PyMC-Marketing's multidimensional MMM
   (``pymc_marketing.mmm.multidimensional.MMM``, ``dims=("geo",)``, geometric adstock
   l_max 8, logistic saturation, yearly seasonality order 2, nutpie) on simulated data of
   ``--peer-geos`` geos (10) x weeks x ``--peer-series`` series (8), one target
   (online sales), and ``ours-at-peer-size``: our model on the same data with the same
   choices (one outcome, no mediator, geometric adstock l_max 8, logistic saturation).
   The ratio peer / ours (wall time) is printed.

Measured per run: wall time of the fit call (build, compile, sampling, post-processing;
imports and data simulation excluded), peak resident set size of the child process
(``/proc/self/statm`` sampled every 2 ms, interpreter and packages included), CPU time
of the fit (user + system, all threads; less sensitive than wall time to other work on a
shared machine), divergences, max R-hat and min bulk ESS. Chains run on ``--cores`` cores (2).

    python benchmarks/bench_geo_scale.py --tiny                 # a 1-minute smoke run
    python benchmarks/bench_geo_scale.py                        # 50 x 156 x 12, nutpie
    python benchmarks/bench_geo_scale.py --backend numpyro --skip-peer
    python benchmarks/bench_geo_scale.py --only peer            # PyMC-Marketing and ours at its size
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_fit import PeakRSS, _diagnostics, _versions  # noqa: E402

BASE_SERIES = [
    ("paid_search", "prospecting", "conversion"),
    ("paid_search", "retargeting", "conversion"),
    ("shopping_ads", "all", "conversion"),
    ("affiliates", "all", "conversion"),
    ("email_crm", "vic", "conversion"),
    ("paid_social", "prospecting", "awareness"),
    ("paid_social", "near_store", "awareness"),
    ("programmatic_display", "retargeting", "awareness"),
    ("programmatic_display", "near_store", "awareness"),
    ("online_video", "prospecting", "awareness"),
    ("paid_social", "millennials", "awareness"),
    ("tv", "all", "awareness"),
]


def catalogue(n_series: int):
    """The first ``n_series`` series above (more: extra ``display_k`` channels)."""
    import pandas as pd

    rows = list(BASE_SERIES[:n_series])
    k = 0
    while len(rows) < n_series:
        rows.append((f"display_{k}", "all", "awareness"))
        k += 1
    df = pd.DataFrame(rows, columns=["channel", "audience", "stage"])
    df["mean_spend"] = [30_000.0 if s == "conversion" else 40_000.0 for s in df["stage"]]
    return df


def simulated(geos: int, weeks: int, n_series: int, seed: int):
    from mmm.data.simulate import simulate
    from mmm.errors import DataWarning

    sim = simulate(seed=seed, n_periods=weeks, geos=geos, catalogue=catalogue(n_series))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return sim, sim.to_dataset()


def _sampler(cfg: dict, sampler: str):
    from mmm.spec import SamplerConfig

    return SamplerConfig(
        sampler=sampler,
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        target_accept=cfg["target_accept"],
        seed=cfg["seed"],
    )


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far, all threads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _worst_rhat(idata, names: list[str], n: int = 5) -> list[list]:
    """The ``n`` free variables with the highest R-hat (name, R-hat), to see what does not mix."""
    import arviz as az

    rhat = az.rhat(idata, var_names=names)
    worst = sorted(((float(rhat[v].max()), v) for v in rhat.data_vars), reverse=True)[:n]
    return [[v, round(r, 3)] for r, v in worst]


def _fit_ours(spec, ds, cfg, sampler: str, label: str) -> dict:
    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.inference.diagnostics import free_variable_names

    with PeakRSS() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t1, c1 = time.perf_counter(), _cpu_s()
        res = fit(spec, ds, sampler=_sampler(cfg, sampler))
        wall, cpu = time.perf_counter() - t1, _cpu_s() - c1
    tm = res.provenance["timings"]
    row = {
        "run": label,
        "backend": sampler,
        "geos": len(ds.geos),
        "weeks": int(ds.n_dates),
        "series": len(ds.series),
        "outcomes": len(spec.outcome_names) + (spec.mediator is not None),
        "wall_s": wall,
        "cpu_s": cpu,
        "compile_s": tm["compile_s"],
        "sample_s": tm["sample_s"],
        "peak_mb": mem.peak,
    }
    free = free_variable_names(res.idata)
    if cfg.get("save_fit"):
        res.save(cfg["save_fit"])
    return row | _diagnostics(res.idata, free, wall) | {"worst_rhat": _worst_rhat(res.idata, free)}


def child_ours(cfg: dict) -> list[dict]:
    from mmm.spec import ModelSpec

    _, ds = simulated(cfg["geos"], cfg["weeks"], cfg["series"], cfg["seed"])
    spec = ModelSpec(mediator="brand_search")
    return [_fit_ours(spec, ds, cfg, cfg["backend"], "ours")]


def _peer_spec():
    from mmm.spec import BaselineSpec, MediaSpec, ModelSpec, OutcomeSpec, StageSpec

    return ModelSpec(
        outcomes=(OutcomeSpec("online_sales", "revenue"),),
        media=MediaSpec(
            stages=(
                ("awareness", StageSpec("geometric", 8)),
                ("conversion", StageSpec("geometric", 8)),
            ),
            saturation="logistic",
        ),
        baseline=BaselineSpec(yearly_order=2, trend="linear"),
    )


def child_ours_peer_size(cfg: dict) -> list[dict]:
    _, ds = simulated(cfg["peer_geos"], cfg["weeks"], cfg["peer_series"], cfg["seed"])
    ds = ds.with_outcomes(["online_sales"])
    return [_fit_ours(_peer_spec(), ds, cfg, "nutpie", "ours at peer size")]


def peer_frame(sim, ds):
    """Wide frame (date, geo, one column per series, controls, y) for PyMC-Marketing."""
    import pandas as pd

    spend = ds.spend.to_dataframe().reset_index()
    wide = spend.pivot_table(index=["date", "geo"], columns="series", values="spend").reset_index()
    names = {s: f"x{i}" for i, s in enumerate(ds.series)}
    wide = wide.rename(columns=names)
    y = ds.outcomes.sel(outcome="online_sales").to_pandas().stack().rename("y").reset_index()
    ctrl = (
        ds.controls.to_dataframe()
        .reset_index()
        .pivot_table(index=["date", "geo"], columns="control", values="controls")
        .reset_index()
    )
    out = wide.merge(ctrl, on=["date", "geo"]).merge(y, on=["date", "geo"])
    out["date"] = pd.to_datetime(out["date"])
    return out, list(names.values()), [c for c in ctrl.columns if c not in ("date", "geo")]


def child_peer(cfg: dict) -> list[dict]:
    sim, ds = simulated(cfg["peer_geos"], cfg["weeks"], cfg["peer_series"], cfg["seed"])
    frame, channels, controls = peer_frame(sim, ds)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
        from pymc_marketing.mmm.multidimensional import MMM
    model = MMM(
        date_column="date",
        channel_columns=channels,
        target_column="y",
        dims=("geo",),
        adstock=GeometricAdstock(l_max=8),
        saturation=LogisticSaturation(),
        control_columns=controls,
        yearly_seasonality=2,
    )
    X = frame.drop(columns="y")
    with PeakRSS() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t1, c1 = time.perf_counter(), _cpu_s()
        idata = model.fit(
            X,
            frame["y"],
            progressbar=False,
            random_seed=cfg["seed"],
            nuts_sampler="nutpie",
            chains=cfg["chains"],
            draws=cfg["draws"],
            tune=cfg["tune"],
            target_accept=cfg["target_accept"],
        )
        wall, cpu = time.perf_counter() - t1, _cpu_s() - c1
    free = [v.name for v in model.model.free_RVs]
    row = {
        "run": "PyMC-Marketing",
        "backend": "nutpie",
        "geos": cfg["peer_geos"],
        "weeks": cfg["weeks"],
        "series": len(channels),
        "outcomes": 1,
        "wall_s": wall,
        "cpu_s": cpu,
        "compile_s": None,
        "sample_s": None,
        "peak_mb": mem.peak,
    }
    return [row | _diagnostics(idata, free, wall)]


CHILDREN = {"ours": child_ours, "ours_peer": child_ours_peer_size, "peer": child_peer}


def spawn(kind: str, cfg: dict, timeout: float) -> list[dict]:
    cmd = [sys.executable, __file__, "--child", kind, "--cfg", json.dumps(cfg)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  {kind}: stopped after {timeout:.0f} s", flush=True)
        return [{"run": kind, "wall_s": float("nan"), "note": f"timed out after {timeout:.0f} s"}]
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        print(f"  {kind}: failed:\n    " + "\n    ".join(tail), flush=True)
        return [{"run": kind, "wall_s": float("nan"), "note": "failed"}]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    head = (
        "run",
        "backend",
        "geos x weeks x series",
        "wall (min)",
        "CPU (min)",
        "sampling (s)",
        "peak RSS (GB)",
        "divergences",
        "max R-hat",
        "min bulk ESS",
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.get("note"):
            lines.append(f"| {r['run']} | | | {r['note']} | | | | | | |")
            continue
        samp = "" if r.get("sample_s") is None else f"{r['sample_s']:.0f}"
        lines.append(
            f"| {r['run']} | {r['backend']} | {r['geos']} x {r['weeks']} x {r['series']} | "
            f"{r['wall_s'] / 60:.1f} | {r['cpu_s'] / 60:.1f} | {samp} | {r['peak_mb'] / 1024:.2f} | "
            f"{r['divergences']} | {r['max_rhat']:.3f} | {r['min_ess_bulk']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--geos", type=int, default=50)
    p.add_argument("--weeks", type=int, default=156)
    p.add_argument("--series", type=int, default=12)
    p.add_argument("--peer-geos", type=int, default=10)
    p.add_argument("--peer-series", type=int, default=8)
    p.add_argument("--backend", choices=["nutpie", "numpyro"], default="nutpie")
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--target-accept", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tiny", action="store_true", help="4 geos x 52 weeks x 4 series, 100 draws")
    p.add_argument("--only", choices=["ours", "peer"], help="run only one part")
    p.add_argument("--skip-peer", action="store_true", help="same as --only ours")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per child process")
    p.add_argument("--json", type=Path, help="also write the measurements here")
    p.add_argument("--save-fit", help="save our fit (the `ours` run) to this folder")
    p.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    p.add_argument("--cfg", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(CHILDREN[a.child](json.loads(a.cfg))))
        return
    if a.tiny:
        a.geos, a.weeks, a.series, a.peer_geos, a.peer_series = 4, 52, 4, 3, 3
        a.draws = a.tune = 100
    cfg = {
        k: getattr(a, k)
        for k in (
            "geos",
            "weeks",
            "series",
            "peer_geos",
            "peer_series",
            "backend",
            "chains",
            "draws",
            "tune",
            "target_accept",
            "seed",
            "save_fit",
        )
    }
    print(f"config: {json.dumps(cfg)}", flush=True)
    rows: list[dict] = []
    only = "ours" if a.skip_peer else a.only
    if only in (None, "ours"):
        rows += spawn("ours", cfg, a.timeout)
        print(table(rows), flush=True)
        print(f"highest R-hat: {rows[-1].get('worst_rhat')}", flush=True)
    if only in (None, "peer"):
        rows += spawn("ours_peer", cfg, a.timeout)
        rows += spawn("peer", cfg, a.timeout)
        mine = [r for r in rows if r["run"] == "ours at peer size"]
        theirs = [r for r in rows if r["run"] == "PyMC-Marketing"]
        print(table(rows), flush=True)
        if mine and theirs and mine[0]["wall_s"] == mine[0]["wall_s"]:
            ratio = theirs[0]["wall_s"] / mine[0]["wall_s"]
            mem = theirs[0]["peak_mb"] / mine[0]["peak_mb"]
            print(
                f"\nPyMC-Marketing / ours at {a.peer_geos} geos x {a.weeks} weeks x "
                f"{a.peer_series} series: wall time x{ratio:.2f}, peak memory x{mem:.2f}"
            )
    else:
        print(table(rows))
    print("\nversions: " + json.dumps(_versions()))
    if a.json:
        a.json.write_text(
            json.dumps({"config": cfg, "rows": rows, "versions": _versions()}, indent=2)
        )


if __name__ == "__main__":
    main()
