"""nutpie's compile back ends: settings, cache keys, and JAX's on-disk cache across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mmm.errors import SpecError
from mmm.inference.backends import BACKENDS, cache_dir, compiled_key
from mmm.spec import NUTPIE_BACKENDS, SamplerConfig

ROOT = Path(__file__).resolve().parents[1]


def test_backend_setting_is_checked_and_recorded():
    assert BACKENDS == NUTPIE_BACKENDS
    assert SamplerConfig().backend == "numba"
    assert SamplerConfig(backend="jax").to_dict()["backend"] == "jax"
    with pytest.raises(SpecError, match="backend='cuda' is not allowed; choose one of numba, jax"):
        SamplerConfig(backend="cuda")
    with pytest.raises(SpecError, match="sampler='nutpie' only"):
        SamplerConfig(sampler="pymc", backend="jax")


def test_cache_folder_follows_mmm_cache_dir_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir("jax") == tmp_path / "c" / "jax"
    monkeypatch.delenv("MMM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir("jax") == tmp_path / "x" / "mmm" / "jax"


def test_compiled_key_separates_backends_and_jax_data():
    """numba swaps data into one compiled model, so its key ignores data values; the JAX
    model has the data compiled in, so a different value must give a different key."""
    a = {"y": np.arange(3.0), "x": np.ones(2)}
    b = {"y": np.arange(3.0), "x": np.array([1.0, 2.0])}
    assert compiled_key("numba", "s", a) == compiled_key("numba", "s", b)
    assert compiled_key("jax", "s", a) != compiled_key("jax", "s", b)
    assert compiled_key("jax", "s", a) == compiled_key("jax", "s", {k: a[k] for k in ("y", "x")})
    assert compiled_key("jax", "s", a) != compiled_key("numba", "s", a)
    assert compiled_key("jax", "s", a) != compiled_key("jax", "t", a)


CHILD = r"""
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from mmm.data import from_wide
from mmm.inference import fit
from mmm.inference.backends import jax_cache_events
from mmm.spec import ModelSpec, OutcomeSpec, SamplerConfig

ds = from_wide(sys.argv[1], date="date_week", spend={"x1": "x1", "x2": "x2"}, outcomes=["y"],
               controls=["event_1", "event_2"],
               channels={"x1": "awareness", "x2": "conversion"}, name="peer")
spec = ModelSpec(outcomes=(OutcomeSpec("y", "revenue"),), media={"saturation": "logistic"},
                 baseline={"yearly_order": 1, "trend": "linear",
                           "controls": ("event_1", "event_2")})
cfg = SamplerConfig(draws=30, tune=30, chains=2, seed=3, backend="jax")
res = fit(spec, ds, sampler=cfg, warn=False)
free = res.idata.posterior.attrs["free_variables"].split(",")
np.savez(sys.argv[2], **{v: res.idata.posterior[v].values for v in free})
print(json.dumps({"compile_s": res.provenance["timings"]["compile_s"],
                  "backend": res.sampler.backend, **jax_cache_events()}))
"""


def test_jax_backend_second_process_reads_the_cache_and_draws_the_same(tmp_path):
    """Two fresh processes fit the same model with backend="jax" and one cache folder:
    the first compiles (every compilation a cache miss, written to disk), the second
    compiles nothing (only cache hits, as many as the first wrote: JAX's own counters,
    not the wall clock) and draws bit-identical samples with the same seed."""
    pytest.importorskip("jax")
    data = ROOT / "tests" / "data" / "peers" / "pymc_marketing_mmm_example.csv"
    env = dict(os.environ, MMM_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    runs = []
    for i in range(2):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(data), str(tmp_path / f"draws{i}.npz")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert first["backend"] == second["backend"] == "jax"
    assert first["hits"] == 0 and first["misses"] >= 2  # log density + gradient, expansion
    assert second["misses"] == 0 and second["hits"] == first["misses"]
    assert any((tmp_path / "cache" / "jax").iterdir())
    a, b = np.load(tmp_path / "draws0.npz"), np.load(tmp_path / "draws1.npz")
    assert sorted(a.files) == sorted(b.files) and len(a.files) > 3
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k])


def test_config_file_sampler_backend(tmp_path):
    from mmm.config import load_config
    from mmm.errors import ConfigError

    head = '[data]\nmedia = "m.csv"\noutcomes = "o.csv"\nchannels = "c.csv"\n\n[sampler]\n'
    p = tmp_path / "config.toml"
    p.write_text(head + 'backend = "jax"\n')
    cfg = load_config(p)
    assert cfg.sampler.backend == "jax" and cfg.sampler.sampler == "nutpie"
    assert cfg.resolved()["sampler"]["backend"] == "jax"  # recorded with the run
    p.write_text(head + 'backend = "cuda"\n')
    with pytest.raises(ConfigError, match=r"\[sampler\] backend='cuda' is not allowed"):
        load_config(p)
