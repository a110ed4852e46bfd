"""Speed and memory of journey attribution, with the peer packages run on the same data.

Usage::

    python benchmarks/bench_journeys.py                 # 1,000,000 aggregated paths
    python benchmarks/bench_journeys.py --paths 200000  # smaller, quicker
    python benchmarks/bench_journeys.py --skip-peers

Every measurement runs in a fresh child process (so one task's memory does not inflate the
next); a thread samples the process's resident memory every few milliseconds and the peak
during the timed call is reported, in MB, beside the seconds. Targets: every Markov order
< 5 s and < 1.5 GB on 1 M aggregated paths; heuristics < 1 s after parsing; Shapley over
6-8 channels < 10 s.

Peers, when installed: ``ChannelAttribution`` (``pip install ChannelAttribution``; C++,
simulation-based removal effects) on the same path table, and ``marketing_attribution_models``
(``pip install marketing-attribution-models==1.0.10``; pure Python, one row per journey, so it
runs on a sample of journeys expanded from the path table). A peer that cannot be imported
is reported as skipped and the run carries on. The script prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

TARGETS = {"markov": (5.0, 1536.0), "heuristics": (1.0, None), "shapley": (10.0, None)}
HEURISTICS = ["first_touch", "last_touch", "last_non_direct", "linear", "position_based"]


# ------------------------------------------------------------------------------ data
def make_paths(n_paths: int, n_channels: int, seed: int) -> pd.DataFrame:
    """``n_paths`` aggregated path rows walked from a random first-order chain.

    Each row is one path (channels joined by ``>``) with ``1 + Poisson(4)`` journeys, of
    which a binomial number converted with the exit probability of the path's last channel.
    Paths are 1 to 12 touches long (mean about 3).
    """
    rng = np.random.default_rng(seed)
    names = np.array(
        [
            "display",
            "paid_social",
            "paid_search",
            "email",
            "direct",
            "store_visit",
            "video",
            "affiliate",
            "print_qr",
            "podcast",
            "tv_qr",
            "sms",
        ][:n_channels]
    )
    trans = rng.dirichlet(np.ones(n_channels), size=n_channels) * 0.6
    conv_rate = rng.uniform(0.02, 0.2, size=n_channels)
    start = rng.dirichlet(np.ones(n_channels))
    max_len = 12
    state = rng.choice(n_channels, size=n_paths, p=start)
    tokens = [state]
    alive = np.ones(n_paths, dtype=bool)
    lengths = np.ones(n_paths, dtype=np.int64)
    cum = np.cumsum(trans, axis=1)
    for _ in range(max_len - 1):
        u = rng.random(n_paths)
        go = alive & (u < 0.6)
        nxt = (u[:, None] >= cum[state]).sum(axis=1).clip(0, n_channels - 1)
        state = np.where(go, nxt, state)
        alive = go
        lengths += alive
        tokens.append(np.where(alive, state, -1))
    grid = np.stack(tokens, axis=1)
    last = grid[np.arange(n_paths), lengths - 1]
    flat = grid[grid >= 0]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.take(pa.array(names.tolist(), type=pa.large_string()), pa.array(flat))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), text)
    sep = pa.scalar(">", type=pa.large_string())
    path = pc.binary_join(lists, sep).to_numpy(zero_copy_only=False)
    journeys = 1 + rng.poisson(4.0, size=n_paths)
    conversions = rng.binomial(journeys, conv_rate[last])
    value = conversions * rng.gamma(4.0, 30.0, size=n_paths)
    return pd.DataFrame(
        {
            "path": path,
            "conversions": conversions.astype(np.float64),
            "value": value,
            "nulls": (journeys - conversions).astype(np.float64),
        }
    )


# ------------------------------------------------------------------- child measurements
class PeakRSS:
    """Peak resident memory (MB) of this process while the block runs, sampled every 2 ms."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.base = _rss_mb()
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
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the lifetime peak instead
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn):
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
    return out, {"seconds": seconds, "peak_mb": mem.peak, "base_mb": mem.base}


