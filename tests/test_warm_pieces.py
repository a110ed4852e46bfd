"""The log density's operations compiled from the graph's end: slices that cover the graph
in order, each compiled with the types the whole graph gives its operations, so that the
whole graph's compile finds them in PyTensor's cache."""

from __future__ import annotations

import numpy as np
from fresh_process import last_json

from mmm.inference import warm_pieces


def _fgraph():
    import pytensor.tensor as pt
    from pytensor.graph.fg import FunctionGraph

    x = pt.matrix("x")
    y = pt.vector("y")
    a = pt.exp(x) + y[None, :]  # node: dimshuffle of y, then an elementwise
    b = a.T * 2.0  # a view, then an elementwise
    out = b.sum() + pt.log(y).sum()
    return FunctionGraph([x, y], [out, a], clone=False)


def test_slices_cover_the_graph_in_order():
    fg = _fgraph()
    nodes = list(fg.toposort())
    for n in (1, 2, 3, len(nodes), len(nodes) + 5):
        slices = warm_pieces.graph_slices(fg, n)
        assert [node for s in slices for node in s] == nodes
        assert len(slices) == min(n, len(nodes))
        sizes = [len(s) for s in slices]
        assert max(sizes) - min(sizes) <= 1


def test_a_slice_reads_from_before_it_and_gives_what_is_read_after_it():
    fg = _fgraph()
    nodes = list(fg.toposort())
    cut = len(nodes) // 2
    found = warm_pieces._slice_graph(fg, nodes[cut:])
    assert found is not None
    sub, inputs = found
    made_before = {out for node in nodes[:cut] for out in node.outputs}
    # inputs: graph inputs or variables made before the cut, never constants
    assert all(v in made_before or v in fg.inputs for v in inputs)
    assert len(sub.inputs) == len(inputs)
    # every variable read after the cut from before it is an input
    read = {v for node in nodes[cut:] for v in node.inputs if v.owner in nodes[:cut]}
    assert read <= set(inputs)
    # the first half's outputs: what the second half reads from it, and the graph's
    # outputs it makes (``a``)
    first, _ = warm_pieces._slice_graph(fg, nodes[:cut])
    expected = read | {out for out in fg.outputs if out.owner in nodes[:cut]}
    assert len(first.outputs) == len(expected) >= 2
    assert warm_pieces._slice_graph(fg, []) is None


def test_views_are_typed_as_any_layout():
    import pytensor.tensor as pt

    x = pt.matrix("x")
    assert warm_pieces._layout(x) == "C"
    assert warm_pieces._layout(x.T) == "A"
    assert warm_pieces._layout(x[1:]) == "A"
    assert warm_pieces._layout(pt.exp(x)) == "C"


def test_the_work_stops_when_asked(monkeypatch):
    done = []
    monkeypatch.setattr(warm_pieces, "_compile_slice", lambda fg, nodes: done.append(nodes))
    fg = _fgraph()
    warm_pieces.compile_from_end(fg, n_slices=3, keep=1)(lambda: True)
    assert done == []
    warm_pieces.compile_from_end(fg, n_slices=3, keep=1)(lambda: False)
    slices = warm_pieces.graph_slices(fg, 3)
    assert done == [slices[2], slices[1]]  # from the end, the first slice left alone


CHILD = r"""
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
import pymc as pm
from numba.core import event
from mmm.inference.backends import numba_flags
from mmm.inference import numba_cache as nc
from mmm.inference.warm_pieces import compile_from_end

with pm.Model() as m:
    x = pm.Data("x", np.linspace(0.0, 1.0, 20))
    a = pm.Normal("a", 0.0, 1.0, shape=3)
    s = pm.HalfNormal("s", 1.0)
    mu = pm.math.exp(a[0]) * x + a[1] * x**2 + pm.math.sigmoid(a[2] * x)
    pm.StudentT("y", nu=4.0, mu=mu, sigma=s, observed=np.sin(np.arange(20.0)))
with numba_flags():
    n_dim, n_exp, logp_pt, expand_pt, info = nc.pytensor_functions(m)
    if sys.argv[1] == "warm":
        compile_from_end(logp_pt.maker.fgraph, n_slices=4, keep=0)(lambda: False)
    rec = event.RecordingListener()
    event.register("numba:compile", rec)
    logp, grad = logp_pt(np.array([0.1, -0.2, 0.3, 0.0]))
ops = [e for _, e in rec.buffer if e.is_start
       and e.data["dispatcher"].py_func.__name__ in ("elemwise", "numba_composite")]
print(json.dumps({"compiled": len(ops), "logp": float(logp), "grad": np.asarray(grad).tolist()}))
"""


def _run(tmp_path, mode: str) -> dict:
    return last_json(
        CHILD,
        mode,
        MMM_CACHE_DIR=str(tmp_path / f"mmm-{mode}"),
        PYTENSOR_FLAGS=f"base_compiledir={tmp_path / f'pytensor-{mode}'}",
    )


def test_the_whole_graph_finds_the_slices_operations_compiled(tmp_path):
    """With empty caches, the whole graph's compile compiles its elementwise operations
    itself; after the slices were compiled (all of them here) it finds nearly all of them
    in PyTensor's cache, and computes the same log density and gradient."""
    cold = _run(tmp_path, "cold")
    warm = _run(tmp_path, "warm")
    assert cold["compiled"] >= 4
    assert warm["compiled"] <= cold["compiled"] // 4
    assert warm["logp"] == cold["logp"]
    np.testing.assert_array_equal(warm["grad"], cold["grad"])
    assert np.isfinite(cold["logp"])
