"""PyTensor's function of the graph compiled as linked code only
(:mod:`mmm.inference._numba_link`): no machine code of its own, and the code that links it
computes exactly what it computes when compiled as numba does."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")


def _graph_function():
    """A fresh PyTensor function of a small graph in numba mode (its own dispatcher, not
    yet compiled), as the graph's function the callbacks call."""
    import pytensor
    import pytensor.tensor as pt

    from mmm.inference.numba_callbacks import graph_function

    x = pt.dvector("x")
    out = [(pt.exp(x) * x).sum(), pt.log1p(x**2) - x]
    return graph_function(pytensor.function([x], out, mode="NUMBA"))


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
    return caller, _emitted(cres.library)


def _emitted(library) -> bool:
    """Whether LLVM emitted machine code for ``library``'s own module (numba's object
    cache hook marks it)."""
    return bool(library._compiled)


def test_linked_code_has_no_machine_code_of_its_own_and_computes_the_same():
    x = np.array([0.3, -1.2, 2.5])
    plain, plain_emitted = _compile(linked=False)
    linked, linked_emitted = _compile(linked=True)
    assert plain_emitted  # numba emitted the graph's function on its own
    assert not linked_emitted  # here only the caller's code holds it
    total, vec = linked(x)
    assert total == pytest.approx(float(np.sum(np.exp(x) * x)), rel=1e-12)
    np.testing.assert_allclose(vec, np.log1p(x**2) - x, rtol=1e-12)
    plain_total, plain_vec = plain(x)
    assert total == plain_total  # bit for bit
    np.testing.assert_array_equal(vec, plain_vec)


def test_numba_is_restored_after_the_block_also_after_an_error():
    import numba.core.codegen as codegen
    import numba.core.cpu as cpu
    import numba.core.typed_passes as typed_passes

    from mmm.inference._numba_link import linked_only

    def parts():
        return (
            typed_passes.NativeLowering.run_pass,
            codegen.CPUCodeLibrary.finalize,
            cpu.CPUContext.get_executable,
        )

    before = parts()
    with linked_only(_graph_function().py_func):
        assert all(a is not b for a, b in zip(parts(), before, strict=True))
    assert parts() == before
    with pytest.raises(RuntimeError), linked_only(_graph_function().py_func):
        raise RuntimeError("a failed compile")
    assert parts() == before


def test_without_numba_internals_it_compiles_as_numba_does(monkeypatch):
    """Where a numba version lacks a part used (here the linking copy of a library), the
    block changes nothing and the function keeps its machine code."""
    import numba
    import numba.core.codegen as codegen

    from mmm.inference._numba_link import linked_only

    real = codegen.CPUCodeLibrary.finalize
    monkeypatch.delattr(codegen.CPUCodeLibrary, "_get_module_for_linking")
    inner = _graph_function()
    with linked_only(inner.py_func):
        assert codegen.CPUCodeLibrary.finalize is real
    monkeypatch.undo()
    caller = _caller(inner)
    with linked_only(_graph_function().py_func):  # another function: this one compiles as usual
        caller.compile((numba.types.float64[::1],))
    (cres,) = inner.overloads.values()
    assert _emitted(cres.library)
