"""Model fit: our model against PyMC-Marketing's MMM on PyMC-Marketing's ``mmm_example.csv``.

Both models use geometric adstock (l_max 8), logistic saturation, the two event columns as
controls, a linear trend (PyMC-Marketing: the ``t`` column as a control, as in its example)
and yearly seasonality of Fourier order 2. Both sample with nutpie, with the same chains,
draws, tuning steps, target acceptance and seed.

Every fit runs in a fresh child process. Our side runs three ways per repeat:

* "ours cold": a new process with an empty model cache (``MMM_CACHE_DIR`` a new folder):
  the model is compiled;
* "ours disk": a second new process on the same cache folder: the compiled model is read
  from disk (what every later ``mmm fit``, batch task or reproduce on the machine sees);
* "ours same process": the disk-cache process fits again, reusing the model in memory.

PyMC-Marketing ("theirs") compiles in every process (it has no cache of compiled models);
pytensor's own on-disk cache of compiled pieces is shared by both sides and warm after the
first run on a machine; with ``--fresh-machine`` each repeat gives each side an empty one
(ours: shared by its cold and disk processes), so "cold" is a first fit on a fresh machine.
With ``--repeats N`` the sides alternate (ours, theirs, ours, ...) and the table shows the
median of each figure.

Measured per fit: wall time of the fit call (model build, compilation, sampling and
post-processing; imports excluded, and on both sides they load PyMC, ArviZ and numba: the
other side's import does, ours loads them before its timer too), compile time, sampling
time, divergences, max R-hat and min bulk ESS over the free parameters (computed the same
way for both), min bulk ESS per second of wall time, peak resident set size of the child
process during the fit (/proc/self/statm sampled every 2 ms; it includes the interpreter
and the imported packages) and the imports' time.

    python benchmarks/bench_fit.py --quick          # 2 chains x 300 draws after 300 tuning
    python benchmarks/bench_fit.py                  # 4 chains x 1000 draws after 1000 tuning
    python benchmarks/bench_fit.py --fresh-machine  # every cold fit with empty caches
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import warnings
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT.parent / "shared" / "datasets" / "pymc-marketing" / "mmm_example.csv"
TRIMMED = ROOT / "tests" / "data" / "peers" / "pymc_marketing_mmm_example.csv"
DEFAULT_DATA = FULL if FULL.exists() else TRIMMED

L_MAX = 8
YEARLY_ORDER = 2
EVENTS = ["event_1", "event_2"]


# ------------------------------------------------------------------- child measurements
class PeakRSS:
    """Peak resident memory (MB) of this process while the block runs, sampled every 2 ms."""

    def __init__(self) -> None:
        self.peak = self.base = 0.0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.002)

    def __enter__(self) -> PeakRSS:
        self.peak = self.base = _rss_mb()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _NutpieTimer:
    """Wraps ``nutpie.compile_pymc_model`` and ``nutpie.sample`` to time them (no other change)."""

    def __init__(self) -> None:
        import nutpie

        self.nutpie = nutpie
        self.compile_s = 0.0
        self.sample_s = 0.0
        self._orig = (nutpie.compile_pymc_model, nutpie.sample)

    def _wrap(self, fn, attr):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(self, attr, getattr(self, attr) + time.perf_counter() - t0)

        return timed

    def __enter__(self) -> _NutpieTimer:
        self.nutpie.compile_pymc_model = self._wrap(self._orig[0], "compile_s")
        self.nutpie.sample = self._wrap(self._orig[1], "sample_s")
        return self

    def __exit__(self, *exc) -> None:
        self.nutpie.compile_pymc_model, self.nutpie.sample = self._orig


def _diagnostics(idata, var_names, wall_s: float) -> dict:
    from mmm.inference.diagnostics import compute_diagnostics

    d = compute_diagnostics(idata, var_names=var_names)
    return {
        "divergences": int(d.divergences),
        "max_rhat": float(d.max_rhat),
        "min_ess_bulk": float(d.min_ess_bulk),
        "ess_per_s": float(d.min_ess_bulk) / wall_s,
        "n_free": len(var_names),
    }


def pmm_dataset_and_spec(data):
    """``mmm_example.csv`` (path ``data``) as a Dataset, and our model with PyMC-Marketing's
    choices (geometric carry-over, logistic saturation, yearly seasonality, the events)."""
    from mmm.data import from_wide
    from mmm.errors import DataWarning
    from mmm.spec import BaselineSpec, MediaSpec, ModelSpec, OutcomeSpec, StageSpec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ds = from_wide(
            data,
            date="date_week",
            spend={"x1": "x1", "x2": "x2"},
            outcomes=["y"],
            controls=EVENTS,
            channels={"x1": "awareness", "x2": "conversion"},
            name="pymc_marketing_mmm_example",
        )
    spec = ModelSpec(
        outcomes=(OutcomeSpec("y", "revenue"),),
        media=MediaSpec(
            stages=(
                ("awareness", StageSpec("geometric", L_MAX)),
                ("conversion", StageSpec("geometric", L_MAX)),
            ),
            saturation="logistic",
        ),
        baseline=BaselineSpec(yearly_order=YEARLY_ORDER, trend="linear", controls=tuple(EVENTS)),
    )
    return ds, spec


def child_ours(data: str, cfg: dict) -> list[dict]:
    t0 = time.perf_counter()
    # what the other side's import loads (pymc-marketing imports PyMC, ArviZ and numba);
    # our package loads them at its first fit, which would count them in our wall time
    import arviz  # noqa: F401
    import numba  # noqa: F401
    import pymc  # noqa: F401

    from mmm.errors import ConvergenceWarning
    from mmm.inference import fit
    from mmm.inference.diagnostics import free_variable_names
    from mmm.spec import SamplerConfig

    import_s = time.perf_counter() - t0
    ds, spec = pmm_dataset_and_spec(data)
    sampler = SamplerConfig(
        draws=cfg["draws"],
        tune=cfg["tune"],
        chains=cfg["chains"],
        target_accept=cfg["target_accept"],
        seed=cfg["seed"],
    )
    out = []
    for label in (cfg["first"], "same process"):
        with PeakRSS() as mem, warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t1 = time.perf_counter()
            res = fit(spec, ds, sampler=sampler)
            wall = time.perf_counter() - t1
        tm = res.provenance["timings"]
        row = {
            "side": "ours",
            "run": label,
            "wall_s": wall,
            "build_s": tm["build_s"],
            "compile_s": tm["compile_s"],
            "sample_s": tm["sample_s"],
            "import_s": import_s,
            "peak_mb": mem.peak,
            "base_mb": mem.base,
            "n_dates": int(ds.n_dates),
        }
        row |= _diagnostics(res.idata, free_variable_names(res.idata), wall)
        out.append(row)
    return out


def child_theirs(data: str, cfg: dict) -> list[dict]:
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation
    import_s = time.perf_counter() - t0
    frame = pd.read_csv(data, parse_dates=["date_week"])
    X = frame.drop(columns="y")
    y = frame["y"]
    model = MMM(
        date_column="date_week",
        channel_columns=["x1", "x2"],
        adstock=GeometricAdstock(l_max=L_MAX),
        saturation=LogisticSaturation(),
        control_columns=[*EVENTS, "t"],
        yearly_seasonality=YEARLY_ORDER,
    )
    with PeakRSS() as mem, _NutpieTimer() as nt, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t1 = time.perf_counter()
        idata = model.fit(
            X,
            y,
            progressbar=False,
            random_seed=cfg["seed"],
            nuts_sampler="nutpie",
            chains=cfg["chains"],
            draws=cfg["draws"],
            tune=cfg["tune"],
            target_accept=cfg["target_accept"],
        )
        wall = time.perf_counter() - t1
    free = [v.name for v in model.model.free_RVs]
    row = {
        "side": "theirs",
        "run": "cold",
        "wall_s": wall,
        "build_s": wall - nt.compile_s - nt.sample_s,  # build + post-processing
        "compile_s": nt.compile_s,
        "sample_s": nt.sample_s,
        "import_s": import_s,
        "peak_mb": mem.peak,
        "base_mb": mem.base,
        "n_dates": len(frame),
    }
    row |= _diagnostics(idata, free, wall)
    return [row]


def spawn(
    side: str,
    data: Path,
    cfg: dict,
    timeout: float,
    cache: Path | None = None,
    compiledir: Path | None = None,
) -> list[dict] | None:
    cmd = [sys.executable, __file__, "--child", side, "--data", str(data), "--cfg", json.dumps(cfg)]
    env = dict(os.environ)
    if cache is not None:
        env["MMM_CACHE_DIR"] = str(cache)
    if compiledir is not None:  # pytensor's cache of compiled pieces, as on a fresh machine
        flags = env.get("PYTENSOR_FLAGS", "")
        env["PYTENSOR_FLAGS"] = ",".join(f for f in (flags, f"base_compiledir={compiledir}") if f)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        print(f"  {side}: stopped after {timeout:.0f} s")
        return None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        print(f"  {side}: failed:\n    " + "\n    ".join(tail))
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ report
def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("mmm", "pymc-marketing", "pymc", "pytensor", "nutpie", "numpy", "arviz"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


METRICS = [
    ("wall_s", "wall time (s)", "{:.1f}"),
    ("compile_s", "compile (s)", "{:.1f}"),
    ("sample_s", "sampling (s)", "{:.1f}"),
    ("build_s", "build + other (s)", "{:.1f}"),
    ("divergences", "divergences", "{:.0f}"),
    ("max_rhat", "max R-hat", "{:.3f}"),
    ("min_ess_bulk", "min bulk ESS", "{:.0f}"),
    ("ess_per_s", "min ESS / s wall", "{:.1f}"),
    ("peak_mb", "peak RSS (MB)", "{:.0f}"),
    ("import_s", "imports before the fit (s)", "{:.1f}"),
]


def _median(rows: list[dict], key: str) -> float:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


OURS = ("ours cold", "ours disk", "ours same process")


def report(groups: dict[str, list[dict]]) -> str:
    cols = [k for k in (*OURS, "theirs") if groups.get(k)]
    lines = [
        "| figure | " + " | ".join(cols) + " | " + " | ".join(f"{c} / theirs" for c in OURS) + " |",
        "|---|" + "---|" * (len(cols) + len(OURS)),
    ]
    for key, label, fmt in METRICS:
        vals = {c: _median(groups[c], key) for c in cols}
        cells = [fmt.format(vals[c]) for c in cols]
        ratios = []
        for c in OURS:
            a, b = vals.get(c, float("nan")), vals.get("theirs", float("nan"))
            if key in ("divergences", "max_rhat") or not b or b != b or a != a:
                ratios.append("")
            else:
                ratios.append(f"{a / b:.2f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="mmm_example.csv")
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--quick", action="store_true", help="2 chains x 300 draws after 300 tuning")
    p.add_argument("--target-accept", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=1, help="alternating runs of each side")
    p.add_argument("--skip-theirs", action="store_true")
    p.add_argument("--skip-ours", action="store_true")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per child process")
    p.add_argument(
        "--fresh-machine",
        action="store_true",
        help="each repeat gives each side an empty pytensor compile folder too (ours: shared "
        "by its cold and disk processes), as on a fresh machine",
    )
    p.add_argument("--json", type=Path, help="also write every measurement here")
    p.add_argument("--child", choices=["ours", "theirs"], help=argparse.SUPPRESS)
    p.add_argument("--cfg", help=argparse.SUPPRESS)
    a = p.parse_args(argv)

    if a.child:
        cfg = json.loads(a.cfg)
        rows = child_ours(str(a.data), cfg) if a.child == "ours" else child_theirs(str(a.data), cfg)
        print(json.dumps(rows))
        return

    if a.quick:
        a.chains, a.draws, a.tune = 2, 300, 300
    cfg = {
        "chains": a.chains,
        "draws": a.draws,
        "tune": a.tune,
        "target_accept": a.target_accept,
        "seed": a.seed,
    }
    versions = _versions()
    print(
        f"date {date.today()}, {os.cpu_count()} CPU cores ({platform.machine()}), "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
    )
    print(
        f"data {a.data}; {a.chains} chains x {a.draws} draws after {a.tune} tuning, "
        f"target_accept {a.target_accept}, seed {a.seed}, {a.repeats} repeat(s)"
        + (", empty pytensor compile folders (fresh machine)" if a.fresh_machine else "")
    )
    sides = [s for s in ("ours", "theirs") if not getattr(a, f"skip_{s}")]
    groups: dict[str, list[dict]] = {k: [] for k in (*OURS, "theirs")}
    every = []
    import tempfile

    for rep in range(a.repeats):
        cache = Path(tempfile.mkdtemp(prefix="mmm-bench-cache-"))
        compiledirs = {
            side: Path(tempfile.mkdtemp(prefix=f"mmm-bench-pytensor-{side}-"))
            if a.fresh_machine
            else None
            for side in ("ours", "theirs")
        }
        runs = []
        for side in sides:
            if side == "ours":
                runs += [("ours", {"first": "cold"}), ("ours", {"first": "disk"})]
            else:
                runs.append(("theirs", {}))
        for side, extra in runs:
            t0 = time.perf_counter()
            rows = spawn(
                side, a.data, cfg | extra, a.timeout, cache=cache, compiledir=compiledirs[side]
            )
            label = side + (f" ({extra['first']})" if extra else "")
            print(f"  repeat {rep + 1} {label}: child process {time.perf_counter() - t0:.1f} s")
            for r in rows or []:
                key = "theirs" if r["side"] == "theirs" else f"ours {r['run']}"
                groups[key].append(r)
                every.append(r | {"repeat": rep + 1})
                print(
                    f"    {key:17s} wall {r['wall_s']:7.1f} s  compile {r['compile_s']:6.1f} s  "
                    f"sample {r['sample_s']:7.1f} s  div {r['divergences']:3d}  "
                    f"R-hat {r['max_rhat']:.3f}  ESS {r['min_ess_bulk']:6.0f}  "
                    f"ESS/s {r['ess_per_s']:6.1f}  RSS {r['peak_mb']:5.0f} MB  "
                    f"({r['n_free']} free variables, {r['n_dates']} weeks, "
                    f"imports {r['import_s']:.1f} s)"
                )
    print()
    print(report(groups))
    if a.json:
        a.json.write_text(
            json.dumps(
                {"versions": versions, "config": cfg, "data": str(a.data), "runs": every}, indent=2
            )
        )


if __name__ == "__main__":
    main()
