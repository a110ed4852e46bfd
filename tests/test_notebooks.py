"""Execute every notebook in ``notebooks/`` and fail on any error.

Notebooks are stored as jupytext percent-format ``.py`` files (no outputs). Each one is
converted to a notebook in memory and executed with nbclient on a kernel that runs the
interpreter of this test session, so the notebook imports the same ``mmm``.

Settings passed to the notebooks through the environment:

* ``MMM_NOTEBOOK_DRAWS``: posterior draws and tuning steps per chain (kept small here;
  the value already set in the environment wins);
* ``MMM_NOTEBOOK_RUN``: the shared run folder. ``01_quick_start`` fits the demo once and
  writes it; every notebook that reads ``MMM_NOTEBOOK_RUN`` loads that fit instead of
  refitting, so the model is compiled once for all of them.

Any ``*.py`` file added to ``notebooks/`` is picked up automatically.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.py") if not p.name.startswith("_"))
PRODUCER = "01_quick_start.py"
RUN_SETTING = "MMM_NOTEBOOK_RUN"
CELL_TIMEOUT_S = 900
DEFAULT_TEST_DRAWS = "150"

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def _kernel_dir(base: Path) -> str:
    """A kernelspec that starts this interpreter (not whatever ``python`` is on PATH)."""
    spec_dir = base / "kernels" / "mmm-notebooks"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "mmm notebooks (test interpreter)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return str(base)


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory):
    """Environment of the kernels: kernelspec, draws, shared run folder, import path."""
    base = tmp_path_factory.mktemp("notebooks")
    env = {
        "JUPYTER_PATH": os.pathsep.join(
            [_kernel_dir(base / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
        ).rstrip(os.pathsep),
        "MMM_NOTEBOOK_DRAWS": os.environ.get("MMM_NOTEBOOK_DRAWS", DEFAULT_TEST_DRAWS),
        RUN_SETTING: str(base / "shared-run"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
        "MPLBACKEND": "Agg",
    }
    return base, env


def execute(path: Path, workdir: Path, env: dict) -> float:
    """Run one notebook in ``workdir``; return its wall time in seconds."""
    nb = jupytext.read(path)
    workdir.mkdir(parents=True, exist_ok=True)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits the environment of this process
    try:
        client = nbclient.NotebookClient(
            nb,
            timeout=CELL_TIMEOUT_S,
            kernel_name="mmm-notebooks",  # the kernelspec written by _kernel_dir
            resources={"metadata": {"path": str(workdir)}},
        )
        t0 = time.perf_counter()
        client.execute()  # raises CellExecutionError on the first failing cell
        seconds = time.perf_counter() - t0
        _print_slow_cells(path.name, nb)
        return seconds
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _print_slow_cells(name: str, nb, *, at_least_s: float = 5.0) -> None:
    """Print the cells that took at least ``at_least_s`` seconds (shown with ``-s``)."""
    from datetime import datetime

    for i, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            took = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            if took >= at_least_s:
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                print(f"{name} cell {i}: {took:.1f} s  ({first[:60]})")


@pytest.fixture(scope="module")
def shared_run(notebook_env):
    """Execute the quick start once; it writes the run folder later notebooks load."""
    base, env = notebook_env
    seconds = execute(NOTEBOOK_DIR / PRODUCER, base / "work" / PRODUCER, env)
    run = Path(env[RUN_SETTING])
    print(f"\n{PRODUCER}: {seconds:.1f} s")
    return run


def test_notebooks_are_found():
    names = [p.name for p in NOTEBOOKS]
    assert PRODUCER in names
    for p in NOTEBOOKS:  # every notebook is a percent-format jupytext file with code
        nb = jupytext.read(p)
        assert any(c.cell_type == "code" for c in nb.cells), p.name
        assert any(c.cell_type == "markdown" for c in nb.cells), p.name


def test_quick_start_writes_the_shared_run(shared_run):
    for name in ("fit.nc", "fit.json", "manifest.json", "summary.json"):
        assert (shared_run / name).is_file(), name
    # the one draws setting reached the fit: the stored config and posterior agree with it
    draws = int(os.environ.get("MMM_NOTEBOOK_DRAWS", DEFAULT_TEST_DRAWS))
    config = tomllib.loads((shared_run / "config.toml").read_text())
    assert config["sampler"]["draws"] == draws
    from mmm.inference.fit import FitResult

    assert FitResult.load(shared_run).posterior.sizes["draw"] == draws


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name != PRODUCER], ids=lambda p: p.stem)
def test_notebook_executes(path, notebook_env, request):
    base, env = notebook_env
    if RUN_SETTING in path.read_text():
        request.getfixturevalue("shared_run")  # the shared fit must exist first
    seconds = execute(path, base / "work" / path.stem, env)
    print(f"\n{path.name}: {seconds:.1f} s")
