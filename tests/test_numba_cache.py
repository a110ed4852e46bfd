"""The numba back end's compiled model on disk: an exact key, data swapped in, and a
second process that reads the model instead of compiling it."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
from fresh_process import ROOT, last_json, last_line
from model_helpers import tiny_model as _tiny_model

from mmm.inference import compile_beside
from mmm.inference.graph_key import Uncacheable, graph_key, op_signature
from mmm.inference.numba_cache import model_key


def _graph(*, const=2.0, axis=0, y_value=None):
    import pytensor
    import pytensor.tensor as pt

    x = pt.matrix("x")
    y = pytensor.shared(np.ones((3, 2)) if y_value is None else y_value, name="y")
    out = (pt.exp(x * const) + y).sum(axis=axis)
    return [out], [x]


def test_graph_key_is_exact():
    """Same construction, same key; any change of operation, parameter, constant, data
    shape or input order, another key; a data variable's values are not part of it."""
    base = graph_key(*_graph())
    assert graph_key(*_graph()) == base
    assert graph_key(*_graph(const=2.5)) != base
    assert graph_key(*_graph(axis=1)) != base
    assert graph_key(*_graph(y_value=np.full((3, 2), 7.0))) == base  # data, not structure
    assert graph_key(*_graph(y_value=np.ones((4, 2)))) != base  # another shape
    import pytensor.tensor as pt

    a, b = pt.vector("a"), pt.vector("b")
    assert graph_key([a - b], [a, b]) != graph_key([a - b], [b, a])
    assert graph_key([a - b], [a, b]) != graph_key([a + b], [a, b])


def test_operation_without_declared_parameters_is_not_cached():
    from pytensor.graph.basic import Apply
    from pytensor.graph.op import Op

    class Opaque(Op):
        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, outputs):  # pragma: no cover - never run
            outputs[0][0] = inputs[0]

    with pytest.raises(Uncacheable, match="declares no parameters"):
        op_signature(Opaque())
    import pytensor.tensor as pt

    x = pt.vector("x")
    with pytest.raises(Uncacheable):
        graph_key([Opaque()(x)], [x])
    # scalar operations compare by class and output-type rule: told apart
    assert op_signature(pt.exp(x).owner.op) != op_signature(pt.log(x).owner.op)


def _callback_call(compiled, point: np.ndarray) -> tuple[int, float]:
    """The log-density callback's return code and log density at ``point``."""
    p = ctypes.POINTER(ctypes.c_double)
    grad, logp = np.zeros(compiled.n_dim), np.zeros(())
    rc = compiled.compiled_logp_func.ctypes(
        compiled.n_dim,
        point.ctypes.data_as(p),
        grad.ctypes.data_as(p),
        logp.ctypes.data_as(p),
        compiled.user_data.ctypes.data,
    )
    return rc, float(logp)


def _callback_logp(compiled, point: np.ndarray) -> float:
    rc, logp = _callback_call(compiled, point)
    assert rc == 0
    return logp


def test_an_error_in_the_graph_is_a_failure_code_not_a_number(tmp_path, monkeypatch):
    """An error the graph raises (here an assertion on the parameter) reaches the sampler
    as a failure code (1), neither as a number nor as a crash (numba crashes when the
    graph's function is inlined into the callback's ``try``, so it is called instead)."""
    import pymc as pm
    import pytensor.tensor as pt
    from pytensor.raise_op import Assert

    from mmm.inference.backends import numba_flags
    from mmm.inference.numba_cache import compile_cached

    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path))
    with pm.Model() as m:
        a = pm.Normal("a", 0.0, 1.0)
        pm.Potential("checked", Assert("a must be below 1")(-0.5 * a, pt.lt(a, 1.0)))
    with numba_flags():
        c = compile_cached(m)
    rc, logp = _callback_call(c, np.array([0.5]))
    assert rc == 0
    expect = float(m.compile_logp()({"a": 0.5}))
    assert logp == pytest.approx(expect, rel=1e-12)
    assert _callback_call(c, np.array([2.0]))[0] == 1


