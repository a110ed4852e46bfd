"""Batches of fits: batch files, backtest cuts, fingerprints, and real Dask clusters.

The Dask tests share one ``LocalCluster`` (2 worker processes, 1 thread each) and one
tiny model structure (40 weeks, 2 media series, one outcome, 2 chains x 50 draws), so
each worker compiles the model once for the whole module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm.batch import RunSpec, load_batch, parse_batch
from mmm.batch.execute import prepare
from mmm.batch.task import cut_inputs
from mmm.cli import main
from mmm.errors import ConfigError

CONFIG = """\
[data]
media = "data/media.csv"
outcomes = "data/outcomes.csv"
channels = "data/channels.csv"

[model]
outcomes = [{ name = "online_sales", kind = "revenue" }]
trend = "none"
yearly_order = 0

[sampler]
draws = 50
tune = 50
chains = 2
seed = 3
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A tiny simulated brand (40 weeks, 2 series, online sales only) and its config."""
    from mmm.data.simulate import default_catalogue, simulate

    root = tmp_path_factory.mktemp("batch_inputs")
    cat = default_catalogue().groupby("stage").head(1).reset_index(drop=True)
    files = simulate(n_periods=40, seed=3, catalogue=cat).write(root / "data")
    outcomes = pd.read_csv(files["outcomes"])
    outcomes[["date", "online_sales"]].to_csv(files["outcomes"], index=False)
    (root / "brand.toml").write_text(CONFIG)
    # the broken brand: one negative spend in an otherwise valid media table
    broken = root / "broken"
    broken.mkdir()
    media = pd.read_csv(files["media"])
    media.loc[5, "spend"] = -100.0
    media.to_csv(broken / "media.csv", index=False)
    (root / "broken.toml").write_text(
        CONFIG.replace('media = "data/media.csv"', 'media = "broken/media.csv"')
    )
    return root


# ------------------------------------------------------------------ batch files
def test_batch_file_expands_origins_and_variants_and_merges_overrides(tmp_path):
    (tmp_path / "a.toml").write_text(CONFIG)
    (tmp_path / "batch.toml").write_text(
        """
[common]
sampler = { draws = 80 }

[[runs]]
name = "brand_a"
config = "a.toml"
sampler = { seed = 11 }

