"""Fit Meridian's two geo datasets through the ``mmm`` CLI and print their results.

1. writes the long tables (``benchmarks/meridian_geo_tables.py``);
2. runs ``python -m mmm fit examples/meridian_geo/<name>.toml --out runs/meridian_<name>``
   for ``geo_all_channels`` (40 geos) and ``geo_full_funnel`` (20 geos), timing each;
3. reads each run folder back and prints Markdown tables: ROAS per channel (median and 90 %
   interval, path total; for the full-funnel data also the direct and mediated paths),
   the per-geo spread of the returns, and the sampler diagnostics.

    python benchmarks/fit_meridian_geo.py                  # fit both, then report
    python benchmarks/fit_meridian_geo.py --report-only    # report existing run folders
    python benchmarks/fit_meridian_geo.py --only geo_full_funnel
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {
    "geo_all_channels": ROOT / "examples" / "meridian_geo" / "geo_all_channels.toml",
    "geo_full_funnel": ROOT / "examples" / "meridian_geo" / "geo_full_funnel.toml",
}


def run_cli(name: str, out: Path, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "mmm", "fit", str(CONFIGS[name]), "--out", str(out), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    wall = time.perf_counter() - t0
    # exit 0: healthy; the health-check exit code still leaves a complete run folder
    return {"name": name, "rc": proc.returncode, "wall_s": wall, "stderr": proc.stderr[-2000:]}


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def report(name: str, out: Path) -> str:
    import numpy as np

    from mmm.analysis.returns import roas_draws, roas_table
    from mmm.inference.fit import FitResult

    fit = FitResult.load(out)
    lines = [f"#### {name}: {len(fit.dataset.geos)} geos x {fit.dataset.n_dates} weeks", ""]
    t = roas_table(fit, prob=0.9, max_draws=1000)
    paths = ["direct", "mediated", "total"] if fit.spec.mediator else ["total"]
    lines += ["| channel | path | spend | ROAS median | 90 % interval |", "|---|---|---|---|---|"]
    for r in t[t["path"].isin(paths)].itertuples():
        lines.append(
            f"| {r.channel} | {r.path} | {r.spend:,.0f} | {_fmt(r.median)} | "
            f"{_fmt(r.lower)} .. {_fmt(r.upper)} |"
        )
    # per-geo spread: median over draws of each geo's total ROAS, then quantiles over geos
    by_geo = roas_draws(fit, by_geo=True, max_draws=400).sel(path="total")
    med = by_geo.median("sample")  # (outcome, series, geo)
    lines += [
        "",
        "Per-geo total ROAS (posterior medians across geos):",
        "",
        "| channel | min | median | max |",
        "|---|---|---|---|",
    ]
    for s in med["series"].values:
        v = med.sel(series=s).values.ravel()
        v = v[np.isfinite(v)]
        if len(v):
            lines.append(f"| {s} | {_fmt(v.min())} | {_fmt(np.median(v))} | {_fmt(v.max())} |")
    d = fit.diagnostics
    tm = fit.provenance.get("timings", {})
    lines += [
        "",
        f"Sampler: {fit.sampler.chains} chains x {fit.sampler.draws} draws after "
        f"{fit.sampler.tune} tuning; divergences {int(d.divergences)}, max R-hat "
        f"{float(d.max_rhat):.3f}, min bulk ESS {float(d.min_ess_bulk):.0f}; fit "
        f"{tm.get('total_s', float('nan')):.0f} s (compile {tm.get('compile_s') or 0:.0f} s, "
        f"sampling {tm.get('sample_s', float('nan')):.0f} s).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=list(CONFIGS))
    p.add_argument("--report-only", action="store_true")
    p.add_argument("--runs", type=Path, default=ROOT / "runs")
    p.add_argument("--timeout", type=float, default=7200)
    a = p.parse_args(argv)
    names = [a.only] if a.only else list(CONFIGS)
    if not a.report_only:
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "meridian_geo_tables.py")],
            check=True,
            cwd=ROOT,
        )
        for n in names:
            res = run_cli(n, a.runs / f"meridian_{n}", a.timeout)
            print(json.dumps({k: v for k, v in res.items() if k != "stderr"}), flush=True)
            if res["rc"] not in (0, 3):
                print(res["stderr"])
    for n in names:
        print()
        print(report(n, a.runs / f"meridian_{n}"))


if __name__ == "__main__":
    main()