def test_compiled_model_swaps_data_in(tmp_path, monkeypatch):
    """The cached callbacks evaluate the log density of whatever data are swapped in,
    exactly as PyTensor's own function of the model with those data."""
    import pymc as pm

    from mmm.inference.backends import numba_flags
    from mmm.inference.numba_cache import cache_events, compile_cached

    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    y1, y2 = rng.normal(size=12), rng.normal(2.0, 1.5, size=12)
    m1 = _tiny_model(y1)
    assert model_key(m1) == model_key(_tiny_model(y2))  # same structure, other data
    before = cache_events()
    with numba_flags():
        c1 = compile_cached(m1)
    after = cache_events()
    assert after["misses"] - before["misses"] == 2 and after["hits"] == before["hits"]
    assert any((tmp_path / "numba").iterdir())
    c2 = c1.with_data(y_obs=y2)
    # the compiled code is specialised to the data's shapes: another shape is refused
    with pytest.raises(ValueError, match=r"y_obs must have shape \(12,\), not \(13,\)"):
        c1.with_data(y_obs=np.zeros(13))
    point = np.array([0.3, -0.2])  # a, log(s): the sampler's unconstrained scale
    ref = m1.compile_logp(jacobian=True)
    expect1 = float(ref({"a": 0.3, "s_log__": -0.2}))
    with m1:
        pm.set_data({"y_obs": y2})
    expect2 = float(ref({"a": 0.3, "s_log__": -0.2}))
    assert expect1 != expect2
    assert _callback_logp(c1, point) == pytest.approx(expect1, rel=1e-12)
    assert _callback_logp(c2, point) == pytest.approx(expect2, rel=1e-12)
    # a second compile of the same structure in this process reads the callbacks from
    # disk, with their layout: PyTensor's functions of the graph are not built at all
    assert len(list((tmp_path / "numba").glob("mmm-model-*.json"))) == 1
    with numba_flags():
        c3 = compile_cached(_tiny_model(y2))
    assert cache_events()["hits"] - after["hits"] == 2
    assert c3.logp_func is None and c3.expand_func is None
    assert c3.shape_info[0] == c1.shape_info[0] and c3.n_expanded == c1.n_expanded
    assert _callback_logp(c3, point) == pytest.approx(expect2, rel=1e-12)


def test_a_layout_without_its_callbacks_or_a_damaged_one_is_not_trusted(tmp_path, monkeypatch):
    """The layout beside the callbacks is only a shortcut: with numba's files gone the
    model is compiled again (two misses); with the layout damaged the callbacks are read
    through PyTensor's graph (two hits) and the layout written again. Both are right."""
    from mmm.inference.backends import numba_flags
    from mmm.inference.numba_cache import cache_events, compile_cached

    monkeypatch.setenv("MMM_CACHE_DIR", str(tmp_path))
    y = np.random.default_rng(1).normal(size=12)
    m = _tiny_model(y)
    expect = float(m.compile_logp(jacobian=True)({"a": 0.3, "s_log__": -0.2}))
    point = np.array([0.3, -0.2])
    with numba_flags():
        compile_cached(m)
    folder = tmp_path / "numba"
    (layout,) = folder.glob("mmm-model-*.json")
    for f in folder.iterdir():
        if f != layout:
            f.unlink()
    before = cache_events()
    with numba_flags():
        c = compile_cached(_tiny_model(y))
    assert cache_events()["misses"] - before["misses"] == 2
    assert _callback_logp(c, point) == pytest.approx(expect, rel=1e-12)
    layout.write_text('{"n_dim": 2}')  # damaged: read as absent
    before = cache_events()
    with numba_flags():
        c = compile_cached(_tiny_model(y))
    assert cache_events()["hits"] - before["hits"] == 2
    assert cache_events()["misses"] == before["misses"]
    assert c.logp_func is not None  # through PyTensor's graph
    assert _callback_logp(c, point) == pytest.approx(expect, rel=1e-12)
    assert layout.read_text() != '{"n_dim": 2}'  # written again


