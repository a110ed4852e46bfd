"""One batch task, as run on a Dask worker: (backtest cut), fit, write the run folder.

The fit itself is :func:`mmm.pipeline.fit_run`, the body of ``mmm fit``. A task never
raises: a failure comes back as a record with ``status="failed"`` and the error, so one
broken run does not stop the others. The marker file ``batch_run.json`` is written last,
only after a successful fit; a folder without it (a fit that failed or a worker that
died mid-write) is refitted on the next run of the batch.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from mmm.run_folder import BATCH_MARKER as MARKER
from mmm.run_folder import RUN_FILES, RunFolder
from mmm.run_summary import RunSummary

#: Tables with a date column that a backtest origin cuts.
TIME_TABLES = ("media", "outcomes", "controls")


def storage(url):
    """``(fs, root, local)`` for an output folder or fsspec URL; ``local`` is a Path or None."""
    s = str(url)
    if "://" not in s or s.startswith("file://"):
        return None, None, Path(s.removeprefix("file://")).absolute()
    import fsspec

    fs, root = fsspec.core.url_to_fs(s)
    return fs, root.rstrip("/"), None


def read_marker(out, name: str) -> dict | None:
    """The marker of run ``name`` under the batch output ``out``, if the folder is complete."""
    fs, root, local = storage(out)
    if local is not None:
        d = local / name
        if not (d / MARKER).is_file() or not all((d / f).is_file() for f in RUN_FILES):
            return None
        text = (d / MARKER).read_text()
    else:
        d = f"{root}/{name}"
        if not fs.exists(f"{d}/{MARKER}") or not all(fs.exists(f"{d}/{f}") for f in RUN_FILES):
            return None
        text = fs.cat_file(f"{d}/{MARKER}").decode()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def cut_inputs(data: dict, origin: str, dest: Path) -> dict:
    """Copies of the time-indexed tables keeping rows dated on or before ``origin``.

    Parameters
    ----------
    data : dict
        Data paths by role (``media``, ``outcomes``, ``channels``, ...).
    origin : str
        ISO date; rows with ``date <= origin`` are kept, byte for byte (CSV is read and
        written as text, Parquet keeps its types).
    dest : pathlib.Path
        Folder for the cut tables (created).

    Returns
    -------
    dict
        ``data`` with the cut tables' paths; other tables (channels, geos) unchanged.
    """
    import pandas as pd

    from mmm.errors import DataError

    dest.mkdir(parents=True, exist_ok=True)
    out = dict(data)
    cutoff = pd.Timestamp(origin)
    for role in TIME_TABLES:
        if role not in data:
            continue
        src = Path(data[role])
        parquet = src.suffix.lower() in (".parquet", ".pq")
        frame = (
            pd.read_parquet(src) if parquet else pd.read_csv(src, dtype=str, keep_default_na=False)
        )
        if "date" not in frame.columns:
            raise DataError(
                f"{src}: no 'date' column, so backtest origin {origin} cannot cut it; "
                "name the date column 'date'.",
                source=str(src),
            )
        dates = pd.to_datetime(frame["date"], errors="coerce")
        if dates.isna().any():
            rows = [int(i) + 2 for i in frame.index[dates.isna()][:5]]
            raise DataError(
                f"{src}: column 'date' has values that are not dates (rows {rows}); fix them "
                "before cutting at a backtest origin.",
                source=str(src),
            )
        keep = frame[(dates <= cutoff).to_numpy()]
        if keep.empty:
            raise DataError(
                f"{src}: no rows dated on or before the backtest origin {origin} (first date "
                f"{dates.min().date()}); choose a later origin.",
                source=str(src),
            )
        target = dest / src.name
        if parquet:
            keep.to_parquet(target, index=False)
        else:
            keep.to_csv(target, index=False)
        out[role] = str(target)
    return out


def _headline(summary: RunSummary) -> dict:
    """Spend-weighted mean return of all media per outcome (currency or units per euro)."""
    acc: dict[str, list[float]] = {}
    for r in summary.roas:
        if r.path != "total" or r.mean is None or not r.spend:
            continue
        a = acc.setdefault(r.outcome, [0.0, 0.0])
        a[0] += r.mean * r.spend
        a[1] += r.spend
    return {f"media_return:{o}": (v[0] / v[1] if v[1] else None) for o, v in acc.items()}


def _fit_recording_warnings(task: dict, run_dir: Path):
    """Fit the task's run into ``run_dir`` (its inputs cut at the task's origin, if any):
    the fit and the warnings raised (deprecations and BLAS notes left out)."""
    from mmm.config import parse_config
    from mmm.pipeline import fit_run

    raw = dict(task["config"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*BLAS.*")
        if task.get("origin"):
            raw["data"] = cut_inputs(
                raw.get("data", {}), task["origin"], RunFolder(run_dir).origin_inputs_dir
            )
        cfg = parse_config(raw, source=f"run {task['name']}")
        result, _ = fit_run(cfg, run_dir)
    return result, caught


def run_task(task: dict) -> dict:
    """Fit one run of a batch and write its folder; never raises.

    Parameters
    ----------
    task : dict
        ``name``, ``config`` (raw config dict with absolute data paths), ``origin``
        (ISO date or None), ``out`` (batch output folder or URL), ``fingerprint``.

    Returns
    -------
    dict
        The run's record: ``run``, ``status`` (``ok``, ``unhealthy`` or ``failed``),
        ``error``, timings (seconds), diagnostics, health problems, warnings, headline
        results (``media_return:<outcome>``).
    """
    t0 = time.perf_counter()
    name = task["name"]
    rec = {
        "run": name,
        "status": "failed",
        "origin": task.get("origin"),
        "fingerprint": task["fingerprint"],
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "error": "",
    }
    fs, root, local = storage(task["out"])
    tmp = None
    try:
        if local is not None:
            run_dir = local / name
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / MARKER).unlink(missing_ok=True)
        else:
            if fs.exists(f"{root}/{name}/{MARKER}"):
                fs.rm(f"{root}/{name}/{MARKER}")
            tmp = Path(tempfile.mkdtemp(prefix=f"mmm-batch-{name}-"))
            run_dir = tmp / name
        result, caught = _fit_recording_warnings(task, run_dir)
        summary = RunFolder(run_dir).read_summary(required=True)
        problems = result.diagnostics.problems()
        timings = result.provenance.get("timings", {})
        diag = result.diagnostics.to_dict()
        rec.update(
            status="unhealthy" if problems else "ok",
            divergences=diag.get("divergences"),
            max_rhat=diag.get("max_rhat"),
            min_ess_bulk=diag.get("min_ess_bulk"),
            problems="; ".join(problems),
            warnings="; ".join(sorted({str(w.message).split("\n")[0] for w in caught})),
            compile_s=timings.get("compile_s"),
            compiled_from=result.provenance.get("compiled_from"),
            sample_s=timings.get("sample_s"),
            fit_s=timings.get("total_s"),
            **_headline(summary),
        )
        rec["wall_s"] = round(time.perf_counter() - t0, 3)
        marker = json.dumps(
            {"fingerprint": task["fingerprint"], "record": rec}, indent=2, sort_keys=True
        )
        if local is not None:
            (run_dir / MARKER).write_text(marker)
        else:
            _upload(fs, run_dir, f"{root}/{name}")
            fs.pipe_file(f"{root}/{name}/{MARKER}", marker.encode())
    except Exception as exc:  # noqa: BLE001 - reported in the batch summary, others go on
        from mmm.errors import MMMError

        msg = str(exc) if isinstance(exc, MMMError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, MMMError | FileNotFoundError):
            msg += "\n" + "".join(traceback.format_exception(exc)[-3:])
        rec.update(status="failed", error=msg.strip())
        rec["wall_s"] = round(time.perf_counter() - t0, 3)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return rec


def _upload(fs, local_dir: Path, remote: str) -> None:
    for dirpath, _, files in os.walk(local_dir):
        rel = Path(dirpath).relative_to(local_dir).as_posix()
        target = remote if rel == "." else f"{remote}/{rel}"
        fs.makedirs(target, exist_ok=True)
        for f in files:
            fs.put_file(str(Path(dirpath) / f), f"{target}/{f}")
