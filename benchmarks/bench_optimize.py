"""Wall time of the budget optimizer (``python benchmarks/bench_optimize.py``).

Cases: the demo run folder written by ``make demo`` (11 series, 1,000 draws; ``--demo DIR``
for another) with the mean, CVaR and quantile
objectives; a synthetic fit with 50 series and 1,000 draws (Hill curves, geometric
carry-over up to 13 weeks, a 13-week horizon) with the mean and CVaR objectives. Each case
is run ``--repeat`` times; the best and median wall times are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from mmm.optimize import Constraints, change, make_planner, optimize_budget
from mmm.optimize.testing import synthetic_fit


def synthetic_50(n_series: int = 50, n_draws: int = 1000, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_ch = n_series // 2
    series = [(f"ch{c:02d}", a) for c in range(n_ch) for a in ("a", "b")][:n_series]
    stages = {f"ch{c:02d}": ("awareness" if c % 3 == 0 else "conversion") for c in range(n_ch)}
    spend = rng.uniform(1_000, 50_000, size=(60, 1, n_series))
    alpha = rng.beta(3, 3, size=(n_draws, n_ch))
    w = alpha[:, :, None] ** np.arange(13)
    w /= w.sum(-1, keepdims=True)
    half = rng.gamma(4, 0.25, size=(n_draws, n_ch))
    beta = rng.lognormal(-3, 0.5, size=(n_draws, 1, 1, n_series))
    return synthetic_fit(spend, series, stages, half=half, weights=w, beta=beta)


def timed(fn, repeat):
    """Best and median wall time of ``repeat`` calls of ``fn``, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ROOT = Path(__file__).resolve().parents[1]
    # the run folder `make demo` writes
    ap.add_argument("--demo", default=str(ROOT / "runs" / "demo" / "run"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n-starts", type=int, default=None, help="default: the optimizer's")
    args = ap.parse_args(argv)
    kw = {} if args.n_starts is None else {"n_starts": args.n_starts}
    from mmm.inference.fit import FitResult

    rows = []
    cons = Constraints(default=change(0.5), min_awareness_share=0.3)
    demo = FitResult.load(args.demo)
    t0 = time.perf_counter()
    pl = make_planner(demo, horizon=13, max_draws=1000)
    rows.append(("demo: prepare planner (1,000 draws)", time.perf_counter() - t0, None, ""))
    for risk in ("mean", "cvar", "quantile"):
        best, med, rec = timed(
            lambda r=risk: optimize_budget(
                pl, value_per_visit=25.0, risk=r, risk_level=0.1, constraints=cons, **kw
            ),
            args.repeat,
        )
        s = rec.summary["solver"]
        rows.append(
            (
                f"demo, 11 series, {risk}, 1,000 draws",
                best,
                med,
                f"{s['iterations']} it, {s['evaluations']} evals",
            )
        )
    best, med, rec = timed(
        lambda: optimize_budget(pl, value_per_visit=25.0, flighting="free", **kw), 1
    )
    s = rec.summary["solver"]
    rows.append(
        (
            "demo, 11 series x 13 weeks free flighting, mean",
            best,
            med,
            f"{s['iterations']} it, {s['evaluations']} evals",
        )
    )

    fit50 = synthetic_50()
    t0 = time.perf_counter()
    pl50 = make_planner(fit50, horizon=13, max_draws=None)
    rows.append(("50 series: prepare planner (1,000 draws)", time.perf_counter() - t0, None, ""))
    pl50_1 = make_planner(fit50, horizon=13, max_draws=1)
    for label, p, risk in (
        ("50 series, mean, 1 draw", pl50_1, "mean"),
        ("50 series, mean, 1,000 draws", pl50, "mean"),
        ("50 series, CVaR 10 %, 1,000 draws", pl50, "cvar"),
    ):
        best, med, rec = timed(
            lambda p=p, r=risk: optimize_budget(p, risk=r, risk_level=0.1, constraints=cons, **kw),
            args.repeat,
        )
        s = rec.summary["solver"]
        rows.append((label, best, med, f"{s['iterations']} it, {s['evaluations']} evals"))

    print(
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; n_starts {args.n_starts or 'default'}\n"
    )
    print("| case | best (s) | median (s) | solver |")
    print("|---|---|---|---|")
    for label, best, med, note in rows:
        m = "-" if med is None else f"{med:.2f}"
        print(f"| {label} | {best:.2f} | {m} | {note} |")


if __name__ == "__main__":
    main()