CHILD = r"""
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from mmm.data import from_wide
from mmm.inference import fit
from mmm.inference.backends import compile_cache_events
from mmm.spec import ModelSpec, OutcomeSpec, SamplerConfig

ds = from_wide(sys.argv[1], date="date_week", spend={"x1": "x1", "x2": "x2"}, outcomes=["y"],
               controls=["event_1", "event_2"],
               channels={"x1": "awareness", "x2": "conversion"}, name="peer")
scale = float(sys.argv[3])
if scale != 1.0:
    import pandas as pd
    df = pd.read_csv(sys.argv[1])
    df["y"] = df["y"] * scale
    ds = from_wide(df, date="date_week", spend={"x1": "x1", "x2": "x2"}, outcomes=["y"],
                   controls=["event_1", "event_2"],
                   channels={"x1": "awareness", "x2": "conversion"}, name="peer")
spec = ModelSpec(outcomes=(OutcomeSpec("y", "revenue"),), media={"saturation": "logistic"},
                 baseline={"yearly_order": 1, "trend": "linear",
                           "controls": ("event_1", "event_2")})
cfg = SamplerConfig(draws=30, tune=30, chains=2, seed=3)
res = fit(spec, ds, sampler=cfg, warn=False)
free = res.idata.posterior.attrs["free_variables"].split(",")
np.savez(sys.argv[2], **{v: res.idata.posterior[v].values for v in free})
print(json.dumps({"backend": res.sampler.backend, "from": res.provenance["compiled_from"],
                  **compile_cache_events("numba")}))
"""


def test_second_process_reads_the_compiled_model_and_draws_the_same(tmp_path):
    """Fresh processes fit one model structure with the default back end and one cache
    folder: the first compiles its two callbacks (misses, by the compile stage's own
    counter), the second compiles nothing (two hits) and draws bit-identical samples
    with the same seed, and a third with other data of the same shape reads the same
    compiled model and draws other samples."""
    data = ROOT / "tests" / "data" / "peers" / "pymc_marketing_mmm_example.csv"
    runs = [
        last_json(
            CHILD,
            str(data),
            str(tmp_path / f"draws{i}.npz"),
            scale,
            MMM_CACHE_DIR=str(tmp_path / "cache"),
        )
        for i, scale in enumerate(("1.0", "1.0", "1.1"))
    ]
    first, second, other = runs
    # on two cores or more the expansion is compiled in a second process beside the log
    # density (mmm.inference.compile_beside), and still counts as compiled by this fit
    beside = int(compile_beside.enabled())
    assert first == {
        "backend": "numba",
        "from": "compiled",
        "hits": 0,
        "misses": 2,
        "beside": beside,
    }
    assert second == {"backend": "numba", "from": "disk", "hits": 2, "misses": 0, "beside": 0}
    assert other == {"backend": "numba", "from": "disk", "hits": 2, "misses": 0, "beside": 0}
    a, b, c = (np.load(tmp_path / f"draws{i}.npz") for i in range(3))
    assert sorted(a.files) == sorted(b.files) and len(a.files) > 3
    for k in a.files:
        np.testing.assert_array_equal(a[k], b[k])
    assert any(not np.array_equal(a[k], c[k]) for k in a.files)


def test_a_cache_folder_that_cannot_be_written_compiles_without_the_cache(tmp_path, monkeypatch):
    """With MMM_CACHE_DIR pointing at a file, the model compiles as nutpie does, with a
    warning that names the folder, and the callbacks still evaluate the model."""
    from mmm.inference.backends import compile_model
    from mmm.inference.numba_cache import cache_events

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("MMM_CACHE_DIR", str(blocker))
    rng = np.random.default_rng(1)
    m = _tiny_model(rng.normal(size=12))
    before = cache_events()
    with pytest.warns(
        UserWarning, match=r"cannot be kept on disk \(the cache folder .*not-a-folder"
    ):
        compiled = compile_model(m, "numba")
    assert cache_events() == before  # the disk cache was not used
    expect = float(m.compile_logp(jacobian=True)({"a": 0.3, "s_log__": -0.2}))
    assert _callback_logp(compiled, np.array([0.3, -0.2])) == pytest.approx(expect, rel=1e-12)


def _peer_fit(scale: float):
    import pandas as pd
    from peer_helpers import pymc_marketing_dataset

    from mmm.inference import fit
    from mmm.spec import BaselineSpec, MediaSpec, ModelSpec, OutcomeSpec, SamplerConfig

    df = pd.read_csv(ROOT / "tests" / "data" / "peers" / "pymc_marketing_mmm_example.csv")
    df["y"] = df["y"] * scale
    ds = pymc_marketing_dataset(df, name="peer")
    spec = ModelSpec(
        outcomes=(OutcomeSpec("y", "revenue"),),
        media=MediaSpec(saturation="logistic"),
        baseline=BaselineSpec(yearly_order=1, trend="linear", controls=("event_1", "event_2")),
    )
    res = fit(spec, ds, sampler=SamplerConfig(draws=30, tune=30, chains=2, seed=3), warn=False)
    free = res.idata.posterior.attrs["free_variables"].split(",")
    return {v: res.idata.posterior[v].values for v in free}