[[runs]]
name = "prior"
config = "a.toml"
origins = ["2023-06-25", "2023-08-27"]
variants = [
  { name = "tight", model = { roas_prior_sigma = 0.5 } },
  { name = "wide", model = { roas_prior_sigma = 2.0 }, sampler = { draws = 90 } },
]
"""
    )
    specs = load_batch(tmp_path / "batch.toml")
    assert [s.name for s in specs] == [
        "brand_a",
        "prior-tight-2023-06-25",
        "prior-tight-2023-08-27",
        "prior-wide-2023-06-25",
        "prior-wide-2023-08-27",
    ]
    assert [s.origin for s in specs] == [
        None,
        "2023-06-25",
        "2023-08-27",
        "2023-06-25",
        "2023-08-27",
    ]
    assert specs[0].overrides == {"sampler": {"draws": 80, "seed": 11}}
    # model options are kept in their groups (flat names routed there)
    assert specs[1].overrides == {
        "sampler": {"draws": 80},
        "model": {"priors": {"roas_prior_sigma": 0.5}},
    }
    assert specs[4].overrides == {
        "sampler": {"draws": 90},
        "model": {"priors": {"roas_prior_sigma": 2.0}},
    }
    assert specs[0].config == str((tmp_path / "a.toml").resolve())


def test_resolved_configs_follow_the_precedence(inputs):
    from mmm.batch.spec import resolve_config

    specs = parse_batch(
        {
            "common": {"sampler": {"draws": 80, "tune": 20}},
            "runs": [
                {
                    "name": "b",
                    "config": "brand.toml",
                    "sampler": {"seed": 11, "tune": 30},
                    "variants": [
                        {"name": "v", "sampler": {"tune": 40}, "model": {"roas_prior_sigma": 0.7}}
                    ],
                }
            ],
        },
        base=inputs,
    )
    raw = resolve_config(specs[0])
    assert raw["sampler"] == {"draws": 80, "tune": 40, "chains": 2, "seed": 11}
    assert raw["model"]["priors"] == {"roas_prior_sigma": 0.7}
    assert raw["model"]["baseline"] == {"trend": "none", "yearly_order": 0}
    assert raw["data"]["media"] == str((inputs / "data" / "media.csv").resolve())


def test_model_overrides_replace_an_option_named_flat_or_in_its_group(tmp_path):
    """A flat override of a grouped config (and the other way round) replaces the option
    rather than giving it twice."""
    from mmm.batch.spec import resolve_config
    from mmm.config import parse_config

    grouped = CONFIG.replace('trend = "none"\nyearly_order = 0\n', "").replace(
        "[sampler]",
        '[model.baseline]\ntrend = "none"\n\n[model.priors]\nroas_prior_sigma = 1.5\n\n[sampler]',
    )
    (tmp_path / "grouped.toml").write_text(grouped)
    (tmp_path / "flat.toml").write_text(CONFIG)
    specs = parse_batch(
        {
            "common": {"model": {"baseline": {"yearly_order": 1}}},
            "runs": [
                {"name": "g", "config": "grouped.toml", "model": {"roas_prior_sigma": 0.7}},
                {
                    "name": "f",
                    "config": "flat.toml",
                    "model": {"priors": {"roas_prior_sigma": 0.7}},
                },
            ],
        },
        base=tmp_path,
    )
    models = [parse_config(resolve_config(s)).model for s in specs]
    for model in models:
        assert model.priors.roas_prior_sigma == 0.7
        assert (model.baseline.trend, model.baseline.yearly_order) == ("none", 1)
    assert models[0] == models[1]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[[runs]]\nname = "a"\nconfig = "a.toml"\nsampel = { seed = 1 }\n', "runs[0].sampel"),
        ('[[runs]]\nname = "a b"\nconfig = "a.toml"\n', "runs[0].name"),
        (
            '[[runs]]\nname = "a"\nconfig = "a.toml"\n[[runs]]\nname = "a"\nconfig = "b.toml"\n',
            "unique",
        ),
        ('[[runs]]\nname = "a"\nconfig = "a.toml"\norigins = ["2024-13-01"]\n', "origin"),
        ('[[runs]]\nname = "a"\n', "needs a config file"),
        ("[defaults]\nx = 1\n", "[defaults] is not a known key"),
        ("[[runs]\n", "not valid TOML"),
    ],
)
def test_bad_batch_file_exits_2_naming_the_key(tmp_path, capsys, toml, expected):
    p = tmp_path / "batch.toml"
    p.write_text(toml)
    with pytest.raises(ConfigError, match="batch.toml"):
        load_batch(p)
    assert main(["batch", str(p), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_a_run_config_that_is_not_toml_names_the_run_and_the_file(tmp_path):
    from mmm.batch.spec import resolve_config

    bad = tmp_path / "brand.toml"
    bad.write_text("[model\n")
    with pytest.raises(ConfigError, match=r"run 'b': .*brand\.toml: is not valid TOML"):
        resolve_config(RunSpec("b", config=str(bad)))


def test_backtest_cut_keeps_rows_up_to_the_origin_byte_for_byte(inputs, tmp_path):
    data = {
        k: str(inputs / "data" / f"{k}.csv") for k in ("media", "outcomes", "channels", "controls")
    }
    cut = cut_inputs(data, "2023-06-25", tmp_path)
    assert cut["channels"] == data["channels"]  # not time-indexed: left as is
    for role in ("media", "outcomes", "controls"):
        src = Path(data[role]).read_text().splitlines()
        got = Path(cut[role]).read_text().splitlines()
        expect = [src[0]] + [line for line in src[1:] if line[:10] <= "2023-06-25"]
        assert got == expect, role
    # 2023-01-02 .. 2023-06-19 are 25 Mondays, 2023-06-26 is after the origin
    assert len(pd.read_csv(cut["outcomes"])) == 25
    with pytest.raises(Exception, match="no rows dated on or before"):
        cut_inputs(data, "2022-12-31", tmp_path / "early")


def test_fingerprint_changes_with_data_config_and_origin(inputs, tmp_path):
    import shutil

    shutil.copytree(inputs / "data", tmp_path / "data")
    (tmp_path / "brand.toml").write_text(CONFIG)
    base = RunSpec("r", config=str(tmp_path / "brand.toml"))

    def fp(spec):
        tasks, failed = prepare([spec], tmp_path / "out")
        assert not failed
        return tasks[0]["fingerprint"]

    f0 = fp(base)
    assert fp(base) == f0
    assert fp(RunSpec("r", config=str(tmp_path / "brand.toml"), origin="2023-06-25")) != f0
    assert (
        fp(RunSpec("r", config=str(tmp_path / "brand.toml"), overrides={"sampler": {"seed": 4}}))
        != f0
    )
    media = tmp_path / "data" / "media.csv"
    media.write_text(media.read_text())
    assert fp(base) == f0  # rewritten with the same bytes
    lines = media.read_text().splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[4], "1.5")
    media.write_text("\n".join(lines) + "\n")
    assert fp(base) != f0


# ------------------------------------------------------------------- on Dask
@pytest.fixture(scope="module")
def cluster():
    """2 worker processes with 1 thread; a killed task is not retried (allowed-failures 0)."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(
        {
            "distributed.scheduler.allowed-failures": 0,
            "distributed.scheduler.worker-saturation": 1.0,
        }
    ):
        lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(lc)
    yield client
    client.close()
    lc.close()


