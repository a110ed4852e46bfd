"""Wall time of the budget optimizer on geo problems (``python benchmarks/bench_optimize_geo.py``).

Synthetic fits with ``G`` geos x 11 series (every (geo, series) cell a decision), 1,000
posterior draws of Hill curves and geometric carry-over up to 8 weeks, a 13-week horizon.
Constraints: every geo within +/-20 % of its current spend, two channels bought nationally
(their split over geos fixed), awareness at least 30 % of the budget. Cases: 5, 20 and 50
geos by default (``--geos``; ``--draws`` sets the number of draws). Each case is run
``--repeat`` times; best and median wall times are printed as a Markdown table, with the
largest constraint violation.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
from bench_optimize import timed  # a sibling script: run from benchmarks/

from mmm.optimize import Bound, Constraints, make_planner, optimize_budget
from mmm.optimize.testing import synthetic_fit

CHANNELS = ["search", "shopping", "social", "display", "video", "email", "affiliates"]
AUDIENCES = {"search": ["a", "b"], "social": ["a", "b", "c"], "display": ["a", "b"]}
STAGES = {
    "search": "conversion",
    "shopping": "conversion",
    "social": "awareness",
    "display": "awareness",
    "video": "awareness",
    "email": "conversion",
    "affiliates": "conversion",
}


def synthetic_geo(n_geo: int, n_draws: int = 1000, seed: int = 0):
    """``n_geo`` geos x 11 series with per-geo effects (sizes vary 10-fold)."""
    rng = np.random.default_rng(seed)
    series = [(c, a) for c in CHANNELS for a in AUDIENCES.get(c, ["all"])]
    size = rng.uniform(1, 10, size=n_geo)
    spend = rng.uniform(1_000, 20_000, size=(60, n_geo, len(series))) * size[None, :, None]
    n_ch = len(CHANNELS)
    alpha = rng.beta(3, 3, size=(n_draws, n_ch))
    w = alpha[:, :, None] ** np.arange(8)
    w /= w.sum(-1, keepdims=True)
    half = rng.gamma(4, 0.25, size=(n_draws, n_ch))
    beta = rng.lognormal(-3, 0.5, size=(n_draws, 1, n_geo, len(series)))
    geos = tuple(f"g{g:02d}" for g in range(n_geo))
    return synthetic_fit(spend, series, STAGES, half=half, weights=w, beta=beta, geos=geos)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--geos", type=int, nargs="+", default=[5, 20, 50])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--n-starts", type=int, default=None, help="default: the optimizer's")
    args = ap.parse_args(argv)
    kw = {} if args.n_starts is None else {"n_starts": args.n_starts}
    rows = []
    for n_geo in args.geos:
        fit = synthetic_geo(n_geo, n_draws=args.draws)
        t0 = time.perf_counter()
        pl = make_planner(fit, horizon=13, max_draws=None)
        prep = time.perf_counter() - t0
        cons = Constraints(
            geos={g: Bound(0.8, 1.2, relative=True) for g in pl.geos},
            national=("video", "social"),
            min_awareness_share=0.3,
        )
        best, med, rec = timed(
            lambda p=pl, c=cons: optimize_budget(p, constraints=c, **kw), args.repeat
        )
        s = rec.summary["solver"]
        rows.append(
            (
                f"{n_geo} geos x 11 series ({n_geo * 11} cells), {args.draws:,} draws",
                prep,
                best,
                med,
                f"{s['iterations']} it, {s['evaluations']} evals, max violation "
                f"{rec.summary['max_constraint_violation']:.1e}",
            )
        )
    print(
        f"Machine: {platform.machine()}, Python {platform.python_version()}; "
        f"n_starts {args.n_starts or 'default'}"
    )
    print("| case | prepare planner | optimize (best) | optimize (median) | solver |")
    print("|---|---|---|---|---|")
    for label, prep, best, med, note in rows:
        print(f"| {label} | {prep:.2f} s | {best:.2f} s | {med:.2f} s | {note} |")


if __name__ == "__main__":
    main()
