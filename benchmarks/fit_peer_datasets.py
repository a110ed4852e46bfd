"""Fit our model to the public demo datasets of other MMM libraries; print ROAS and health.

Datasets (looked up under ``--root``, default ``../shared/datasets`` next to the repository):

- PyMC-Marketing ``pymc-marketing/mmm_example.csv``
- Meridian ``meridian/national_all_channels.csv`` and ``meridian/geo_full_funnel_data.csv``
- Robyn ``robyn/dt_simulated_weekly.csv`` (searched anywhere under the root)

Each fit runs in its own child process (a failure or a time-out of one does not stop the
others) with 2 chains x 300 draws after 300 tuning steps by default; ``--seed`` takes several
seeds (one fit per dataset and seed, to count how often the health policy fails). Prints a
Markdown table of ROAS medians with 90 % intervals per channel (path "total") and the
sampler diagnostics per fit.

    python benchmarks/fit_peer_datasets.py [--chains 2 --draws 300 --tune 300] [--only NAME]
    python benchmarks/fit_peer_datasets.py --chains 4 --draws 1000 --tune 1000 --seed 1 2 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"


def _revenue(frame, conversions="conversions", per="revenue_per_conversion"):
    """Meridian KPI: revenue = conversions x revenue per conversion (as Meridian's ROI uses)."""
    out = frame.copy()
    out["revenue"] = out[conversions] * out[per]
    return out


def _pymc_marketing(root: Path):
    import pandas as pd

    path = root / "pymc-marketing" / "mmm_example.csv"
    kwargs = dict(
        date="date_week",
        spend={"x1": "x1", "x2": "x2"},
        outcomes=["y"],
        controls=["event_1", "event_2"],  # `t` left out: the model has a linear trend
        channels={"x1": "awareness", "x2": "conversion"},
    )
    return path, pd.read_csv(path), kwargs, {"outcomes": (("y", "revenue"),)}


def _meridian_national(root: Path):
    import pandas as pd

    path = root / "meridian" / "national_all_channels.csv"
    frame = _revenue(pd.read_csv(path))
    kwargs = dict(
        date="time",
        spend={f"Channel{i}_spend": f"channel{i}" for i in range(5)},
        impressions={f"Channel{i}_impression": f"channel{i}" for i in range(5)},
        outcomes=["revenue"],
        controls=[
            "competitor_sales_control",
            "sentiment_score_control",
            "Promo",
            "Organic_channel0_impression",
        ],
        channels={f"channel{i}": "awareness" for i in range(5)},
    )
    return path, frame, kwargs, {"outcomes": (("revenue", "revenue"),)}


def _meridian_geo_funnel(root: Path):
    import pandas as pd

    path = root / "meridian" / "geo_full_funnel_data.csv"
    frame = _revenue(pd.read_csv(path))
    names = {
        "AwarenessVideo": "awareness",
        "PerformanceDisplay": "conversion",
        "PerformanceNative": "conversion",
    }
    kwargs = dict(
        date="time",
        geo="geo",
        spend={f"{c}_spend": c for c in names},
        impressions={f"{c}_impression": c for c in names},
        # BrandedGQV (branded search volume) is the mid-funnel mediator of Meridian's guide
        outcomes=["revenue", "BrandedGQV_control"],
        controls=["GenericGQV_control"],
        channels=names,
    )
    spec = {"outcomes": (("revenue", "revenue"),), "mediator": "BrandedGQV_control"}
    return path, frame, kwargs, spec


def _robyn(root: Path):
    import pandas as pd

    found = sorted(root.rglob("dt_simulated_weekly.csv"))
    if not found:
        raise FileNotFoundError(f"dt_simulated_weekly.csv is not under {root}")
    path = found[0]
    frame = pd.read_csv(path)
    # `events` holds event names or "na": one 0/1 indicator column
    frame["event"] = (frame["events"].astype(str) != "na").astype(float)
    kwargs = dict(
        date="DATE",
        spend={
            "tv_S": "tv",
            "ooh_S": "ooh",
            "print_S": "print",
            "facebook_S": "facebook",
            "search_S": "search",
        },
        impressions={"facebook_I": "facebook", "search_clicks_P": "search"},
        outcomes=["revenue"],
        controls=["competitor_sales_B", "newsletter", "event"],
        channels={
            "tv": "awareness",
            "ooh": "awareness",
            "print": "awareness",
            "facebook": "conversion",
            "search": "conversion",
        },
    )
    return path, frame, kwargs, {"outcomes": (("revenue", "revenue"),)}


DATASETS = {
    "pymc_marketing_mmm_example": _pymc_marketing,
    "meridian_national_all_channels": _meridian_national,
    "meridian_geo_full_funnel": _meridian_geo_funnel,
    "robyn_dt_simulated_weekly": _robyn,
}


def child(name: str, root: Path, cfg: dict) -> dict:
    stage = "load"
    try:
        from mmm.data import from_wide
        from mmm.errors import ConvergenceWarning, DataWarning
        from mmm.spec import BaselineSpec, MediaSpec, ModelSpec, OutcomeSpec, SamplerConfig

        path, frame, kwargs, spec_kw = DATASETS[name](root)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            ds = from_wide(frame, **kwargs, name=name)
        data_warnings = sorted({str(w.message).splitlines()[0][:200] for w in caught})
        stage = "fit"
        from mmm.analysis.returns import roas_table
        from mmm.inference import fit

        spec = ModelSpec(
            outcomes=tuple(OutcomeSpec(n, k) for n, k in spec_kw["outcomes"]),
            mediator=spec_kw.get("mediator"),
            media=MediaSpec(saturation="hill"),
            baseline=BaselineSpec(yearly_order=2, trend="linear"),
        )
        sampler = SamplerConfig(
            draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"], seed=cfg["seed"]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = fit(spec, ds, sampler=sampler)
        stage = "roas"
        table = roas_table(res, prob=0.9, max_draws=1000)
        table = table[table["path"] == "total"]
        d = res.diagnostics
        return {
            "name": name,
            "path": str(path),
            "ok": True,
            "n_dates": int(ds.n_dates),
            "n_geos": len(ds.geos),
            "data_warnings": data_warnings,
            "spec": spec.to_dict(),
            "timings": res.provenance["timings"],
            "diagnostics": {
                "divergences": int(d.divergences),
                "max_rhat": float(d.max_rhat),
                "min_ess_bulk": float(d.min_ess_bulk),
                "min_ess_tail": float(d.min_ess_tail),
                "min_bfmi": float(d.min_bfmi),
            },
            "roas": [
                {
                    "outcome": r.outcome,
                    "channel": r.channel,
                    "spend": float(r.spend),
                    "median": float(r.median),
                    "lower": float(r.lower),
                    "upper": float(r.upper),
                }
                for r in table.itertuples()
            ],
        }
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        tb = traceback.extract_tb(exc.__traceback__)
        where = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in tb[-4:]]
        return {
            "name": name,
            "ok": False,
            "stage": stage,
            "error": f"{type(exc).__module__}.{type(exc).__name__}: {exc}",
            "where": where,
            "module": tb[-1].filename if tb else "",
        }


def spawn(name: str, root: Path, cfg: dict, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", name, "--root", str(root), "--cfg", json.dumps(cfg)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {
            "name": name,
            "ok": False,
            "stage": "fit",
            "error": f"stopped after {timeout:.0f} s",
            "where": [],
            "module": "",
        }
    out = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not out:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        return {
            "name": name,
            "ok": False,
            "stage": "process",
            "error": " | ".join(tail),
            "where": [],
            "module": "",
        }
    row = json.loads(out[-1])
    row["process_s"] = time.perf_counter() - t0
    return row


def markdown(rows: list[dict]) -> str:
    lines = [
        "| dataset | channel | spend | ROAS median | 90 % interval |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        if not r["ok"]:
            lines.append(f"| {r['name']} | failed ({r['stage']}) | | | |")
            continue
        for x in r["roas"]:
            lines.append(
                f"| {r['name']} | {x['channel']} | {x['spend']:,.0f} | {x['median']:.3g} | "
                f"{x['lower']:.3g} .. {x['upper']:.3g} |"
            )
    lines += [
        "",
        "| dataset | seed | weeks x geos | divergences | max R-hat | min bulk ESS | "
        "min tail ESS | fit wall (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r["ok"]:
            lines.append(f"| {r['name']} | {r['seed']} | failed: {r['error'][:160]} | | | | | |")
            continue
        d = r["diagnostics"]
        lines.append(
            f"| {r['name']} | {r['seed']} | {r['n_dates']} x {r['n_geos']} | {d['divergences']} | "
            f"{d['max_rhat']:.3f} | {d['min_ess_bulk']:.0f} | {d['min_ess_tail']:.0f} | "
            f"{r['timings']['total_s']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=SHARED)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=300)
    p.add_argument("--tune", type=int, default=300)
    p.add_argument("--seed", type=int, nargs="+", default=[1], help="one fit per seed")
    p.add_argument("--only", action="append", choices=list(DATASETS))
    p.add_argument("--timeout", type=float, default=1800, help="seconds per dataset")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--child", choices=list(DATASETS), help=argparse.SUPPRESS)
    p.add_argument("--cfg", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.child, a.root, json.loads(a.cfg))))
        return
    base = {"chains": a.chains, "draws": a.draws, "tune": a.tune}
    rows = []
    for name in a.only or list(DATASETS):
        for seed in a.seed:
            row = spawn(name, a.root, {**base, "seed": seed}, a.timeout)
            row["seed"] = seed
            status = "ok" if row["ok"] else f"FAILED at {row['stage']}: {row['error']}"
            print(f"{name}, seed {seed}: {status}", flush=True)
            if not row["ok"] and row.get("where"):
                print("  " + " <- ".join(reversed(row["where"])))
            rows.append(row)
    print()
    print(markdown(rows))
    if a.json:
        config = {**base, "seeds": list(a.seed)}
        a.json.write_text(json.dumps({"config": config, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
