"""Batch throughput: 8 demo-size fits on Dask with 1 and 2 workers, against plain loops.

The 8 runs are the demo brand (156 weeks, 11 media series, online sales, store visits and
the brand-search mediator) with seeds 1..8: one model structure, so a worker compiles the
model once and every later fit on it reuses the compiled model.

Measured (wall time, seconds; each scenario in a fresh Python process):

* ``loop``: the 8 fits one after the other in one process through
  :func:`mmm.pipeline.fit_run` (the body of ``mmm fit``); compiles once.
* ``batch-1`` / ``batch-2``: :func:`mmm.batch.run` on a new ``LocalCluster`` with 1 / 2
  worker processes (1 thread each), including starting and closing the cluster. Each
  worker compiles once.
* ``cli``: ``python -m mmm fit CONFIG`` run ``--cli-runs`` times in a shell-like loop (a new
  process per fit, so every fit compiles); reported per fit.

Per-task overhead of the batch = (batch-1 wall - loop wall) / 8: cluster start, task
shipping, result collection, summary writing, spread over the tasks.

    python benchmarks/bench_batch.py                 # 2 chains x 300 draws after 300 tuning
    python benchmarks/bench_batch.py --draws 1000 --tune 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_RUNS = 8

CONFIG = """\
[data]
media = "input/media.csv"
outcomes = "input/outcomes.csv"
channels = "input/channels.csv"
controls = "input/controls.csv"

[model]
mediator = "brand_search"
outcomes = [{{ name = "online_sales", kind = "revenue" }}, {{ name = "store_visits", kind = "count" }}]

[sampler]
draws = {draws}
tune = {tune}
chains = {chains}
seed = 1
"""


def _child(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    r = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def loop(root: Path) -> dict:
    code = f"""
import json, time
from pathlib import Path
from mmm.config import load_config, parse_config
from mmm.batch.spec import _merge
from mmm.pipeline import fit_run
import tomllib
root = Path({str(root)!r})
raw = tomllib.loads((root / "config.toml").read_text())
t0 = time.perf_counter()
per = []
for seed in range(1, {N_RUNS + 1}):
    t = time.perf_counter()
    r = _merge(raw, {{"sampler": {{"seed": seed}}}})
    cfg = parse_config(r, base=root)
    fit_run(cfg, root / "loop" / f"seed{{seed}}")
    per.append(time.perf_counter() - t)
print(json.dumps({{"wall": time.perf_counter() - t0, "per_fit": per}}))
"""
    return _child(code)


def batch(root: Path, workers: int) -> dict:
    code = f"""
import json, time
from pathlib import Path
from mmm.batch import RunSpec, run
root = Path({str(root)!r})
specs = [RunSpec(f"seed{{s}}", config=str(root / "config.toml"),
                 overrides={{"sampler": {{"seed": s}}}}) for s in range(1, {N_RUNS + 1})]
t0 = time.perf_counter()
table = run(specs, out=root / "batch{workers}", n_workers={workers}, force=True)
wall = time.perf_counter() - t0
print(json.dumps({{"wall": wall, "status": table["status"].tolist(),
                   "task_wall": table["wall_s"].tolist(), "workers": table["worker"].nunique()}}))
"""
    return _child(code)


def cli(root: Path, n: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    per = []
    for i in range(n):
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "mmm", "fit", str(root / "config.toml"), "--quiet",
             "--out", str(root / "cli" / f"run{i}")],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if r.returncode not in (0, 3):
            raise RuntimeError(r.stderr[-3000:])
        per.append(time.perf_counter() - t)
    return {"per_fit": per}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--tune", type=int, default=300)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--cli-runs", type=int, default=2, help="cold `mmm fit` processes to time")
    ap.add_argument("--only", nargs="*", default=["loop", "batch-1", "batch-2", "cli"])
    args = ap.parse_args()

    from mmm.datasets import demo_simulation

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        demo_simulation().write(root / "input")
        (root / "config.toml").write_text(
            CONFIG.format(draws=args.draws, tune=args.tune, chains=args.chains)
        )
        print(
            f"{N_RUNS} demo fits, {args.chains} chains x {args.draws} draws after {args.tune} tuning"
        )
        print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
        res: dict = {}
        if "loop" in args.only:
            res["loop"] = loop(root)
            print(f"loop (one process, fit_run x {N_RUNS}): {res['loop']['wall']:.1f} s; "
                  f"first fit {res['loop']['per_fit'][0]:.1f} s, later fits median "
                  f"{sorted(res['loop']['per_fit'][1:])[3]:.1f} s")  # fmt: skip
        for w in (1, 2):
            if f"batch-{w}" in args.only:
                r = res[f"batch-{w}"] = batch(root, w)
                print(f"batch, {w} worker(s): {r['wall']:.1f} s "
                      f"({N_RUNS / r['wall'] * 3600:.0f} fits/hour), statuses {sorted(set(r['status']))}, "
                      f"workers used {r['workers']}")  # fmt: skip
        if "cli" in args.only and args.cli_runs:
            r = res["cli"] = cli(root, args.cli_runs)
            mean = sum(r["per_fit"]) / len(r["per_fit"])
            print(f"`mmm fit` in a new process, {args.cli_runs} runs: {mean:.1f} s per fit "
                  f"(each compiles); {N_RUNS} such fits would take about {N_RUNS * mean:.0f} s")  # fmt: skip
        if "loop" in res and "batch-1" in res:
            over = (res["batch-1"]["wall"] - res["loop"]["wall"]) / N_RUNS
            print(f"batch overhead per task vs the in-process loop: {over:.2f} s")
        if "batch-1" in res and "batch-2" in res:
            print(f"speed-up 2 vs 1 worker: {res['batch-1']['wall'] / res['batch-2']['wall']:.2f}x")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
