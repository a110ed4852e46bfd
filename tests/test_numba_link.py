"""Code compiled for linking only (:mod:`mmm.inference._numba_link`): PyTensor's function
of the graph and its operations get no machine code of their own, the code that links them
computes exactly what it computes when compiled as numba does, and the operations kept in
numba's disk cache as code are read back by fresh processes, inside the block and by
numba's own loader outside it."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from fresh_process import ROOT, last_json

pytest.importorskip("numba")


def _pytensor_function():
    """A fresh PyTensor function of a small graph in numba mode."""
    import pytensor
    import pytensor.tensor as pt

    x = pt.dvector("x")
    out = [(pt.exp(x) * x).sum(), pt.log1p(x**2) - x]
    return pytensor.function([x], out, mode="NUMBA")


def _graph_function():
    """PyTensor's function of a fresh graph (its own dispatcher, not yet compiled), as
    the graph's function the callbacks call."""
    from mmm.inference.numba_callbacks import graph_function

    return graph_function(_pytensor_function())


def _expected(x):
    return float(np.sum(np.exp(x) * x)), np.log1p(x**2) - x


def _caller(inner):
    """A numba function Python can call, which calls ``inner`` (as our callbacks do)."""
    import numba

    @numba.njit
    def caller(x):
        total, vec = inner(x)
        return total, vec

    return caller


def _compile(linked: bool):
    import numba

    from mmm.inference._numba_link import linked_only

    inner = _graph_function()
    caller = _caller(inner)
    sig = (numba.types.float64[::1],)
    if linked:
        with linked_only(inner.py_func):
            caller.compile(sig)
    else:
        caller.compile(sig)
    (cres,) = inner.overloads.values()
    return (
        caller,
        _emitted(cres.library),
        [c.library for op in _ops(inner) for c in op.overloads.values()],
    )


def _ops(inner) -> list:
    """The numba functions of the graph's operations, which ``inner`` calls."""
    from numba.core.dispatcher import Dispatcher

    return [f for f in inner.py_func.__globals__.values() if isinstance(f, Dispatcher)]


def _emitted(library) -> bool:
    """Whether LLVM emitted machine code for ``library``'s own module (numba's object
    cache hook marks it; a library without that hook has no ``_compiled``)."""
    return bool(getattr(library, "_compiled", False))


def test_linked_code_has_no_machine_code_of_its_own_and_computes_the_same():
    x = np.array([0.3, -1.2, 2.5])
    linked, linked_emitted, pieces = _compile(linked=True)
    plain, plain_emitted, _ = _compile(linked=False)
    assert plain_emitted  # numba emitted the graph's function on its own
    assert not linked_emitted  # here only the caller's code holds it
    assert pieces and not any(_emitted(p) for p in pieces)  # nor the operations'
    total, vec = linked(x)
    expect_total, expect_vec = _expected(x)
    assert total == pytest.approx(expect_total, rel=1e-12)
    np.testing.assert_allclose(vec, expect_vec, rtol=1e-12)
    plain_total, plain_vec = plain(x)
    assert total == plain_total  # bit for bit
    np.testing.assert_array_equal(vec, plain_vec)


def test_numba_is_restored_after_the_block_also_after_an_error():
    import numba.core.codegen as codegen
    import numba.core.typed_passes as typed_passes

    from mmm.inference._numba_link import linked_only

    def parts():
        return (
            inspect.getattr_static(typed_passes.NativeLowering, "run_pass"),
            inspect.getattr_static(codegen.CPUCodeLibrary, "finalize"),
            inspect.getattr_static(codegen.CPUCodeLibrary, "serialize_using_object_code"),
            inspect.getattr_static(codegen.CPUCodeLibrary, "_unserialize"),
            inspect.getattr_static(codegen.JITCPUCodegen, "set_env"),
        )

    before = parts()
    with linked_only(_graph_function().py_func):
        assert all(a is not b for a, b in zip(parts(), before, strict=True))
    assert parts() == before
    with pytest.raises(RuntimeError), linked_only(_graph_function().py_func):
        raise RuntimeError("a failed compile")
    assert parts() == before


