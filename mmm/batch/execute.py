"""Run a batch on Dask distributed: a local cluster sized to the machine, or a given client.

Each run is one Dask task (:func:`mmm.batch.task.run_task`, i.e. ``mmm fit``'s body) that
writes its run folder itself; the driver only sends small dicts and collects records.
Runs whose folder is complete and whose fingerprint (resolved config, data bytes, origin)
is unchanged are skipped without sending a task.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from mmm.batch.spec import RunSpec, fingerprint, load_batch, resolve_config
from mmm.batch.task import read_marker, run_task, storage

__all__ = ["run", "prepare", "default_workers"]

#: Leading columns of the results table (headline ``media_return:<outcome>`` columns follow).
COLUMNS = (
    "run",
    "status",
    "skipped",
    "origin",
    "error",
    "folder",
    "wall_s",
    "fit_s",
    "compile_s",
    "compiled_from",
    "sample_s",
    "divergences",
    "max_rhat",
    "min_ess_bulk",
    "problems",
    "warnings",
    "worker",
    "fingerprint",
)


def default_workers(specs_chains: Iterable[int] = (), cpus: int | None = None) -> int:
    """Workers for a local cluster: one fit per worker, each sampling up to 2 chains at once.

    Parameters
    ----------
    specs_chains : iterable of int
        Chains of the runs (nutpie samples ``min(chains, 2)`` chains in parallel).
    cpus : int, optional
        CPU cores to use (default: all of this machine).
    """
    cpus = cpus or os.cpu_count() or 1
    per_fit = max([min(c, 2) for c in specs_chains] or [1])
    return max(1, cpus // per_fit)


def _sha256(path) -> str:
    from mmm.runs import _file_sha256

    return _file_sha256(Path(path))


def prepare(specs: list[RunSpec], out) -> tuple[list[dict], list[dict]]:
    """Resolve each run's config and fingerprint.

    Returns
    -------
    tuple of list
        ``(tasks, failed)``: tasks to run (dicts for :func:`run_task`), and records of runs
        whose own inputs are broken (missing config or data file, invalid config).
    """
    from mmm.config import parse_config
    from mmm.errors import MMMError

    tasks, failed = [], []
    for s in specs:
        try:
            raw = resolve_config(s)
            cfg = parse_config(raw, source=f"run {s.name}")
            sha = {}
            for role, p in cfg.data.items():
                if not Path(p).is_file():
                    raise FileNotFoundError(
                        f"run {s.name!r}: data file {p} ({role}) does not exist."
                    )
                sha[role] = _sha256(p)
            fp = fingerprint(cfg.canonical(), sha, s.origin)
        except (MMMError, OSError) as exc:
            failed.append(
                {"run": s.name, "status": "failed", "origin": s.origin, "error": str(exc)}
            )
            continue
        tasks.append(
            {
                "name": s.name,
                "config": raw,
                "origin": s.origin,
                "out": str(out),
                "fingerprint": fp,
                "chains": cfg.sampler.chains,
            }
        )
    return tasks, failed


def _as_specs(specs) -> list[RunSpec]:
    if isinstance(specs, str | Path):
        return load_batch(specs)
    out = []
    for s in specs:
        out.append(s if isinstance(s, RunSpec) else RunSpec(**s))
    names = [s.name for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        from mmm.errors import ConfigError

        raise ConfigError(f"run names must be unique; repeated: {dup}.")
    return out


def _lost(task: dict, exc: BaseException) -> dict:
    return {
        "run": task["name"],
        "status": "failed",
        "origin": task["origin"],
        "fingerprint": task["fingerprint"],
        "error": (
            f"the Dask worker running this fit died or was lost ({type(exc).__name__}: {exc}); "
            "rerun the batch to fit it again."
        ),
    }


def run(
    specs,
    client=None,
    *,
    out="runs/batch",
    n_workers: int | None = None,
    force: bool = False,
    on_result: Callable[[dict], None] | None = None,
    write_summary: bool = True,
) -> pd.DataFrame:
    """Fit many runs on Dask and return one row per run.

    Parameters
    ----------
    specs : path, list of RunSpec or list of dict
        A batch file (TOML), or the runs (dicts with the fields of :class:`RunSpec`).
    client : distributed.Client, optional
        Client of an existing cluster. Default: a ``LocalCluster`` of ``n_workers``
        processes with one thread each, closed at the end.
    out : path or str
        Batch output folder (or fsspec URL, e.g. ``s3://bucket/batch``): one run folder
        per run plus ``batch_summary.csv``, ``batch_roas.csv`` and ``index.html``.
    n_workers : int, optional
        Workers of the local cluster (default :func:`default_workers`).
    force : bool
        Refit runs whose folder is complete and unchanged (skipped by default).
    on_result : callable, optional
        Called with each run's record as it arrives (e.g. to print progress).
    write_summary : bool
        Write the summary CSVs and the HTML index into ``out``.

    Returns
    -------
    pandas.DataFrame
        One row per run in batch order: ``run``, ``status`` (``ok``, ``unhealthy``,
        ``failed``), ``skipped`` (bool: result of an earlier batch), ``error``, ``folder``,
        timings in seconds, diagnostics, health problems and ``media_return:<outcome>``
        (spend-weighted posterior-mean return of all media per euro).
    """
    spec_list = _as_specs(specs)
    fs, root, local = storage(out)
    if local is not None:
        local.mkdir(parents=True, exist_ok=True)
        out = str(local)
    tasks, records = prepare(spec_list, out)
    for r in records:
        r["skipped"] = False
        if on_result:
            on_result(r)
    todo = []
    for t in tasks:
        marker = None if force else read_marker(out, t["name"])
        if marker is not None and marker.get("fingerprint") == t["fingerprint"]:
            rec = {**marker["record"], "skipped": True}
            records.append(rec)
            if on_result:
                on_result(rec)
        else:
            todo.append(t)
    if todo:
        records += _submit(todo, client, n_workers, on_result)
    order = {s.name: i for i, s in enumerate(spec_list)}
    table = _table(records, order, out, local is None)
    if write_summary:
        from mmm.batch.summary import write_summary as _write

        _write(table, out)
    return table


def _submit(todo: list[dict], client, n_workers, on_result) -> list[dict]:
    from distributed import Client, LocalCluster, as_completed

    own = None
    if client is None:
        n = n_workers or default_workers(t["chains"] for t in todo)
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        own = (Client(cluster), cluster)
        client = own[0]
    records = []
    try:
        futures = {}
        for t in todo:
            key = f"mmm-batch-{t['name']}-{t['fingerprint'][:12]}"
            fut = client.submit(run_task, t, key=key, pure=False, retries=0)
            futures[fut] = t
        for fut in as_completed(list(futures)):
            t = futures[fut]
            try:
                rec = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
                rec = _lost(t, exc)
            rec["skipped"] = False
            records.append(rec)
            if on_result:
                on_result(rec)
            fut.release()
    finally:
        if own is not None:
            own[0].close()
            own[1].close()
    return records


def _table(records: list[dict], order: dict, out, remote: bool) -> pd.DataFrame:
    df = pd.DataFrame(records)
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = None
    df["folder"] = [
        (f"{str(out).rstrip('/')}/{r}" if remote else str(Path(out) / r)) for r in df["run"]
    ]
    df["error"] = df["error"].fillna("")
    df["skipped"] = df["skipped"].fillna(False).astype(bool)
    extra = sorted(c for c in df.columns if c not in COLUMNS)
    df = df[list(COLUMNS) + extra]
    df = df.iloc[sorted(range(len(df)), key=lambda i: order.get(df["run"].iat[i], 1 << 30))]
    return df.reset_index(drop=True)