def test_a_fit_draws_the_same_whichever_fit_the_process_ran_before(monkeypatch):
    """A compiled model reused in the same process for other data of the same shape starts
    from the new data's points (the prior medians are model data): the fit draws exactly
    what it draws when its model is compiled (or read from disk) for it alone, so the
    draws do not depend on the process's history."""
    import importlib

    fit_module = importlib.import_module("mmm.inference.fit")

    monkeypatch.setattr(fit_module, "_COMPILED", {})
    _peer_fit(1.0)  # compiles (or reads) the model with the first data's starting points
    after_other = _peer_fit(1.1)  # reuses it with other data
    fit_module._COMPILED.clear()
    alone = _peer_fit(1.1)
    assert sorted(after_other) == sorted(alone)
    for k in alone:
        np.testing.assert_array_equal(after_other[k], alone[k])


def test_free_shapes_are_read_from_the_graph_without_compiling(demo_sim, monkeypatch):
    """The key's shapes of the free variables are the initial point's: read from the graph
    (the dims' lengths, the transforms) for the package's model, which compiles nothing;
    from the initial point for a variable whose graph does not tell them (a simplex)."""
    import pymc as pm

    from mmm.inference.numba_cache import _free_shapes
    from mmm.model.build import build_model
    from mmm.spec import default_spec_for

    ds = demo_sim.to_dataset()
    model = build_model(default_spec_for(ds, mediator="brand_search"), ds)
    point = model.initial_point()
    names = [model.rvs_to_values[rv].name for rv in model.free_RVs]
    expected = [(n, np.shape(point[n])) for n in names]
    assert any(len(s) == 2 for _, s in expected) and any(n.endswith("_log__") for n in names)

    def compiles(*args, **kwargs):
        raise AssertionError("the initial point was compiled")

    monkeypatch.setattr(model, "initial_point", compiles)
    assert _free_shapes(model) == expected
    with pm.Model(coords={"k": range(4)}) as m:
        pm.Dirichlet("w", np.ones(4), dims="k")
        pm.Dirichlet("v", np.ones(3))
        pm.HalfNormal("a", 1.0, dims="k")
    assert _free_shapes(m) == [("w_simplex__", (3,)), ("v_simplex__", (2,)), ("a_log__", (4,))]


KEY_CHILD = r"""
import warnings
warnings.simplefilter("ignore")
from mmm.data.simulate import simulate
from mmm.inference.numba_cache import model_key
from mmm.model import build_model
from mmm.spec import default_spec_for

ds = simulate(seed=0, geos=3, n_periods=60).to_dataset()
print(model_key(build_model(default_spec_for(ds), ds)))
"""


def test_a_geo_model_with_shop_effects_has_the_same_key_in_every_process():
    """The geo model holds a None constant (an absent size), whose bytes used to be hashed
    as an object address: its key changed from one process to the next, so its compiled
    model was never read back from disk. Two processes with different hash seeds now agree,
    and a constant of Python objects is refused rather than keyed by addresses."""
    from pytensor.tensor.type_other import NoneConst

    from mmm.inference.graph_key import _array_sig

    assert _array_sig(NoneConst.data) == "none"
    with pytest.raises(Uncacheable, match="Python objects"):
        _array_sig(np.array([object()], dtype=object))
    keys = [last_line(KEY_CHILD, PYTHONHASHSEED=hashseed) for hashseed in ("1", "2")]
    assert keys[0] == keys[1] and len(keys[0]) == 64


def test_chains_sample_with_one_blas_thread_each(monkeypatch):
    """nutpie runs the chains in threads; BLAS's own thread pool inside each would put more
    threads than cores to work (two chains of a 50-geo model sampled 2.3x slower with it),
    so sampling runs with one BLAS thread, and the setting is restored afterwards."""
    import importlib

    from threadpoolctl import threadpool_info

    fit_module = importlib.import_module("mmm.inference.fit")
    inner = fit_module._nutpie_sample
    seen = []

    def spy(*args, **kwargs):
        seen.append([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"])
        return inner(*args, **kwargs)

    monkeypatch.setattr(fit_module, "_nutpie_sample", spy)
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    _peer_fit(1.0)
    assert seen and seen[0] and all(n == 1 for n in seen[0])
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert after[: len(before)] == before