def test_without_numba_internals_it_compiles_as_numba_does(monkeypatch):
    """Where a numba version lacks a part used (here the bitcode form of a library), the
    block changes nothing: the graph's function and its operations keep their machine
    code."""
    import numba
    import numba.core.codegen as codegen

    from mmm.inference._numba_link import linked_only

    real = inspect.getattr_static(codegen.CPUCodeLibrary, "finalize")
    monkeypatch.delattr(codegen.CPUCodeLibrary, "serialize_using_bitcode")
    inner = _graph_function()
    caller = _caller(inner)
    with linked_only(inner.py_func):
        assert inspect.getattr_static(codegen.CPUCodeLibrary, "finalize") is real
        caller.compile((numba.types.float64[::1],))
    (cres,) = inner.overloads.values()
    assert _emitted(cres.library)
    total, vec = caller(np.array([0.5]))
    assert total == pytest.approx(float(np.exp(0.5) * 0.5), rel=1e-12)


def test_a_graph_function_python_may_call_keeps_its_machine_code():
    """Named as the graph's function but compiled with a Python entry point: the block
    leaves it to numba, so it is emitted and Python can call it."""
    import numba

    from mmm.inference._numba_link import linked_only

    @numba.njit
    def double(x):
        return 2.0 * x

    with linked_only(double.py_func):
        double.compile((numba.types.float64,))
    (cres,) = double.overloads.values()
    assert _emitted(cres.library)
    assert double(2.5) == 5.0


CHILD = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from test_numba_link import _caller, _emitted, _ops, _pytensor_function
from mmm.inference._numba_link import linked_only
from mmm.inference.numba_callbacks import graph_function

fn = _pytensor_function()
inner = graph_function(fn)
x = np.array([0.3, -1.2, 2.5])
if sys.argv[2] == "block":
    import numba
    caller = _caller(inner)
    with linked_only(inner.py_func):
        caller.compile((numba.types.float64[::1],))
    total, vec = caller(x)
else:  # PyTensor's own function, as numba loads and runs it
    total, vec = fn(x)
ops = _ops(inner)
libraries = [c.library for op in ops for c in op.overloads.values()]
hits = sum(sum(f.stats.cache_hits.values()) for f in ops)
misses = sum(sum(f.stats.cache_misses.values()) for f in ops)
print(json.dumps({"out": [float(total).hex()] + [float(v).hex() for v in vec],
                  "hits": hits, "misses": misses, "ops": len(ops),
                  "emitted": sum(_emitted(lib) for lib in libraries)}))
"""


def test_operations_kept_as_code_are_read_back_from_the_disk_cache(tmp_path):
    """Fresh processes with one PyTensor compile folder: the first compiles the
    operations in the block (kept in numba's cache as code); the second reads them in the
    block, and the third through numba's own loader (PyTensor's function, no block); all
    three compute the same numbers."""
    runs = [
        last_json(CHILD, str(ROOT / "tests"), where, PYTENSOR_FLAGS=f"base_compiledir={tmp_path}")
        for where in ("block", "block", "pytensor")
    ]
    first, second, plain = runs
    assert first["ops"] > 0 and first["misses"] == first["ops"] and first["hits"] == 0
    assert first["emitted"] == 0  # compiled here in the block: kept as code only
    assert second["hits"] == second["ops"] and second["misses"] == 0
    assert plain["hits"] == plain["ops"] and plain["misses"] == 0
    x = np.array([0.3, -1.2, 2.5])
    expect_total, expect_vec = _expected(x)
    total, *vec = (float.fromhex(v) for v in first["out"])
    assert total == pytest.approx(expect_total, rel=1e-12)
    np.testing.assert_allclose(vec, expect_vec, rtol=1e-12)
    assert second["out"] == first["out"]
    assert plain["out"] == first["out"]