def _quiet_import(name: str):
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "marketing_attribution_models":
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.style as mstyle

            # version 1.0.10 asks for the style 'seaborn-white', renamed in matplotlib 3.6
            if "seaborn-white" not in mstyle.library and "seaborn-v0_8-white" in mstyle.library:
                mstyle.library["seaborn-white"] = mstyle.library["seaborn-v0_8-white"]
        return __import__(name)


def child(task: str, data: str, arg: str) -> dict:
    frame = pd.read_parquet(data)
    if task.startswith("ours"):
        from mmm.journeys import attribute, paths_from_frame, removal_effects

        paths, parse = _timed(lambda: paths_from_frame(frame, separator=">"))
        del frame
        out = {"parse": parse, "n_paths": paths.n_paths, "n_channels": paths.n_channels}
        if task == "ours_heuristics":
            for m in HEURISTICS:
                _, out[m] = _timed(lambda m=m: attribute(paths, methods=m))
        elif task == "ours_markov":
            res, out["markov"] = _timed(lambda: removal_effects(paths, order=int(arg)))
            out["removal_effect"] = dict(zip(res["channel"], res["removal_effect"], strict=True))
            _, out["markov_attribute"] = _timed(
                lambda: attribute(paths, methods="markov_removal_share", markov_order=int(arg))
            )
        elif task == "ours_shapley":
            _, out["shapley"] = _timed(lambda: attribute(paths, methods="shapley"))
        return out
    if task == "ca_markov":
        ca = _quiet_import("ChannelAttribution")
        kwargs = json.loads(arg)

        def run():
            with contextlib.redirect_stdout(io.StringIO()):
                return ca.markov_model(
                    frame,
                    "path",
                    "conversions",
                    var_value="value",
                    var_null="nulls",
                    out_more=True,
                    verbose=False,
                    flg_pro=False,
                    sep=">",
                    **kwargs,
                )

        res, out = _timed(run)
        re = res["removal_effects"]
        out["removal_effect"] = (
            dict(zip(re["channel_name"], re["removal_effects_conversion"], strict=True))
            if "removal_effects_conversion" in re
            else dict(zip(re["channel_name"], re["removal_effect"], strict=True))
        )
        return out
    if task == "ca_heuristics":
        ca = _quiet_import("ChannelAttribution")

        def run():
            with contextlib.redirect_stdout(io.StringIO()):
                return ca.heuristic_models(
                    frame, "path", "conversions", var_value="value", sep=">", flg_pro=False
                )

        _, out = _timed(run)
        return out
    if task in ("mam", "sample_ours"):
        # one row per journey, expanded from the first rows of the path table
        rows = frame.iloc[: int(arg)]
        journeys = (rows["conversions"] + rows["nulls"]).astype(np.int64).to_numpy()
        conv = rows["conversions"].astype(np.int64).to_numpy()
        idx = np.repeat(np.arange(len(rows)), journeys)
        rank = np.arange(idx.size) - np.repeat(np.cumsum(journeys) - journeys, journeys)
        converted = rank < conv[idx]
        if task == "mam":
            mam_mod = _quiet_import("marketing_attribution_models")
            jr = pd.DataFrame({"channels": rows["path"].to_numpy()[idx], "conv": converted})

            def run():
                with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m = mam_mod.MAM(
                        jr,
                        channels_colname="channels",
                        journey_with_conv_colname="conv",
                        group_channels=False,
                        path_separator=">",
                    )
                    m.attribution_last_click()
                    m.attribution_linear()
                    return m.attribution_markov(transition_to_same_state=True)[3]

            res, out = _timed(run)
            out["removal_effect"] = res["removal_effect"].to_dict()
            out["n_journeys"] = int(idx.size)
            return out
        from mmm.journeys import attribute, paths_from_frame

        agg = rows.assign(conversions=conv.astype(float), nulls=(journeys - conv).astype(float))

        def run():
            p = paths_from_frame(agg, separator=">")
            return attribute(p, methods=["last_touch", "linear", "markov_removal_share"])

        _, out = _timed(run)
        return out
    raise SystemExit(f"unknown task {task}")