def _mmm_fit(config: Path, out: Path, **env) -> tuple[list[str], dict]:
    """Command line and environment of `mmm fit CONFIG --out OUT` in a new process
    (``env``: variables to set on top of this one's)."""
    cmd = [sys.executable, "-m", "mmm", "fit", str(config), "--out", str(out), "--quiet"]
    return cmd, {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **env}


def _posterior(run_dir: Path):
    import xarray as xr

    with xr.open_dataset(run_dir / "fit.nc", group="posterior", engine="h5netcdf") as ds:
        return {k: ds[k].values.copy() for k in ds.data_vars}


@pytest.fixture(scope="module")
def first_batch(inputs, cluster, tmp_path_factory):
    """Three runs (one with invalid data, one missing its config) next to a plain `mmm fit`."""
    out = tmp_path_factory.mktemp("batch_out")
    alone = tmp_path_factory.mktemp("alone") / "run"
    cmd, env = _mmm_fit(inputs / "brand.toml", alone)
    proc = subprocess.Popen(  # `mmm fit` alone, in its own process, while the batch runs
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    specs = [
        RunSpec("brand", config=str(inputs / "brand.toml")),
        RunSpec(
            "brand-seed7", config=str(inputs / "brand.toml"), overrides={"sampler": {"seed": 7}}
        ),
        RunSpec("broken", config=str(inputs / "broken.toml")),
        RunSpec("missing", config=str(inputs / "nowhere.toml")),
    ]
    from mmm.batch import run

    t0 = time.perf_counter()
    table = run(specs, cluster, out=out)
    wall = time.perf_counter() - t0
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode in (0, 3), stderr
    return table, out, alone, wall


def test_batch_on_a_local_cluster_reports_failures_and_keeps_the_rest(first_batch):
    table, out, _, _ = first_batch
    status = dict(zip(table["run"], table["status"], strict=True))
    assert list(table["run"]) == ["brand", "brand-seed7", "broken", "missing"]
    assert status["brand"] in ("ok", "unhealthy") and status["brand-seed7"] in ("ok", "unhealthy")
    assert status["broken"] == "failed" and status["missing"] == "failed"
    got_from = dict(zip(table["run"], table["compiled_from"], strict=True))
    assert {got_from["brand"], got_from["brand-seed7"]} <= {"compiled", "disk", "reused"}
    err = dict(zip(table["run"], table["error"], strict=True))
    assert "spend" in err["broken"] and "media.csv" in err["broken"]
    assert "nowhere.toml" in err["missing"] and "does not exist" in err["missing"]
    for name in ("brand", "brand-seed7"):
        for f in (
            "fit.nc",
            "fit.json",
            "config.toml",
            "manifest.json",
            "summary.json",
            "batch_run.json",
        ):
            assert (out / name / f).is_file(), (name, f)
    assert not (out / "broken" / "batch_run.json").exists()
    # the summary lists every run, failures with their errors
    csv = pd.read_csv(out / "batch_summary.csv")
    assert list(csv["run"]) == list(table["run"])
    assert csv.loc[csv["run"] == "broken", "error"].str.contains("spend").all()
    roas = pd.read_csv(out / "batch_roas.csv")
    assert set(roas["run"]) == {"brand", "brand-seed7"}
    html = (out / "index.html").read_text()
    assert "broken" in html and "nowhere.toml" in html and 'href="brand/summary.json"' in html
    # headline: spend-weighted mean return equals the one computed from summary.json by hand
    s = json.loads((out / "brand" / "summary.json").read_text())
    tot = [r for r in s["roas"] if r["path"] == "total"]
    hand = sum(r["mean"] * r["spend"] for r in tot) / sum(r["spend"] for r in tot)
    got = table.loc[table["run"] == "brand", "media_return:online_sales"].item()
    assert got == pytest.approx(hand, rel=1e-12)


def test_batch_run_equals_mmm_fit_alone(first_batch):
    """The batch run and a plain `mmm fit` of the same config, in separate processes
    (one of which may compile the model while the other loads it from the compile
    cache), give the same draws bit for bit, and so the same summary."""
    from mmm.run_folder import RunFolder
    from mmm.runs import compare_summaries

    _, out, alone, _ = first_batch
    a, b = _posterior(out / "brand"), _posterior(alone)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    sa = RunFolder(out / "brand").read_summary(required=True)
    sb = RunFolder(alone).read_summary(required=True)
    assert sa.to_dict().keys() == sb.to_dict().keys()
    assert compare_summaries(sb, sa) == []
    ma = json.loads((out / "brand" / "manifest.json").read_text())
    mb = json.loads((alone / "manifest.json").read_text())
    assert ma["config_hash"] == mb["config_hash"] and ma["data_files"] == mb["data_files"]
    # a different seed is a different fit
    c = _posterior(out / "brand-seed7")
    assert not np.array_equal(a["intercept"], c["intercept"])


def test_a_cold_compile_cache_gives_the_same_draws_as_a_warm_one(inputs, tmp_path):
    """`mmm fit` twice with an empty compile cache of its own: the first process compiles
    every part of the model, the second loads them from the cache. Same draws, bit for
    bit (with numba's fast-math flags the two differed from the first draw on)."""
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    cache = ",".join(f for f in (flags, f"base_compiledir={tmp_path / 'cc'}") if f)
    runs, sources = [], []
    for name in ("cold", "warm"):
        out = tmp_path / name
        cmd, env = _mmm_fit(
            inputs / "brand.toml", out, PYTENSOR_FLAGS=cache, MMM_CACHE_DIR=str(tmp_path / "mc")
        )
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode in (0, 3), proc.stderr[-2000:]
        runs.append(_posterior(out))
        sources.append(json.loads((out / "manifest.json").read_text())["compiled_from"])
    assert (tmp_path / "cc" / "numba").is_dir()  # PyTensor's cache of the first compile
    assert sources == ["compiled", "disk"]
    cold, warm = runs
    assert cold.keys() == warm.keys()
    for k in cold:
        np.testing.assert_array_equal(cold[k], warm[k], err_msg=k)


def test_batch_writes_run_folders_through_fsspec(inputs, cluster, first_batch, tmp_path):
    """An fsspec URL (here fsspec's ``local://``, which takes the upload path of object
    stores): workers fit in a temporary folder, upload it, and the rerun skips via fsspec."""
    from mmm.batch import run

    _, out, _, _ = first_batch
    url = f"local://{tmp_path / 'remote'}"
    specs = [RunSpec("brand", config=str(inputs / "brand.toml"))]
    table = run(specs, cluster, out=url)
    assert table["status"].item() in ("ok", "unhealthy") and not table["skipped"].item()
    assert table["folder"].item() == f"{url}/brand"
    got = tmp_path / "remote" / "brand"
    for f in (
        "fit.nc",
        "fit.json",
        "data/media.csv",
        "manifest.json",
        "summary.json",
        "batch_run.json",
    ):
        assert (got / f).is_file(), f
    a, b = _posterior(got), _posterior(out / "brand")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert (tmp_path / "remote" / "index.html").is_file()
    again = run(specs, cluster, out=url)
    assert again["skipped"].item()


def test_killed_worker_keeps_completed_runs_and_a_rerun_completes_the_rest(
    inputs, cluster, tmp_path
):
    from mmm.batch import run

    out = tmp_path / "out"
    # "slow" samples long enough to be killed mid-fit; the others reuse the compiled model
    specs = [
        RunSpec(
            "slow",
            config=str(inputs / "brand.toml"),
            overrides={"sampler": {"draws": 3000, "seed": 8}},
        ),
        *[
            RunSpec(
                f"quick{i}",
                config=str(inputs / "brand.toml"),
                overrides={"sampler": {"seed": 20 + i}},
            )
            for i in range(3)
        ],
    ]
    # every worker compiles the model first (a no-op after ``first_batch``), so that "slow"
    # is still sampling when a quick run completes, however long compiling took
    from mmm.batch.task import run_task

    pids = cluster.run(os.getpid)  # worker address -> process id
    tasks, _ = prepare([specs[1]], tmp_path / "warm")
    warm = [
        cluster.submit(run_task, {**tasks[0], "name": f"warm{i}"}, workers=[w], pure=False)
        for i, w in enumerate(pids)
    ]
    assert all(r["status"] in ("ok", "unhealthy") for r in cluster.gather(warm))
    killed: list[str] = []

    def killer() -> None:
        deadline = time.time() + 1800  # compiling alone takes minutes on a busy machine
        while time.time() < deadline and not killed:
            done = any((out / f"quick{i}" / "batch_run.json").exists() for i in range(3))
            for worker, keys in cluster.processing().items():
                if done and any(str(k).startswith("mmm-batch-slow-") for k in keys):
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(worker)
                    return
            time.sleep(0.2)

    th = threading.Thread(target=killer, daemon=True)
    th.start()
    table = run(specs, cluster, out=out)
    th.join()
    assert killed, "the worker fitting 'slow' was never seen running"
    status = dict(zip(table["run"], table["status"], strict=True))
    errors = dict(zip(table["run"], table["error"], strict=True))
    # the run being fitted is lost; so is any run Dask had already handed to that worker
    # (retries are off in this cluster); every other run completed
    lost = [n for n, st in status.items() if st == "failed"]
    done = [n for n, st in status.items() if st in ("ok", "unhealthy")]
    assert "slow" in lost and sorted(lost + done) == sorted(status)
    assert done, "no run completed before the kill"
    for n in lost:
        assert "worker running this fit died" in errors[n]
        assert not (out / n / "batch_run.json").exists()
    stamps = {n: (out / n / "fit.nc").stat().st_mtime_ns for n in done}
    before = {n: _posterior(out / n)["intercept"] for n in done}

    again = run(specs, cluster, out=out)
    skipped = dict(zip(again["run"], again["skipped"], strict=True))
    assert skipped == {n: n in done for n in status}  # only the lost runs are fitted again
    for n in lost:
        assert again.loc[again["run"] == n, "status"].item() in ("ok", "unhealthy")
        assert (out / n / "batch_run.json").is_file()
    for n in done:  # not refitted, not rewritten
        assert (out / n / "fit.nc").stat().st_mtime_ns == stamps[n]
        np.testing.assert_array_equal(_posterior(out / n)["intercept"], before[n])
    # the summary of the rerun lists all four, from this batch and the earlier one
    csv = pd.read_csv(out / "batch_summary.csv")
    assert sorted(csv["run"]) == ["quick0", "quick1", "quick2", "slow"]
    assert csv["status"].isin(["ok", "unhealthy"]).all()