def spawn(task: str, data: Path, arg: str = "", timeout: float = 1800) -> dict | None:
    cmd = [sys.executable, __file__, "--child", task, "--data", str(data), "--arg", arg]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  {task} {arg}: stopped after {timeout:.0f} s")
        return None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        print(f"  {task} {arg}: failed: {' | '.join(tail)}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peer_available(name: str, pip: str) -> bool:
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
    code += f"import bench_journeys as b; b._quiet_import({name!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        print(f"peer {name}: not available ({last}); install with `pip install {pip}`. Skipped.")
        return False
    return True


# ------------------------------------------------------------------------------ report
def _fmt(m: dict | None) -> str:
    if m is None:
        return "n/a"
    return f"{m['seconds']:7.3f} s {m['peak_mb']:7.0f} MB"


def _ratio(ours: dict | None, peer: dict | None) -> str:
    if not ours or not peer:
        return "n/a"
    return (
        f"{peer['seconds'] / ours['seconds']:.1f}x faster"
        if peer["seconds"] >= ours["seconds"]
        else f"{ours['seconds'] / peer['seconds']:.1f}x slower"
    )


def _check(name: str, m: dict | None) -> str:
    if m is None:
        return "n/a"
    t_max, mb_max = TARGETS[name]
    ok = m["seconds"] < t_max and (mb_max is None or m["peak_mb"] < mb_max)
    return "meets target" if ok else "MISSES target"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mam-rows", type=int, default=4000, help="path rows expanded for MAM")
    ap.add_argument("--ca-seeds", type=int, default=5)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--data", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--arg", default="", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.data, args.arg)))
        return

    import platform

    print(
        f"journey attribution benchmark: {args.paths:,} aggregated paths, {args.channels} "
        f"channels, seed {args.seed}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__},"
        f" {os.cpu_count()} CPUs, {platform.machine()}"
    )
    has_ca = has_mam = False
    if not args.skip_peers:
        has_ca = peer_available("ChannelAttribution", "ChannelAttribution")
        has_mam = peer_available(
            "marketing_attribution_models", "marketing-attribution-models==1.0.10"
        )
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "paths.parquet"
        t0 = time.perf_counter()
        frame = make_paths(args.paths, args.channels, args.seed)
        frame.to_parquet(data)
        data6 = Path(tmp) / "paths6.parquet"
        make_paths(args.paths, 6, args.seed + 1).to_parquet(data6)
        print(
            f"data: {len(frame):,} rows, {frame['conversions'].sum():,.0f} conversions, "
            f"{(frame['conversions'] + frame['nulls']).sum():,.0f} journeys, "
            f"made in {time.perf_counter() - t0:.1f} s"
        )
        del frame

        print("\n== heuristics (after parsing) ==")
        h = spawn("ours_heuristics", data)
        ca_h = spawn("ca_heuristics", data) if has_ca else None
        if h:
            print(f"  parse path strings       {_fmt(h['parse'])}")
            for m in HEURISTICS:
                print(f"  {m:24s} {_fmt(h[m])}  {_check('heuristics', h[m])}")
            trio = {
                "seconds": sum(h[m]["seconds"] for m in ("first_touch", "last_touch", "linear")),
                "peak_mb": max(h[m]["peak_mb"] for m in ("first_touch", "last_touch", "linear")),
            }
            print(f"  first+last+linear        {_fmt(trio)}")
            if has_ca:
                trio_parse = {"seconds": trio["seconds"] + h["parse"]["seconds"]}
                print(
                    f"  ChannelAttribution heuristic_models (first, last, linear) {_fmt(ca_h)}"
                    f" -> ours (parsing included) {_ratio(trio_parse, ca_h)}"
                )

        print("\n== Markov removal effects (exact), order 1-4 ==")
        ours_re = {}
        for order in range(1, 5):
            o = spawn("ours_markov", data, str(order))
            c = spawn("ca_markov", data, json.dumps({"order": order})) if has_ca else None
            if o:
                ours_re[order] = o["removal_effect"]
                line = f"  order {order}: ours {_fmt(o['markov'])}  {_check('markov', o['markov'])}"
                line += f"; attribute() {_fmt(o['markov_attribute'])}"
                if has_ca:
                    with_parse = {"seconds": o["parse"]["seconds"] + o["markov"]["seconds"]}
                    line += f"; ChannelAttribution {_fmt(c)} -> ours (parsing included) "
                    line += _ratio(with_parse, c)
                print(line)

        if has_ca and 1 in ours_re:
            print("\n== agreement with ChannelAttribution (order 1) ==")
            print(
                "  ChannelAttribution simulates walks; its default max_step (the longest "
                "observed path) cuts long walks short, so for the comparison max_step=200, "
                f"nsim_start=1e6 and {args.ca_seeds} seeds."
            )
            runs = []
            # small seeds (0-10) give one and the same stream in ChannelAttribution 2.2.5
            for seed in (101 + 997 * k for k in range(args.ca_seeds)):
                kw = {"order": 1, "max_step": 200, "nsim_start": 1e6, "seed": seed}
                r = spawn("ca_markov", data, json.dumps(kw))
                if r:
                    runs.append(r["removal_effect"])
            if runs:
                chans = sorted(ours_re[1])
                ca_runs = np.array([[r.get(c, np.nan) for c in chans] for r in runs])
                ours_v = np.array([ours_re[1][c] for c in chans])
                mean = ca_runs.mean(axis=0)
                sd = ca_runs.std(axis=0, ddof=1) if len(runs) > 1 else np.full(len(chans), np.nan)
                pooled = float(np.sqrt(np.nanmean(sd**2)))
                print(f"  {'channel':14s} {'ours':>8s} {'CA mean':>8s} {'CA sd':>8s} {'diff':>8s}")
                for i, c in enumerate(chans):
                    print(
                        f"  {c:14s} {ours_v[i]:8.4f} {mean[i]:8.4f} {sd[i]:8.4f} "
                        f"{ours_v[i] - mean[i]:+8.4f}"
                    )
                worst = float(np.max(np.abs(ours_v - mean)))
                single = pooled  # the noise of one ChannelAttribution run
                verdict = "within" if worst <= 3 * max(single, 1e-12) else "OUTSIDE"
                print(
                    f"  largest |ours - CA mean| = {worst:.4f}; sd of one CA run = {single:.4f}"
                    f" -> {verdict} 3 sd of ChannelAttribution's own simulation noise"
                )

        print("\n== Shapley (exact, all channel subsets) ==")
        for label, file in ((f"{args.channels} channels", data), ("6 channels", data6)):
            s = spawn("ours_shapley", file)
            if s:
                print(f"  {label:12s} {_fmt(s['shapley'])}  {_check('shapley', s['shapley'])}")

        if has_mam:
            print(
                f"\n== marketing_attribution_models on journeys from the first {args.mam_rows:,}"
                " path rows (one row per journey) =="
            )
            mres = spawn("mam", data, str(args.mam_rows))
            ours_s = spawn("sample_ours", data, str(args.mam_rows))
            if mres:
                print(
                    f"  MAM last click + linear + Markov on {mres['n_journeys']:,} journeys: "
                    f"{_fmt(mres)}"
                )
                print(
                    f"  ours, same journeys (parsing included): {_fmt(ours_s)} -> ours "
                    f"{_ratio(ours_s, mres)}"
                )
                print(
                    "  (MAM's Shapley is not timed: under pandas copy-on-write its chained "
                    "assignments are silently lost, so its result is wrong)"
                )


if __name__ == "__main__":
    main()
